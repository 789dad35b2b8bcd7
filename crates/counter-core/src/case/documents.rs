//! Which documents a case may print: one rule for the window's reprint list, the CLI and the
//! renderer, so nothing is offered that printing would then refuse.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::record::Case;
use super::values::{CaseState, MaterialStatus};

/// A printed document of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// 受理回执, two copies.
    Receipt,
    /// 一次性告知书.
    Notice,
    /// 不予受理通知书.
    Refusal,
    /// 容缺受理通知书, two copies.
    Deferral,
    /// 办结单.
    Completion,
}

impl DocKind {
    pub const ALL: [DocKind; 5] = [
        DocKind::Receipt,
        DocKind::Notice,
        DocKind::Refusal,
        DocKind::Deferral,
        DocKind::Completion,
    ];

    pub fn title(self) -> &'static str {
        match self {
            DocKind::Receipt => "受理回执",
            DocKind::Notice => "一次性告知书",
            DocKind::Refusal => "不予受理通知书",
            DocKind::Deferral => "容缺受理通知书",
            DocKind::Completion => "办结单",
        }
    }

    /// Prefix of the document number (文书编号).
    pub fn prefix(self) -> &'static str {
        match self {
            DocKind::Receipt => "SL",
            DocKind::Notice => "GZ",
            DocKind::Refusal => "BY",
            DocKind::Deferral => "RQ",
            DocKind::Completion => "BJ",
        }
    }

    /// The name used in commands and on the wire (`receipt`, `notice`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Receipt => "receipt",
            DocKind::Notice => "notice",
            DocKind::Refusal => "refusal",
            DocKind::Deferral => "deferral",
            DocKind::Completion => "completion",
        }
    }

    pub fn parse(s: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl Case {
    /// Whether the case stands accepted: a receipt is valid for it (not after it was
    /// withdrawn, terminated or before acceptance).
    fn stands_accepted(&self) -> bool {
        self.acceptance.is_some()
            && matches!(
                self.state,
                CaseState::Accepted
                    | CaseState::InReview
                    | CaseState::Returned
                    | CaseState::Completed
            )
    }

    /// The documents this case may print now, in the order a clerk would look for them.
    /// A withdrawn case prints nothing: the applicant took the application back.
    pub fn documents(&self) -> Vec<DocKind> {
        if self.state == CaseState::Withdrawn {
            return Vec::new();
        }
        let accepted = self.stands_accepted();
        let deferred = self
            .checklist
            .iter()
            .any(|e| matches!(e.status, MaterialStatus::Deferred { .. }));
        DocKind::ALL
            .into_iter()
            .filter(|k| match k {
                DocKind::Receipt => accepted,
                DocKind::Notice => self.notice.is_some(),
                DocKind::Refusal => self.state == CaseState::Refused,
                DocKind::Deferral => accepted && deferred,
                DocKind::Completion => self.state == CaseState::Completed,
            })
            .collect()
    }

    /// Whether `kind` may be printed for this case (see [`Case::documents`]).
    pub fn may_print(&self, kind: DocKind) -> bool {
        self.documents().contains(&kind)
    }
}
