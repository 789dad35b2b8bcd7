//! What Counter's test suites share, so each fact of a test world is written once: the
//! standard applicant and item, the day the tests run on, the office, central stores on both
//! backends with a server that stops on drop, enrolment, accepted cases, the CLI runner, the
//! seed documents and the tools that read a PDF back.
//!
//! Only tests and benches depend on it. It turns on the stores' `test-hooks` feature (a
//! tampered snapshot, a file capped as a full disk would cap it, bulk loading).

pub mod central;
pub mod cli;
pub mod console;
pub mod fake;
pub mod pdf;
pub mod points;
pub mod seeds;

use chrono::{NaiveDate, NaiveDateTime};
use counter_core::catalog::Level;
use counter_core::settings::PointSettings;

/// The standard applicant's resident ID number (valid check digit; born 1949-12-31).
pub const ID: &str = "11010519491231002X";
/// The standard applicant's name.
pub const APPLICANT: &str = "张三";
/// The clerk the stores' cases are opened by.
pub const CLERK: &str = "王芳";
/// The standard item: 住院费用报销 of the national list, four required materials m1–m4.
pub const CATALOG: &str = "national";
pub const ITEM: &str = "002036006002";
pub const ITEM_MATERIALS: [&str; 4] = ["m1", "m2", "m3", "m4"];
/// The standard point.
pub const POINT: &str = "3211";

/// The day the tests work on: Fri 26 Sep 2025, the working day before the National Day
/// holiday (so a promised date must jump it), at `h`:`m`.
pub fn at(h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 9, 26)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

/// 09:00 of the test day (the stores' cases are opened then).
pub fn now() -> NaiveDateTime {
    at(9, 0)
}

/// The test day as the CLI's and the workstation's clock reads it (`COUNTER_NOW`).
pub const NOW: &str = "2025-09-26T09:30:00";

/// When the central office decides: weeks after the cases were accepted offline.
pub fn decided() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 10, 15)
        .unwrap()
        .and_hms_opt(10, 20, 0)
        .unwrap()
}

/// The standard office: 镇江市京口区医疗保障服务中心, point 3211, window 1, `level`, printing
/// nowhere until a test says where.
pub fn office(level: Option<Level>) -> PointSettings {
    PointSettings {
        name: "镇江市京口区医疗保障服务中心".into(),
        address: "镇江市京口区学府路88号政务服务中心二楼".into(),
        phone: "0511-84401234".into(),
        complaint_phone: "12345".into(),
        point: POINT.into(),
        window: 1,
        level,
        ..PointSettings::default()
    }
}

/// What most suites use, for one glob import.
pub mod prelude {
    pub use crate::both;
    pub use crate::central::{
        https_client, keys, pilot, running, tls_dir, Backend, CentralDb, Running, Server,
    };
    pub use crate::fake::fake_server;
    pub use crate::points::{accepted_case, enroll, offline_cases, quick, request, store};
    pub use crate::{at, decided, now, office, APPLICANT, CATALOG, CLERK, ID, ITEM, NOW, POINT};
}
