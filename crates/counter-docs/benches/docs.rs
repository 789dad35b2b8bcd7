//! Median time and size of each document, and the same one-time notice printed from HTML by
//! headless Chromium (the way an Electron-style counter app prints), side by side.
//!
//! `cargo bench -p counter-docs --bench docs` (Chromium: `apt-get install chromium`; the
//! comparison is skipped with a note when it is missing). Figures go to docs/benchmarks.md.

use counter_core::scope::Scope;
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};
use counter_core::bundled;
use counter_core::case::{Applicant, Case, Form, IdType, OpenCase, Person};
use counter_core::settings::PointSettings;
use counter_docs::{hand_over_sheet, render, DocKind, HandOverSheet};

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 9, 26)
        .unwrap()
        .and_hms_opt(9, 30, 0)
        .unwrap()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn case(no: u32, item: &str) -> Case {
    let set = bundled::catalogs().unwrap();
    Case::open(
        OpenCase {
            case_no: format!("3211-20250926-{no:04}"),
            catalog: "national".into(),
            item: item.into(),
            applicant: Applicant::Person(Person {
                name: "张三丰".into(),
                id_type: IdType::ResidentId,
                id_number: "11010519491231002X".into(),
                phone: Some("13800138000".into()),
            }),
            agent: None,
            point: "3211".into(),
            clerk: "王芳".into(),
            answers: BTreeMap::new(),
            assisted: None,
            card_read: false,
        },
        set.get("national").unwrap(),
        now(),
    )
    .unwrap()
    .0
}

fn main() {
    let set = bundled::catalogs().unwrap();
    let cal = bundled::calendar().unwrap();
    let nat = set.get("national").unwrap();
    let office = PointSettings {
        name: "镇江市京口区医疗保障服务中心".into(),
        address: "镇江市京口区学府路88号政务服务中心二楼".into(),
        phone: "0511-84401234".into(),
        complaint_phone: "12345".into(),
        point: "3211".into(),
        window: 1,
        level: None,
        printer: None,
        catalog: None,
        reader_port: None,
        notice_days: None,
        handled_by: Vec::new(),
    };
    let mut notified = case(1, "002036006002");
    for k in ["m1", "m2", "m3"] {
        notified.tick(k, Form::Original, 1, None, now()).unwrap();
    }
    notified.notify(nat, now()).unwrap();
    let mut accepted = case(2, "002036006002");
    for k in ["m1", "m2", "m3", "m4"] {
        accepted.tick(k, Form::Original, 1, None, now()).unwrap();
    }
    accepted.accept(nat, &cal, &Scope::Handles, now()).unwrap();
    let mut refused = case(3, "002036001001");
    refused
        .refuse("不属于本机构受理范围", Some("市医保中心"), now())
        .unwrap();
    let mut completed = case(4, "002036002002");
    completed
        .tick("m1", Form::Original, 1, None, now())
        .unwrap();
    completed
        .complete(nat, &cal, &Scope::Handles, now())
        .unwrap();

    // The first document parses the built-in font once per process; time it apart.
    let t = Instant::now();
    let _ = counter_docs::font();
    println!("font parse (once per process): {:.1?}", t.elapsed());

    let runs = 30;
    let bench = |name: &str, f: &dyn Fn() -> Vec<u8>| {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..runs {
            let t = Instant::now();
            size = f().len();
            times.push(t.elapsed());
        }
        println!(
            "{name:<22} median {:>8.2?}  {:>6.1} KB",
            median(times),
            size as f64 / 1024.0
        );
    };
    bench("受理回执 (2 pages)", &|| {
        render(DocKind::Receipt, &accepted, nat, &office, now()).unwrap()
    });
    bench("一次性告知书", &|| {
        render(DocKind::Notice, &notified, nat, &office, now()).unwrap()
    });
    bench("不予受理通知书", &|| {
        render(DocKind::Refusal, &refused, nat, &office, now()).unwrap()
    });
    bench("即办件办结单", &|| {
        render(DocKind::Completion, &completed, nat, &office, now()).unwrap()
    });
    let cases = vec![accepted.clone(); 10];
    bench("材料交接单 (10 cases)", &|| {
        hand_over_sheet(
            &HandOverSheet {
                number: "HO-3211-20250926-01".into(),
                to_office: "市医保中心".into(),
                cases: &cases,
                at: now(),
                clerk: "王芳".into(),
            },
            &office,
        )
        .unwrap()
    });

    // The same notice as HTML, printed by headless Chromium.
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("notice.html");
    std::fs::write(
        &html,
        format!(
            r#"<!doctype html><html><head><meta charset="utf-8"><style>
body{{font-family:"Noto Sans CJK SC",sans-serif;font-size:10.5pt;margin:18mm}}
h1{{text-align:center;font-size:20pt}} table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #000;padding:4px}}</style></head><body>
<p style="text-align:center">{office}</p><h1>一次性告知书</h1><p>编号：GZ-{no}</p>
<p>申请人：张三丰（居民身份证 11010519491231002X）<br>联系电话：13800138000<br>办件编号：{no}<br>
申请事项：住院费用报销（事项编码 002036006002）<br>收件日期：2025年09月26日</p>
<p>您申请办理的“住院费用报销”事项，经审查，申请材料尚不齐全。现一次性告知您需要补齐的全部材料如下：</p>
<table><tr><th>序号</th><th>需补齐的材料</th><th>要求</th></tr><tr><td>1</td><td>诊断证明</td><td>—</td></tr></table>
<p>上述材料补齐后，即予受理。</p><p>经办人：王芳 咨询电话：0511-84401234 投诉监督电话 12345</p>
</body></html>"#,
            office = office.name,
            no = notified.case_no
        ),
    )
    .unwrap();
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok());
    let Some(chromium) = chromium else {
        println!("chromium --headless --print-to-pdf: skipped (chromium not installed)");
        return;
    };
    let out = dir.path().join("notice-chromium.pdf");
    let mut times = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let o = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--print-to-pdf={}", out.display()))
            .arg(&html)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        times.push(t.elapsed());
    }
    let size = std::fs::metadata(&out).unwrap().len();
    println!(
        "{:<22} median {:>8.2?}  {:>6.1} KB  (chromium --headless --print-to-pdf, whole process)",
        "一次性告知书 via HTML",
        median(times),
        size as f64 / 1024.0
    );
}
