//! What the document suites share beyond the test kit: a case to print, where the pages are
//! kept to be looked at.
#![allow(dead_code)]

use chrono::NaiveDateTime;
use counter_core::case::{Applicant, Case, Form, IdType, OpenCase, Person};
use counter_core::settings::PointSettings;
use counter_core::{Catalog, CatalogSet};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[allow(unused_imports)]
pub use counter_testkit::pdf::{flat, ink, pages, text, tool};
pub use counter_testkit::ID;

/// 09:30 of the test day: the documents print this time.
pub fn now() -> NaiveDateTime {
    counter_testkit::at(9, 30)
}

/// The standard office, at no level (the documents name the level where one is set).
pub fn office() -> PointSettings {
    counter_testkit::office(None)
}

pub fn artifacts() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/doc-artifacts");
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn open(catalog: &Catalog, item: &str, no: u32) -> Case {
    Case::open(
        OpenCase {
            case_no: format!("3211-20250926-{no:04}"),
            catalog: catalog.header.id.clone(),
            item: item.into(),
            applicant: Applicant::Person(Person {
                name: "张三丰".into(),
                id_type: IdType::ResidentId,
                id_number: ID.into(),
                phone: Some("13800138000".into()),
            }),
            agent: None,
            point: "3211".into(),
            clerk: "王芳".into(),
            answers: BTreeMap::new(),
            assisted: None,
            card_read: false,
        },
        catalog,
        now(),
    )
    .unwrap()
    .0
}

pub fn tick(c: &mut Case, keys: &[&str]) {
    for k in keys {
        c.tick(k, Form::Original, 1, None, now()).unwrap();
    }
}

/// A notified 住院费用报销 case: three of four materials handed over.
pub fn notified(set: &CatalogSet) -> Case {
    let nat = set.get("national").unwrap();
    let mut c = open(nat, "002036006002", 1);
    tick(&mut c, &["m1", "m2", "m3"]);
    c.notify(nat, now()).unwrap();
    c
}

pub fn save(name: &str, pdf: &[u8]) -> PathBuf {
    let p = artifacts().join(name);
    std::fs::write(&p, pdf).unwrap();
    p
}
