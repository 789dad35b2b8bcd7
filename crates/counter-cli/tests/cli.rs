//! The `counter` binary run as a user (or another tool) runs it.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn counter(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_counter"))
        .args(args)
        .env_remove("COUNTER_CATALOGS")
        .env_remove("COUNTER_CALENDAR")
        .output()
        .expect("run counter")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(args: &[&str]) -> Value {
    let o = counter(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("valid JSON")
}

fn repo_catalogs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../catalogs")
}

#[test]
fn show_inpatient_reimbursement_as_json() {
    let v = json(&[
        "catalog",
        "show",
        "002036006002",
        "--catalog",
        "national",
        "--json",
    ]);
    assert_eq!(v["kind"], "item");
    assert_eq!(v["code"], "002036006002");
    assert_eq!(v["name"], "住院费用报销");
    assert_eq!(v["catalog"], "national");
    assert_eq!(v["main"]["code"], "00203600600Y");
    let m = v["materials"].as_array().unwrap();
    assert_eq!(m.len(), 4, "{m:#?}");
    assert_eq!(
        m[0]["any_of"],
        serde_json::json!(["医保电子凭证", "有效身份证件", "社保卡"])
    );
    let names: Vec<&str> = m.iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(&names[1..], ["医院收费票据", "住院费用清单", "诊断证明"]);
    assert!(m[1]["any_of"].is_null() && m[1]["when"].is_null() && m[1]["form"].is_null());
    assert_eq!(
        v["time_limit"],
        serde_json::json!([{"when": null, "kind": "working_days", "days": 30}])
    );
    assert_eq!(
        v["steps"],
        serde_json::json!(["申请", "受理", "审核", "拨付", "办结"])
    );
}

#[test]
fn show_for_people_is_in_chinese_and_unknown_codes_fail_clearly() {
    let o = counter(&["catalog", "show", "002036006002"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(
        out.contains("住院费用报销")
            && out.contains("申请材料")
            && out.contains("不超过30个工作日"),
        "{out}"
    );
    let o = counter(&["catalog", "show", "999999999999"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("未找到事项编码 999999999999"));
}

#[test]
fn list_counts_every_edition_built_in() {
    let v = json(&["catalog", "list", "--json"]);
    let counts: Vec<(String, u64, u64)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["items"].as_u64().unwrap(),
                c["bundles"].as_u64().unwrap(),
            )
        })
        .collect();
    let expect = |id: &str, items: u64, bundles: u64| {
        assert!(
            counts.contains(&(id.to_string(), items, bundles)),
            "{id} {items}+{bundles} in {counts:?}"
        )
    };
    expect("national", 28, 0);
    expect("jiangsu-2024", 34, 0);
    expect("jiangxi-1.0", 30, 0);
    expect("zhenjiang-2025", 0, 15);
    let national = v.as_array().unwrap().iter().find(|c| c["id"] == "national");
    assert!(national.unwrap()["title"]
        .as_str()
        .unwrap()
        .contains("全国医疗保障经办政务服务事项清单"));
}

