//! Every command the window offers, declared once: its name, its arguments, its result, and
//! whether it may take long (rendering, printing, the network), in which case a shell runs it
//! off the thread that keeps the window responsive. The desktop shell (`src-tauri`) derives its
//! Tauri commands from this list, the browser mode (`counter-web`) its `POST /api/<command>`
//! routes, and `typescript_client` the UI's client (`ui/src/commands.ts`), so a verb is
//! written here and in the workstation only.
//!
//! A shell calls `for_each_command!(its_macro)`; `its_macro!` receives, for each command,
//! `name(arg: Type, …) -> Result, quick|slow => |desk| body;` where `desk` is the shell's
//! `&Desk` and `body` gives `Result<Result, ApiError>`.

use std::sync::Mutex;

use crate::{err, ApiError, ApiErrorCode, Workstation};

/// The workstation as the shells hold it.
pub type Desk = Mutex<Workstation>;

/// Runs `f` on the workstation.
pub fn with<T>(
    desk: &Desk,
    f: impl FnOnce(&mut Workstation) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut w = desk
        .lock()
        .map_err(|_| err(ApiErrorCode::Storage, "程序内部错误，请重启 Counter"))?;
    f(&mut w)
}

/// 立即同步: the run waits on the network with no lock held, on a connection of its own; the
/// window and every other command go on meanwhile.
pub fn sync_now(desk: &Desk) -> Result<String, ApiError> {
    let job = with(desk, |w| w.sync_job())?;
    let answer = crate::run_sync(job);
    with(desk, |w| w.reload())?;
    answer
}

/// 设置 → 中心服务器: enrols this workstation (the supervisor only), the network waited on with
/// no lock held.
pub fn enroll(desk: &Desk, server: &str, code: &str) -> Result<String, ApiError> {
    let job = with(desk, |w| w.enroll_job(server, code))?;
    let answer = crate::run_enroll(job)?;
    with(desk, |w| w.reload())?;
    Ok(answer)
}

#[doc(hidden)]
pub fn no_such_item(code: &str) -> ApiError {
    err(
        ApiErrorCode::NotFound,
        format!("未找到事项编码 {code}，请核对后重新输入"),
    )
}

