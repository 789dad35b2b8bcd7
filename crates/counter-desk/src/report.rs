//! The supervisor's figures of a period (设置 → 统计, `counter report`): the core's
//! `figures` over this point's cases, and the same as an Excel workbook.

use chrono::NaiveDate;
use counter_core::figures::{figures, Figures};

use crate::{err, store_err, ApiError, ApiErrorCode, Workstation};

fn period(from: NaiveDate, to: NaiveDate) -> Result<(), ApiError> {
    if from > to {
        return Err(err(
            ApiErrorCode::InvalidInput,
            format!("统计期间的开始日期 {from} 晚于结束日期 {to}"),
        ));
    }
    if (to - from).num_days() > 3660 {
        return Err(err(ApiErrorCode::InvalidInput, "统计期间不能超过十年"));
    }
    Ok(())
}

impl Workstation {
    /// The figures of the cases opened from `from` to `to` (the supervisor only).
    pub fn figures(&self, from: NaiveDate, to: NaiveDate) -> Result<Figures, ApiError> {
        self.supervisor()?;
        period(from, to)?;
        let cases = self.store.cases_opened(from, to).map_err(store_err)?;
        Ok(figures(&cases, from, to, self.now().date(), &self.calendar))
    }

    /// The figures and the period's cases as an Excel workbook at `path`.
    pub fn figures_workbook(
        &mut self,
        from: NaiveDate,
        to: NaiveDate,
        path: &std::path::Path,
    ) -> Result<Figures, ApiError> {
        let who = self.supervisor()?.name.clone();
        let f = self.figures(from, to)?;
        let cases = self.store.cases_opened(from, to).map_err(store_err)?;
        let made_at = self.now().format("%Y-%m-%d %H:%M").to_string();
        let bytes = counter_docs::report::workbook(&self.office.name, &f, &cases, &made_at)
            .map_err(|e| err(ApiErrorCode::Storage, format!("无法生成统计表：{e}")))?;
        std::fs::write(path, bytes).map_err(|e| {
            err(
                ApiErrorCode::Storage,
                format!("无法写入 {}：{e}", path.display()),
            )
        })?;
        self.audit(&who, "导出统计表", Some(&format!("{from} 至 {to}")));
        Ok(f)
    }
}
