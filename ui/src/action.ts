// One way for a screen to run what it asks of the workstation and say why it failed: the
// reason (the ApiError's Chinese message) goes on the screen's own error line, so no failure
// ends up only in the console or nowhere.
import { ref, type Ref } from "vue";
import { asApiError, type ApiError } from "./api";

export interface RunOptions {
  /** Leave the line as it is until this fails. For a read the screen makes by itself (a search
   * as the clerk types, a list read again after another action): it must not wipe a message
   * the clerk has not read yet. */
  keep?: boolean;
  /** Says what failed before the reason, where the reason alone would not (a list read in the
   * background: “无法读取打印机列表：…”). */
  prefix?: string;
  /** Codes another part of the window already answers (a "locked" brings the sign-in back, see
   * api.ts): the line says nothing for them; `lastError` still has them. */
  shownElsewhere?: ApiError["code"][];
}

export interface Action {
  /** The line's text: "" while there is nothing to say. */
  error: Ref<string>;
  /** The last run's failure, for a caller that acts on its code (never on its words). */
  lastError: Ref<ApiError | null>;
  /** A run is under way (a button disabled meanwhile). */
  busy: Ref<boolean>;
  /** `fn`'s result, or `undefined` once it has failed and the line says why (a `fn` with no
   * result returns `true` for its caller to tell). Never throws. */
  run<T>(fn: () => Promise<T>, options?: RunOptions): Promise<T | undefined>;
}

/** `error`: a line shared with other actions or set by the screen itself (a form's check). */
export function useAction(error: Ref<string> = ref("")): Action {
  const lastError = ref<ApiError | null>(null);
  const busy = ref(false);
  // Runs may overlap (a reload started by another): busy until the last one ends.
  let running = 0;

  async function run<T>(fn: () => Promise<T>, options: RunOptions = {}): Promise<T | undefined> {
    if (!options.keep) error.value = "";
    lastError.value = null;
    running += 1;
    busy.value = true;
    try {
      return await fn();
    } catch (e) {
      const failure = asApiError(e);
      lastError.value = failure;
      if (!options.shownElsewhere?.includes(failure.code)) {
        error.value = `${options.prefix ?? ""}${failure.message}`;
      }
      return undefined;
    } finally {
      running -= 1;
      busy.value = running > 0;
    }
  }

  return { error, lastError, busy, run };
}
