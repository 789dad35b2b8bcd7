//! `counter doc …`: the printed documents of a case as PDF files, and printing them.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use counter_desk::{DocKind, Paths, Workstation};

use crate::CliError;

#[derive(Subcommand)]
pub enum DocCmd {
    /// 受理回执 (two copies).
    Receipt(One),
    /// 一次性告知书.
    Notice(One),
    /// 不予受理通知书.
    Refusal(One),
    /// 容缺受理通知书 (two copies).
    Deferral(One),
    /// 即办件办结单.
    Completion(One),
    /// 材料交接单 for accepted cases handed to the handling office.
    Handover {
        /// Case numbers, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        cases: Vec<String>,
        /// The receiving (handling) office.
        #[arg(long, default_value = "县（市、区）医疗保障经办机构")]
        to: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// 材料交接单 of a recorded sheet (`counter handover create`), by its number.
    Sheet {
        sheet_no: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Prints a PDF through the system's print queue (CUPS lp).
    Print {
        file: PathBuf,
        /// Printer (CUPS queue); default: the office settings', else the system default.
        #[arg(long)]
        printer: Option<String>,
    },
}

#[derive(clap::Args)]
pub struct One {
    case_no: String,
    #[arg(long)]
    out: PathBuf,
}

pub fn write(out: &Path, pdf: &[u8]) -> Result<(), CliError> {
    std::fs::write(out, pdf).map_err(|source| CliError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    println!(
        "已生成 {}（{} KB）",
        out.display(),
        pdf.len().div_ceil(1024)
    );
    Ok(())
}

pub fn run(cmd: &DocCmd, ws: &Workstation) -> Result<(), CliError> {
    let (kind, one) = match cmd {
        DocCmd::Receipt(o) => (DocKind::Receipt, o),
        DocCmd::Notice(o) => (DocKind::Notice, o),
        DocCmd::Refusal(o) => (DocKind::Refusal, o),
        DocCmd::Deferral(o) => (DocKind::Deferral, o),
        DocCmd::Completion(o) => (DocKind::Completion, o),
        DocCmd::Handover { cases, to, out } => return write(out, &ws.draft_sheet_pdf(cases, to)?),
        DocCmd::Sheet { sheet_no, out } => return write(out, &ws.sheet_pdf(sheet_no)?),
        DocCmd::Print { .. } => unreachable!("printing a file needs no workstation: see print"),
    };
    write(&one.out, &ws.case_pdf(&one.case_no, kind)?)
}

/// `counter doc print FILE`: needs no store.
pub fn print(file: &Path, printer: Option<&str>, paths: &Paths) -> Result<(), CliError> {
    let job = counter_desk::print_file(paths, file, printer)?;
    println!("已送打印：{job}");
    Ok(())
}
