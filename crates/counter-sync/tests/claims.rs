//! What a device may tell the server: the six ways through that an attacker with one device's
//! credentials, or an operator who copies a PC, found — each against the running server over
//! HTTPS, on SQLite and PostgreSQL, refused with its reason and leaving every other device's
//! cases as they were.

use counter_core::case::{Case, CaseEvent, Change, Form, OpenCase, RatingChannel, TimeLimitKind};
use counter_core::proto::{PushResponse, RemoteStatus, WireEvent};
use counter_server::Central;
use counter_store::Store;
use counter_sync::sync_now;
use counter_testkit::prelude::*;

both!(
    a_device_never_completes_what_needs_review,
    a_copied_store_is_stopped_on_both_pcs_and_merges_nothing,
    a_bare_device_id_never_takes_over_a_live_window,
    a_window_cannot_take_another_windows_numbers,
    a_sealed_value_moved_to_another_row_does_not_open,
    a_bad_token_never_locks_out_its_hall,
    a_rating_the_counters_would_not_make_is_refused
);

const ID: &str = "11010519491231002X";

/// A device's credentials used by hand: raw pushes over HTTPS, as an attacker would send them.
struct Raw {
    url: String,
    token: String,
    seq: i64,
}

impl Raw {
    fn enrolled(dir: &std::path::Path, name: &str, window: u32, r: &Running) -> (Raw, Store) {
        let mut s = store(dir, name);
        s.set_window(window);
        enroll(&mut s, &r.central, &r.server, "3211");
        let link = s.sync_link().unwrap().unwrap();
        let raw = Raw {
            url: r.server.url(),
            token: format!("{}.{}", link.device_id, link.key),
            seq: 0,
        };
        (raw, s)
    }

    fn push(&mut self, case_no: &str, events: Vec<CaseEvent>) -> (u16, serde_json::Value) {
        let events: Vec<WireEvent> = events
            .into_iter()
            .map(|event| {
                self.seq += 1;
                WireEvent {
                    seq: self.seq,
                    id: uuid_like(case_no, self.seq),
                    case_no: case_no.into(),
                    event,
                }
            })
            .collect();
        let resp = https_client()
            .post(format!("{}/v1/events", self.url))
            .bearer_auth(&self.token)
            .json(&serde_json::json!({ "events": events }))
            .send()
            .unwrap();
        (resp.status().as_u16(), resp.json().unwrap_or_default())
    }
}

fn uuid_like(case_no: &str, seq: i64) -> String {
    format!("hostile-{case_no}-{seq}")
}

fn reasons(v: &serde_json::Value) -> Vec<String> {
    let r: PushResponse = serde_json::from_value(v.clone()).unwrap();
    r.rejected.into_iter().map(|x| x.reason).collect()
}

/// An opening of 住院费用报销 (30 working days, reviewed centrally) under `case_no`, and the
/// case it makes.
fn opening(case_no: &str, name: &str) -> (Case, CaseEvent) {
    let set = counter_core::bundled::catalogs().unwrap();
    let mut req = OpenCase::person("national", "002036006002", "3211", "王芳", name, ID);
    req.case_no = case_no.into();
    Case::open(req, set.get("national").unwrap(), now()).unwrap()
}

fn ticks(case: &mut Case) -> Vec<CaseEvent> {
    ["m1", "m2", "m3", "m4"]
        .iter()
        .flat_map(|k| case.tick(k, Form::Original, 1, None, now()).unwrap())
        .collect()
}

fn ev(change: Change) -> CaseEvent {
    CaseEvent {
        at: now(),
        clerk: "王芳".into(),
        change,
    }
}

fn accepted(kind: TimeLimitKind) -> CaseEvent {
    ev(Change::Accepted {
        kind,
        due: Some(now().date()),
        provisional: false,
        calendar_version: "2026".into(),
    })
}

fn state(central: &Central, case_no: &str) -> String {
    central.case_record(case_no).unwrap().unwrap().0
}

