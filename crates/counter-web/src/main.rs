//! `counter-web`: Counter in the system browser, for desktops whose WebKitGTK the window
//! cannot use. Serves 127.0.0.1 only; the first line printed is the URL to open.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Parser;
use counter_desk::{Clock, Paths, Workstation};
use counter_web::{lock_store, new_token, router, App, LockError};

#[derive(Parser)]
#[command(
    name = "counter-web",
    version,
    about = "Counter 医保经办窗口（浏览器模式）"
)]
struct Cli {
    /// The loopback address and port to serve on (port 0: any free one).
    #[arg(long, default_value = "127.0.0.1:8760")]
    listen: SocketAddr,
    /// Print the URL only; do not open the browser.
    #[arg(long)]
    no_browser: bool,
}

/// Chromium-family browsers that open a page as an app window (`--app=URL`: no tabs, no
/// address bar), tried in order before falling back to xdg-open's default browser.
const APP_BROWSERS: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "microsoft-edge",
    "microsoft-edge-stable",
    "qaxbrowser-safe",
    "browser360-cn-stable",
];

fn in_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

/// Opens `url` in the system browser: `COUNTER_BROWSER` when set, else the first
/// Chromium-family browser found as an app window, else xdg-open.
fn open_browser(url: &str) {
    let (program, arg) = match std::env::var("COUNTER_BROWSER") {
        Ok(p) => (p, url.to_string()),
        Err(_) => match APP_BROWSERS.iter().find(|b| in_path(b)) {
            Some(b) => (b.to_string(), format!("--app={url}")),
            None => ("xdg-open".into(), url.to_string()),
        },
    };
    if let Err(e) = std::process::Command::new(&program).arg(arg).spawn() {
        eprintln!("无法打开浏览器（{program}：{e}）：请在浏览器中打开上面的地址");
    }
}

fn run(cli: Cli) -> Result<(), String> {
    if !cli.listen.ip().is_loopback() {
        return Err(format!(
            "浏览器模式只在本机回环地址上服务（如 127.0.0.1:8760），不能在 {} 上服务",
            cli.listen
        ));
    }
    let paths = Paths::from_env();
    let mut lock = match lock_store(&paths.db) {
        Ok(lock) => lock,
        // A second start from the menu: show the running one rather than fail unseen.
        Err(LockError::Running { url: Some(url), .. }) if !cli.no_browser => {
            eprintln!("Counter 已经在本机运行：已在浏览器中打开它");
            open_browser(&url);
            return Ok(());
        }
        Err(e) => return Err(e.message().to_string()),
    };
    counter_desk::init_log(&paths);
    let desk = Workstation::open(paths, Clock::from_env()).map(|w| Arc::new(Mutex::new(w)));
    match (&desk, counter_desk::autosync::Schedule::from_env()) {
        (Err(e), _) => eprintln!("Counter: {}", e.message),
        (Ok(d), Some(schedule)) => drop(counter_desk::autosync::spawn(d.clone(), schedule)),
        (Ok(_), None) => {}
    }
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(cli.listen)
            .await
            .map_err(|e| format!("无法监听 {}：{e}", cli.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let token = new_token();
        let url = format!("http://{addr}/?token={token}");
        if let Err(e) = lock.announce(&url) {
            eprintln!(
                "无法记下本机地址（{}：{e}）：再次启动将不能打开本窗口",
                lock.path.display()
            );
        }
        println!("{url}");
        let _ = std::io::stdout().flush();
        if !cli.no_browser {
            open_browser(&url);
        }
        let app = Arc::new(App::new(desk, token, addr));
        axum::serve(listener, router(app))
            .await
            .map_err(|e| e.to_string())
    })
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
