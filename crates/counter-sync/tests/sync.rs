//! The real server on 127.0.0.1 and the real client, with faults between them: every event
//! reaches the server exactly once, and central decisions come back to the point. Every test
//! runs twice, against the SQLite and the PostgreSQL backend (the conformance suite); the
//! PostgreSQL server is named by COUNTER_TEST_PG, which the test command sets.

use counter_core::bundled;
use counter_core::case::CaseState;
use counter_core::proto::RemoteStatus;
use counter_server::Central;
use counter_store::LedgerQuery;
use counter_sync::{sync_now, Options, SyncError};
use counter_testkit::prelude::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A server that takes the connection and never answers: the run ends within its timeouts and
/// says so in words a clerk can act on, and nothing leaves the outbox.
#[test]
fn a_server_that_never_answers_is_reported_within_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path(), "point");
    offline_cases(&mut s, "3211", 2);
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in silent.incoming().take(8) {
            held.push(c);
        }
        std::thread::sleep(std::time::Duration::from_secs(30));
    });
    s.set_enrollment(&format!("http://{addr}"), "dev", "key", "3211")
        .unwrap();
    let started = std::time::Instant::now();
    let err = sync_now(
        &mut s,
        Options {
            retries: 1,
            timeout: std::time::Duration::from_secs(1),
            connect_timeout: std::time::Duration::from_secs(1),
            ..Options::default()
        },
    )
    .unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let text = err.to_string();
    assert!(
        text.contains("没有应答") && !text.contains("error sending"),
        "{text}"
    );
    assert_eq!(s.outbox_len().unwrap(), 12);
}

fn a_week_offline_with_thousands_of_cases_arrives_exactly_once_and_decisions_come_back(
    backend: Backend,
) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let central = Central::open(&db.url, keys()).unwrap();
    let server = Server::start(central.clone(), None);
    let mut s = store(dir.path(), "village");
    // A village point offline for a week: 3,000 cases, 18,000 events.
    let cases = offline_cases(&mut s, "3211", 3000);
    assert_eq!(s.outbox_len().unwrap(), 18000);
    enroll(&mut s, &central, &server, "3211");
    let r = sync_now(&mut s, quick()).unwrap();
    assert_eq!((r.pushed, r.pulled, r.rejected.len()), (18000, 0, 0));
    assert_eq!(central.counts().unwrap(), (18000, 0, 3000));
    assert_eq!(s.outbox_len().unwrap(), 0);
    // Nothing new: nothing sent.
    assert_eq!(sync_now(&mut s, quick()).unwrap().pushed, 0);
    assert_eq!(central.counts().unwrap(), (18000, 0, 3000));
    // The central office completes one case and returns another; the point sees both.
    central
        .decide(
            &cases[0],
            RemoteStatus::Completed,
            None,
            "李审核",
            decided(),
        )
        .unwrap();
    central
        .decide(
            &cases[1],
            RemoteStatus::Returned,
            Some("票据不清"),
            "李审核",
            decided(),
        )
        .unwrap();
    let r = sync_now(&mut s, quick()).unwrap();
    assert_eq!(r.pulled, 2);
    let row = |no: &str| {
        s.ledger(
            &LedgerQuery {
                case_no: Some(no.into()),
                ..Default::default()
            },
            now().date(),
        )
        .unwrap()[0]
            .clone()
    };
    assert_eq!(row(&cases[0]).state, CaseState::Completed);
    assert_eq!(row(&cases[1]).state, CaseState::Returned);
    assert_eq!(
        s.case(&cases[1]).unwrap().reason.as_deref(),
        Some("票据不清")
    );
    let last = s.events(&cases[0]).unwrap();
    assert_eq!(last.last().unwrap().event.clerk, "中心：李审核");
    // The completion carries the decision's own time and author, not the acceptance's.
    let done = s.case(&cases[0]).unwrap();
    assert_eq!(done.completed_at, Some(decided()));
    assert_eq!(done.completed_by.as_deref(), Some("中心：李审核"));
    assert!(done.acceptance.unwrap().at < decided());
    assert_eq!(last.last().unwrap().event.at, decided());
    // Pulled changes are not echoed back, and pulling again changes nothing.
    assert_eq!(s.outbox_len().unwrap(), 0);
    assert_eq!(sync_now(&mut s, quick()).unwrap().pulled, 0);
    let st = s.sync_state().unwrap();
    assert!(st.last_success.is_some() && st.last_error.is_none() && st.pending == 0);
    server.stop();
}