fn a_device_never_completes_what_needs_review(backend: Backend) {
    let r = running(backend);
    let (mut raw, _) = Raw::enrolled(r.dir.path(), "hostile", 1, &r);
    // An honest window beside it, with a case of its own.
    let mut honest = store(r.dir.path(), "honest");
    honest.set_window(2);
    enroll(&mut honest, &r.central, &r.server, "3211");
    let theirs = offline_cases(&mut honest, "3211", 1);
    sync_now(&mut honest, quick()).unwrap();

    // (a) 即办 claimed for a 30-working-day item, then 办结.
    let no = "3211-20250926-0001";
    let (mut case, opened) = opening(no, "张三丰");
    let mut evs = vec![opened];
    evs.extend(ticks(&mut case));
    evs.push(accepted(TimeLimitKind::Immediate));
    evs.push(ev(Change::Completed));
    let (status, v) = raw.push(no, evs);
    assert_eq!(status, 200, "{v}");
    let why = reasons(&v);
    assert_eq!(why.len(), 2, "{why:?}");
    assert!(why[0].contains("与清单不符"), "{why:?}");
    assert!(why[1].contains("须经中心审核后办结"), "{why:?}");
    assert_eq!(state(&r.central, no), "draft");

    // (b) A central office's decision from a device, then 办结.
    let no = "3211-20250926-0002";
    let (mut case, opened) = opening(no, "李四");
    let mut evs = vec![opened];
    evs.extend(ticks(&mut case));
    evs.push(accepted(TimeLimitKind::WorkingDays));
    evs.push(ev(Change::ReviewStarted));
    evs.push(ev(Change::Completed));
    let (_, v) = raw.push(no, evs);
    let why = reasons(&v);
    assert!(why[0].contains("审核由中心作出"), "{why:?}");
    assert!(why[1].contains("须经中心审核后办结"), "{why:?}");
    assert_eq!(state(&r.central, no), "accepted");

    // (c) 受理 with no material received.
    let no = "3211-20250926-0003";
    let (_, opened) = opening(no, "王五");
    let (_, v) = raw.push(no, vec![opened, accepted(TimeLimitKind::WorkingDays)]);
    let why = reasons(&v);
    assert!(why[0].contains("缺"), "{why:?}");
    assert_eq!(state(&r.central, no), "draft");

    // The honest window's case is as it was; the centre still decides it.
    assert_eq!(state(&r.central, &theirs[0]), "accepted");
    r.central
        .decide(
            &theirs[0],
            RemoteStatus::Completed,
            None,
            "李审核",
            decided(),
        )
        .unwrap();
    sync_now(&mut honest, quick()).unwrap();
    assert_eq!(honest.case(&theirs[0]).unwrap().state.as_str(), "completed");
}

