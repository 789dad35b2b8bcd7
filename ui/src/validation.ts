// The browser's own form messages follow the OS locale ("Fill out this field" on an English
// system). Counter says it in Chinese whatever the locale.

/** The message for a field that fails the browser's checks, or "" when it is valid. */
export function validationMessage(v: ValidityState): string {
  if (v.valueMissing) return "请填写此项";
  if (v.typeMismatch || v.patternMismatch || v.badInput) return "格式不正确，请检查";
  if (v.tooLong) return "内容过长";
  if (v.tooShort) return "内容过短";
  if (v.rangeOverflow || v.rangeUnderflow || v.stepMismatch) return "数值超出允许范围";
  return "";
}

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** Replaces the browser's messages in `root` (the whole document in the app). */
export function chineseValidation(root: Document | HTMLElement): void {
  root.addEventListener(
    "invalid",
    (e) => {
      const f = e.target as Field;
      f.setCustomValidity("");
      f.setCustomValidity(validationMessage(f.validity));
    },
    true,
  );
  // A message set above sticks until cleared: clear it as soon as the clerk edits the field.
  root.addEventListener("input", (e) => (e.target as Field).setCustomValidity?.(""), true);
}
