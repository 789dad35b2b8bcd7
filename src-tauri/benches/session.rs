//! The session bench (issue 26, point 4; docs/benchmarks.md): the window's start as the page
//! inside the WebView sees it, and the memory of a clerk's session.
//!
//! For each run, in turns: the bare Tauri 2 window and the app, each started through
//! tauri-driver under the display, and the browser mode (`counter-web` with Chromium in a window).
//! - Start: exec → the page's time origin (the native start and WebKit's processes) → the page's
//!   document served → DOMContentLoaded (the UI bundle parsed and run) → the UI mounted
//!   (`counter:mounted`) → the first screen's data in (`counter:ready`), from the Performance API.
//! - Memory (PSS of the program and every process it started): at the first screen, and after
//!   ten 住院费用报销 intakes, each accepted with its receipt previewed and printed on CUPS.
//!
//!     bash scripts/bench-session.sh [RUNS]
//!
//! which builds the release binaries, takes the app from the package when there is one
//! (`COUNTER_BENCH_APP`, `COUNTER_BENCH_WEB`, `COUNTER_BENCH_BARE` name the programs) and runs
//! `cargo bench -p counter-app --bench session` under xvfb-run. Prints one line per run and
//! the medians.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::Client;
use support::browser::{chromium, serve_with};
use support::procs::{find_below, has_arg, pss_kb, started_ms, tree, tree_pss_by_name};
use support::*;

/// How long a screen is left before its memory is read: what is kept, not what is on its way
/// out (WebKit's allocator gives freed memory back a few seconds later; a clerk's intakes are
/// minutes apart, the bench's seconds). `COUNTER_BENCH_SETTLE` seconds, 10 by default.
fn settle() -> Duration {
    Duration::from_secs(
        std::env::var("COUNTER_BENCH_SETTLE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10),
    )
}
const INTAKES: usize = 10;

fn program(var: &str, default: PathBuf) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or(default)
}

/// The page's own account of its start, in ms from exec (None where the page has no such mark).
#[derive(Debug, Default, Clone)]
struct Start {
    origin: f64,
    served: f64,
    parsed: f64,
    mounted: Option<f64>,
    ready: Option<f64>,
}

const TIMING: &str = r#"
const n = performance.getEntriesByType("navigation")[0] || performance.timing;
const base = n.responseEnd > 1e12 ? performance.timeOrigin : 0;
const m = Object.fromEntries(performance.getEntriesByType("mark").map(e => [e.name, e.startTime]));
return { origin: performance.timeOrigin, served: n.responseEnd - base,
         parsed: n.domContentLoadedEventEnd - base,
         mounted: m["counter:mounted"] ?? null, ready: m["counter:ready"] ?? null };
"#;

