//! The applicant's screen (申请人屏): a second window showing `applicant.html`, full screen on
//! the second monitor when there is one. `COUNTER_APPLICANT_SCREEN` says when it opens: `auto`
//! (the default: only with a second monitor, a single-monitor PC keeps one window), `window`
//! (always, as an ordinary window: a hall with a touch tablet beside the counter, the tests),
//! `off`.

use tauri::{AppHandle, Monitor, WebviewUrl, WebviewWindowBuilder};

const LABEL: &str = "applicant";

/// The monitor that is not the clerk's, if any.
fn second_monitor(app: &AppHandle) -> Option<Monitor> {
    let primary = app.primary_monitor().ok().flatten();
    let first = |m: &Monitor| primary.as_ref().is_some_and(|p| p.position() == m.position());
    let monitors = app.available_monitors().ok()?;
    if monitors.len() < 2 {
        return None;
    }
    monitors.into_iter().find(|m| !first(m))
}

/// Opens the applicant's screen as the setting says; a failure is logged, never fatal: the
/// counter works without it.
pub fn open(app: &AppHandle) {
    let mode = std::env::var("COUNTER_APPLICANT_SCREEN").unwrap_or_else(|_| "auto".into());
    let monitor = second_monitor(app);
    let builder = WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("applicant.html".into()))
        .title("Counter 申请人屏")
        .focused(false);
    let builder = match (mode.as_str(), &monitor) {
        ("off", _) | ("auto", None) => return,
        (_, Some(m)) => {
            let scale = m.scale_factor();
            let (p, s) = (m.position(), m.size());
            builder
                .position(f64::from(p.x) / scale, f64::from(p.y) / scale)
                .inner_size(f64::from(s.width) / scale, f64::from(s.height) / scale)
                .fullscreen(true)
        }
        (_, None) => builder.inner_size(1024.0, 768.0),
    };
    if let Err(e) = builder.build() {
        eprintln!("Counter: the applicant's screen could not open: {e}");
    }
}
