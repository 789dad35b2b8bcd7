//! 咨询: the 办事指南 of an item under the applicant's answers, shown and printed without
//! opening a case (no case number used up), and a blank 授权委托书 for an agent.

use std::collections::BTreeMap;

use counter_core::case::Guide;

use crate::{err, ApiError, ApiErrorCode, Preview, Workstation};

impl Workstation {
    /// The guide to `code` of `catalog` for this point, under `answers`.
    pub fn guide(
        &self,
        code: &str,
        catalog: &str,
        answers: &BTreeMap<String, String>,
        with_agent: bool,
    ) -> Result<Guide, ApiError> {
        self.clerk()?;
        let cat = self
            .catalogs
            .get(catalog)
            .ok_or_else(|| err(ApiErrorCode::NotFound, format!("未找到清单 {catalog}")))?;
        let scope = counter_core::scope::scope(
            cat,
            self.office.level,
            &self.office.handled_by,
            code.trim(),
        );
        counter_core::case::guide(cat, code.trim(), answers, with_agent, &scope)
            .ok_or_else(|| crate::commands::no_such_item(code))
    }

    fn guide_pdf(
        &self,
        code: &str,
        catalog: &str,
        answers: &BTreeMap<String, String>,
        with_agent: bool,
        kind: &str,
    ) -> Result<(Vec<u8>, &'static str), ApiError> {
        let g = self.guide(code, catalog, answers, with_agent)?;
        match kind {
            "guide" => {
                let cat = self.catalogs.get(catalog).expect("found by guide()");
                Ok((
                    counter_docs::guide_sheet(&g, cat, &self.office, self.now()),
                    "办事指南",
                ))
            }
            "authorisation" => Ok((
                counter_docs::authorisation_form(&g.name, &self.office),
                "授权委托书（空白）",
            )),
            other => Err(err(
                ApiErrorCode::InvalidInput,
                format!("未知的咨询文书 {other}"),
            )),
        }
    }

    /// The guide (`guide`) or the blank authorisation (`authorisation`) for preview.
    pub fn guide_document(
        &self,
        code: &str,
        catalog: &str,
        answers: &BTreeMap<String, String>,
        with_agent: bool,
        kind: &str,
    ) -> Result<Preview, ApiError> {
        let (pdf, title) = self.guide_pdf(code, catalog, answers, with_agent, kind)?;
        self.preview(code.trim(), kind, title, &pdf)
    }

    /// Prints it on the office's printer; the answer names the printer.
    pub fn print_guide(
        &self,
        code: &str,
        catalog: &str,
        answers: &BTreeMap<String, String>,
        with_agent: bool,
        kind: &str,
    ) -> Result<String, ApiError> {
        let (pdf, _) = self.guide_pdf(code, catalog, answers, with_agent, kind)?;
        let job = self.send_to_printer(pdf)?;
        tracing::info!(kind, job, "guide printed");
        Ok(crate::documents::sent_to(&job, false))
    }
}
