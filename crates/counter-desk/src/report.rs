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

/// `2025-09-26` → a date, or the clerk's message.
fn date(text: &str, what: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        err(
            ApiErrorCode::InvalidInput,
            format!("{what}“{}”无效，应为 YYYY-MM-DD", text.trim()),
        )
    })
}

/// Where the window's exports go: the user's documents folder (文档 or Documents), else the
/// home folder. `COUNTER_EXPORTS` sets it.
fn export_dir() -> std::path::PathBuf {
    if let Some(d) = std::env::var_os("COUNTER_EXPORTS") {
        return d.into();
    }
    let home = std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
    ["文档", "Documents"]
        .iter()
        .map(|d| home.join(d))
        .find(|d| d.is_dir())
        .unwrap_or(home)
}

impl Workstation {
    /// 设置 → 统计: the figures of the period typed in the window.
    pub fn figures_between(&self, from: &str, to: &str) -> Result<Figures, ApiError> {
        self.figures(date(from, "开始日期")?, date(to, "结束日期")?)
    }

    /// 设置 → 统计 → 导出 Excel: the workbook written to the documents folder; its path.
    pub fn export_figures(&mut self, from: &str, to: &str) -> Result<String, ApiError> {
        let (from, to) = (date(from, "开始日期")?, date(to, "结束日期")?);
        let dir = export_dir();
        std::fs::create_dir_all(&dir).map_err(|e| {
            err(
                ApiErrorCode::Storage,
                format!("无法创建导出目录 {}：{e}", dir.display()),
            )
        })?;
        let path = dir.join(format!("统计_{}_{from}_{to}.xlsx", self.office.point));
        self.figures_workbook(from, to, &path)?;
        Ok(path.display().to_string())
    }

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
        let bytes = counter_docs::report::workbook(&self.office.name, &f, &cases, &made_at, &who)
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
