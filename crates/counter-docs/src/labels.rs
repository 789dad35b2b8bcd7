//! How a list and a calendar are named on paper.

use counter_core::Catalog;

/// A calendar's version as printed: cases accepted before 2026-12 recorded it with an English
/// remark ("2026-v1 (notices to 2025-11-04)") that has no place on an official document.
pub(crate) fn calendar_label(version: &str) -> &str {
    version.split(" (").next().unwrap_or(version).trim()
}

/// The catalog's name as an applicant reads it, with its edition once (most titles already end
/// in it: …（2024年版）). A provincial list titled 全省… names its province (from its issuer,
/// 江苏省医疗保障局 → 江苏省); an annex number (附件1) is the list's place in a circular and
/// means nothing on paper.
pub(crate) fn catalog_label(catalog: &Catalog) -> String {
    let h = &catalog.header;
    let province = h.issuer.split("医疗保障").next().unwrap_or("").trim();
    let title = match h.title.strip_prefix("全省") {
        Some(rest) if !province.is_empty() => format!("{province}{rest}"),
        _ => h.title.clone(),
    };
    if title.contains(h.edition.as_str()) || h.edition.starts_with("附件") {
        title
    } else {
        format!("{title}（{}）", h.edition)
    }
}
