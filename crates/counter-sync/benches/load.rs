//! A fleet of counters pushing to the central server at once, as after a province's network
//! outage: D devices, each with a backlog made offline (distinct applicants), push over HTTPS
//! as deployed (a test authority, one keep-alive connection per device, async clients in one
//! process) to I server instances over one store, devices spread across the instances.
//!
//! Open loop: every batch of 200 has a scheduled send time (all at the start for a catch-up;
//! `COUNTER_BENCH_INTERVAL_MS` apart for a steady fleet), and its latency is counted from that
//! time, so a server that falls behind is seen in the latency, not hidden by clients that wait.
//!
//! `cargo bench -p counter-sync --bench load`, with COUNTER_BENCH_DEVICES (200),
//! COUNTER_BENCH_INSTANCES (1), COUNTER_BENCH_CASES per device (100 = 600 events),
//! COUNTER_BENCH_INTERVAL_MS (0), COUNTER_BENCH_DB (postgres://… for PostgreSQL, an empty
//! database; a SQLite file by default). The last line reads
//! `load: N events/s, p50 X ms, p99 Y ms (D devices, I instances, BACKEND)`.
//! Figures go to docs/benchmarks.md.

use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use counter_core::proto::{PushRequest, PushResponse, WireEvent};
use counter_server::{Central, StaffMember, StaffRole};
use counter_store::Store;
use counter_testkit::points::accepted_case_of;
use hdrhistogram::Histogram;

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

/// One device as the run sees it: its token, its instance and its backlog in batches.
struct Device {
    server: String,
    token: String,
    batches: Vec<Vec<WireEvent>>,
}

/// Makes `cases` accepted cases at `point` in a store of its own, enrols it through `server`,
/// and returns its backlog as the sync client would send it.
fn device(
    dir: &std::path::Path,
    d: usize,
    point: &str,
    cases: usize,
    central: &Central,
    server: &str,
) -> Device {
    let mut s = Store::open(
        &dir.join(format!("d{d}.db")),
        &dir.join(format!("d{d}.key")),
    )
    .unwrap();
    s.bulk_load_mode(true).unwrap();
    for i in 0..cases {
        accepted_case_of(&mut s, point, &id_number((d * cases + i) as u64)).unwrap();
    }
    let code = central.enroll_code(point, None, None).unwrap();
    counter_sync::enroll(&mut s, server, &code, "bench").unwrap();
    let link = s.sync_link().unwrap().unwrap();
    let events = s.outbox_batch(u32::MAX).unwrap();
    Device {
        server: link.server,
        token: format!("{}.{}", link.device_id, link.key),
        batches: events.chunks(200).map(<[WireEvent]>::to_vec).collect(),
    }
}

/// The console's figures for the test day's year, over every case now stored (an auditor sees
/// every point): the median of five, then the workbook once.
fn console_figures(central: &Central) {
    let auditor = StaffMember {
        name: "bench".into(),
        role: StaffRole::Auditor,
        points: None,
        disabled: false,
        locked_until: None,
    };
    let day = counter_testkit::now();
    let (from, to) = (
        NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(day.year(), 12, 31).unwrap(),
    );
    let mut times = Vec::new();
    let mut cases = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let f = central
            .console_figures(&auditor, from, to, None, day.date())
            .unwrap();
        times.push(t.elapsed());
        cases = f.cases;
    }
    times.sort();
    let t = Instant::now();
    let book = central
        .figures_workbook(&auditor, from, to, None, day)
        .unwrap();
    println!(
        "console:        figures of {cases} cases in {:.0?} (median of 5); their workbook ({} KB) in {:.0?}",
        times[2],
        book.len() / 1024,
        t.elapsed()
    );
}

/// CPU seconds (user and system) of the processes whose command name `keep` accepts, from
/// /proc (in clock ticks of 1/100 s, as Linux reports them to user space).
fn cpu_seconds(keep: impl Fn(&str, u32) -> bool) -> f64 {
    let mut ticks = 0u64;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid …": the fields after the command name, which may hold spaces.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        if keep(&stat[open + 1..close], pid) && fields.len() > 12 {
            ticks +=
                fields[11].parse::<u64>().unwrap_or(0) + fields[12].parse::<u64>().unwrap_or(0);
        }
    }
    ticks as f64 / 100.0
}

/// PostgreSQL's write-ahead log position, in bytes.
fn wal_position(url: &str) -> Option<i64> {
    let mut c = postgres::Client::connect(url, postgres::NoTls).ok()?;
    c.query_one(
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint",
        &[],
    )
    .ok()
    .map(|r| r.get(0))
}

