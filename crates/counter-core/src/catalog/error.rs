//! What is wrong with a catalog file, and where.

use std::fmt;

/// What is wrong, where: file, item code (or position), field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CatalogError {
    pub file: String,
    pub item: Option<String>,
    pub field: Option<String>,
    pub problem: Problem,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(i) = &self.item {
            write!(f, ": item {i}")?;
        }
        if let Some(x) = &self.field {
            write!(f, ": field {x}")?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// The kinds of problem a catalog file can have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("not valid TOML: {0}")]
    Syntax(String),
    #[error("does not match the catalog format: {0}")]
    Shape(String),
    #[error("required but missing or empty")]
    Missing,
    #[error("duplicate code {0}")]
    DuplicateCode(String),
    #[error("duplicate catalog id {0}")]
    DuplicateCatalog(String),
    #[error("main item {0} is not declared in [[mains]]")]
    UnknownMain(String),
    #[error("bad condition: {0}")]
    BadCondition(#[from] crate::condition::ConditionError),
    #[error("bad time limit: {0}")]
    BadTimeLimit(String),
    #[error("unknown value {value:?}; expected one of {expected}")]
    UnknownValue { value: String, expected: String },
    #[error("bad value {0:?}")]
    BadValue(String),
    #[error("links to {0}, which no loaded catalog has")]
    DanglingLink(String),
}

pub(super) fn err(
    file: &str,
    item: Option<&str>,
    field: Option<&str>,
    problem: Problem,
) -> CatalogError {
    CatalogError {
        file: file.to_string(),
        item: item.map(str::to_string),
        field: field.map(str::to_string),
        problem,
    }
}
