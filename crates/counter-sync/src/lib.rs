//! The sync client: enrol once, then push the outbox in batches (deleting only what the server
//! acknowledged) and pull the central office's changes (applied with the cursor in one local
//! transaction). Network failures are retried with backoff and jitter; a run that fails leaves
//! everything in place for the next one.

use std::path::Path;
use std::time::Duration;

use counter_core::proto::{
    Changes, DeviceState, EnrollRequest, EnrollResponse, PushRequest, PushResponse, Rejected,
    ServerCode, WireEvent, MAX_BODY,
};
use counter_core::trust::{EnrolmentPass, Trust};
use counter_store::{Store, StoreError};
use serde::Serialize;

mod client;
mod snapshots;

pub use client::check_address;
use client::{Client, Pinning};
pub use snapshots::check_snapshot;
use snapshots::fetch_snapshots;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("本机尚未注册到中心服务器：请先运行 counter sync enroll --server 地址 --code 注册码")]
    NotEnrolled,
    #[error("{0}：数据已保存在本机，网络恢复后再同步")]
    Network(String),
    /// The server refused, with its code (`proto::ServerCode`) and its words.
    #[error("中心服务器拒绝：{message}")]
    Server {
        code: counter_core::proto::ServerCode,
        message: String,
    },
    #[error("中心服务器的应答不合规（{0}），本机未删除任何待上传事件：请联系管理员")]
    Protocol(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("无法写入 {0}")]
    Write(String),
    /// The server is not the one pinned, or the address would send data in clear.
    #[error("{0}")]
    Trust(String),
    /// The server asked to come back later (408, 429 or 503, with `Retry-After`).
    #[error("中心服务器繁忙（{message}），约 {} 秒后再同步：数据已保存在本机", after.as_secs())]
    Busy { after: Duration, message: String },
}

impl SyncError {
    /// When the server said to try again, if it said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SyncError::Busy { after, .. } => Some(*after),
            _ => None,
        }
    }

    /// Whether trying again later may succeed by itself (the network, a busy or failing
    /// server), as opposed to a refusal a person has to deal with.
    pub fn passing(&self) -> bool {
        matches!(self, SyncError::Network(_) | SyncError::Busy { .. })
    }
}

/// What one run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub pushed: usize,
    pub pulled: usize,
    pub rejected: Vec<Rejected>,
    /// Catalogs and calendars received and verified.
    pub snapshots: usize,
    /// Snapshots refused (bad signature, older than what is here), in words.
    pub refused: Vec<String>,
    /// What the run did that the clerk should know (a restored store realigned), in words.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub batch: u32,
    pub retries: u32,
    /// The whole of one request, answer included.
    pub timeout: Duration,
    /// Reaching the server at all.
    pub connect_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            batch: 200,
            retries: 5,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

impl Options {
    /// For a clerk who pressed 立即同步 and waits for the answer: one retry, short timeouts
    /// (a server that never answers is reported in about 20 s, one that is down in seconds).
    /// For the background sync: nobody waits for it, so it gives the server time, and a
    /// busy server's `Retry-After` is waited for within the run up to `max_wait`.
    pub fn background() -> Options {
        Options {
            retries: 2,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            ..Options::default()
        }
    }

    pub fn interactive() -> Options {
        Options {
            retries: 1,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            ..Options::default()
        }
    }
}

fn now() -> chrono::NaiveDateTime {
    chrono::SubsecRound::trunc_subsecs(chrono::Local::now().naive_local(), 0)
}

