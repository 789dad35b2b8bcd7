//! The documents read back as a person (and a scanner) would: pdftotext for the words, pdftoppm
//! for the ink, zbarimg for the QR code, pdffonts for the embedded subset font. PDFs and PNGs are
//! kept in `target/doc-artifacts/` to look at.

use counter_core::scope::Scope;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{NaiveDate, NaiveDateTime};
use counter_core::bundled;
use counter_core::case::{Applicant, Case, Form, IdType, OpenCase, Person};
use counter_core::office::Office;
use counter_core::{Catalog, CatalogSet};
use counter_docs::{handover, render, DocKind, Handover};

const ID: &str = "11010519491231002X";

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 9, 26)
        .unwrap()
        .and_hms_opt(9, 30, 0)
        .unwrap()
}

fn office() -> Office {
    Office {
        name: "镇江市京口区医疗保障服务中心".into(),
        address: "镇江市京口区学府路88号政务服务中心二楼".into(),
        phone: "0511-84401234".into(),
        complaint_phone: "12345".into(),
        point: "3211".into(),
        level: None,
        printer: None,
        catalog: None,
    }
}

fn artifacts() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/doc-artifacts");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn open(catalog: &Catalog, item: &str, no: u32) -> Case {
    Case::open(
        OpenCase {
            case_no: format!("3211-20250926-{no:04}"),
            catalog: catalog.header.id.clone(),
            item: item.into(),
            applicant: Applicant::Person(Person {
                name: "张三丰".into(),
                id_type: IdType::ResidentId,
                id_number: ID.into(),
                phone: Some("13800138000".into()),
            }),
            agent: None,
            point: "3211".into(),
            clerk: "王芳".into(),
            answers: BTreeMap::new(),
            assisted: None,
        },
        catalog,
        now(),
    )
    .unwrap()
    .0
}

fn tick(c: &mut Case, keys: &[&str]) {
    for k in keys {
        c.tick(k, Form::Original, 1, None, now()).unwrap();
    }
}

/// A notified 住院费用报销 case: three of four materials handed over.
fn notified(set: &CatalogSet) -> Case {
    let nat = set.get("national").unwrap();
    let mut c = open(nat, "002036006002", 1);
    tick(&mut c, &["m1", "m2", "m3"]);
    c.notify(nat, now()).unwrap();
    c
}

fn save(name: &str, pdf: &[u8]) -> PathBuf {
    let p = artifacts().join(name);
    std::fs::write(&p, pdf).unwrap();
    p
}

fn tool(cmd: &str, args: &[&str]) -> String {
    let o = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} (bash scripts/setup.sh installs it): {e}"));
    assert!(
        o.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The text in drawing order (`-raw`), so a wrapped table cell reads as one string.
fn text(pdf: &Path) -> String {
    tool("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"])
}

/// Text with all whitespace removed, so wrapped names can be found whole.
fn flat(pdf: &Path) -> String {
    text(pdf).chars().filter(|c| !c.is_whitespace()).collect()
}

fn pages(pdf: &Path) -> usize {
    tool("pdfinfo", &[pdf.to_str().unwrap()])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap()))
        .unwrap()
}

/// Renders page 1 to PNG (kept) and to greyscale PGM; returns the share of dark pixels.
fn ink(pdf: &Path, page: usize) -> f64 {
    let stem = pdf.with_extension("");
    let p = page.to_string();
    tool(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "80",
            "-f",
            &p,
            "-l",
            &p,
            "-singlefile",
            pdf.to_str().unwrap(),
            &format!("{}-p{p}", stem.display()),
        ],
    );
    let pgm = stem.with_extension("pgm");
    tool(
        "pdftoppm",
        &[
            "-gray",
            "-r",
            "40",
            "-f",
            &p,
            "-l",
            &p,
            "-singlefile",
            pdf.to_str().unwrap(),
            stem.to_str().unwrap(),
        ],
    );
    let bytes = std::fs::read(&pgm).unwrap();
    // P5 header: magic, width, height, maxval, each followed by whitespace.
    let mut fields = 0;
    let mut i = 0;
    while fields < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields += 1;
    }
    let pixels = &bytes[i + 1..];
    pixels.iter().filter(|&&v| v < 128).count() as f64 / pixels.len() as f64
}

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
    let h = Handover {
        number: "HO-3211-20250926-01".into(),
        to_office: "镇江市医疗保险基金管理中心".into(),
        cases: &cases,
        at: now(),
        clerk: "王芳".into(),
    };
    let path = save("handover.pdf", &handover(&h, &office()).unwrap());
    let t = flat(&path);
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
    let empty = Handover { cases: &[], ..h };
    assert!(handover(&empty, &office()).is_err());
}

