//! The desktop shell. Each command takes the workstation, calls it and hands back its answer
//! or its `{ code, message }` error; the logic is in `counter-desk` and the crates below it.

use std::sync::Mutex;

use counter_core::case::{CaseView, Form, IdType};
use counter_core::search::SearchHit;
use counter_core::settings::PointSettings;
use counter_core::view::{CatalogSummary, EntryView};
use counter_desk::{
    ApiError, ApiErrorCode, CaseDetail, Clerk, Clock, DeskStatus, IdCheckResult, LedgerFilter,
    LedgerRow, OpenRequest, Opened, Paths, Preview, ReceiptNote, SheetDetail, Workstation,
};
use tauri::{AppHandle, Manager, State};

/// The workstation, or why it could not open (a wrong key, a damaged store): every command
/// then answers with that reason, which the window shows.
type Desk = Result<Mutex<Workstation>, ApiError>;

fn internal() -> ApiError {
    ApiError {
        code: ApiErrorCode::Storage,
        message: "程序内部错误，请重启 Counter".into(),
    }
}

fn with<T>(
    desk: &State<'_, Desk>,
    f: impl FnOnce(&mut Workstation) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let m = desk.as_ref().map_err(Clone::clone)?;
    let mut w = m.lock().map_err(|_| internal())?;
    f(&mut w)
}

/// Runs `f` on the workstation off the window's thread. A plain command runs on the main
/// thread: rendering, printing or waiting on the network there freezes the window and drops
/// the keys typed meanwhile.
async fn off_main<T: Send + 'static>(
    app: AppHandle,
    f: impl FnOnce(&mut Workstation) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tauri::async_runtime::spawn_blocking(move || with(&app.state::<Desk>(), f))
        .await
        .map_err(|_| internal())?
}

#[tauri::command]
fn status(desk: State<'_, Desk>) -> Result<DeskStatus, ApiError> {
    with(&desk, |w| w.status())
}

#[tauri::command]
fn setup(
    desk: State<'_, Desk>,
    office: PointSettings,
    name: String,
    password: String,
) -> Result<DeskStatus, ApiError> {
    with(&desk, |w| w.setup(office, &name, &password))
}

#[tauri::command]
fn save_office(desk: State<'_, Desk>, office: PointSettings) -> Result<DeskStatus, ApiError> {
    with(&desk, |w| w.save_office(office))
}

#[tauri::command]
fn add_clerk(
    desk: State<'_, Desk>,
    name: String,
    password: String,
    supervisor: bool,
) -> Result<Clerk, ApiError> {
    with(&desk, |w| w.add_clerk(&name, &password, supervisor))
}

#[tauri::command]
fn sign_in(desk: State<'_, Desk>, name: String, password: String) -> Result<DeskStatus, ApiError> {
    with(&desk, |w| w.sign_in(&name, &password))
}

#[tauri::command]
fn sign_out(desk: State<'_, Desk>) -> Result<(), ApiError> {
    with(&desk, |w| {
        w.sign_out();
        Ok(())
    })
}

#[tauri::command]
fn check_id(
    desk: State<'_, Desk>,
    id_type: IdType,
    number: String,
) -> Result<IdCheckResult, ApiError> {
    with(&desk, |w| Ok(w.check_id(id_type, &number)))
}

/// The print queues this computer has, to choose from in setup and settings.
#[tauri::command]
async fn printers() -> Result<Vec<String>, ApiError> {
    tauri::async_runtime::spawn_blocking(counter_desk::printers)
        .await
        .map_err(|_| internal())
}

#[tauri::command]
fn list_catalogs(desk: State<'_, Desk>) -> Result<Vec<CatalogSummary>, ApiError> {
    with(&desk, |w| Ok(w.catalogs().summaries()))
}

#[tauri::command]
fn search_items(desk: State<'_, Desk>, query: String) -> Result<Vec<SearchHit>, ApiError> {
    with(&desk, |w| Ok(w.search(&query)))
}

#[tauri::command]
fn show_item(
    desk: State<'_, Desk>,
    code: String,
    catalog: Option<String>,
) -> Result<EntryView, ApiError> {
    with(&desk, |w| {
        w.show_entry(&code, catalog.as_deref())
            .ok_or_else(|| ApiError {
                code: ApiErrorCode::NotFound,
                message: format!("未找到事项编码 {code}，请核对后重新输入"),
            })
    })
}

