//! What the end-to-end tests share: starting the real app through tauri-driver on a workstation
//! folder of its own, finding and waiting for what the clerk sees, typing and counting keys,
//! screenshots in `target/e2e-artifacts/`. Each test file uses the part it needs.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{elements::Element, Client, ClientBuilder, Locator};

pub mod browser;
pub mod procs;
mod workstation;
pub use workstation::*;

pub struct Driver {
    pub child: Child,
    pub port: u16,
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

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn tauri_driver() -> PathBuf {
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

pub fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub async fn start(dir: &std::path::Path) -> (Driver, Client) {
    start_with(dir, &[]).await
}

/// Starts the app with `env` set besides the test defaults.
pub async fn start_with(dir: &std::path::Path, env: &[(&str, &str)]) -> (Driver, Client) {
    start_app(env!("CARGO_BIN_EXE_counter-app").as_ref(), dir, env).await
}

/// Starts the program at `app` (the app, or the bench's packaged app or bare window).
pub async fn start_app(
    app: &std::path::Path,
    dir: &std::path::Path,
    env: &[(&str, &str)],
) -> (Driver, Client) {
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
        .env("COUNTER_DB", dir.join("counter.db"))
        .env("COUNTER_KEY_FILE", dir.join("store.key"))
        .env("COUNTER_OFFICE", dir.join("office.toml"))
        .env("COUNTER_NOW", "2025-09-26T09:30:00")
        // Syncs happen when a test says so (the background sync has tests of its own).
        .env("COUNTER_SYNC_EVERY", "0")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tauri-driver (installed by scripts/setup.sh)");
    let driver = Driver { child, port };
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "wry".into());
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app }),
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
pub async fn wait_for<T, F, Fut>(what: &str, f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    wait_for_within(what, Duration::from_secs(15), f).await
}

/// Waits up to `limit` until `f` finds what it looks for, or fails with `what`.
pub async fn wait_for_within<T, F, Fut>(what: &str, limit: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(t) = f().await {
            return t;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn texts(client: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in client.find_all(Locator::Css(css)).await.unwrap_or_default() {
        out.push(e.text().await.unwrap_or_default());
    }
    out
}

/// Keeps a corner pixel of the page changing (between two all but transparent shades) for two
/// seconds. The app draws without hardware acceleration (src-tauri/src/webkit.rs), and then
/// WebKitWebDriver's screenshot waits for the page's next paint: on a screen where nothing
/// changes it waited for ever.
const NUDGE: &str = "
let d = document.getElementById('e2e-nudge');
if (!d) {
  d = document.createElement('div');
  d.id = 'e2e-nudge';
  d.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;z-index:2147483647';
  document.body.appendChild(d);
}
let n = 40;
const t = setInterval(() => {
  d.style.background = n % 2 ? 'rgba(0,0,0,0.01)' : 'rgba(0,0,0,0.02)';
  if (--n <= 0) clearInterval(t);
}, 50);
";

pub async fn screenshot(client: &Client, name: &str) {
    client.execute(NUDGE, vec![]).await.expect("nudge a paint");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(artifacts().join(name), png).unwrap();
}

/// Counts what the clerk types: every key press, special keys included.
pub struct Keys<'c> {
    pub client: &'c Client,
    pub pressed: usize,
}

impl<'c> Keys<'c> {
    /// Key presses into whatever has the focus (special keys as WebDriver code points).
    pub async fn press(&mut self, keys: &str) {
        let mut actions = KeyActions::new("keyboard".into());
        for c in keys.chars() {
            actions = actions
                .then(KeyAction::Down { value: c })
                .then(KeyAction::Up { value: c });
            self.pressed += 1;
        }
        self.client
            .perform_actions(actions)
            .await
            .expect("key presses");
        tokio::time::sleep(Duration::from_millis(120)).await;
    }

    /// `key` pressed with `modifier` held (Shift+Enter): one press.
    pub async fn chord(&mut self, modifier: &str, key: &str) {
        let m = modifier.chars().next().expect("a modifier");
        let k = key.chars().next().expect("a key");
        let actions = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: m })
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k })
            .then(KeyAction::Up { value: m });
        self.client
            .perform_actions(actions)
            .await
            .expect("key chord");
        self.pressed += 1;
        tokio::time::sleep(Duration::from_millis(120)).await;
    }

    /// Text typed into the field that has the focus (one press per character). WebDriver key
    /// actions carry only what a keyboard has, so Chinese goes in as text, as an input method
    /// or a scanner would deliver it.
    pub async fn type_here(&mut self, text: &str) {
        let e = self.client.active_element().await.expect("focused element");
        self.type_into(&e, text).await;
    }

    /// Text typed into a field (one press per character).
    pub async fn type_into(&mut self, e: &Element, text: &str) {
        e.send_keys(text).await.expect("type");
        self.pressed += text.chars().count();
        tokio::time::sleep(Duration::from_millis(120)).await;
    }
}

