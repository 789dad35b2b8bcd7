//! What someone with the files but not the program can do to a store: read it (0600: not
//! another user of the PC) and edit its audit log (marked when the supervisor reads it).

use chrono::NaiveDate;
use counter_store::Store;

fn at(h: u32) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, 4)
        .unwrap()
        .and_hms_opt(h, 0, 0)
        .unwrap()
}

#[cfg(unix)]
#[test]
fn the_store_and_its_backups_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("counter.db");
    // A store an earlier version left readable by everyone.
    std::fs::write(&db, b"").unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut s = Store::open(&db, &dir.path().join("store.key")).unwrap();
    s.audit(at(9), "负责人", "登录", None).unwrap();
    let backup = dir.path().join("backup.db");
    s.backup(&backup).unwrap();
    for f in [db.clone(), dir.path().join("counter.db-wal"), backup] {
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }
}

#[test]
fn an_audit_line_edited_inserted_or_removed_is_marked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("counter.db");
    let mut s = Store::open(&db, &dir.path().join("store.key")).unwrap();
    for (h, action) in [(9, "登录"), (10, "导出"), (11, "备份"), (12, "退出")] {
        s.audit(at(h), "负责人", action, Some("本机")).unwrap();
    }
    let intact = |s: &Store| -> Vec<bool> {
        s.audit_log(100)
            .unwrap()
            .iter()
            .rev()
            .map(|e| e.intact)
            .collect()
    };
    assert_eq!(intact(&s), [true; 4]);
    let raw = rusqlite::Connection::open(&db).unwrap();
    // Edited: the 导出 line now says something else.
    raw.execute("UPDATE audit SET action = '查看' WHERE action = '导出'", [])
        .unwrap();
    assert_eq!(intact(&s), [true, false, true, true]);
    raw.execute("UPDATE audit SET action = '导出' WHERE action = '查看'", [])
        .unwrap();
    assert_eq!(intact(&s), [true; 4], "put back, it verifies again");
    // The newest removed: the new newest is marked (the head kept apart no longer fits).
    raw.execute("DELETE FROM audit WHERE action = '退出'", [])
        .unwrap();
    assert_eq!(intact(&s), [true, true, false]);
    // Removed from the middle: the line after the gap is marked.
    raw.execute("DELETE FROM audit WHERE action = '导出'", [])
        .unwrap();
    assert_eq!(intact(&s), [true, false]);
    // Inserted with a copied link: marked.
    raw.execute(
        "INSERT INTO audit (at, who, action, detail, chain)
         SELECT at, who, '删除日志', detail, chain FROM audit ORDER BY seq LIMIT 1",
        [],
    )
    .unwrap();
    assert!(!intact(&s).last().unwrap());
}

#[test]
fn lines_of_an_earlier_version_are_chained_at_the_next_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("counter.db");
    let mut s = Store::open(&db, &dir.path().join("store.key")).unwrap();
    let raw = rusqlite::Connection::open(&db).unwrap();
    raw.execute(
        "INSERT INTO audit (at, who, action) VALUES ('2026-12-01 09:00:00', '负责人', '登录')",
        [],
    )
    .unwrap();
    s.audit(at(9), "负责人", "登录", None).unwrap();
    let log = s.audit_log(10).unwrap();
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|e| e.intact), "{log:?}");
}
