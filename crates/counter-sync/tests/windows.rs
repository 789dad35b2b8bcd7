//! Many windows at one point, re-enrolment and restored backups, through the real server on
//! 127.0.0.1 and real stores: no case number names two applicants, no case is lost, nothing is
//! pushed twice or skipped. Every test runs against SQLite and PostgreSQL.

use counter_core::case::CaseState;
use counter_core::proto::RemoteStatus;
use counter_store::Store;
use counter_sync::sync_now;
use counter_testkit::prelude::*;

both!(
    two_windows_of_one_point_number_apart_and_a_decision_changes_one_case,
    a_misconfigured_window_is_refused_and_flagged_never_merged,
    a_revoked_device_enrolled_again_continues_its_history,
    a_store_restored_from_a_backup_reuses_no_number_and_loses_nothing
);

/// A temporary folder, a central store on `backend` and the server in front of it.
fn world(
    backend: Backend,
) -> (
    tempfile::TempDir,
    CentralDb,
    counter_server::Central,
    Server,
) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let central = counter_server::Central::open(&db.url, keys()).unwrap();
    let server = Server::start(central.clone(), None);
    (dir, db, central, server)
}

fn states(s: &Store, cases: &[String]) -> Vec<CaseState> {
    cases.iter().map(|c| s.case(c).unwrap().state).collect()
}

fn enroll_window(s: &mut Store, central: &counter_server::Central, server: &Server, window: u32) {
    s.set_window(window);
    enroll(s, central, server, "3211");
}

fn two_windows_of_one_point_number_apart_and_a_decision_changes_one_case(backend: Backend) {
    let (dir, _db, central, server) = world(backend);
    let mut a = store(dir.path(), "window1");
    let mut b = store(dir.path(), "window2");
    enroll_window(&mut a, &central, &server, 1);
    // A second computer may not take a window another one of the point holds.
    b.set_window(1);
    let code = central.enroll_code("3211", Some("E"), None).unwrap();
    let e = counter_sync::enroll(&mut b, &server.url(), &code, "窗口二").unwrap_err();
    assert!(e.to_string().contains("1 号窗口已由另一台设备"), "{e}");
    enroll_window(&mut b, &central, &server, 2);
    let seats: Vec<(String, i64, bool)> = central
        .devices()
        .unwrap()
        .into_iter()
        .map(|d| (d.point, d.window, d.revoked))
        .collect();
    assert_eq!(
        seats,
        [("3211".into(), 1, false), ("3211".into(), 2, false)]
    );
    // The same morning, offline, each window opens cases.
    let ours = offline_cases(&mut a, "3211", 3);
    let theirs = offline_cases(&mut b, "3211", 3);
    assert!(
        theirs.iter().all(|n| n.starts_with("3211-20250926-2-")),
        "{theirs:?}"
    );
    let mut all: Vec<&String> = ours.iter().chain(&theirs).collect();
    all.sort();
    all.dedup();
    assert_eq!(
        all.len(),
        6,
        "every case number is distinct: {ours:?} {theirs:?}"
    );
    sync_now(&mut a, quick()).unwrap();
    sync_now(&mut b, quick()).unwrap();
    assert_eq!(central.counts().unwrap(), (36, 0, 6));
    // A central completion of one case changes that case only, on both devices.
    central
        .decide(&ours[0], RemoteStatus::Completed, None, "李审核", decided())
        .unwrap();
    sync_now(&mut a, quick()).unwrap();
    sync_now(&mut b, quick()).unwrap();
    assert_eq!(
        states(&a, &ours),
        [
            CaseState::Completed,
            CaseState::Accepted,
            CaseState::Accepted
        ]
    );
    assert_eq!(states(&b, &theirs), [CaseState::Accepted; 3]);
    assert!(
        theirs.iter().all(|n| a.case(n).is_err()),
        "window 1 holds none of window 2's"
    );
}

fn a_misconfigured_window_is_refused_and_flagged_never_merged(backend: Backend) {
    let (dir, _db, central, server) = world(backend);
    let mut a = store(dir.path(), "a");
    let mut b = store(dir.path(), "b");
    enroll_window(&mut a, &central, &server, 1);
    enroll_window(&mut b, &central, &server, 2);
    // A store that numbers with another device's window (a settings file copied between PCs
    // before this release): the same number for two applicants.
    b.confirm_window(1).unwrap();
    let first = offline_cases(&mut a, "3211", 1);
    let second = offline_cases(&mut b, "3211", 1);
    assert_eq!(first, second);
    sync_now(&mut a, quick()).unwrap();
    let r = sync_now(&mut b, quick()).unwrap();
    assert!(
        r.rejected[0]
            .reason
            .contains("是 1 号窗口的编号，本机是 2 号窗口"),
        "{:?}",
        r.rejected
    );
    assert!(r.rejected[1..]
        .iter()
        .all(|x| x.reason.contains("另一台设备登记")));
    assert_eq!(
        b.rejections(None).unwrap().len(),
        6,
        "kept, with reasons, on the device"
    );
    // Flagged for the central office, and the server holds one case, the first applicant's.
    assert!(central.flags().unwrap().iter().any(|(c, _)| c == &first[0]));
    assert_eq!(central.counts().unwrap(), (6, 6, 1));
    central
        .decide(
            &first[0],
            RemoteStatus::Completed,
            None,
            "李审核",
            decided(),
        )
        .unwrap();
    sync_now(&mut a, quick()).unwrap();
    sync_now(&mut b, quick()).unwrap();
    assert_eq!(states(&a, &first), [CaseState::Completed]);
    assert_eq!(
        states(&b, &second),
        [CaseState::Accepted],
        "the other applicant's case is not completed by a decision on the first"
    );
}

