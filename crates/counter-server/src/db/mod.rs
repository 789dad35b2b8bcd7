//! The two storage backends behind one small interface: SQLite (one file, zero setup) and
//! PostgreSQL. The server's SQL is written once with `?N` placeholders and plain types (text,
//! 64-bit integers, null); where the dialects differ the caller asks [`Exec::is_pg`]. SQLite is
//! one connection (one writer); PostgreSQL a pool (`pg`), so requests run side by side.

mod pg;

use std::sync::atomic::{AtomicU64, Ordering};

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
    /// An integer column: NULL or anything else than an integer is a storage error, never 0.
    pub fn int(&self) -> Result<i64, ServerFailure> {
        self.opt_int()?
            .ok_or_else(|| ServerFailure::Storage("中心数据库中应为整数的列为空".into()))
    }

    /// A nullable integer column (`max(…)` of no rows).
    pub fn opt_int(&self) -> Result<Option<i64>, ServerFailure> {
        match self {
            Val::Int(i) => Ok(Some(*i)),
            Val::Text(t) => t
                .parse()
                .map(Some)
                .map_err(|_| ServerFailure::Storage(format!("中心数据库中应为整数的列存有“{t}”"))),
            Val::Null => Ok(None),
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

/// A row read from the store: its values found by the names the query gives its columns.
#[derive(Debug, Clone)]
pub struct Row {
    names: std::sync::Arc<[String]>,
    vals: Vec<Val>,
}

impl Row {
    pub(crate) fn new(names: std::sync::Arc<[String]>, vals: Vec<Val>) -> Row {
        Row { names, vals }
    }

    /// The column the query names `name`. A name the query does not give is a mistake in this
    /// crate's SQL, not in the data (every query runs in the tests): it panics, naming both.
    pub fn get(&self, name: &str) -> &Val {
        match self.names.iter().position(|n| n == name) {
            Some(i) => &self.vals[i],
            None => panic!("the query has no column {name:?}, only {:?}", self.names),
        }
    }
}

/// Statements inside one transaction.
pub trait Exec {
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, ServerFailure>;
    fn rows(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, ServerFailure>;
    fn is_pg(&self) -> bool;
    /// The server's keys: personal data is sealed before it is written and opened after it
    /// is read, inside the transaction.
    fn keys(&self) -> &Keys;

    /// Adds a row to a point's change feed (the values of [`INSERT_CHANGE`], the point first).
    /// PostgreSQL writes a transaction's rows last, each point's under that point's lock,
    /// taken in order and held to the commit: a point's changes commit in the order of their
    /// numbers, so a pull's cursor never passes one that commits later, and writers for other
    /// points never wait. SQLite (one writer) writes it at once.
    fn feed(&mut self, row: Vec<Val>) -> Result<(), ServerFailure>;

    fn row(&mut self, sql: &str, params: &[Val]) -> Result<Option<Row>, ServerFailure> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }
}

/// One row of a point's change feed.
pub(crate) const INSERT_CHANGE: &str = "INSERT INTO changes (point, case_no, status, reason, by, body, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// Takes the cases' locks for the rest of the transaction, in one order (so two writers never
/// wait on each other): every writer of a case — a device's push, a central decision — takes
/// them before it reads the case, so instances over one PostgreSQL never both act on what the
/// other is changing. SQLite has one writer at a time already.
pub(crate) fn lock_cases<'c>(
    t: &mut dyn Exec,
    cases: impl IntoIterator<Item = &'c str>,
) -> Result<(), ServerFailure> {
    if !t.is_pg() {
        return Ok(());
    }
    let cases: std::collections::BTreeSet<&str> = cases.into_iter().collect();
    if cases.is_empty() {
        return Ok(());
    }
    // One statement for the batch. PostgreSQL evaluates a volatile function of the select list
    // after the sort, so the locks are taken in the order of the numbers. The separator only
    // has to split the same way every time (a number containing it locks its pieces, in every
    // transaction alike). The two-key form keeps these apart from the enrolment's locks.
    let joined = cases.into_iter().collect::<Vec<_>>().join("\u{1f}");
    t.exec(
        "SELECT pg_advisory_xact_lock(1, hashtext(c))
         FROM unnest(string_to_array(?1, chr(31))) AS c ORDER BY c",
        &[joined.into()],
    )?;
    Ok(())
}

/// The type of a column of [`Rows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Col {
    Text,
    Int,
}