/// Prints through the real CUPS queue `CounterPDF` (cups-pdf, set up by scripts/cups.sh) and
/// reads back the file the printer wrote.
#[test]
fn printing_goes_through_the_cups_pdf_queue() {
    let lpstat = Command::new("lpstat").args(["-p", "CounterPDF"]).output();
    assert!(
        lpstat.as_ref().is_ok_and(|o| o.status.success()),
        "no CUPS queue CounterPDF: run `bash scripts/cups.sh` (the test command does)"
    );
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
    let dir = tempfile::tempdir().unwrap();
    // A title no other job has: cups-pdf names its file after the title (and, with the
    // `Label 1` that scripts/cups.sh sets, the job number too), so the test finds what it
    // printed whichever naming the machine uses.
    let stem = format!(
        "counter-print-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let path = dir.path().join(format!("{stem}.pdf"));
    std::fs::write(&path, &pdf).unwrap();
    let job = counter_docs::print(&path, Some("CounterPDF")).unwrap();
    assert!(job.starts_with("CounterPDF-"), "{job}");
    let n = job.rsplit('-').next().unwrap();
    let out_dir = PathBuf::from(std::env::var("HOME").unwrap()).join("PDF");
    let by_job = [format!("job_{n}-"), format!("-job_{n}.pdf")];
    let want = format!("{stem} or job {n}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let printed = loop {
        let found = std::fs::read_dir(&out_dir).ok().and_then(|d| {
            d.filter_map(Result::ok).map(|e| e.path()).find(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                name.ends_with(".pdf")
                    && (name.contains(&stem)
                        || name.starts_with(&by_job[0])
                        || name.ends_with(&by_job[1]))
            })
        });
        if let Some(p) = found {
            // cups-pdf writes the file in place: wait until it parses.
            if Command::new("pdfinfo")
                .arg(&p)
                .output()
                .is_ok_and(|o| o.status.success())
            {
                break p;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {want} in {}",
            out_dir.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    // cups-pdf re-renders the page (its text layer is not kept): check what the printer drew —
    // one A4 page with ink, and the QR code still scanning to the case number.
    assert_eq!(pages(&printed), 1);
    let info = tool("pdfinfo", &[printed.to_str().unwrap()]);
    assert!(info.contains("595") && info.contains("842"), "A4: {info}");
    let copy = artifacts().join("printed.pdf");
    std::fs::copy(&printed, &copy).unwrap();
    assert!(ink(&copy, 1) > 0.01);
    let png = artifacts().join("printed-p1.png");
    let qr = tool("zbarimg", &["-q", "--raw", png.to_str().unwrap()]);
    assert_eq!(qr.trim(), "3211-20250926-0001");
    // A printer that is not there: said in Chinese, with the queues this machine has.
    let err = counter_docs::print(&path, Some("NoSuchPrinter")).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, counter_docs::PrintError::Refused(_)));
    assert!(
        msg.contains("“NoSuchPrinter”不存在") && msg.contains("CounterPDF"),
        "{msg}"
    );
    assert!(counter_docs::printers().contains(&"CounterPDF".to_string()));
}

/// lp's refusals (English on most systems) become what the clerk should do next.
#[test]
fn print_refusals_are_explained_in_chinese() {
    use counter_docs::explain;
    let queues = ["CounterPDF".to_string()];
    let m = explain("lp: Error - No default destination.", None, &queues);
    assert!(
        m.starts_with("未设置打印机") && m.contains("本机可用：CounterPDF"),
        "{m}"
    );
    let m = explain("lp: Error - Scheduler is not running.", Some("P1"), &queues);
    assert!(m.contains("打印服务（CUPS）未运行"), "{m}");
    let m = explain("lp: Error - something new", Some("P1"), &[]);
    assert!(m.starts_with("打印失败") && !m.contains("Error"), "{m}");
    let m = explain("lp: Error - No default destination.", None, &[]);
    assert!(m.contains("本机没有可用的打印机"), "{m}");
}

/// What the receipt prints in words: the option handed over rather than the "A 或 B 或 C" line,
/// the catalog's edition once, the calendar without English, dates without leading zeros, and
/// a due date in a year with no notice yet counted past 元旦 and marked provisional.
#[test]
fn the_receipt_prints_what_was_handed_over_in_official_wording() {
    let set = bundled::catalogs().unwrap();
    let cal = bundled::calendar().unwrap();
    let js = set.get("jiangsu-2024").unwrap();
    let at = NaiveDate::from_ymd_opt(2026, 12, 24)
        .unwrap()
        .and_hms_opt(9, 5, 0)
        .unwrap();
    let mut c = open(js, "322036064005", 9);
    let keys: Vec<String> = c
        .checklist
        .iter()
        .filter(|e| !e.material.optional)
        .map(|e| e.material.key.clone())
        .collect();
    for k in &keys {
        let option = c
            .checklist
            .iter()
            .find(|e| &e.material.key == k)
            .and_then(|e| e.material.any_of.iter().find(|o| o.as_str() == "社保卡"))
            .cloned();
        c.tick(k, Form::Original, 1, option.as_deref(), at).unwrap();
    }
    c.accept(js, &cal, &Scope::Handles, at).unwrap();
    let path = save(
        "receipt-wording.pdf",
        &render(DocKind::Receipt, &c, js, &office(), at).unwrap(),
    );
    let t = flat(&path);
    assert!(t.contains("社保卡"), "{t}");
    assert!(!t.contains("医保电子凭证或有效身份证件或社保卡"), "{t}");
    assert_eq!(t.matches("（2024年版）（2024年版）").count(), 0, "{t}");
    assert!(
        t.contains("全省医疗保障经办政务服务事项清单（2024年版）"),
        "{t}"
    );
    assert!(
        !t.contains("notices") && t.contains("日历版本2026-v1"),
        "{t}"
    );
    // 10 working days from Thursday 2026-12-24: 1 January 2027 is 元旦 by law.
    assert!(t.contains("2026年12月24日09:05"), "{t}");
    assert!(t.contains("2027年1月8日（预计"), "{t}");
    assert!(t.contains("已扣除法定节假日"), "{t}");
}
