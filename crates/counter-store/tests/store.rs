//! The store on real SQLite files in a temporary folder.

use counter_core::scope::Scope;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use counter_core::bundled;
use counter_core::case::{CaseState, Form, OpenCase};
use counter_store::{LedgerQuery, Store, StoreError};

const ID: &str = "11010519491231002X";
const OTHER_ID: &str = "110105194912310011";

fn at(d: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 9, d)
        .unwrap()
        .and_hms_opt(h, 0, 0)
        .unwrap()
}

fn req(id: &str, item: &str) -> OpenCase {
    OpenCase::person("national", item, "3211", "王芳", "张三丰", id).with_phone("13800138000")
}

fn store(dir: &Path) -> Store {
    Store::open(&dir.join("counter.db"), &dir.join("keys/store.key")).unwrap()
}

/// Opens and accepts a 住院费用报销 case; returns its number.
fn accepted_case(s: &mut Store, id: &str, now: NaiveDateTime) -> String {
    let set = bundled::catalogs().unwrap();
    let cal = bundled::calendar().unwrap();
    let nat = set.get("national").unwrap();
    let no = s
        .open_case(nat, req(id, "002036006002"), now)
        .unwrap()
        .case
        .case_no;
    for k in ["m1", "m2", "m3", "m4"] {
        s.update(&no, |c| c.tick(k, Form::Original, 1, None, now))
            .unwrap();
    }
    s.update(&no, |c| c.accept(nat, &cal, &Scope::Handles, now))
        .unwrap();
    no
}

#[test]
fn a_new_file_is_migrated_and_numbers_cases_per_point_and_day() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    assert_eq!(s.schema_version().unwrap(), 13);
    assert_eq!(counter_store::SCHEMA_VERSION, 13);
    let set = bundled::catalogs().unwrap();
    let nat = set.get("national").unwrap();
    let a = s
        .open_case(nat, req(ID, "002036006002"), at(26, 9))
        .unwrap();
    let b = s
        .open_case(nat, req(OTHER_ID, "002036006002"), at(26, 10))
        .unwrap();
    let c = s
        .open_case(nat, req(ID, "002036006002"), at(29, 9))
        .unwrap();
    assert_eq!(a.case.case_no, "3211-20250926-0001");
    assert_eq!(b.case.case_no, "3211-20250926-0002");
    assert_eq!(c.case.case_no, "3211-20250929-0001");
    assert_eq!(s.outbox_len().unwrap(), 3);
    drop(s);
    // Reopening keeps the numbering going.
    let mut s = store(dir.path());
    let d = s
        .open_case(nat, req(OTHER_ID, "002036002002"), at(29, 11))
        .unwrap();
    assert_eq!(d.case.case_no, "3211-20250929-0002");
}

#[test]
fn the_same_applicant_and_item_while_a_case_is_open_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let set = bundled::catalogs().unwrap();
    let nat = set.get("national").unwrap();
    let first = s
        .open_case(nat, req(ID, "002036006002"), at(26, 9))
        .unwrap();
    assert!(first.duplicates.is_empty());
    let second = s
        .open_case(nat, req(ID, "002036006002"), at(26, 10))
        .unwrap();
    assert_eq!(second.duplicates, std::slice::from_ref(&first.case.case_no));
    // Another item, or once the first is closed, is no duplicate.
    assert!(s
        .open_case(nat, req(ID, "002036002002"), at(26, 10))
        .unwrap()
        .duplicates
        .is_empty());
    s.update(&first.case.case_no, |c| c.withdraw(None, at(26, 11)))
        .unwrap();
    s.update(&second.case.case_no, |c| c.withdraw(None, at(26, 11)))
        .unwrap();
    assert!(s
        .open_case(nat, req(ID, "002036006002"), at(26, 12))
        .unwrap()
        .duplicates
        .is_empty());
}

#[test]
fn every_change_is_an_event_and_a_refused_operation_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let set = bundled::catalogs().unwrap();
    let cal = bundled::calendar().unwrap();
    let nat = set.get("national").unwrap();
    let no = s
        .open_case(nat, req(ID, "002036006002"), at(26, 9))
        .unwrap()
        .case
        .case_no;
    s.update(&no, |c| {
        c.tick("m1", Form::Copy, 2, Some("社保卡"), at(26, 9))
    })
    .unwrap();
    let before = s.case(&no).unwrap();
    let err = s
        .update(&no, |c| c.accept(nat, &cal, &Scope::Handles, at(26, 9)))
        .unwrap_err();
    assert!(err.to_string().starts_with("尚缺材料"), "{err}");
    assert_eq!(s.case(&no).unwrap(), before);
    let err = s
        .update(&no, |c| c.tick("m9", Form::Copy, 1, None, at(26, 9)))
        .unwrap_err();
    assert!(err.to_string().contains("可用：m1、m2、m3、m4"), "{err}");
    let kinds: Vec<String> = s
        .events(&no)
        .unwrap()
        .iter()
        .map(|e| e.event.change.kind().to_string())
        .collect();
    assert_eq!(kinds, ["opened", "ticked"]);
    let seqs: Vec<i64> = s.events(&no).unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2]);
    assert!(matches!(
        s.case("3211-20990101-0001"),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn personal_data_is_not_in_the_file_and_a_lost_or_wrong_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    accepted_case(&mut s, ID, at(26, 9));
    drop(s);
    for f in ["counter.db", "counter.db-wal"] {
        let Ok(bytes) = std::fs::read(dir.path().join(f)) else {
            continue;
        };
        for secret in [ID, "张三丰", "13800138000", "1101051949"] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in {f}"
            );
        }
    }
    // Another key: refused, not garbage.
    let other = dir.path().join("other.key");
    let err = Store::open(&dir.path().join("counter.db"), &other).unwrap_err();
    assert!(matches!(err, StoreError::KeyMissing(_)), "{err}");
    std::fs::write(&other, "ab".repeat(32)).unwrap();
    let err = Store::open(&dir.path().join("counter.db"), &other).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey), "{err}");
    std::fs::write(&other, "not a key").unwrap();
    let err = Store::open(&dir.path().join("counter.db"), &other).unwrap_err();
    assert!(matches!(err, StoreError::BadKeyFile(_)), "{err}");
}

