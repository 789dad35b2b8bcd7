//! The case's documents at the workstation: made from the case (under the edition it was
//! opened with) whenever they are shown or printed, never kept on disk (they carry the full ID
//! number), shown as page images, printed on the office's printer.

use base64::Engine;

use counter_docs::DocKind;

use crate::{err, ApiError, ApiErrorCode, Preview, Workstation};

/// Resolution of the preview's page images (60 dpi was too small to read at the counter).
const PREVIEW_DPI: u32 = 110;

fn doc_kind(kind: &str) -> Result<DocKind, ApiError> {
    DocKind::parse(kind)
        .ok_or_else(|| err(ApiErrorCode::InvalidInput, format!("未知的文书类型 {kind}")))
}

impl Workstation {
    /// Makes the document and renders its pages for preview.
    pub fn document(&self, case_no: &str, kind: &str) -> Result<Preview, ApiError> {
        let k = doc_kind(kind)?;
        let pdf = self.case_pdf(case_no, k)?;
        self.preview(case_no.trim(), kind, k.title(), &pdf)
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
        Ok(Preview {
            title: title.into(),
            case_no: number.into(),
            kind: kind.into(),
            pages,
            bytes: pdf.len() as u32,
        })
    }

    /// Prints a document, made again from the case (or the recorded sheet), on the office's
    /// printer.
    pub fn print(&self, case_no: &str, kind: &str) -> Result<String, ApiError> {
        // A hand-over sheet is printed by its sheet number.
        let pdf = if kind == "handover" {
            self.sheet_pdf(case_no)?
        } else {
            self.case_pdf(case_no, doc_kind(kind)?)?
        };
        let job = counter_docs::print_pdf(&pdf, self.office.printer.as_deref())
            .map_err(|e| err(ApiErrorCode::Print, e.to_string()))?;
        tracing::info!(kind, job, "printed");
        Ok(format!("已送打印（{job}）"))
    }
}