/// Forwards HTTP requests to `upstream`; the first `drop_after` responses are swallowed after
/// the server has answered (the connection dies after commit), the next `drop_before`
/// requests are cut before they reach the server.
fn proxy(
    upstream: SocketAddr,
    drop_after: usize,
    drop_before: usize,
) -> (SocketAddr, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut client) = conn else { continue };
            let count = count.clone();
            std::thread::spawn(move || loop {
                let Some(req) = read_http(&mut client) else {
                    return;
                };
                let n = count.fetch_add(1, Ordering::SeqCst);
                if n >= drop_after && n < drop_after + drop_before {
                    return; // cut before the server sees it
                }
                let Ok(mut up) = TcpStream::connect(upstream) else {
                    return;
                };
                if up.write_all(&req).is_err() {
                    return;
                }
                let Some(resp) = read_http(&mut up) else {
                    return;
                };
                if n < drop_after {
                    return; // the server committed; the answer is lost
                }
                if client.write_all(&resp).is_err() {
                    return;
                }
            });
        }
    });
    (addr, seen)
}

/// Reads one HTTP/1.1 message (head and a Content-Length body).
fn read_http(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    buf.extend(body);
    Some(buf)
}

fn lost_answers_and_cut_requests_are_retried_without_duplicates(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    // The fault proxy reads HTTP messages, so this server speaks plain HTTP on loopback (the
    // one place the client allows it); TLS is the rest of the suite's, and trust.rs's.
    let central = Central::open(&db.url, counter_server::Keys::ephemeral()).unwrap();
    let server = Server::start(central.clone(), None);
    let mut s = store(dir.path(), "township");
    offline_cases(&mut s, "3212", 100);
    enroll(&mut s, &central, &server, "3212");
    // Point the device at the faulty proxy.
    let (addr, seen) = proxy(server.addr, 2, 2);
    let link = s.sync_link().unwrap().unwrap();
    s.set_enrollment(
        &format!("http://{addr}"),
        &link.device_id,
        &link.key,
        &link.point,
    )
    .unwrap();
    let r = sync_now(
        &mut s,
        Options {
            batch: 150,
            ..quick()
        },
    )
    .unwrap();
    assert_eq!(r.pushed, 600);
    assert!(seen.load(Ordering::SeqCst) >= 8, "faults were injected");
    assert_eq!(central.counts().unwrap(), (600, 0, 100));
    assert_eq!(s.outbox_len().unwrap(), 0);
    server.stop();
}

fn a_server_restart_between_runs_loses_nothing(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    // The restarted server opens the database with the same key directory.
    let server_keys = keys();
    let central = Central::open(&db.url, server_keys.clone()).unwrap();
    let server = Server::start(central.clone(), None);
    let mut s = store(dir.path(), "point");
    offline_cases(&mut s, "3213", 50);
    enroll(&mut s, &central, &server, "3213");
    let addr = server.stop();
    // The server is down: the run fails in words, and keeps everything.
    let err = sync_now(
        &mut s,
        Options {
            retries: 1,
            ..quick()
        },
    )
    .unwrap_err();
    assert!(matches!(err, SyncError::Network(_)), "{err}");
    assert!(s
        .sync_state()
        .unwrap()
        .last_error
        .unwrap()
        .contains("无法连接中心服务器"));
    assert_eq!(s.outbox_len().unwrap(), 300);
    drop(central);
    let central = Central::open(&db.url, server_keys).unwrap();
    let server = Server::start(central.clone(), Some(addr));
    assert_eq!(sync_now(&mut s, quick()).unwrap().pushed, 300);
    assert_eq!(central.counts().unwrap(), (300, 0, 50));
    server.stop();
}

