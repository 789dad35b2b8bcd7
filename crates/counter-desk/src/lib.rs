//! The workstation behind the desktop app: who is signed in, the office settings, and every
//! operation the counter screen offers — open, answer, tick, decide, preview and print, the
//! ledger. It knows nothing of the UI toolkit; the Tauri commands are one-line calls into it,
//! and its tests drive it directly.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{Days, NaiveDate, NaiveDateTime};
use counter_core::case::{Applicant, CaseState, CaseView, Form, IdType, OpenCase, Person};
use counter_core::office::Office;
use counter_core::search::SearchHit;
use counter_core::view::{ApiError, ApiErrorCode};
use counter_core::{Calendar, Catalog, CatalogSet, SearchIndex};
use counter_store::{Clerk, LedgerQuery, LedgerRow, Role, SignInError, Store, StoreError};

mod assisted;
mod central;
mod documents;
mod views;
pub use assisted::{ReceiptNote, SheetCase, SheetDetail, SheetPaper, TRANSIT_DAYS};
pub use central::{printers, run_enroll, run_sync, EnrollJob, SyncJob};
use counter_core::custody::Scope;
pub use views::*;

/// Where the workstation keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    pub db: PathBuf,
    pub key: PathBuf,
    pub office: PathBuf,
    /// Generated documents (PDF), for reprinting.
    pub documents: PathBuf,
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
        let documents = db.with_file_name("documents");
        Paths {
            db,
            key,
            office,
            documents,
        }
    }
}

pub struct Workstation {
    paths: Paths,
    store: Store,
    catalogs: CatalogSet,
    index: SearchIndex,
    calendar: Calendar,
    office: Office,
    clerk: Option<Clerk>,
}

fn err(code: ApiErrorCode, message: impl Into<String>) -> ApiError {
    ApiError {
        code,
        message: message.into(),
    }
}

fn store_err(e: StoreError) -> ApiError {
    let code = match &e {
        StoreError::NotFound(_) => ApiErrorCode::NotFound,
        StoreError::Case(_) | StoreError::Input(_) => ApiErrorCode::InvalidInput,
        _ => ApiErrorCode::Storage,
    };
    err(code, e.to_string())
}

