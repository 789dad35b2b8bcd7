//! Assisted service across the real central server and two real points on 127.0.0.1, each
//! with its own store: a village point (E) accepts 异地就医备案 offline and hands the paper to
//! the township office (D); the township receives it; the case is completed centrally; the
//! result comes back by a return hand-over, is handed back to the applicant and rated — and
//! both points see the same custody chain and the rating.

use std::path::Path;
use std::process::Output;

use counter_core::proto::RemoteStatus;
use counter_server::Central;
use counter_testkit::central::{pilot, Server};
use counter_testkit::cli::Cli;
use counter_testkit::pdf;
use counter_testkit::ID;
use serde_json::Value;

fn cli(dir: &Path) -> Cli {
    Cli::new(env!("CARGO_BIN_EXE_counter"), dir)
}

fn run_at(dir: &Path, now: &str, args: &[&str]) -> Output {
    cli(dir).at(now).run(args)
}

fn ok(dir: &Path, args: &[&str]) -> Value {
    cli(dir).ok(args)
}

fn fails(dir: &Path, args: &[&str]) -> String {
    cli(dir).fails(args)
}

fn enroll(dir: &Path, central: &Central, server: &Server, point: &str, level: &str) {
    let code = central
        .enroll_code(point, Some(level), Some(&format!("{point}便民服务点")))
        .unwrap();
    ok(
        dir,
        &["sync", "enroll", "--server", &server.url(), "--code", &code],
    );
}

/// Opens a case of `item` and ticks every required material; returns its number.
fn open_ticked(dir: &Path, item: &str) -> String {
    let v = ok(
        dir,
        &[
            "case",
            "open",
            "--catalog",
            "jiangsu-2024",
            "--item",
            item,
            "--name",
            "张三",
            "--id-number",
            ID,
            "--clerk",
            "村代办员",
            "--json",
        ],
    );
    let no = v["case_no"].as_str().unwrap().to_string();
    for m in v["materials"].as_array().unwrap() {
        if m["optional"] == true {
            continue;
        }
        let key = m["key"].as_str().unwrap();
        let mut args = vec!["case", "tick", &no, key];
        if let Some(first) = m["any_of"].as_array().and_then(|a| a.first()) {
            args.extend(["--option", first.as_str().unwrap()]);
        }
        ok(dir, &args);
    }
    no
}

fn custody(v: &Value) -> Vec<(String, String, String, String)> {
    v["custody"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let f = |k: &str| s[k].as_str().unwrap_or_default().to_string();
            (f("from"), f("to"), f("kind"), f("by"))
        })
        .collect()
}