fn a_copied_store_is_stopped_on_both_pcs_and_merges_nothing(backend: Backend) {
    let r = running(backend);
    let dir = r.dir.path();
    let mut pc1 = store(dir, "pc1");
    enroll(&mut pc1, &r.central, &r.server, "3211");
    offline_cases(&mut pc1, "3211", 1);
    sync_now(&mut pc1, quick()).unwrap();
    // The PC is copied (store and key file) onto a second PC, a classic fault of reinstalls.
    drop(pc1);
    std::fs::copy(dir.join("pc1.db"), dir.join("clone.db")).unwrap();
    std::fs::copy(dir.join("pc1.key"), dir.join("clone.key")).unwrap();
    let mut pc1 = store(dir, "pc1");
    let mut clone = store(dir, "clone");
    // Each opens "its" next case: the same number for two applicants.
    let theirs = offline_cases(&mut pc1, "3211", 1);
    sync_now(&mut pc1, quick()).unwrap();
    let before = r.central.counts().unwrap();
    let ours = offline_cases(&mut clone, "3211", 1);
    assert_eq!(ours, theirs, "the copy makes the same number");
    let e = sync_now(&mut clone, quick()).unwrap_err();
    assert!(e.to_string().contains("同一注册"), "{e}");
    assert_eq!(
        r.central.counts().unwrap(),
        before,
        "nothing of the clone applied"
    );
    assert_eq!(clone.sync_state().unwrap().pending, 6, "kept on the clone");
    // The first PC is stopped too, with the same reason, and keeps what it makes.
    offline_cases(&mut pc1, "3211", 1);
    let e = sync_now(&mut pc1, quick()).unwrap_err();
    assert!(e.to_string().contains("同一注册"), "{e}");
    assert_eq!(pc1.sync_state().unwrap().pending, 6);
    let device = pc1.sync_link().unwrap().unwrap().device_id;
    assert!(r
        .central
        .flags()
        .unwrap()
        .iter()
        .any(|(c, _)| c == &format!("设备 {device}")));
    assert!(r
        .central
        .devices()
        .unwrap()
        .iter()
        .any(|d| d.id == device && d.cloned && !d.revoked));

    // What the operator does (docs/sync.md): revoke, and each PC enrols again at a window of
    // its own. The first PC's cases arrive; the clone's case under the taken number is
    // refused and flagged, never merged into the first applicant's.
    r.central.revoke(&device).unwrap();
    enroll(&mut pc1, &r.central, &r.server, "3211");
    let rep = sync_now(&mut pc1, quick()).unwrap();
    assert!(rep.rejected.is_empty(), "{rep:?}");
    // The supervisor chooses another window in the clone's settings before enrolling it.
    clone.set_window(2);
    enroll(&mut clone, &r.central, &r.server, "3211");
    let rep = sync_now(&mut clone, quick()).unwrap();
    assert!(
        rep.rejected[0].reason.contains("已被另一办件使用"),
        "{rep:?}"
    );
    let (_, owner) = r.central.case_record(&theirs[0]).unwrap().unwrap();
    assert_eq!(
        owner.unwrap(),
        pc1.sync_link().unwrap().unwrap().device_id,
        "the first applicant's case stays the first PC's"
    );
    assert_eq!(pc1.case(&theirs[0]).unwrap().applicant.name(), "张三");
    let next = offline_cases(&mut clone, "3211", 1);
    assert!(next[0].contains("-2-"), "{next:?}");
    let rep = sync_now(&mut clone, quick()).unwrap();
    assert!(rep.rejected.is_empty(), "{rep:?}");
}

fn a_bare_device_id_never_takes_over_a_live_window(backend: Backend) {
    let r = running(backend);
    let mut w2 = store(r.dir.path(), "w2");
    w2.set_window(2);
    enroll(&mut w2, &r.central, &r.server, "3211");
    let cases = offline_cases(&mut w2, "3211", 1);
    sync_now(&mut w2, quick()).unwrap();
    let victim = w2.sync_link().unwrap().unwrap();
    // Any pass of the point, and window 2's id (printed by `devices`, in every export).
    for key in [None, Some("0123456789abcdef")] {
        let code = r.central.enroll_code("3211", None, None).unwrap();
        let resp = https_client()
            .post(format!("{}/v1/enroll", r.server.url()))
            .json(&serde_json::json!({
                "code": code, "window": 2, "device_name": "冒名",
                "previous_device": victim.device_id, "previous_key": key,
            }))
            .send()
            .unwrap();
        assert_eq!(resp.status().as_u16(), 400);
        let text = resp.text().unwrap();
        assert!(text.contains("仍在使用中"), "{text}");
    }
    // Window 2 is still in service, holds its cases, and syncs.
    let d = r.central.devices().unwrap();
    assert!(d.iter().any(|d| d.id == victim.device_id && !d.revoked));
    assert_eq!(d.len(), 1, "no device was made");
    offline_cases(&mut w2, "3211", 1);
    let rep = sync_now(&mut w2, quick()).unwrap();
    assert!(rep.rejected.is_empty(), "{rep:?}");
    assert_eq!(state(&r.central, &cases[0]), "accepted");
    // The store that holds the seat's key takes it over (the same PC reinstalled).
    enroll(&mut w2, &r.central, &r.server, "3211");
    assert!(r
        .central
        .devices()
        .unwrap()
        .iter()
        .any(|d| d.id == victim.device_id && d.revoked));
}

