//! The documents read back as a person (and a scanner) would: pdftotext for the words, pdftoppm
//! for the ink, zbarimg for the QR code, pdffonts for the embedded subset font. PDFs and PNGs are
//! kept in `target/doc-artifacts/` to look at.

use counter_core::scope::Scope;

use chrono::NaiveDate;
use counter_core::bundled;
use counter_core::case::Form;
use counter_core::CatalogSet;
use counter_docs::{hand_over_sheet, render, DocKind, HandOverSheet};

mod common;
use common::*;

#[test]
fn the_notice_of_an_inpatient_claim_is_one_small_page_naming_the_missing_material() {
    let set = bundled::catalogs().unwrap();
    let case = notified(&set);
    let pdf = render(
        DocKind::Notice,
        &case,
        set.get("national").unwrap(),
        &office(),
        now(),
    )
    .unwrap();
    assert!(pdf.len() < 100_000, "{} bytes", pdf.len());
    let path = save("notice.pdf", &pdf);
    assert_eq!(pages(&path), 1);
    let t = flat(&path);
    for must in [
        "一次性告知书",
        "诊断证明",
        "镇江市京口区医疗保障服务中心",
        "3211-20250926-0001",
        "住院费用报销",
        "002036006002",
        "张三丰",
        "13800138000",
        "王芳",
        "0511-84401234",
        "12345",
        "上述材料补齐后，即予受理",
        "全国医疗保障经办政务服务事项清单",
        "第1页共1页",
    ] {
        assert!(t.contains(must), "{must} missing from the notice:\n{t}");
    }
    // Handed to the applicant: the ID number masked as on the receipt's applicant copy; dates
    // as official documents write them.
    assert!(t.contains("1101**********002X") && !t.contains(ID), "{t}");
    assert!(t.contains("2025年9月26日") && !t.contains("年09月"), "{t}");
    // Only what is missing is asked for.
    assert!(
        !t.contains("住院费用清单"),
        "a received material on the notice"
    );
    // The glyphs are there (ink on the page) and the font is an embedded subset.
    let dark = ink(&path, 1);
    assert!(dark > 0.01 && dark < 0.5, "dark share {dark}");
    let fonts = tool("pdffonts", &[path.to_str().unwrap()]);
    let line = fonts
        .lines()
        .find(|l| l.contains("Noto"))
        .unwrap_or_else(|| panic!("{fonts}"));
    assert!(line.contains("yes yes"), "embedded subset: {line}");
    // The QR code scans back to the case number.
    let png = artifacts().join("notice-p1.png");
    let qr = tool("zbarimg", &["-q", "--raw", png.to_str().unwrap()]);
    assert_eq!(qr.trim(), "3211-20250926-0001");
}

#[test]
fn the_receipt_has_two_copies_the_applicants_with_the_id_number_masked() {
    let set = bundled::catalogs().unwrap();
    let cal = bundled::calendar().unwrap();
    let nat = set.get("national").unwrap();
    let mut c = notified(&set);
    c.resume(nat, now()).unwrap();
    tick(&mut c, &["m4"]);
    c.accept(nat, &cal, &Scope::Handles, now()).unwrap();
    let path = save(
        "receipt.pdf",
        &render(DocKind::Receipt, &c, nat, &office(), now()).unwrap(),
    );
    assert_eq!(pages(&path), 2);
    let applicant_copy: String = tool(
        "pdftotext",
        &["-f", "1", "-l", "1", path.to_str().unwrap(), "-"],
    )
    .chars()
    .filter(|c| !c.is_whitespace())
    .collect();
    let file_copy: String = tool(
        "pdftotext",
        &["-f", "2", "-l", "2", path.to_str().unwrap(), "-"],
    )
    .chars()
    .filter(|c| !c.is_whitespace())
    .collect();
    assert!(applicant_copy.contains("申请人留存联"));
    assert!(applicant_copy.contains("1101**********002X") && !applicant_copy.contains(ID));
    assert!(file_copy.contains("受理机构存档联") && file_copy.contains(ID));
    let due = c
        .acceptance
        .as_ref()
        .unwrap()
        .due
        .unwrap()
        .format("%Y年%-m月%-d日")
        .to_string();
    for must in [
        "受理回执",
        due.as_str(),
        "承诺件（30个工作日）",
        "诊断证明",
        "医院收费票据",
        "受理机构（盖章）",
        "申请人（代理人）签字",
    ] {
        assert!(applicant_copy.contains(must), "{must}:\n{applicant_copy}");
    }
    assert!(ink(&path, 2) > 0.01);
}

