//! The background sync against a real server: what waits in the outbox reaches the server
//! with nobody pressing 立即同步 and nobody signed in, the workstation answers meanwhile, the
//! chip says what the background sync does next, and the centre's decisions come down too.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use counter_desk::autosync::{spawn, Schedule};
use counter_desk::{Clock, Paths, Workstation};
use counter_testkit::now;

/// Opens and accepts a standard case in the store (6 events waiting to be sent).
fn accepted_case(s: &mut counter_store::Store) -> String {
    counter_testkit::points::accepted_case(s, counter_testkit::POINT).unwrap()
}

fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn what_waits_is_sent_by_itself_and_the_window_stays_free() {
    let dir = tempfile::tempdir().unwrap();
    let (central, server) = counter_testkit::central::pilot(dir.path());
    let paths = Paths {
        db: dir.path().join("counter.db"),
        key: dir.path().join("store.key"),
        office: dir.path().join("office.toml"),
        catalogs: None,
        calendar: None,
    };
    let mut store = counter_store::Store::open(&paths.db, &paths.key).unwrap();
    let pass = central.enroll_code("3211", Some("C"), None).unwrap();
    counter_sync::enroll(&mut store, &server.url(), &pass, "测试").unwrap();
    let no = accepted_case(&mut store);
    drop(store);

    let desk = Arc::new(Mutex::new(
        Workstation::open(paths.clone(), Clock::Fixed(now())).unwrap(),
    ));
    spawn(desk.clone(), Schedule::every(Duration::from_secs(1)));
    until("the case was not sent by itself", || {
        // The workstation answers while the background sync works, and says what it does.
        let state = desk.lock().unwrap().sync_state().unwrap();
        assert!(
            state
                .auto
                .as_deref()
                .is_some_and(|a| a.contains("自动同步")),
            "{state:?}"
        );
        central.counts().unwrap() == (6, 0, 1) && state.pending == 0
    });
    assert!(desk
        .lock()
        .unwrap()
        .sync_state()
        .unwrap()
        .last_success
        .is_some());
    // A central decision comes down by itself too.
    central
        .decide(
            &no,
            counter_core::proto::RemoteStatus::InReview,
            None,
            "李审核",
            now(),
        )
        .unwrap();
    until("the decision did not come down by itself", || {
        let s = counter_store::Store::open(&paths.db, &paths.key).unwrap();
        s.case(&no).unwrap().state.as_str() == "in_review"
    });
}