#[test]
fn the_ledger_finds_by_id_number_date_state_clerk_and_flags_overdue_cases() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let set = bundled::catalogs().unwrap();
    let nat = set.get("national").unwrap();
    let old = accepted_case(&mut s, ID, at(1, 9));
    let fresh = accepted_case(&mut s, OTHER_ID, at(26, 9));
    let draft = s
        .open_case(nat, req(ID, "002036002002"), at(26, 10))
        .unwrap()
        .case
        .case_no;
    let today = NaiveDate::from_ymd_opt(2025, 10, 20).unwrap();
    let q = |q: LedgerQuery| -> Vec<String> {
        s.ledger(&q, today)
            .unwrap()
            .into_iter()
            .map(|r| r.case_no)
            .collect()
    };
    assert_eq!(
        q(LedgerQuery {
            id_number: Some(ID.to_lowercase()),
            ..Default::default()
        }),
        [draft.clone(), old.clone()]
    );
    assert_eq!(
        q(LedgerQuery {
            date: Some(at(26, 0).date()),
            ..Default::default()
        }),
        [draft.clone(), fresh.clone()]
    );
    assert_eq!(
        q(LedgerQuery {
            state: Some(CaseState::Draft),
            ..Default::default()
        }),
        std::slice::from_ref(&draft)
    );
    assert_eq!(
        q(LedgerQuery {
            clerk: Some("李四".into()),
            ..Default::default()
        }),
        Vec::<String>::new()
    );
    // 30 working days from 2025-09-01 (over National Day) is before 2025-10-20.
    assert_eq!(
        q(LedgerQuery {
            overdue: true,
            ..Default::default()
        }),
        std::slice::from_ref(&old)
    );
    assert_eq!(
        q(LedgerQuery {
            due_by: Some(NaiveDate::from_ymd_opt(2025, 11, 30).unwrap()),
            ..Default::default()
        }),
        std::slice::from_ref(&fresh)
    );
    let rows = s
        .ledger(
            &LedgerQuery {
                case_no: Some(old.clone()),
                ..Default::default()
            },
            today,
        )
        .unwrap();
    assert_eq!(rows[0].id_masked, "1101**********002X");
    assert_eq!(rows[0].applicant, "张三丰");
    assert!(rows[0].overdue);
}

#[test]
fn a_backup_taken_while_in_use_opens_with_the_same_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let no = accepted_case(&mut s, ID, at(26, 9));
    let copy = dir.path().join("backup.db");
    s.backup(&copy).unwrap();
    let b = Store::open(&copy, &dir.path().join("keys/store.key")).unwrap();
    assert_eq!(b.case(&no).unwrap(), s.case(&no).unwrap());
    assert_eq!(b.integrity_check().unwrap(), "ok");
}

#[test]
fn a_full_disk_fails_the_write_cleanly_and_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let set = bundled::catalogs().unwrap();
    let nat = set.get("national").unwrap();
    let no = accepted_case(&mut s, ID, at(26, 9));
    s.limit_pages(s.page_count().unwrap()).unwrap();
    let mut failed = None;
    for i in 0..500 {
        if let Err(e) = s.open_case(nat, req(OTHER_ID, "002036006002"), at(26, 10)) {
            failed = Some((i, e));
            break;
        }
    }
    let (_, err) = failed.expect("the capped file fills up");
    assert!(matches!(err, StoreError::DiskFull), "{err}");
    assert!(err.to_string().contains("磁盘已满"), "{err}");
    assert_eq!(s.case(&no).unwrap().state, CaseState::Accepted);
    assert_eq!(s.integrity_check().unwrap(), "ok");
    drop(s);
    // Space again: the store works on.
    let mut s = store(dir.path());
    s.open_case(nat, req(OTHER_ID, "002036006002"), at(26, 11))
        .unwrap();
}

#[test]
fn a_store_from_a_newer_program_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(store(dir.path()));
    let conn = rusqlite::Connection::open(dir.path().join("counter.db")).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(
        &dir.path().join("counter.db"),
        &dir.path().join("keys/store.key"),
    )
    .unwrap_err();
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
}

/// `tests/fixtures/schema1.db` was written by the first release of the schema (key in
/// `schema1.key`, made by `cargo run -p counter-store --example schema1_fixture`); every later
/// release must open it and read its case and events.
#[test]
fn a_store_written_by_schema_1_opens_and_reads() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::copy(fixtures.join("schema1.db"), dir.path().join("counter.db")).unwrap();
    let s = Store::open(
        &dir.path().join("counter.db"),
        &fixtures.join("schema1.key"),
    )
    .unwrap();
    let case = s.case("3211-20250926-0001").unwrap();
    assert_eq!(case.state, CaseState::Accepted);
    assert_eq!(case.applicant.name(), "张三丰");
    assert_eq!(s.events("3211-20250926-0001").unwrap().len(), 6);
    assert_eq!(s.integrity_check().unwrap(), "ok");
}
