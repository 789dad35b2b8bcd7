// The 二代证 reader as the header's chip shows it. The applicant form polls the reader while
// it waits for an applicant; a card placed on it fills the number and the name.
import { reactive } from "vue";
import { api, asApiError, type CardRead } from "./api";

export const reader = reactive({
  /** "ready": a reader answers; "absent": none answers; "" before the first look. */
  state: "" as "" | "ready" | "absent",
  text: "",
});

/** One look at the reader: the card on it, or `null` (no card, no reader: the chip says). */
export async function lookAtReader(): Promise<CardRead | null> {
  try {
    const card = await api.readCard(null);
    Object.assign(reader, { state: "ready", text: "读卡器：已读卡" });
    return card;
  } catch (e) {
    const err = asApiError(e);
    if (err.message.startsWith("读卡器未连接") || err.message.startsWith("读卡器无应答")) {
      Object.assign(reader, { state: "absent", text: "读卡器未连接" });
    } else if (err.message.startsWith("未放卡")) {
      Object.assign(reader, { state: "ready", text: "读卡器：请放卡" });
    } else {
      Object.assign(reader, { state: "ready", text: `读卡器：${err.message}` });
    }
    return null;
  }
}
