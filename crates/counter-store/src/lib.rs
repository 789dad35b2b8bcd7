//! The local store: cases and their events in one SQLite file.
//!
//! WAL, `synchronous=FULL`, foreign keys, `BEGIN IMMEDIATE` for every write, forward-only
//! migrations. Each change writes the new case state and appends its events (and their outbox
//! entries) in one transaction, so after a crash a case and its history always agree. Personal
//! data is inside encrypted bodies; the plain columns are what the ledger filters on.

mod accounts;
mod alerts;
mod audit;
mod crypt;
mod custody;
mod ledger;
mod numbering;
mod received;
mod rejections;
mod sync;
mod trust;

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use counter_core::case::{self, Case, CaseError, CaseEvent, OpenCase};
use counter_core::ids::mask_id;
use counter_core::Catalog;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

pub use accounts::{Account, Clerk, Role, SignInError, FREE_TRIES};
pub use audit::AuditEntry;
pub use crypt::{Cipher, Key};
pub use custody::{SheetRow, SheetSent};
pub use ledger::{LedgerQuery, LedgerRow};
pub use rejections::Rejection;
pub use sync::{KeptSnapshot, SyncLink, SyncState};

/// Forward-only migrations, applied in order; the schema version is `PRAGMA user_version`.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_clerks.sql"),
    include_str!("../migrations/0003_sync.sql"),
    include_str!("../migrations/0004_snapshots.sql"),
    include_str!("../migrations/0005_custody.sql"),
    include_str!("../migrations/0006_catalog_history.sql"),
    include_str!("../migrations/0007_rejections.sql"),
    include_str!("../migrations/0008_windows.sql"),
    include_str!("../migrations/0009_audit.sql"),
    include_str!("../migrations/0010_trust.sql"),
    include_str!("../migrations/0011_audit_chain.sql"),
    include_str!("../migrations/0012_alerts_seen.sql"),
    include_str!("../migrations/0013_clerk_disabled.sql"),
];

/// The schema this version writes (`PRAGMA user_version` after every migration).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// A known plaintext sealed with the key, to tell a wrong key from damaged data.
const KEY_CHECK: &[u8] = b"counter store key check";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库错误：{0}")]
    Sqlite(rusqlite::Error),
    #[error("磁盘已满：本次操作未保存，已保存的办件完好。请清理磁盘空间后重试")]
    DiskFull,
    #[error("无法读写 {path}：{source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("密钥文件 {0} 不存在，而数据库中已有数据。请恢复原密钥文件（不要新建密钥）")]
    KeyMissing(PathBuf),
    #[error("密钥文件 {0} 格式不正确（应为64位十六进制）")]
    BadKeyFile(PathBuf),
    #[error("密钥与数据库不匹配：请使用创建该数据库时的密钥文件")]
    WrongKey,
    #[error("无法解密 {0} 的数据：数据损坏或密钥不符")]
    Decrypt(String),
    #[error("数据库版本 {found} 比本程序支持的 {supported} 新，请升级程序")]
    TooNew { found: i64, supported: i64 },
    #[error("未找到办件 {0}")]
    NotFound(String),
    #[error("{0}")]
    Case(#[from] CaseError),
    #[error("{0}")]
    Input(String),
    #[error("数据格式错误：{0}")]
    Json(#[from] serde_json::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::DiskFull,
            _ => StoreError::Sqlite(e),
        }
    }
}

/// One stored event.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct StoredEvent {
    #[ts(type = "number")]
    pub seq: i64,
    pub id: String,
    #[serde(flatten)]
    pub event: CaseEvent,
}

/// What opening a case returns: the case and earlier open cases of the same applicant for
/// the same item at this point (重复受理提醒).
#[derive(Debug, Clone)]
pub struct Opened {
    pub case: Case,
    pub duplicates: Vec<String>,
}

