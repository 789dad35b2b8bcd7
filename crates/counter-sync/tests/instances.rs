//! Two server instances over one database: an enrolment code is used once, however many
//! devices present it at the same moment through different instances.

use counter_testkit::prelude::*;

use counter_core::proto::EnrollRequest;

fn request(code: &str, window: u32) -> EnrollRequest {
    serde_json::from_value(serde_json::json!({ "code": code, "window": window })).unwrap()
}

fn a_code_is_used_once_whatever_instance_takes_it(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let keys = keys();
    let first = counter_server::Central::open(&db.url, keys.clone()).unwrap();
    let second = counter_server::Central::open(&db.url, keys).unwrap();
    for round in 0..12u32 {
        let code = first.enroll_code("3211", Some("C"), None).unwrap();
        let barrier = std::sync::Barrier::new(2);
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| {
                barrier.wait();
                first.enroll(&request(&code, 2 * round + 1))
            });
            let b = s.spawn(|| {
                barrier.wait();
                second.enroll(&request(&code, 2 * round + 2))
            });
            (a.join().unwrap(), b.join().unwrap())
        });
        let won = [&a, &b].iter().filter(|r| r.is_ok()).count();
        assert_eq!(
            won,
            1,
            "round {round}: {:?} / {:?}",
            a.as_ref().err().map(|e| e.to_string()),
            b.as_ref().err().map(|e| e.to_string())
        );
        let lost = [a, b]
            .into_iter()
            .find_map(Result::err)
            .unwrap()
            .to_string();
        assert!(
            lost.contains("已被使用") || lost.contains("数据库"),
            "round {round}: the other is refused with its reason: {lost}"
        );
    }
}

both!(a_code_is_used_once_whatever_instance_takes_it);

fn one_window_is_one_device_whatever_instance_enrols_it(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let keys = keys();
    let first = counter_server::Central::open(&db.url, keys.clone()).unwrap();
    let second = counter_server::Central::open(&db.url, keys).unwrap();
    for window in 1..=10u32 {
        let (c1, c2) = (
            first.enroll_code("3211", Some("C"), None).unwrap(),
            first.enroll_code("3211", Some("C"), None).unwrap(),
        );
        let barrier = std::sync::Barrier::new(2);
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| {
                barrier.wait();
                first.enroll(&request(&c1, window))
            });
            let b = s.spawn(|| {
                barrier.wait();
                second.enroll(&request(&c2, window))
            });
            (a.join().unwrap(), b.join().unwrap())
        });
        let won = [&a, &b].iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "window {window}: two devices took it");
        let lost = [a, b]
            .into_iter()
            .find_map(Result::err)
            .unwrap()
            .to_string();
        assert!(
            lost.contains("号窗口已由另一台设备") || lost.contains("数据库"),
            "window {window}: {lost}"
        );
    }
}

both!(one_window_is_one_device_whatever_instance_enrols_it);

/// Point 3211 enrolled through the first instance of a store served by two, with `n` accepted
/// cases synced.
struct Point {
    running: Running,
    second: counter_server::Central,
    s: counter_store::Store,
    cases: Vec<String>,
}

fn point_at_two_instances(backend: Backend, n: usize) -> Point {
    let running = running(backend);
    let second =
        counter_server::Central::open(&running.db.url, running.central.keys().clone()).unwrap();
    let mut s = store(running.dir.path(), "point");
    enroll(&mut s, &running.central, &running.server, "3211");
    let cases = offline_cases(&mut s, "3211", n);
    counter_sync::sync_now(&mut s, quick()).unwrap();
    Point {
        running,
        second,
        s,
        cases,
    }
}

