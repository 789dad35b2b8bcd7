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
import type { HandlingOffice } from "./bindings/HandlingOffice";
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
import type { CardRead } from "./bindings/CardRead";
import type { ReaderLook } from "./bindings/ReaderLook";
import { commands } from "./commands";

/** The window shows the sign-in again when the workstation has locked itself (idle). */
export const IDLE_LOCK_EVENT = "counter-idle-lock";

/** In the desktop window the commands go through Tauri; in the browser mode (`counter-web`)
 * as `POST /api/<command>` to the loopback server that served this page (its session cookie
 * goes along). Unit tests mock Tauri's invoke. */
const inWindow =
  (typeof window !== "undefined" && "__TAURI_INTERNALS__" in window) || import.meta.env.MODE === "test";

async function post<T>(cmd: string, args: Record<string, unknown>): Promise<T> {
  const r = await fetch(`/api/${cmd}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(args),
    credentials: "same-origin",
  });
  const text = await r.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { code: "storage", message: `本机服务的应答无法识别（${r.status}），请重新打开 Counter` };
  }
  if (!r.ok) throw body;
  return body as T;
}

async function invoke<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return inWindow ? await tauriInvoke<T>(cmd, args) : await post<T>(cmd, args);
  } catch (e) {
    // The workstation locked itself (idle): the window shows the sign-in. Decided by the code.
    if ((e as { code?: string })?.code === "locked") {
      window.dispatchEvent(new Event(IDLE_LOCK_EVENT));
    }
    throw e;
  }
}

export type {
  ApiError,
  AuditEntry,
  CardRead,
  ReaderLook,
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
  HandlingOffice,
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

/** Every command, generated from the workstation's command list (ui/src/commands.ts). */
export const api = commands(invoke);