#[tauri::command]
fn open_case(desk: State<'_, Desk>, request: OpenRequest) -> Result<Opened, ApiError> {
    with(&desk, |w| w.open_case(request))
}

#[tauri::command]
fn answer(
    desk: State<'_, Desk>,
    case_no: String,
    situation: String,
    answer: String,
) -> Result<CaseView, ApiError> {
    with(&desk, |w| w.answer(&case_no, &situation, &answer))
}

#[tauri::command]
fn tick(
    desk: State<'_, Desk>,
    case_no: String,
    key: String,
    form: Form,
    copies: u32,
    option: Option<String>,
) -> Result<CaseView, ApiError> {
    with(&desk, |w| w.tick(&case_no, &key, form, copies, option))
}

#[tauri::command]
fn untick(desk: State<'_, Desk>, case_no: String, key: String) -> Result<CaseView, ApiError> {
    with(&desk, |w| w.untick(&case_no, &key))
}

#[tauri::command]
fn defer(
    desk: State<'_, Desk>,
    case_no: String,
    key: String,
    until: String,
) -> Result<CaseView, ApiError> {
    with(&desk, |w| w.defer(&case_no, &key, &until))
}

#[tauri::command]
fn promise(desk: State<'_, Desk>, case_no: String, key: String) -> Result<CaseView, ApiError> {
    with(&desk, |w| w.promise(&case_no, &key))
}

#[tauri::command]
fn accept(desk: State<'_, Desk>, case_no: String) -> Result<CaseView, ApiError> {
    with(&desk, |w| w.accept(&case_no))
}

#[tauri::command]
fn notify(desk: State<'_, Desk>, case_no: String) -> Result<CaseView, ApiError> {
    with(&desk, |w| w.notify(&case_no))
}

#[tauri::command]
fn refuse(
    desk: State<'_, Desk>,
    case_no: String,
    reason: String,
    apply_to: Option<String>,
) -> Result<CaseView, ApiError> {
    with(&desk, |w| w.refuse(&case_no, &reason, apply_to))
}

#[tauri::command]
fn complete(desk: State<'_, Desk>, case_no: String) -> Result<CaseView, ApiError> {
    with(&desk, |w| w.complete(&case_no))
}

#[tauri::command]
fn withdraw(
    desk: State<'_, Desk>,
    case_no: String,
    reason: Option<String>,
) -> Result<CaseView, ApiError> {
    with(&desk, |w| w.withdraw(&case_no, reason))
}

#[tauri::command]
fn resume(desk: State<'_, Desk>, scanned: String) -> Result<CaseView, ApiError> {
    with(&desk, |w| w.resume(&scanned))
}

#[tauri::command]
fn case_detail(desk: State<'_, Desk>, case_no: String) -> Result<CaseDetail, ApiError> {
    with(&desk, |w| w.case_detail(&case_no))
}

#[tauri::command]
fn ledger(desk: State<'_, Desk>, filter: LedgerFilter) -> Result<Vec<LedgerRow>, ApiError> {
    with(&desk, |w| w.ledger(filter))
}

#[tauri::command]
async fn document(app: AppHandle, case_no: String, kind: String) -> Result<Preview, ApiError> {
    off_main(app, move |w| w.document(&case_no, &kind)).await
}

#[tauri::command]
async fn print_document(app: AppHandle, case_no: String, kind: String) -> Result<String, ApiError> {
    off_main(app, move |w| w.print(&case_no, &kind)).await
}

#[tauri::command]
fn sync_state(desk: State<'_, Desk>) -> Result<counter_desk::SyncState, ApiError> {
    with(&desk, |w| w.sync_state())
}

/// 立即同步: the run waits on the network with no lock held, on a connection of its own; the
/// window and every other command go on meanwhile.
#[tauri::command]
async fn sync_now(app: AppHandle) -> Result<String, ApiError> {
    let job = with(&app.state::<Desk>(), |w| w.sync_job())?;
    let answer = tauri::async_runtime::spawn_blocking(move || counter_desk::run_sync(job))
        .await
        .map_err(|_| internal())?;
    with(&app.state::<Desk>(), |w| w.reload())?;
    answer
}

