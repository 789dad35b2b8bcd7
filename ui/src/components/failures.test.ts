// Failures that were once dropped without a word are said on screen, in Chinese, where the
// clerk looks; and a failure whose code matters still acts on the code.
import { afterEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";

/** What each command answers: a value, or an ApiError it throws. */
const answers = new Map<string, unknown>();
const calls: { cmd: string; args: Record<string, unknown> }[] = [];
const failure = (code: string, message: string) => ({ failure: { code, message } });
vi.mock("@tauri-apps/api/core", () => ({
  invoke: async (cmd: string, args: Record<string, unknown>) => {
    calls.push({ cmd, args });
    const a = answers.get(cmd);
    if (a && typeof a === "object" && "failure" in a) throw a.failure;
    if (typeof a === "function") return a(args);
    return a;
  },
}));

import HandOver from "./HandOver.vue";
import Ledger from "./Ledger.vue";
import PrinterSelect from "./PrinterSelect.vue";

afterEach(() => {
  answers.clear();
  calls.length = 0;
});

describe("PrinterSelect", () => {
  it("says why the printers could not be listed, not that there are none", async () => {
    answers.set("printers", failure("storage", "无法运行 lpstat"));
    const w = mount(PrinterSelect, { props: { id: "settings-printer", modelValue: "CounterPDF" } });
    await flushPromises();
    expect(w.get("#settings-printer-error").text()).toBe("无法读取打印机列表：无法运行 lpstat");
    expect(w.text()).not.toContain("本机没有可用的打印机");
    // The saved printer is still the one shown, with nothing claimed about it.
    const options = w.findAll("option").map((o) => o.text());
    expect(options).toEqual(["系统默认打印机", "CounterPDF"]);
  });

  it("lists the queues when they are read", async () => {
    answers.set("printers", ["CounterPDF", "HP-1020"]);
    const w = mount(PrinterSelect, { props: { id: "p", modelValue: null } });
    await flushPromises();
    expect(w.findAll("option").map((o) => o.text())).toEqual(["系统默认打印机", "CounterPDF", "HP-1020"]);
    expect(w.find(".error").exists()).toBe(false);
  });
});

describe("Ledger", () => {
  it("says the follow-ups could not be read, beside the ledger's own line", async () => {
    answers.set("ledger", []);
    answers.set("follow_ups", failure("storage", "数据库已损坏"));
    const w = mount(Ledger, { props: { today: "2025-09-26", supervisor: true } });
    await flushPromises();
    expect(w.get("#follow-ups-error").text()).toBe("无法读取差评回访：数据库已损坏");
    expect(w.findAll(".error")).toHaveLength(1);
  });
});

describe("HandOver", () => {
  it("asks for a second press on an unconfirmed office code, by its code", async () => {
    const row = { case_no: "E01-20250926-0001", item_name: "住院费用报销", applicant: "王芳", state_label: "已受理" };
    answers.set("ledger", [row]);
    answers.set("sheets", []);
    answers.set("hand_over", failure("unconfirmed", "网点代码 X99 无法在本机核对：确认无误请再按一次"));
    const w = mount(HandOver, { props: { offices: [] } });
    await flushPromises();
    await w.get(`#ho-held li[data-case='${row.case_no}']`).trigger("click");
    await w.get("#ho-to").setValue("X99");
    await w.get("form.to").trigger("submit");
    await flushPromises();
    expect(w.get("#ho-send-error").text()).toContain("X99");
    expect(w.get("#ho-send").text()).toContain("确认代码无误");

    answers.set("hand_over", { title: "材料交接单", case_no: "JJ-E01-20250926-01", kind: "handover", pages: [], path: "", bytes: 0 });
    await w.get("form.to").trigger("submit");
    await flushPromises();
    const sent = calls.filter((c) => c.cmd === "hand_over");
    expect(sent.map((c) => c.args.unregistered)).toEqual([false, true]);
    expect(w.find("#ho-send-error").exists()).toBe(false);
    expect(w.get("#ho-message").text()).toContain("JJ-E01-20250926-01");
  });
});