/// The central office decides a case through one instance while another takes a decision on
/// it too (a reviewer completes what a colleague returns): the decisions serialize on the
/// case, so whatever order they take, the point that pulls them ends where the server is, and
/// a refused one says why (never a storage error).
fn two_decisions_on_one_case_through_two_instances_end_as_one_history(backend: Backend) {
    use counter_core::proto::RemoteStatus;
    let Point {
        running,
        second,
        mut s,
        cases,
    } = point_at_two_instances(backend, 12);
    let first = &running.central;
    for no in &cases {
        let barrier = std::sync::Barrier::new(2);
        let (a, b) = std::thread::scope(|t| {
            let a = t.spawn(|| {
                barrier.wait();
                first.decide(no, RemoteStatus::Completed, None, "甲审核", decided())
            });
            let b = t.spawn(|| {
                barrier.wait();
                second.decide(
                    no,
                    RemoteStatus::Returned,
                    Some("缺少发票原件"),
                    "乙审核",
                    decided(),
                )
            });
            (a.join().unwrap(), b.join().unwrap())
        });
        for refused in [a, b].into_iter().filter_map(Result::err) {
            let why = refused.to_string();
            assert!(
                why.contains("不能"),
                "{no}: refused without its reason: {why}"
            );
        }
    }
    counter_sync::sync_now(&mut s, quick()).unwrap();
    for no in &cases {
        let (state, _) = first.case_record(no).unwrap().unwrap();
        assert_eq!(
            s.case(no).unwrap().state.as_str(),
            state,
            "{no}: the point and the server disagree"
        );
    }
}

both!(two_decisions_on_one_case_through_two_instances_end_as_one_history);

/// A point withdraws a case (its push reaches one instance) while the central office completes
/// it through another: exactly one of them takes effect, and the other is refused with its
/// reason — never a case the server holds as both withdrawn and completed.
fn a_withdrawal_and_a_completion_of_one_case_never_both_take_effect(backend: Backend) {
    use counter_core::proto::{PushRequest, RemoteStatus};
    let Point {
        running,
        second,
        mut s,
        cases,
    } = point_at_two_instances(backend, 10);
    let first = &running.central;
    let device = s.sync_link().unwrap().unwrap().device_id;
    for no in &cases {
        s.update(no, |c| c.withdraw(Some("申请人撤回申请"), now()))
            .unwrap();
        let events = s.outbox_batch(100).unwrap();
        let barrier = std::sync::Barrier::new(2);
        let (pushed, completed) = std::thread::scope(|t| {
            let pushed = t.spawn(|| {
                barrier.wait();
                second.push(&device, "3211", &PushRequest { events })
            });
            let completed = t.spawn(|| {
                barrier.wait();
                first.decide(no, RemoteStatus::Completed, None, "甲审核", decided())
            });
            (pushed.join().unwrap(), completed.join().unwrap())
        });
        let pushed = pushed.expect("the push is answered");
        let (state, _) = first.case_record(no).unwrap().unwrap();
        match state.as_str() {
            "withdrawn" => {
                assert!(pushed.rejected.is_empty(), "{no}: {pushed:?}");
                let why = completed
                    .expect_err("completed a withdrawn case")
                    .to_string();
                assert!(why.contains("不能"), "{no}: {why}");
            }
            "completed" => {
                assert!(completed.is_ok(), "{no}: {completed:?}");
                assert_eq!(pushed.rejected.len(), 1, "{no}: withdrew a completed case");
            }
            other => panic!("{no}: {other}"),
        }
        s.ack_outbox(pushed.acked_through).unwrap();
    }
}

both!(a_withdrawal_and_a_completion_of_one_case_never_both_take_effect);

