//! The central server: counters enrol once, push their case events (each stored exactly once,
//! acknowledged only after commit), and pull the changes the central office makes.
//! Storage: one SQLite file by default, or PostgreSQL; the same tests run against both.

use std::sync::{Arc, Mutex};

use counter_core::proto::hex;
use sha2::{Digest, Sha256};

mod changes;
mod db;
mod enrol;
mod guard;
mod http;
mod listen;
mod push;
mod snapshots;

use db::{Db, Exec};
pub use enrol::DeviceRow;
pub use http::{router, serve, serve_until, spawn};
pub use listen::{HEADER_READ_TIMEOUT, MAX_CONNECTIONS};

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
}

/// The central store: SQLite (`sqlite:FILE`) or PostgreSQL (`postgres://…`), one writer.
#[derive(Clone)]
pub struct Central {
    db: Arc<Mutex<Db>>,
    /// Rate limits of this process (enrolments, failed authentications).
    pub(crate) guard: Arc<guard::Guard>,
}

pub(crate) fn hash(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

pub(crate) fn random_token(bytes: usize) -> String {
    use chacha20poly1305::aead::rand_core::RngCore;
    let mut b = vec![0u8; bytes];
    chacha20poly1305::aead::OsRng.fill_bytes(&mut b);
    hex(&b)
}

impl Central {
    /// Opens (creating, migrating) the store named by `db`.
    pub fn open(db: &str) -> Result<Central, ServerFailure> {
        Ok(Central {
            db: Arc::new(Mutex::new(Db::open(db)?)),
            guard: Arc::default(),
        })
    }

    pub(crate) fn tx<T>(
        &self,
        f: impl FnOnce(&mut dyn Exec) -> Result<T, ServerFailure>,
    ) -> Result<T, ServerFailure> {
        let mut db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        db.transaction(f)
    }
}
