//! Alerts at the window: a case the centre returned (退回), and an open case due within two
//! working days or already past its date. One rule, which the header, the ledger's filter and
//! the figures' 即将超期 list share.

use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

use crate::calendar::Calendar;
use crate::case::{Case, CaseState};

/// Working days ahead that count as 即将超期.
pub const DUE_SOON_DAYS: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    Returned,
    DueSoon,
    Overdue,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Returned => "returned",
            AlertKind::DueSoon => "due_soon",
            AlertKind::Overdue => "overdue",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AlertKind::Returned => "中心退回",
            AlertKind::DueSoon => "即将超期",
            AlertKind::Overdue => "已超期",
        }
    }
}

/// The last day that is 即将超期 as of `today`.
pub fn soon_limit(today: NaiveDate, calendar: &Calendar) -> NaiveDate {
    calendar
        .due(today, DUE_SOON_DAYS)
        .map(|d| d.due)
        .unwrap_or(today)
}

/// Waiting at the point or the centre: what a due date still binds.
pub fn is_open(state: CaseState) -> bool {
    matches!(
        state,
        CaseState::Accepted | CaseState::InReview | CaseState::Returned
    )
}

/// The alert `case` raises as of `today`, with what makes it new (the return's reason, the
/// due date): an alert seen once comes back only when that changes.
pub fn alert(case: &Case, today: NaiveDate, soon: NaiveDate) -> Option<(AlertKind, String)> {
    if case.state == CaseState::Returned {
        return Some((AlertKind::Returned, case.reason.clone().unwrap_or_default()));
    }
    let due = case.due().filter(|_| is_open(case.state))?;
    if due < today {
        Some((AlertKind::Overdue, due.to_string()))
    } else if due <= soon {
        Some((AlertKind::DueSoon, due.to_string()))
    } else {
        None
    }
}
