//! What the document suites share: a case to print, the office, and the tools that read a
//! PDF back (pdftotext, pdfinfo, pdftoppm).
#![allow(dead_code)]

use chrono::{NaiveDate, NaiveDateTime};
use counter_core::case::{Applicant, Case, Form, IdType, OpenCase, Person};
use counter_core::settings::PointSettings;
use counter_core::{Catalog, CatalogSet};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const ID: &str = "11010519491231002X";

pub fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 9, 26)
        .unwrap()
        .and_hms_opt(9, 30, 0)
        .unwrap()
}

pub fn office() -> PointSettings {
    PointSettings {
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
    }
}

pub fn artifacts() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/doc-artifacts");
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn open(catalog: &Catalog, item: &str, no: u32) -> Case {
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
            card_read: false,
        },
        catalog,
        now(),
    )
    .unwrap()
    .0
}

pub fn tick(c: &mut Case, keys: &[&str]) {
    for k in keys {
        c.tick(k, Form::Original, 1, None, now()).unwrap();
    }
}

/// A notified 住院费用报销 case: three of four materials handed over.
pub fn notified(set: &CatalogSet) -> Case {
    let nat = set.get("national").unwrap();
    let mut c = open(nat, "002036006002", 1);
    tick(&mut c, &["m1", "m2", "m3"]);
    c.notify(nat, now()).unwrap();
    c
}

pub fn save(name: &str, pdf: &[u8]) -> PathBuf {
    let p = artifacts().join(name);
    std::fs::write(&p, pdf).unwrap();
    p
}

pub fn tool(cmd: &str, args: &[&str]) -> String {
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
pub fn text(pdf: &Path) -> String {
    tool("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"])
}

/// Text with all whitespace removed, so wrapped names can be found whole.
pub fn flat(pdf: &Path) -> String {
    text(pdf).chars().filter(|c| !c.is_whitespace()).collect()
}

pub fn pages(pdf: &Path) -> usize {
    tool("pdfinfo", &[pdf.to_str().unwrap()])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap()))
        .unwrap()
}

/// Renders page 1 to PNG (kept) and to greyscale PGM; returns the share of dark pixels.
pub fn ink(pdf: &Path, page: usize) -> f64 {
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