#[test]
fn refusal_completion_and_wrong_states() {
    let set = bundled::catalogs().unwrap();
    let cal = bundled::calendar().unwrap();
    let nat = set.get("national").unwrap();
    let mut c = open(nat, "002036001001", 2);
    let err = render(DocKind::Receipt, &c, nat, &office(), now()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "办件3211-20250926-0002当前为“受理中”，不能出具受理回执"
    );
    c.refuse(
        "不属于本机构受理范围",
        Some("镇江市医疗保险基金管理中心"),
        now(),
    )
    .unwrap();
    let path = save(
        "refusal.pdf",
        &render(DocKind::Refusal, &c, nat, &office(), now()).unwrap(),
    );
    let t = flat(&path);
    for must in [
        "不予受理通知书",
        "理由：不属于本机构受理范围",
        "请向镇江市医疗保险基金管理中心申请办理",
        "行政复议",
        "《中华人民共和国社会保险法》",
    ] {
        assert!(t.contains(must), "{must}:\n{t}");
    }
    let mut d = open(nat, "002036002002", 3);
    tick(&mut d, &["m1"]);
    d.complete(nat, &cal, &Scope::Handles, now()).unwrap();
    let path = save(
        "completion.pdf",
        &render(DocKind::Completion, &d, nat, &office(), now()).unwrap(),
    );
    assert!(flat(&path).contains("已当场办结"));
}

const LOCAL: &str = r#"
[catalog]
id = "local"
title = "本地测试清单"
issuer = "i"
region = "321100"
edition = "测试版"
source = "test"

[[mains]]
code = "M1"
name = "主项"

[[items]]
code = "L1"
main = "M1"
seq = 1
name = "容缺测试事项"
steps = ["申请", "受理", "审核", "办结"]
time_limit_text = "10个工作日"
time_limit = [{ working_days = 10 }]
[[items.materials]]
name = "申请表"
[[items.materials]]
name = "户籍所在地村（居）民委员会出具的家庭经济状况证明"
form = "原件"
stamp = "村（居）民委员会公章"
deferrable = true
"#;

#[test]
fn the_deferral_notice_states_material_deadline_and_consequence() {
    let set = CatalogSet::from_texts(&[("local.toml", LOCAL)]).unwrap();
    let cal = bundled::calendar().unwrap();
    let cat = set.get("local").unwrap();
    let mut c = open(cat, "L1", 4);
    tick(&mut c, &["m1"]);
    let deadline = NaiveDate::from_ymd_opt(2025, 10, 10).unwrap();
    c.defer(cat, &cal, "m2", deadline, now()).unwrap();
    c.accept(cat, &cal, &Scope::Handles, now()).unwrap();
    let path = save(
        "deferral.pdf",
        &render(DocKind::Deferral, &c, cat, &office(), now()).unwrap(),
    );
    assert_eq!(pages(&path), 2);
    let t = flat(&path);
    for must in [
        "容缺受理通知书",
        "户籍所在地村（居）民委员会出具的家庭经济状况证明",
        "2025年10月10日前",
        "逾期未补交的，终止办理",
        "容缺受理承诺",
        "加盖村（居）民委员会公章",
    ] {
        assert!(t.contains(must), "{must}:\n{t}");
    }
}

