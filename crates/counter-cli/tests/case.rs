//! A whole intake run from a terminal, as another tool would drive it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use counter_testkit::cli::{stderr, stdout, Cli};
use counter_testkit::pdf;
use counter_testkit::{CLERK, ID, POINT};
use serde_json::Value;

struct Counter {
    dir: tempfile::TempDir,
}

impl Counter {
    fn new() -> Counter {
        Counter {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("data/counter.db")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("counter.log")
    }

    fn run(&self, args: &[&str]) -> Output {
        let dir = self.dir.path();
        Cli::new(env!("CARGO_BIN_EXE_counter"), dir)
            .env("COUNTER_DB", self.db().to_str().unwrap())
            .env(
                "COUNTER_KEY_FILE",
                dir.join("config/store.key").to_str().unwrap(),
            )
            .env("COUNTER_LOG", "debug")
            .env("COUNTER_LOG_FILE", self.log().to_str().unwrap())
            .env("COUNTER_POINT", POINT)
            .env("COUNTER_CLERK", CLERK)
            .run(args)
    }

    /// Runs with `--db` after the verb and `--json`; the command must succeed.
    fn json(&self, args: &[&str]) -> Value {
        let mut a: Vec<&str> = args.to_vec();
        let db = self.db();
        a.extend(["--db", db.to_str().unwrap(), "--json"]);
        let o = self.run(&a);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        serde_json::from_slice(&o.stdout).expect("valid JSON")
    }

    /// Runs with `--db` before the verb; the command must fail.
    fn fails(&self, args: &[&str]) -> String {
        let db = self.db();
        let mut a = vec!["--db", db.to_str().unwrap()];
        a.extend(args);
        let o = self.run(&a);
        assert!(!o.status.success(), "{args:?} should fail: {}", stdout(&o));
        stderr(&o)
    }

    fn events(&self, case_no: &str) -> usize {
        self.json(&["case", "show", case_no])["events"]
            .as_array()
            .unwrap()
            .len()
    }
}

fn statuses(v: &Value) -> Vec<(String, String)> {
    v["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["key"].as_str().unwrap().to_string(),
                m["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn open_inpatient(c: &Counter) -> String {
    let v = c.json(&[
        "case",
        "open",
        "--catalog",
        "national",
        "--item",
        "002036006002",
        "--name",
        "张三丰",
        "--id-number",
        ID,
        "--phone",
        "13800138000",
    ]);
    v["case_no"].as_str().unwrap().to_string()
}

#[test]
fn inpatient_claim_from_open_to_notice_to_resume_to_acceptance() {
    let c = Counter::new();
    let v = c.json(&[
        "case",
        "open",
        "--catalog",
        "national",
        "--item",
        "002036006002",
        "--name",
        "张三丰",
        "--id-number",
        ID,
    ]);
    let no = v["case_no"].as_str().unwrap().to_string();
    assert_eq!(no, "3211-20250926-0001");
    assert_eq!(v["state"], "draft");
    let names: Vec<&str> = v["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "医保电子凭证或有效身份证件或社保卡",
            "医院收费票据",
            "住院费用清单",
            "诊断证明"
        ]
    );
    c.json(&[
        "case",
        "tick",
        &no,
        "m1",
        "--electronic",
        "--option",
        "医保电子凭证",
    ]);
    c.json(&["case", "tick", &no, "m2"]);
    let v = c.json(&["case", "tick", &no, "m3", "--copy", "--copies", "2"]);
    assert_eq!(v["materials"][2]["form"], "copy");
    assert_eq!(v["materials"][2]["copies"], 2);
    let err = c.fails(&["case", "accept", &no]);
    assert!(err.contains("尚缺材料：诊断证明"), "{err}");
    let v = c.json(&["case", "notify", &no]);
    assert_eq!(v["state"], "notified");
    let listed: Vec<&str> = v["notice"]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["诊断证明"]);
    let v = c.json(&["case", "resume", &no]);
    assert_eq!(v["state"], "draft");
    assert_eq!(v["missing"], serde_json::json!(["m4"]));
    c.json(&["case", "tick", &no, "m4"]);
    let v = c.json(&["case", "accept", &no]);
    assert_eq!(v["state"], "accepted");
    // 30 working days, as the calendar counts them from the same day.
    let due = Command::new(env!("CARGO_BIN_EXE_counter"))
        .args([
            "calendar",
            "due",
            "--from",
            "2025-09-26",
            "--working-days",
            "30",
        ])
        .output()
        .unwrap();
    assert_eq!(v["due"].as_str().unwrap(), stdout(&due).trim());
    assert_eq!(v["acceptance"]["working_days"], 30);
    assert_eq!(v["acceptance"]["provisional"], false);
    let shown = c.json(&["case", "show", &no]);
    let kinds: Vec<&str> = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["opened", "ticked", "ticked", "ticked", "notified", "resumed", "ticked", "accepted"]
    );
    assert!(statuses(&shown).iter().all(|(_, s)| s == "received"));
    let listed = c.json(&["case", "list", "--state", "accepted"]);
    assert_eq!(listed[0]["case_no"], no.as_str());
    assert_eq!(listed[0]["id_masked"], "1101**********002X");
}

