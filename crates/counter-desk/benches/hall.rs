//! The hall's screens over a busy point's store: two months of 1,000 cases a day
//! (COUNTER_BENCH_DAYS to change), every case accepted and 99 in 100 completed by the centre
//! a week later, so the rest are open and those past or near their date alert. Medians of what
//! the window asks:
//! - `applicant_screen`, which the applicant's screen asks twice a second;
//! - `alerts`, which the header asks every 30 s and at each screen change;
//! - `figures` of the month (设置 → 统计), and its Excel workbook.
//!
//! `cargo bench -p counter-desk --bench hall` — figures go to docs/benchmarks.md.

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use counter_core::case::{Decision, Form, OpenCase, ScreenStage};
use counter_core::ids::resident_id_check_char;
use counter_core::scope::Scope;
use counter_core::settings::PointSettings;
use counter_desk::{Clock, OpenRequest, Paths, Workstation};

fn id_number(n: u64) -> String {
    let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + Days::new(n % 20_000);
    let first17 = format!("320102{}{:03}", birth.format("%Y%m%d"), (n / 20_000) % 1000);
    let check = resident_id_check_char(first17.as_bytes());
    format!("{first17}{check}")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed());
    }
    (median(times), last.unwrap())
}

fn main() {
    let days: u64 = std::env::var("COUNTER_BENCH_DAYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let per_day = 1_000u64;
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths {
        db: dir.path().join("counter.db"),
        key: dir.path().join("store.key"),
        office: dir.path().join("office.toml"),
        catalogs: None,
        calendar: None,
    };
    let first = NaiveDate::from_ymd_opt(2025, 8, 1).unwrap();
    let today = first + Days::new(days);
    let set = counter_core::bundled::catalogs().unwrap();
    let cal = counter_core::bundled::calendar().unwrap();
    let nat = set.get("national").unwrap();
    let fill = Instant::now();
    {
        let mut s = counter_store::Store::open(&paths.db, &paths.key).unwrap();
        s.bulk_load_mode(true).unwrap();
        for i in 0..days * per_day {
            let at = (first + Days::new(i / per_day))
                .and_hms_opt(10, 0, 0)
                .unwrap();
            let req = OpenCase::person(
                "national",
                "002036006002",
                "3211",
                &format!("经办人{}", i % 8),
                "测试申请人",
                &id_number(i),
            );
            let no = s.open_case(nat, req, at).unwrap().case.case_no;
            s.update(&no, |c| {
                let mut evs = Vec::new();
                for k in ["m1", "m2", "m3", "m4"] {
                    evs.extend(c.tick(k, Form::Original, 1, None, at)?);
                }
                evs.extend(c.accept(nat, &cal, &Scope::Handles, at)?);
                let later = at + Days::new(7);
                if i % 100 != 0 && later.date() < today {
                    evs.extend(c.apply_decision(&Decision::StartReview, "审核", later)?);
                    evs.extend(c.apply_decision(&Decision::Complete, "审核", later)?);
                }
                Ok(evs)
            })
            .unwrap();
        }
        s.bulk_load_mode(false).unwrap();
    }
    eprintln!("filled {} cases in {:.1?}", days * per_day, fill.elapsed());
    let now = today.and_hms_opt(9, 0, 0).unwrap();
    let mut w = Workstation::open(paths, Clock::Fixed(now)).unwrap();
    let office = PointSettings {
        name: "京口区医保服务中心".into(),
        address: "学府路88号".into(),
        phone: "0511-84401234".into(),
        complaint_phone: "12345".into(),
        point: "3211".into(),
        window: 1,
        level: Some(counter_core::catalog::Level::D),
        printer: None,
        catalog: None,
        reader_port: None,
        notice_days: None,
        handled_by: Vec::new(),
    };
    w.setup(office, "李主任", "secret1").unwrap();
    // A case at the applicant's screen, two materials ticked.
    let no = w
        .open_case(OpenRequest::person(
            "national",
            "002036006002",
            "张三丰",
            "11010519491231002X",
        ))
        .unwrap()
        .case
        .case
        .case_no;
    for k in ["m1", "m2"] {
        w.tick(&no, k, Form::Original, 1, None).unwrap();
    }

    let (screen, seen) = time(500, || w.applicant_screen().unwrap());
    assert_eq!((seen.stage, seen.missing.len()), (ScreenStage::Serving, 2));
    let (alerts, n) = time(20, || w.alerts().unwrap().len());
    let (figures, f) = time(10, || w.figures(first, today).unwrap());
    let xlsx = dir.path().join("figures.xlsx");
    let (workbook, _) = time(3, || w.figures_workbook(first, today, &xlsx).unwrap());
    println!("cases in the store: {}", days * per_day + 1);
    println!("applicant_screen: {screen:.2?} (median of 500)");
    println!("alerts: {alerts:.1?} for {n} alerting cases (median of 20)");
    println!("figures of {} cases: {figures:.1?} (median of 10)", f.cases);
    println!(
        "Excel workbook of the period: {workbook:.1?} (median of 3), {} KB",
        std::fs::metadata(&xlsx).unwrap().len() / 1024
    );
}
