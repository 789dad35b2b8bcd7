import { describe, expect, it } from "vitest";
import { mount } from "@vue/test-utils";
import { asApiError, type EntryView } from "./api";
import ItemDetail from "./components/ItemDetail.vue";

describe("asApiError", () => {
  it("keeps an ApiError from a command and wraps anything else in Chinese", () => {
    expect(asApiError({ code: "not_found", message: "未找到事项编码 1" }).code).toBe("not_found");
    expect(asApiError("boom").message).toContain("操作未完成");
  });
});

describe("ItemDetail", () => {
  const entry: EntryView = {
    kind: "item",
    code: "002036006002",
    name: "住院费用报销",
    catalog: "national",
    main: { code: "00203600600Y", name: "基本医疗保险参保人员医疗费用手工（零星）报销" },
    levels: [],
    channels: [],
    steps: ["申请", "受理", "审核", "拨付", "办结"],
    time_limit_text: "不超过30个工作日",
    time_limit: [{ when: null, kind: "working_days", days: 30 }],
    agreement: null,
    situations: [],
    materials: [
      { name: "医保电子凭证或有效身份证件或社保卡", any_of: ["医保电子凭证", "有效身份证件", "社保卡"], when: null, form: null, copies: null, stamp: null, issuer: null, note: null, optional: false, deferrable: false, promise: false },
      { name: "诊断证明", any_of: null, when: null, form: "原件", copies: 1, stamp: null, issuer: null, note: null, optional: false, deferrable: false, promise: false },
    ],
    notes: [],
    basis: ["《中华人民共和国社会保险法》"],
    national: null,
    source_note: null,
  };

  it("shows every material with its requirements, the time limit and the steps", () => {
    const w = mount(ItemDetail, { props: { entry } });
    const items = w.findAll(".materials li");
    expect(items).toHaveLength(2);
    expect(items[0].text()).toContain("任选其一");
    expect(items[1].text()).toContain("原件");
    expect(items[1].text()).toContain("1 份");
    expect(w.text()).toContain("不超过30个工作日");
    expect(w.text()).toContain("申请 → 受理 → 审核 → 拨付 → 办结");
    expect(w.text()).toContain("设定依据");
  });
});