/// 设置 → 中心服务器: enrols this workstation (the supervisor only), off the main thread.
#[tauri::command]
async fn enroll(app: AppHandle, server: String, code: String) -> Result<String, ApiError> {
    let job = with(&app.state::<Desk>(), |w| w.enroll_job(&server, &code))?;
    let answer = tauri::async_runtime::spawn_blocking(move || counter_desk::run_enroll(job))
        .await
        .map_err(|_| internal())??;
    with(&app.state::<Desk>(), |w| w.reload())?;
    Ok(answer)
}

#[tauri::command]
async fn hand_over(app: AppHandle, cases: Vec<String>, to: String) -> Result<Preview, ApiError> {
    off_main(app, move |w| w.hand_over(cases, &to)).await
}

#[tauri::command]
fn sheet(desk: State<'_, Desk>, sheet_no: String) -> Result<SheetDetail, ApiError> {
    with(&desk, |w| w.sheet(&sheet_no))
}

#[tauri::command]
async fn sheet_document(app: AppHandle, sheet_no: String) -> Result<Preview, ApiError> {
    off_main(app, move |w| w.sheet_document(&sheet_no)).await
}

#[tauri::command]
fn receive_sheet(
    desk: State<'_, Desk>,
    sheet_no: String,
    notes: Vec<ReceiptNote>,
) -> Result<SheetDetail, ApiError> {
    with(&desk, |w| w.receive_sheet(&sheet_no, notes))
}

#[tauri::command]
fn recall_sheet(
    desk: State<'_, Desk>,
    sheet_no: String,
    reason: Option<String>,
) -> Result<SheetDetail, ApiError> {
    with(&desk, |w| w.recall_sheet(&sheet_no, reason))
}

#[tauri::command]
fn sheets(desk: State<'_, Desk>, pending: bool) -> Result<Vec<SheetDetail>, ApiError> {
    with(&desk, |w| w.sheets(pending))
}

#[tauri::command]
fn hand_back(desk: State<'_, Desk>, case_no: String) -> Result<CaseView, ApiError> {
    with(&desk, |w| w.hand_back(&case_no))
}

#[tauri::command]
fn rate(
    desk: State<'_, Desk>,
    case_no: String,
    score: u8,
    channel: String,
    comment: Option<String>,
) -> Result<CaseView, ApiError> {
    with(&desk, |w| w.rate(&case_no, score, &channel, comment))
}

#[tauri::command]
fn reply_follow_up(
    desk: State<'_, Desk>,
    case_no: String,
    reply: String,
) -> Result<CaseView, ApiError> {
    with(&desk, |w| w.reply_follow_up(&case_no, &reply))
}

/// The five rating levels, best first, for the rating screen.
#[tauri::command]
fn rating_levels() -> Vec<counter_core::rating::RatingLevel> {
    counter_core::rating::rating_levels()
}

#[tauri::command]
fn follow_ups(desk: State<'_, Desk>) -> Result<Vec<LedgerRow>, ApiError> {
    with(&desk, |w| w.follow_ups())
}

/// The clerk is at the window: the workstation's idle lock starts again.
#[tauri::command]
fn touch(desk: State<'_, Desk>) -> Result<(), ApiError> {
    with(&desk, |w| {
        w.touch();
        Ok(())
    })
}

/// The workstation's audit log (the supervisor only).
#[tauri::command]
fn audit_log(desk: State<'_, Desk>) -> Result<Vec<counter_desk::AuditEntry>, ApiError> {
    with(&desk, |w| w.audit_log())
}

pub fn run() {
    let paths = Paths::from_env();
    counter_desk::init_log(&paths);
    let desk: Desk = Workstation::open(paths, Clock::from_env()).map(Mutex::new);
    if let Err(e) = &desk {
        eprintln!("Counter: {}", e.message);
    }
    tauri::Builder::default()
        .manage(desk)
        .invoke_handler(tauri::generate_handler![
            status,
            setup,
            save_office,
            add_clerk,
            sign_in,
            sign_out,
            check_id,
            list_catalogs,
            printers,
            enroll,
            search_items,
            show_item,
            open_case,
            answer,
            tick,
            untick,
            defer,
            promise,
            accept,
            notify,
            refuse,
            complete,
            withdraw,
            resume,
            case_detail,
            ledger,
            document,
            print_document,
            sync_state,
            sync_now,
            hand_over,
            sheet,
            sheet_document,
            receive_sheet,
            recall_sheet,
            sheets,
            hand_back,
            rate,
            rating_levels,
            reply_follow_up,
            follow_ups,
            audit_log,
            touch
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("Counter could not start its window: {e}");
            std::process::exit(1);
        });
}