fn gaps_foreign_cases_and_revoked_devices_are_refused_clearly(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let central = Central::open(&db.url, keys()).unwrap();
    let server = Server::start(central.clone(), None);
    let mut s = store(dir.path(), "a");
    offline_cases(&mut s, "3214", 2);
    enroll(&mut s, &central, &server, "3214");
    let link = s.sync_link().unwrap().unwrap();
    let mut events = s.outbox_batch(100).unwrap();
    // A batch that skips ahead: nothing stored, the gap reported.
    let r = central
        .push(
            &link.device_id,
            "3214",
            &counter_core::proto::PushRequest {
                events: events[3..].to_vec(),
            },
        )
        .unwrap();
    assert!(r.gap && r.acked_through == 0);
    // An event for another point's case is stored as rejected, acknowledged, and explained.
    events[0].case_no = "9999-20250926-0001".into();
    let r = central
        .push(
            &link.device_id,
            "3214",
            &counter_core::proto::PushRequest {
                events: events[..1].to_vec(),
            },
        )
        .unwrap();
    assert_eq!(r.acked_through, 1);
    assert!(
        r.rejected[0].reason.contains("不属于网点 3214"),
        "{:?}",
        r.rejected
    );
    // The device's sync resumes after the acknowledged event.
    s.ack_outbox(1).unwrap();
    let r = sync_now(&mut s, quick()).unwrap();
    assert_eq!(r.pushed, 11);
    // The rejected event was the first case's opening: the server never registered that case,
    // so its later events are refused by the case rules too (and kept, with the reason, on the
    // device); the second case arrives whole.
    assert_eq!(central.counts().unwrap(), (6, 6, 1));
    let kept = s.rejections(None).unwrap();
    assert_eq!(kept.len(), 5);
    assert!(kept.iter().all(|r| r.reason.contains("未登记")), "{kept:?}");
    // A revoked device is turned away with a message.
    central.revoke(&link.device_id).unwrap();
    offline_cases(&mut s, "3214", 1);
    let err = sync_now(&mut s, quick()).unwrap_err();
    assert!(err.to_string().contains("设备未注册或已停用"), "{err}");
    assert_eq!(s.outbox_len().unwrap(), 6);
    // A used enrolment code does not enrol twice.
    let code = central.enroll_code("3214", None, None).unwrap();
    counter_sync::enroll(&mut s, &server.url(), &code, "x").unwrap();
    let err = counter_sync::enroll(&mut s, &server.url(), &code, "x").unwrap_err();
    assert!(err.to_string().contains("注册码已被使用"), "{err}");
    server.stop();
}

fn the_same_applicant_and_item_open_at_two_points_is_flagged_not_merged(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let central = Central::open(&db.url, keys()).unwrap();
    let server = Server::start(central.clone(), None);
    let mut a = store(dir.path(), "a");
    let mut b = store(dir.path(), "b");
    let ca = offline_cases(&mut a, "3215", 1);
    let cb = offline_cases(&mut b, "3216", 1);
    enroll(&mut a, &central, &server, "3215");
    enroll(&mut b, &central, &server, "3216");
    sync_now(&mut a, quick()).unwrap();
    assert!(central.flags().unwrap().is_empty());
    sync_now(&mut b, quick()).unwrap();
    assert_eq!(central.flags().unwrap(), [(cb[0].clone(), ca[0].clone())]);
    assert_eq!(central.counts().unwrap(), (12, 0, 2), "both cases kept");
    server.stop();
}