fn now() -> NaiveDateTime {
    // COUNTER_NOW pins the clock for end-to-end tests, as in the CLI.
    std::env::var("COUNTER_NOW")
        .ok()
        .and_then(|s| NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S").ok())
        .unwrap_or_else(|| {
            chrono::SubsecRound::trunc_subsecs(chrono::Local::now().naive_local(), 0)
        })
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

impl Workstation {
    /// Opens the store and loads the built-in catalogs, calendar and the office settings.
    pub fn open(paths: Paths) -> Result<Workstation, ApiError> {
        let office = match std::fs::read_to_string(&paths.office) {
            Ok(text) => Office::from_toml(&text).map_err(|e| {
                err(
                    ApiErrorCode::InvalidInput,
                    format!("{}：{e}", paths.office.display()),
                )
            })?,
            Err(_) => Office::default(),
        };
        let store = Store::open(&paths.db, &paths.key).map_err(store_err)?;
        // Once enrolled, the central registration names the point, its level and office.
        let office = store.registered_office(office).map_err(store_err)?;
        // Newer editions received from the central server replace the built-in ones; the
        // replaced ones stay for the cases opened under them.
        let (catalogs, _problems) = store.catalogs().map_err(store_err)?;
        let calendar = store
            .calendar()
            .map_err(store_err)?
            .map_err(|e| err(ApiErrorCode::Catalog, e.to_string()))?;
        let index = SearchIndex::new(&catalogs);
        Ok(Workstation {
            paths,
            store,
            catalogs,
            index,
            calendar,
            office,
            clerk: None,
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
            today: now().date().format("%Y-%m-%d").to_string(),
        })
    }

    fn clerk(&self) -> Result<&Clerk, ApiError> {
        self.clerk
            .as_ref()
            .ok_or_else(|| err(ApiErrorCode::Auth, "请先登录"))
    }

    fn supervisor(&self) -> Result<&Clerk, ApiError> {
        let c = self.clerk()?;
        if c.role != Role::Supervisor {
            return Err(err(ApiErrorCode::Auth, "只有负责人可以修改设置和账号"));
        }
        Ok(c)
    }

    fn write_office(&mut self, office: Office) -> Result<(), ApiError> {
        let office = Office::from_toml(&office.to_toml())
            .map_err(|e| err(ApiErrorCode::InvalidInput, e.to_string()))?;
        if let Some(dir) = self.paths.office.parent() {
            std::fs::create_dir_all(dir).map_err(|e| err(ApiErrorCode::Storage, e.to_string()))?;
        }
        std::fs::write(&self.paths.office, office.to_toml())
            .map_err(|e| err(ApiErrorCode::Storage, format!("无法保存网点设置：{e}")))?;
        self.office = office;
        Ok(())
    }

    /// First start: the office settings and the supervisor's account; signs the supervisor in.
    pub fn setup(
        &mut self,
        office: Office,
        name: &str,
        password: &str,
    ) -> Result<DeskStatus, ApiError> {
        if self.store.has_clerks().map_err(store_err)? {
            return Err(err(ApiErrorCode::Auth, "本机已设置，请登录"));
        }
        self.write_office(office)?;
        let c = self
            .store
            .add_clerk(name, password, Role::Supervisor, now())
            .map_err(store_err)?;
        self.clerk = Some(c);
        self.status()
    }

    pub fn save_office(&mut self, office: Office) -> Result<DeskStatus, ApiError> {
        self.supervisor()?;
        self.write_office(office)?;
        self.status()
    }

    pub fn add_clerk(
        &mut self,
        name: &str,
        password: &str,
        supervisor: bool,
    ) -> Result<Clerk, ApiError> {
        self.supervisor()?;
        let role = if supervisor {
            Role::Supervisor
        } else {
            Role::Clerk
        };
        self.store
            .add_clerk(name, password, role, now())
            .map_err(store_err)
    }

    pub fn sign_in(&mut self, name: &str, password: &str) -> Result<DeskStatus, ApiError> {
        match self.store.sign_in(name, password, now()) {
            Ok(c) => {
                self.clerk = Some(c);
                self.status()
            }
            Err(SignInError::Wrong { tries_left }) => Err(err(
                ApiErrorCode::Auth,
                format!("用户名或密码错误，还可尝试{tries_left}次"),
            )),
            Err(e @ SignInError::Locked { .. }) => Err(err(ApiErrorCode::Auth, e.to_string())),
            Err(SignInError::Store(e)) => Err(store_err(e)),
        }
    }

    /// Sign out (also what the idle lock does).
    pub fn sign_out(&mut self) {
        self.clerk = None;
    }

    /// Checks an ID number as it is typed: a clear message either way.
    pub fn check_id(&self, id_type: IdType, number: &str) -> IdCheckResult {
        let p = Person {
            name: "x".into(),
            id_type,
            id_number: number.into(),
            phone: None,
        };
        match counter_core::case::check_person(&p, now().date()) {
            Ok(p) => IdCheckResult {
                ok: true,
                // What the number encodes, to compare with the card and the person at the
                // window.
                message: match counter_core::ids::validate_resident_id(&p.id_number, now().date()) {
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
            let since = now().date() - Days::new(30);
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
                counter_core::scope::scope(c, Some(level), code),
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

    pub fn open_case(&mut self, r: OpenRequest) -> Result<Opened, ApiError> {
        let clerk = self.clerk()?.name.clone();
        let catalog = self
            .catalogs
            .get(&r.catalog)
            .ok_or_else(|| err(ApiErrorCode::NotFound, format!("未找到清单 {}", r.catalog)))?;
        let agent = match (r.agent_name.as_deref(), r.agent_id_number.as_deref()) {
            (Some(n), Some(id)) if !n.trim().is_empty() || !id.trim().is_empty() => Some(Person {
                name: n.into(),
                id_type: IdType::ResidentId,
                id_number: id.into(),
                phone: None,
            }),
            _ => None,
        };
        let name_note = self.earlier_name(&r.id_number, &r.name)?;
        let opened = self
            .store
            .open_case(
                catalog,
                OpenCase {
                    case_no: String::new(),
                    catalog: r.catalog.clone(),
                    item: r.item.clone(),
                    applicant: Applicant::Person(Person {
                        name: r.name,
                        id_type: r.id_type,
                        id_number: r.id_number,
                        phone: r.phone,
                    }),
                    agent,
                    point: self.office.point.clone(),
                    clerk,
                    answers: BTreeMap::new(),
                    assisted: match counter_core::custody::scope(
                        catalog,
                        self.office.level,
                        &r.item,
                    ) {
                        Scope::Assisted { office } => Some(office),
                        _ => None,
                    },
                },
                now(),
            )
            .map_err(store_err)?;
        Ok(Opened {
            scope: self.scope_of(&opened.case)?,
            case: self.view(&opened.case)?,
            duplicates: opened.duplicates,
            name_note,
        })
    }

    /// The note for an ID number registered here before under another name (a typing error,
    /// a changed name, or the wrong card): the clerk checks before going on.
    fn earlier_name(&self, id_number: &str, name: &str) -> Result<Option<String>, ApiError> {
        let q = LedgerQuery {
            id_number: Some(id_number.trim().to_string()),
            limit: Some(1),
            ..Default::default()
        };
        let rows = self.store.ledger(&q, now().date()).map_err(store_err)?;
        Ok(rows
            .first()
            .filter(|r| r.applicant.trim() != name.trim())
            .map(|r| {
                format!(
                    "注意：该证件号码在办件 {} 中登记的姓名为“{}”，与本次“{}”不同，请核对证件",
                    r.case_no,
                    r.applicant,
                    name.trim()
                )
            }))
    }

    /// Applies a change to a case as the signed-in clerk.
    fn change<F>(&mut self, case_no: &str, op: F) -> Result<CaseView, ApiError>
    where
        F: FnOnce(
            &mut counter_core::case::Case,
            &Catalog,
            &Calendar,
            NaiveDateTime,
        )
            -> Result<Vec<counter_core::case::CaseEvent>, counter_core::case::CaseError>,
    {
        let clerk = self.clerk()?.name.clone();
        let case = self.store.case(case_no.trim()).map_err(store_err)?;
        let catalog = pinned(&self.catalogs, &case)?;
        let calendar = &self.calendar;
        let t = now();
        let case = self
            .store
            .update(case_no.trim(), |c| {
                // The clerk who does it signs the event.
                c.clerk = clerk;
                op(c, catalog, calendar, t)
            })
            .map_err(store_err)?;
        self.view(&case)
    }

    pub fn answer(
        &mut self,
        case_no: &str,
        situation: &str,
        answer: &str,
    ) -> Result<CaseView, ApiError> {
        self.change(case_no, |c, cat, _, t| c.answer(cat, situation, answer, t))
    }

    pub fn tick(
        &mut self,
        case_no: &str,
        key: &str,
        form: Form,
        copies: u32,
        option: Option<String>,
    ) -> Result<CaseView, ApiError> {
        self.change(case_no, |c, _, _, t| {
            c.tick(key, form, copies, option.as_deref(), t)
        })
    }

    pub fn untick(&mut self, case_no: &str, key: &str) -> Result<CaseView, ApiError> {
        self.change(case_no, |c, _, _, t| c.untick(key, t))
    }

    pub fn defer(&mut self, case_no: &str, key: &str, until: &str) -> Result<CaseView, ApiError> {
        let d = NaiveDate::parse_from_str(until, "%Y-%m-%d").map_err(|_| {
            err(
                ApiErrorCode::InvalidInput,
                format!("日期“{until}”无效，应为 YYYY-MM-DD"),
            )
        })?;
        self.change(case_no, |c, cat, cal, t| c.defer(cat, cal, key, d, t))
    }

    pub fn promise(&mut self, case_no: &str, key: &str) -> Result<CaseView, ApiError> {
        self.change(case_no, |c, _, _, t| c.promise(key, t))
    }

    pub fn accept(&mut self, case_no: &str) -> Result<CaseView, ApiError> {
        let level = self.office.level;
        self.change(case_no, |c, cat, cal, t| {
            let within = counter_core::scope::scope(cat, level, &c.item);
            c.accept(cat, cal, &within, t)
        })
    }

    /// 一次性告知: what is missing — or, for an item this point may not accept, where to go
    /// and everything to bring.
    pub fn notify(&mut self, case_no: &str) -> Result<CaseView, ApiError> {
        let case = self.store.case(case_no.trim()).map_err(store_err)?;
        match self.scope_of(&case)? {
            Scope::Elsewhere { office } => {
                self.change(case_no, |c, cat, _, t| c.notify_elsewhere(cat, &office, t))
            }
            _ => self.change(case_no, |c, cat, _, t| c.notify(cat, t)),
        }
    }

    pub fn refuse(
        &mut self,
        case_no: &str,
        reason: &str,
        apply_to: Option<String>,
    ) -> Result<CaseView, ApiError> {
        self.change(case_no, |c, _, _, t| {
            c.refuse(reason, apply_to.as_deref(), t)
        })
    }

    pub fn complete(&mut self, case_no: &str) -> Result<CaseView, ApiError> {
        let level = self.office.level;
        self.change(case_no, |c, cat, cal, t| {
            let within = counter_core::scope::scope(cat, level, &c.item);
            c.complete(cat, cal, &within, t)
        })
    }

    pub fn withdraw(
        &mut self,
        case_no: &str,
        reason: Option<String>,
    ) -> Result<CaseView, ApiError> {
        self.change(case_no, |c, _, _, t| c.withdraw(reason.as_deref(), t))
    }

    /// A returning applicant: the scanned QR code or typed case number opens the case; a
    /// notified case is resumed with only the noticed materials left.
    pub fn resume(&mut self, scanned: &str) -> Result<CaseView, ApiError> {
        self.clerk()?;
        let case_no = scanned.trim();
        let case = self.store.case(case_no).map_err(store_err)?;
        if case.state == CaseState::Notified {
            return self.change(case_no, |c, cat, _, t| c.resume(cat, t));
        }
        self.view(&case)
    }

    pub fn case_detail(&self, case_no: &str) -> Result<CaseDetail, ApiError> {
        self.clerk()?;
        let case = self.store.case(case_no.trim()).map_err(store_err)?;
        let history = self
            .store
            .events(case_no.trim())
            .map_err(store_err)?
            .iter()
            .map(|e| case.history_line(&e.event))
            .collect();
        // The same rule the renderer applies: nothing is offered that printing would refuse.
        let documents = case
            .documents()
            .into_iter()
            .map(|k| k.as_str().to_string())
            .collect();
        // Asked of the rules themselves, on a copy: nothing is recorded.
        let can_hand_back = case
            .clone()
            .hand_back(&self.office.point, "", now())
            .is_ok();
        Ok(CaseDetail {
            can_hand_back,
            can_withdraw: case.clone().withdraw(None, now()).is_ok(),
            scope: self.scope_of(&case)?,
            case: self.view(&case)?,
            rejections: self
                .store
                .rejections(Some(case_no.trim()))
                .map_err(store_err)?,
            history,
            documents,
        })
    }

    pub fn ledger(&self, f: LedgerFilter) -> Result<Vec<LedgerRow>, ApiError> {
        self.clerk()?;
        let date = |s: &Option<String>| -> Result<Option<NaiveDate>, ApiError> {
            s.as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map_err(|_| err(ApiErrorCode::InvalidInput, format!("日期“{s}”无效")))
                })
                .transpose()
        };
        let state =
            match f.state.as_deref().filter(|s| !s.is_empty()) {
                Some(s) => Some(CaseState::parse(s).ok_or_else(|| {
                    err(ApiErrorCode::InvalidInput, format!("未知的办件状态 {s}"))
                })?),
                None => None,
            };
        let today = now().date();
        let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        let q = LedgerQuery {
            date: date(&f.date)?,
            item: nonempty(f.item),
            state,
            clerk: nonempty(f.clerk),
            id_number: nonempty(f.id_number),
            case_no: nonempty(f.case_no),
            overdue: f.overdue,
            due_by: f.due_within.map(|d| today + Days::new(u64::from(d))),
            held_by: f.held.then(|| self.office.point.clone()),
            limit: Some(500),
            ..Default::default()
        };
        self.store.ledger(&q, today).map_err(store_err)
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
