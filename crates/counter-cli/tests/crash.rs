//! The process is killed (SIGKILL) in the middle of a stream of writes, hundreds of times:
//! afterwards the file is sound and every write the program acknowledged is there.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

use counter_store::Store;

#[test]
fn killing_the_writer_mid_stream_never_loses_an_acknowledged_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("counter.db");
    let key = dir.path().join("store.key");
    let kills = 200;
    // A fixed linear congruential sequence: varied kill points, reproducible runs.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut acknowledged: Vec<(String, usize)> = Vec::new();
    for _ in 0..kills {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        // The kill lands a varied moment after the writer's first acknowledged write, so it
        // strikes mid-stream however long the process takes to start on a loaded machine.
        let wait = Duration::from_millis((seed >> 33) % 40);
        let mut child = Command::new(env!("CARGO_BIN_EXE_counter"))
            .args(["case", "stress", "--count", "100000", "--db"])
            .arg(&db)
            .env("COUNTER_KEY_FILE", &key)
            .env("COUNTER_NOW", "2025-09-26T09:30:00")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut out = String::new();
        stdout.read_line(&mut out).unwrap();
        std::thread::sleep(wait);
        child.kill().unwrap();
        child.wait().unwrap();
        stdout.read_to_string(&mut out).unwrap();
        for line in out.lines() {
            // A line cut by the kill is not an acknowledgement.
            if let Some((no, n)) = line.split_once(' ') {
                if let Ok(n) = n.parse::<usize>() {
                    acknowledged.push((no.to_string(), n));
                }
            }
        }
    }
    assert!(
        acknowledged.len() > kills,
        "the writer got going between kills ({} writes)",
        acknowledged.len()
    );
    let store = Store::open(&db, &key).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let mut checked = std::collections::BTreeMap::new();
    for (no, n) in &acknowledged {
        let e = checked.entry(no.clone()).or_insert(0usize);
        *e = (*e).max(*n);
    }
    for (no, n) in &checked {
        let events = store.events(no).unwrap();
        assert!(
            events.len() >= *n,
            "{no}: {} events, {n} acknowledged",
            events.len()
        );
        let case = store.case(no).unwrap();
        // The state always matches the events written with it.
        let accepted = events.iter().any(|e| e.event.change.kind() == "accepted");
        assert_eq!(accepted, case.state.as_str() == "accepted", "{no}");
    }
    println!(
        "{kills} kills, {} acknowledged writes over {} cases, all present",
        acknowledged.len(),
        checked.len()
    );
}