#[test]
fn show_jiangsu_outpatient_claims_with_conditional_limits_and_four_materials() {
    let v = json(&[
        "catalog",
        "show",
        "322036066001",
        "--catalog",
        "jiangsu-2024",
        "--json",
    ]);
    assert_eq!(v["name"], "门诊费用报销");
    let limits: Vec<(String, u64)> = v["time_limit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["when"].as_str().unwrap().to_string(),
                t["days"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        limits,
        [
            ("报销情形 = 单次门诊小额费用".to_string(), 5),
            ("报销情形 = 一般".to_string(), 10),
            ("报销情形 = 特殊情况".to_string(), 20)
        ]
    );
    let unconditional: Vec<String> = v["materials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["when"].is_null())
        .map(|m| match m["name"].as_str() {
            Some(n) => n.to_string(),
            None => m["any_of"].to_string(),
        })
        .collect();
    assert_eq!(
        unconditional,
        [
            "医保电子凭证或有效身份证件或社保卡",
            "医药机构收费票据",
            "门急诊费用清单",
            "处方底方或病历资料"
        ]
    );
    assert_eq!(v["levels"], serde_json::json!(["B", "C"]));
}

#[test]
fn show_and_search_reach_zhenjiang_bundles() {
    let v = json(&["catalog", "show", "ZJ2025-05", "--json"]);
    assert_eq!(v["kind"], "bundle");
    assert_eq!(v["items"], serde_json::json!(["322036064004"]));
    let hits = json(&["catalog", "search", "零星报销", "--json"]);
    assert!(
        hits.as_array()
            .unwrap()
            .iter()
            .any(|h| h["code"] == "ZJ2025-11"),
        "{hits:#}"
    );
}

#[test]
fn diff_names_what_jiangsu_adds_drops_and_changes_against_the_national_list() {
    let v = json(&["catalog", "diff", "jiangsu-2024", "national", "--json"]);
    assert_eq!(v["catalog"], "jiangsu-2024");
    let dropped: Vec<&str> = v["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(dropped, ["出具《参保凭证》"]);
    let o = counter(&["catalog", "diff", "jiangsu-2024", "national"]);
    let text = stdout(&o);
    assert!(text.contains("+ 322036062002 家庭共济账户绑定"), "{text}");
    assert!(
        text.contains("时限：不超过30个工作日 → 10个工作日，特殊情况不超过20个工作日"),
        "{text}"
    );
    let o = counter(&["catalog", "diff", "jiangsu-2025", "national"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("未找到清单 jiangsu-2025"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn search_ranks_and_a_miss_is_an_empty_list() {
    let v = json(&["catalog", "search", "zyfy", "--json"]);
    assert_eq!(v[0]["name"], "住院费用报销");
    assert!(v[0]["code"].is_string() && v[0]["catalog"].is_string());
    assert_eq!(
        json(&["catalog", "search", "xyzxyzq", "--json"]),
        serde_json::json!([])
    );
    let o = counter(&["catalog", "search", "xyzxyzq"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("没有找到"));
}

#[test]
fn calendar_due_counts_working_days_across_national_day() {
    let o = counter(&[
        "calendar",
        "due",
        "--from",
        "2026-09-30",
        "--working-days",
        "5",
    ]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).trim(), "2026-10-13");
    let v = json(&[
        "calendar",
        "due",
        "--from",
        "2026-09-30",
        "--working-days",
        "5",
        "--json",
    ]);
    assert_eq!(
        v,
        serde_json::json!({"due": "2026-10-13", "provisional": false})
    );
    let v = json(&[
        "calendar",
        "due",
        "--from",
        "2026-12-28",
        "--working-days",
        "5",
        "--json",
    ]);
    assert_eq!(v["provisional"], true);
    let o = counter(&[
        "calendar",
        "due",
        "--from",
        "2026-12-28",
        "--working-days",
        "5",
    ]);
    assert!(stdout(&o).contains("预计"), "{}", stdout(&o));
    let o = counter(&[
        "calendar",
        "due",
        "--from",
        "2026-13-01",
        "--working-days",
        "5",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("YYYY-MM-DD"), "{}", stderr(&o));
}

#[test]
fn check_id_accepts_valid_numbers_and_explains_invalid_ones() {
    let o = counter(&["check-id", "11010519491231002X"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("1101**********002X"));
    assert!(
        !stdout(&o).contains("11010519491231002X"),
        "never print the number unmasked"
    );
    let o = counter(&["check-id", "110105194912310021"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("校验位不符"), "{}", stderr(&o));
    let o = counter(&["check-id", "1101051949"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("18位"), "{}", stderr(&o));
    let o = counter(&["check-id", "91320100MA1MI2222Y"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("统一社会信用代码"), "{}", stderr(&o));
}

#[test]
fn validate_accepts_the_repository_catalogs() {
    let o = counter(&["catalog", "validate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = repo_catalogs();
    let o = counter(&["--catalogs", dir.to_str().unwrap(), "catalog", "validate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = counter(&[
        "catalog",
        "validate",
        dir.join("calendar.toml").to_str().unwrap(),
        dir.join("national.toml").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn validate_refuses_garbled_files_naming_file_item_and_problem() {
    let national = std::fs::read_to_string(repo_catalogs().join("national.toml")).unwrap();
    let dir = std::env::temp_dir().join(format!("counter-cli-garbled-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "missing-code.toml",
            national.replacen("code = \"002036006002\"\n", "", 1),
            "住院费用报销",
            "code",
        ),
        (
            "duplicate-code.toml",
            national.replacen("code = \"002036006002\"", "code = \"002036006001\"", 1),
            "002036006001",
            "duplicate code",
        ),
        (
            "bad-limit.toml",
            national.replacen("working_days = 30", "working_days = 0", 1),
            "item 0020360",
            "time limit",
        ),
        (
            "unknown-condition.toml",
            national.replacen("when = \"", "when = \"没有的情形 = 是 && ", 1),
            "item 0020360",
            "未声明的情形“没有的情形”",
        ),
        (
            "not-toml.toml",
            "[catalog\nid=".to_string(),
            "",
            "not valid TOML",
        ),
    ];
    for (name, text, item, problem) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let o = counter(&["catalog", "validate", path.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        let line = err
            .lines()
            .find(|l| l.contains(problem))
            .unwrap_or_else(|| panic!("{name}: no line with {problem:?} in {err}"));
        assert!(line.contains(name), "{name}: {line}");
        assert!(line.contains(item), "{name}: {line}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `counter catalog diff … --json | head -1`: the reader leaves after one line; the CLI ends
/// quietly (by SIGPIPE, as other Unix tools do) instead of panicking with "Broken pipe".
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::io::{BufRead, BufReader};
    use std::os::fd::AsRawFd;
    let (reader, writer) = std::io::pipe().unwrap();
    // The smallest pipe (one page), so the 16 KB answer cannot all be written before the
    // reader goes away.
    // SAFETY: fcntl on a pipe descriptor this test owns.
    let size = unsafe { libc::fcntl(reader.as_raw_fd(), libc::F_SETPIPE_SZ, 4096) };
    assert!(size >= 4096, "F_SETPIPE_SZ: {size}");
    let child = Command::new(env!("CARGO_BIN_EXE_counter"))
        .args(["catalog", "diff", "jiangsu-2024", "national", "--json"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut lines = BufReader::with_capacity(64, reader);
    lines.read_line(&mut first).unwrap();
    drop(lines);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(first.trim(), "{");
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
}
