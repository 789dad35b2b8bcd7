//! The browser mode's parts for the tests and the session bench: `counter-web` on a
//! workstation folder, and Debian's Chromium driven through chromedriver.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};

use super::free_port;

/// The browser-mode binary, built beside the app by `cargo test --workspace`.
pub fn counter_web() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_BIN_EXE_counter-app")).with_file_name("counter-web");
    assert!(
        p.exists(),
        "{} is missing: run `cargo build -p counter-web` (the README's test command builds it)",
        p.display()
    );
    p
}

pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `counter-web` on a workstation folder, and the URL it printed as its first line.
pub fn serve(dir: &std::path::Path) -> (Killed, String) {
    serve_with(&counter_web(), dir)
}

/// `serve` with the binary at `bin` (the bench's packaged one).
pub fn serve_with(bin: &std::path::Path, dir: &std::path::Path) -> (Killed, String) {
    let mut child = Command::new(bin)
        .args(["--listen", "127.0.0.1:0", "--no-browser"])
        .env("COUNTER_DB", dir.join("counter.db"))
        .env("COUNTER_KEY_FILE", dir.join("store.key"))
        .env("COUNTER_OFFICE", dir.join("office.toml"))
        .env("COUNTER_NOW", "2025-09-26T09:30:00")
        .env("COUNTER_SYNC_EVERY", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start counter-web");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("http://127.0.0.1:"), "{line}");
    (Killed(child), line.trim().to_string())
}

/// Chromium through chromedriver with a profile of its own: headless for the tests, in a
/// window on the display for the bench (the memory a hall's PC would see).
pub async fn chromium(profile: &std::path::Path, headless: bool) -> (Killed, Client) {
    open_chromium(profile, headless, false).await
}

/// Headless Chromium for a test's own HTTPS server, whose authority (made for the test) the
/// browser does not know.
pub async fn chromium_for_test_tls(profile: &std::path::Path) -> (Killed, Client) {
    open_chromium(profile, true, true).await
}

async fn open_chromium(
    profile: &std::path::Path,
    headless: bool,
    accept_test_certificates: bool,
) -> (Killed, Client) {
    let port = free_port();
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver (chromium-driver, installed by scripts/setup.sh)");
    let driver = Killed(driver);
    let mut args: Vec<String> = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1366,768",
    ]
    .map(String::from)
    .to_vec();
    args.push(format!("--user-data-dir={}", profile.display()));
    if headless {
        args.push("--headless".into());
    }
    let caps: serde_json::Map<String, serde_json::Value> =
        serde_json::from_value(serde_json::json!({
            "browserName": "chrome",
            "acceptInsecureCerts": accept_test_certificates,
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args },
        }))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match ClientBuilder::rustls()
            .expect("rustls client")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return (driver, c),
            Err(e) if Instant::now() < deadline => {
                eprintln!("waiting for chromedriver: {e}");
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(e) => panic!("could not open a WebDriver session: {e}"),
        }
    }
}
