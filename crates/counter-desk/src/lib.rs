//! The workstation behind the desktop app: who is signed in, the office settings, and every
//! operation the counter screen offers — open, answer, tick, decide, preview and print, the
//! ledger. It knows nothing of the UI toolkit; the Tauri commands are one-line calls into it,
//! and its tests drive it directly.

use std::path::PathBuf;

use chrono::{Days, NaiveDateTime};
use counter_core::case::{CaseView, IdType, Person};
use counter_core::search::SearchHit;
use counter_core::settings::PointSettings;
use counter_core::{Calendar, Catalog, CatalogSet, SearchIndex};
use counter_store::{SignInError, Store, StoreError};

mod accounts;
mod alerts;
mod assisted;
pub mod autosync;
mod cases;
mod central;
mod clock;
pub mod commands;
mod devices;
mod documents;
mod error;
mod guide;
mod report;
mod screen;
mod terminal;
mod views;
pub use alerts::Alert;
pub use assisted::{ReceiptNote, SheetCase, SheetDetail, SheetMaterial, TRANSIT_DAYS};
pub use central::{printers, run_enroll, run_sync, EnrollJob, SyncJob};
pub use clock::Clock;
pub use commands::{CommandInfo, Desk, COMMANDS};
/// The core, for the command list's paths (`for_each_command!` expands in the shells).
pub use counter_core as core;
use counter_core::custody::Scope;
pub use counter_store::Account;
pub use devices::{look_at_reader, read_card, CardRead, ReaderLook, ReaderState};
pub(crate) use error::err;
pub use error::{ApiError, ApiErrorCode};
pub use terminal::*;
pub use views::*;

/// Where the workstation keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    pub db: PathBuf,
    pub key: PathBuf,
    pub office: PathBuf,
    /// A folder of catalog files (*.toml) to use instead of the store's (the terminal's
    /// `--catalogs`).
    pub catalogs: Option<PathBuf>,
    /// A holiday calendar file to use instead of the store's (`--calendar`).
    pub calendar: Option<PathBuf>,
}

impl Paths {
    /// `COUNTER_DB`, `COUNTER_KEY_FILE`, `COUNTER_OFFICE` when set, else the app's data and
    /// config directories (the same defaults as the `counter` CLI).
    pub fn from_env() -> Paths {
        let (db, key) = counter_store::default_paths();
        let var = |k: &str| std::env::var_os(k).map(PathBuf::from);
        let db = var("COUNTER_DB").unwrap_or(db);
        let key = var("COUNTER_KEY_FILE").unwrap_or(key);
        let office = var("COUNTER_OFFICE").unwrap_or_else(|| key.with_file_name("office.toml"));
        Paths {
            db,
            key,
            office,
            catalogs: None,
            calendar: None,
        }
    }
}

pub struct Workstation {
    paths: Paths,
    store: Store,
    catalogs: CatalogSet,
    index: SearchIndex,
    calendar: Calendar,
    office: PointSettings,
    clerk: Option<Clerk>,
    clock: Clock,
    /// The last operation of the signed-in clerk (monotonic: a clock set back changes
    /// nothing); after `idle_limit` the workstation itself is locked, whatever the window does.
    last_active: std::cell::Cell<std::time::Instant>,
    idle_limit: Option<std::time::Duration>,
    /// What the background sync does, when one runs (`autosync::spawn`).
    pub(crate) auto_sync: Option<autosync::Status>,
    /// The case at the applicant's screen (screen.rs).
    facing: Option<screen::Facing>,
}

/// Minutes without an operation after which the workstation locks (as the window does).
pub const IDLE_MINUTES: u64 = 10;

fn store_err(e: StoreError) -> ApiError {
    let code = match &e {
        StoreError::NotFound(_) => ApiErrorCode::NotFound,
        StoreError::Case(_) | StoreError::Input(_) => ApiErrorCode::InvalidInput,
        _ => ApiErrorCode::Storage,
    };
    err(code, e.to_string())
}

