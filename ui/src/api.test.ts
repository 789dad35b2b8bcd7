import { describe, expect, it } from "vitest";
import { asApiError, isCaseNumber, isSheetNumber } from "./api";

describe("asApiError", () => {
  it("keeps an ApiError from a command and wraps anything else in Chinese", () => {
    expect(asApiError({ code: "not_found", message: "未找到事项编码 1" }).code).toBe("not_found");
    expect(asApiError("boom").message).toContain("操作未完成");
  });
});

describe("isCaseNumber", () => {
  it("tells a scanned or typed case number from a search", () => {
    expect(isCaseNumber("3211-20250926-0001")).toBe(true);
    expect(isCaseNumber(" 3211-20250926-0001\n")).toBe(true);
    expect(isCaseNumber("zyfy")).toBe(false);
    expect(isCaseNumber("002036006002")).toBe(false);
    expect(isCaseNumber("3211-2025092-0001")).toBe(false);
  });
});

describe("isSheetNumber", () => {
  it("tells a scanned hand-over sheet from a case number", () => {
    expect(isSheetNumber("JJ-E01-20250926-01")).toBe(true);
    expect(isSheetNumber(" JJ-E01-20250926-01\n")).toBe(true);
    expect(isSheetNumber("E01-20250926-0001")).toBe(false);
    expect(isSheetNumber("JJ-E01-2025092-01")).toBe(false);
  });
});
