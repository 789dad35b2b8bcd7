//! `counter doc …`: the printed documents of a case as PDF files, and printing them.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use clap::Subcommand;
use counter_core::office::Office;
use counter_core::CatalogSet;
use counter_docs::DocKind;
use counter_store::Store;

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

pub fn run(
    cmd: &DocCmd,
    store: impl FnOnce() -> Result<Store, CliError>,
    catalogs: &CatalogSet,
    office: &Office,
    now: NaiveDateTime,
) -> Result<(), CliError> {
    let (kind, one) = match cmd {
        DocCmd::Receipt(o) => (DocKind::Receipt, o),
        DocCmd::Notice(o) => (DocKind::Notice, o),
        DocCmd::Refusal(o) => (DocKind::Refusal, o),
        DocCmd::Deferral(o) => (DocKind::Deferral, o),
        DocCmd::Completion(o) => (DocKind::Completion, o),
        DocCmd::Handover { cases, to, out } => {
            let store = store()?;
            let cases = cases
                .iter()
                .map(|c| store.case(c.trim()))
                .collect::<Result<Vec<_>, _>>()?;
            let number = format!("HO-{}-{}", office.point, now.format("%Y%m%d%H%M%S"));
            let clerk = cases.first().map(|c| c.clerk.clone()).unwrap_or_default();
            let pdf = counter_docs::handover(
                &counter_docs::Handover {
                    number,
                    to_office: to.clone(),
                    cases: &cases,
                    at: now,
                    clerk,
                },
                office,
            )?;
            return write(out, &pdf);
        }
        DocCmd::Sheet { sheet_no, out } => {
            return write(out, &sheet_pdf(&store()?, sheet_no, office)?);
        }
        DocCmd::Print { file, printer } => {
            let printer = printer.as_deref().or(office.printer.as_deref());
            let job = counter_docs::print(file, printer)?;
            println!("已送打印：{job}");
            return Ok(());
        }
    };
    let case = store()?.case(&one.case_no)?;
    // The edition the case was opened under, as its checklist and decision were.
    let catalog = catalogs
        .pinned(&case.catalog, case.revision.as_deref())
        .ok_or_else(|| CliError::UnknownCatalog(format!("{}（{}）", case.catalog, case.edition)))?;
    let pdf = counter_docs::render(kind, &case, catalog, office, now)?;
    write(&one.out, &pdf)
}

/// The PDF of a recorded hand-over sheet; its QR code carries the sheet number.
pub fn sheet_pdf(store: &Store, sheet_no: &str, office: &Office) -> Result<Vec<u8>, CliError> {
    let (sheet, cases) = store.sheet_cases(sheet_no, &office.point)?;
    Ok(counter_docs::handover(
        &counter_docs::Handover {
            number: sheet.sheet_no.clone(),
            to_office: format!("网点 {}", sheet.to),
            cases: &cases,
            at: sheet.sent_at,
            clerk: sheet.sent_by.clone(),
        },
        office,
    )?)
}

/// Office settings: `--office FILE`, else `<config dir>/office.toml` when present, else the
/// defaults (printed documents then say the address is not set).
pub fn load_office(path: Option<&Path>, key_file: &Path) -> Result<Office, CliError> {
    let default_path = key_file.with_file_name("office.toml");
    let path = match path {
        Some(p) => p.to_path_buf(),
        None if default_path.is_file() => default_path,
        None => return Ok(Office::default()),
    };
    let text = std::fs::read_to_string(&path).map_err(|source| CliError::Read {
        path: path.clone(),
        source,
    })?;
    Office::from_toml(&text).map_err(|e| CliError::Input(format!("{}：{e}", path.display())))
}