/// The list. Paths are written from this crate (`$crate`), since the shells expand it.
#[macro_export]
macro_rules! for_each_command {
    ($m:ident) => {
        $m! {
            status() -> $crate::DeskStatus, quick => |d| $crate::commands::with(d, |w| w.status());
            setup(office: $crate::core::settings::PointSettings, name: String, password: String)
                -> $crate::DeskStatus, quick
                => |d| $crate::commands::with(d, |w| w.setup(office, &name, &password));
            save_office(office: $crate::core::settings::PointSettings) -> $crate::DeskStatus, quick
                => |d| $crate::commands::with(d, |w| w.save_office(office));
            add_clerk(name: String, password: String, supervisor: bool) -> $crate::Clerk, quick
                => |d| $crate::commands::with(d, |w| w.add_clerk(&name, &password, supervisor));
            accounts() -> Vec<$crate::Account>, quick => |d| $crate::commands::with(d, |w| w.accounts());
            set_account_disabled(name: String, disabled: bool) -> Vec<$crate::Account>, quick
                => |d| $crate::commands::with(d, |w| w.set_account_disabled(&name, disabled));
            reset_password(name: String, password: String) -> Vec<$crate::Account>, quick
                => |d| $crate::commands::with(d, |w| w.reset_password(&name, &password));
            sign_in(name: String, password: String) -> $crate::DeskStatus, quick
                => |d| $crate::commands::with(d, |w| w.sign_in(&name, &password));
            sign_out() -> (), quick => |d| $crate::commands::with(d, |w| {
                w.sign_out();
                Ok(())
            });
            touch() -> (), quick => |d| $crate::commands::with(d, |w| {
                w.touch();
                Ok(())
            });
            check_id(id_type: $crate::core::case::IdType, number: String)
                -> $crate::IdCheckResult, quick
                => |d| $crate::commands::with(d, |w| Ok(w.check_id(id_type, &number)));
            list_catalogs() -> Vec<$crate::core::view::CatalogSummary>, quick
                => |d| $crate::commands::with(d, |w| Ok(w.catalogs().summaries()));
            printers() -> Vec<String>, slow => |_d| Ok($crate::printers());
            enroll(server: String, code: String) -> String, slow
                => |d| $crate::commands::enroll(d, &server, &code);
            search_items(query: String) -> Vec<$crate::core::search::SearchHit>, quick
                => |d| $crate::commands::with(d, |w| Ok(w.search(&query)));
            show_item(code: String, catalog: Option<String>) -> $crate::core::view::EntryView, quick
                => |d| $crate::commands::with(d, |w| {
                    w.show_entry(&code, catalog.as_deref())
                        .ok_or_else(|| $crate::commands::no_such_item(&code))
                });
            guide(code: String, catalog: String,
                answers: std::collections::BTreeMap<String, String>, with_agent: bool)
                -> $crate::core::case::Guide, quick
                => |d| $crate::commands::with(d, |w| w.guide(&code, &catalog, &answers, with_agent));
            guide_document(code: String, catalog: String,
                answers: std::collections::BTreeMap<String, String>, with_agent: bool, kind: String)
                -> $crate::Preview, slow
                => |d| $crate::commands::with(d, |w| {
                    w.guide_document(&code, &catalog, &answers, with_agent, &kind)
                });
            print_guide(code: String, catalog: String,
                answers: std::collections::BTreeMap<String, String>, with_agent: bool, kind: String)
                -> String, slow
                => |d| $crate::commands::with(d, |w| {
                    w.print_guide(&code, &catalog, &answers, with_agent, &kind)
                });
            open_case(request: $crate::OpenRequest) -> $crate::Opened, quick
                => |d| $crate::commands::with(d, |w| w.open_case(request));
            answer(case_no: String, situation: String, answer: String)
                -> $crate::core::case::CaseView, quick
                => |d| $crate::commands::with(d, |w| w.answer(&case_no, &situation, &answer));
            tick(case_no: String, key: String, form: $crate::core::case::Form, copies: u32,
                option: Option<String>) -> $crate::core::case::CaseView, quick
                => |d| $crate::commands::with(d, |w| w.tick(&case_no, &key, form, copies, option));
            untick(case_no: String, key: String) -> $crate::core::case::CaseView, quick
                => |d| $crate::commands::with(d, |w| w.untick(&case_no, &key));
            defer(case_no: String, key: String, until: String) -> $crate::core::case::CaseView, quick
                => |d| $crate::commands::with(d, |w| w.defer(&case_no, &key, &until));
            promise(case_no: String, key: String) -> $crate::core::case::CaseView, quick
                => |d| $crate::commands::with(d, |w| w.promise(&case_no, &key));
            accept(case_no: String) -> $crate::core::case::CaseView, quick
                => |d| $crate::commands::with(d, |w| w.accept(&case_no));
            notify(case_no: String) -> $crate::core::case::CaseView, quick
                => |d| $crate::commands::with(d, |w| w.notify(&case_no));
            refuse(case_no: String, reason: String, apply_to: Option<String>)
                -> $crate::core::case::CaseView, quick
                => |d| $crate::commands::with(d, |w| w.refuse(&case_no, &reason, apply_to));
            complete(case_no: String) -> $crate::core::case::CaseView, quick
                => |d| $crate::commands::with(d, |w| w.complete(&case_no));
            withdraw(case_no: String, reason: Option<String>) -> $crate::core::case::CaseView, quick
                => |d| $crate::commands::with(d, |w| w.withdraw(&case_no, reason));
            resume(scanned: String) -> $crate::core::case::CaseView, quick
                => |d| $crate::commands::with(d, |w| w.resume(&scanned));
            case_detail(case_no: String) -> $crate::CaseDetail, quick
                => |d| $crate::commands::with(d, |w| w.case_detail(&case_no));
            ledger(filter: $crate::LedgerFilter) -> Vec<$crate::LedgerRow>, quick
                => |d| $crate::commands::with(d, |w| w.ledger(filter));
            document(case_no: String, kind: String) -> $crate::Preview, slow
                => |d| $crate::commands::with(d, |w| w.document(&case_no, &kind));
            print(case_no: String, kind: String) -> String, slow
                => |d| $crate::commands::with(d, |w| w.print(&case_no, &kind));
            sync_state() -> $crate::SyncState, quick
                => |d| $crate::commands::with(d, |w| w.sync_state());
            sync_now() -> String, slow => |d| $crate::commands::sync_now(d);
            hand_over(cases: Vec<String>, to: String, unregistered: bool) -> $crate::Preview, slow
                => |d| $crate::commands::with(d, |w| w.hand_over(cases, &to, unregistered));
            sheet(sheet_no: String) -> $crate::SheetDetail, quick
                => |d| $crate::commands::with(d, |w| w.sheet(&sheet_no));
            sheet_document(sheet_no: String) -> $crate::Preview, slow
                => |d| $crate::commands::with(d, |w| w.sheet_document(&sheet_no));
            receive_sheet(sheet_no: String, notes: Vec<$crate::ReceiptNote>) -> $crate::SheetDetail, quick
                => |d| $crate::commands::with(d, |w| w.receive_sheet(&sheet_no, notes));
            recall_sheet(sheet_no: String, reason: Option<String>) -> $crate::SheetDetail, quick
                => |d| $crate::commands::with(d, |w| w.recall_sheet(&sheet_no, reason));
            sheets(pending: bool) -> Vec<$crate::SheetDetail>, quick
                => |d| $crate::commands::with(d, |w| w.sheets(pending));
            hand_back(case_no: String) -> $crate::core::case::CaseView, quick
                => |d| $crate::commands::with(d, |w| w.hand_back(&case_no));
            rate(case_no: String, score: u8, channel: String, comment: Option<String>)
                -> $crate::core::case::CaseView, quick
                => |d| $crate::commands::with(d, |w| w.rate(&case_no, score, &channel, comment));
            reply_follow_up(case_no: String, reply: String) -> $crate::core::case::CaseView, quick
                => |d| $crate::commands::with(d, |w| w.reply_follow_up(&case_no, &reply));
            applicant_screen() -> $crate::core::case::ScreenView, quick
                => |d| $crate::commands::with(d, |w| w.applicant_screen());
            rate_on_screen(case_no: String, score: u8) -> $crate::core::case::ScreenView, quick
                => |d| $crate::commands::with(d, |w| w.rate_on_screen(&case_no, score));
            next_applicant() -> (), quick => |d| $crate::commands::with(d, |w| w.next_applicant());
            alerts() -> Vec<$crate::Alert>, quick => |d| $crate::commands::with(d, |w| w.alerts());
            figures(from: String, to: String) -> $crate::core::figures::Figures, slow
                => |d| $crate::commands::with(d, |w| w.figures_between(&from, &to));
            export_figures(from: String, to: String) -> String, slow
                => |d| $crate::commands::with(d, |w| w.export_figures(&from, &to));
            rating_levels() -> Vec<$crate::core::rating::RatingLevel>, quick
                => |_d| Ok($crate::core::rating::rating_levels());
            follow_ups() -> Vec<$crate::LedgerRow>, quick
                => |d| $crate::commands::with(d, |w| w.follow_ups());
            audit_log() -> Vec<$crate::AuditEntry>, quick
                => |d| $crate::commands::with(d, |w| w.audit_log());
            look_at_reader(port: Option<String>) -> $crate::ReaderLook, slow
                => |d| {
                    // Read with no lock held: the window goes on meanwhile.
                    let (port, today) = $crate::commands::with(d, |w| {
                        Ok((port.or_else(|| w.reader_port()), w.now().date()))
                    })?;
                    Ok($crate::look_at_reader(port.as_deref(), today))
                };
        }
    };
}

