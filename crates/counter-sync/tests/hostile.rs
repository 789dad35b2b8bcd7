//! Hostile and broken peers: a device that reuses event ids, changes what it sent, forges a
//! hand-over or completes what needs review; a server that acknowledges more than it was sent
//! or answers pages that do not move on; a hand-over sheet of hundreds of cases. Each gets the right
//! answer and nothing is lost.

use counter_core::case::Change;
use counter_core::proto::{PushRequest, WireEvent};
use counter_server::Central;
use counter_store::Store;
use counter_sync::sync_now;
use counter_testkit::prelude::*;

both!(
    hostile_pushes_are_refused_with_reasons_and_honest_events_still_arrive,
    a_sheet_of_hundreds_of_cases_arrives_in_requests_under_the_limit
);

/// The events this store already pushed, as the server holds them.
fn pushed(s: &Store, case_no: &str) -> Vec<WireEvent> {
    s.events(case_no)
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(i, e)| WireEvent {
            seq: i as i64 + 1,
            id: e.id,
            case_no: case_no.into(),
            event: e.event,
        })
        .collect()
}

fn hostile_pushes_are_refused_with_reasons_and_honest_events_still_arrive(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let central = Central::open(&db.url, keys()).unwrap();
    let server = Server::start(central.clone(), None);
    let mut s = store(dir.path(), "a");
    enroll(&mut s, &central, &server, "3211");
    let first = offline_cases(&mut s, "3211", 1);
    sync_now(&mut s, quick()).unwrap();
    let device = s.sync_link().unwrap().unwrap().device_id;
    let held = pushed(&s, &first[0]);
    assert_eq!(central.counts().unwrap(), (6, 0, 1));
    let push = |events: Vec<WireEvent>| {
        central
            .push(&device, "3211", &PushRequest { events })
            .unwrap()
    };

    // The same sequence with other content is not acknowledged as if it were the same.
    let mut changed = held[5].clone();
    changed.event.clerk = "冒名".into();
    let r = push(vec![changed]);
    assert!(r.gap && r.acked_through < 6, "{r:?}");
    assert!(r.rejected[0].reason.contains("内容不同"), "{r:?}");

    // An id already used, under a new sequence: the same content is the same event (stored
    // once, state untouched); other content is refused with its reason.
    let mut reused = held[0].clone();
    reused.seq = 7;
    let r = push(vec![reused.clone()]);
    assert_eq!((r.acked_through, r.rejected.len()), (7, 0), "{r:?}");
    reused.seq = 8;
    reused.event.clerk = "冒名".into();
    let r = push(vec![reused]);
    assert_eq!(r.acked_through, 8);
    assert!(r.rejected[0].reason.contains("已被使用且内容不同"), "{r:?}");

    // A device that completes a case waiting for central review.
    let mut complete = held[5].clone();
    complete.seq = 9;
    complete.id = "forged-complete".into();
    complete.event.change = Change::Completed;
    let r = push(vec![complete]);
    assert!(r.rejected[0].reason.contains("须经中心审核后办结"), "{r:?}");

    // A hand-over that names another point as its sender.
    let mut forged = held[5].clone();
    forged.seq = 10;
    forged.id = "forged-handover".into();
    forged.event.change = Change::HandedOver {
        sheet_no: "JJ-9999-20250926-01".into(),
        from: "9999".into(),
        to: "3211".into(),
        sheet: vec![first[0].clone()],
        case: None,
    };
    let r = push(vec![forged]);
    assert!(r.rejected[0].reason.contains("不是发送方网点"), "{r:?}");
    assert_eq!(
        central.counts().unwrap(),
        (6, 2, 1),
        "refusals stored, nothing else"
    );

    // The honest device's next cases still arrive, once, after the sequences the hostile
    // pushes used: the device follows the server's numbering (nothing the server holds lies
    // under the sequences it reuses; another event there would stop the device as a clone).
    let next = offline_cases(&mut s, "3211", 1);
    let r = sync_now(&mut s, quick()).unwrap();
    assert!(r.rejected.is_empty(), "{r:?}");
    assert_eq!(s.sync_state().unwrap().pending, 0);
    assert_eq!(central.counts().unwrap(), (12, 2, 2));
    assert_eq!(s.case(&next[0]).unwrap().state.as_str(), "accepted");
    server.stop();
}

fn a_sheet_of_hundreds_of_cases_arrives_in_requests_under_the_limit(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let central = Central::open(&db.url, keys()).unwrap();
    let server = Server::start(central.clone(), None);
    let mut v = store(dir.path(), "village");
    enroll(&mut v, &central, &server, "E01");
    central.enroll_code("D01", Some("D"), None).unwrap();
    // 300 cases: more than one request may carry (each hand-over event carries its case).
    let cases = offline_cases(&mut v, "E01", 300);
    v.hand_over(&cases, "E01", "D01", "村代办员", now())
        .unwrap();
    let all = v.outbox_batch(u32::MAX).unwrap();
    let bytes: usize = all
        .iter()
        .map(|e| serde_json::to_vec(e).unwrap().len())
        .sum();
    assert!(
        bytes > counter_core::proto::MAX_BODY,
        "the outbox ({bytes} bytes) would not fit one request"
    );
    // One push run with no count limit: the client splits by size.
    let opts = counter_sync::Options {
        batch: u32::MAX,
        ..quick()
    };
    let r = sync_now(&mut v, opts).unwrap();
    assert_eq!((r.pushed, r.rejected.len()), (2100, 0));
    assert_eq!(central.counts().unwrap(), (2100, 0, 300));
    server.stop();
}

fn enrolled_at(dir: &std::path::Path, server: &str) -> Store {
    let mut s = store(dir, "a");
    s.set_enrollment(server, "device-1", "key", "3211").unwrap();
    s
}

#[test]
fn an_acknowledgement_beyond_what_was_sent_deletes_nothing() {
    let server = fake_server(|path| match path {
        "/v1/events" => r#"{"acked_through": 999999, "rejected": [], "gap": false}"#.into(),
        _ => r#"{"changes": [], "cursor": 0}"#.into(),
    });
    let dir = tempfile::tempdir().unwrap();
    let mut s = enrolled_at(dir.path(), &server);
    offline_cases(&mut s, "3211", 1);
    let e = sync_now(&mut s, quick()).unwrap_err();
    assert!(e.to_string().contains("超出本机所发"), "{e}");
    assert_eq!(s.sync_state().unwrap().pending, 6, "the outbox is whole");
}

#[test]
fn a_page_that_does_not_move_the_cursor_stops_the_pull() {
    let server = fake_server(|path| {
        if path.starts_with("/v1/changes") {
            // The same page for ever.
            r#"{"changes": [{"seq": 1, "case_no": "3211-20250926-0001", "status": "in_review", "by": "x"}], "cursor": 1}"#.into()
        } else {
            "[]".into()
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let mut s = enrolled_at(dir.path(), &server);
    let e = sync_now(&mut s, quick()).unwrap_err();
    assert!(e.to_string().contains("游标未前进"), "{e}");
}