/// The catalog edition a case was opened under, from `catalogs`.
fn pinned<'a>(
    catalogs: &'a CatalogSet,
    case: &counter_core::case::Case,
) -> Result<&'a Catalog, ApiError> {
    catalogs
        .pinned(&case.catalog, case.revision.as_deref())
        .ok_or_else(|| {
            err(
                ApiErrorCode::NotFound,
                format!(
                    "办件 {} 依据的清单 {}（{}）在本机已不存在",
                    case.case_no, case.catalog, case.edition
                ),
            )
        })
}

/// Earlier versions kept every printed PDF, with the full ID number, beside the store; they
/// are made again from the case now, so the kept ones are removed.
fn purge_kept_documents(paths: &Paths) {
    let dir = paths.db.with_file_name("documents");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        if e.path().extension().is_some_and(|x| x == "pdf")
            && std::fs::remove_file(e.path()).is_ok()
        {
            removed += 1;
        }
    }
    let _ = std::fs::remove_dir(&dir);
    if removed > 0 {
        tracing::info!(removed, "kept documents removed");
    }
}

/// The office settings file, or the defaults when there is none yet.
pub(crate) fn read_office(path: &std::path::Path) -> Result<PointSettings, ApiError> {
    match std::fs::read_to_string(path) {
        Ok(text) => PointSettings::from_toml(&text).map_err(|e| {
            err(
                ApiErrorCode::InvalidInput,
                format!("{}：{e}", path.display()),
            )
        }),
        Err(_) => Ok(PointSettings::default()),
    }
}

impl Workstation {
    /// The time by the workstation's clock.
    pub fn now(&self) -> NaiveDateTime {
        self.clock.now()
    }

    /// Opens the store and loads the built-in catalogs, calendar and the office settings.
    pub fn open(paths: Paths, clock: Clock) -> Result<Workstation, ApiError> {
        let office = read_office(&paths.office)?;
        purge_kept_documents(&paths);
        let mut store = Store::open(&paths.db, &paths.key).map_err(store_err)?;
        // Numbers carry the window: the settings' until the central server confirms one.
        store.set_window(office.window);
        // Once enrolled, the central registration names the point, its level and office.
        let office = store.registered_office(office).map_err(store_err)?;
        // Newer editions received from the central server replace the built-in ones; the
        // replaced ones stay for the cases opened under them.
        let (catalogs, calendar) = terminal::load(&paths, Some(&store))?;
        let index = SearchIndex::new(&catalogs);
        Ok(Workstation {
            paths,
            store,
            catalogs,
            index,
            calendar,
            office,
            clerk: None,
            clock,
            last_active: std::cell::Cell::new(std::time::Instant::now()),
            idle_limit: Some(std::time::Duration::from_secs(IDLE_MINUTES * 60)),
            auto_sync: None,
            facing: None,
        })
    }

    pub fn status(&self) -> Result<DeskStatus, ApiError> {
        Ok(DeskStatus {
            office: self.office.clone(),
            office_set: self.paths.office.is_file(),
            needs_setup: !self.store.has_clerks().map_err(store_err)?,
            clerk: self.clerk.clone(),
            id_types: IdType::ALL
                .iter()
                .map(|t| IdTypeOption {
                    value: *t,
                    label: t.label().into(),
                })
                .collect(),
            levels: counter_core::catalog::Level::ALL
                .iter()
                .map(|l| LevelOption {
                    value: *l,
                    label: l.label().into(),
                })
                .collect(),
            idle_minutes: IDLE_MINUTES as u32,
            today: self.now().date().format("%Y-%m-%d").to_string(),
        })
    }

    /// Signed out, or idle past the limit (looked at without keeping it awake).
    fn locked(&self) -> bool {
        self.clerk.is_none()
            || self
                .idle_limit
                .is_some_and(|limit| self.last_active.get().elapsed() > limit)
    }

    fn clerk(&self) -> Result<&Clerk, ApiError> {
        let c = self
            .clerk
            .as_ref()
            .ok_or_else(|| err(ApiErrorCode::Auth, "请先登录"))?;
        if self.locked() {
            return Err(err(
                ApiErrorCode::Locked,
                format!("已超过{IDLE_MINUTES}分钟未操作，本机已锁定，请重新登录"),
            ));
        }
        self.last_active.set(std::time::Instant::now());
        Ok(c)
    }

