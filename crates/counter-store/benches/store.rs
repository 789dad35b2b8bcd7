//! Fills a store with a million cases (COUNTER_BENCH_CASES to change), then measures, as
//! medians: open + 4 ticks + accept (each its own durable transaction, synchronous=FULL), a
//! ledger lookup by ID number, the day's ledger, and the file size per case.
//!
//! `cargo bench -p counter-store --bench store` — figures go to docs/benchmarks.md.

use counter_core::scope::Scope;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, NaiveDateTime};
use counter_core::bundled;
use counter_core::case::{Form, OpenCase};
use counter_core::ids::resident_id_check_char;
use counter_store::{Key, LedgerQuery, Store};

fn id_number(n: u64) -> String {
    let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + Days::new(n % 20_000);
    let first17 = format!("320102{}{:03}", birth.format("%Y%m%d"), (n / 20_000) % 1000);
    let check = resident_id_check_char(first17.as_bytes());
    format!("{first17}{check}")
}

fn req(n: u64, point: &str) -> OpenCase {
    OpenCase::person(
        "national",
        "002036006002",
        point,
        &format!("经办人{}", n % 20),
        "测试申请人",
        &id_number(n),
    )
    .with_phone("13800138000")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let cases: u64 = std::env::var("COUNTER_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let per_day: u64 = 1_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let mut store = Store::open_with_key(&path, &Key::generate()).unwrap();
    let set = bundled::catalogs().unwrap();
    let cal = bundled::calendar().unwrap();
    let nat = set.get("national").unwrap();
    let first_day = NaiveDate::from_ymd_opt(2023, 1, 2).unwrap();
    let day_of = |i: u64| first_day + Days::new(i / per_day);
    let at = |d: NaiveDate| -> NaiveDateTime { d.and_hms_opt(10, 0, 0).unwrap() };

    // Fill: every case opened, its four materials ticked and accepted — the events a real
    // counter writes — with synchronous=OFF to make the fill itself bearable.
    let fill = Instant::now();
    store.bulk_load_mode(true).unwrap();
    for i in 0..cases {
        let now = at(day_of(i));
        let no = store
            .open_case(nat, req(i % 200_000, "3211"), now)
            .unwrap()
            .case
            .case_no;
        store
            .update(&no, |c| {
                let mut evs = Vec::new();
                for k in ["m1", "m2", "m3", "m4"] {
                    evs.extend(c.tick(k, Form::Original, 1, None, now)?);
                }
                evs.extend(c.accept(nat, &cal, &Scope::Handles, now)?);
                Ok(evs)
            })
            .unwrap();
        if i > 0 && i % 100_000 == 0 {
            eprintln!("  filled {i} cases in {:.0?}", fill.elapsed());
        }
    }
    store.bulk_load_mode(false).unwrap();
    let fill_time = fill.elapsed();
    let size = std::fs::metadata(&path).unwrap().len()
        + std::fs::metadata(path.with_extension("db-wal")).map_or(0, |m| m.len());

    // One intake at the counter: open, four ticks, accept — six durable transactions.
    let today = day_of(cases - 1) + Days::new(1);
    let mut intake = Vec::new();
    for i in 0..200u64 {
        let now = at(today);
        let t = Instant::now();
        let no = store
            .open_case(nat, req(i, "3212"), now)
            .unwrap()
            .case
            .case_no;
        for k in ["m1", "m2", "m3", "m4"] {
            store
                .update(&no, |c| c.tick(k, Form::Original, 1, None, now))
                .unwrap();
        }
        store
            .update(&no, |c| c.accept(nat, &cal, &Scope::Handles, now))
            .unwrap();
        intake.push(t.elapsed());
    }

    let mut by_id = Vec::new();
    let mut found = 0;
    for i in 0..500u64 {
        let q = LedgerQuery {
            id_number: Some(id_number((i * 397) % 200_000)),
            ..Default::default()
        };
        let t = Instant::now();
        found += store.ledger(&q, today).unwrap().len();
        by_id.push(t.elapsed());
    }

    let mut day = Vec::new();
    let mut day_rows = 0;
    let days = (cases / per_day).clamp(1, 30);
    for i in 0..days {
        let q = LedgerQuery {
            date: Some(day_of(cases - 1 - i * per_day)),
            ..Default::default()
        };
        let t = Instant::now();
        day_rows = store.ledger(&q, today).unwrap().len();
        day.push(t.elapsed());
    }

    println!("cases in store:                 {cases}");
    println!("fill (synchronous=OFF):         {fill_time:.1?}");
    println!(
        "open+4 ticks+accept (FULL):     median {:.2?} (200 intakes, 6 transactions each)",
        median(intake)
    );
    println!(
        "ledger by ID number:            median {:.2?} (500 lookups, {:.1} cases each)",
        median(by_id),
        found as f64 / 500.0
    );
    println!(
        "the day's ledger:               median {:.2?} ({day_rows} cases, {days} days)",
        median(day)
    );
    println!(
        "database size per case:         {:.0} bytes ({:.1} MB in all)",
        size as f64 / cases as f64,
        size as f64 / 1e6
    );
}
