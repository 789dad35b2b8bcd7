//! A bare Tauri 2 window, built from the same lock file as the app: the yardstick for the
//! app's start-up time and memory (`scripts/bench-startup.sh`, docs/benchmarks.md). One window
//! of the app's size showing a static page served the way the app serves its own (a custom
//! protocol): no commands, no store, no UI build.

const PAGE: &str = "<!doctype html><html><body style=\"font:24px sans-serif;background:#f4f5f8\">\
<h1>Bare Tauri 2</h1><p>A static page.</p></body></html>";

fn main() {
    let mut context = tauri::generate_context!();
    context.config_mut().app.windows.clear();
    tauri::Builder::default()
        .register_uri_scheme_protocol("bare", |_, _| {
            tauri::http::Response::builder()
                .header("Content-Type", "text/html; charset=utf-8")
                .body(PAGE.as_bytes().to_vec())
                .expect("a static response")
        })
        .setup(|app| {
            let url = "bare://localhost/".parse().expect("the page's address");
            tauri::WebviewWindowBuilder::new(app, "main", tauri::WebviewUrl::CustomProtocol(url))
                .title("Bare Tauri 2")
                .inner_size(1366.0, 768.0)
                .build()?;
            Ok(())
        })
        .run(context)
        .expect("the bare window");
}
