//! Catalog editions received one after another: each replaced one stays loadable for the cases
//! opened under it, across restarts, and a delivery that does not load is reported.

use counter_core::bundled;
use counter_core::proto;
use counter_store::Store;

fn edition(n: u32) -> String {
    bundled::CATALOG_FILES[0].1.replace(
        "name = \"住院费用清单\"",
        &format!("name = \"住院费用清单（第{n}版）\""),
    )
}

#[test]
fn every_replaced_edition_stays_for_its_cases_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let (db, key) = (dir.path().join("c.db"), dir.path().join("k"));
    let built_in = bundled::catalogs()
        .unwrap()
        .get("national")
        .unwrap()
        .revision
        .clone();
    let mut s = Store::open(&db, &key).unwrap();
    enrolled(&mut s);
    keep(&mut s, 2, &edition(2));
    let v2 = s
        .catalogs()
        .unwrap()
        .0
        .get("national")
        .unwrap()
        .revision
        .clone();
    keep(&mut s, 3, &edition(3));
    drop(s);
    let s = Store::open(&db, &key).unwrap();
    let (set, problems) = s.catalogs().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let v3 = set.get("national").unwrap().revision.clone();
    assert!(v3 != v2 && v2 != built_in);
    for rev in [&built_in, &v2, &v3] {
        assert_eq!(set.pinned("national", Some(rev)).unwrap().revision, *rev);
    }
    assert!(set.pinned("national", Some("0000000000000000")).is_none());
    // A case from before revisions were recorded works on the current edition.
    assert_eq!(set.pinned("national", None).unwrap().revision, v3);
    // A delivery that does not load is reported; the built-in edition is used for new cases
    // and every earlier one stays for its cases.
    let mut s = s;
    keep(&mut s, 4, "[catalog]\nid = \"national\"");
    let (set, problems) = s.catalogs().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(set.get("national").unwrap().revision, built_in);
    assert_eq!(set.pinned("national", Some(&v3)).unwrap().revision, v3);
}

/// The central key these tests sign with.
const SECRET: [u8; 32] = [7; 32];

fn enrolled(s: &mut Store) {
    s.set_enrollment("https://central.example", "device-1", "key", "3211")
        .unwrap();
    s.pin_server(None, &proto::public_key(&SECRET)).unwrap();
}

/// Keeps edition `version` as a sync does after checking its signature.
fn keep(s: &mut Store, version: i64, text: &str) {
    let sig = proto::sign_snapshot(&SECRET, "catalog", "national", version, text);
    s.save_snapshot("catalog", "national", version, text, &sig)
        .unwrap();
}

#[test]
fn a_kept_edition_whose_text_was_changed_on_disk_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let (db, key) = (dir.path().join("c.db"), dir.path().join("k"));
    let mut s = Store::open(&db, &key).unwrap();
    enrolled(&mut s);
    keep(&mut s, 2, &edition(2));
    let v2 = s
        .catalogs()
        .unwrap()
        .0
        .get("national")
        .unwrap()
        .revision
        .clone();
    drop(s);
    // Someone edits the kept text in the file (a 不超过30个工作日 becomes 3).
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE snapshots SET text = replace(text, '住院费用清单', '任意材料')",
        [],
    )
    .unwrap();
    drop(conn);
    let s = Store::open(&db, &key).unwrap();
    let (set, problems) = s.catalogs().unwrap();
    assert!(
        problems.iter().any(|p| p.contains("签名与中心公钥不符")),
        "{problems:?}"
    );
    // The edition in force is not the changed text; the signed original stays for its cases.
    assert_eq!(set.pinned("national", Some(&v2)).unwrap().revision, v2);
    assert!(set
        .get("national")
        .unwrap()
        .items
        .iter()
        .all(|i| i.materials.iter().all(|m| !m
            .name
            .as_deref()
            .unwrap_or("")
            .contains("任意材料"))));
}
