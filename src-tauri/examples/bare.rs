//! A bare Tauri 2 window, built from the same lock file as the app: the yardstick for the
//! app's start-up time and memory (`scripts/bench-startup.sh`, docs/benchmarks.md). One window
//! of the app's size showing a static page served the way the app serves its own (a custom
//! protocol): no commands, no store, no UI build. `COUNTER_BARE_SETTINGS=app` gives it the
//! app's WebView settings (`counter_app::webkit`: no hardware acceleration, the document viewer
//! cache), to tell what those settings save from what the app itself costs.

const PAGE: &str = "<!doctype html><html><body style=\"font:24px sans-serif;background:#f4f5f8\">\
<h1>Bare Tauri 2</h1><p>A static page.</p></body></html>";

/// The same page with a line of Chinese (`COUNTER_BARE_CJK=1`): the CJK font's share of the
/// app's start-up and memory.
const PAGE_CJK: &str = "<!doctype html><html><body style=\"font:24px sans-serif;background:#f4f5f8\">\
<h1>Bare Tauri 2</h1><p>A static page.</p><p>首次使用：设置本机。经办机构名称、地址、咨询电话。</p></body></html>";

fn main() {
    let mut context = tauri::generate_context!();
    context.config_mut().app.windows.clear();
    tauri::Builder::default()
        .register_uri_scheme_protocol("bare", |_, _| {
            let page = match std::env::var("COUNTER_BARE_CJK").as_deref() {
                Ok("1") => PAGE_CJK,
                _ => PAGE,
            };
            tauri::http::Response::builder()
                .header("Content-Type", "text/html; charset=utf-8")
                .body(page.as_bytes().to_vec())
                .expect("a static response")
        })
        .setup(|app| {
            let url = "bare://localhost/".parse().expect("the page's address");
            tauri::WebviewWindowBuilder::new(app, "main", tauri::WebviewUrl::CustomProtocol(url))
                .title("Bare Tauri 2")
                .inner_size(1366.0, 768.0)
                .build()?;
            if std::env::var("COUNTER_BARE_SETTINGS").as_deref() == Ok("app") {
                counter_app::webkit::configure(app.handle());
            }
            Ok(())
        })
        .run(context)
        .expect("the bare window");
}
