//! The case record, its events and its errors.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::values::*;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Case {
    pub case_no: String,
    pub catalog: String,
    pub edition: String,
    /// The catalog edition's revision it was opened under (`Catalog::revision`); absent on
    /// cases opened before revisions were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    pub item: String,
    pub item_name: String,
    #[serde(default)]
    pub bundle: Option<String>,
    pub applicant: Applicant,
    #[serde(default)]
    pub agent: Option<Person>,
    pub point: String,
    pub clerk: String,
    pub opened_at: NaiveDateTime,
    pub state: CaseState,
    pub answers: BTreeMap<String, String>,
    pub checklist: Vec<ChecklistEntry>,
    #[serde(default)]
    pub notice: Option<Notice>,
    #[serde(default)]
    pub refusal: Option<Refusal>,
    #[serde(default)]
    pub acceptance: Option<Acceptance>,
    #[serde(default)]
    pub completed_at: Option<NaiveDateTime>,
    /// Who completed it: the clerk at the counter, or the central office (中心：…).
    #[serde(default)]
    pub completed_by: Option<String>,
    #[serde(default)]
    pub omissions: Vec<Omission>,
    /// Reason of the last return, withdrawal or termination.
    #[serde(default)]
    pub reason: Option<String>,
    /// Where the paper went after acceptance, step by step.
    #[serde(default)]
    pub custody: Vec<CustodyStep>,
    #[serde(default)]
    pub ratings: Vec<Rating>,
    /// 帮办代办: the office that handles the case this point accepted on the applicant's
    /// behalf.
    #[serde(default)]
    pub assisted: Option<String>,
}

/// One change to a case: the audit trail and, later, the unit of sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CaseEvent {
    pub at: NaiveDateTime,
    pub clerk: String,
    #[serde(flatten)]
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Change {
    Opened {
        catalog: String,
        edition: String,
        /// The edition's revision (`Catalog::revision`): the central server judges the case's
        /// later events under exactly this edition. Absent from earlier versions' events.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        revision: Option<String>,
        item: String,
        point: String,
        applicant: Box<Applicant>,
        #[serde(default)]
        agent: Option<Box<Person>>,
        answers: BTreeMap<String, String>,
        /// 帮办代办: the office that will handle it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assisted: Option<String>,
        /// The identity was read from the card (读卡).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        card_read: bool,
    },
    Answered {
        situation: String,
        answer: String,
    },
    Ticked {
        key: String,
        form: Form,
        copies: u32,
        #[serde(default)]
        option: Option<String>,
    },
    Unticked {
        key: String,
    },
    Deferred {
        key: String,
        deadline: NaiveDate,
    },
    Promised {
        key: String,
    },
    Accepted {
        kind: TimeLimitKind,
        #[serde(default)]
        due: Option<NaiveDate>,
        provisional: bool,
        calendar_version: String,
    },
    Notified {
        missing: Vec<String>,
        #[serde(default)]
        apply_to: Option<String>,
        /// The date the notice gives to bring what is missing (the point's 补交期限), if any.
        /// Absent from events made before it existed, whose hashes stay as they were.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        bring_by: Option<NaiveDate>,
    },
    Refused {
        reason: String,
        #[serde(default)]
        apply_to: Option<String>,
    },
    Completed,
    Resumed,
    Omission {
        key: String,
        name: String,
    },
    ReviewStarted,
    Returned {
        reason: String,
    },
    Terminated {
        reason: String,
    },
    Withdrawn {
        #[serde(default)]
        reason: Option<String>,
    },
    /// 移交 on a hand-over sheet; `sheet` lists every case of the sheet and `case` is the
    /// case as it leaves, for an office that has never seen it.
    HandedOver {
        sheet_no: String,
        from: String,
        to: String,
        sheet: Vec<String>,
        #[serde(default)]
        case: Option<Box<Case>>,
    },
    /// 接收: the paper of a hand-over sheet arrived, with what was missing or damaged.
    /// Wire and stored name kept from the first release.
    #[serde(rename = "handover_received")]
    HandOverReceived {
        sheet_no: String,
        from: String,
        to: String,
        #[serde(default)]
        notes: Vec<MaterialNote>,
    },
    /// A sheet taken back by its sender before anyone received it (a wrong office, a sheet
    /// that never left): the paper is the sender's again.
    #[serde(rename = "handover_recalled")]
    HandOverRecalled {
        sheet_no: String,
        from: String,
        to: String,
        #[serde(default)]
        reason: Option<String>,
    },
    /// 送达: the result handed back to the applicant.
    HandedBack {
        point: String,
    },
    /// 好差评.
    Rated {
        score: u8,
        channel: RatingChannel,
        #[serde(default)]
        comment: Option<String>,
        #[serde(default)]
        follow_up_due: Option<NaiveDate>,
    },
    /// The supervisor's reply to a 差评.
    FollowUpReplied {
        reply: String,
    },
}

impl Change {
    /// An event another point may record on a case it did not accept (once the case was
    /// handed to it) and that every point of the case receives: the paper's way and the
    /// applicant's rating.
    pub fn is_shared(&self) -> bool {
        Change::SHARED_KINDS.contains(&self.kind())
    }

    /// The kinds, as [`Change::kind`] names them, of the changes any point of a case may
    /// record: the paper's way and the rating (a stored event's kind can be asked without
    /// opening it).
    pub const SHARED_KINDS: [&'static str; 6] = [
        "handed_over",
        "handover_received",
        "handover_recalled",
        "handed_back",
        "rated",
        "follow_up_replied",
    ];