pub struct Store {
    conn: Connection,
    cipher: Cipher,
    /// The window chosen in the settings, until the central server confirms one.
    window: u32,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// Where the app keeps its data by default: `$XDG_DATA_HOME/counter/counter.db` (or
/// `~/.local/share/…`), and the key apart from it in `$XDG_CONFIG_HOME/counter/store.key`.
pub fn default_paths() -> (PathBuf, PathBuf) {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let dir = |var: &str, fallback: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| home.join(fallback))
            .join("counter")
    };
    (
        dir("XDG_DATA_HOME", ".local/share").join("counter.db"),
        dir("XDG_CONFIG_HOME", ".config").join("store.key"),
    )
}

pub(crate) fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Store {
    /// Opens (creating if needed) the store at `db`, with the key in `key_file`. A new key is
    /// made only for a database that holds no data yet.
    pub fn open(db: &Path, key_file: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.into(),
                source,
            })?;
        }
        private_file(db)?;
        let conn = Connection::open(db)?;
        let has_data = conn
            .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .unwrap_or(0)
            > 0;
        let key = Key::load(key_file, !has_data)?;
        Store::with_connection(conn, &key)
    }

    /// Opens with a key already in hand (tests, benchmarks).
    pub fn open_with_key(db: &Path, key: &Key) -> Result<Store, StoreError> {
        Store::with_connection(Connection::open(db)?, key)
    }

    fn with_connection(conn: Connection, key: &Key) -> Result<Store, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store {
            conn,
            cipher: Cipher::new(key),
            window: 1,
        };
        store.migrate()?;
        store.check_key()?;
        Ok(store)
    }

    /// The schema version this store is at.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let supported = MIGRATIONS.len() as i64;
        let found = self.schema_version()?;
        if found > supported {
            return Err(StoreError::TooNew { found, supported });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Re-check under the write lock: another process may have migrated meanwhile.
            let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if now > i as i64 {
                continue;
            }
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
            tracing::info!(version = i + 1, "store migrated");
        }
        Ok(())
    }

    fn check_key(&mut self) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let sealed: Option<Vec<u8>> = tx
            .query_row("SELECT value FROM meta WHERE key = 'key_check'", [], |r| {
                r.get(0)
            })
            .optional()?;
        match sealed {
            Some(s) => {
                let plain = self
                    .cipher
                    .open(&s, "key_check")
                    .map_err(|_| StoreError::WrongKey)?;
                if plain != KEY_CHECK {
                    return Err(StoreError::WrongKey);
                }
            }
            None => {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('key_check', ?1)",
                    [self.cipher.seal(KEY_CHECK, "key_check")],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Opens a case: assigns the next case number of the point's day, validates, and writes
    /// the case with its `opened` event.
    pub fn open_case(
        &mut self,
        catalog: &Catalog,
        mut req: OpenCase,
        now: NaiveDateTime,
    ) -> Result<Opened, StoreError> {
        self.check_not_restored()?;
        let window = self.window()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let key = numbering::counter_key(req.point.trim(), window);
        let seq = next_day_seq(&tx, &key, now.date())?;
        req.case_no = case::case_number(req.point.trim(), window, now.date(), seq);
        let (case, event) = Case::open(req, catalog, now)?;
        let hash = self.cipher.id_hash(case.applicant.id_number());
        let duplicates = {
            let mut stmt = tx.prepare(
                "SELECT case_no, state FROM cases WHERE id_hash = ?1 AND item = ?2 AND point = ?3",
            )?;
            let rows = stmt.query_map(params![hash, case.item, case.point], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut d = Vec::new();
            for row in rows {
                let (no, state) = row?;
                if case::CaseState::parse(&state).is_some_and(|s| s.is_open()) {
                    d.push(no);
                }
            }
            d
        };
        custody::insert_case(&tx, &self.cipher, &case)?;
        append_events(&tx, &self.cipher, &case.case_no, &[event])?;
        tx.commit()?;
        tracing::info!(
            case_no = %case.case_no,
            item = %case.item,
            id = %mask_id(case.applicant.id_number()),
            duplicates = duplicates.len(),
            "case opened"
        );
        Ok(Opened { case, duplicates })
    }

    /// Loads a case.
    pub fn case(&self, case_no: &str) -> Result<Case, StoreError> {
        load_case(&self.conn, &self.cipher, case_no)
    }

    /// Applies one operation to a case under the write lock: the new state and the events the
    /// operation returns are written together, or nothing is (a refused operation changes
    /// nothing).
    pub fn update<F>(&mut self, case_no: &str, op: F) -> Result<Case, StoreError>
    where
        F: FnOnce(&mut Case) -> Result<Vec<CaseEvent>, CaseError>,
    {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (case, events) = apply_change(&tx, &self.cipher, case_no, op)?;
        tx.commit()?;
        for e in &events {
            tracing::info!(
                case_no,
                event = e.change.kind(),
                state = case.state.as_str(),
                "case changed"
            );
        }
        Ok(case)
    }

    /// The events of a case, oldest first.
    pub fn events(&self, case_no: &str) -> Result<Vec<StoredEvent>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, id, body FROM events WHERE case_no = ?1 ORDER BY seq")?;
        let rows = stmt.query_map([case_no], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, id, body) = row?;
            let plain = self.cipher.open(&body, case_no)?;
            out.push(StoredEvent {
                seq,
                id,
                event: serde_json::from_slice(&plain)?,
            });
        }
        Ok(out)
    }

    /// Number of events waiting to be sent to the central server.
    pub fn outbox_len(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?)
    }

    /// Copies the whole store to `to` through SQLite's online backup (safe while in use).
    pub fn backup(&self, to: &Path) -> Result<(), StoreError> {
        private_file(to)?;
        self.conn
            .backup(rusqlite::MAIN_DB, to, rusqlite::backup::NO_PROGRESS)?;
        numbering::mark_restored_copy(to)
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// Bulk loading (benchmark fills): `synchronous=OFF` while `on`. A crash while on may lose
    /// the last transactions, so only tests and benches can reach it.
    #[cfg(feature = "test-hooks")]
    pub fn bulk_load_mode(&self, on: bool) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "synchronous", if on { "OFF" } else { "FULL" })?;
        Ok(())
    }

    /// Caps the file at `pages` pages, as a full disk would (tests of a disk that fills).
    #[cfg(feature = "test-hooks")]
    pub fn limit_pages(&self, pages: u32) -> Result<(), StoreError> {
        self.conn.pragma_update(None, "max_page_count", pages)?;
        Ok(())
    }

    /// The items most often opened here since `since`, most frequent first (the counter
    /// offers them before anything is typed).
    pub fn frequent_items(
        &self,
        since: NaiveDate,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT catalog, item FROM cases WHERE opened_on >= ?1
             GROUP BY catalog, item ORDER BY count(*) DESC, max(opened_on) DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![date_text(since), limit], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The file's size in pages.
    pub fn page_count(&self) -> Result<u32, StoreError> {
        Ok(self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?)
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub(crate) fn cipher(&self) -> &Cipher {
        &self.cipher
    }
}

/// The next number of `key`'s day (case numbers per point, hand-over sheets per point),
/// taken inside the caller's write transaction.
pub(crate) fn next_day_seq(
    conn: &Connection,
    key: &str,
    day: NaiveDate,
) -> Result<u32, StoreError> {
    let day = date_text(day);
    let seq = conn
        .query_row(
            "SELECT last FROM day_seq WHERE point = ?1 AND day = ?2",
            params![key, day],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .unwrap_or(0)
        + 1;
    conn.execute(
        "INSERT INTO day_seq (point, day, last) VALUES (?1, ?2, ?3)
         ON CONFLICT (point, day) DO UPDATE SET last = excluded.last",
        params![key, day, seq],
    )?;
    Ok(seq as u32)
}

/// One change to a stored case inside the caller's write transaction: loads it, applies `op`
/// (a refused operation changes nothing), writes the new state with its events, queued to be
/// pushed, and keeps the hand-over sheets in step.
pub(crate) fn apply_change<F>(
    conn: &Connection,
    cipher: &Cipher,
    case_no: &str,
    op: F,
) -> Result<(Case, Vec<CaseEvent>), StoreError>
where
    F: FnOnce(&mut Case) -> Result<Vec<CaseEvent>, CaseError>,
{
    let mut case = load_case(conn, cipher, case_no)?;
    let events = op(&mut case)?;
    write_case(conn, cipher, &case)?;
    append_events(conn, cipher, case_no, &events)?;
    for e in &events {
        custody::note_sheet(conn, e)?;
    }
    Ok((case, events))
}

/// Writes a case's new state (its plain ledger columns and the encrypted body).
pub(crate) fn write_case(
    conn: &Connection,
    cipher: &Cipher,
    case: &Case,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE cases SET state = ?2, due_on = ?3, provisional = ?4, body = ?5, holder = ?6,
                          follow_up_due = ?7
         WHERE case_no = ?1",
        params![
            case.case_no,
            case.state.as_str(),
            case.due_in_force().map(date_text),
            case.acceptance.as_ref().is_some_and(|a| a.provisional),
            cipher.seal(&serde_json::to_vec(case)?, &case.case_no),
            case.held_by(),
            case.follow_up_due().map(date_text),
        ],
    )?;
    Ok(())
}

pub(crate) fn load_case(
    conn: &Connection,
    cipher: &Cipher,
    case_no: &str,
) -> Result<Case, StoreError> {
    let body: Vec<u8> = conn
        .query_row(
            "SELECT body FROM cases WHERE case_no = ?1",
            [case_no.trim()],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound(case_no.trim().to_string()))?;
    Ok(serde_json::from_slice(
        &cipher.open(&body, case_no.trim())?,
    )?)
}

fn append_events(
    conn: &Connection,
    cipher: &Cipher,
    case_no: &str,
    events: &[CaseEvent],
) -> Result<(), StoreError> {
    append(conn, cipher, case_no, events, true)
}

/// Appends events; `outbox` false for changes that came from elsewhere (the central server,
/// another point): those are kept for the audit trail but get no push sequence number, so
/// the device's own sequence stays gap-free.
pub(crate) fn append(
    conn: &Connection,
    cipher: &Cipher,
    case_no: &str,
    events: &[CaseEvent],
    outbox: bool,
) -> Result<(), StoreError> {
    for e in events {
        conn.execute(
            "INSERT INTO events (id, case_no, kind, at, body, wire_seq) VALUES (?1, ?2, ?3, ?4, ?5,
               CASE WHEN ?6 THEN (SELECT max(coalesce(max(wire_seq), 0),
                   coalesce((SELECT value FROM meta WHERE key = 'wire_floor'), 0)) + 1 FROM events) END)",
            params![
                uuid::Uuid::now_v7().to_string(),
                case_no,
                e.change.kind(),
                e.at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                cipher.seal(&serde_json::to_vec(e)?, case_no),
                outbox,
            ],
        )?;
        if outbox {
            conn.execute(
                "INSERT INTO outbox (seq) VALUES (?1)",
                [conn.last_insert_rowid()],
            )?;
        }
    }
    Ok(())
}

/// Makes `path` readable by its owner only (0600), creating it empty when missing: the store
/// and its backups hold sealed personal data and the device's key, like the export. SQLite
/// gives its -wal and -shm files the database's permissions.
fn private_file(path: &Path) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: path.into(),
        source,
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        for ext in ["-wal", "-shm"] {
            let side = std::path::PathBuf::from(format!("{}{ext}", path.display()));
            if side.exists() {
                std::fs::set_permissions(&side, std::fs::Permissions::from_mode(0o600))
                    .map_err(io)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = io;
    Ok(())
}
