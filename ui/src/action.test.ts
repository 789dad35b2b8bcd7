// useAction: the one way a screen runs a command and says why it failed, in Chinese.
import { describe, expect, it } from "vitest";
import { ref } from "vue";
import { useAction } from "./action";

/** A promise the test settles when it wants to look at the state in between. */
function pending<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe("useAction", () => {
  it("clears the last failure when a run succeeds, and gives its result", async () => {
    const a = useAction();
    a.error.value = "上次的错误";
    expect(await a.run(async () => 42)).toBe(42);
    expect(a.error.value).toBe("");
    expect(a.lastError.value).toBeNull();
  });

  it("shows a command's Chinese message and keeps its code", async () => {
    const a = useAction();
    const failure = { code: "unconfirmed", message: "网点代码 X99 无法核对，再按一次确认" };
    expect(await a.run(() => Promise.reject(failure))).toBeUndefined();
    expect(a.error.value).toBe("网点代码 X99 无法核对，再按一次确认");
    expect(a.lastError.value?.code).toBe("unconfirmed");
  });

  it("says in Chinese what went wrong when the throw is no ApiError", async () => {
    const a = useAction();
    await a.run(async () => {
      throw new TypeError("x is undefined");
    });
    expect(a.error.value).toBe("操作未完成：TypeError: x is undefined");
    expect(a.lastError.value?.code).toBe("invalid_input");
  });

  it("is busy while a run is under way, until the last of overlapping runs ends", async () => {
    const a = useAction();
    const first = pending<string>();
    const second = pending<string>();
    expect(a.busy.value).toBe(false);
    const one = a.run(() => first.promise);
    const two = a.run(() => second.promise);
    expect(a.busy.value).toBe(true);
    first.resolve("a");
    await one;
    expect(a.busy.value).toBe(true);
    second.reject({ code: "network", message: "无法连接中心服务器" });
    await two;
    expect(a.busy.value).toBe(false);
    expect(a.error.value).toBe("无法连接中心服务器");
  });

  it("clears the line as a run starts, unless told to keep it", async () => {
    const a = useAction();
    const p = pending<number>();
    a.error.value = "请输入申请人姓名";
    const kept = a.run(() => p.promise, { keep: true });
    expect(a.error.value).toBe("请输入申请人姓名");
    p.resolve(1);
    await kept;
    expect(a.error.value).toBe("请输入申请人姓名");

    const q = pending<number>();
    const cleared = a.run(() => q.promise);
    expect(a.error.value).toBe("");
    q.resolve(2);
    await cleared;
  });

  it("says what failed before the reason, and writes to a line it is given", async () => {
    const line = ref("");
    const a = useAction(line);
    await a.run(() => Promise.reject({ code: "storage", message: "磁盘已满" }), { prefix: "无法读取打印机列表：" });
    expect(line.value).toBe("无法读取打印机列表：磁盘已满");
    expect(a.error).toBe(line);
  });

  it("says nothing for a code another part of the window answers, but keeps it", async () => {
    const a = useAction();
    const locked = { code: "locked", message: "已超过10分钟未操作，本机已锁定，请重新登录" };
    await a.run(() => Promise.reject(locked), { shownElsewhere: ["locked"] });
    expect(a.error.value).toBe("");
    expect(a.lastError.value?.code).toBe("locked");
    await a.run(() => Promise.reject({ code: "storage", message: "程序内部错误，请重启 Counter" }), {
      shownElsewhere: ["locked"],
    });
    expect(a.error.value).toBe("程序内部错误，请重启 Counter");
  });
});
