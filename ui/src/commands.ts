// Generated from the command list (crates/counter-desk/src/commands.rs) by
// `UPDATE_BINDINGS=1 cargo test -p counter-tests --test bindings`. Do not edit.
import type { Account } from "./bindings/Account";
import type { Alert } from "./bindings/Alert";
import type { AuditEntry } from "./bindings/AuditEntry";
import type { CaseDetail } from "./bindings/CaseDetail";
import type { CaseView } from "./bindings/CaseView";
import type { CatalogSummary } from "./bindings/CatalogSummary";
import type { Clerk } from "./bindings/Clerk";
import type { DeskStatus } from "./bindings/DeskStatus";
import type { EntryView } from "./bindings/EntryView";
import type { Figures } from "./bindings/Figures";
import type { Form } from "./bindings/Form";
import type { Guide } from "./bindings/Guide";
import type { IdCheckResult } from "./bindings/IdCheckResult";
import type { IdType } from "./bindings/IdType";
import type { LedgerFilter } from "./bindings/LedgerFilter";
import type { LedgerRow } from "./bindings/LedgerRow";
import type { OpenRequest } from "./bindings/OpenRequest";
import type { Opened } from "./bindings/Opened";
import type { PointSettings } from "./bindings/PointSettings";
import type { Preview } from "./bindings/Preview";
import type { RatingLevel } from "./bindings/RatingLevel";
import type { ReaderLook } from "./bindings/ReaderLook";
import type { ReceiptNote } from "./bindings/ReceiptNote";
import type { ScreenView } from "./bindings/ScreenView";
import type { SearchHit } from "./bindings/SearchHit";
import type { SheetDetail } from "./bindings/SheetDetail";
import type { SyncState } from "./bindings/SyncState";

/** How a call reaches the workstation: Tauri's invoke, or the browser mode's POST. */
export type Transport = <T>(command: string, args: Record<string, unknown>) => Promise<T>;

/** Every command of the workstation, over `call`. */
export function commands(call: Transport) {
  return {
    status: () => call<DeskStatus>("status", {}),
    setup: (office: PointSettings, name: string, password: string) => call<DeskStatus>("setup", { office, name, password }),
    saveOffice: (office: PointSettings) => call<DeskStatus>("save_office", { office }),
    addClerk: (name: string, password: string, supervisor: boolean) => call<Clerk>("add_clerk", { name, password, supervisor }),
    accounts: () => call<Array<Account>>("accounts", {}),
    setAccountDisabled: (name: string, disabled: boolean) => call<Array<Account>>("set_account_disabled", { name, disabled }),
    resetPassword: (name: string, password: string) => call<Array<Account>>("reset_password", { name, password }),
    signIn: (name: string, password: string) => call<DeskStatus>("sign_in", { name, password }),
    signOut: () => call<void>("sign_out", {}),
    touch: () => call<void>("touch", {}),
    checkId: (idType: IdType, number: string) => call<IdCheckResult>("check_id", { idType, number }),
    listCatalogs: () => call<Array<CatalogSummary>>("list_catalogs", {}),
    printers: () => call<Array<string>>("printers", {}),
    enroll: (server: string, code: string) => call<string>("enroll", { server, code }),
    searchItems: (query: string) => call<Array<SearchHit>>("search_items", { query }),
    showItem: (code: string, catalog: string | null) => call<EntryView>("show_item", { code, catalog }),
    guide: (code: string, catalog: string, answers: { [key in string]: string }, withAgent: boolean) => call<Guide>("guide", { code, catalog, answers, withAgent }),
    guideDocument: (code: string, catalog: string, answers: { [key in string]: string }, withAgent: boolean, kind: string) => call<Preview>("guide_document", { code, catalog, answers, withAgent, kind }),
    printGuide: (code: string, catalog: string, answers: { [key in string]: string }, withAgent: boolean, kind: string) => call<string>("print_guide", { code, catalog, answers, withAgent, kind }),
    openCase: (request: OpenRequest) => call<Opened>("open_case", { request }),
    answer: (caseNo: string, situation: string, answer: string) => call<CaseView>("answer", { caseNo, situation, answer }),
    tick: (caseNo: string, key: string, form: Form, copies: number, option: string | null) => call<CaseView>("tick", { caseNo, key, form, copies, option }),
    untick: (caseNo: string, key: string) => call<CaseView>("untick", { caseNo, key }),
    defer: (caseNo: string, key: string, until: string) => call<CaseView>("defer", { caseNo, key, until }),
    promise: (caseNo: string, key: string) => call<CaseView>("promise", { caseNo, key }),
    accept: (caseNo: string) => call<CaseView>("accept", { caseNo }),
    notify: (caseNo: string) => call<CaseView>("notify", { caseNo }),
    refuse: (caseNo: string, reason: string, applyTo: string | null) => call<CaseView>("refuse", { caseNo, reason, applyTo }),
    complete: (caseNo: string) => call<CaseView>("complete", { caseNo }),
    withdraw: (caseNo: string, reason: string | null) => call<CaseView>("withdraw", { caseNo, reason }),
    resume: (scanned: string) => call<CaseView>("resume", { scanned }),
    caseDetail: (caseNo: string) => call<CaseDetail>("case_detail", { caseNo }),
    ledger: (filter: LedgerFilter) => call<Array<LedgerRow>>("ledger", { filter }),
    document: (caseNo: string, kind: string) => call<Preview>("document", { caseNo, kind }),
    print: (caseNo: string, kind: string) => call<string>("print", { caseNo, kind }),
    syncState: () => call<SyncState>("sync_state", {}),
    syncNow: () => call<string>("sync_now", {}),
    handOver: (cases: Array<string>, to: string, unregistered: boolean) => call<Preview>("hand_over", { cases, to, unregistered }),
    sheet: (sheetNo: string) => call<SheetDetail>("sheet", { sheetNo }),
    sheetDocument: (sheetNo: string) => call<Preview>("sheet_document", { sheetNo }),
    receiveSheet: (sheetNo: string, notes: Array<ReceiptNote>) => call<SheetDetail>("receive_sheet", { sheetNo, notes }),
    recallSheet: (sheetNo: string, reason: string | null) => call<SheetDetail>("recall_sheet", { sheetNo, reason }),
    sheets: (pending: boolean) => call<Array<SheetDetail>>("sheets", { pending }),
    handBack: (caseNo: string) => call<CaseView>("hand_back", { caseNo }),
    rate: (caseNo: string, score: number, channel: string, comment: string | null) => call<CaseView>("rate", { caseNo, score, channel, comment }),
    replyFollowUp: (caseNo: string, reply: string) => call<CaseView>("reply_follow_up", { caseNo, reply }),
    applicantScreen: () => call<ScreenView>("applicant_screen", {}),
    rateOnScreen: (caseNo: string, score: number) => call<ScreenView>("rate_on_screen", { caseNo, score }),
    nextApplicant: () => call<void>("next_applicant", {}),
    alerts: () => call<Array<Alert>>("alerts", {}),
    figures: (from: string, to: string) => call<Figures>("figures", { from, to }),
    exportFigures: (from: string, to: string) => call<string>("export_figures", { from, to }),
    ratingLevels: () => call<Array<RatingLevel>>("rating_levels", {}),
    followUps: () => call<Array<LedgerRow>>("follow_ups", {}),
    auditLog: () => call<Array<AuditEntry>>("audit_log", {}),
    lookAtReader: (port: string | null) => call<ReaderLook>("look_at_reader", { port }),
  };
}
