//! N devices push their backlogs to the central server on loopback at the same time (SQLite
//! backend), over HTTPS as deployed (a test authority; bodies sealed at rest): events per
//! second, and the median and p99 latency of one batch (200 events, one server transaction
//! each).
//!
//! `cargo bench -p counter-sync --bench load` (COUNTER_BENCH_DEVICES, COUNTER_BENCH_CASES per
//! device; COUNTER_BENCH_DB=postgres://… for PostgreSQL). Figures go to docs/benchmarks.md.

use counter_core::scope::Scope;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use counter_core::bundled;
use counter_core::case::{Form, OpenCase};
use counter_core::proto::{PushRequest, PushResponse};
use counter_server::Central;
use counter_store::Store;

/// A valid, distinct 居民身份证号码 per applicant (real counters see mostly different people).
fn id_number(n: u64) -> String {
    let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Days::new(n % 20_000);
    let first17 = format!("320102{}{:03}", birth.format("%Y%m%d"), (n / 20_000) % 1000);
    let check = counter_core::ids::resident_id_check_char(first17.as_bytes());
    format!("{first17}{check}")
}

fn env(k: &str, d: usize) -> usize {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

fn main() {
    let devices = env("COUNTER_BENCH_DEVICES", 8);
    let cases = env("COUNTER_BENCH_CASES", 500);
    let dir = tempfile::tempdir().unwrap();
    // COUNTER_BENCH_DB: an empty PostgreSQL database (postgres://…) instead of a SQLite file.
    let url = std::env::var("COUNTER_BENCH_DB")
        .unwrap_or_else(|_| format!("sqlite:{}", dir.path().join("central.db").display()));
    let tls = dir.path().join("keys");
    counter_server::init_tls(&tls, &["localhost".into()], false).unwrap();
    let ca = reqwest::Certificate::from_pem(&std::fs::read(tls.join("ca.pem")).unwrap()).unwrap();
    let keys = counter_server::Keys::ephemeral().with_tls(&tls).unwrap();
    let central = Central::open(&url, keys).unwrap();
    // A PostgreSQL bench database outlives a run: count only what this run stores.
    let (stored_before, rejected_before, _) = central.counts().unwrap();
    let addr = counter_server::spawn(central.clone(), "127.0.0.1:0".parse().unwrap()).unwrap();
    let set = bundled::catalogs().unwrap();
    let cal = bundled::calendar().unwrap();
    let nat = set.get("national").unwrap();
    let now = NaiveDate::from_ymd_opt(2025, 9, 26)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    // Each device's backlog, made offline.
    let mut stores = Vec::new();
    // Points of their own for each run: a PostgreSQL bench database keeps earlier runs' cases,
    // and the server refuses a second opening under a number it holds.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() % 100_000_000);
    for d in 0..devices {
        let point = format!("B{run}{d:02}");
        let mut s = Store::open(
            &dir.path().join(format!("d{d}.db")),
            &dir.path().join(format!("d{d}.key")),
        )
        .unwrap();
        s.bulk_load_mode(true).unwrap();
        for i in 0..cases {
            let no = s
                .open_case(
                    nat,
                    OpenCase::person(
                        "national",
                        "002036006002",
                        &point,
                        "王芳",
                        "张三",
                        &id_number((d * cases + i) as u64),
                    ),
                    now,
                )
                .unwrap()
                .case
                .case_no;
            s.update(&no, |c| {
                let mut evs = Vec::new();
                for k in ["m1", "m2", "m3", "m4"] {
                    evs.extend(c.tick(k, Form::Original, 1, None, now)?);
                }
                evs.extend(c.accept(nat, &cal, &Scope::Handles, now)?);
                Ok(evs)
            })
            .unwrap();
        }
        let code = central.enroll_code(&point, None, None).unwrap();
        let server = format!("https://localhost:{}", addr.port());
        counter_sync::enroll(&mut s, &server, &code, "bench").unwrap();
        stores.push(s);
    }
    let total: i64 = stores.iter().map(|s| s.outbox_len().unwrap()).sum();
    let started = Instant::now();
    let handles: Vec<_> = stores
        .into_iter()
        .map(|mut s| {
            let ca = ca.clone();
            std::thread::spawn(move || {
                let link = s.sync_link().unwrap().unwrap();
                let http = reqwest::blocking::Client::builder()
                    .tls_certs_only([ca])
                    .build()
                    .unwrap();
                let mut lat = Vec::new();
                loop {
                    let events = s.outbox_batch(200).unwrap();
                    if events.is_empty() {
                        break;
                    }
                    let t = Instant::now();
                    let r: PushResponse = http
                        .post(format!("{}/v1/events", link.server))
                        .bearer_auth(format!("{}.{}", link.device_id, link.key))
                        .json(&PushRequest { events })
                        .send()
                        .unwrap()
                        .json()
                        .unwrap();
                    lat.push(t.elapsed());
                    s.ack_outbox(r.acked_through).unwrap();
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let elapsed = started.elapsed();
    lat.sort();
    let (stored, rejected, _) = central.counts().unwrap();
    assert_eq!(
        (stored - stored_before, rejected - rejected_before),
        (total, 0)
    );
    println!(
        "devices:               {devices} pushing at once, {cases} cases ({} events) each",
        cases * 6
    );
    println!(
        "events stored:         {total} in {elapsed:.2?} = {:.0} events/s",
        total as f64 / elapsed.as_secs_f64()
    );
    println!(
        "batch latency (200):   p50 {:.1?}  p99 {:.1?}  ({} batches)",
        lat[lat.len() / 2],
        lat[lat.len() * 99 / 100],
        lat.len()
    );
}
