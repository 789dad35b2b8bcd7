// The 二代证 reader as the header's chip shows it. The applicant form looks at the reader while
// it waits for an applicant; a card placed on it fills the number and the name. What the state
// is and how it reads are decided in the workstation (counter-desk's look_at_reader).
import { reactive } from "vue";
import { api, type CardRead, type ReaderLook } from "./api";

export const reader = reactive({
  /** The last look's state, "" before the first look. */
  state: "" as "" | ReaderLook["state"],
  text: "",
});

/** One look at the reader: the card on it, or `null` (no card, no reader: the chip says). */
export async function lookAtReader(): Promise<CardRead | null> {
  try {
    const look = await api.lookAtReader(null);
    Object.assign(reader, { state: look.state, text: look.message });
    return look.card;
  } catch {
    Object.assign(reader, { state: "absent", text: "读卡器未连接" });
    return null;
  }
}
