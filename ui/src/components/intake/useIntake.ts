// The intake screen's shared state: the item chosen, the applicant, the case on screen and what
// is being decided about it, plus the elements the screen moves the focus between. Intake.vue
// creates one (provideIntake) for as long as the screen is mounted; its parts take it with
// useIntake(). What only one part uses (the search's hits, the checklist's key handling, the
// refusal and deferral forms' submits) stays in that part.
import { computed, inject, nextTick, provide, reactive, ref, watch, type InjectionKey } from "vue";
import { useAction } from "../../action";
import {
  api,
  type CaseView,
  type Form,
  type IdType,
  type Preview,
  type Scope,
  type SearchHit,
} from "../../api";

function createIntake() {
  // ── the item ──────────────────────────────────────────────────────────────────────────────
  const query = ref("");
  const chosen = ref<SearchHit | null>(null);
  const message = ref("");
  // The screen's one error line (#error): every part runs its commands through `run`.
  const { error, run } = useAction();

  // ── the applicant ─────────────────────────────────────────────────────────────────────────
  // Kept for the screen's life: the next applicant starts with the same ID type.
  const applicant = reactive({
    id_type: "resident_id" as IdType,
    id_number: "",
    name: "",
    phone: "",
    agent: false,
    agent_name: "",
    agent_id_number: "",
    /** The number and name came from the card reader (读卡), as they are in `cardNumber`. */
    card_number: "",
  });
  const idCheck = ref<{ ok: boolean; message: string } | null>(null);

  watch(
    () => [applicant.id_type, applicant.id_number] as const,
    async ([t, n]) => {
      if (!n.trim()) {
        idCheck.value = null;
        return;
      }
      // A partly typed number gets no red message until it has its full length.
      const r = await api.checkId(t, n);
      const complete = t !== "resident_id" || n.trim().length >= 15;
      idCheck.value = r.ok || complete ? r : null;
    },
  );
  const canOpen = computed(
    () => chosen.value !== null && idCheck.value?.ok === true && applicant.name.trim() !== "",
  );

  // ── the case ──────────────────────────────────────────────────────────────────────────────
  const kase = ref<CaseView | null>(null);
  const duplicates = ref<string[]>([]);
  const nameNote = ref<string | null>(null);
  /** What the central server refused of the case on screen (a resumed one), in words. */
  const refusals = ref<string[]>([]);
  /** What this point may do with the item: handle it, accept it on the applicant's behalf, or
   * send the applicant elsewhere (a D/E point). */
  const scope = ref<Scope>({ scope: "handles" });
  /** The checklist's current row; also the material F7 defers. */
  const row = ref(0);
  // The option and form chosen per material key; kept across cases for the screen's life.
  const optionOf = reactive<Record<string, number>>({});
  const formOf = reactive<Record<string, Form>>({});
  const isDraft = computed(() => kase.value?.state === "draft");

  // ── decisions ─────────────────────────────────────────────────────────────────────────────
  // next() clears the refusal's text only: an open form and the deferral date stay as they are.
  const preview = ref<Preview | null>(null);
  const refusing = ref(false);
  const refusal = reactive({ reason: "", apply_to: "" });
  const deferring = ref(false);
  const deferUntil = ref("");

  // ── where the focus goes (each bound with ref="…" by the part that shows it) ─────────────
  const searchBox = ref<HTMLInputElement | null>(null);
  const idBox = ref<HTMLInputElement | null>(null);
  const nameBox = ref<HTMLInputElement | null>(null);
  const listBox = ref<HTMLElement | null>(null);
  const questionRefs = ref<HTMLElement[]>([]);
  const reasonBox = ref<HTMLInputElement | null>(null);

  async function choose(hit: SearchHit) {
    chosen.value = hit;
    error.value = "";
    // A message about the previous applicant does not stay on this one's screen.
    message.value = "";
    await nextTick();
    idBox.value?.focus();
  }

  async function openCase() {
    if (!chosen.value || !canOpen.value) {
      error.value = !idCheck.value?.ok
        ? idCheck.value?.message ?? "请输入申请人证件号码"
        : "请输入申请人姓名";
      return;
    }
    const item = chosen.value;
    await run(async () => {
      const o = await api.openCase({
        catalog: item.catalog,
        item: item.code,
        name: applicant.name,
        id_type: applicant.id_type,
        id_number: applicant.id_number,
        phone: applicant.phone.trim() || null,
        agent_name: applicant.agent ? applicant.agent_name : null,
        agent_id_number: applicant.agent ? applicant.agent_id_number : null,
        // Read from the card, and not changed by hand since.
        card_read: applicant.card_number !== "" && applicant.card_number === applicant.id_number,
      });
      duplicates.value = o.duplicates;
      nameNote.value = o.name_note;
      scope.value = o.scope;
      show(o.case);
      await nextTick();
      focusNext();
    });
  }

  function show(c: CaseView) {
    kase.value = c;
    row.value = Math.min(row.value, Math.max(c.materials.length - 1, 0));
  }

  function focusNext() {
    const c = kase.value;
    if (!c) return;
    const open = c.questions.findIndex((q) => !(q.id in c.answers) && c.unanswered.includes(q.question));
    if (open >= 0 && questionRefs.value[open]) questionRefs.value[open].focus();
    else listBox.value?.focus();
  }

  async function decide(action: "accept" | "notify" | "complete") {
    const c = kase.value;
    if (!c) return;
    await run(async () => {
      const next =
        action === "accept"
          ? await api.accept(c.case_no)
          : action === "notify"
            ? await api.notify(c.case_no)
            : await api.complete(c.case_no);
      show(next);
      const deferred = next.materials.some((m) => m.status === "deferred");
      const kind =
        action === "notify" ? "notice" : action === "complete" ? "completion" : deferred ? "deferral" : "receipt";
      preview.value = await api.document(next.case_no, kind);
    });
  }

  async function startRefuse() {
    refusing.value = true;
    await nextTick();
    reasonBox.value?.focus();
  }

  async function resume(scanned: string) {
    await run(async () => {
      const c = await api.resume(scanned);
      duplicates.value = [];
      nameNote.value = null;
      const detail = await api.caseDetail(c.case_no);
      scope.value = detail.scope;
      refusals.value = detail.rejections.map(
        (r) => `中心拒收（${r.title}${r.sheet_no ? ` · 交接单 ${r.sheet_no}` : ""}）：${r.reason}`,
      );
      chosen.value = { code: c.item, name: c.item_name, catalog: c.catalog } as SearchHit;
      show(c);
      row.value = Math.max(c.materials.findIndex((m) => c.missing.includes(m.key)), 0);
      message.value = c.state === "draft" ? `已调出办件 ${c.case_no}，请补齐下列缺件` : `办件 ${c.case_no}：${c.state_label}`;
      await nextTick();
      listBox.value?.focus();
    });
  }

  /** Back to an empty screen for the next applicant. */
  function next() {
    // The applicant's screen: a draft set aside leaves it; a decided case stays for its rating.
    // If it could not be told, the clerk is (the applicant may still see this case), and what
    // the line said about the case stays.
    run(() => api.nextApplicant(), { keep: true, prefix: "申请人屏未能转到下一位申请人：" });
    kase.value = null;
    chosen.value = null;
    scope.value = { scope: "handles" };
    preview.value = null;
    duplicates.value = [];
    nameNote.value = null;
    refusals.value = [];
    Object.assign(applicant, { id_number: "", name: "", phone: "", agent: false, agent_name: "", agent_id_number: "", card_number: "" });
    idCheck.value = null;
    query.value = "";
    refusal.reason = "";
    refusal.apply_to = "";
    message.value = "";
    nextTick(() => searchBox.value?.focus());
  }

  return {
    query,
    chosen,
    message,
    error,
    run,
    applicant,
    idCheck,
    canOpen,
    kase,
    duplicates,
    nameNote,
    refusals,
    scope,
    row,
    optionOf,
    formOf,
    isDraft,
    preview,
    refusing,
    refusal,
    deferring,
    deferUntil,
    searchBox,
    idBox,
    nameBox,
    listBox,
    questionRefs,
    reasonBox,
    choose,
    openCase,
    show,
    focusNext,
    decide,
    startRefuse,
    resume,
    next,
  };
}

export type IntakeState = ReturnType<typeof createIntake>;

const KEY: InjectionKey<IntakeState> = Symbol("intake");

/** Creates the screen's state, bound to the calling component (its watcher stops with it), and
 * hands it to the parts below. Called once, by Intake.vue. */
export function provideIntake(): IntakeState {
  const state = createIntake();
  provide(KEY, state);
  return state;
}

/** The state of the intake screen this part is on. */
export function useIntake(): IntakeState {
  const state = inject(KEY);
  if (!state) throw new Error("useIntake() outside the intake screen");
  return state;
}
