//! End-to-end: the real app under Xvfb, driven through WebDriver (tauri-driver →
//! WebKitWebDriver). Ignored by a plain `cargo test`; the README's test command runs it with
//! `--include-ignored` inside `xvfb-run`, so it can never be skipped silently.
//! Screenshots go to `target/e2e-artifacts/`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{elements::Element, Client, ClientBuilder, Locator};

struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: killed hard, tauri-driver leaves WebKitWebDriver running.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn tauri_driver() -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let cargo_bin = home.join(".cargo/bin/tauri-driver");
    if cargo_bin.exists() {
        cargo_bin
    } else {
        PathBuf::from("tauri-driver")
    }
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn start() -> (Driver, Client) {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "e2e tests need a display: run them under xvfb-run (see README)"
    );
    let port = free_port();
    let native = free_port();
    let child = Command::new(tauri_driver())
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tauri-driver (installed by scripts/setup.sh)");
    let driver = Driver { child, port };
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "wry".into());
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": env!("CARGO_BIN_EXE_counter-app") }),
    );
    let url = format!("http://127.0.0.1:{}", driver.port);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match ClientBuilder::rustls()
            .expect("rustls client")
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return (driver, client),
            Err(e) if Instant::now() < deadline => {
                eprintln!("waiting for tauri-driver: {e}");
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(e) => panic!("could not open a WebDriver session: {e}"),
        }
    }
}

/// Waits until `f` finds what it looks for, or fails with `what`.
async fn wait_for<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(t) = f().await {
            return t;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn texts(client: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in client.find_all(Locator::Css(css)).await.unwrap_or_default() {
        out.push(e.text().await.unwrap_or_default());
    }
    out
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(artifacts().join(name), png).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn searching_zyfy_finds_inpatient_reimbursement_and_shows_its_materials() {
    let (_driver, client) = start().await;
    let result = async {
        let search: Element = wait_for("the search box", || async {
            client.find(Locator::Css("#search")).await.ok()
        })
        .await;
        // The catalogs list comes from the core through a command.
        let catalogs = wait_for("the catalog list", || async {
            let t = texts(&client, ".catalogs button[data-catalog]").await;
            (!t.is_empty()).then_some(t)
        })
        .await;
        assert!(
            catalogs
                .iter()
                .any(|c| c.contains("全国医疗保障经办政务服务事项清单") && c.contains("28 项")),
            "{catalogs:?}"
        );
        search.send_keys("zyfy").await.unwrap();
        let hits = wait_for("search results for zyfy", || async {
            client
                .find(Locator::Css("#results[data-query='zyfy']"))
                .await
                .ok()?;
            let t = texts(&client, "#results .hit .name").await;
            (!t.is_empty()).then_some(t)
        })
        .await;
        assert_eq!(hits[0], "住院费用报销", "{hits:?}");
        screenshot(&client, "search-zyfy.png").await;
        // Enter opens the first hit: its four materials and time limit are shown.
        search.send_keys("\u{E007}").await.unwrap();
        let materials = wait_for("the item detail", || async {
            let t = texts(&client, ".item .materials .mname").await;
            (!t.is_empty()).then_some(t)
        })
        .await;
        assert_eq!(materials.len(), 4, "{materials:?}");
        assert_eq!(materials[0], "医保电子凭证或有效身份证件或社保卡");
        let detail = client
            .find(Locator::Css(".item"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(detail.contains("不超过30个工作日"), "{detail}");
        screenshot(&client, "detail-zyfy.png").await;
        // A miss says so in Chinese instead of showing nothing.
        search.clear().await.unwrap();
        search.send_keys("qqqqzzzz").await.unwrap();
        let empty = wait_for("the no-result message", || async {
            client
                .find(Locator::Css("#results[data-query='qqqqzzzz']"))
                .await
                .ok()?;
            let t = texts(&client, ".search .empty").await;
            t.into_iter().next()
        })
        .await;
        assert!(empty.contains("没有找到"), "{empty}");
        screenshot(&client, "search-miss.png").await;
    }
    .await;
    client.close().await.ok();
    result
}
