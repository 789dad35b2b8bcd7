//! The central server: counters enrol once, push their case events (each stored exactly once,
//! acknowledged only after commit), and pull the changes the central office makes.
//! Storage: one SQLite file by default, or PostgreSQL; the same tests run against both.

use std::sync::Arc;

use counter_core::proto::{hex, public_key};
use sha2::{Digest, Sha256};

mod audit;
mod batch;
mod changes;
mod claims;
mod console;
mod console_admin;
mod db;
mod enrol;
mod guard;
mod http;
mod keys;
mod listen;
mod proxy;
mod push;
mod seal;
mod share;
mod snapshots;
mod staff;
mod upgrade;

pub use audit::AuditEntry;
pub use changes::Judged;
pub use console::{CaseDetail, QueueCase, Verdict};
pub use console_admin::{CatalogCheck, EditionRow, FlagRow};
use db::{Db, Exec};
pub use db::{DbOptions, DB_POOL};
pub use enrol::DeviceRow;
pub use http::{router, serve, serve_until, spawn};
pub use ipnet::IpNet;
pub use keys::{init_tls, KeyError, Keys, Made};
pub use listen::{HEADER_READ_TIMEOUT, MAX_CONNECTIONS};
pub use staff::{SignInFailure, StaffMember, StaffRole, FREE_TRIES, IDLE_SECONDS, LOCK_SECONDS};

/// The OpenAPI description of this API, served at `/openapi.yaml` and kept in the repository.
pub const OPENAPI: &str = include_str!("../openapi.yaml");

