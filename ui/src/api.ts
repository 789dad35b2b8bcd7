// The only file that talks to the Rust side. Types come from ui/src/bindings (generated from Rust).
import { invoke as tauriInvoke } from "@tauri-apps/api/core";
import type { ApiError } from "./bindings/ApiError";
import type { CaseDetail } from "./bindings/CaseDetail";
import type { CaseView } from "./bindings/CaseView";
import type { CatalogSummary } from "./bindings/CatalogSummary";
import type { Clerk } from "./bindings/Clerk";
import type { DeskStatus } from "./bindings/DeskStatus";
import type { EntryView } from "./bindings/EntryView";
import type { Form } from "./bindings/Form";
import type { IdCheckResult } from "./bindings/IdCheckResult";
import type { IdType } from "./bindings/IdType";
import type { LedgerFilter } from "./bindings/LedgerFilter";
import type { LedgerRow } from "./bindings/LedgerRow";
import type { MaterialLine } from "./bindings/MaterialLine";
import type { PointSettings } from "./bindings/PointSettings";
import type { OpenRequest } from "./bindings/OpenRequest";
import type { Opened } from "./bindings/Opened";
import type { Preview } from "./bindings/Preview";
import type { SearchHit } from "./bindings/SearchHit";
import type { SyncState } from "./bindings/SyncState";
import type { SheetDetail } from "./bindings/SheetDetail";
import type { ReceiptNote } from "./bindings/ReceiptNote";
import type { CustodyStep } from "./bindings/CustodyStep";
import type { Scope } from "./bindings/Scope";
import type { Rating } from "./bindings/Rating";
import type { RatingLevel } from "./bindings/RatingLevel";
import type { AuditEntry } from "./bindings/AuditEntry";

/** The window shows the sign-in again when the workstation has locked itself (idle). */
export const IDLE_LOCK_EVENT = "counter-idle-lock";

async function invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await tauriInvoke<T>(cmd, args);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err?.code === "auth" && err.message?.includes("重新登录")) {
      window.dispatchEvent(new Event(IDLE_LOCK_EVENT));
    }
    throw e;
  }
}

export type {
  ApiError,
  AuditEntry,
  RatingLevel,
  CaseDetail,
  CaseView,
  CatalogSummary,
  Clerk,
  DeskStatus,
  EntryView,
  Form,
  IdCheckResult,
  IdType,
  LedgerFilter,
  LedgerRow,
  MaterialLine,
  PointSettings,
  OpenRequest,
  Opened,
  Preview,
  SearchHit,
  SyncState,
  SheetDetail,
  ReceiptNote,
  CustodyStep,
  Scope,
  Rating,
};

/** Turns whatever a command threw into an ApiError with a Chinese message. */
export function asApiError(e: unknown): ApiError {
  if (e && typeof e === "object" && "code" in e && "message" in e) return e as ApiError;
  return { code: "invalid_input", message: `操作未完成：${String(e)}` };
}

/** A hand-over sheet number as printed (and in its QR code): JJ-point-yyyymmdd-seq. */
export function isSheetNumber(s: string): boolean {
  return /^JJ-[A-Za-z0-9]{1,12}-\d{8}-\d{2,}$/.test(s.trim());
}

/** The ledger's filters with nothing chosen: every day, every state. */
export function anyCase(): LedgerFilter {
  return {
    date: null,
    state: null,
    item: null,
    clerk: null,
    id_number: null,
    case_no: null,
    overdue: false,
    due_within: null,
    held: false,
  };
}


/** A case number as printed (and encoded in the QR code): point-yyyymmdd-seq. */
export function isCaseNumber(s: string): boolean {
  return /^[A-Za-z0-9]{1,12}-\d{8}-(\d{1,2}-)?\d{4}$/.test(s.trim());
}