    /// The clerk is at the window (a key or a click the window saw): keeps the workstation
    /// from locking, unless it already has.
    pub fn touch(&self) {
        if self.clerk.is_some()
            && self
                .idle_limit
                .is_none_or(|limit| self.last_active.get().elapsed() <= limit)
        {
            self.last_active.set(std::time::Instant::now());
        }
    }

    /// How long the signed-in clerk may stay idle before the workstation locks (`None`: the
    /// terminal, one command per run).
    pub fn set_idle_limit(&mut self, limit: Option<std::time::Duration>) {
        self.idle_limit = limit;
    }

    /// Appends to the audit log; a failure to write it is logged, never fatal to the counter.
    pub(crate) fn audit(&mut self, who: &str, action: &str, detail: Option<&str>) {
        let now = self.now();
        if let Err(e) = self.store.audit(now, who, action, detail) {
            tracing::error!(error = %e, action, "audit log not written");
        }
        tracing::info!(action, "audit");
    }

    /// The audit log, newest first (the supervisor only).
    pub fn audit_log(&mut self) -> Result<Vec<counter_store::AuditEntry>, ApiError> {
        let who = self.supervisor()?.name.clone();
        let log = self.store.audit_log(500).map_err(store_err)?;
        self.audit(&who, "查看审计日志", None);
        Ok(log)
    }

    fn supervisor(&self) -> Result<&Clerk, ApiError> {
        let c = self.clerk()?;
        if c.role != Role::Supervisor {
            return Err(err(ApiErrorCode::Auth, "只有负责人可以修改设置和账号"));
        }
        Ok(c)
    }

    fn write_office(&mut self, office: PointSettings) -> Result<(), ApiError> {
        let office = PointSettings::from_toml(&office.to_toml())
            .map_err(|e| err(ApiErrorCode::InvalidInput, e.to_string()))?;
        if let Some(dir) = self.paths.office.parent() {
            std::fs::create_dir_all(dir).map_err(|e| err(ApiErrorCode::Storage, e.to_string()))?;
        }
        std::fs::write(&self.paths.office, office.to_toml())
            .map_err(|e| err(ApiErrorCode::Storage, format!("无法保存网点设置：{e}")))?;
        self.store.set_window(office.window);
        // Once enrolled, the registration's point, level and window stand.
        self.office = self.store.registered_office(office).map_err(store_err)?;
        Ok(())
    }

    /// First start: the office settings and the supervisor's account; signs the supervisor in.
    pub fn setup(
        &mut self,
        office: PointSettings,
        name: &str,
        password: &str,
    ) -> Result<DeskStatus, ApiError> {
        if self.store.has_clerks().map_err(store_err)? {
            return Err(err(ApiErrorCode::Auth, "本机已设置，请登录"));
        }
        self.write_office(office)?;
        let c = self
            .store
            .add_clerk(name, password, Role::Supervisor, self.now())
            .map_err(store_err)?;
        self.audit(&c.name, "初始设置", Some("网点设置与负责人账号"));
        self.clerk = Some(c);
        self.last_active.set(std::time::Instant::now());
        self.status()
    }

    pub fn save_office(&mut self, office: PointSettings) -> Result<DeskStatus, ApiError> {
        let who = self.supervisor()?.name.clone();
        self.write_office(office)?;
        let detail = format!("网点 {}，{} 号窗口", self.office.point, self.office.window);
        self.audit(&who, "修改网点设置", Some(&detail));
        self.status()
    }

    pub fn add_clerk(
        &mut self,
        name: &str,
        password: &str,
        supervisor: bool,
    ) -> Result<Clerk, ApiError> {
        let who = self.supervisor()?.name.clone();
        let role = if supervisor {
            Role::Supervisor
        } else {
            Role::Clerk
        };
        let c = self
            .store
            .add_clerk(name, password, role, self.now())
            .map_err(store_err)?;
        let detail = format!(
            "{}（{}）",
            c.name,
            if supervisor { "负责人" } else { "经办人" }
        );
        self.audit(&who, "添加账号", Some(&detail));
        Ok(c)
    }

