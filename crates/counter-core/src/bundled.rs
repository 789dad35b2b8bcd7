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
