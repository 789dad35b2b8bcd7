//! Catalog editions received one after another: each replaced one stays loadable for the cases
//! opened under it, across restarts, and a delivery that does not load is reported.

use counter_core::bundled;
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
    s.save_snapshot("catalog", "national", 2, &edition(2))
        .unwrap();
    let v2 = s
        .catalogs()
        .unwrap()
        .0
        .get("national")
        .unwrap()
        .revision
        .clone();
    s.save_snapshot("catalog", "national", 3, &edition(3))
        .unwrap();
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
    s.save_snapshot("catalog", "national", 4, "[catalog]\nid = \"national\"")
        .unwrap();
    let (set, problems) = s.catalogs().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(set.get("national").unwrap().revision, built_in);
    assert_eq!(set.pinned("national", Some(&v3)).unwrap().revision, v3);
}