#[test]
fn bad_input_exits_non_zero_with_a_message_and_changes_nothing() {
    let c = Counter::new();
    let no = open_inpatient(&c);
    let before = c.events(&no);
    let err = c.fails(&[
        "case",
        "open",
        "--catalog",
        "national",
        "--item",
        "002036006002",
        "--name",
        "李四",
        "--id-number",
        "110105194912310021",
    ]);
    assert!(err.contains("校验位"), "{err}");
    let err = c.fails(&[
        "case",
        "open",
        "--catalog",
        "national",
        "--item",
        "002036099999",
        "--name",
        "李四",
        "--id-number",
        ID,
    ]);
    assert!(err.contains("没有事项 002036099999"), "{err}");
    let err = c.fails(&["case", "tick", &no, "m7"]);
    assert!(err.contains("没有材料 m7"), "{err}");
    let err = c.fails(&["case", "tick", &no, "m2", "--option", "社保卡"]);
    assert!(err.contains("不是任选其一"), "{err}");
    let err = c.fails(&["case", "accept", &no]);
    assert!(err.contains("尚缺材料"), "{err}");
    let err = c.fails(&["case", "resume", &no]);
    assert!(err.contains("当前为“受理中”，不能继续受理"), "{err}");
    let err = c.fails(&["case", "refuse", &no, "--reason", " "]);
    assert!(err.contains("请填写不予受理的理由"), "{err}");
    let err = c.fails(&["case", "answer", &no, "急诊"]);
    assert!(err.contains("情形=选项"), "{err}");
    let err = c.fails(&["case", "show", "3211-20990101-0001"]);
    assert!(err.contains("未找到办件"), "{err}");
    assert_eq!(c.events(&no), before);
    let list = c.json(&["case", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[test]
fn refusal_withdrawal_and_the_duplicate_warning() {
    let c = Counter::new();
    let first = open_inpatient(&c);
    let second = c.json(&[
        "case",
        "open",
        "--catalog",
        "national",
        "--item",
        "002036006002",
        "--name",
        "张三丰",
        "--id-number",
        ID,
    ]);
    assert_eq!(second["duplicates"], serde_json::json!([first.clone()]));
    let no = second["case_no"].as_str().unwrap();
    let v = c.json(&[
        "case",
        "refuse",
        no,
        "--reason",
        "重复申请",
        "--apply-to",
        "原受理窗口",
    ]);
    assert_eq!(v["state"], "refused");
    assert_eq!(v["refusal"]["apply_to"], "原受理窗口");
    let v = c.json(&["case", "withdraw", &first, "--reason", "申请人撤回"]);
    assert_eq!(v["state"], "withdrawn");
    let err = c.fails(&["case", "withdraw", &first]);
    assert!(err.contains("不能撤回"), "{err}");
}

/// A case withdrawn after acceptance offers no receipt, and `doc receipt` refuses it (the same
/// rule as the window's reprint list: `Case::documents`).
#[test]
fn a_case_withdrawn_after_acceptance_offers_no_receipt() {
    let c = Counter::new();
    let no = open_inpatient(&c);
    for k in ["m1", "m2", "m3", "m4"] {
        c.json(&["case", "tick", &no, k]);
    }
    let v = c.json(&["case", "accept", &no]);
    assert_eq!(v["documents"], serde_json::json!(["receipt"]));
    let v = c.json(&["case", "withdraw", &no, "--reason", "申请人撤回"]);
    assert_eq!(v["state"], "withdrawn");
    assert_eq!(v["documents"], serde_json::json!([]));
    let out = c.dir.path().join("r.pdf");
    let err = c.fails(&["doc", "receipt", &no, "--out", out.to_str().unwrap()]);
    assert!(err.contains("不能出具受理回执"), "{err}");
    assert!(!out.exists());
}

#[test]
fn an_agent_and_an_immediate_item_completed_on_the_spot() {
    let c = Counter::new();
    let v = c.json(&[
        "case",
        "open",
        "--catalog",
        "national",
        "--item",
        "002036002002",
        "--name",
        "张三丰",
        "--id-number",
        ID,
        "--agent-name",
        "李四",
        "--agent-id-number",
        "110105194912310011",
    ]);
    let keys: Vec<String> = statuses(&v).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["m1", "agent1", "agent2", "agent3"]);
    let no = v["case_no"].as_str().unwrap();
    for k in &keys {
        c.json(&["case", "tick", no, k]);
    }
    let v = c.json(&["case", "complete", no]);
    assert_eq!(v["state"], "completed");
    assert_eq!(v["acceptance"]["kind"], "immediate");
}

#[test]
fn a_backup_is_a_working_store() {
    let c = Counter::new();
    let no = open_inpatient(&c);
    let to = c.dir.path().join("backup.db");
    let o = c.run(&[
        "backup",
        "--to",
        to.to_str().unwrap(),
        "--db",
        c.db().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = Command::new(env!("CARGO_BIN_EXE_counter"))
        .args(["case", "show", &no, "--json", "--db", to.to_str().unwrap()])
        .env("COUNTER_KEY_FILE", c.dir.path().join("config/store.key"))
        .output()
        .unwrap();
    assert!(v.status.success(), "{}", stderr(&v));
    let o = c.run(&[
        "backup",
        "--to",
        to.to_str().unwrap(),
        "--db",
        c.db().to_str().unwrap(),
    ]);
    assert!(!o.status.success(), "an existing backup is not overwritten");
}

#[test]
fn logs_never_hold_an_unmasked_id_number_or_a_name() {
    let c = Counter::new();
    let no = open_inpatient(&c);
    c.json(&["case", "tick", &no, "m1"]);
    c.fails(&["case", "accept", &no]);
    c.fails(&[
        "case",
        "open",
        "--catalog",
        "national",
        "--item",
        "002036006002",
        "--name",
        "张三丰",
        "--id-number",
        "110105194912310021",
    ]);
    let log = std::fs::read_to_string(c.log()).unwrap();
    assert!(log.contains("case opened"), "{log}");
    assert!(log.contains("1101**********002X"), "{log}");
    for secret in [ID, "110105194912310021", "张三丰", "13800138000"] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
    // The ID number also never appears in the data directory in clear.
    let db = std::fs::read(c.db()).unwrap();
    assert!(!db.windows(ID.len()).any(|w| w == ID.as_bytes()));
    assert!(Path::new(&c.dir.path().join("config/store.key")).exists());
}

#[test]
fn the_notice_of_a_notified_case_is_a_small_one_page_pdf_and_prints() {
    let c = Counter::new();
    let no = open_inpatient(&c);
    for k in ["m1", "m2", "m3"] {
        c.json(&["case", "tick", &no, k]);
    }
    c.json(&["case", "notify", &no]);
    let out = c.dir.path().join("notice.pdf");
    let db = c.db();
    let o = c.run(&[
        "doc",
        "notice",
        &no,
        "--out",
        out.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let size = std::fs::metadata(&out).unwrap().len();
    assert!(size < 100_000, "{size} bytes");
    assert_eq!(pdf::pages(&out), 1);
    let text = pdf::text(&out);
    assert!(text.contains("诊断证明") && text.contains(&no), "{text}");
    // A receipt for a case that is not accepted is refused with the reason.
    let err = c.fails(&["doc", "receipt", &no, "--out", "/tmp/never.pdf"]);
    assert!(err.contains("不能出具受理回执"), "{err}");
    // Office settings come from --office; a broken file is named.
    let office = c.dir.path().join("office.toml");
    std::fs::write(&office, "name = \"测试中心\"\naddress = \"\"\nphone = \"1\"\ncomplaint_phone = \"2\"\npoint = \"3211\"\n").unwrap();
    let err = c.fails(&[
        "doc",
        "notice",
        &no,
        "--out",
        "/tmp/never.pdf",
        "--office",
        office.to_str().unwrap(),
    ]);
    assert!(err.contains("缺少地址"), "{err}");
    let o = c.run(&[
        "doc",
        "print",
        out.to_str().unwrap(),
        "--printer",
        "CounterPDF",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("已送打印：CounterPDF-"),
        "{}",
        stdout(&o)
    );
}

/// A 一件事 bundle opened from the terminal is a bundle case, as in the window (the core
/// decides it from the catalog; the CLI used to record none).
#[test]
fn a_bundle_opened_from_the_terminal_is_recorded_as_the_bundle() {
    let c = Counter::new();
    let v = c.json(&[
        "case",
        "open",
        "--catalog",
        "zhenjiang-2025",
        "--item",
        "ZJ2025-05",
        "--name",
        "张三丰",
        "--id-number",
        ID,
    ]);
    assert_eq!(v["bundle"], "ZJ2025-05", "{v}");
    let item = c.json(&[
        "case",
        "open",
        "--catalog",
        "national",
        "--item",
        "002036006002",
        "--name",
        "张三丰",
        "--id-number",
        ID,
    ]);
    assert!(item["bundle"].is_null(), "{item}");
}
