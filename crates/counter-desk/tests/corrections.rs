//! Issue 25's corrections that live in the workstation, on a real store and the real CUPS
//! queue (scripts/cups.sh): a withdrawn case promises no date; 当场办结 is offered for 即办件
//! only; each print is in the case's history and the audit log, a second one marked 补打 on
//! every page; the confirmation names the printer, not CUPS's job number.

use chrono::NaiveDate;
use counter_core::case::Form;
use counter_core::settings::PointSettings;
use counter_desk::{Clock, LedgerFilter, OpenRequest, Paths, Workstation};

const ID: &str = "11010519491231002X";

fn desk(dir: &std::path::Path) -> Workstation {
    let now = NaiveDate::from_ymd_opt(2025, 9, 26)
        .unwrap()
        .and_hms_opt(9, 30, 0)
        .unwrap();
    let paths = Paths {
        db: dir.join("counter.db"),
        key: dir.join("store.key"),
        office: dir.join("office.toml"),
        catalogs: None,
        calendar: None,
    };
    let mut d = Workstation::open(paths, Clock::Fixed(now)).unwrap();
    let office = PointSettings {
        name: "京口区医保服务中心".into(),
        address: "学府路88号".into(),
        phone: "0511-84401234".into(),
        complaint_phone: "12345".into(),
        point: "3211".into(),
        window: 1,
        level: Some(counter_core::catalog::Level::C),
        printer: Some("CounterPDF".into()),
        catalog: None,
        reader_port: None,
    };
    d.setup(office, "李主任", "secret1").unwrap();
    d
}

fn accepted(d: &mut Workstation) -> String {
    let no = d
        .open_case(OpenRequest::person("national", "002036006002", "张三", ID))
        .unwrap()
        .case
        .case
        .case_no;
    for k in ["m1", "m2", "m3", "m4"] {
        d.tick(&no, k, Form::Original, 1, None).unwrap();
    }
    d.accept(&no).unwrap();
    no
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("doc.pdf");
    std::fs::write(&p, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args([p.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/setup.sh)");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_withdrawn_case_promises_no_date_any_more() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path());
    let no = accepted(&mut d);
    assert!(d.case_detail(&no).unwrap().case.due.is_some());
    let v = d.withdraw(&no, Some("申请人撤回申请".into())).unwrap();
    assert_eq!(v.due, None);
    let row = d
        .ledger(LedgerFilter {
            case_no: Some(no.clone()),
            ..Default::default()
        })
        .unwrap()
        .remove(0);
    assert_eq!(row.due, None, "the ledger still shows a date for {no}");
}

#[test]
fn only_an_immediate_item_is_offered_on_the_spot() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path());
    let slow = d
        .open_case(OpenRequest::person("national", "002036006002", "张三", ID))
        .unwrap();
    assert!(!slow.case.immediate, "住院费用报销 (30 working days)");
    let quick = d
        .open_case(OpenRequest::person("national", "002036001003", "张三", ID))
        .unwrap();
    assert!(quick.case.immediate, "城乡居民参保登记 (即时办结)");
}

#[test]
fn every_print_is_recorded_and_a_second_one_says_so_on_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path());
    let no = accepted(&mut d);
    let original = pdf_text(&d.document_pdf(&no, "receipt").unwrap());
    assert!(!original.contains("补打"), "{original}");
    assert_eq!(d.print(&no, "receipt").unwrap(), "已送打印机“CounterPDF”");
    assert_eq!(
        d.print(&no, "receipt").unwrap(),
        "已补打，送打印机“CounterPDF”"
    );
    // From now on the receipt, shown or printed, is a copy: each page says so.
    let copy = pdf_text(&d.document_pdf(&no, "receipt").unwrap());
    let pages = copy.split('\u{c}').filter(|p| !p.trim().is_empty()).count();
    assert!(pages >= 2, "{pages} pages");
    assert_eq!(copy.matches("【补打】").count(), pages, "{copy}");
    assert!(copy.contains("首次打印于 2025年9月26日 09:30"), "{copy}");
    let history = d.case_detail(&no).unwrap().history;
    let prints: Vec<_> = history
        .iter()
        .filter(|h| h.event == "printed" || h.event == "reprinted")
        .map(|h| (h.title, h.detail.as_str(), h.clerk.as_str()))
        .collect();
    assert_eq!(
        prints,
        vec![
            ("打印", "受理回执", "李主任"),
            ("补打", "受理回执", "李主任")
        ]
    );
    let log: Vec<_> = d
        .audit_log()
        .unwrap()
        .into_iter()
        .filter(|a| a.detail.as_deref() == Some(no.as_str()))
        .map(|a| a.action)
        .collect();
    assert_eq!(log, vec!["补打受理回执", "打印受理回执"], "newest first");
}