#[test]
fn a_very_long_material_list_spans_pages_with_nothing_cut_off() {
    let mut toml = LOCAL.replace("deferrable = true", "");
    for i in 1..=45 {
        toml.push_str(&format!(
            "[[items.materials]]\nname = \"第{i}项证明材料：由参保地定点医疗机构开具并加盖医疗机构公章的住院期间外院检查治疗或定点药店购药单据复印件{i}\"\ncopies = 2\n"
        ));
    }
    let set = CatalogSet::from_texts(&[("local.toml", toml.as_str())]).unwrap();
    let cat = set.get("local").unwrap();
    let mut c = open(cat, "L1", 5);
    tick(&mut c, &["m1"]);
    c.notify(cat, now()).unwrap();
    let path = save(
        "notice-long.pdf",
        &render(DocKind::Notice, &c, cat, &office(), now()).unwrap(),
    );
    let n = pages(&path);
    assert!(n >= 3, "{n} pages");
    let t = flat(&path);
    for i in 1..=45 {
        let name = format!(
            "第{i}项证明材料：由参保地定点医疗机构开具并加盖医疗机构公章的住院期间外院检查治疗或定点药店购药单据复印件{i}"
        );
        assert!(t.contains(&name), "material {i} cut off");
    }
    assert!(t.contains(&format!("第{n}页共{n}页")));
    assert!(
        t.contains("一次性告知书（续）"),
        "continuation pages carry the title"
    );
    for p in 1..=n {
        assert!(ink(&path, p) > 0.01, "page {p} blank");
    }
}

#[test]
fn the_hand_over_sheet_lists_cases_materials_and_counts() {
    let set = bundled::catalogs().unwrap();
    let cal = bundled::calendar().unwrap();
    let nat = set.get("national").unwrap();
    let mut cases = Vec::new();
    for no in [6, 7] {
        let mut c = open(nat, "002036006002", no);
        c.tick("m1", Form::Electronic, 1, Some("医保电子凭证"), now())
            .unwrap();
        tick(&mut c, &["m2", "m3"]);
        c.tick("m4", Form::Copy, 2, None, now()).unwrap();
        c.accept(nat, &cal, &Scope::Handles, now()).unwrap();
        cases.push(c);
    }
    let h = HandOverSheet {
        number: "HO-3211-20250926-01".into(),
        to_office: "镇江市医疗保险基金管理中心".into(),
        cases: &cases,
        at: now(),
        clerk: "王芳".into(),
    };
    let path = save("handover.pdf", &hand_over_sheet(&h, &office()).unwrap());
    let t = flat(&path);
    // Two copies: the sending point's and the receiver's, each on its own page.
    assert_eq!(pages(&path), 2);
    for (page, copy) in [(1, "（移交联）"), (2, "（接收联）")] {
        let p = tool(
            "pdftotext",
            &[
                "-f",
                &page.to_string(),
                "-l",
                &page.to_string(),
                path.to_str().unwrap(),
                "-",
            ],
        );
        assert!(
            p.contains(copy) && p.contains("接收人"),
            "page {page}:\n{p}"
        );
    }
    // Every case number on one line (a window's number is the longest kind).
    let lines = text(&path);
    for no in ["3211-20250926-0006", "3211-20250926-0007"] {
        assert_eq!(lines.matches(no).count(), 2, "{no} split:\n{lines}");
    }
    for must in [
        "材料交接单",
        "HO-3211-20250926-01",
        "3211-20250926-0006",
        "3211-20250926-0007",
        "诊断证明（复印件2份）",
        "合计：2件办件，纸质材料8份",
        "接收人",
    ] {
        assert!(t.contains(must), "{must}:\n{t}");
    }
    assert!(!t.contains(ID), "ID numbers masked on the sheet");
    let empty = HandOverSheet { cases: &[], ..h };
    assert!(hand_over_sheet(&empty, &office()).is_err());
}

#[test]
fn the_list_is_named_as_an_applicant_reads_it() {
    let set = bundled::catalogs().unwrap();
    let cal = bundled::calendar().unwrap();
    for (id, item, want, never) in [
        (
            "national",
            "002036006002",
            "全国医疗保障经办政务服务事项清单",
            "附件1",
        ),
        (
            "jiangsu-2024",
            "322036066002",
            "江苏省医疗保障经办政务服务事项清单（2024年版）",
            "全省",
        ),
    ] {
        let cat = set.get(id).unwrap();
        let mut c = open(cat, item, 1);
        let keys: Vec<String> = c.missing().iter().map(|m| m.key.clone()).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        tick(&mut c, &keys);
        c.accept(cat, &cal, &Scope::Handles, now()).unwrap();
        let path = save(
            &format!("receipt-{id}.pdf"),
            &render(DocKind::Receipt, &c, cat, &office(), now()).unwrap(),
        );
        let t = flat(&path);
        assert!(
            t.contains(want),
            "{want} missing from the {id} receipt:\n{t}"
        );
        assert!(!t.contains(never), "{never} on the {id} receipt:\n{t}");
    }
}
