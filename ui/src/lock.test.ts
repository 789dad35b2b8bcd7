// The window shows the sign-in when the workstation locked itself: decided by the error's code
// ("locked"), never by the words of a message.
import { describe, expect, it, vi } from "vitest";

let answer: unknown = null;
vi.mock("@tauri-apps/api/core", () => ({
  invoke: async () => {
    throw answer;
  },
}));

import { api, IDLE_LOCK_EVENT } from "./api";

async function locks(error: unknown): Promise<boolean> {
  answer = error;
  let seen = false;
  const listener = () => (seen = true);
  window.addEventListener(IDLE_LOCK_EVENT, listener);
  await api.ledger({} as never).catch(() => undefined);
  window.removeEventListener(IDLE_LOCK_EVENT, listener);
  return seen;
}

describe("the idle lock", () => {
  it("follows the code, not the message", async () => {
    expect(await locks({ code: "locked", message: "已超过10分钟未操作，本机已锁定，请重新登录" })).toBe(true);
    expect(await locks({ code: "auth", message: "请重新登录" })).toBe(false);
    expect(await locks({ code: "network", message: "无法连接" })).toBe(false);
  });
});
