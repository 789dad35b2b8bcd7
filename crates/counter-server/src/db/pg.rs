//! PostgreSQL: a pool of tokio-postgres connections (deadpool), each keeping its prepared
//! statements. The server's rules are written against the synchronous `Exec`, and run on the
//! blocking threads the handlers already use; each statement is driven to its end on a small
//! runtime of the pool's own, so any number of requests hold connections side by side.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use tokio_postgres::config::SslMode;
use tokio_postgres::types::{ToSql, Type};

use super::{Col, DbOptions, Exec, Row, Rows, Val};
use crate::keys::Keys;
use crate::ServerFailure;

/// The columns of [`super::INSERT_CHANGE`], and the row's place in its transaction.
const FEED_COLS: &[(&str, Col)] = &[
    ("point", Col::Text),
    ("case_no", Col::Text),
    ("status", Col::Text),
    ("reason", Col::Text),
    ("by", Col::Text),
    ("body", Col::Text),
    ("at", Col::Text),
    ("ord", Col::Int),
];

const PG_MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/pg/0001_init.sql"),
    include_str!("../../migrations/pg/0002_flags.sql"),
    include_str!("../../migrations/pg/0003_snapshots.sql"),
    include_str!("../../migrations/pg/0004_custody.sql"),
    include_str!("../../migrations/pg/0005_decision_time.sql"),
    include_str!("../../migrations/pg/0006_case_state.sql"),
    include_str!("../../migrations/pg/0007_devices_own_cases.sql"),
    include_str!("../../migrations/pg/0008_code_expiry.sql"),
    include_str!("../../migrations/pg/0009_export_key.sql"),
    include_str!("../../migrations/pg/0010_device_claims.sql"),
    include_str!("../../migrations/pg/0011_batch_indexes.sql"),
    include_str!("../../migrations/pg/0012_console.sql"),
];

/// How long a request waits for a free connection before the server answers 503 (busy) and
/// the counter comes back after `Retry-After`.
const WAIT: Duration = Duration::from_secs(5);

pub struct PgPool {
    pool: Pool,
    driver: Driver,
}

