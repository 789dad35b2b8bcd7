//! The two storage backends behind one small interface: SQLite (one file, zero setup) and
//! PostgreSQL. The server's SQL is written once with `?N` placeholders and plain types (text,
//! 64-bit integers, null); where the dialects differ the caller asks [`Exec::is_pg`].

use rusqlite::TransactionBehavior;

use crate::keys::Keys;
use crate::ServerFailure;

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Int(i64),
    Text(String),
    Null,
}

impl Val {
    pub fn int(&self) -> i64 {
        match self {
            Val::Int(i) => *i,
            Val::Text(t) => t.parse().unwrap_or(0),
            Val::Null => 0,
        }
    }

    pub fn text(&self) -> Option<String> {
        match self {
            Val::Text(t) => Some(t.clone()),
            Val::Int(i) => Some(i.to_string()),
            Val::Null => None,
        }
    }
}

impl From<i64> for Val {
    fn from(i: i64) -> Val {
        Val::Int(i)
    }
}
impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::Text(s.to_string())
    }
}
impl From<&String> for Val {
    fn from(s: &String) -> Val {
        Val::Text(s.clone())
    }
}
impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::Text(s)
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(o: Option<T>) -> Val {
        o.map_or(Val::Null, Into::into)
    }
}

/// Statements inside one transaction.
pub trait Exec {
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, ServerFailure>;
    fn rows(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>, ServerFailure>;
    fn is_pg(&self) -> bool;
    /// The server's keys: personal data is sealed before it is written and opened after it
    /// is read, inside the transaction.
    fn keys(&self) -> &Keys;

    fn row(&mut self, sql: &str, params: &[Val]) -> Result<Option<Vec<Val>>, ServerFailure> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }
}

pub enum Db {
    Sqlite(rusqlite::Connection),
    Pg(Box<PgConn>),
}

/// A PostgreSQL connection with its prepared statements (each prepared once, not per call).
pub struct PgConn {
    client: postgres::Client,
    cache: std::collections::HashMap<String, postgres::Statement>,
}

const SQLITE_MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_flags.sql"),
    include_str!("../migrations/0003_snapshots.sql"),
    include_str!("../migrations/0004_custody.sql"),
    include_str!("../migrations/0005_decision_time.sql"),
    include_str!("../migrations/0006_case_state.sql"),
    include_str!("../migrations/0007_devices_own_cases.sql"),
    include_str!("../migrations/0008_code_expiry.sql"),
    include_str!("../migrations/0009_export_key.sql"),
    include_str!("../migrations/0010_device_claims.sql"),
];
const PG_MIGRATIONS: &[&str] = &[
    include_str!("../migrations/pg/0001_init.sql"),
    include_str!("../migrations/pg/0002_flags.sql"),
    include_str!("../migrations/pg/0003_snapshots.sql"),
    include_str!("../migrations/pg/0004_custody.sql"),
    include_str!("../migrations/pg/0005_decision_time.sql"),
    include_str!("../migrations/pg/0006_case_state.sql"),
    include_str!("../migrations/pg/0007_devices_own_cases.sql"),
    include_str!("../migrations/pg/0008_code_expiry.sql"),
    include_str!("../migrations/pg/0009_export_key.sql"),
    include_str!("../migrations/pg/0010_device_claims.sql"),
];

impl Db {
    /// `sqlite:FILE` (or a plain path) or `postgres://…`; migrates forward.
    pub fn open(url: &str) -> Result<Db, ServerFailure> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let client = postgres::Client::connect(url, postgres::NoTls).map_err(|e| {
                ServerFailure::Input(format!("无法连接 PostgreSQL：{}", pg_message(&e)))
            })?;
            let mut db = Db::Pg(Box::new(PgConn {
                client,
                cache: Default::default(),
            }));
            db.migrate()?;
            return Ok(db);
        }
        let path = url.strip_prefix("sqlite:").unwrap_or(url);
        let conn = rusqlite::Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // What is deleted or overwritten (a body sealed in place) leaves no copy in free pages.
        conn.pragma_update(None, "secure_delete", "ON")?;
        let mut db = Db::Sqlite(conn);
        db.migrate()?;
        Ok(db)
    }

    fn migrate(&mut self) -> Result<(), ServerFailure> {
        match self {
            Db::Sqlite(conn) => {
                let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
                for (i, sql) in SQLITE_MIGRATIONS.iter().enumerate().skip(version as usize) {
                    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                    tx.execute_batch(sql)?;
                    tx.pragma_update(None, "user_version", i as i64 + 1)?;
                    tx.commit()?;
                }
            }
            Db::Pg(conn) => {
                let client = &mut conn.client;
                let pg = pg_failure;
                client
                    .batch_execute("CREATE TABLE IF NOT EXISTS schema_version (v BIGINT NOT NULL)")
                    .map_err(pg)?;
                let mut tx = client.transaction().map_err(pg)?;
                // One migrating process at a time.
                tx.batch_execute("LOCK TABLE schema_version IN EXCLUSIVE MODE")
                    .map_err(pg)?;
                let v: i64 = tx
                    .query_opt("SELECT max(v) FROM schema_version", &[])
                    .map_err(pg)?
                    .and_then(|r| r.get::<_, Option<i64>>(0))
                    .unwrap_or(0);
                for (i, sql) in PG_MIGRATIONS.iter().enumerate().skip(v as usize) {
                    tx.batch_execute(sql).map_err(pg)?;
                    tx.execute(
                        "INSERT INTO schema_version (v) VALUES ($1)",
                        &[&(i as i64 + 1)],
                    )
                    .map_err(pg)?;
                }
                tx.commit().map_err(pg)?;
            }
        }
        Ok(())
    }

    /// Runs `f` in one transaction (SQLite: `BEGIN IMMEDIATE`), committing only if it succeeds.
    pub fn transaction<T>(
        &mut self,
        keys: &Keys,
        f: impl FnOnce(&mut dyn Exec) -> Result<T, ServerFailure>,
    ) -> Result<T, ServerFailure> {
        match self {
            Db::Sqlite(conn) => {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let r = f(&mut SqliteExec(&tx, keys))?;
                tx.commit()?;
                Ok(r)
            }
            Db::Pg(conn) => {
                let pg = pg_failure;
                let PgConn { client, cache } = &mut **conn;
                let mut tx = client.transaction().map_err(pg)?;
                let r = f(&mut PgExec(&mut tx, cache, keys))?;
                tx.commit().map_err(pg)?;
                Ok(r)
            }
        }
    }
}

