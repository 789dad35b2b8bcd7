//! Writes `tests/fixtures/schema1.db` (and its key): one accepted 住院费用报销 case, as the
//! first schema stores it. Run once when the fixture is made; never regenerate it with a later
//! schema, or the migration test stops testing anything.

use counter_core::scope::Scope;
use std::path::Path;

use chrono::NaiveDate;
use counter_core::bundled;
use counter_core::case::{Form, OpenCase};
use counter_store::Store;

fn main() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::create_dir_all(&fixtures).unwrap();
    let _ = std::fs::remove_file(fixtures.join("schema1.db"));
    let mut s = Store::open(&fixtures.join("schema1.db"), &fixtures.join("schema1.key")).unwrap();
    let set = bundled::catalogs().unwrap();
    let cal = bundled::calendar().unwrap();
    let nat = set.get("national").unwrap();
    let now = NaiveDate::from_ymd_opt(2025, 9, 26)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let req = OpenCase::person(
        "national",
        "002036006002",
        "3211",
        "王芳",
        "张三丰",
        "11010519491231002X",
    )
    .with_phone("13800138000");
    let no = s.open_case(nat, req, now).unwrap().case.case_no;
    for k in ["m1", "m2", "m3", "m4"] {
        s.update(&no, |c| c.tick(k, Form::Original, 1, None, now))
            .unwrap();
    }
    s.update(&no, |c| c.accept(nat, &cal, &Scope::Handles, now))
        .unwrap();
    println!("wrote {no}");
}