/// Many rows passed as one parameter, so one statement carries a whole batch whatever its
/// size: the rows travel as a JSON array and the SQL reads them as a table with typed columns,
/// written once for both backends through [`Rows::source`].
pub(crate) struct Rows {
    cols: &'static [(&'static str, Col)],
    rows: Vec<serde_json::Value>,
}

impl Rows {
    pub(crate) fn new(cols: &'static [(&'static str, Col)]) -> Rows {
        Rows {
            cols,
            rows: Vec::new(),
        }
    }

    /// One column of text values.
    pub(crate) fn texts<'a>(values: impl IntoIterator<Item = &'a str>) -> Rows {
        let mut rows = Rows::new(&[("v", Col::Text)]);
        for v in values {
            rows.push(vec![v.into()]);
        }
        rows
    }

    /// Adds a row: one value per column, in the columns' order.
    pub(crate) fn push(&mut self, row: Vec<Val>) {
        debug_assert_eq!(row.len(), self.cols.len());
        let object = self
            .cols
            .iter()
            .zip(row)
            .map(|((name, _), v)| {
                let v = match v {
                    Val::Int(i) => serde_json::Value::from(i),
                    Val::Text(t) => serde_json::Value::from(t),
                    Val::Null => serde_json::Value::Null,
                };
                ((*name).to_string(), v)
            })
            .collect();
        self.rows.push(serde_json::Value::Object(object));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// The parameter that carries the rows.
    pub(crate) fn param(&self) -> Val {
        Val::Text(serde_json::Value::Array(self.rows.clone()).to_string())
    }

    /// The rows as a table named `alias`, read from parameter `?n`.
    pub(crate) fn source(&self, t: &dyn Exec, n: usize, alias: &str) -> String {
        if t.is_pg() {
            let cols = self
                .cols
                .iter()
                .map(|(name, col)| match col {
                    Col::Text => format!("{name} TEXT"),
                    Col::Int => format!("{name} BIGINT"),
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("jsonb_to_recordset(CAST(CAST(?{n} AS TEXT) AS JSONB)) AS {alias}({cols})")
        } else {
            let cols = self
                .cols
                .iter()
                .map(|(name, _)| format!("json_extract(value, '$.{name}') AS {name}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!("(SELECT {cols} FROM json_each(?{n})) AS {alias}")
        }
    }
}

pub struct Db {
    backend: Backend,
    /// Statements run since the store opened (the fleet bench's statements per event).
    statements: AtomicU64,
}

enum Backend {
    Sqlite(std::sync::Mutex<rusqlite::Connection>),
    Pg(pg::PgPool),
}

/// Connections to PostgreSQL an instance holds at most (`counter-server --db-pool`): a few
/// instances of a province stay well under PostgreSQL's default of 100.
pub const DB_POOL: usize = 16;

/// How an instance reaches PostgreSQL (SQLite ignores both).
#[derive(Clone, Debug)]
pub struct DbOptions {
    /// Connections held at most.
    pub pool: usize,
    /// The authority (PEM) PostgreSQL's certificate is verified against with
    /// `sslmode=require` (`--db-ca`); the system's authorities when `None`.
    pub ca: Option<std::path::PathBuf>,
}

impl Default for DbOptions {
    fn default() -> DbOptions {
        DbOptions {
            pool: DB_POOL,
            ca: None,
        }
    }
}

const SQLITE_MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_init.sql"),
    include_str!("../../migrations/0002_flags.sql"),
    include_str!("../../migrations/0003_snapshots.sql"),
    include_str!("../../migrations/0004_custody.sql"),
    include_str!("../../migrations/0005_decision_time.sql"),
    include_str!("../../migrations/0006_case_state.sql"),
    include_str!("../../migrations/0007_devices_own_cases.sql"),
    include_str!("../../migrations/0008_code_expiry.sql"),
    include_str!("../../migrations/0009_export_key.sql"),
    include_str!("../../migrations/0010_device_claims.sql"),
    include_str!("../../migrations/0011_batch_indexes.sql"),
    include_str!("../../migrations/0012_console.sql"),
];

impl Db {
    fn new(backend: Backend) -> Db {
        Db {
            backend,
            statements: AtomicU64::new(0),
        }
    }

    /// `sqlite:FILE` (or a plain path, migrated forward) or `postgres://…` (as `options` say;
    /// migrated by [`Db::start`]).
    pub fn open(url: &str, options: &DbOptions) -> Result<Db, ServerFailure> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Db::new(Backend::Pg(pg::PgPool::open(url, options)?)));
        }
        let path = url.strip_prefix("sqlite:").unwrap_or(url);
        let mut conn = rusqlite::Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.set_prepared_statement_cache_capacity(64);
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // What is deleted or overwritten (a body sealed in place) leaves no copy in free pages.
        conn.pragma_update(None, "secure_delete", "ON")?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, sql) in SQLITE_MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
        }
        Ok(Db::new(Backend::Sqlite(std::sync::Mutex::new(conn))))
    }

    /// PostgreSQL: waits for any other instance's start-up to end, migrates, and holds the
    /// start-up lock until the returned guard is dropped. SQLite migrated at open.
    pub fn start(&self) -> Result<Option<pg::StartLock>, ServerFailure> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(None),
            Backend::Pg(pool) => pool.start().map(Some),
        }
    }

    /// Runs `f` in one transaction (SQLite: `BEGIN IMMEDIATE`), committing only if it succeeds.
    pub fn transaction<T>(
        &self,
        keys: &Keys,
        f: impl FnOnce(&mut dyn Exec) -> Result<T, ServerFailure>,
    ) -> Result<T, ServerFailure> {
        match &self.backend {
            Backend::Sqlite(conn) => {
                let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let r = f(&mut SqliteExec(&tx, keys, &self.statements))?;
                tx.commit()?;
                Ok(r)
            }
            Backend::Pg(pool) => pool.transaction(keys, &self.statements, f),
        }
    }

    /// Statements run since the store opened.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

