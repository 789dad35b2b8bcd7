//! What the terminal (`counter`) does beyond the window's operations: the same workstation,
//! acting as the operator who holds the store's key file, with PDFs written to files instead
//! of previews, and the loading of catalogs that works before a store exists.

use std::path::{Path, PathBuf};

use counter_core::{bundled, Calendar, CatalogSet};
use counter_store::Store;

pub use counter_core::case::DocKind;
pub use counter_store::{
    AuditEntry, Clerk, LedgerRow, Rejection, Role, SheetRow, SheetSent, StoredEvent, SyncState,
};
pub use counter_sync::SyncReport;

use crate::{err, store_err, ApiError, ApiErrorCode, Paths, Workstation};

/// The catalog files of a folder (every `*.toml` but `calendar.toml`), in name order.
pub fn catalog_files(dir: &Path) -> Result<Vec<PathBuf>, ApiError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        err(
            ApiErrorCode::Catalog,
            format!("无法读取 {}：{e}", dir.display()),
        )
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && !is_calendar(p))
        .collect();
    files.sort();
    Ok(files)
}

pub fn is_calendar(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n == "calendar.toml")
}

fn read(path: &Path) -> Result<String, ApiError> {
    std::fs::read_to_string(path).map_err(|e| {
        err(
            ApiErrorCode::Catalog,
            format!("无法读取 {}：{e}", path.display()),
        )
    })
}

/// Loads and validates catalog files; every problem of every file, one per line.
pub fn read_catalogs(files: &[PathBuf]) -> Result<CatalogSet, ApiError> {
    let texts = files
        .iter()
        .map(|p| Ok((p.display().to_string(), read(p)?)))
        .collect::<Result<Vec<_>, ApiError>>()?;
    CatalogSet::from_texts(&texts).map_err(|errs| {
        let lines: Vec<String> = errs.iter().map(ToString::to_string).collect();
        err(ApiErrorCode::Catalog, lines.join("\n"))
    })
}

pub fn read_calendar(path: &Path) -> Result<Calendar, ApiError> {
    Calendar::from_toml(&read(path)?).map_err(|e| err(ApiErrorCode::Catalog, e.to_string()))
}

/// The catalogs and calendar in force: the folder or file given, else the store's (built-in,
/// newer received editions, and the replaced ones kept for their cases), else the built-in
/// ones. Problems with received editions are logged, never fatal.
pub(crate) fn load(
    paths: &Paths,
    store: Option<&Store>,
) -> Result<(CatalogSet, Calendar), ApiError> {
    let catalogs = match (&paths.catalogs, store) {
        (Some(dir), _) => read_catalogs(&catalog_files(dir)?)?,
        (None, Some(store)) => {
            let (set, problems) = store.catalogs().map_err(store_err)?;
            for p in problems {
                tracing::warn!(problem = %p, "received catalog not used");
            }
            set
        }
        (None, None) => bundled::catalogs_with(&[], &[]).0,
    };
    let calendar = match (&paths.calendar, store) {
        (Some(p), _) => read_calendar(p)?,
        (None, Some(store)) => store
            .calendar()
            .map_err(store_err)?
            .map_err(|e| err(ApiErrorCode::Catalog, e.to_string()))?,
        (None, None) => {
            bundled::calendar().map_err(|e| err(ApiErrorCode::Catalog, e.to_string()))?
        }
    };
    Ok((catalogs, calendar))
}

/// Catalogs and calendar without creating a store: catalog lookups work on a machine that
/// has none yet.
pub fn load_catalogs(paths: &Paths) -> Result<(CatalogSet, Calendar), ApiError> {
    if paths.db.exists() {
        if let Ok(store) = Store::open(&paths.db, &paths.key) {
            return load(paths, Some(&store));
        }
    }
    load(paths, None)
}

/// The desktop app's log: `counter.log` beside the store (appended), at the level in
/// `COUNTER_LOG` (default `info`). Nothing personal is logged: no names, ID numbers only
/// masked.
pub fn init_log(paths: &Paths) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("COUNTER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let file = paths.db.parent().and_then(|dir| {
        std::fs::create_dir_all(dir).ok()?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("counter.log"))
            .ok()
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    let _ = match file {
        Some(f) => builder.with_writer(std::sync::Mutex::new(f)).try_init(),
        None => builder.with_writer(std::io::stderr).try_init(),
    };
}

/// Prints a PDF file on `printer`, else the office settings' printer, else the system
/// default; needs no store.
pub fn print_file(paths: &Paths, file: &Path, printer: Option<&str>) -> Result<String, ApiError> {
    let office = crate::read_office(&paths.office)?;
    counter_docs::print(file, printer.or(office.printer.as_deref()))
        .map_err(|e| err(ApiErrorCode::Print, e.to_string()))
}