#[derive(Debug, thiserror::Error)]
pub enum ServerFailure {
    #[error("数据库错误：{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("数据库错误：{0}")]
    Storage(String),
    #[error("{0}")]
    Input(String),
    #[error("未找到办件 {0}")]
    NotFound(String),
    #[error("{0}")]
    Keys(#[from] KeyError),
    /// Two stores push as one device (a copied PC): the device is stopped.
    #[error("{0}")]
    Cloned(String),
    /// The device was stopped as a clone; the reason.
    #[error("{0}")]
    Stopped(String),
    /// Every connection to the database is in use for longer than a request may wait: the
    /// client comes back after a while (503 with `Retry-After`).
    #[error("服务器繁忙，请稍后重试")]
    Busy,
    /// Something other than a case the request names does not exist (404), in words.
    #[error("{0}")]
    Missing(String),
    /// Signed in, but the role does not allow it (403).
    #[error("{0}")]
    Forbidden(String),
}

/// The central store: SQLite (`sqlite:FILE`, one writer) or PostgreSQL (`postgres://…`, a
/// pool; any number of instances over one database).
#[derive(Clone)]
pub struct Central {
    db: Arc<Db>,
    /// Rate limits of this process (enrolments, failed authentications).
    pub(crate) guard: Arc<guard::Guard>,
    /// Signing, sealing and TLS keys, from a directory apart from the database.
    pub(crate) keys: Arc<Keys>,
    /// The catalog editions cases are judged by.
    pub(crate) editions: Arc<claims::Editions>,
    /// Load balancers in front of the instances: the client's address of a request they pass
    /// on is the one they add to `X-Forwarded-For`. Nobody else's header is believed.
    pub(crate) proxies: Arc<Vec<ipnet::IpNet>>,
    /// Connections served at once (`serve --max-connections`).
    pub(crate) max_connections: usize,
    /// The trusted balancers' connections begin with a PROXY protocol header.
    pub(crate) proxy_protocol: bool,
    /// How much of a period or a queue the console reads and lists at a time.
    pub(crate) console_paging: console::Paging,
}

pub(crate) fn hash(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

/// Now, in Unix seconds (sessions, locks, the audit log).
pub(crate) fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub(crate) fn random_token(bytes: usize) -> String {
    use chacha20poly1305::aead::rand_core::RngCore;
    let mut b = vec![0u8; bytes];
    chacha20poly1305::aead::OsRng.fill_bytes(&mut b);
    hex(&b)
}

impl Central {
    /// Opens (creating, migrating) the store named by `db` with the server's `keys`. Data an
    /// earlier version wrote in clear is sealed, and the signing key it kept in the database
    /// moves to the key directory.
    pub fn open(db: &str, keys: Keys) -> Result<Central, ServerFailure> {
        Central::open_with(db, keys, &DbOptions::default())
    }

    /// As [`Central::open`], reaching PostgreSQL as `options` say (pool size, TLS authority).
    pub fn open_with(
        db: &str,
        mut keys: Keys,
        options: &DbOptions,
    ) -> Result<Central, ServerFailure> {
        let db = Db::open(db, options)?;
        // Another instance starting at the same time waits until this one is through.
        let _starting = db.start()?;
        if let Some(legacy) = db.transaction(&keys, seal::legacy_signing_key)? {
            if keys.new_signing {
                keys.adopt_signing(legacy)?;
            } else if &legacy != keys.signing() {
                return Err(ServerFailure::Input(
                    "数据库中留有旧版本的签名密钥，与密钥目录中的 signing.key 不同：计数器钉住的是哪一把，就把哪一把写入 signing.key（见 docs/security.md）".into(),
                ));
            }
        }
        db.transaction(&keys, seal::seal_legacy_rows)?;
        upgrade::apply_earlier_shared(&db, &keys)?;
        let recorded = db.transaction(&keys, seal::recorded_signing)?;
        // A rotation a stop interrupted: finished if the database took the new key, else
        // dropped.
        if let Some(next) = keys.pending_rotation()? {
            if recorded.as_deref() == Some(public_key(&next).as_str()) {
                keys.adopt_rotation(next)?;
            } else {
                keys.discard_rotation()?;
            }
        }
        let current = public_key(keys.signing());
        match recorded {
            None => db.transaction(&keys, |t| seal::record_signing(t, &current))?,
            Some(p) if p == current => {}
            Some(_) => {
                return Err(ServerFailure::Input(if keys.new_signing {
                    "密钥目录中没有 signing.key（刚刚新建了一把），而计数器钉住的是数据库记录的那把：请从备份恢复 signing.key 后再启动（见 docs/security.md）".into()
                } else {
                    "密钥目录中的 signing.key 不是数据库记录的签名密钥：密钥目录不是这个数据库的，或 signing.key 被替换了；请放回原来的 signing.key（见 docs/security.md）".into()
                }));
            }
        }
        Ok(Central {
            db: Arc::new(db),
            guard: Arc::default(),
            keys: Arc::new(keys),
            editions: Arc::new(claims::Editions::built_in()),
            proxies: Arc::default(),
            max_connections: MAX_CONNECTIONS,
            proxy_protocol: false,
            console_paging: console::Paging::default(),
        })
    }

    /// Believes `X-Forwarded-For` from these addresses (`serve --trusted-proxy`), so the rate
    /// limits count each client behind a load balancer, not the balancer.
    pub fn trusting_proxies(mut self, proxies: Vec<ipnet::IpNet>) -> Central {
        self.proxies = Arc::new(proxies);
        self
    }

    /// Reads the console's cases `page` at a time, lists at most `workbook_cases` in a workbook
    /// and `queue` in a queue: small values let a test show on a handful of cases what a
    /// province does.
    pub fn paging_console(mut self, page: usize, workbook_cases: usize, queue: usize) -> Central {
        self.console_paging = console::Paging {
            page: page.max(1),
            workbook_cases,
            queue: queue.max(1),
        };
        self
    }

    /// Serves at most `n` connections at once; more wait in the listen backlog until one
    /// ends (an instance behind a balancer that keeps a connection per counter needs more
    /// than the default, and as many open files).
    pub fn capping_connections(mut self, n: usize) -> Central {
        self.max_connections = n.max(1);
        self
    }

    /// Reads a PROXY protocol header (v1 or v2) at the start of every connection from the
    /// trusted balancers (`serve --proxy-protocol`, with `--trusted-proxy`): a TCP balancer's
    /// way of naming the client. Their connections without one are closed.
    pub fn reading_proxy_protocol(mut self) -> Central {
        self.proxy_protocol = true;
        self
    }

    pub(crate) fn limits(&self) -> listen::Limits {
        listen::Limits {
            cap: self.max_connections,
            proxy_protocol_from: if self.proxy_protocol {
                self.proxies.clone()
            } else {
                Arc::default()
            },
        }
    }

    /// What counters pin (the pass printed by `enroll-code` carries its fingerprint).
    pub fn trust(&self) -> counter_core::trust::Trust {
        self.keys.trust()
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// Statements this process ran on the store since it opened (the fleet bench divides them
    /// by the events pushed).
    pub fn statements(&self) -> u64 {
        self.db.statements()
    }

    pub(crate) fn tx<T>(
        &self,
        f: impl FnOnce(&mut dyn Exec) -> Result<T, ServerFailure>,
    ) -> Result<T, ServerFailure> {
        self.db.transaction(&self.keys, f)
    }
}
