//! The hand-over sheet's own rules (材料交接单): only the point it is addressed to receives
//! it, only the point that sent it recalls it, and only while nobody has done either; what is
//! noted at receipt must be on the sheet. Receipt and recall are all or nothing: the store
//! applies them to every case of the sheet in one transaction.

use chrono::NaiveDateTime;

use super::record::CaseError;

/// A sheet as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet<'a> {
    pub sheet_no: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub cases: &'a [String],
    pub received_at: Option<NaiveDateTime>,
    pub recalled_at: Option<NaiveDateTime>,
}

impl Sheet<'_> {
    /// Refuses a sheet already received or recalled, saying when.
    fn check_open(&self) -> Result<(), CaseError> {
        let (what, at) = match (&self.received_at, &self.recalled_at) {
            (Some(at), _) => ("接收", at),
            (None, Some(at)) => ("被移交方撤回", at),
            (None, None) => return Ok(()),
        };
        Err(CaseError::Custody(format!(
            "交接单 {} 已于 {} {what}",
            self.sheet_no,
            at.format("%Y-%m-%d %H:%M")
        )))
    }

    /// 接收 at `point`, with notes `(case number, material key, note)`.
    pub fn check_receive(
        &self,
        point: &str,
        notes: &[(String, String, String)],
    ) -> Result<(), CaseError> {
        if self.to != point {
            return Err(CaseError::Custody(format!(
                "交接单 {} 是交给 {} 的，不是本网点 {point}",
                self.sheet_no, self.to
            )));
        }
        self.check_open()?;
        if let Some((c, _, _)) = notes.iter().find(|(c, _, _)| !self.cases.contains(c)) {
            return Err(CaseError::Custody(format!(
                "办件 {c} 不在交接单 {} 上",
                self.sheet_no
            )));
        }
        Ok(())
    }

    /// 撤回 by `point`.
    pub fn check_recall(&self, point: &str) -> Result<(), CaseError> {
        if self.from != point {
            return Err(CaseError::Custody(format!(
                "交接单 {} 由 {} 发出，只有移交网点可以撤回",
                self.sheet_no, self.from
            )));
        }
        self.check_open()
    }
}
