// The console's calls to counter-server's /console/api/ (openapi.yaml): the session is the
// HttpOnly cookie the sign-in sets; every failure is the server's {code, message}.
import { ref } from "vue";
import type { Case } from "../bindings/Case";
import type { HistoryLine } from "../bindings/HistoryLine";
import type { Figures } from "../bindings/Figures";
import type { Applicant } from "../bindings/Applicant";
import type { Person } from "../bindings/Person";

export type StaffRole = "reviewer" | "admin" | "auditor";

export interface StaffMember {
  name: string;
  role: StaffRole;
  points: string[] | null;
  disabled: boolean;
}

export interface QueueCase {
  case_no: string;
  state: string;
  state_label: string;
  point: string;
  item: string;
  item_name: string;
  clerk: string;
  opened_at: string;
  due: string | null;
  id_masked: string;
  name_masked: string;
  overdue: boolean;
  due_soon: boolean;
}

export interface DeviceRow {
  id: string;
  point: string;
  window: number;
  name: string;
  revoked: boolean;
  cloned: boolean;
}

export interface AuditEntry {
  id: number;
  at: number;
  who: string;
  action: string;
  subject: string | null;
  detail: string | null;
}

/** A case as the console shows it: its fields, its history and the documents it may print. */
export type CaseDetail = Case & { history: HistoryLine[]; documents: string[] };

export interface ConsoleError {
  status: number;
  code: string;
  message: string;
}

export const roleLabel: Record<StaffRole, string> = {
  reviewer: "审核员",
  admin: "管理员",
  auditor: "审计员",
};

/** Set when a call finds the session gone (15 idle minutes, signed out elsewhere, the account
 * stopped): the console brings the sign-in back, whichever screen made the call. */
export const sessionEnded = ref(false);

async function call<T>(method: "GET" | "POST", path: string, body?: unknown, headers?: (h: Headers) => void): Promise<T> {
  let r: Response;
  try {
    r = await fetch(`/console/api/${path}`, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw { status: 0, code: "network", message: "无法连接中心服务器，请检查网络后重试" } as ConsoleError;
  }
  if (r.status === 204) return undefined as T;
  let data: unknown;
  try {
    data = await r.json();
  } catch {
    throw { status: r.status, code: "bad_answer", message: `中心服务器的回答无法识别（HTTP ${r.status}）` } as ConsoleError;
  }
  if (!r.ok) {
    const e = data as { code?: string; message?: string };
    // Not for the sign-in itself, nor the first look at who is signed in (nobody, yet).
    if (r.status === 401 && e.code === "auth" && path !== "login" && path !== "me") sessionEnded.value = true;
    throw { status: r.status, code: e.code ?? "unknown", message: e.message ?? `HTTP ${r.status}` } as ConsoleError;
  }
  headers?.(r.headers);
  return data as T;
}

const q = encodeURIComponent;

export const consoleApi = {
  login: (name: string, password: string) => call<StaffMember>("POST", "login", { name, password }),
  logout: () => call<void>("POST", "logout", {}),
  me: () => call<StaffMember>("GET", "me"),
  /** The most urgent of the queue (at most 1,000), and how many it holds in all. */
  async cases(state: string): Promise<{ list: QueueCase[]; total: number }> {
    let total: number | null = null;
    const list = await call<QueueCase[]>("GET", `cases${state ? `?state=${q(state)}` : ""}`, undefined, (h) => {
      const n = Number(h.get("x-total-count"));
      total = Number.isFinite(n) && h.has("x-total-count") ? n : null;
    });
    return { list, total: total ?? list.length };
  },
  case: (no: string) => call<CaseDetail>("GET", `cases/${q(no)}`),
  unmask: (no: string) => call<{ applicant: Applicant; agent: Person | null }>("POST", `cases/${q(no)}/unmask`, {}),
  approve: (no: string) => call<void>("POST", `cases/${q(no)}/review`, { approve: true }),
  returnCase: (no: string, reason: string) => call<void>("POST", `cases/${q(no)}/review`, { return: reason }),
  complete: (no: string) => call<void>("POST", `cases/${q(no)}/complete`, {}),
  figures: (from: string, to: string, point = "") =>
    call<Figures>("GET", `figures?from=${q(from)}&to=${q(to)}${point ? `&point=${q(point)}` : ""}`),
  workbookUrl: (from: string, to: string, point = "") =>
    `/console/api/figures.xlsx?from=${q(from)}&to=${q(to)}${point ? `&point=${q(point)}` : ""}`,
  devices: () => call<DeviceRow[]>("GET", "devices"),
  revoke: (id: string) => call<void>("POST", `devices/${q(id)}/revoke`, {}),
  enrollCode: (point: string, level: string, name: string) =>
    call<{ pass: string }>("POST", "enroll-codes", { point, level: level || undefined, name: name || undefined }),
  audit: () => call<AuditEntry[]>("GET", "audit"),
};

export interface EditionRow {
  id: string;
  title: string;
  edition: string;
  revision: string;
  version: number | null;
}

export interface ItemRef {
  code: string;
  name: string;
}

export interface ItemChange {
  item: ItemRef;
  base: ItemRef;
  name: [string, string] | null;
  time_limit: [string, string] | null;
  materials_added: string[];
  materials_dropped: string[];
}

export interface CatalogCheck {
  errors: string[];
  id: string | null;
  title: string | null;
  edition: string | null;
  items: number;
  base: string | null;
  diff: { added: ItemRef[]; dropped: ItemRef[]; changed: ItemChange[]; unchanged: number } | null;
}

export interface FlagRow {
  id: number;
  case_no: string;
  other: string;
  reviewed: boolean;
}

export const adminApi = {
  editions: () => call<EditionRow[]>("GET", "catalogs"),
  check: (toml: string) => call<CatalogCheck>("POST", "catalogs/check", { toml }),
  publish: (toml: string) => call<{ id: string; version: number }>("POST", "catalogs/publish", { toml }),
  flags: () => call<FlagRow[]>("GET", "flags"),
  flagReviewed: (id: number) => call<void>("POST", `flags/${id}/reviewed`, {}),
};

export const operatorApi = {
  publishCalendar: (toml: string) => call<{ version: number }>("POST", "calendars/publish", { toml }),
  importExport: (text: string) => call<{ acked_through: number; rejected: number }>("POST", "imports", { text }),
  staff: () => call<StaffMember[]>("GET", "staff"),
  addStaff: (name: string, role: StaffRole, points: string[] | null, password: string) =>
    call<void>("POST", "staff", { name, role, points, password }),
  disableStaff: (name: string) => call<void>("POST", `staff/${q(name)}/disable`, {}),
  resetStaff: (name: string, password: string) => call<void>("POST", `staff/${q(name)}/reset`, { password }),
};
