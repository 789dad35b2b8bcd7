//! The browser mode's loopback server as a hostile page or a second start would meet it: no
//! token, a wrong one, a foreign `Host` or `Origin`, a second instance on the same store, a
//! non-loopback address. And the token exchange and a command, as the UI makes them.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Web {
    child: Child,
    url: String,
    base: String,
    token: String,
}

impl Drop for Web {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(dir: &std::path::Path, listen: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_counter-web"));
    c.args(["--listen", listen, "--no-browser"])
        .env("COUNTER_DB", dir.join("counter.db"))
        .env("COUNTER_KEY_FILE", dir.join("store.key"))
        .env("COUNTER_OFFICE", dir.join("office.toml"));
    c
}

fn start(dir: &std::path::Path) -> Web {
    let mut child = command(dir, "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_string();
    let (base, token) = url
        .split_once("/?token=")
        .expect("the URL carries the token");
    Web {
        base: base.to_string(),
        token: token.to_string(),
        url,
        child,
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[test]
fn only_the_page_opened_with_the_token_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let web = start(dir.path());
    let c = client();
    // Nothing without the token: not the page, not a command.
    assert_eq!(c.get(&web.base).send().unwrap().status(), 401);
    let r = c
        .post(format!("{}/api/status", web.base))
        .json(&serde_json::json!({}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    let e: serde_json::Value = r.json().unwrap();
    assert_eq!(e["code"], "auth");
    assert_eq!(
        c.get(format!("{}/?token=0000", web.base))
            .send()
            .unwrap()
            .status(),
        401
    );
    // The token is exchanged for a cookie the page's scripts cannot read.
    let r = c.get(&web.url).send().unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    let page = c.get(&web.base).header("cookie", &session).send().unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().unwrap().contains("<div id=\"app\""));
    // A command, with the cookie or as a bearer token.
    let r = c
        .post(format!("{}/api/status", web.base))
        .header("cookie", &session)
        .json(&serde_json::json!({}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let status: serde_json::Value = r.json().unwrap();
    assert!(status.is_object(), "{status}");
    let r = c
        .post(format!("{}/api/search_items", web.base))
        .bearer_auth(&web.token)
        .json(&serde_json::json!({"query": "zyfy"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let hits: Vec<serde_json::Value> = r.json().unwrap();
    assert!(
        hits.iter().any(|h| h.to_string().contains("住院费用")),
        "{hits:?}"
    );
    // Wrong arguments and unknown commands are answered in words.
    let r = c
        .post(format!("{}/api/search_items", web.base))
        .bearer_auth(&web.token)
        .json(&serde_json::json!({"query": 7}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().unwrap().contains("命令参数不正确"));
    let r = c
        .post(format!("{}/api/drop_everything", web.base))
        .bearer_auth(&web.token)
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[test]
fn another_sites_page_or_a_rebound_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let web = start(dir.path());
    let c = client();
    let port = web.base.rsplit(':').next().unwrap();
    // DNS rebinding: the right token, but the browser thinks it talks to another site.
    let r = c
        .post(format!("{}/api/status", web.base))
        .bearer_auth(&web.token)
        .header("host", format!("evil.example:{port}"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    // Another site's page posting to the loopback server.
    let r = c
        .post(format!("{}/api/status", web.base))
        .bearer_auth(&web.token)
        .header("origin", "http://evil.example")
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    // The same server by its other loopback name is fine.
    let r = c
        .post(format!("{}/api/status", web.base))
        .bearer_auth(&web.token)
        .header("host", format!("localhost:{port}"))
        .header("origin", format!("http://localhost:{port}"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn one_instance_per_store_and_loopback_only() {
    let dir = tempfile::tempdir().unwrap();
    let _first = start(dir.path());
    let out = command(dir.path(), "127.0.0.1:0").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("已经在本机运行"), "{err}");
    let other = tempfile::tempdir().unwrap();
    let out = command(other.path(), "0.0.0.0:0").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("只在本机回环地址上服务"), "{err}");
}

/// A clerk who closed the browser starts 医保经办窗口 again from the menu: the running instance
/// is shown (its address, token included, opened in the browser), nothing new is served, and
/// the address is kept where only the clerk's account can read it.
#[test]
fn a_second_start_from_the_menu_opens_the_running_instance() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(dir.path());
    let lock = dir.path().join("counter.db.lock");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&lock).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the lock file carries the token");
    }
    // The "browser": a script that writes down the address it was asked to open.
    let opened = dir.path().join("opened.txt");
    let browser = dir.path().join("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_counter-web"))
        .args(["--listen", "127.0.0.1:0"])
        .env("COUNTER_DB", dir.path().join("counter.db"))
        .env("COUNTER_KEY_FILE", dir.path().join("store.key"))
        .env("COUNTER_OFFICE", dir.path().join("office.toml"))
        .env("COUNTER_BROWSER", &browser)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("已经在本机运行"), "{err}");
    assert!(out.stdout.is_empty(), "a second start serves nothing");
    let mut url = String::new();
    for _ in 0..50 {
        url = std::fs::read_to_string(&opened).unwrap_or_default();
        if !url.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(url, first.url, "the browser opens the running instance");
    // That address works: it is the running instance's session.
    let r = client()
        .post(format!("{}/api/status", first.base))
        .bearer_auth(&first.token)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}
