//! `counter sync` against the real central server on 127.0.0.1: a thousand cases made offline
//! reach it exactly once, and a central decision comes back to the point's ledger.

use std::path::Path;
use std::process::{Command, Output};

use counter_core::proto::RemoteStatus;
use counter_testkit::central::pilot;
use counter_testkit::cli::Cli;
use counter_testkit::{decided, pdf};
use serde_json::Value;

fn cli(dir: &Path) -> Cli {
    Cli::new(env!("CARGO_BIN_EXE_counter"), dir)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    cli(dir).run(args)
}

fn json(dir: &Path, args: &[&str]) -> Value {
    cli(dir).ok(args)
}

#[test]
fn offline_cases_reach_the_server_once_and_a_central_completion_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (central, server) = pilot(d);
    // Not enrolled yet: a clear message, nothing lost.
    let o = run(d, &["sync", "now"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("尚未注册"));
    // A thousand cases while offline (open, four ticks, accept: six events each).
    let o = run(d, &["case", "stress", "--count", "1000"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(json(d, &["sync", "status", "--json"])["pending"], 6000);
    let code = central.enroll_code("9999", Some("E"), None).unwrap();
    let o = run(
        d,
        &["sync", "enroll", "--server", &server.url(), "--code", &code],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = json(d, &["sync", "now", "--json"]);
    assert_eq!(r["pushed"], 6000);
    assert_eq!(r["rejected"], serde_json::json!([]));
    assert_eq!(central.counts().unwrap(), (6000, 0, 1000));
    assert_eq!(json(d, &["sync", "now", "--json"])["pushed"], 0);
    central
        .decide(
            "9999-20250926-0007",
            RemoteStatus::Completed,
            None,
            "李审核",
            decided(),
        )
        .unwrap();
    assert_eq!(json(d, &["sync", "now", "--json"])["pulled"], 1);
    let done = json(d, &["case", "list", "--state", "completed", "--json"]);
    assert_eq!(done.as_array().unwrap().len(), 1);
    assert_eq!(done[0]["case_no"], "9999-20250926-0007");
    // Accepted on 2025-09-26, completed centrally weeks later: the case and its completion
    // slip carry the central decision's time and author, not the acceptance's.
    let case = json(d, &["case", "show", "9999-20250926-0007", "--json"]);
    assert_eq!(case["completed_at"], "2025-10-15T10:20:00");
    assert_eq!(case["completed_by"], "中心：李审核");
    assert_eq!(
        case["documents"],
        serde_json::json!(["receipt", "completion"])
    );
    let slip = d.join("completion.pdf");
    let o = run(
        d,
        &[
            "doc",
            "completion",
            "9999-20250926-0007",
            "--out",
            slip.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = pdf::flat_of(&std::fs::read(&slip).unwrap());
    assert!(text.contains("办结时间：2025年10月15日10:20"), "{text}");
    assert!(
        text.contains("中心：李审核") && text.contains("受理时间：2025年9月26日"),
        "{text}"
    );
    assert!(!text.contains("当场办结"), "{text}");
    let st = json(d, &["sync", "status", "--json"]);
    assert_eq!(st["pending"], 0);
    assert!(st["last_error"].is_null() && st["last_success"].is_string());
}

/// `counter sync now` killed (SIGKILL) again and again while it pulls central decisions: the
/// changes and the cursor are saved together, so none is lost and none applied twice.
#[test]
fn a_pull_killed_midway_loses_and_repeats_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (central, server) = pilot(d);
    assert!(run(d, &["case", "stress", "--count", "300"])
        .status
        .success());
    let code = central.enroll_code("9999", None, None).unwrap();
    assert!(run(
        d,
        &["sync", "enroll", "--server", &server.url(), "--code", &code]
    )
    .status
    .success());
    assert_eq!(json(d, &["sync", "now", "--json"])["pushed"], 1800);
    for n in 1..=300 {
        central
            .decide(
                &format!("9999-20250926-{n:04}"),
                RemoteStatus::Completed,
                None,
                "李审核",
                decided(),
            )
            .unwrap();
    }
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..40 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mut child = Command::new(env!("CARGO_BIN_EXE_counter"))
            .args(["sync", "now"])
            .env("COUNTER_DB", d.join("point.db"))
            .env("COUNTER_KEY_FILE", d.join("point.key"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5 + (seed >> 33) % 40));
        child.kill().ok();
        child.wait().unwrap();
    }
    // A last, complete run; then every case is completed exactly once.
    json(d, &["sync", "now", "--json"]);
    let done = json(d, &["case", "list", "--state", "completed", "--json"]);
    assert_eq!(done.as_array().unwrap().len(), 300);
    for n in [1, 150, 300] {
        let shown = json(
            d,
            &["case", "show", &format!("9999-20250926-{n:04}"), "--json"],
        );
        let completed = shown["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == "completed")
            .count();
        assert_eq!(completed, 1, "case {n}");
    }
    assert_eq!(json(d, &["sync", "now", "--json"])["pulled"], 0);
}

/// A newer signed edition of a catalog arrives while a case opened under the older one is in
/// hand: that case is ticked, notified, accepted and printed under the edition it was opened
/// with (its materials, its time limit); a case opened afterwards gets the new edition.
#[test]
fn a_case_stays_on_the_catalog_edition_it_was_opened_under() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (central, server) = pilot(d);
    let code = central.enroll_code("3211", None, None).unwrap();
    let url = server.url();
    let o = run(d, &["sync", "enroll", "--server", &url, "--code", &code]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let open = |d: &std::path::Path| -> String {
        let v = json(
            d,
            &[
                "case",
                "open",
                "--catalog",
                "national",
                "--item",
                "002036006002",
                "--name",
                "张三丰",
                "--id-number",
                "11010519491231002X",
                "--point",
                "3211",
                "--json",
            ],
        );
        v["case_no"].as_str().unwrap().to_string()
    };
    let old = open(d);
    // Edition 2 of the national list: 住院费用报销 asks for a 住院费用明细清单 within 20 days.
    let v1 = counter_core::bundled::CATALOG_FILES[0].1;
    let v2 = v1
        .replace("name = \"住院费用清单\"", "name = \"住院费用明细清单\"")
        .replace(
            "time_limit_text = \"不超过30个工作日\"\ntime_limit = [{ working_days = 30 }]\nsource_note = \"备注 and 设定依据 cells blank",
            "time_limit_text = \"不超过20个工作日\"\ntime_limit = [{ working_days = 20 }]\nsource_note = \"备注 and 设定依据 cells blank",
        );
    assert_ne!(v1, v2);
    central.publish("catalog", &v2).unwrap();
    let r = json(d, &["sync", "now", "--json"]);
    assert_eq!(r["snapshots"], 1, "{r}");
    // The old case, under edition 1.
    for k in ["m1", "m2", "m4"] {
        json(d, &["case", "tick", &old, k, "--json"]);
    }
    let v = json(d, &["case", "notify", &old, "--json"]);
    assert_eq!(v["notice"]["missing"][0]["name"], "住院费用清单");
    json(d, &["case", "resume", &old, "--json"]);
    json(d, &["case", "tick", &old, "m3", "--json"]);
    let v = json(d, &["case", "accept", &old, "--json"]);
    assert_eq!(v["acceptance"]["working_days"], 30, "{v}");
    let receipt = d.join("old.pdf");
    let o = run(
        d,
        &["doc", "receipt", &old, "--out", receipt.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = pdf::flat_of(&std::fs::read(&receipt).unwrap());
    assert!(
        text.contains("承诺件（30个工作日）") && text.contains("住院费用清单"),
        "{text}"
    );
    assert!(!text.contains("住院费用明细清单"), "{text}");
    // A new case, under edition 2.
    let new = open(d);
    let v = json(d, &["case", "show", &new, "--json"]);
    let names: Vec<&str> = v["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"住院费用明细清单"), "{names:?}");
    for k in ["m1", "m2", "m3", "m4"] {
        json(d, &["case", "tick", &new, k, "--json"]);
    }
    let v = json(d, &["case", "accept", &new, "--json"]);
    assert_eq!(v["acceptance"]["working_days"], 20, "{v}");
    assert_ne!(
        v["revision"],
        json(d, &["case", "show", &old, "--json"])["revision"]
    );
}
