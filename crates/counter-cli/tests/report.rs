//! `counter report`: the figures of a fixture day equal a count made by hand, and the workbook,
//! read back by an independent reader (calamine), holds the same numbers.

use std::path::PathBuf;

use calamine::{open_workbook, Data, Reader, Xlsx};
use counter_testkit::cli::Cli;
use counter_testkit::{CLERK, ID, POINT};
use serde_json::Value;

struct Counter {
    dir: tempfile::TempDir,
}

impl Counter {
    fn cli(&self, now: &str) -> Cli {
        let dir = self.dir.path();
        let db = dir.join("counter.db");
        Cli::new(env!("CARGO_BIN_EXE_counter"), dir)
            .env("COUNTER_DB", db.to_str().unwrap())
            .env("COUNTER_KEY_FILE", dir.join("store.key").to_str().unwrap())
            .env("COUNTER_POINT", POINT)
            .env("COUNTER_CLERK", CLERK)
            .at(now)
    }

    fn run(&self, now: &str, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        self.cli(now).ok(&a)
    }

    /// What the supervisor reads in the terminal.
    fn text(&self, now: &str, args: &[&str]) -> String {
        let out = self.cli(now).run(args);
        assert!(
            out.status.success(),
            "{}",
            counter_testkit::cli::stderr(&out)
        );
        counter_testkit::cli::stdout(&out)
    }

    fn open(&self, now: &str, item: &str) -> String {
        let v = self.run(
            now,
            &[
                "case",
                "open",
                "--catalog",
                "national",
                "--item",
                item,
                "--name",
                "张三",
                "--id-number",
                ID,
            ],
        );
        v["case_no"].as_str().unwrap().to_string()
    }

    fn tick(&self, now: &str, no: &str, keys: &[&str]) {
        for k in keys {
            self.run(now, &["case", "tick", no, k]);
        }
    }
}

const DAY: &str = "2026-11-02T09:30:00";

#[test]
fn the_figures_of_a_day_are_the_count_by_hand_and_the_workbook_holds_them() {
    let c = Counter {
        dir: tempfile::tempdir().unwrap(),
    };
    // The fixture day: two accepted 住院费用报销 cases, one one-time notice, one refusal, one
    // immediate item completed at the counter, one withdrawal.
    let mut accepted = Vec::new();
    for _ in 0..2 {
        let no = c.open(DAY, "002036006002");
        c.tick(DAY, &no, &["m1", "m2", "m3", "m4"]);
        c.run(DAY, &["case", "accept", &no]);
        accepted.push(no);
    }
    // The first applicant rates it 不满意: a follow-up is due.
    c.run(DAY, &["case", "rate", &accepted[0], "--score", "2"]);
    let notified = c.open(DAY, "002036006002");
    c.tick(DAY, &notified, &["m1"]);
    c.run(DAY, &["case", "notify", &notified]);
    let refused = c.open(DAY, "002036006002");
    c.run(
        DAY,
        &[
            "case",
            "refuse",
            &refused,
            "--reason",
            "不属于本事项受理范围",
        ],
    );
    let immediate = c.open(DAY, "002036001003");
    c.tick(DAY, &immediate, &["m1", "m2"]);
    c.run(DAY, &["case", "complete", &immediate]);
    let withdrawn = c.open(DAY, "002036006002");
    c.run(DAY, &["case", "withdraw", &withdrawn]);
    // Another day's case is not counted.
    c.open("2026-11-03T09:00:00", "002036006002");

    // Months later the two accepted cases are past their 30 working days.
    let later = "2027-03-01T09:00:00";
    let xlsx: PathBuf = c.dir.path().join("figures.xlsx");
    let f = c.run(
        later,
        &[
            "report",
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-02",
            "--xlsx",
            xlsx.to_str().unwrap(),
        ],
    );
    let by_hand = [
        ("cases", 6),
        ("accepted", 3),
        ("notified", 1),
        ("refused", 1),
        ("completed", 1),
        ("withdrawn", 1),
        ("overdue", 2),
        ("due_soon", 0),
    ];
    for (k, n) in by_hand {
        assert_eq!(f[k], n, "{k}: {f}");
    }
    assert_eq!(
        f["on_time_rate"], 1.0,
        "the one completed with a due date was on time"
    );
    assert_eq!(f["on_time_text"], "100.0%", "as every screen shows it");
    let overdue: Vec<&str> = f["overdue_cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["case_no"].as_str().unwrap())
        .collect();
    assert_eq!(
        overdue,
        accepted.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(f.to_string().contains("1101**********002X"));
    assert!(!f.to_string().contains(ID), "ID numbers masked");
    assert_eq!(f["follow_ups_open"], 1, "{f}");
    assert_eq!(f["follow_ups"][0]["case_no"], accepted[0].as_str(), "{f}");
    let text = c.text(
        later,
        &["report", "--from", "2026-11-02", "--to", "2026-11-02"],
    );
    assert!(text.contains("差评待回访 1"), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains(&accepted[0]))
        .unwrap_or_default();
    assert!(
        line.contains("不满意") && line.ends_with("（已逾期）"),
        "{text}"
    );
    let items = &f["by_item"];
    assert_eq!(items[0]["key"], "002036006002");
    assert_eq!(items[0]["count"], 5);

    // The workbook, read by calamine: the same numbers, the header, masked IDs.
    let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let sheet = book.worksheet_range("统计").unwrap();
    let value = |label: &str| -> f64 {
        sheet
            .rows()
            .find(|r| r.first().is_some_and(|c| *c == label))
            .and_then(|r| r.get(1).cloned())
            .and_then(|v| match v {
                Data::Float(x) => Some(x),
                Data::Int(x) => Some(x as f64),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{label} in the workbook"))
    };
    for (label, n) in [
        ("办件量", 6.0),
        ("受理", 3.0),
        ("一次性告知", 1.0),
        ("不予受理", 1.0),
        ("办结", 1.0),
        ("撤回", 1.0),
        ("超期", 2.0),
        ("即将超期", 0.0),
        ("按时办结率", 1.0),
        ("差评待回访", 1.0),
    ] {
        assert_eq!(value(label), n, "{label}");
    }
    let header: Vec<String> = sheet.rows().take(3).map(|r| r[0].to_string()).collect();
    assert!(header[1].contains("2026-11-02 至 2026-11-02"), "{header:?}");
    assert!(header[2].contains("2027-03-01"), "{header:?}");
    let cases = book.worksheet_range("办件").unwrap();
    let rows: Vec<Vec<String>> = cases
        .rows()
        .skip(5)
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 6);
    assert!(
        rows.iter().all(|r| r[6] == "1101**********002X"),
        "{rows:?}"
    );
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(!bytes.windows(ID.len()).any(|w| w == ID.as_bytes()));
}

#[test]
fn a_period_backwards_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let err = Cli::new(env!("CARGO_BIN_EXE_counter"), dir.path()).fails(&[
        "report",
        "--from",
        "2026-11-05",
        "--to",
        "2026-11-01",
    ]);
    assert!(err.contains("晚于结束日期"), "{err}");
}
