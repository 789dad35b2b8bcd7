//! The catalogs and calendar compiled into the program: its embedded defaults, so a counter
//! works offline from the first start.

/// `(file name, TOML text)` of every catalog edition shipped in `catalogs/`.
pub const CATALOG_FILES: &[(&str, &str)] = &[
    (
        "national.toml",
        include_str!("../../../catalogs/national.toml"),
    ),
    (
        "jiangsu-2024.toml",
        include_str!("../../../catalogs/jiangsu-2024.toml"),
    ),
    (
        "jiangxi-1.0.toml",
        include_str!("../../../catalogs/jiangxi-1.0.toml"),
    ),
    (
        "zhenjiang-2025.toml",
        include_str!("../../../catalogs/zhenjiang-2025.toml"),
    ),
];

/// The holiday calendar shipped in `catalogs/calendar.toml`.
pub const CALENDAR_FILE: (&str, &str) = (
    "calendar.toml",
    include_str!("../../../catalogs/calendar.toml"),
);

/// Loads the shipped catalogs. They are validated by the test suite, so a failure here is a
/// build defect, reported as the loader's errors.
pub fn catalogs() -> Result<crate::CatalogSet, Vec<crate::CatalogError>> {
    crate::CatalogSet::from_texts(CATALOG_FILES)
}

/// Loads the shipped calendar.
pub fn calendar() -> Result<crate::Calendar, crate::CalendarError> {
    crate::Calendar::from_toml(CALENDAR_FILE.1)
}

/// The built-in catalogs with newer editions received from the central server in place of (or
/// beside) the built-in ones: `overrides` are (catalog id, TOML text). An override that does not
/// load is reported and the built-in edition kept, so a bad delivery never stops the counter.
/// Every edition replaced — a built-in one, or an `earlier` delivery (catalog id, TOML text) —
/// is kept in `CatalogSet::earlier` for the cases opened under it.
pub fn catalogs_with(
    overrides: &[(String, String)],
    earlier: &[(String, String)],
) -> (crate::CatalogSet, Vec<String>) {
    let id_of = |text: &str| -> Option<String> {
        toml::from_str::<toml::Table>(text)
            .ok()?
            .get("catalog")?
            .get("id")?
            .as_str()
            .map(String::from)
    };
    let mut files: Vec<(String, String)> = CATALOG_FILES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    let mut problems = Vec::new();
    for (id, text) in overrides {
        let mut trial = files.clone();
        match trial
            .iter()
            .position(|(_, t)| id_of(t).as_deref() == Some(id))
        {
            Some(i) => trial[i] = (format!("{id}.toml"), text.clone()),
            None => trial.push((format!("{id}.toml"), text.clone())),
        }
        match crate::CatalogSet::from_texts(&trial) {
            Ok(_) => files = trial,
            Err(e) => problems.push(format!(
                "中心下发的清单 {id} 无法使用，继续使用内置版本：{}",
                e.first().map(|e| e.to_string()).unwrap_or_default()
            )),
        }
    }
    let mut set = crate::CatalogSet::from_texts(&files).unwrap_or_else(|_| {
        catalogs().expect("the built-in catalogs are validated by the test suite")
    });
    // Parsed only when something was replaced: every process start loads the catalogs.
    let replaced_built_in = CATALOG_FILES
        .iter()
        .filter(|(_, t)| id_of(t).is_some_and(|id| overrides.iter().any(|(o, _)| *o == id)));
    let replaced = replaced_built_in
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .chain(
            earlier
                .iter()
                .map(|(id, t)| (format!("{id}.toml"), t.clone())),
        );
    for (name, text) in replaced {
        if let Ok(c) = crate::Catalog::from_toml(&name, &text) {
            set.keep_earlier(c);
        }
    }
    (set, problems)
}

/// The calendar received from the central server when given and valid, else the built-in one.
pub fn calendar_with(text: Option<&str>) -> Result<crate::Calendar, crate::CalendarError> {
    match text.map(crate::Calendar::from_toml) {
        Some(Ok(c)) => Ok(c),
        _ => calendar(),
    }
}