#[test]
fn the_paper_goes_from_village_to_township_and_back_and_both_see_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (v, t) = (dir.path().join("village"), dir.path().join("township"));
    std::fs::create_dir_all(&v).unwrap();
    std::fs::create_dir_all(&t).unwrap();
    let (central, server) = pilot(dir.path());
    enroll(&v, &central, &server, "E01", "E");
    enroll(&t, &central, &server, "D01", "D");
    // The village registers the township above it (设置 → 上级经办机构).
    std::fs::write(
        v.join("office.toml"),
        "name = \"丁卯村便民服务站\"\naddress = \"丁卯村1号\"\nphone = \"0511-1\"\n\
         complaint_phone = \"12345\"\npoint = \"E01\"\nlevel = \"E\"\n\
         [[handled_by]]\nlevel = \"D\"\npoint = \"D01\"\nname = \"丁卯街道便民服务中心\"\n",
    )
    .unwrap();

    // Offline from here on: the village accepts 异地安置退休人员备案 on the applicant's behalf.
    let case = open_ticked(&v, "322036013001");
    assert!(case.starts_with("E01-"), "{case}");
    // Who accepts signs the acceptance (and the first step of the custody chain).
    ok(&v, &["case", "accept", &case, "--clerk", "村代办员"]);
    // Accepted on the applicant's behalf: the authorisation is one of its materials.
    let shown = ok(&v, &["case", "show", &case, "--json"]);
    let auth = shown["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["source"] == "assisted")
        .expect("an authorisation material");
    assert_eq!(auth["status"], "received");
    assert!(auth["name"].as_str().unwrap().contains("帮办代办委托书"));
    let receipt = v.join("receipt.pdf");
    ok(
        &v,
        &["doc", "receipt", &case, "--out", receipt.to_str().unwrap()],
    );
    let text = pdf::flat_of(&std::fs::read(&receipt).unwrap());
    // The receipt names the township as registered, not a level code.
    assert!(
        text.contains("本件为帮办代办") && text.contains("移交丁卯街道便民服务中心办理"),
        "{text}"
    );
    assert!(!text.contains("办理层级"), "{text}");

    // 住院费用报销 is not for a village point: refused, and a notice says where to go.
    let other = open_ticked(&v, "322036066002");
    let e = fails(&v, &["case", "accept", &other]);
    assert!(
        e.contains("不能受理此事项") && e.contains("县(市、区)"),
        "{e}"
    );
    let n = ok(&v, &["case", "notify", &other, "--json"]);
    assert_eq!(n["state"], "notified");
    assert!(n["notice"]["apply_to"]
        .as_str()
        .unwrap()
        .starts_with("县(市、区)"));
    let pdf = v.join("guidance.pdf");
    ok(
        &v,
        &["doc", "notice", &other, "--out", pdf.to_str().unwrap()],
    );
    let text = pdf::flat_of(&std::fs::read(&pdf).unwrap());
    assert!(
        text.contains("本网点不能代为受理") && text.contains("县(市、区)医疗保障经办机构"),
        "{text}"
    );
    assert!(
        text.contains("住院费用清单") && text.contains("需携带的材料"),
        "every material to bring: {text}"
    );

    // A mistyped office code: offline the village is told it is not the registered township;
    // sent anyway, the central server refuses the hand-over and says why; the village takes
    // the sheet back and the paper is its own again.
    let e = fails(&v, &["handover", "create", "--cases", &case, "--to", "D1O"]);
    assert!(
        e.contains("D1O") && e.contains("丁卯街道便民服务中心（D01）"),
        "{e}"
    );
    let wrong = ok(
        &v,
        &[
            "handover",
            "create",
            "--cases",
            &case,
            "--to",
            "D1O",
            "--unregistered",
            "--json",
        ],
    );
    let wrong = wrong["sheet_no"].as_str().unwrap().to_string();
    let r = ok(&v, &["sync", "now", "--json"]);
    let why = r["rejected"][0]["reason"].as_str().unwrap_or_default();
    assert!(why.contains("D1O") && why.contains("未在中心登记"), "{r}");
    ok(
        &v,
        &["handover", "recall", &wrong, "--reason", "网点代码填错"],
    );
    let held = ok(&v, &["case", "list", "--held", "--json"]);
    assert_eq!(held[0]["case_no"], case.as_str());

    // The hand-over sheet, made offline; its PDF carries the sheet number.
    let sheet_pdf = v.join("sheet.pdf");
    let s = ok(
        &v,
        &[
            "handover",
            "create",
            "--cases",
            &case,
            "--to",
            "D01",
            "--clerk",
            "村代办员",
            "--out",
            sheet_pdf.to_str().unwrap(),
            "--json",
        ],
    );
    let sheet = s["sheet_no"].as_str().unwrap().to_string();
    assert_eq!(s["cases"], serde_json::json!([case]));
    assert!(pdf::text_of(&std::fs::read(&sheet_pdf).unwrap()).contains(&sheet));
    // Its QR code carries the sheet number, for the receiving office's scanner.
    let png = v.join("sheet");
    pdf::tool(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            "-singlefile",
            sheet_pdf.to_str().unwrap(),
            png.to_str().unwrap(),
        ],
    );
    let qr = pdf::tool(
        "zbarimg",
        &["-q", "--raw", v.join("sheet.png").to_str().unwrap()],
    );
    assert_eq!(qr.trim(), sheet);
    // Handing the same paper over twice is refused.
    let e = fails(&v, &["handover", "create", "--cases", &case, "--to", "D01"]);
    assert!(e.contains("尚未接收"), "{e}");
    let held = ok(&v, &["case", "list", "--held", "--json"]);
    assert_eq!(
        held.as_array().unwrap().len(),
        0,
        "in transit, held by nobody"
    );

    // Back online: the village pushes; the township pulls the sheet with its case.
    ok(&v, &["sync", "now", "--json"]);
    // Before its sync the township does not know the sheet.
    let e = fails(&t, &["handover", "receive", &sheet]);
    assert!(e.contains("请先同步"), "{e}");
    ok(&t, &["sync", "now", "--json"]);
    let pending = ok(&t, &["handover", "list", "--pending", "--json"]);
    assert_eq!(pending[0]["sheet_no"], sheet.as_str());
    assert_eq!(pending[0]["incoming"], true);
    // Not yet received after 3 working days (sent Fri 26 Sep; 3 working days: Wed 1 Oct is
    // a holiday, so the 3rd is 30 Sep): listed as overdue on 2025-10-09.
    let o = run_at(
        &t,
        "2025-10-09T09:00:00",
        &["handover", "list", "--overdue-days", "3", "--json"],
    );
    let late: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(late.as_array().unwrap().len(), 1);
    let o = run_at(
        &t,
        "2025-09-29T09:00:00",
        &["handover", "list", "--overdue-days", "3", "--json"],
    );
    let late: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(late.as_array().unwrap().len(), 0);
    // A typo in the material is refused; the receipt notes the damaged ID copy.
    let e = fails(
        &t,
        &[
            "handover",
            "receive",
            &sheet,
            "--damaged",
            &format!("{case}:m9"),
        ],
    );
    assert!(e.contains("m9"), "{e}");
    ok(
        &t,
        &[
            "handover",
            "receive",
            &sheet,
            "--damaged",
            &format!("{case}:m1"),
            "--clerk",
            "镇经办员",
            "--json",
        ],
    );
    let e = fails(&t, &["handover", "receive", &sheet]);
    assert!(e.contains("已于"), "{e}");
    let held = ok(&t, &["case", "list", "--held", "--json"]);
    assert_eq!(held[0]["case_no"], case.as_str());
    ok(&t, &["sync", "now", "--json"]);

    // Completed centrally; the decision reaches both points.
    central
        .decide(
            &case,
            RemoteStatus::Completed,
            None,
            "县医保局",
            chrono::NaiveDate::from_ymd_opt(2025, 10, 20)
                .unwrap()
                .and_hms_opt(15, 0, 0)
                .unwrap(),
        )
        .unwrap();
    ok(&v, &["sync", "now", "--json"]);
    ok(&t, &["sync", "now", "--json"]);
    for p in [&v, &t] {
        assert_eq!(
            ok(p, &["case", "show", &case, "--json"])["state"],
            "completed"
        );
    }

    // The result goes back to the village by a return hand-over.
    let back = ok(
        &t,
        &[
            "handover",
            "create",
            "--cases",
            &case,
            "--to",
            "E01",
            "--clerk",
            "镇经办员",
            "--json",
        ],
    );
    let back = back["sheet_no"].as_str().unwrap().to_string();
    ok(&t, &["sync", "now", "--json"]);
    ok(&v, &["sync", "now", "--json"]);
    let e = fails(&v, &["case", "handback", &case]);
    assert!(e.contains("请先接收"), "{e}");
    ok(&v, &["handover", "receive", &back, "--clerk", "村代办员"]);
    ok(&v, &["case", "handback", &case, "--clerk", "村代办员"]);
    // A 差评 from the paper form opens a follow-up for the supervisor.
    ok(
        &v,
        &[
            "case",
            "rate",
            &case,
            "--score",
            "2",
            "--channel",
            "paper",
            "--comment",
            "材料转了两次",
            "--clerk",
            "村代办员",
        ],
    );
    let f = ok(&v, &["case", "list", "--follow-ups", "--json"]);
    assert_eq!(f[0]["case_no"], case.as_str());
    assert!(f[0]["follow_up_due"].is_string());
    ok(&v, &["sync", "now", "--json"]);
    ok(&t, &["sync", "now", "--json"]);

    // Both points show the same chain, the township's note and the rating.
    let sv = ok(&v, &["case", "show", &case, "--json"]);
    let st = ok(&t, &["case", "show", &case, "--json"]);
    let chain = custody(&sv);
    let want = [
        ("申请人", "E01", "accepted", "村代办员"),
        // The mistyped sheet stays on the record, taken back.
        ("E01", "D1O", "sent", "经办人"),
        ("E01", "D1O", "recalled", "经办人"),
        ("E01", "D01", "sent", "村代办员"),
        ("E01", "D01", "received", "镇经办员"),
        ("D01", "E01", "sent", "镇经办员"),
        ("D01", "E01", "received", "村代办员"),
        ("E01", "申请人", "handed_back", "村代办员"),
    ]
    .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()));
    assert_eq!(chain, want);
    assert_eq!(custody(&st), want);
    assert_eq!(sv["custody"][4]["notes"][0]["note"], "破损");
    assert_eq!(sv["holder"]["where"], "applicant");
    for s in [&sv, &st] {
        assert_eq!(s["rating"]["label"], "不满意");
        assert_eq!(s["rating"]["channel"], "paper");
    }
    // Nothing held any more on either side; every sheet received.
    for p in [&v, &t] {
        assert_eq!(
            ok(p, &["case", "list", "--held", "--json"])
                .as_array()
                .unwrap()
                .len(),
            0
        );
        assert_eq!(
            ok(p, &["handover", "list", "--pending", "--json"])
                .as_array()
                .unwrap()
                .len(),
            0
        );
    }
    // The supervisor answers the 差评.
    ok(
        &v,
        &[
            "case",
            "reply",
            &case,
            "--text",
            "已电话回访并致歉",
            "--clerk",
            "站长",
        ],
    );
    assert_eq!(
        ok(&v, &["case", "list", "--follow-ups", "--json"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let (accepted, rejected, _) = central.counts().unwrap();
    assert!(accepted > 0);
    assert_eq!(
        rejected, 1,
        "only the hand-over to the mistyped office was refused"
    );
}
