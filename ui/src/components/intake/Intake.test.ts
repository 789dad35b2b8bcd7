// The intake screen's F-keys: one window listener for the screen's life, acting on the case on
// screen only (an earlier screen left listening accepted another applicant's draft).
import { afterEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";

const calls: string[] = [];
const draft = {
  case_no: "E01-20250926-0001", state: "draft", state_label: "受理中", item: "Q1", item_name: "住院费用报销",
  catalog: "cat", due: null, acceptance: null, applicant: { name: "王芳" }, time_limit_text: "20 个工作日",
  channel_note: null, omissions: [], rating: null, questions: [], answers: {}, answers_in_effect: {},
  unanswered: [], missing: [], materials: [{ key: "m1", name: "申请表", any_of: [], requirement: "", optional: false,
    deferrable: false, status: "received", status_label: "已收", form: "original", copies: 1 }],
};
vi.mock("@tauri-apps/api/core", () => ({
  invoke: async (cmd: string) => {
    calls.push(cmd);
    if (cmd === "search_items") return [];
    if (cmd === "resume" || cmd === "accept") return structuredClone(draft);
    if (cmd === "case_detail") return { case: structuredClone(draft), scope: { scope: "handles" }, rejections: [] };
    if (cmd === "document") return { title: "受理回执", case_no: draft.case_no, kind: "receipt", pages: [], path: "", bytes: 0 };
    throw new Error(cmd);
  },
}));

import Intake from "../Intake.vue";

const status = { id_types: [{ value: "resident_id", label: "居民身份证" }] } as any;
const press = (key: string) =>
  (document.activeElement ?? document.body).dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));

afterEach(() => {
  vi.restoreAllMocks();
  calls.length = 0;
  document.body.innerHTML = "";
});

describe("Intake", () => {
  it("adds its keydown listener on mount and removes that one on unmount", async () => {
    const add = vi.spyOn(window, "addEventListener");
    const remove = vi.spyOn(window, "removeEventListener");
    const w = mount(Intake, { props: { status }, attachTo: document.body });
    await flushPromises();
    const added = add.mock.calls.filter(([t]) => t === "keydown");
    expect(added).toHaveLength(1);
    w.unmount();
    const removed = remove.mock.calls.filter(([t]) => t === "keydown");
    expect(removed).toHaveLength(1);
    expect(removed[0][1]).toBe(added[0][1]);
  });

  it("F8 accepts the case on screen, and nothing once the screen is gone", async () => {
    const w = mount(Intake, { props: { status }, attachTo: document.body });
    await flushPromises();
    const search = w.get<HTMLInputElement>("#search");
    await search.setValue(draft.case_no);
    await search.trigger("keydown", { key: "Enter" });
    await flushPromises();
    expect(document.activeElement?.id).toBe("checklist");
    w.unmount();
    calls.length = 0;
    press("F8");
    await flushPromises();
    expect(calls).toEqual([]);

    const again = mount(Intake, { props: { status }, attachTo: document.body });
    await flushPromises();
    await again.get("#search").setValue(draft.case_no);
    await again.get("#search").trigger("keydown", { key: "Enter" });
    await flushPromises();
    calls.length = 0;
    press("F8");
    await flushPromises();
    expect(calls).toEqual(["accept", "document"]);
    again.unmount();
  });
});
