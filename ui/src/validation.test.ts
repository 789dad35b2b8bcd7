import { describe, expect, it } from "vitest";
import { validationMessage } from "./validation";

const state = (over: Partial<ValidityState>): ValidityState =>
  ({
    badInput: false,
    customError: false,
    patternMismatch: false,
    rangeOverflow: false,
    rangeUnderflow: false,
    stepMismatch: false,
    tooLong: false,
    tooShort: false,
    typeMismatch: false,
    valid: false,
    valueMissing: false,
    ...over,
  }) as ValidityState;

describe("validationMessage", () => {
  it("says what is wrong in Chinese, whatever the OS locale", () => {
    expect(validationMessage(state({ valueMissing: true }))).toBe("请填写此项");
    expect(validationMessage(state({ patternMismatch: true }))).toBe("格式不正确，请检查");
    expect(validationMessage(state({ valid: true }))).toBe("");
  });
});