impl Workstation {
    /// The terminal's operator: whoever holds the store's key file may do what a supervisor
    /// may; `name` signs the events.
    pub fn operator(&mut self, name: &str) {
        self.clerk = Some(counter_store::Clerk {
            name: name.trim().to_string(),
            role: counter_store::Role::Supervisor,
        });
        // One command per run: no idle lock.
        self.idle_limit = None;
    }

    /// Acts for `point` instead of the office settings' point (a terminal serving another
    /// window's point code).
    pub fn act_for_point(&mut self, point: &str) {
        self.office.point = point.trim().to_string();
    }

    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// The case's events as stored, oldest first.
    pub fn events(&self, case_no: &str) -> Result<Vec<StoredEvent>, ApiError> {
        self.clerk()?;
        self.store.events(case_no.trim()).map_err(store_err)
    }

    /// A document of a case as PDF bytes (the same rules as the window's preview).
    pub fn case_pdf(&self, case_no: &str, kind: DocKind) -> Result<Vec<u8>, ApiError> {
        self.clerk()?;
        let case = self.store.case(case_no.trim()).map_err(store_err)?;
        let catalog = self.pinned(&case)?;
        counter_docs::render(kind, &case, catalog, &self.office, self.now())
            .map_err(|e| err(ApiErrorCode::InvalidInput, e.to_string()))
    }

    /// A 材料交接单 for accepted cases that is not recorded as a sheet (printed ahead).
    pub fn draft_sheet_pdf(&self, cases: &[String], to: &str) -> Result<Vec<u8>, ApiError> {
        self.clerk()?;
        let cases = cases
            .iter()
            .map(|c| self.store.case(c.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(store_err)?;
        let now = self.now();
        counter_docs::hand_over_sheet(
            &counter_docs::HandOverSheet {
                number: format!("HO-{}-{}", self.office.point, now.format("%Y%m%d%H%M%S")),
                to_office: to.to_string(),
                cases: &cases,
                at: now,
                clerk: cases.first().map(|c| c.clerk.clone()).unwrap_or_default(),
            },
            &self.office,
        )
        .map_err(|e| err(ApiErrorCode::InvalidInput, e.to_string()))
    }

    /// Sheets of this point, newest first; `pending`: not yet received; `overdue_days`: only
    /// those still in transit after that many working days.
    pub fn sheet_rows(
        &self,
        pending: bool,
        overdue_days: Option<u32>,
    ) -> Result<Vec<SheetRow>, ApiError> {
        self.clerk()?;
        let rows = self
            .store
            .sheets(&self.office.point, pending || overdue_days.is_some())
            .map_err(store_err)?;
        let today = self.now().date();
        Ok(match overdue_days {
            None => rows,
            Some(days) => rows
                .into_iter()
                .filter(|r| r.received_at.is_none())
                .filter(|r| {
                    counter_core::custody::transit_overdue(
                        r.sent_at.date(),
                        days,
                        &self.calendar,
                        today,
                    )
                })
                .collect(),
        })
    }

    /// Registers this device with the central server; the registration then names the point.
    pub fn enroll(
        &mut self,
        server: &str,
        code: &str,
        device_name: &str,
    ) -> Result<counter_core::proto::EnrollResponse, ApiError> {
        let who = self.supervisor()?.name.clone();
        let r = counter_sync::enroll(&mut self.store, server, code, device_name)
            .map_err(|e| err(ApiErrorCode::InvalidInput, e.to_string()))?;
        self.reload()?;
        let detail = format!("{server}，网点 {}，{} 号窗口", r.point, r.window);
        self.audit(&who, "注册到中心服务器", Some(&detail));
        Ok(r)
    }

    /// Pushes and pulls now on this connection, with the patient timeouts of a batch run.
    pub fn sync_report(&mut self) -> Result<SyncReport, ApiError> {
        self.clerk()?;
        let r = counter_sync::sync_now(&mut self.store, counter_sync::Options::default())
            .map_err(|e| err(ApiErrorCode::Storage, e.to_string()))?;
        self.reload()?;
        Ok(r)
    }

    /// Writes the pending events to `out` for `counter-server import`.
    pub fn export(&mut self, out: &Path) -> Result<usize, ApiError> {
        let who = self.supervisor()?.name.clone();
        let n = counter_sync::export(&self.store, out)
            .map_err(|e| err(ApiErrorCode::Storage, e.to_string()))?;
        let detail = format!("{n} 条，{}", out.display());
        self.audit(&who, "导出待上传事件", Some(&detail));
        Ok(n)
    }

    /// Copies the store to a new file while it is in use.
    pub fn backup(&mut self, to: &Path) -> Result<(), ApiError> {
        let who = self.supervisor()?.name.clone();
        if to.exists() {
            return Err(err(
                ApiErrorCode::InvalidInput,
                format!("{} 已存在，请指定新的备份文件名", to.display()),
            ));
        }
        self.store.backup(to).map_err(store_err)?;
        let detail = to.display().to_string();
        self.audit(&who, "备份", Some(&detail));
        Ok(())
    }
}