fn now_text() -> String {
    now().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Exchanges an enrolment pass for this device's key and keeps it in the store. The server
/// must show the authority and signing key the pass's pin names; everything after trusts
/// them alone.
pub fn enroll(
    store: &mut Store,
    server: &str,
    pass: &str,
    device_name: &str,
) -> Result<EnrollResponse, SyncError> {
    let pass = EnrolmentPass::parse(pass).map_err(|e| SyncError::Trust(e.to_string()))?;
    let trust: Trust = Client::new(server, None, Options::default(), Pinning::Unchecked)?
        .call::<(), _>(reqwest::Method::GET, "/v1/trust", None)?;
    if trust.pin() != pass.pin {
        return Err(SyncError::Trust(format!(
            "中心服务器（{server}）的身份与注册码中的指纹不符，未注册：请核对服务器地址和注册码；都无误时，可能有人冒充中心服务器，请联系管理员"
        )));
    }
    let mut c = Client::new(
        server,
        None,
        Options::default(),
        Pinning::Authority(trust.ca_pem.as_deref()),
    )?;
    let link = store.sync_link()?;
    let r: EnrollResponse = c.call(
        reqwest::Method::POST,
        "/v1/enroll",
        Some(&EnrollRequest {
            code: pass.code.clone(),
            device_name: device_name.into(),
            window: store.window_setting(),
            // Enrolled before (revoked, reinstalled): the server hands this store's cases on,
            // and the old key proves the seat is this store's.
            previous_device: link.as_ref().map(|l| l.device_id.clone()),
            previous_key: link.map(|l| l.key),
            last_seq: store.sent_through()?,
        }),
    )?;
    if !r.public_key.eq_ignore_ascii_case(&trust.public_key) {
        return Err(SyncError::Trust(
            "中心服务器注册时给出的签名公钥与注册码中的指纹不符，未注册：请联系管理员".into(),
        ));
    }
    store.set_enrollment(server, &r.device_id, &r.key, &r.point)?;
    store.confirm_window(r.window)?;
    store.pin_server(trust.ca_pem.as_deref(), &trust.public_key)?;
    store.set_registration(r.level.as_deref(), r.name.as_deref())?;
    Ok(r)
}

/// Pushes the whole outbox, then pulls every change; records the outcome for `sync status`.
pub fn sync_now(store: &mut Store, opts: Options) -> Result<SyncReport, SyncError> {
    let result = run(store, opts);
    let _ = match &result {
        Ok(_) => store.record_sync(&now_text(), None),
        Err(e) => store.record_sync(&now_text(), Some(&e.to_string())),
    };
    result
}

fn run(store: &mut Store, opts: Options) -> Result<SyncReport, SyncError> {
    match run_once(store, opts) {
        // A store restored from a backup older than this device's last enrolment holds a
        // revoked registration: only the supervisor can go on.
        Err(SyncError::Server {
            code: ServerCode::Auth,
            ..
        }) if store.restored()? => Err(SyncError::Server {
            code: ServerCode::Auth,
            message: "本机数据是从备份恢复的，而备份中的注册已在中心停用：请负责人请中心停用本窗口之前的设备，再在“设置”中用新的注册码重新注册；已登记的办件不会丢失"
                .into(),
        }),
        other => other,
    }
}

fn run_once(store: &mut Store, opts: Options) -> Result<SyncReport, SyncError> {
    let link = store.sync_link()?.ok_or(SyncError::NotEnrolled)?;
    let batch = opts.batch;
    let ca = store.server_ca()?;
    let mut c = Client::new(
        &link.server,
        Some(format!("{}.{}", link.device_id, link.key)),
        opts,
        Pinning::Authority(ca.as_deref()),
    )?;
    let mut report = SyncReport::default();
    if store.restored()? {
        // Opened from a backup: learn which numbers this device already used, so none is
        // made twice; the push below then follows the server's sequence.
        let d: DeviceState = c.call::<(), _>(reqwest::Method::GET, "/v1/device", None)?;
        store.realign_numbers(&d.numbers, d.last_seq, &link.point, now().date())?;
        report.notes.push(format!(
            "本机数据是从备份恢复的：已向中心核对本机用过的 {} 个编号，之后的办件编号不会重复",
            d.numbers.len()
        ));
    }
    push(store, &mut c, batch, &mut report)?;
    pull(store, &mut c, &link.device_id, link.cursor, &mut report)?;
    fetch_snapshots(store, &mut c, &mut report)?;
    Ok(report)
}

/// At most `limit` events, and never a request over three quarters of the server's body limit
/// (a 200-case hand-over sheet is split over several requests). At least one event.
fn sized(mut events: Vec<WireEvent>) -> Result<Vec<WireEvent>, SyncError> {
    let mut bytes = 0;
    let mut keep = 0;
    for e in &events {
        let n = serde_json::to_vec(e).map_or(usize::MAX, |v| v.len() + 1);
        if keep > 0 && bytes + n > MAX_BODY * 3 / 4 {
            break;
        }
        bytes = bytes.saturating_add(n);
        keep += 1;
    }
    if bytes > MAX_BODY * 3 / 4 {
        return Err(SyncError::Protocol(format!(
            "事件 {} 过大（{} KB），无法上传",
            events[0].id,
            bytes / 1024
        )));
    }
    events.truncate(keep);
    Ok(events)
}

/// Pushes the outbox in batches. Only what the server acknowledged leaves the outbox, and
/// only within what was sent; a batch the server says does not follow its numbering is
/// renumbered after the server's last and sent again (a few times at most).
fn push(
    store: &mut Store,
    c: &mut Client,
    batch: u32,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let mut realigned = 0;
    loop {
        let events = sized(store.outbox_batch(batch)?)?;
        let (Some(first), Some(last)) = (events.first(), events.last()) else {
            return Ok(());
        };
        let (first, last) = (first.seq, last.seq);
        let r: PushResponse = c.call(
            reqwest::Method::POST,
            "/v1/events",
            Some(&PushRequest {
                events: events.clone(),
            }),
        )?;
        if r.acked_through > last {
            return Err(SyncError::Protocol(format!(
                "确认到序号 {}，超出本机所发的 {last}",
                r.acked_through
            )));
        }
        // The refusals are kept before their events leave the outbox.
        store.record_rejections(&r.rejected, &now_text())?;
        store.ack_outbox(r.acked_through)?;
        report.pushed += events.iter().filter(|e| e.seq <= r.acked_through).count();
        report.rejected.extend(r.rejected);
        if r.gap {
            let server_last = r
                .server_last
                .ok_or_else(|| SyncError::Protocol("缺少中心的序号".into()))?;
            realigned += 1;
            if realigned > 3 {
                return Err(SyncError::Protocol("序号多次接续仍不一致".into()));
            }
            store.renumber_outbox(&r.known, server_last)?;
            tracing::info!(
                server_last,
                known = r.known.len(),
                "outbox renumbered after the server's"
            );
            continue;
        }
        if r.acked_through < first {
            // Nothing of this batch was stored and no gap was reported: stop rather than spin.
            return Err(SyncError::Protocol("中心服务器未确认任何事件".into()));
        }
    }
}

/// Pulls every change after the cursor; a page must move the cursor on.
fn pull(
    store: &mut Store,
    c: &mut Client,
    me: &str,
    mut cursor: i64,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    loop {
        let ch: Changes = c.call::<(), Changes>(
            reqwest::Method::GET,
            &format!("/v1/changes?after={cursor}"),
            None,
        )?;
        if ch.changes.is_empty() {
            return Ok(());
        }
        if ch.cursor <= cursor
            || ch
                .changes
                .iter()
                .any(|x| x.seq <= cursor || x.seq > ch.cursor)
        {
            return Err(SyncError::Protocol(format!(
                "变更游标未前进（{cursor} → {}）",
                ch.cursor
            )));
        }
        store.apply_remote(&ch.changes, ch.cursor, now(), me)?;
        report.pulled += ch.changes.len();
        cursor = ch.cursor;
    }
}

/// Writes the outbox to a file for a point with no network (imported with
/// `counter-server import`), sealed under this device's export key and readable by its owner
/// only; the outbox stays until a sync acknowledges it.
pub fn export(store: &Store, out: &Path) -> Result<usize, SyncError> {
    let link = store.sync_link()?.ok_or(SyncError::NotEnrolled)?;
    let events = store.outbox_batch(u32::MAX)?;
    let file = counter_core::export::seal_export(
        &link.device_id,
        &counter_core::export::export_key(&link.key),
        &events,
    );
    let text = serde_json::to_string(&file).map_err(|e| SyncError::Write(e.to_string()))?;
    let fail = |e: std::io::Error| SyncError::Write(format!("{}：{e}", out.display()));
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(out).map_err(fail)?;
    // A file that was there before keeps its mode on open: made owner-only here too.
    #[cfg(unix)]
    f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .map_err(fail)?;
    std::io::Write::write_all(&mut f, text.as_bytes()).map_err(fail)?;
    f.sync_all().map_err(fail)?;
    Ok(events.len())
}
