//! A busy server (429, 503 or 408 with `Retry-After`): the client waits as told within the
//! run when the wait is short, and otherwise stops with the wait for the background sync to
//! keep; nothing is deleted from the outbox either way.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use counter_sync::sync_now;
use counter_testkit::prelude::*;

/// A server whose first `busy` pushes answer `status` with `Retry-After: after`; then it
/// acknowledges everything.
fn busy_server(busy: usize, status: u16, after: u64) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let pushes = Arc::new(AtomicUsize::new(0));
    let seen = pushes.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = vec![0u8; 1 << 20];
            let n = stream.read(&mut buf).unwrap_or(0);
            let text = String::from_utf8_lossy(&buf[..n]).to_string();
            let path = text.split(' ').nth(1).unwrap_or("").to_string();
            let (code, extra, body) = if path.starts_with("/v1/events") {
                if seen.fetch_add(1, Ordering::SeqCst) < busy {
                    (
                        status,
                        format!("retry-after: {after}\r\n"),
                        r#"{"code":"rate_limited","message":"请求过于频繁"}"#.to_string(),
                    )
                } else {
                    (
                        200,
                        String::new(),
                        r#"{"acked_through": 6, "rejected": [], "gap": false}"#.into(),
                    )
                }
            } else if path.starts_with("/v1/changes") {
                (200, String::new(), r#"{"changes": [], "cursor": 0}"#.into())
            } else {
                (200, String::new(), "[]".into())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (format!("http://{addr}"), pushes)
}

fn enrolled_at(dir: &std::path::Path, server: &str) -> counter_store::Store {
    let mut s = store(dir, "a");
    s.set_enrollment(server, "device-1", "key", "3211").unwrap();
    offline_cases(&mut s, "3211", 1);
    s
}

#[test]
fn a_short_wait_is_waited_for_within_the_run() {
    let (server, pushes) = busy_server(1, 429, 1);
    let dir = tempfile::tempdir().unwrap();
    let mut s = enrolled_at(dir.path(), &server);
    let started = Instant::now();
    let r = sync_now(&mut s, quick()).unwrap();
    assert_eq!(r.pushed, 6);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited as told"
    );
    assert_eq!(pushes.load(Ordering::SeqCst), 2);
    assert_eq!(s.sync_state().unwrap().pending, 0);
}

#[test]
fn a_long_wait_ends_the_run_with_it_and_keeps_the_outbox() {
    for status in [503, 408] {
        let (server, _) = busy_server(usize::MAX, status, 120);
        let dir = tempfile::tempdir().unwrap();
        let mut s = enrolled_at(dir.path(), &server);
        let started = Instant::now();
        let e = sync_now(&mut s, quick()).unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "not slept for two minutes"
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(120)), "{e}");
        assert!(e.passing());
        assert!(e.to_string().contains("120 秒后"), "{e}");
        assert_eq!(s.sync_state().unwrap().pending, 6, "nothing deleted");
    }
}