    pub fn sign_in(&mut self, name: &str, password: &str) -> Result<DeskStatus, ApiError> {
        let name = name.trim();
        match self.store.sign_in(name, password, self.now()) {
            Ok(c) => {
                self.audit(&c.name, "登录", None);
                self.clerk = Some(c);
                self.last_active.set(std::time::Instant::now());
                self.status()
            }
            Err(e @ SignInError::Wrong) => {
                self.audit(name, "登录失败", Some("用户名或密码错误"));
                Err(err(ApiErrorCode::Auth, e.to_string()))
            }
            Err(e @ SignInError::Locked { .. }) => {
                self.audit(name, "账号锁定", Some(&e.to_string()));
                Err(err(ApiErrorCode::Auth, e.to_string()))
            }
            Err(e @ SignInError::Disabled(_)) => {
                self.audit(name, "登录失败", Some("账号已停用"));
                Err(err(ApiErrorCode::Auth, e.to_string()))
            }
            Err(SignInError::Store(e)) => Err(store_err(e)),
        }
    }

    /// Sign out (also what the idle lock does).
    pub fn sign_out(&mut self) {
        self.facing = None;
        if let Some(c) = self.clerk.take() {
            self.audit(&c.name, "退出或锁定", None);
        }
    }

    /// Checks an ID number as it is typed: a clear message either way.
    pub fn check_id(&self, id_type: IdType, number: &str) -> IdCheckResult {
        let p = Person {
            name: "x".into(),
            id_type,
            id_number: number.into(),
            phone: None,
        };
        match counter_core::case::check_person(&p, self.now().date()) {
            Ok(p) => IdCheckResult {
                ok: true,
                // What the number encodes, to compare with the card and the person at the
                // window.
                message: match counter_core::ids::validate_resident_id(
                    &p.id_number,
                    self.now().date(),
                ) {
                    Ok(id) if p.id_type == IdType::ResidentId => format!(
                        "{}号码有效 · 出生日期 {} · {}",
                        p.id_type.label(),
                        id.birth_date.format("%Y-%m-%d"),
                        if id.male { "男" } else { "女" }
                    ),
                    _ => format!("{}号码有效", p.id_type.label()),
                },
            },
            Err(e) => IdCheckResult {
                ok: false,
                message: e.to_string(),
            },
        }
    }

    /// Search, with what this point may accept ranked first; an empty query offers the items
    /// opened most often here in the last 30 days.
    pub fn search(&self, query: &str) -> Vec<SearchHit> {
        let catalog = self.office.catalog.as_deref();
        if query.trim().is_empty() {
            let since = self.now().date() - Days::new(30);
            return self
                .store
                .frequent_items(since, 8)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(cat, code)| {
                    self.index
                        .search(&code, Some(&cat))
                        .into_iter()
                        .find(|h| h.code == code)
                })
                .collect();
        }
        let mut hits = self.index.search(query, None);
        // Stable sorts: within each group the search's own ranking stays. What this point may
        // accept comes first, then the region's own catalog.
        if let Some(c) = catalog {
            hits.sort_by_key(|h| h.catalog != c);
        }
        if let Some(level) = self.office.level {
            hits.sort_by_key(|h| !self.may_accept(&h.catalog, &h.code, level));
        }
        hits
    }

    /// Whether this point may accept `code` itself or on the applicant's behalf (the case
    /// rules' own scope).
    fn may_accept(&self, catalog: &str, code: &str, level: counter_core::catalog::Level) -> bool {
        self.catalogs.get(catalog).is_some_and(|c| {
            !matches!(
                counter_core::scope::scope(c, Some(level), &self.office.handled_by, code),
                Scope::Elsewhere { .. }
            )
        })
    }

    /// The catalog edition a case was opened under (never a newer one received since).
    fn pinned(&self, case: &counter_core::case::Case) -> Result<&Catalog, ApiError> {
        pinned(&self.catalogs, case)
    }

    fn view(&self, case: &counter_core::case::Case) -> Result<CaseView, ApiError> {
        Ok(CaseView::new(case, self.pinned(case)?))
    }

    pub fn show_entry(
        &self,
        code: &str,
        catalog: Option<&str>,
    ) -> Option<counter_core::view::EntryView> {
        self.catalogs.show(code, catalog)
    }

    pub fn catalogs(&self) -> &CatalogSet {
        &self.catalogs
    }
}

#[cfg(test)]
mod tests;
