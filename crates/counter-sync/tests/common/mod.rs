//! The harness the sync suites share: central stores on both backends, a server that can be
//! stopped and restarted, points with offline cases.
#![allow(dead_code)]

use counter_core::scope::Scope;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{NaiveDate, NaiveDateTime};
use counter_core::bundled;
use counter_core::case::{Form, OpenCase};
use counter_server::Central;
use counter_store::Store;
use counter_sync::Options;

#[derive(Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh central store: a SQLite file, or a new database on the PostgreSQL server of
/// COUNTER_TEST_PG (dropped afterwards). A missing COUNTER_TEST_PG fails, never skips.
pub struct CentralDb {
    pub url: String,
    pub drop_db: Option<(String, String)>,
}

impl CentralDb {
    pub fn new(dir: &std::path::Path, backend: Backend) -> CentralDb {
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

/// Each test against both backends.
#[allow(unused_macros)]
macro_rules! both {
    ($($name:ident),*) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(super::Backend::Sqlite)
            }
            #[test]
            fn postgres() {
                super::$name(super::Backend::Postgres)
            }
        }
    )*};
}

/// A test certificate authority and a server certificate for `localhost` and `127.0.0.1`,
/// made once per test process (as `counter-server keys init` makes them).
pub fn tls_dir() -> &'static std::path::Path {
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
    pub dir: tempfile::TempDir,
    pub db: CentralDb,
    pub central: Central,
    pub server: Server,
}

pub fn running(backend: Backend) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let central = Central::open(&db.url, keys()).unwrap();
    let server = Server::start(central.clone(), None);
    Running {
        dir,
        db,
        central,
        server,
    }
}

pub struct Server {
    pub addr: SocketAddr,
    pub tls: bool,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(central: Central, addr: Option<SocketAddr>) -> Server {
        let std_listener =
            TcpListener::bind(addr.unwrap_or_else(|| "127.0.0.1:0".parse().unwrap())).unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let tls = central.trust().ca_pem.is_some();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async move {
                let l = tokio::net::TcpListener::from_std(std_listener).unwrap();
                counter_server::serve_until(central, l, async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
            });
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

    pub fn stop(mut self) -> SocketAddr {
        let _ = self.stop.take().unwrap().send(());
        self.thread.take().unwrap().join().unwrap();
        self.addr
    }
}

pub fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 9, 26)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap()
}

/// When the central office decides: weeks after the cases were accepted offline.
pub fn decided() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 10, 15)
        .unwrap()
        .and_hms_opt(10, 20, 0)
        .unwrap()
}

pub fn store(dir: &std::path::Path, name: &str) -> Store {
    Store::open(
        &dir.join(format!("{name}.db")),
        &dir.join(format!("{name}.key")),
    )
    .unwrap()
}

/// Opens and accepts one 住院费用报销 case at `point` (6 events); the store's refusal (a
/// restored one before its sync) as it comes.
pub fn accepted_case(s: &mut Store, point: &str) -> Result<String, counter_store::StoreError> {
    let set = bundled::catalogs().unwrap();
    let cal = bundled::calendar().unwrap();
    let nat = set.get("national").unwrap();
    let req = OpenCase::person(
        "national",
        "002036006002",
        point,
        "王芳",
        "张三",
        "11010519491231002X",
    );
    let no = s.open_case(nat, req, now())?.case.case_no;
    s.update(&no, |c| {
        let mut evs = Vec::new();
        for k in ["m1", "m2", "m3", "m4"] {
            evs.extend(c.tick(k, Form::Original, 1, None, now())?);
        }
        evs.extend(c.accept(nat, &cal, &Scope::Handles, now())?);
        Ok(evs)
    })?;
    Ok(no)
}

/// Opens and accepts `n` 住院费用报销 cases at `point` (6 events each).
pub fn offline_cases(s: &mut Store, point: &str, n: usize) -> Vec<String> {
    s.bulk_load_mode(true).unwrap();
    let out = (0..n).map(|_| accepted_case(s, point).unwrap()).collect();
    s.bulk_load_mode(false).unwrap();
    out
}

pub fn enroll(s: &mut Store, central: &Central, server: &Server, point: &str) {
    let code = central
        .enroll_code(point, Some("E"), Some("村卫生室"))
        .unwrap();
    counter_sync::enroll(s, &server.url(), &code, "test").unwrap();
}

pub fn quick() -> Options {
    Options {
        batch: 200,
        retries: 5,
        timeout: std::time::Duration::from_secs(10),
        ..Options::default()
    }
}

/// A server on 127.0.0.1 that answers every request from `answer(path)` and counts them.
pub fn fake_server(answer: fn(&str) -> String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 65536];
            // Headers, then as much body as Content-Length says.
            let (path, want) = loop {
                let n = stream.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break (String::new(), 0);
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let path = text.split(' ').nth(1).unwrap_or("").to_string();
                    let len = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    break (path, end + 4 + len);
                }
            };
            while buf.len() < want {
                let n = stream.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = answer(&path);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}")
}