fn a_window_cannot_take_another_windows_numbers(backend: Backend) {
    let r = running(backend);
    let mut w1 = store(r.dir.path(), "w1");
    enroll(&mut w1, &r.central, &r.server, "3211");
    let (mut w3, _) = Raw::enrolled(r.dir.path(), "w3", 3, &r);
    // Window 3 pushes an opening under window 1's next number.
    let no = "3211-20250926-0001";
    let (_, opened) = opening(no, "冒名者");
    let (_, v) = w3.push(no, vec![opened]);
    let why = reasons(&v);
    assert!(
        why[0].contains("是 1 号窗口的编号，本机是 3 号窗口"),
        "{why:?}"
    );
    // Window 1's real case of that number arrives, and the flag names window 3's device.
    let mine = offline_cases(&mut w1, "3211", 1);
    assert_eq!(mine[0], no);
    let rep = sync_now(&mut w1, quick()).unwrap();
    assert!(rep.rejected.is_empty(), "{rep:?}");
    assert_eq!(state(&r.central, no), "accepted");
    let flags = r.central.flags().unwrap();
    assert!(
        flags.iter().all(|(_, why)| why.contains("3 号窗口")),
        "{flags:?}"
    );
}

/// Swaps one column's values between the first two rows `read` lists (key, value), behind
/// the server's back, as someone with write access to the database and no key would.
fn swap(r: &Running, backend: Backend, read: &str, write: &str) {
    match backend {
        Backend::Sqlite => {
            let path = r.db.url.strip_prefix("sqlite:").unwrap();
            let conn = rusqlite::Connection::open(path).unwrap();
            let rows: Vec<(String, String)> = conn
                .prepare(read)
                .unwrap()
                .query_map([], |x| Ok((x.get(0)?, x.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let (a, b) = (&rows[0], &rows[1]);
            conn.execute(write, rusqlite::params![a.0, b.1]).unwrap();
            conn.execute(write, rusqlite::params![b.0, a.1]).unwrap();
        }
        Backend::Postgres => {
            let mut c = postgres::Client::connect(&r.db.url, postgres::NoTls).unwrap();
            let rows: Vec<(String, String)> = c
                .query(read, &[])
                .unwrap()
                .iter()
                .map(|x| (x.get(0), x.get(1)))
                .collect();
            let (a, b) = (&rows[0], &rows[1]);
            let write = write.replace("?1", "$1").replace("?2", "$2");
            c.execute(write.as_str(), &[&a.0, &b.1]).unwrap();
            c.execute(write.as_str(), &[&b.0, &a.1]).unwrap();
        }
    }
}

fn a_sealed_value_moved_to_another_row_does_not_open(backend: Backend) {
    let r = running(backend);
    let mut a = store(r.dir.path(), "a");
    enroll(&mut a, &r.central, &r.server, "3211");
    let cases = offline_cases(&mut a, "3211", 3);
    sync_now(&mut a, quick()).unwrap();
    for (no, reason) in cases
        .iter()
        .zip(["张三丰：缺发票原件", "赵六：诊断证明不清"])
    {
        r.central
            .decide(
                no,
                RemoteStatus::Returned,
                Some(reason),
                "李审核",
                decided(),
            )
            .unwrap();
    }
    // The two sealed return reasons swapped between their rows.
    swap(
        &r,
        backend,
        "SELECT CAST(seq AS TEXT), reason FROM changes WHERE status = 'returned' ORDER BY seq",
        "UPDATE changes SET reason = ?2 WHERE CAST(seq AS TEXT) = ?1",
    );
    let e = sync_now(&mut a, quick()).unwrap_err();
    assert!(e.to_string().contains("服务器"), "{e}");
    for no in &cases[..2] {
        let c = a.case(no).unwrap();
        assert_eq!(
            c.state.as_str(),
            "accepted",
            "no decision taken from a moved row"
        );
        assert!(c.reason.is_none(), "{:?}", c.reason);
    }
    // The judged cases themselves: swapped, they do not open, and no decision is taken on
    // the wrong applicant's case.
    swap(
        &r,
        backend,
        "SELECT case_no, body FROM cases ORDER BY case_no",
        "UPDATE cases SET body = ?2 WHERE case_no = ?1",
    );
    let e = r
        .central
        .decide(
            &cases[0],
            RemoteStatus::Completed,
            None,
            "李审核",
            decided(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("与所在的行不符"), "{e}");
    // A row the swaps did not touch still works.
    r.central
        .decide(&cases[2], RemoteStatus::InReview, None, "李审核", decided())
        .unwrap();
}

fn a_bad_token_never_locks_out_its_hall(backend: Backend) {
    let r = running(backend);
    let mut good = store(r.dir.path(), "good");
    enroll(&mut good, &r.central, &r.server, "3211");
    let get = |auth: Option<&str>| {
        let mut req = https_client().get(format!("{}/v1/changes", r.server.url()));
        if let Some(a) = auth {
            req = req.bearer_auth(a);
        }
        req.send().unwrap().status().as_u16()
    };
    // One PC with a revoked key retrying, and random tokens: all from this hall's address.
    let stale: Vec<u16> = (0..8)
        .map(|_| get(Some("old-device.revoked-key")))
        .collect();
    assert_eq!(&stale[..5], &[401; 5], "{stale:?}");
    assert_eq!(&stale[5..], &[429; 3], "{stale:?}");
    let random: Vec<u16> = (0..20).map(|i| get(Some(&format!("x{i}.y")))).collect();
    assert!(
        random.contains(&429),
        "the address is limited too: {random:?}"
    );
    // The hall's good device is served, whatever the others did.
    offline_cases(&mut good, "3211", 1);
    let rep = sync_now(&mut good, quick()).unwrap();
    assert!(rep.rejected.is_empty(), "{rep:?}");
    // No credentials at all: 401, never 429.
    assert_eq!(get(None), 401);
}

fn rated(score: u8, follow_up_due: Option<chrono::NaiveDate>) -> CaseEvent {
    ev(Change::Rated {
        score,
        channel: RatingChannel::Counter,
        comment: None,
        follow_up_due,
    })
}

/// The console counts 满意度 and open 差评 from the server's copy: a device's rating must be
/// one the counters' rules would make.
fn a_rating_the_counters_would_not_make_is_refused(backend: Backend) {
    let r = running(backend);
    let (mut raw, _) = Raw::enrolled(r.dir.path(), "hostile", 1, &r);
    let day = now().date();
    let soon = day + chrono::Days::new(21);

    // On a draft.
    let no = "3211-20250926-0001";
    let (_, opened) = opening(no, "张三丰");
    let (_, v) = raw.push(no, vec![opened, rated(1, Some(soon))]);
    let why = reasons(&v);
    assert!(why[0].contains("草稿"), "{why:?}");

    let no = "3211-20250926-0002";
    let (mut case, opened) = opening(no, "李四");
    let mut evs = vec![opened];
    evs.extend(ticks(&mut case));
    evs.push(accepted(TimeLimitKind::WorkingDays));
    evs.extend([
        rated(0, None),
        rated(9, None),
        rated(1, None),
        rated(5, Some(soon)),
        rated(2, Some(day + chrono::Days::new(400))),
        rated(2, Some(day - chrono::Days::new(1))),
        rated(2, Some(soon)),
    ]);
    let (status, v) = raw.push(no, evs);
    assert_eq!(status, 200, "{v}");
    let why = reasons(&v);
    assert_eq!(why.len(), 6, "{why:?}");
    for (w, words) in why
        .iter()
        .zip(["1至5", "1至5", "须有回访期限", "只有差评", "不符", "不符"])
    {
        assert!(w.contains(words), "{words}: {why:?}");
    }
    // Only the honest one is in the copy the console counts.
    let copy = r.central.judged(no).unwrap().unwrap().case.unwrap();
    let scores: Vec<u8> = copy.ratings.iter().map(|x| x.score).collect();
    assert_eq!(scores, [2]);
    assert_eq!(copy.follow_up_due(), Some(soon));
}