pub const ENTER: &str = "\u{E007}";
pub const SHIFT: &str = "\u{E008}";
pub const ESC: &str = "\u{E00C}";
pub const TAB: &str = "\u{E004}";
pub const DOWN: &str = "\u{E015}";
pub const F8: &str = "\u{E038}";
pub const F9: &str = "\u{E039}";
pub const F10: &str = "\u{E03A}";
pub use counter_testkit::ID;

/// Waits for an element; on a timeout the screen is saved as `failed.png` and the error
/// messages on it are reported.
pub async fn find(client: &Client, css: &str) -> Element {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(e) = client.find(Locator::Css(css)).await {
            return e;
        }
        if Instant::now() > deadline {
            screenshot(client, "failed.png").await;
            let shown = texts(client, ".error, .warn, #message").await;
            panic!("timed out waiting for {css}; the screen says {shown:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn text_of(client: &Client, css: &str) -> String {
    find(client, css).await.text().await.unwrap_or_default()
}

/// Waits until the element's text contains `part`.
pub async fn wait_text(client: &Client, css: &str, part: &str) -> String {
    let (css, part) = (css.to_string(), part.to_string());
    let deadline = Instant::now() + Duration::from_secs(14);
    wait_for(&format!("{css} to show {part}"), || {
        let (css, part) = (css.clone(), part.clone());
        async move {
            let t = client
                .find(Locator::Css(&css))
                .await
                .ok()?
                .text()
                .await
                .ok()?;
            if !t.contains(&part) && Instant::now() > deadline {
                screenshot(client, "failed.png").await;
                let shown = texts(client, ".error, .warn, #message, #ho-message").await;
                panic!("{css} shows {t:?}, not {part:?}; messages on screen: {shown:?}");
            }
            t.contains(&part).then_some(t)
        }
    })
    .await
}

/// Searches, picks the hit whose code is `code`, types the applicant and opens the case.
pub async fn open_case(
    client: &Client,
    keys: &mut Keys<'_>,
    query: &str,
    code: &str,
    shot: Option<&str>,
) -> String {
    keys.type_here(query).await;
    let hits = wait_for("search results", || async {
        client
            .find(Locator::Css(&format!("#results[data-query='{query}']")))
            .await
            .ok()?;
        let t = texts(client, "#results li .meta").await;
        (!t.is_empty()).then_some(t)
    })
    .await;
    // Each hit names its list as a clerk reads it (全国 附件1, 江苏省 2024年版), not by its id.
    for ids in ["national", "jiangsu-", "jiangxi-", "zhenjiang-"] {
        assert!(hits.iter().all(|m| !m.contains(ids)), "{hits:?}");
    }
    let at = hits
        .iter()
        .position(|m| m.starts_with(code))
        .unwrap_or_else(|| panic!("{code} in {hits:?}"));
    for _ in 0..at {
        keys.press(DOWN).await;
    }
    if let Some(s) = shot {
        screenshot(client, s).await;
    }
    keys.press(ENTER).await;
    find(client, "#applicant").await;
    keys.press(ID).await;
    wait_text(client, "#id-check", "有效").await;
    keys.press(TAB).await;
    keys.type_here("张三丰").await;
    keys.press(ENTER).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let case = loop {
        if let Ok(c) = client.find(Locator::Css("#case")).await {
            break c;
        }
        if Instant::now() > deadline {
            screenshot(client, "failed-open.png").await;
            let err = texts(client, "#error, #id-check").await;
            panic!("no case opened; the screen says {err:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    case.attr("data-case-no").await.unwrap().unwrap()
}

pub async fn statuses(client: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for e in client
        .find_all(Locator::Css("#checklist li"))
        .await
        .unwrap_or_default()
    {
        out.push(e.attr("class").await.ok().flatten().unwrap_or_default());
    }
    out
}

pub async fn run<F, Fut>(fresh: bool, f: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = Client>,
{
    run_in(workstation(fresh), f).await;
}

pub async fn run_in<F, Fut>(dir: tempfile::TempDir, f: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = Client>,
{
    run_in_with(dir, &[], f).await;
}

/// `run_in`, the app started with `env` set.
pub async fn run_in_with<F, Fut>(dir: tempfile::TempDir, env: &[(&str, &str)], f: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = Client>,
{
    // One app at a time on the display: several windows of parallel tests take the keyboard
    // focus from each other (`:focus` then matches nothing) and share two cores.
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_driver, client) = start_with(dir.path(), env).await;
    let client = f(client).await;
    client.close().await.ok();
}

pub const F2: &str = "\u{E032}";
pub const F3: &str = "\u{E033}";
pub const F4: &str = "\u{E034}";
pub const F6: &str = "\u{E036}";

/// Sets the `<select>` at `css` to the option whose value is `value`, as picking it does (the
/// change event Vue listens to). Not by clicking the option: WebKitWebDriver's click opens
/// GTK's native popup menu, which then holds the next screenshot.
pub async fn choose(client: &Client, css: &str, value: &str) {
    let found = client
        .execute(
            "const s = document.querySelector(arguments[0]);
             if (!s || ![...s.options].some(o => o.value === arguments[1])) return false;
             s.value = arguments[1];
             s.dispatchEvent(new Event('change', { bubbles: true }));
             return true;",
            vec![css.into(), value.into()],
        )
        .await
        .unwrap();
    assert_eq!(
        found,
        serde_json::Value::Bool(true),
        "{css} has no option {value:?}"
    );
}

/// Opens the ledger row of a case (today's ledger) in the case view.
pub async fn open_ledger_row(client: &Client, case_no: &str) {
    let row = wait_for("ledger row", || async {
        for r in client
            .find_all(Locator::Css("#ledger tbody tr"))
            .await
            .ok()?
        {
            if r.text().await.ok()?.contains(case_no) {
                return Some(r);
            }
        }
        None
    })
    .await;
    // WebKit's driver clicks cells, not rows.
    row.find(Locator::Css("td"))
        .await
        .expect("cell")
        .click()
        .await
        .expect("click");
    find(client, "#detail").await;
}

pub async fn click(client: &Client, css: &str) {
    find(client, css).await.click().await.expect("click");
    tokio::time::sleep(Duration::from_millis(150)).await;
}

/// What the preview's page images show, as a clerk would see them: for each `<img>`, its
/// decoded width (0 when the image failed to load, as under a CSP that blocks `data:`) and the
/// share of dark pixels in a sample of its bitmap (0 for a blank page).
pub async fn preview_pages(client: &Client) -> Vec<(u64, f64)> {
    let script = r#"
        return [...document.querySelectorAll('#preview img')].map((img) => {
            if (!img.complete || img.naturalWidth === 0) return [0, 0];
            const c = document.createElement('canvas');
            c.width = img.naturalWidth;
            c.height = img.naturalHeight;
            const g = c.getContext('2d');
            g.drawImage(img, 0, 0);
            const d = g.getImageData(0, 0, c.width, c.height).data;
            // Only painted (opaque) pixels count: an image not yet decoded draws transparent
            // black, which is neither ink nor paper.
            let dark = 0, opaque = 0, seen = 0;
            for (let k = 0; k < d.length; k += 4 * 7) {
                seen++;
                if (d[k + 3] === 255) { opaque++; if (d[k] < 128) dark++; }
            }
            if (opaque < seen * 0.99) return [img.naturalWidth, 0];
            return [img.naturalWidth, dark / opaque];
        });"#;
    wait_for("preview pages decoded with ink on them", || async {
        let v = client.execute(script, vec![]).await.ok()?;
        let pages: Vec<(u64, f64)> = v
            .as_array()?
            .iter()
            .map(|p| (p[0].as_u64().unwrap_or(0), p[1].as_f64().unwrap_or(0.0)))
            .collect();
        // Decoding and painting are asynchronous: wait until every page shows ink (a page
        // that never does fails the wait, with what was seen).
        (!pages.is_empty()
            && pages
                .iter()
                .all(|(w, dark)| *w > 0 && *dark > 0.005 && *dark < 0.5))
        .then_some(pages)
    })
    .await
}

/// Every page of the open preview has loaded, is wide enough to read (≥ 800 px for A4) and
/// carries ink.
/// What lies on top at points spread over the preview (as a clerk sees it, not what is
/// painted underneath): every element hit that is not part of the preview, with where.
pub async fn covering_preview(client: &Client) -> Vec<String> {
    let script = r#"
        const dlg = document.querySelector('#preview');
        if (!dlg) return ['no preview'];
        const r = dlg.getBoundingClientRect();
        const out = [];
        for (const fx of [0.05, 0.3, 0.5, 0.7, 0.95]) {
            for (const fy of [0.05, 0.2, 0.4, 0.6, 0.8, 0.95]) {
                const x = r.left + r.width * fx, y = r.top + r.height * fy;
                if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
                const e = document.elementFromPoint(x, y);
                if (!e || !dlg.contains(e)) {
                    const what = e ? (e.id ? '#' + e.id : e.tagName + '.' + e.className) : 'nothing';
                    out.push(`${Math.round(x)},${Math.round(y)}: ${what}`);
                }
            }
        }
        return out;
    "#;
    let v = client
        .execute(script, vec![])
        .await
        .expect("elementFromPoint");
    serde_json::from_value(v).unwrap_or_default()
}

pub async fn assert_preview_shows(client: &Client, pages: usize) {
    let covered = covering_preview(client).await;
    assert!(covered.is_empty(), "drawn over the preview: {covered:?}");
    let shown = preview_pages(client).await;
    assert_eq!(shown.len(), pages, "{shown:?}");
    for (i, (width, dark)) in shown.iter().enumerate() {
        assert!(*width >= 800, "page {}: {width} px wide", i + 1);
        assert!(
            *dark > 0.005 && *dark < 0.5,
            "page {}: dark share {dark}",
            i + 1
        );
    }
}

/// The ledger row of `case_no` as the clerk reads it.
pub async fn ledger_row(client: &Client, case_no: &str) -> String {
    let case_no = case_no.to_string();
    wait_for(&format!("ledger row {case_no}"), || {
        let case_no = case_no.clone();
        async move {
            texts(client, "#ledger tbody tr")
                .await
                .into_iter()
                .find(|t| t.contains(&case_no))
        }
    })
    .await
}

/// Ticks every material of the open case and waits until the checklist is complete.
pub async fn tick_all(client: &Client, keys: &mut Keys<'_>) {
    keys.press("1234").await;
    wait_text(client, "#missing", "材料已齐").await;
}

/// One intake as a clerk makes it: search, applicant, tick, F8 shows the receipt, Enter prints
/// it, Esc for the next applicant.
pub async fn intake_printed(client: &Client, keys: &mut Keys<'_>) {
    open_case(client, keys, "zyfy", "002036006002", None).await;
    tick_all(client, keys).await;
    keys.press(F8).await;
    find(client, "#preview[data-kind='receipt']").await;
    assert_preview_shows(client, 2).await;
    keys.press(ENTER).await;
    wait_text(client, "#message", "已送打印").await;
    keys.press(ESC).await;
    find(client, "#search:not([disabled])").await;
}

/// Ticks everything of the case on screen, accepts it with F8, closes the receipt and opens
/// the ledger (F3).
pub async fn accept_and_open_the_ledger(client: &Client, keys: &mut Keys<'_>) {
    tick_all(client, keys).await;
    keys.press(F8).await;
    find(client, "#preview[data-kind='receipt']").await;
    keys.press(ESC).await;
    find(client, "#search:not([disabled])").await;
    keys.press(F3).await;
}
