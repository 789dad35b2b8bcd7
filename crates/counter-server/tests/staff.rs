//! `counter-server staff …`, the real binary on a real SQLite store: the password from
//! standard input (as a script gives it), the list in words, bad input refused in Chinese with
//! a non-zero exit and nothing changed.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn staff(dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_counter-server"))
        .arg("--db")
        .arg(format!("sqlite:{}", dir.join("c.db").display()))
        .arg("--keys")
        .arg(dir.join("keys"))
        .arg("staff")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn staff_are_added_listed_disabled_and_reset_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = staff(
        d,
        &[
            "add",
            "王审核",
            "--role",
            "reviewer",
            "--points",
            "3211,3212",
        ],
        "correct horse 42\n",
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("已添加审核员“王审核”"), "{}", out(&o));
    let o = staff(
        d,
        &["add", "李审计", "--role", "auditor"],
        "another password\n",
    );
    assert!(o.status.success(), "{}", err(&o));

    // Refused, in words, and nothing stored.
    for (args, input, words) in [
        (
            vec!["add", "赵", "--role", "boss"],
            "long enough pw\n",
            "角色“boss”无效",
        ),
        (
            vec!["add", "赵", "--role", "admin"],
            "short\n",
            "密码至少 10 个字符",
        ),
        (
            vec!["add", "王审核", "--role", "admin"],
            "long enough pw\n",
            "已存在",
        ),
        (
            vec!["add", "有 空格", "--role", "admin"],
            "long enough pw\n",
            "用户名“有 空格”无效",
        ),
        (
            vec!["add", "赵", "--role", "reviewer", "--points", "32-11"],
            "long enough pw\n",
            "网点代码“32-11”无效",
        ),
        (vec!["disable", "无此人"], "", "没有名为“无此人”的职员"),
    ] {
        let o = staff(d, &args, input);
        assert!(!o.status.success(), "{args:?} was taken");
        assert!(err(&o).contains(words), "{args:?}: {}", err(&o));
    }

    let list = out(&staff(d, &["list"], ""));
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    assert!(list.contains("王审核  审核员  3211,3212  使用中"), "{list}");
    assert!(list.contains("李审计  审计员  全部网点  使用中"), "{list}");

    assert!(staff(d, &["disable", "李审计"], "").status.success());
    assert!(out(&staff(d, &["list"], "")).contains("李审计  审计员  全部网点  已停用"));
    let o = staff(d, &["reset", "李审计"], "a brand new one\n");
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&staff(d, &["list"], "")).contains("李审计  审计员  全部网点  使用中"));
}