/// The runtime the connections live on. A store may be dropped inside another runtime (the
/// server's, at its end): this one then shuts down in the background instead of blocking.
struct Driver(Option<tokio::runtime::Runtime>);

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl PgPool {
    /// The pool for `url` (`sslmode=require`: TLS, the certificate verified against
    /// `options.ca` or the system's authorities, for the host named); nothing connects yet.
    pub fn open(url: &str, options: &DbOptions) -> Result<PgPool, ServerFailure> {
        let config: tokio_postgres::Config = url.parse().map_err(|e: tokio_postgres::Error| {
            ServerFailure::Input(format!("PostgreSQL 地址无效：{}", pg_message(&e)))
        })?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("counter-pg")
            .enable_all()
            .build()
            .map_err(|e| ServerFailure::Storage(e.to_string()))?;
        let recycling = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        // Without `sslmode=require` the connection is plain, as libpq's `prefer` would find it
        // against a server with a certificate nobody here can verify.
        let manager = if config.get_ssl_mode() == SslMode::Require {
            Manager::from_config(config, tls(options.ca.as_deref())?, recycling)
        } else {
            Manager::from_config(config, tokio_postgres::NoTls, recycling)
        };
        let pool = Pool::builder(manager)
            .max_size(options.pool.max(1))
            .wait_timeout(Some(WAIT))
            .create_timeout(Some(Duration::from_secs(10)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| ServerFailure::Storage(e.to_string()))?;
        Ok(PgPool {
            pool,
            driver: Driver(Some(rt)),
        })
    }

    /// Takes the start-up lock and migrates forward. Instances starting together over one
    /// database do their start-up work (migrations, sealing what an earlier version left in
    /// clear, recording the signing key) one after the other: the lock is a session lock on a
    /// connection of its own, held until the returned guard is dropped (or the process dies).
    pub fn start(&self) -> Result<StartLock, ServerFailure> {
        let connecting = |e| match e {
            ServerFailure::Storage(m) => ServerFailure::Input(format!("无法连接 PostgreSQL：{m}")),
            other => other,
        };
        let client = self.client().map_err(connecting)?;
        self.rt()
            .block_on(client.batch_execute("SELECT pg_advisory_lock(3, 0)"))
            .map_err(pg_failure)?;
        // Out of the pool: the lock ends with this connection, never lent to a request.
        let lock = StartLock(deadpool_postgres::Object::take(client));
        self.migrate().map_err(connecting)?;
        Ok(lock)
    }

    fn rt(&self) -> &tokio::runtime::Handle {
        self.driver
            .0
            .as_ref()
            .expect("the driver lives as long as the pool")
            .handle()
    }

    fn client(&self) -> Result<deadpool_postgres::Object, ServerFailure> {
        self.rt().block_on(self.pool.get()).map_err(|e| match e {
            PoolError::Timeout(_) => ServerFailure::Busy,
            PoolError::Backend(e) => pg_failure(e),
            other => ServerFailure::Storage(other.to_string()),
        })
    }

    fn migrate(&self) -> Result<(), ServerFailure> {
        let mut client = self.client()?;
        self.rt()
            .block_on(async {
                client
                    .batch_execute("CREATE TABLE IF NOT EXISTS schema_version (v BIGINT NOT NULL)")
                    .await?;
                let tx = client.transaction().await?;
                // One migrating process at a time.
                tx.batch_execute("LOCK TABLE schema_version IN EXCLUSIVE MODE")
                    .await?;
                let v: i64 = tx
                    .query_opt("SELECT max(v) FROM schema_version", &[])
                    .await?
                    .and_then(|r| r.get::<_, Option<i64>>(0))
                    .unwrap_or(0);
                for (i, sql) in PG_MIGRATIONS.iter().enumerate().skip(v as usize) {
                    tx.batch_execute(sql).await?;
                    tx.execute(
                        "INSERT INTO schema_version (v) VALUES ($1)",
                        &[&(i as i64 + 1)],
                    )
                    .await?;
                }
                tx.commit().await
            })
            .map_err(pg_failure)
    }

    /// Runs `f` in one transaction on a pooled connection; rolled back unless `f` succeeds.
    pub fn transaction<T>(
        &self,
        keys: &Keys,
        statements: &AtomicU64,
        f: impl FnOnce(&mut dyn Exec) -> Result<T, ServerFailure>,
    ) -> Result<T, ServerFailure> {
        let rt = self.rt();
        let mut client = self.client()?;
        let tx = rt.block_on(client.transaction()).map_err(pg_failure)?;
        let mut exec = PgExec {
            tx: &tx,
            rt,
            keys,
            feed: Vec::new(),
            statements,
        };
        let r = f(&mut exec)?;
        exec.write_feed()?;
        rt.block_on(tx.commit()).map_err(pg_failure)?;
        Ok(r)
    }
}

/// TLS to PostgreSQL trusting the authority in `ca` (PEM), or the system's.
fn tls(ca: Option<&Path>) -> Result<tokio_postgres_rustls::MakeRustlsConnect, ServerFailure> {
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            let unreadable = |e: &dyn std::fmt::Display| {
                ServerFailure::Input(format!(
                    "无法读取 PostgreSQL 的证书机构 {}：{e}",
                    path.display()
                ))
            };
            for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
                roots
                    .add(cert.map_err(|e| unreadable(&e))?)
                    .map_err(|e| unreadable(&e))?;
            }
            if roots.is_empty() {
                return Err(unreadable(&"文件中没有证书"));
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| ServerFailure::Storage(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// Held while an instance starts (see [`PgPool::start`]); dropping it closes its connection,
/// which ends the lock.
pub struct StartLock(#[allow(dead_code)] deadpool_postgres::ClientWrapper);

struct PgExec<'a> {
    tx: &'a deadpool_postgres::Transaction<'a>,
    rt: &'a tokio::runtime::Handle,
    keys: &'a Keys,
    /// The change-feed rows of this transaction, written just before it commits.
    feed: Vec<Vec<Val>>,
    statements: &'a AtomicU64,
}

impl PgExec<'_> {
    /// The feed's rows in two statements, each point's under its lock (see `Exec::feed`):
    /// points in one order, after every other lock the transaction takes, so two transactions
    /// never wait on each other in a circle.
    fn write_feed(&mut self) -> Result<(), ServerFailure> {
        let feed = std::mem::take(&mut self.feed);
        if feed.is_empty() {
            return Ok(());
        }
        let mut rows = Rows::new(FEED_COLS);
        for (ord, mut row) in feed.into_iter().enumerate() {
            row.push(Val::Int(ord as i64));
            rows.push(row);
        }
        // The volatile lock function runs after the sort: the points' locks in their order.
        let sql = format!(
            "SELECT pg_advisory_xact_lock(2, hashtext(p))
             FROM (SELECT DISTINCT point AS p FROM {}) AS points ORDER BY p",
            rows.source(self, 1, "x")
        );
        self.exec(&sql, &[rows.param()])?;
        // Numbered in the order the transaction made them.
        let sql = format!(
            "INSERT INTO changes (point, case_no, status, reason, by, body, at)
             SELECT point, case_no, status, reason, by, body, at FROM {} ORDER BY ord",
            rows.source(self, 1, "x")
        );
        self.exec(&sql, &[rows.param()])?;
        Ok(())
    }

    /// Prepared once per connection (deadpool keeps them), not per call.
    fn statement(&self, sql: &str) -> Result<tokio_postgres::Statement, ServerFailure> {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.rt
            .block_on(self.tx.prepare_cached(&pg_sql(sql)))
            .map_err(pg_failure)
    }
}

/// PostgreSQL's own words: the error displays only "db error" for a server-side error (a
/// missing database, a refused password); the message, detail and SQLSTATE are in its cause.
fn pg_message(e: &tokio_postgres::Error) -> String {
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

fn pg_failure(e: tokio_postgres::Error) -> ServerFailure {
    ServerFailure::Storage(pg_message(&e))
}

/// `?1` → `$1`.
fn pg_sql(sql: &str) -> String {
    sql.replace('?', "$")
}

fn pg_params(params: &[Val]) -> Vec<Box<dyn ToSql + Sync + Send>> {
    params
        .iter()
        .map(|v| -> Box<dyn ToSql + Sync + Send> {
            match v {
                Val::Int(i) => Box::new(*i),
                Val::Text(t) => Box::new(t.clone()),
                Val::Null => Box::new(None::<String>),
            }
        })
        .collect()
}

/// A column as the server's plain types; a column of another type is a storage error (the
/// server's SQL reads only text and integers), never a panic.
fn value(r: &tokio_postgres::Row, i: usize) -> Result<Val, ServerFailure> {
    let ty = r.columns()[i].type_().clone();
    let wrong = |e: tokio_postgres::Error| {
        ServerFailure::Storage(format!("中心数据库的第 {} 列无法读取：{e}", i + 1))
    };
    Ok(if ty == Type::INT8 {
        r.try_get::<_, Option<i64>>(i)
            .map_err(wrong)?
            .map_or(Val::Null, Val::Int)
    } else if ty == Type::INT4 {
        r.try_get::<_, Option<i32>>(i)
            .map_err(wrong)?
            .map_or(Val::Null, |x| Val::Int(i64::from(x)))
    } else {
        r.try_get::<_, Option<String>>(i)
            .map_err(wrong)?
            .map_or(Val::Null, Val::Text)
    })
}

impl Exec for PgExec<'_> {
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, ServerFailure> {
        let st = self.statement(sql)?;
        let p = pg_params(params);
        let refs: Vec<&(dyn ToSql + Sync)> = p.iter().map(|b| b.as_ref() as _).collect();
        self.rt
            .block_on(self.tx.execute(&st, &refs))
            .map_err(pg_failure)
    }

    fn rows(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, ServerFailure> {
        let st = self.statement(sql)?;
        let p = pg_params(params);
        let refs: Vec<&(dyn ToSql + Sync)> = p.iter().map(|b| b.as_ref() as _).collect();
        let rows = self
            .rt
            .block_on(self.tx.query(&st, &refs))
            .map_err(pg_failure)?;
        let names: std::sync::Arc<[String]> =
            st.columns().iter().map(|c| c.name().to_string()).collect();
        rows.iter()
            .map(|r| {
                let vals = (0..r.len())
                    .map(|i| value(r, i))
                    .collect::<Result<_, _>>()?;
                Ok(Row::new(names.clone(), vals))
            })
            .collect()
    }

    fn is_pg(&self) -> bool {
        true
    }

    fn feed(&mut self, row: Vec<Val>) -> Result<(), ServerFailure> {
        self.feed.push(row);
        Ok(())
    }

    fn keys(&self) -> &Keys {
        self.keys
    }
}