struct SqliteExec<'a>(&'a rusqlite::Transaction<'a>, &'a Keys, &'a AtomicU64);

fn to_sqlite(v: &Val) -> rusqlite::types::Value {
    match v {
        Val::Int(i) => rusqlite::types::Value::Integer(*i),
        Val::Text(t) => rusqlite::types::Value::Text(t.clone()),
        Val::Null => rusqlite::types::Value::Null,
    }
}

impl Exec for SqliteExec<'_> {
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, ServerFailure> {
        self.2.fetch_add(1, Ordering::Relaxed);
        Ok(self.0.execute(
            sql,
            rusqlite::params_from_iter(params.iter().map(to_sqlite)),
        )? as u64)
    }

    fn rows(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, ServerFailure> {
        self.2.fetch_add(1, Ordering::Relaxed);
        let mut stmt = self.0.prepare_cached(sql)?;
        let n = stmt.column_count();
        let names: std::sync::Arc<[String]> = stmt.column_names().map(str::to_string).collect();
        let rows = stmt.query_map(
            rusqlite::params_from_iter(params.iter().map(to_sqlite)),
            |r| {
                let vals = (0..n)
                    .map(|i| {
                        Ok(match r.get::<_, rusqlite::types::Value>(i)? {
                            rusqlite::types::Value::Integer(x) => Val::Int(x),
                            rusqlite::types::Value::Text(t) => Val::Text(t),
                            _ => Val::Null,
                        })
                    })
                    .collect::<Result<Vec<Val>, rusqlite::Error>>()?;
                Ok(Row::new(names.clone(), vals))
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn is_pg(&self) -> bool {
        false
    }

    fn feed(&mut self, row: Vec<Val>) -> Result<(), ServerFailure> {
        self.exec(INSERT_CHANGE, &row).map(|_| ())
    }

    fn keys(&self) -> &Keys {
        self.1
    }
}

#[cfg(test)]
mod tests {
    use super::{Row, Val};

    #[test]
    fn a_null_or_a_word_is_never_read_as_zero() {
        assert_eq!(Val::Int(7).int().unwrap(), 7);
        assert_eq!(Val::Text("12".into()).int().unwrap(), 12);
        assert!(Val::Null.int().is_err());
        assert!(Val::Text("十二".into()).int().is_err());
        assert!(Val::Text("".into()).opt_int().is_err());
        assert_eq!(Val::Null.opt_int().unwrap(), None);
    }

    #[test]
    fn columns_are_found_by_name_not_by_place() {
        let r = Row::new(
            ["seq", "id"].map(String::from).into(),
            vec![Val::Int(3), Val::Text("e".into())],
        );
        assert_eq!(r.get("id"), &Val::Text("e".into()));
        assert_eq!(r.get("seq"), &Val::Int(3));
        let missing = std::panic::catch_unwind(|| r.get("hash").clone()).unwrap_err();
        let said = missing.downcast_ref::<String>().unwrap();
        assert!(said.contains("hash") && said.contains("seq"), "{said}");
    }
}
