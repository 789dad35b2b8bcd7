//! The case's documents at the workstation: made from the case (under the edition it was
//! opened with), kept for reprinting, shown as page images, printed on the office's printer.

use base64::Engine;

use counter_docs::DocKind;

use crate::{err, store_err, ApiError, ApiErrorCode, Preview, Workstation};

/// Resolution of the preview's page images (60 dpi was too small to read at the counter).
const PREVIEW_DPI: u32 = 110;

fn doc_kind(kind: &str) -> Result<DocKind, ApiError> {
    DocKind::parse(kind)
        .ok_or_else(|| err(ApiErrorCode::InvalidInput, format!("未知的文书类型 {kind}")))
}

impl Workstation {
    /// Makes the document, keeps the PDF for reprinting, and renders its pages for preview.
    pub fn document(&self, case_no: &str, kind: &str) -> Result<Preview, ApiError> {
        self.clerk()?;
        let k = doc_kind(kind)?;
        let case = self.store.case(case_no.trim()).map_err(store_err)?;
        let catalog = self.pinned(&case)?;
        let pdf = counter_docs::render(k, &case, catalog, &self.office, self.now())
            .map_err(|e| err(ApiErrorCode::InvalidInput, e.to_string()))?;
        self.keep_and_preview(&case.case_no, kind, k.title(), &pdf)
    }

    /// Keeps a document's PDF for (re)printing and renders its pages for the preview.
    /// Pages are rendered at `PREVIEW_DPI`: an A4 page is then about 880 px wide, which the
    /// preview shows at its own size, so 10.5 pt text reads without zooming.
    pub(crate) fn keep_and_preview(
        &self,
        number: &str,
        kind: &str,
        title: &str,
        pdf: &[u8],
    ) -> Result<Preview, ApiError> {
        std::fs::create_dir_all(&self.paths.documents)
            .map_err(|e| err(ApiErrorCode::Storage, e.to_string()))?;
        let path = self.paths.documents.join(format!("{number}-{kind}.pdf"));
        std::fs::write(&path, pdf).map_err(|e| err(ApiErrorCode::Storage, e.to_string()))?;
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
            path: path.display().to_string(),
            bytes: pdf.len() as u32,
        })
    }

    /// Prints a document made by [`Workstation::document`] on the office's printer.
    pub fn print(&self, case_no: &str, kind: &str) -> Result<String, ApiError> {
        self.clerk()?;
        // A hand-over sheet is printed by its sheet number.
        if kind != "handover" {
            doc_kind(kind)?;
        }
        let path = self
            .paths
            .documents
            .join(format!("{}-{kind}.pdf", case_no.trim()));
        let job = counter_docs::print(&path, self.office.printer.as_deref())
            .map_err(|e| err(ApiErrorCode::Print, e.to_string()))?;
        tracing::info!(case_no, kind, job, "printed");
        Ok(format!("已送打印（{job}）"))
    }
}