/// Decisions on the cases of one point through two instances at once, while the point pulls:
/// the cursor never passes a change that commits later, so every change reaches the pull
/// exactly once, in each case's order.
fn a_pull_during_concurrent_decisions_misses_no_change(backend: Backend) {
    use counter_core::proto::RemoteStatus;
    let Point {
        running,
        second,
        s: _,
        cases,
    } = point_at_two_instances(backend, 40);
    let first = &running.central;
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut seen: Vec<(String, RemoteStatus)> = Vec::new();
    std::thread::scope(|t| {
        let deciders: Vec<_> = cases
            .chunks(10)
            .enumerate()
            .map(|(i, chunk)| {
                let central = if i % 2 == 0 { first } else { &second };
                t.spawn(move || {
                    for status in [RemoteStatus::InReview, RemoteStatus::Completed] {
                        for no in chunk {
                            central.decide(no, status, None, "审核", decided()).unwrap();
                        }
                    }
                })
            })
            .collect();
        let puller = t.spawn(|| {
            let mut cursor = 0;
            let mut got = Vec::new();
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let page = first.changes("3211", cursor, 7).unwrap();
                cursor = page.cursor;
                let empty = page.changes.is_empty();
                got.extend(page.changes.into_iter().map(|c| (c.case_no, c.status)));
                if finished && empty {
                    return got;
                }
            }
        });
        for d in deciders {
            d.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        seen = puller.join().unwrap();
    });
    for no in &cases {
        let mine: Vec<&RemoteStatus> = seen
            .iter()
            .filter(|(c, _)| c == no)
            .map(|(_, s)| s)
            .collect();
        assert_eq!(
            mine,
            [&RemoteStatus::InReview, &RemoteStatus::Completed],
            "{no}: the pull saw these of its two decisions"
        );
    }
    assert_eq!(seen.len(), 80);
}

both!(a_pull_during_concurrent_decisions_misses_no_change);

/// A point's feed waits only on its own writers: while another session holds point 3211's feed
/// lock (as a transaction about to commit its changes does), a decision for 3211 waits and one
/// for 3212 goes through.
#[test]
fn one_points_feed_never_holds_up_another_points() {
    use counter_core::proto::RemoteStatus;
    let r = running(Backend::Postgres);
    let (mut a, mut b) = (store(r.dir.path(), "a"), store(r.dir.path(), "b"));
    enroll(&mut a, &r.central, &r.server, "3211");
    enroll(&mut b, &r.central, &r.server, "3212");
    let (ca, cb) = (
        offline_cases(&mut a, "3211", 1),
        offline_cases(&mut b, "3212", 1),
    );
    counter_sync::sync_now(&mut a, quick()).unwrap();
    counter_sync::sync_now(&mut b, quick()).unwrap();
    let mut other = postgres::Client::connect(&r.db.url, postgres::NoTls).unwrap();
    other
        .execute("SELECT pg_advisory_lock(2, hashtext($1))", &[&"3211"])
        .unwrap();
    let waiting = {
        let (c, no) = (r.central.clone(), ca[0].clone());
        std::thread::spawn(move || c.decide(&no, RemoteStatus::InReview, None, "审核", decided()))
    };
    let started = std::time::Instant::now();
    r.central
        .decide(&cb[0], RemoteStatus::InReview, None, "审核", decided())
        .unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        !waiting.is_finished(),
        "3211's change did not wait for its feed's lock"
    );
    assert_eq!(r.central.changes("3211", 0, 10).unwrap().changes.len(), 0);
    other
        .execute("SELECT pg_advisory_unlock(2, hashtext($1))", &[&"3211"])
        .unwrap();
    waiting.join().unwrap().unwrap();
    assert_eq!(r.central.changes("3211", 0, 10).unwrap().changes.len(), 1);
}

/// The instances of a province start together (after an update, after a power cut) on a new
/// database: their start-up work (migrations, the signing key's record) is done one at a time,
/// and every one comes up.
#[test]
fn instances_starting_together_all_come_up() {
    for round in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let db = CentralDb::new(dir.path(), Backend::Postgres);
        let keys = keys();
        let barrier = std::sync::Barrier::new(3);
        let opened: Vec<_> = std::thread::scope(|t| {
            let starting: Vec<_> = (0..3)
                .map(|_| {
                    t.spawn(|| {
                        barrier.wait();
                        counter_server::Central::open(&db.url, keys.clone())
                    })
                })
                .collect();
            starting.into_iter().map(|s| s.join().unwrap()).collect()
        });
        for (i, o) in opened.iter().enumerate() {
            assert!(
                o.is_ok(),
                "round {round}, instance {i}: {}",
                o.as_ref().err().unwrap()
            );
        }
    }
}