fn main() {
    let devices = env("COUNTER_BENCH_DEVICES", 200);
    let instances = env("COUNTER_BENCH_INSTANCES", 1).max(1);
    let cases = env("COUNTER_BENCH_CASES", 100);
    let interval = Duration::from_millis(env("COUNTER_BENCH_INTERVAL_MS", 0) as u64);
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("COUNTER_BENCH_DB")
        .unwrap_or_else(|_| format!("sqlite:{}", dir.path().join("central.db").display()));
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let tls = dir.path().join("keys");
    counter_server::init_tls(&tls, &["localhost".into()], false).unwrap();
    let ca = reqwest::Certificate::from_pem(&std::fs::read(tls.join("ca.pem")).unwrap()).unwrap();
    let keys = counter_server::Keys::ephemeral().with_tls(&tls).unwrap();
    let first = Central::open(&url, keys).unwrap();
    let mut centrals = vec![first.clone()];
    for _ in 1..instances {
        centrals.push(Central::open(&url, first.keys().clone()).unwrap());
    }
    // A PostgreSQL bench database outlives a run: count only what this run stores.
    let (stored_before, rejected_before, _) = first.counts().unwrap();
    let servers: Vec<String> = centrals
        .iter()
        .map(|c| {
            let addr = counter_server::spawn(c.clone(), "127.0.0.1:0".parse().unwrap()).unwrap();
            format!("https://localhost:{}", addr.port())
        })
        .collect();
    // Points of their own for each run: the server refuses a second opening under a number.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() % 100_000_000);
    let prepared = Instant::now();
    let fleet: Vec<Device> = (0..devices)
        .map(|d| {
            let k = d % instances;
            device(
                dir.path(),
                d,
                &format!("B{run}{d:04}"),
                cases,
                &centrals[k],
                &servers[k],
            )
        })
        .collect();
    let total: usize = fleet.iter().flat_map(|d| &d.batches).map(Vec::len).sum();
    eprintln!(
        "prepared {devices} devices, {total} events in {:.1?}",
        prepared.elapsed()
    );

    let me = std::process::id();
    let bench_cpu = || cpu_seconds(|_, pid| pid == me);
    let pg_cpu = || cpu_seconds(|comm, _| comm == "postgres");
    let statements_before: u64 = centrals.iter().map(Central::statements).sum();
    let (cpu_before, pg_before, wal_before) = (bench_cpu(), pg_cpu(), wal_position(&url));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (elapsed, lat, errors, handshakes) = rt.block_on(async move {
        let start = tokio::time::Instant::now() + Duration::from_millis(200);
        let mut tasks = tokio::task::JoinSet::new();
        for (d, dev) in fleet.into_iter().enumerate() {
            let ca = ca.clone();
            // Spread over the first interval, as a fleet's clocks are.
            let offset = if interval.is_zero() {
                Duration::ZERO
            } else {
                interval * (d as u32) / devices as u32
            };
            tasks.spawn(async move {
                let http = reqwest::Client::builder()
                    .tls_certs_only([ca])
                    .pool_max_idle_per_host(1)
                    .timeout(Duration::from_secs(120))
                    .build()
                    .unwrap();
                let mut lat = Vec::new();
                let mut errors: Vec<String> = Vec::new();
                for (k, events) in dev.batches.into_iter().enumerate() {
                    let due = start + offset + interval * k as u32;
                    tokio::time::sleep_until(due).await;
                    let sent = http
                        .post(format!("{}/v1/events", dev.server))
                        .bearer_auth(&dev.token)
                        .json(&PushRequest { events })
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status().is_success() => {
                            let _: PushResponse = r.json().await.unwrap();
                            lat.push(due.elapsed());
                        }
                        // What a counter would retry (after Retry-After, with backoff).
                        Ok(r) => errors.push(format!("HTTP {}", r.status().as_u16())),
                        Err(e) if e.is_timeout() => errors.push("client timeout".into()),
                        Err(e) if e.is_connect() => errors.push("connect".into()),
                        Err(_) => errors.push("connection dropped".into()),
                    }
                }
                (lat, errors)
            });
        }
        let began = Instant::now();
        let mut all = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).unwrap();
        let mut errors = std::collections::BTreeMap::<String, usize>::new();
        while let Some(r) = tasks.join_next().await {
            let (lat, e) = r.unwrap();
            for kind in e {
                *errors.entry(kind).or_default() += 1;
            }
            for l in lat {
                all.record(l.as_micros().max(1) as u64).unwrap();
            }
        }
        (
            began.elapsed().saturating_sub(Duration::from_millis(200)),
            all,
            errors,
            devices,
        )
    });
    let statements = centrals.iter().map(Central::statements).sum::<u64>() - statements_before;
    let (cpu, pg) = (bench_cpu() - cpu_before, pg_cpu() - pg_before);
    let wal = wal_position(&url).zip(wal_before).map(|(a, b)| a - b);
    let (stored, rejected, _) = first.counts().unwrap();
    let stored = (stored - stored_before) as usize;
    assert_eq!(rejected - rejected_before, 0, "events refused");
    let ms = |q: f64| lat.value_at_quantile(q) as f64 / 1000.0;
    let rate = stored as f64 / elapsed.as_secs_f64();
    println!("devices:        {devices} ({cases} cases, {} events each), {instances} instance(s), {backend}", cases * 6);
    println!(
        "stored:         {stored} of {total} events in {elapsed:.2?}; {} failed batches {errors:?}",
        errors.values().sum::<usize>()
    );
    println!(
        "batch latency:  p50 {:.1} ms, p99 {:.1} ms, p99.9 {:.1} ms, max {:.1} ms ({} batches)",
        ms(0.5),
        ms(0.99),
        ms(0.999),
        lat.max() as f64 / 1000.0,
        lat.len()
    );
    let per_event = |x: f64| x / stored.max(1) as f64;
    println!(
        "per event:      {:.2} statements, {:.0} µs CPU of the servers and clients (one process), {:.0} µs CPU of PostgreSQL{}",
        per_event(statements as f64),
        per_event(cpu * 1e6),
        per_event(pg * 1e6),
        wal.map_or(String::new(), |w| format!(", {:.0} bytes of WAL", per_event(w as f64)))
    );
    println!("cpu:            {cpu:.1} s servers and clients, {pg:.1} s PostgreSQL, over {elapsed:.1?} on {} cores", std::thread::available_parallelism().map_or(1, |n| n.get()));
    println!("connections:    one keep-alive connection and one full TLS handshake per device ({handshakes}); no session is resumed across devices");
    console_figures(&first);
    println!(
        "load: {rate:.0} events/s, p50 {:.0} ms, p99 {:.0} ms ({devices} devices, {instances} instances, {backend})",
        ms(0.5),
        ms(0.99)
    );
}
