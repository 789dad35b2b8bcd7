//! The WebView's memory (issue 25 A12, issue 26; `scripts/bench-session.sh`,
//! docs/benchmarks.md). Two WebKitGTK defaults made for a web browser cost a counter PC
//! memory for nothing:
//!
//! - Hardware acceleration: the compositor keeps layers and a GL context; without a GPU (a
//!   virtual machine, many office PCs) Mesa's software GL backs them. Measured: 77 MB of the web
//!   process at the first screen and 70 MB of layers after the first preview, for forms with no
//!   animation. `COUNTER_WEBVIEW_ACCELERATION=always` turns it back on.
//! - The web browser cache model keeps the decoded page images of every closed preview (about
//!   5 MB a page) up to a share of the PC's memory; the document viewer model frees what no page
//!   shows. The app loads nothing from a network and renders every preview afresh.

use tauri::AppHandle;

#[cfg(target_os = "linux")]
pub fn configure(app: &AppHandle) {
    use tauri::Manager;
    use webkit2gtk::{
        CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
    };
    let policy = match std::env::var("COUNTER_WEBVIEW_ACCELERATION").as_deref() {
        Ok("always") => HardwareAccelerationPolicy::Always,
        _ => HardwareAccelerationPolicy::Never,
    };
    for (label, window) in app.webview_windows() {
        let set = window.with_webview(move |w| {
            let view = w.inner();
            if let Some(settings) = view.settings() {
                settings.set_hardware_acceleration_policy(policy);
            }
            // The windows share one web context; setting it twice does no harm.
            if let Some(context) = view.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        });
        if let Err(e) = set {
            eprintln!("Counter: the settings of WebView {label} stay as they were: {e}");
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn configure(_: &AppHandle) {}