struct SqliteExec<'a>(&'a rusqlite::Transaction<'a>, &'a Keys);

fn to_sqlite(v: &Val) -> rusqlite::types::Value {
    match v {
        Val::Int(i) => rusqlite::types::Value::Integer(*i),
        Val::Text(t) => rusqlite::types::Value::Text(t.clone()),
        Val::Null => rusqlite::types::Value::Null,
    }
}

impl Exec for SqliteExec<'_> {
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, ServerFailure> {
        Ok(self.0.execute(
            sql,
            rusqlite::params_from_iter(params.iter().map(to_sqlite)),
        )? as u64)
    }

    fn rows(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>, ServerFailure> {
        let mut stmt = self.0.prepare(sql)?;
        let n = stmt.column_count();
        let rows = stmt.query_map(
            rusqlite::params_from_iter(params.iter().map(to_sqlite)),
            |r| {
                (0..n)
                    .map(|i| {
                        Ok(match r.get::<_, rusqlite::types::Value>(i)? {
                            rusqlite::types::Value::Integer(x) => Val::Int(x),
                            rusqlite::types::Value::Text(t) => Val::Text(t),
                            _ => Val::Null,
                        })
                    })
                    .collect()
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn is_pg(&self) -> bool {
        false
    }

    fn keys(&self) -> &Keys {
        self.1
    }
}

struct PgExec<'a, 'b>(
    &'a mut postgres::Transaction<'b>,
    &'a mut std::collections::HashMap<String, postgres::Statement>,
    &'a Keys,
);

impl PgExec<'_, '_> {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, ServerFailure> {
        if let Some(s) = self.1.get(sql) {
            return Ok(s.clone());
        }
        let s = self.0.prepare(&pg_sql(sql)).map_err(pg_failure)?;
        self.1.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

/// PostgreSQL's own words: `postgres::Error` displays only "db error" for a server-side error
/// (a missing database, a refused password); the message, detail and SQLSTATE are in its cause.
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut m = format!(
                "{} {}（SQLSTATE {}）",
                db.severity(),
                db.message(),
                db.code().code()
            );
            if let Some(d) = db.detail() {
                m.push_str(&format!("：{d}"));
            }
            m
        }
        None => {
            let mut m = e.to_string();
            let mut cause = std::error::Error::source(e);
            while let Some(c) = cause {
                m.push_str(&format!("：{c}"));
                cause = c.source();
            }
            m
        }
    }
}

fn pg_failure(e: postgres::Error) -> ServerFailure {
    ServerFailure::Storage(pg_message(&e))
}

/// `?1` → `$1`.
fn pg_sql(sql: &str) -> String {
    sql.replace('?', "$")
}

fn pg_params(params: &[Val]) -> Vec<Box<dyn postgres::types::ToSql + Sync>> {
    params
        .iter()
        .map(|v| -> Box<dyn postgres::types::ToSql + Sync> {
            match v {
                Val::Int(i) => Box::new(*i),
                Val::Text(t) => Box::new(t.clone()),
                Val::Null => Box::new(None::<String>),
            }
        })
        .collect()
}

impl Exec for PgExec<'_, '_> {
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, ServerFailure> {
        let p = pg_params(params);
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            p.iter().map(|b| b.as_ref()).collect();
        self.0
            .execute(pg_sql(sql).as_str(), &refs)
            .map_err(pg_failure)
    }

    fn rows(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>, ServerFailure> {
        let p = pg_params(params);
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            p.iter().map(|b| b.as_ref()).collect();
        let st = self.statement(sql)?;
        let rows = self.0.query(&st, &refs).map_err(pg_failure)?;
        Ok(rows
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        let ty = r.columns()[i].type_().clone();
                        if ty == postgres::types::Type::INT8 {
                            r.get::<_, Option<i64>>(i).map_or(Val::Null, Val::Int)
                        } else if ty == postgres::types::Type::INT4 {
                            r.get::<_, Option<i32>>(i)
                                .map_or(Val::Null, |x| Val::Int(i64::from(x)))
                        } else {
                            r.get::<_, Option<String>>(i).map_or(Val::Null, Val::Text)
                        }
                    })
                    .collect()
            })
            .collect())
    }

    fn is_pg(&self) -> bool {
        true
    }

    fn keys(&self) -> &Keys {
        self.2
    }
}
