//! The application layer's error: a stable code the window and the terminal act on, and a
//! message in Chinese for the person at the counter.

use serde::Serialize;
use ts_rs::TS;

/// An error as it crosses to the UI: a stable code the UI acts on, and a message in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ApiError {
    pub code: ApiErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ApiErrorCode {
    /// The thing asked for does not exist (an unknown item code).
    NotFound,
    /// The input cannot be used (a bad date, an invalid ID number).
    InvalidInput,
    /// The catalogs could not be loaded.
    Catalog,
    /// Not signed in, a wrong password, or not allowed for this role.
    Auth,
    /// The local store or the file system failed (disk full, damaged file, wrong key).
    Storage,
    /// Printing or the document preview failed.
    Print,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

pub(crate) fn err(code: ApiErrorCode, message: impl Into<String>) -> ApiError {
    ApiError {
        code,
        message: message.into(),
    }
}
