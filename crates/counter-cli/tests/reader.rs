//! `counter reader read` against the reader simulator on a pseudo-terminal: the card as text
//! and JSON, and each failure with its reason and a non-zero exit.

use counter_devices::sim::{Mode, Simulator};
use counter_devices::Card;

fn card(valid_to: &str) -> Card {
    Card {
        name: "李克隆".into(),
        sex: "女".into(),
        nation: "回".into(),
        birth: "1985-03-08".into(),
        address: "江苏省镇江市京口区学府路88号".into(),
        id_number: "11010519491231002X".into(),
        authority: "镇江市公安局京口分局".into(),
        valid_from: "2010-01-01".into(),
        valid_to: valid_to.into(),
    }
}

fn counter(args: &[&str]) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_counter"))
        .args(args)
        .env("COUNTER_DB", dir.path().join("c.db"))
        .env("COUNTER_KEY_FILE", dir.path().join("c.key"))
        .env("COUNTER_NOW", "2026-12-04T09:00:00")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn the_card_on_the_reader_is_printed() {
    let sim = Simulator::start(Mode::Card(card("2030-01-01"))).unwrap();
    let (ok, out, err) = counter(&["reader", "read", "--port", &sim.path, "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for (k, want) in [
        ("id_number", "11010519491231002X"),
        ("name", "李克隆"),
        ("sex", "女"),
        ("nation", "回"),
        ("birth", "1985-03-08"),
        ("address", "江苏省镇江市京口区学府路88号"),
        ("authority", "镇江市公安局京口分局"),
        ("valid_from", "2010-01-01"),
        ("valid_to", "2030-01-01"),
    ] {
        assert_eq!(v[k], want, "{k}: {out}");
    }
    assert_eq!(v["expired"], false);
    let sim = Simulator::start(Mode::Card(card("2020-01-01"))).unwrap();
    let (ok, out, _) = counter(&["reader", "read", "--port", &sim.path]);
    assert!(ok);
    assert!(
        out.contains("姓名：李克隆") && out.contains("已过有效期"),
        "{out}"
    );
}

#[test]
fn each_failure_exits_with_its_reason() {
    for (mode, want) in [
        (Mode::NoCard, "未放卡"),
        (Mode::BadCheck(card("2030-01-01")), "校验错误"),
        (Mode::Unplugged(card("2030-01-01")), "读卡器"),
    ] {
        let sim = Simulator::start(mode).unwrap();
        let (ok, out, err) = counter(&["reader", "read", "--port", &sim.path]);
        assert!(!ok, "{out}");
        assert!(err.contains(want), "{err}");
        assert!(!err.contains("11010519491231002X"), "{err}");
    }
    let (ok, _, err) = counter(&["reader", "read", "--port", "/dev/counter-no-reader"]);
    assert!(!ok);
    assert!(err.contains("读卡器未连接"), "{err}");
}
