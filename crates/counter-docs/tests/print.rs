//! Printing through the real CUPS queue (cups-pdf) and the explanations of a refused print.

use chrono::NaiveDate;
use counter_core::bundled;
use counter_core::case::Form;
use counter_core::scope::Scope;
use counter_docs::{render, DocKind};
use std::path::PathBuf;
use std::process::Command;

mod common;
use common::*;

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
        t.contains("江苏省医疗保障经办政务服务事项清单（2024年版）") && !t.contains("全省"),
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