export const api = {
  status: () => invoke<DeskStatus>("status"),
  setup: (office: PointSettings, name: string, password: string) =>
    invoke<DeskStatus>("setup", { office, name, password }),
  saveOffice: (office: PointSettings) => invoke<DeskStatus>("save_office", { office }),
  addClerk: (name: string, password: string, supervisor: boolean) =>
    invoke<Clerk>("add_clerk", { name, password, supervisor }),
  signIn: (name: string, password: string) => invoke<DeskStatus>("sign_in", { name, password }),
  signOut: () => invoke<void>("sign_out"),
  touch: () => invoke<void>("touch"),
  checkId: (idType: IdType, number: string) =>
    invoke<IdCheckResult>("check_id", { idType, number }),
  listCatalogs: () => invoke<CatalogSummary[]>("list_catalogs"),
  printers: () => invoke<string[]>("printers"),
  enroll: (server: string, code: string) => invoke<string>("enroll", { server, code }),
  searchItems: (query: string) => invoke<SearchHit[]>("search_items", { query }),
  showItem: (code: string, catalog: string | null) =>
    invoke<EntryView>("show_item", { code, catalog }),
  openCase: (request: OpenRequest) => invoke<Opened>("open_case", { request }),
  answer: (caseNo: string, situation: string, answer: string) =>
    invoke<CaseView>("answer", { caseNo, situation, answer }),
  tick: (caseNo: string, key: string, form: Form, copies: number, option: string | null) =>
    invoke<CaseView>("tick", { caseNo, key, form, copies, option }),
  untick: (caseNo: string, key: string) => invoke<CaseView>("untick", { caseNo, key }),
  defer: (caseNo: string, key: string, until: string) =>
    invoke<CaseView>("defer", { caseNo, key, until }),
  promise: (caseNo: string, key: string) => invoke<CaseView>("promise", { caseNo, key }),
  accept: (caseNo: string) => invoke<CaseView>("accept", { caseNo }),
  notify: (caseNo: string) => invoke<CaseView>("notify", { caseNo }),
  refuse: (caseNo: string, reason: string, applyTo: string | null) =>
    invoke<CaseView>("refuse", { caseNo, reason, applyTo }),
  complete: (caseNo: string) => invoke<CaseView>("complete", { caseNo }),
  withdraw: (caseNo: string, reason: string | null) =>
    invoke<CaseView>("withdraw", { caseNo, reason }),
  resume: (scanned: string) => invoke<CaseView>("resume", { scanned }),
  caseDetail: (caseNo: string) => invoke<CaseDetail>("case_detail", { caseNo }),
  ledger: (filter: LedgerFilter) => invoke<LedgerRow[]>("ledger", { filter }),
  document: (caseNo: string, kind: string) => invoke<Preview>("document", { caseNo, kind }),
  print: (caseNo: string, kind: string) => invoke<string>("print_document", { caseNo, kind }),
  syncState: () => invoke<SyncState>("sync_state"),
  syncNow: () => invoke<string>("sync_now"),
  handOver: (cases: string[], to: string) => invoke<Preview>("hand_over", { cases, to }),
  sheet: (sheetNo: string) => invoke<SheetDetail>("sheet", { sheetNo }),
  sheetDocument: (sheetNo: string) => invoke<Preview>("sheet_document", { sheetNo }),
  receiveSheet: (sheetNo: string, notes: ReceiptNote[]) =>
    invoke<SheetDetail>("receive_sheet", { sheetNo, notes }),
  recallSheet: (sheetNo: string, reason: string | null) =>
    invoke<SheetDetail>("recall_sheet", { sheetNo, reason }),
  sheets: (pending: boolean) => invoke<SheetDetail[]>("sheets", { pending }),
  handBack: (caseNo: string) => invoke<CaseView>("hand_back", { caseNo }),
  ratingLevels: () => invoke<RatingLevel[]>("rating_levels"),
  auditLog: () => invoke<AuditEntry[]>("audit_log"),
  rate: (caseNo: string, score: number, channel: string, comment: string | null) =>
    invoke<CaseView>("rate", { caseNo, score, channel, comment }),
  replyFollowUp: (caseNo: string, reply: string) =>
    invoke<CaseView>("reply_follow_up", { caseNo, reply }),
  followUps: () => invoke<LedgerRow[]>("follow_ups"),
};
