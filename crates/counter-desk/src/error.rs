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
    /// Idle past the limit: the workstation locked itself; the window shows the sign-in.
    Locked,
    /// The central server cannot be reached now (the network, or the server is down): the
    /// data stays here and a later sync sends it.
    Network,
    /// The central server asked to come back later (busy, rate-limited).
    Busy,
    /// The server is not the one this workstation trusts, or the address would send in clear.
    Trust,
    /// The central server refused, for a reason a person has to deal with (a revoked or
    /// copied device, a refused request).
    Refused,
    /// This workstation is not enrolled with a central server.
    NotEnrolled,
    /// The server's answer breaks the protocol; nothing was removed from the outbox.
    Protocol,
    /// Done only once the clerk confirms it (asks again with the confirmation): the message
    /// says what to check first (an office code nobody can verify offline).
    Unconfirmed,
}

/// Each failure of a sync or an enrolment its own code, the words as the client gave them.
pub(crate) fn sync_failure(e: counter_sync::SyncError) -> ApiError {
    {
        use counter_sync::SyncError as S;
        let code = match &e {
            S::NotEnrolled => ApiErrorCode::NotEnrolled,
            S::Network(_) => ApiErrorCode::Network,
            S::Busy { .. } => ApiErrorCode::Busy,
            S::Server { .. } => ApiErrorCode::Refused,
            S::Trust(_) => ApiErrorCode::Trust,
            S::Protocol(_) => ApiErrorCode::Protocol,
            S::Store(_) | S::Write(_) => ApiErrorCode::Storage,
        };
        err(code, e.to_string())
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use counter_core::proto::ServerCode;
    use counter_sync::SyncError as S;

    #[test]
    fn each_sync_failure_has_its_own_code() {
        let cases = [
            (S::NotEnrolled, ApiErrorCode::NotEnrolled),
            (S::Network("连接被拒绝".into()), ApiErrorCode::Network),
            (
                S::Busy {
                    after: std::time::Duration::from_secs(30),
                    message: "请稍后再试".into(),
                },
                ApiErrorCode::Busy,
            ),
            (
                S::Server {
                    code: ServerCode::Cloned,
                    message: "本设备已停用".into(),
                },
                ApiErrorCode::Refused,
            ),
            (S::Trust("证书不符".into()), ApiErrorCode::Trust),
            (S::Protocol("应答无法识别".into()), ApiErrorCode::Protocol),
            (S::Write("/tmp/x".into()), ApiErrorCode::Storage),
        ];
        for (e, code) in cases {
            let words = e.to_string();
            let a = sync_failure(e);
            assert_eq!((a.code, a.message), (code, words));
        }
    }
}
