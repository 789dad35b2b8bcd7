//! The case's documents at the workstation: made from the case (under the edition it was
//! opened with) whenever they are shown or printed, never kept on disk (they carry the full ID
//! number), shown as page images, printed on the office's printer.

use base64::Engine;

use chrono::NaiveDateTime;
use counter_core::case::HistoryLine;
use counter_docs::DocKind;

use crate::{err, store_err, ApiError, ApiErrorCode, Preview, Workstation};

/// Resolution of the preview's page images (60 dpi was too small to read at the counter).
const PREVIEW_DPI: u32 = 110;

fn doc_kind(kind: &str) -> Result<DocKind, ApiError> {
    DocKind::parse(kind)
        .ok_or_else(|| err(ApiErrorCode::InvalidInput, format!("未知的文书类型 {kind}")))
}

impl Workstation {
    /// Makes the document and renders its pages for preview (marked 补打 when it was printed
    /// before: what the clerk sees is what will print).
    pub fn document(&self, case_no: &str, kind: &str) -> Result<Preview, ApiError> {
        let k = doc_kind(kind)?;
        let pdf = self.printable(case_no, k)?;
        self.preview(case_no.trim(), kind, k.title(), &pdf)
    }

    /// When the document `kind` of `case_no` was first printed here, if it was.
    fn first_printed(
        &self,
        case_no: &str,
        kind: DocKind,
    ) -> Result<Option<NaiveDateTime>, ApiError> {
        let first = format!("打印{}", kind.title());
        Ok(self
            .store
            .prints_of(case_no)
            .map_err(store_err)?
            .into_iter()
            .find(|p| p.action == first)
            .and_then(|p| NaiveDateTime::parse_from_str(&p.at, "%Y-%m-%d %H:%M:%S").ok()))
    }

    /// The document `kind` as it prints now: the original, or a copy marked 补打.
    pub fn document_pdf(&self, case_no: &str, kind: &str) -> Result<Vec<u8>, ApiError> {
        self.printable(case_no, doc_kind(kind)?)
    }

    fn printable(&self, case_no: &str, kind: DocKind) -> Result<Vec<u8>, ApiError> {
        self.clerk()?;
        let case = self.store.case(case_no.trim()).map_err(store_err)?;
        let first = self.first_printed(&case.case_no, kind)?;
        counter_docs::render_copy(
            kind,
            &case,
            self.pinned(&case)?,
            &self.office,
            self.now(),
            first,
        )
        .map_err(|e| err(ApiErrorCode::InvalidInput, e.to_string()))
    }

    /// The prints of a case's documents, as lines of its history.
    pub(crate) fn print_lines(&self, case_no: &str) -> Result<Vec<HistoryLine>, ApiError> {
        Ok(self
            .store
            .prints_of(case_no)
            .map_err(store_err)?
            .into_iter()
            .filter_map(|p| {
                let at = NaiveDateTime::parse_from_str(&p.at, "%Y-%m-%d %H:%M:%S").ok()?;
                let reprint = p.action.starts_with("补打");
                Some(HistoryLine {
                    at,
                    clerk: p.who,
                    event: if reprint { "reprinted" } else { "printed" },
                    title: if reprint { "补打" } else { "打印" },
                    detail: p.action.chars().skip(2).collect(),
                })
            })
            .collect())
    }

    /// Renders a document's pages for the preview. Pages are rendered at `PREVIEW_DPI`: an A4 page is then about 880 px wide, which the
    /// preview shows at its own size, so 10.5 pt text reads without zooming.
    pub(crate) fn preview(
        &self,
        number: &str,
        kind: &str,
        title: &str,
        pdf: &[u8],
    ) -> Result<Preview, ApiError> {
        let pages = counter_docs::preview(pdf, PREVIEW_DPI)
            .map_err(|e| err(ApiErrorCode::Print, e.to_string()))?
            .into_iter()
            .map(|png| {
                format!(
                    "data:image/png;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(png)
                )
            })
            .collect();
        give_back_freed_memory();
        Ok(Preview {
            title: title.into(),
            case_no: number.into(),
            kind: kind.into(),
            pages,
            bytes: pdf.len() as u32,
        })
    }

    /// Prints a made document on the office's printer: CUPS's job id.
    pub(crate) fn send_to_printer(&self, pdf: Vec<u8>) -> Result<String, ApiError> {
        let job = counter_docs::print_pdf(&pdf, self.office.printer.as_deref())
            .map_err(|e| err(ApiErrorCode::Print, e.to_string()));
        drop(pdf);
        give_back_freed_memory();
        job
    }

    /// Prints a document, made again from the case (or the recorded sheet), on the office's
    /// printer.
    /// Each print goes into the audit log and the case's history; a second print of the same
    /// document is a 补打, marked on every page.
    pub fn print(&mut self, case_no: &str, kind: &str) -> Result<String, ApiError> {
        let who = self.clerk()?.name.clone();
        let number = case_no.trim().to_string();
        // A hand-over sheet is printed by its sheet number.
        let (pdf, title, again) = if kind == "handover" {
            (self.sheet_pdf(&number)?, "材料交接单", false)
        } else {
            let k = doc_kind(kind)?;
            let again = self.first_printed(&number, k)?.is_some();
            (self.printable(&number, k)?, k.title(), again)
        };
        let job = self.send_to_printer(pdf)?;
        tracing::info!(kind, job, "printed");
        let action = format!("{}{title}", if again { "补打" } else { "打印" });
        self.audit(&who, &action, Some(&number));
        Ok(sent_to(&job, again))
    }
}

/// Returns to the system what making a document freed. Each document carries its own copy of
/// the parsed font (printpdf clones it: 16 MB of font and its tables); glibc keeps freed blocks
/// that large in its heap once its mmap threshold has risen past them, so the first preview
/// left about 50 MB in the process for good (issue 25 A12, `scripts/bench-session.sh`).
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// 已送打印机“CounterPDF”: the queue's name, not CUPS's job number (what the clerk looks for
/// on the printer); a reprint says so.
pub(crate) fn sent_to(job: &str, again: bool) -> String {
    let printer = job.rsplit_once('-').map_or(job, |(p, _)| p);
    format!(
        "{}送打印机“{printer}”",
        if again { "已补打，" } else { "已" }
    )
}
