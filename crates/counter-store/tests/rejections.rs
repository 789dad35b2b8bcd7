//! The central server's refusals stay in the store with their reasons after their events left
//! the outbox, across a restart.

use counter_core::bundled;
use counter_core::case::OpenCase;
use counter_core::proto::Rejected;
use counter_store::Store;

#[test]
fn a_refusal_is_kept_with_its_reason_after_the_outbox_forgets_the_event() {
    let dir = tempfile::tempdir().unwrap();
    let (db, key) = (dir.path().join("c.db"), dir.path().join("k"));
    let set = bundled::catalogs().unwrap();
    let at = chrono::NaiveDate::from_ymd_opt(2025, 9, 26)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let mut s = Store::open(&db, &key).unwrap();
    s.set_enrollment("http://127.0.0.1:9", "dev", "key", "3211")
        .unwrap();
    let req = OpenCase::person(
        "national",
        "002036006002",
        "3211",
        "王芳",
        "张三",
        "11010519491231002X",
    );
    let no = s
        .open_case(set.get("national").unwrap(), req, at)
        .unwrap()
        .case
        .case_no;
    let sent = s.outbox_batch(10).unwrap();
    let refused = Rejected {
        seq: sent[0].seq,
        case_no: no.clone(),
        reason: "办件不属于网点 3214".into(),
    };
    s.record_rejections(std::slice::from_ref(&refused), "2025-09-26 09:05:00")
        .unwrap();
    s.ack_outbox(sent[0].seq).unwrap();
    // Recorded twice (a batch answered again after a lost reply): kept once.
    s.record_rejections(&[refused], "2025-09-26 09:06:00")
        .unwrap();
    drop(s);
    let s = Store::open(&db, &key).unwrap();
    let kept = s.rejections(Some(&no)).unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        (kept[0].title.as_str(), kept[0].reason.as_str()),
        ("登记", "办件不属于网点 3214")
    );
    assert_eq!(s.sync_state().unwrap().rejected, 1);
    assert_eq!(s.outbox_len().unwrap(), 0);
}