fn a_revoked_device_enrolled_again_continues_its_history(backend: Backend) {
    let (dir, _db, central, server) = world(backend);
    let mut a = store(dir.path(), "a");
    enroll_window(&mut a, &central, &server, 1);
    let before = offline_cases(&mut a, "3211", 2);
    sync_now(&mut a, quick()).unwrap();
    let old = a.sync_link().unwrap().unwrap().device_id;
    central.revoke(&old).unwrap();
    // Enrolled again with a new code: the same window is free again (its holder was this
    // store), and the store's cases and sequence go on.
    enroll_window(&mut a, &central, &server, 1);
    let after = offline_cases(&mut a, "3211", 1);
    let r = sync_now(&mut a, quick()).unwrap();
    assert_eq!((r.pushed, r.rejected.len()), (6, 0), "{r:?}");
    assert_eq!(a.sync_state().unwrap().pending, 0);
    assert_eq!(central.counts().unwrap(), (18, 0, 3), "each event once");
    // A decision on a case opened before the re-enrolment still reaches this store.
    central
        .decide(
            &before[0],
            RemoteStatus::Completed,
            None,
            "李审核",
            decided(),
        )
        .unwrap();
    sync_now(&mut a, quick()).unwrap();
    assert_eq!(
        states(&a, &[before[0].clone(), after[0].clone()]),
        [CaseState::Completed, CaseState::Accepted]
    );
    // The export of the re-enrolled store imports too (a point without a network).
    offline_cases(&mut a, "3211", 1);
    let file = dir.path().join("export.json");
    counter_sync::export(&a, &file).unwrap();
    let r = central
        .import(&std::fs::read_to_string(&file).unwrap())
        .unwrap();
    assert!(!r.gap && r.rejected.is_empty(), "{r:?}");
    assert_eq!(central.counts().unwrap(), (24, 0, 4));
}

fn a_store_restored_from_a_backup_reuses_no_number_and_loses_nothing(backend: Backend) {
    let (dir, _db, central, server) = world(backend);
    let mut a = store(dir.path(), "a");
    enroll_window(&mut a, &central, &server, 1);
    offline_cases(&mut a, "3211", 1);
    sync_now(&mut a, quick()).unwrap();
    // The backup, then more cases, one of them not yet pushed when the disk dies.
    let backup = dir.path().join("backup.db");
    a.backup(&backup).unwrap();
    let lost = offline_cases(&mut a, "3211", 2);
    sync_now(&mut a, quick()).unwrap();
    let unsent = offline_cases(&mut a, "3211", 1);
    drop(a);
    // The PC is reinstalled and the store restored from the backup, with its key file.
    std::fs::copy(&backup, dir.path().join("restored.db")).unwrap();
    std::fs::copy(dir.path().join("a.key"), dir.path().join("restored.key")).unwrap();
    let mut r = store(dir.path(), "restored");
    // Until a sync it makes no number: it cannot know which ones it used after the backup.
    let set = counter_core::bundled::catalogs().unwrap();
    let e = r
        .open_case(
            set.get("national").unwrap(),
            counter_core::case::OpenCase::person(
                "national",
                "002036006002",
                "3211",
                "王芳",
                "李四",
                "11010519491231002X",
            ),
            now(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("从备份恢复"), "{e}");
    let report = sync_now(&mut r, quick()).unwrap();
    assert!(
        report.notes.iter().any(|n| n.contains("备份恢复")),
        "{report:?}"
    );
    let next = offline_cases(&mut r, "3211", 1);
    // Past what the server holds, and past the numbers that died unsent with the old disk
    // (their receipts may be in applicants' hands).
    assert!(
        !lost.contains(&next[0]) && !unsent.contains(&next[0]),
        "{next:?} reuses a number of {lost:?} {unsent:?}"
    );
    assert_eq!(next[0], "3211-20250926-0104");
    let report = sync_now(&mut r, quick()).unwrap();
    assert!(report.rejected.is_empty(), "{report:?}");
    assert_eq!(r.sync_state().unwrap().pending, 0);
    // The server holds the first case, the two pushed after the backup, and the new one:
    // every event once. (The unsent case died with the old disk.)
    assert_eq!(central.counts().unwrap(), (24, 0, 4));
}