fn catalogs_arrive_signed_and_a_tampered_or_older_one_is_refused(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let central = Central::open(&db.url, keys()).unwrap();
    let server = Server::start(central.clone(), None);
    let mut s = store(dir.path(), "point");
    enroll(&mut s, &central, &server, "3217");
    let national = bundled::CATALOG_FILES
        .iter()
        .find(|f| f.0 == "national.toml")
        .unwrap()
        .1
        .replace("edition = \"附件1\"", "edition = \"附件1（2026年修订）\"");
    assert!(
        central.publish("catalog", "[catalog]\nid = 1").is_err(),
        "a broken catalog is not published"
    );
    assert_eq!(
        central.publish("catalog", &national).unwrap(),
        ("national".into(), 1)
    );
    let cal = bundled::CALENDAR_FILE.1;
    central.publish("calendar", cal).unwrap();
    let r = sync_now(&mut s, quick()).unwrap();
    assert_eq!((r.snapshots, r.refused.len()), (2, 0), "{:?}", r.refused);
    let kept = s.snapshots().unwrap();
    assert_eq!(
        kept.iter()
            .map(|k| (k.kind.as_str(), k.id.as_str(), k.version))
            .collect::<Vec<_>>(),
        [("calendar", "calendar", 1), ("catalog", "national", 1)]
    );
    // The counter now works from the received edition.
    let (set, problems) = bundled::catalogs_with(&[("national".into(), kept[1].text.clone())], &[]);
    assert!(problems.is_empty());
    assert_eq!(
        set.get("national").unwrap().header.edition,
        "附件1（2026年修订）"
    );
    // A second edition altered after signing is refused; the first stays.
    central
        .publish(
            "catalog",
            &national.replace("2026年修订", "2026年第二次修订"),
        )
        .unwrap();
    central
        .tamper(
            "catalog",
            "national",
            &national.replace("住院费用报销", "住院费用报销（篡改）"),
        )
        .unwrap();
    let r = sync_now(&mut s, quick()).unwrap();
    assert_eq!(r.snapshots, 0);
    assert!(
        r.refused[0].contains("签名与中心公钥不符"),
        "{:?}",
        r.refused
    );
    assert_eq!(s.snapshot_version("catalog", "national").unwrap(), 1);
    // An edition older than the one kept is refused even with a good signature.
    let v1 = central.snapshot("catalog", "national", 1).unwrap();
    let key = s.server_key().unwrap().unwrap();
    let listed = |version| counter_core::proto::SnapshotInfo {
        kind: "catalog".into(),
        id: "national".into(),
        version,
    };
    assert!(counter_sync::check_snapshot(&key, &listed(1), &v1, 0).is_ok());
    let older = counter_sync::check_snapshot(&key, &listed(1), &v1, 2).unwrap_err();
    assert!(older.contains("不比本机的第2版新"), "{older}");
    // Kind, id and version are checked as one: a signed older edition (or another snapshot)
    // served under a newer listing is refused.
    let swapped = counter_sync::check_snapshot(&key, &listed(3), &v1, 2).unwrap_err();
    assert!(swapped.contains("发来的却是"), "{swapped}");
    let cal = central.snapshots().unwrap();
    assert!(cal.iter().any(|c| c.kind == "catalog"));
    server.stop();
}

fn two_points_sync_at_once_and_each_sees_only_its_own_changes(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let central = Central::open(&db.url, keys()).unwrap();
    let server = Server::start(central.clone(), None);
    let mut a = store(dir.path(), "a");
    let mut b = store(dir.path(), "b");
    let ca = offline_cases(&mut a, "3218", 150);
    offline_cases(&mut b, "3219", 150);
    enroll(&mut a, &central, &server, "3218");
    enroll(&mut b, &central, &server, "3219");
    let ta = std::thread::spawn(move || {
        (
            sync_now(
                &mut a,
                Options {
                    batch: 50,
                    ..quick()
                },
            )
            .unwrap(),
            a,
        )
    });
    let tb = std::thread::spawn(move || {
        (
            sync_now(
                &mut b,
                Options {
                    batch: 50,
                    ..quick()
                },
            )
            .unwrap(),
            b,
        )
    });
    let (ra, mut a) = ta.join().unwrap();
    let (rb, mut b) = tb.join().unwrap();
    assert_eq!((ra.pushed, rb.pushed), (900, 900));
    assert_eq!(central.counts().unwrap(), (1800, 0, 300));
    // A decision on point A's case reaches A only.
    central
        .decide(&ca[3], RemoteStatus::Completed, None, "李审核", decided())
        .unwrap();
    assert_eq!(sync_now(&mut b, quick()).unwrap().pulled, 0);
    assert_eq!(sync_now(&mut a, quick()).unwrap().pulled, 1);
    // The API description is served as kept in the repository.
    let served = https_client()
        .get(format!("{}/openapi.yaml", server.url()))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(served, counter_server::OPENAPI);
    assert!(served.contains("/v1/snapshots"));
    server.stop();
}

both!(two_points_sync_at_once_and_each_sees_only_its_own_changes);
both!(
    catalogs_arrive_signed_and_a_tampered_or_older_one_is_refused,
    a_week_offline_with_thousands_of_cases_arrives_exactly_once_and_decisions_come_back,
    lost_answers_and_cut_requests_are_retried_without_duplicates,
    a_server_restart_between_runs_loses_nothing,
    gaps_foreign_cases_and_revoked_devices_are_refused_clearly,
    the_same_applicant_and_item_open_at_two_points_is_flagged_not_merged
);