    pub fn kind(&self) -> &'static str {
        match self {
            Change::Opened { .. } => "opened",
            Change::Answered { .. } => "answered",
            Change::Ticked { .. } => "ticked",
            Change::Unticked { .. } => "unticked",
            Change::Deferred { .. } => "deferred",
            Change::Promised { .. } => "promised",
            Change::Accepted { .. } => "accepted",
            Change::Notified { .. } => "notified",
            Change::Refused { .. } => "refused",
            Change::Completed => "completed",
            Change::Resumed => "resumed",
            Change::Omission { .. } => "omission",
            Change::ReviewStarted => "review_started",
            Change::Returned { .. } => "returned",
            Change::Terminated { .. } => "terminated",
            Change::Withdrawn { .. } => "withdrawn",
            Change::HandedOver { .. } => "handed_over",
            Change::HandOverReceived { .. } => "handover_received",
            Change::HandOverRecalled { .. } => "handover_recalled",
            Change::HandedBack { .. } => "handed_back",
            Change::Rated { .. } => "rated",
            Change::FollowUpReplied { .. } => "follow_up_replied",
        }
    }
}

/// Why an operation on a case is refused. Messages are for the counter and say what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("清单 {catalog} 中没有事项 {item}")]
    UnknownItem { catalog: String, item: String },
    #[error("{0}")]
    InvalidInput(String),
    #[error("本事项没有情形“{0}”")]
    UnknownSituation(String),
    #[error("情形“{situation}”没有选项“{answer}”，可选：{options}")]
    UnknownAnswer {
        situation: String,
        answer: String,
        options: String,
    },
    #[error("办件没有材料 {key}（可用：{keys}）")]
    UnknownMaterial { key: String, keys: String },
    #[error("材料“{name}”不是任选其一的材料，不能指定选项")]
    NotAnyOf { name: String },
    #[error("“{option}”不是材料“{name}”的可选项，可选：{options}")]
    UnknownOption {
        name: String,
        option: String,
        options: String,
    },
    #[error("材料“{0}”不在容缺受理范围内")]
    NotDeferrable(String),
    #[error("材料“{0}”不能以告知承诺代替")]
    NoPromise(String),
    #[error("容缺期限{deadline}不能早于今天或晚于办结期限{due}")]
    BadDeadline { deadline: NaiveDate, due: String },
    #[error("补交期限{0}不能早于告知当天")]
    BadBringBy(NaiveDate),
    #[error("请先回答情形：{0}")]
    Unanswered(String),
    /// The second field says what the clerk can do: 容缺 (F7) is named only when a missing
    /// material allows it.
    #[error("尚缺材料：{0}。{1}")]
    MaterialsMissing(String, &'static str),
    #[error("材料已齐，无需一次性告知，请直接受理")]
    NothingMissing,
    #[error("办件{case_no}当前为“{state}”，不能{action}")]
    IllegalTransition {
        case_no: String,
        state: &'static str,
        action: &'static str,
    },
    #[error("本事项不是即办件（办理时限：{0}），请受理后按时限办理")]
    NotImmediate(String),
    #[error("请填写{0}")]
    Required(&'static str),
    /// Hand-over, receipt or hand-back out of turn; the message says where the paper is.
    #[error("{0}")]
    Custody(String),
    #[error("{0}")]
    Calendar(String),
}

/// What opens a case. Validated by [`Case::open`].
#[derive(Debug, Clone)]
pub struct OpenCase {
    pub case_no: String,
    pub catalog: String,
    /// An item or a bundle (一件事) of the catalog; which one is the catalog's to say.
    pub item: String,
    pub applicant: Applicant,
    pub agent: Option<Person>,
    pub point: String,
    pub clerk: String,
    pub answers: BTreeMap<String, String>,
    /// 帮办代办: the office that will handle the case, when this point accepts it on the
    /// applicant's behalf (see `custody::scope`).
    pub assisted: Option<String>,
    /// The applicant's identity was read from the card by the reader (读卡), not typed.
    pub card_read: bool,
}

impl OpenCase {
    /// A person applying with a 居民身份证, no agent, no answers yet; the store assigns the
    /// case number.
    pub fn person(
        catalog: &str,
        item: &str,
        point: &str,
        clerk: &str,
        name: &str,
        id_number: &str,
    ) -> OpenCase {
        OpenCase {
            case_no: String::new(),
            catalog: catalog.into(),
            item: item.into(),
            applicant: Applicant::Person(Person {
                name: name.into(),
                id_type: IdType::ResidentId,
                id_number: id_number.into(),
                phone: None,
            }),
            agent: None,
            point: point.into(),
            clerk: clerk.into(),
            answers: BTreeMap::new(),
            assisted: None,
            card_read: false,
        }
    }

    pub fn with_phone(mut self, phone: &str) -> OpenCase {
        if let Applicant::Person(p) = &mut self.applicant {
            p.phone = Some(phone.into());
        }
        self
    }
}

impl Case {
    pub(super) fn event(&self, at: NaiveDateTime, change: Change) -> CaseEvent {
        CaseEvent {
            at,
            clerk: self.clerk.clone(),
            change,
        }
    }

    pub(super) fn illegal(&self, action: &'static str) -> CaseError {
        CaseError::IllegalTransition {
            case_no: self.case_no.clone(),
            state: self.state.label(),
            action,
        }
    }

    pub(super) fn require(
        &self,
        states: &[CaseState],
        action: &'static str,
    ) -> Result<(), CaseError> {
        if states.contains(&self.state) {
            Ok(())
        } else {
            Err(self.illegal(action))
        }
    }
}