/// `exec_ms`: when the program started; None for a page in a browser that was already running
/// (times from the page's origin).
async fn start_of(client: &Client, exec_ms: Option<f64>) -> Start {
    let v = client
        .execute(TIMING, vec![])
        .await
        .expect("the page's timing");
    let f = |k: &str| v[k].as_f64();
    let origin = f("origin").expect("timeOrigin");
    let exec_ms = exec_ms.unwrap_or(origin);
    let at = |x: f64| origin - exec_ms + x;
    Start {
        origin: origin - exec_ms,
        served: at(f("served").unwrap_or(0.0)),
        parsed: at(f("parsed").unwrap_or(0.0)),
        mounted: f("mounted").map(at),
        ready: f("ready").map(at),
    }
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn total(parts: &[(String, u64)]) -> u64 {
    parts.iter().map(|(_, kb)| kb).sum()
}

fn show(parts: &[(String, u64)]) -> String {
    parts
        .iter()
        .map(|(n, kb)| format!("{n} {:.1}", mb(*kb)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The app's or the bare window's process (tauri-driver → WebKitWebDriver → it).
async fn window_process(driver: &Driver, program: &Path) -> u32 {
    let name: String = program
        .file_name()
        .unwrap()
        .to_string_lossy()
        .chars()
        .take(15)
        .collect();
    wait_for("the window's process", || async {
        find_below(driver.child.id(), &name)
    })
    .await
}

async fn intakes(client: &Client, n: usize) {
    let mut keys = Keys { client, pressed: 0 };
    for _ in 0..n {
        intake_printed(client, &mut keys).await;
    }
}

/// Signs in, makes one intake and then nine more: the memory after the first (what a session
/// loads once) and after the tenth (what it keeps per intake).
async fn session<F: Fn() -> Vec<(String, u64)>>(
    client: &Client,
    memory: F,
) -> [Vec<(String, u64)>; 2] {
    let mut keys = Keys { client, pressed: 0 };
    sign_in(client, &mut keys).await;
    intakes(client, 1).await;
    tokio::time::sleep(settle()).await;
    let one = memory();
    intakes(client, INTAKES - 1).await;
    tokio::time::sleep(settle()).await;
    [one, memory()]
}

struct Run {
    start: Start,
    first: Vec<(String, u64)>,
    one: Vec<(String, u64)>,
    after: Vec<(String, u64)>,
}

async fn window_run(program: &Path, intakes: bool) -> Run {
    let dir = workstation(false);
    let (driver, client) = start_app(program, dir.path(), &[]).await;
    let pid = window_process(&driver, program).await;
    let exec = started_ms(pid).expect("the window's start");
    if intakes {
        find(&client, "#signin-name").await;
    }
    tokio::time::sleep(settle()).await;
    let start = start_of(&client, Some(exec)).await;
    let first = tree_pss_by_name(pid);
    let [one, after] = if intakes {
        session(&client, || tree_pss_by_name(pid)).await
    } else {
        Default::default()
    };
    client.close().await.ok();
    Run {
        start,
        first,
        one,
        after,
    }
}

/// The browser mode: counter-web's own memory, and Chromium's — the tab (its renderer
/// processes) apart from the rest (the browser, GPU and utility processes) — at the first
/// screen and after the intakes.
async fn browser_run(web: &Path) -> Run {
    let dir = workstation(false);
    let (server, url) = serve_with(web, dir.path());
    let profile = tempfile::tempdir().unwrap();
    let (driver, client) = chromium(profile.path(), false).await;
    client.goto(&url).await.unwrap();
    find(&client, "#signin-name").await;
    tokio::time::sleep(settle()).await;
    let start = start_of(&client, None).await;
    let memory = || {
        let mut parts = tree_pss_by_name(server.0.id());
        // chromedriver itself is the bench's, not the hall's.
        let (mut tab, mut rest) = (0, 0);
        for pid in tree(driver.0.id()).into_iter().skip(1) {
            if has_arg(pid, "--type=renderer") {
                tab += pss_kb(pid);
            } else {
                rest += pss_kb(pid);
            }
        }
        parts.push(("chromium tab".into(), tab));
        parts.push(("chromium".into(), rest));
        parts
    };
    let first = memory();
    let [one, after] = session(&client, memory).await;
    client.close().await.ok();
    Run {
        start,
        first,
        one,
        after,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn print_start(name: &str, s: &Start) {
    let opt = |x: Option<f64>| x.map_or("—".into(), |v| format!("{v:.0}"));
    println!(
        "{name}: exec→origin {:.0} ms, served {:.0}, parsed {:.0}, mounted {}, ready {}",
        s.origin,
        s.served,
        s.parsed,
        opt(s.mounted),
        opt(s.ready)
    );
}

fn print_memory(name: &str, r: &Run) {
    print_start(name, &r.start);
    for (when, parts) in [
        ("first screen", &r.first),
        ("after one intake", &r.one),
        ("after ten intakes", &r.after),
    ] {
        println!(
            "{name}: PSS {when} {:.1} MB ({})",
            mb(total(parts)),
            show(parts)
        );
    }
}

fn summary(name: &str, runs: &[Run]) {
    let m = |f: &dyn Fn(&Run) -> f64| median(runs.iter().map(f).collect());
    let opt = |f: &dyn Fn(&Run) -> Option<f64>| {
        let v: Vec<f64> = runs.iter().filter_map(f).collect();
        if v.is_empty() {
            "—".to_string()
        } else {
            format!("{:.0}", median(v))
        }
    };
    println!(
        "median {name}: exec→origin {:.0} ms, served {:.0}, parsed {:.0}, mounted {}, ready {}; \
         PSS first screen {:.1} MB{}",
        m(&|r| r.start.origin),
        m(&|r| r.start.served),
        m(&|r| r.start.parsed),
        opt(&|r| r.start.mounted),
        opt(&|r| r.start.ready),
        m(&|r| mb(total(&r.first))),
        if runs[0].after.is_empty() {
            String::new()
        } else {
            format!(
                ", after one intake {:.1} MB, after {INTAKES} {:.1} MB ({:.2}×)",
                m(&|r| mb(total(&r.one))),
                m(&|r| mb(total(&r.after))),
                m(&|r| total(&r.after) as f64 / total(&r.first) as f64)
            )
        }
    );
}

async fn bench() {
    let runs: usize = std::env::var("COUNTER_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let app = program(
        "COUNTER_BENCH_APP",
        PathBuf::from(env!("CARGO_BIN_EXE_counter-app")),
    );
    let web = program("COUNTER_BENCH_WEB", support::browser::counter_web());
    let bare = std::env::var_os("COUNTER_BENCH_BARE").map(PathBuf::from);
    println!("app {}\nweb {}", app.display(), web.display());
    let (mut bares, mut apps, mut webs) = (Vec::new(), Vec::new(), Vec::new());
    for i in 1..=runs {
        if let Some(bare) = &bare {
            let r = window_run(bare, false).await;
            print_start(&format!("run {i} bare"), &r.start);
            println!(
                "run {i} bare: PSS {:.1} MB ({})",
                mb(total(&r.first)),
                show(&r.first)
            );
            bares.push(r);
        }
        let r = window_run(&app, true).await;
        print_memory(&format!("run {i} app"), &r);
        apps.push(r);
        let r = browser_run(&web).await;
        print_memory(&format!("run {i} browser mode"), &r);
        webs.push(r);
    }
    if !bares.is_empty() {
        summary("bare", &bares);
    }
    summary("app", &apps);
    summary("browser mode", &webs);
}

fn main() {
    // `cargo bench` passes --bench; anything else (cargo test's listing) runs nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(bench());
}
