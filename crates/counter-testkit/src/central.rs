//! Central stores on both backends, served by a real server on 127.0.0.1 that stops when
//! it is dropped, with the pilot's own certificate authority for HTTPS.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use counter_server::Central;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh central store: a SQLite file, or a new database on the PostgreSQL server of
/// COUNTER_TEST_PG (dropped afterwards). A missing COUNTER_TEST_PG fails, never skips.
pub struct CentralDb {
    pub url: String,
    drop_db: Option<(String, String)>,
}

impl CentralDb {
    pub fn new(dir: &Path, backend: Backend) -> CentralDb {
        match backend {
            Backend::Sqlite => CentralDb {
                url: format!("sqlite:{}", dir.join("central.db").display()),
                drop_db: None,
            },
            Backend::Postgres => {
                let base = std::env::var("COUNTER_TEST_PG")
                    .expect("COUNTER_TEST_PG is not set: run scripts/postgres.sh and set it (scripts/test.sh does)");
                static N: AtomicUsize = AtomicUsize::new(0);
                let name = format!(
                    "counter_t_{}_{}_{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::SeqCst),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .subsec_nanos()
                );
                let mut admin = postgres::Client::connect(&base, postgres::NoTls)
                    .expect("connect to COUNTER_TEST_PG");
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap();
                let (prefix, _) = base.rsplit_once('/').unwrap();
                CentralDb {
                    url: format!("{prefix}/{name}"),
                    drop_db: Some((base, name)),
                }
            }
        }
    }
}

impl Drop for CentralDb {
    fn drop(&mut self) {
        if let Some((base, name)) = &self.drop_db {
            if let Ok(mut admin) = postgres::Client::connect(base, postgres::NoTls) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// Each named test function (taking a [`Backend`]) as two tests, one per backend.
#[macro_export]
macro_rules! both {
    ($($name:ident),*) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name($crate::central::Backend::Sqlite)
            }
            #[test]
            fn postgres() {
                super::$name($crate::central::Backend::Postgres)
            }
        }
    )*};
}

/// A test certificate authority and a server certificate for `localhost` and `127.0.0.1`,
/// made once per test process (as `counter-server keys init` makes them).
pub fn tls_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        counter_server::init_tls(d.path(), &["localhost".into(), "127.0.0.1".into()], false)
            .unwrap();
        d
    })
    .path()
}

/// Server keys that serve HTTPS with the test authority: the suites sync over TLS.
pub fn keys() -> counter_server::Keys {
    counter_server::Keys::ephemeral()
        .with_tls(tls_dir())
        .unwrap()
}

/// A client that trusts the test authority (for requests the sync client does not make).
pub fn https_client() -> reqwest::blocking::Client {
    let ca = std::fs::read(tls_dir().join("ca.pem")).unwrap();
    reqwest::blocking::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
        .build()
        .unwrap()
}

/// A central store on `backend` in a fresh folder, served over HTTPS.
pub struct Running {
    // Dropped in this order: the server stops before its database goes.
    pub server: Server,
    pub central: Central,
    pub db: CentralDb,
    pub dir: tempfile::TempDir,
}

pub fn running(backend: Backend) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let central = Central::open(&db.url, keys()).unwrap();
    let server = Server::start(central.clone(), None);
    Running {
        server,
        central,
        db,
        dir,
    }
}

/// A pilot's central store: SQLite in `dir`, no TLS (plain HTTP on loopback), served.
pub fn pilot(dir: &Path) -> (Central, Server) {
    let central = Central::open(
        dir.join("central.db").to_str().unwrap(),
        counter_server::Keys::ephemeral(),
    )
    .unwrap();
    let server = Server::start(central.clone(), None);
    (central, server)
}

/// The real server on its own runtime and thread; stopped (and joined) by [`Server::stop`] or
/// when dropped, so no test leaves one listening.
pub struct Server {
    pub addr: SocketAddr,
    pub tls: bool,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Serves `central` on `addr` (a free loopback port when `None`).
    pub fn start(central: Central, addr: Option<SocketAddr>) -> Server {
        let std_listener =
            TcpListener::bind(addr.unwrap_or_else(|| "127.0.0.1:0".parse().unwrap())).unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let tls = central.trust().ca_pem.is_some();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            let serving = central.clone();
            rt.block_on(async move {
                let l = tokio::net::TcpListener::from_std(std_listener).unwrap();
                counter_server::serve_until(serving, l, async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
            });
            // The store may go with this thread's reference (the test dropped its own first):
            // a blocking PostgreSQL client must close outside the runtime.
            drop(rt);
            drop(central);
        });
        Server {
            addr,
            tls,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    /// HTTPS by the certificate's name when the server has TLS; plain HTTP on loopback else.
    pub fn url(&self) -> String {
        if self.tls {
            format!("https://localhost:{}", self.addr.port())
        } else {
            format!("http://{}", self.addr)
        }
    }

    /// Stops serving and waits for the server to end; its address, to start again on.
    pub fn stop(mut self) -> SocketAddr {
        self.halt();
        self.addr
    }

    fn halt(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            // A server that panicked has already failed its test; the drop must not panic again.
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.halt();
    }
}
