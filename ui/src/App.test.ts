// The header's own reads and the sign-out say when they fail: the sync state and the keep-alive
// on the header's line, a sign-out the workstation did not take on the sign-in that follows.
// A keep-alive refused because the workstation locked itself says nothing more: the sign-in
// that api.ts brings back says it.
import { afterEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";

const answers = new Map<string, unknown>();
const failure = (code: string, message: string) => ({ failure: { code, message } });
vi.mock("@tauri-apps/api/core", () => ({
  invoke: async (cmd: string) => {
    const a = answers.get(cmd);
    if (a && typeof a === "object" && "failure" in a) throw a.failure;
    return a;
  },
}));

import App from "./App.vue";

const status = {
  office: { name: "京口区医保服务中心", address: "", phone: "", complaint_phone: "", point: "E01", window: 1, level: null, printer: null, catalog: null, handled_by: [] },
  office_set: true,
  needs_setup: false,
  clerk: { name: "王芳", role: "clerk" },
  id_types: [{ value: "resident_id", label: "居民身份证" }],
  levels: [],
  idle_minutes: 10,
  today: "2025-09-26",
};

function answer(overrides: Record<string, unknown>) {
  for (const [k, v] of Object.entries({ status, sync_state: { enrolled: false }, alerts: [], search_items: [], sign_out: null, touch: null, ...overrides })) {
    answers.set(k, v);
  }
}

afterEach(() => {
  answers.clear();
  document.body.innerHTML = "";
});

describe("App", () => {
  it("says on the header what it could not read or tell, and a failed sign-out on the sign-in", async () => {
    answer({
      sync_state: failure("storage", "数据库已损坏"),
      touch: failure("storage", "程序内部错误，请重启 Counter"),
      sign_out: failure("network", "本机服务没有应答"),
    });
    const w = mount(App, { attachTo: document.body });
    await flushPromises();
    const header = w.get("#header-error").text();
    expect(header).toContain("无法读取同步状态：数据库已损坏");
    expect(header).toContain("无法告知本机您仍在操作（本机可能提前锁定）：程序内部错误，请重启 Counter");

    await w.get("#sign-out").trigger("click");
    await flushPromises();
    expect(w.get("#signin-error").text()).toBe("退出未完成：本机服务没有应答");
    w.unmount();
  });

  it("leaves a keep-alive refused by the lock to the sign-in", async () => {
    answer({ touch: failure("locked", "已超过10分钟未操作，本机已锁定，请重新登录") });
    const w = mount(App, { attachTo: document.body });
    await flushPromises();
    expect(w.find("#signin-name").exists()).toBe(true);
    expect(w.find("#signin-error").exists()).toBe(false);
    expect(w.find("#header-error").exists()).toBe(false);
    w.unmount();
  });
});
