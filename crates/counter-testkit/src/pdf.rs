//! A PDF read back as a person would read it: its text (pdftotext), its pages (pdfinfo), and
//! how much of a page is inked (pdftoppm). poppler-utils come from scripts/setup.sh.

use std::path::Path;
use std::process::Command;

/// Runs a tool that must succeed; its standard output.
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
    without_space(&text(pdf))
}

/// The text of a PDF held in memory, in layout order.
pub fn text_of(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("doc.pdf");
    std::fs::write(&p, pdf).unwrap();
    tool("pdftotext", &[p.to_str().unwrap(), "-"])
}

/// The text of a PDF held in memory without the layout's spaces and line breaks.
pub fn flat_of(pdf: &[u8]) -> String {
    without_space(&text_of(pdf))
}

fn without_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

pub fn pages(pdf: &Path) -> usize {
    tool("pdfinfo", &[pdf.to_str().unwrap()])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap()))
        .unwrap()
}

/// Renders `page` to PNG beside the PDF (kept, to be looked at) and to greyscale; the share
/// of dark pixels.
pub fn ink(pdf: &Path, page: usize) -> f64 {
    let stem = pdf.with_extension("");
    let p = page.to_string();
    let file = pdf.to_str().unwrap();
    let png = format!("{}-p{p}", stem.display());
    let one = ["-f", &p, "-l", &p, "-singlefile"];
    tool(
        "pdftoppm",
        &[&["-png", "-r", "80"][..], &one, &[file, &png]].concat(),
    );
    tool(
        "pdftoppm",
        &[
            &["-gray", "-r", "40"][..],
            &one,
            &[file, stem.to_str().unwrap()],
        ]
        .concat(),
    );
    let bytes = std::fs::read(stem.with_extension("pgm")).unwrap();
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
