//! The workstation and the central server: sync status, 立即同步 and enrolment. A run that
//! waits on the network works on a store connection of its own ([`run_sync`], [`run_enroll`]),
//! so the window and the workstation stay free meanwhile; [`Workstation::reload`] then picks up
//! what it brought.

use counter_core::SearchIndex;
use counter_store::Store;

use crate::{err, store_err, ApiError, ApiErrorCode, Paths, Workstation};

impl Workstation {
    /// Pending events, the last success and the last error, for the sync indicator.
    pub fn sync_state(&self) -> Result<counter_store::SyncState, ApiError> {
        let mut state = self.store.sync_state().map_err(store_err)?;
        state.auto = self
            .auto_sync
            .as_ref()
            .and_then(|s| s.lock().ok().and_then(|s| s.clone()));
        Ok(state)
    }

    /// What the background sync needs, and how many events wait: `None` while this
    /// workstation is not enrolled. It needs no signed-in clerk (a locked workstation still
    /// sends what it holds).
    pub fn background_sync_job(&self) -> Option<(SyncJob, i64)> {
        let state = self.store.sync_state().ok()?;
        state.enrolled.then(|| {
            (
                SyncJob {
                    paths: self.paths.clone(),
                },
                state.pending,
            )
        })
    }

    /// What a sync run started from the window needs. The run itself ([`run_sync`]) works on
    /// a connection of its own, so the window and the workstation stay free while it waits on
    /// the network.
    pub fn sync_job(&self) -> Result<SyncJob, ApiError> {
        self.clerk()?;
        Ok(SyncJob {
            paths: self.paths.clone(),
        })
    }

    /// Enrolment from 设置 (the supervisor only): the server's address and the code the
    /// central office issued. The exchange runs in [`run_enroll`].
    pub fn enroll_job(&mut self, server: &str, code: &str) -> Result<EnrollJob, ApiError> {
        let supervisor = self.supervisor()?.name.clone();
        let (server, code) = (server.trim(), code.trim());
        if server.is_empty() || code.is_empty() {
            return Err(err(
                ApiErrorCode::InvalidInput,
                "请填写中心服务器地址和注册码（由中心管理员提供）",
            ));
        }
        self.audit(&supervisor, "注册到中心服务器", Some(server));
        Ok(EnrollJob {
            paths: self.paths.clone(),
            server: server.trim_end_matches('/').to_string(),
            code: code.to_string(),
            device_name: format!("{} · {}", self.office.name, supervisor),
        })
    }

    /// Picks up what a sync run brought: newer catalog editions, the calendar and the point's
    /// central registration.
    pub fn reload(&mut self) -> Result<(), ApiError> {
        let (catalogs, _problems) = self.store.catalogs().map_err(store_err)?;
        self.calendar = self
            .store
            .calendar()
            .map_err(store_err)?
            .map_err(|e| err(ApiErrorCode::Catalog, e.to_string()))?;
        self.index = SearchIndex::new(&catalogs);
        self.catalogs = catalogs;
        self.office = self
            .store
            .registered_office(self.office.clone())
            .map_err(store_err)?;
        Ok(())
    }
}

/// The print queues this computer has (CUPS), for choosing the office's printer.
pub fn printers() -> Vec<String> {
    counter_docs::printers()
}

/// An enrolment to do away from the workstation (see [`Workstation::enroll_job`]).
pub struct EnrollJob {
    paths: Paths,
    server: String,
    code: String,
    device_name: String,
}

/// Exchanges the enrolment code with the central server on a connection of its own; answers
/// in words. Afterwards call [`Workstation::reload`] (the registration names the point).
pub fn run_enroll(job: EnrollJob) -> Result<String, ApiError> {
    let mut store = Store::open(&job.paths.db, &job.paths.key).map_err(store_err)?;
    let r = counter_sync::enroll(&mut store, &job.server, &job.code, &job.device_name)
        .map_err(crate::error::sync_failure)?;
    tracing::info!(point = %r.point, device = %r.device_id, "enrolled");
    Ok(format!(
        "已注册到中心服务器：网点 {}{}",
        r.point,
        r.name.map(|n| format!("（{n}）")).unwrap_or_default()
    ))
}

/// A sync run to do away from the workstation (see [`Workstation::sync_job`]).
pub struct SyncJob {
    paths: Paths,
}

/// Runs a sync on its own store connection with the timeouts of a clerk waiting for it;
/// answers in words. Afterwards call [`Workstation::reload`].
pub fn run_sync(job: SyncJob) -> Result<String, ApiError> {
    // One run at a time: 立即同步 waits for a background run that is under way.
    let _turn = ONE_RUN.lock().unwrap_or_else(|p| p.into_inner());
    let mut store = Store::open(&job.paths.db, &job.paths.key).map_err(store_err)?;
    sync_message(counter_sync::sync_now(
        &mut store,
        counter_sync::Options::interactive(),
    ))
}

/// Sync runs of this process, one at a time (the window's and the background one).
static ONE_RUN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A background run (`autosync`), with the patience nobody waiting allows.
pub(crate) fn run_sync_in_background(job: SyncJob) -> Result<(), counter_sync::SyncError> {
    let _turn = ONE_RUN.lock().unwrap_or_else(|p| p.into_inner());
    let mut store = Store::open(&job.paths.db, &job.paths.key)?;
    counter_sync::sync_now(&mut store, counter_sync::Options::background()).map(drop)
}

fn sync_message(
    result: Result<counter_sync::SyncReport, counter_sync::SyncError>,
) -> Result<String, ApiError> {
    match result {
        Ok(r) => Ok(format!(
            "同步完成：上传 {} 条，接收 {} 条变更{}{}",
            r.pushed,
            r.pulled,
            r.notes.iter().map(|n| format!("；{n}")).collect::<String>(),
            if r.rejected.is_empty() {
                String::new()
            } else {
                format!(
                    "；{} 条被中心拒收：{}",
                    r.rejected.len(),
                    r.rejected
                        .iter()
                        .map(|x| format!("{} {}", x.case_no, x.reason))
                        .collect::<Vec<_>>()
                        .join("；")
                )
            }
        )),
        Err(e) => Err(crate::error::sync_failure(e)),
    }
}
