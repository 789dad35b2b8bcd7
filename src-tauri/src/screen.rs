//! The applicant's screen (申请人屏): a second window showing `applicant.html`, full screen on
//! the second monitor when there is one. `COUNTER_APPLICANT_SCREEN` says when it opens: `auto`
//! (the default: only with a second monitor, a single-monitor PC keeps one window), `window`
//! (always, as an ordinary window: a hall with a touch tablet beside the counter, the tests),
//! `off`.

use tauri::{AppHandle, WebviewUrl, WebviewWindowBuilder};

const LABEL: &str = "applicant";

/// A monitor's place on the desktop, in physical pixels, and its scale.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Place {
    x: i32,
    y: i32,
    width: u32,
    height: u32,
    scale: f64,
}

/// Where the window goes: the first monitor that is not the primary (the clerk's), in logical
/// pixels (x, y, width, height); none with a single monitor.
fn applicant_place(
    monitors: &[Place],
    primary: Option<(i32, i32)>,
) -> Option<(f64, f64, f64, f64)> {
    if monitors.len() < 2 {
        return None;
    }
    let primary = primary.unwrap_or((monitors[0].x, monitors[0].y));
    let m = monitors.iter().find(|m| (m.x, m.y) != primary)?;
    let s = m.scale.max(0.1);
    Some((
        f64::from(m.x) / s,
        f64::from(m.y) / s,
        f64::from(m.width) / s,
        f64::from(m.height) / s,
    ))
}

fn monitors(app: &AppHandle) -> (Vec<Place>, Option<(i32, i32)>) {
    let all = app
        .available_monitors()
        .unwrap_or_default()
        .iter()
        .map(|m| Place {
            x: m.position().x,
            y: m.position().y,
            width: m.size().width,
            height: m.size().height,
            scale: m.scale_factor(),
        })
        .collect();
    let primary = app
        .primary_monitor()
        .ok()
        .flatten()
        .map(|m| (m.position().x, m.position().y));
    (all, primary)
}

/// Opens the applicant's screen as the setting says; a failure is logged, never fatal: the
/// counter works without it.
pub fn open(app: &AppHandle) {
    let mode = std::env::var("COUNTER_APPLICANT_SCREEN").unwrap_or_else(|_| "auto".into());
    let (all, primary) = monitors(app);
    let place = applicant_place(&all, primary);
    let builder = WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("applicant.html".into()))
        .title("Counter 申请人屏")
        .focused(false);
    let builder = match (mode.as_str(), place) {
        ("off", _) | ("auto", None) => return,
        (_, Some((x, y, w, h))) => builder.position(x, y).inner_size(w, h).fullscreen(true),
        (_, None) => builder.inner_size(1024.0, 768.0),
    };
    if let Err(e) = builder.build() {
        eprintln!("Counter: the applicant's screen could not open: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(x: i32, width: u32, scale: f64) -> Place {
        Place {
            x,
            y: 0,
            width,
            height: 1080,
            scale,
        }
    }

    #[test]
    fn the_applicants_window_takes_the_monitor_that_is_not_the_clerks() {
        assert_eq!(applicant_place(&[m(0, 1920, 1.0)], Some((0, 0))), None);
        assert_eq!(applicant_place(&[], None), None);
        let two = [m(0, 1920, 1.0), m(1920, 1920, 2.0)];
        assert_eq!(
            applicant_place(&two, Some((0, 0))),
            Some((960.0, 0.0, 960.0, 540.0))
        );
        // The clerk's monitor on the right: the left one is the applicant's.
        assert_eq!(
            applicant_place(&two, Some((1920, 0))),
            Some((0.0, 0.0, 1920.0, 1080.0))
        );
        // No primary known: the first is the clerk's.
        assert_eq!(
            applicant_place(&two, None),
            Some((960.0, 0.0, 960.0, 540.0))
        );
    }
}