/// `case_no` → `caseNo`.
pub fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// What a shell needs to know of a command without its types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandInfo {
    pub name: &'static str,
    /// It may take long: run off the window's thread.
    pub slow: bool,
}

macro_rules! info_list {
    ($( $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty, $speed:ident => |$d:ident| $body:expr; )*) => {
        /// Every command, in the list's order.
        pub const COMMANDS: &[CommandInfo] = &[
            $( CommandInfo { name: stringify!($name), slow: speed!($speed) } ),*
        ];

        /// The UI's client, as `ui/src/commands.ts` holds it (checked by the bindings test).
        pub fn typescript_client() -> String {
            use ts_rs::TS;
            let cfg = ts_rs::Config::new();
            let mut imports = std::collections::BTreeSet::new();
            let mut body = String::new();
            $(
                let args: Vec<(String, String)> = vec![
                    $( (camel(stringify!($arg)), <$ty as TS>::name(&cfg)) ),*
                ];
                let ret = <$ret as TS>::name(&cfg);
                for t in args.iter().map(|(_, t)| t).chain([&ret]) {
                    imports.extend(type_names(t));
                }
                body.push_str(&client_line(stringify!($name), &args, &ret));
            )*
            let imports: String = imports
                .into_iter()
                .map(|t| format!("import type {{ {t} }} from \"./bindings/{t}\";\n"))
                .collect();
            format!(
                "// Generated from the command list (crates/counter-desk/src/commands.rs) by\n\
                 // `UPDATE_BINDINGS=1 cargo test -p counter-tests --test bindings`. Do not edit.\n\
                 {imports}\n\
                 /** How a call reaches the workstation: Tauri's invoke, or the browser mode's POST. */\n\
                 export type Transport = <T>(command: string, args: Record<string, unknown>) => Promise<T>;\n\n\
                 /** Every command of the workstation, over `call`. */\n\
                 export function commands(call: Transport) {{\n  return {{\n{body}  }};\n}}\n"
            )
        }
    };
}

macro_rules! speed {
    (quick) => {
        false
    };
    (slow) => {
        true
    };
}

/// The generated types a TypeScript type names (`Array<LedgerRow>` → `LedgerRow`).
fn type_names(ts: &str) -> Vec<String> {
    ts.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .filter(|w| !matches!(*w, "Array" | "Record"))
        .map(String::from)
        .collect()
}

fn client_line(name: &str, args: &[(String, String)], ret: &str) -> String {
    let params = args
        .iter()
        .map(|(a, t)| format!("{a}: {t}"))
        .collect::<Vec<_>>()
        .join(", ");
    let names = args
        .iter()
        .map(|(a, _)| a.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let ret = if ret == "null" { "void" } else { ret };
    let names = if names.is_empty() {
        "{}".to_string()
    } else {
        format!("{{ {names} }}")
    };
    format!(
        "    {}: ({params}) => call<{ret}>(\"{name}\", {names}),\n",
        camel(name)
    )
}

for_each_command!(info_list);
