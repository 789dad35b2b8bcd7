//! The case's value types: who applies, what is asked and handed over, where the paper is and
//! how the applicant rated it. A leaf: nothing here knows the rules that change a case.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalog::Material;
pub use crate::catalog::TimeLimitKind;

/// The kinds of identity document a person may show (the footnotes' 有效身份证件).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    /// 居民身份证 — validated by GB 11643.
    ResidentId,
    /// 护照
    Passport,
    /// 港澳居民来往内地通行证
    HkMacaoPermit,
    /// 港澳台居民居住证
    HkMacaoTaiwanResidence,
    /// 外国人永久居留证
    ForeignPermanentResidence,
}

impl IdType {
    pub const ALL: [IdType; 5] = [
        IdType::ResidentId,
        IdType::Passport,
        IdType::HkMacaoPermit,
        IdType::HkMacaoTaiwanResidence,
        IdType::ForeignPermanentResidence,
    ];

    pub fn label(self) -> &'static str {
        match self {
            IdType::ResidentId => "居民身份证",
            IdType::Passport => "护照",
            IdType::HkMacaoPermit => "港澳居民来往内地通行证",
            IdType::HkMacaoTaiwanResidence => "港澳台居民居住证",
            IdType::ForeignPermanentResidence => "外国人永久居留证",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Person {
    pub name: String,
    pub id_type: IdType,
    pub id_number: String,
    #[serde(default)]
    pub phone: Option<String>,
}

/// Who applies: a person, or a unit (单位) with its 统一社会信用代码.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Applicant {
    Person(Person),
    Unit {
        name: String,
        credit_code: String,
        #[serde(default)]
        phone: Option<String>,
    },
}

impl Applicant {
    pub fn name(&self) -> &str {
        match self {
            Applicant::Person(p) => &p.name,
            Applicant::Unit { name, .. } => name,
        }
    }
    /// The number a ledger looks the applicant up by.
    pub fn id_number(&self) -> &str {
        match self {
            Applicant::Person(p) => &p.id_number,
            Applicant::Unit { credit_code, .. } => credit_code,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Draft,
    Notified,
    Accepted,
    Refused,
    Completed,
    InReview,
    Returned,
    Terminated,
    Withdrawn,
}

impl CaseState {
    pub const ALL: [CaseState; 9] = [
        CaseState::Draft,
        CaseState::Notified,
        CaseState::Accepted,
        CaseState::Refused,
        CaseState::Completed,
        CaseState::InReview,
        CaseState::Returned,
        CaseState::Terminated,
        CaseState::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Draft => "draft",
            CaseState::Notified => "notified",
            CaseState::Accepted => "accepted",
            CaseState::Refused => "refused",
            CaseState::Completed => "completed",
            CaseState::InReview => "in_review",
            CaseState::Returned => "returned",
            CaseState::Terminated => "terminated",
            CaseState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<CaseState> {
        CaseState::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseState::Draft => "受理中",
            CaseState::Notified => "已一次性告知",
            CaseState::Accepted => "已受理",
            CaseState::Refused => "不予受理",
            CaseState::Completed => "已办结",
            CaseState::InReview => "审核中",
            CaseState::Returned => "已退回",
            CaseState::Terminated => "终止办理",
            CaseState::Withdrawn => "已撤回",
        }
    }

    /// Still being worked on (counts for the duplicate warning and the overdue list).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CaseState::Draft
                | CaseState::Notified
                | CaseState::Accepted
                | CaseState::InReview
                | CaseState::Returned
        )
    }
}

/// Where a material on the checklist comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MaterialSource {
    Item,
    /// 委托办理 rule: added because an agent acts.
    Agent,
    /// Bank account on a first reimbursement or a changed account.
    FirstPayment,
    /// 帮办代办: the authorisation for a point accepting on the applicant's behalf.
    Assisted,
}

/// A material this case needs, with its requirements as the catalog states them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RequiredMaterial {
    /// Stable within the pinned catalog edition: `m<n>` for the item's n-th material,
    /// `agent<n>` and `bank<n>` for the rules' materials.
    pub key: String,
    /// As a clerk reads it (`A或B或C` for alternatives).
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copies: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Not needed for a decision (e.g. 可要求提供).
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub deferrable: bool,
    #[serde(default)]
    pub promise: bool,
    pub source: MaterialSource,
}

impl RequiredMaterial {
    pub(super) fn from_material(key: String, m: &Material, source: MaterialSource) -> Self {
        RequiredMaterial {
            key,
            name: m.display_name(),
            any_of: m.any_of.clone(),
            form: m.form.clone(),
            copies: m.copies,
            stamp: m.stamp.clone(),
            issuer: m.issuer.clone(),
            note: m.note.clone(),
            optional: m.optional,
            deferrable: m.deferrable,
            promise: m.promise,
            source,
        }
    }

    /// The requirement in words, as a notice prints it: 原件 / 2份 / 加盖单位公章 / 由…出具.
    pub fn requirement(&self) -> String {
        let mut parts = Vec::new();
        if !self.any_of.is_empty() {
            parts.push("任选其一".to_string());
        }
        if let Some(f) = &self.form {
            parts.push(f.clone());
        }
        if let Some(c) = self.copies {
            parts.push(format!("{c}份"));
        }
        if let Some(s) = &self.stamp {
            parts.push(format!("加盖{s}"));
        }
        if let Some(i) = &self.issuer {
            parts.push(format!("由{i}出具"));
        }
        if let Some(n) = &self.note {
            parts.push(n.clone());
        }
        parts.join("；")
    }
}

/// How a received material was handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    Original,
    Copy,
    Electronic,
}

impl Form {
    pub fn label(self) -> &'static str {
        match self {
            Form::Original => "原件",
            Form::Copy => "复印件",
            Form::Electronic => "电子",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MaterialStatus {
    Missing,
    Received {
        form: Form,
        copies: u32,
        /// For an 'any of' material: the option handed over.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        option: Option<String>,
    },
    /// 容缺: to follow by the deadline under a signed commitment.
    Deferred {
        deadline: NaiveDate,
    },
    /// 告知承诺: a signed promise replaces it.
    Promised,
}

impl MaterialStatus {
    pub fn label(&self) -> &'static str {
        match self {
            MaterialStatus::Missing => "缺",
            MaterialStatus::Received { .. } => "已收",
            MaterialStatus::Deferred { .. } => "容缺",
            MaterialStatus::Promised => "告知承诺",
        }
    }
    pub(super) fn settled(&self) -> bool {
        !matches!(self, MaterialStatus::Missing)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChecklistEntry {
    pub material: RequiredMaterial,
    pub status: MaterialStatus,
}

/// The one-time notice as given: exactly the materials that were missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Notice {
    pub at: NaiveDateTime,
    pub missing: Vec<RequiredMaterial>,
    /// Set when this point may not accept the item: the office the applicant goes to, with
    /// everything the item needs.
    #[serde(default)]
    pub apply_to: Option<String>,
    /// 补交期限: the date by which to bring what is missing, when the point sets one.
    #[serde(default)]
    pub bring_by: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Refusal {
    pub at: NaiveDateTime,
    pub reason: String,
    #[serde(default)]
    pub apply_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Acceptance {
    pub at: NaiveDateTime,
    pub kind: TimeLimitKind,
    #[serde(default)]
    pub working_days: Option<u32>,
    #[serde(default)]
    pub due: Option<NaiveDate>,
    /// The due date falls in a year whose holiday calendar is not yet published (预计).
    #[serde(default)]
    pub provisional: bool,
    pub calendar_version: String,
}

/// 告知遗漏: a material asked for after a notice that did not list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Omission {
    pub at: NaiveDateTime,
    pub key: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CustodyKind {
    /// 受理: the applicant handed the paper to the point.
    Accepted,
    /// 移交: on a hand-over sheet, on its way.
    Sent,
    /// 接收: the receiving office confirmed it.
    Received,
    /// 撤回: the sender took the sheet back before it was received.
    Recalled,
    /// 送达: the result handed back to the applicant.
    HandedBack,
}

impl CustodyKind {
    pub fn label(self) -> &'static str {
        match self {
            CustodyKind::Accepted => "受理收件",
            CustodyKind::Sent => "移交",
            CustodyKind::Received => "接收",
            CustodyKind::Recalled => "撤回移交",
            CustodyKind::HandedBack => "送达申请人",
        }
    }
}

/// A material that did not arrive, or arrived damaged, noted at receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MaterialNote {
    pub key: String,
    pub name: String,
    /// 缺失 or 破损, or the clerk's words.
    pub note: String,
}

/// One step of the paper's way: `from` handed it to `to` (point codes, or [`APPLICANT`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CustodyStep {
    pub from: String,
    pub to: String,
    pub at: NaiveDateTime,
    pub by: String,
    pub kind: CustodyKind,
    #[serde(default)]
    pub sheet_no: Option<String>,
    #[serde(default)]
    pub notes: Vec<MaterialNote>,
}

/// Where the paper is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "where", rename_all = "snake_case")]
pub enum Holder {
    /// Held by a point since `since`.
    Point { point: String, since: NaiveDateTime },
    /// On a hand-over sheet from one point to another, not yet received.
    InTransit {
        from: String,
        to: String,
        sheet_no: String,
        since: NaiveDateTime,
    },
    /// Back with the applicant.
    Applicant { since: NaiveDateTime },
}

/// Working days a supervisor has to answer a 差评.
pub const FOLLOW_UP_DAYS: u32 = 15;

/// The five levels, from 5 (非常满意) down to 1 (非常不满意).
pub const LEVELS: [(u8, &str); 5] = [
    (5, "非常满意"),
    (4, "满意"),
    (3, "基本满意"),
    (2, "不满意"),
    (1, "非常不满意"),
];

/// A rating level as the rating screen offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RatingLevel {
    pub score: u8,
    pub label: String,
}

/// The five levels, best first, for the rating screen (key 1 is the best).
pub fn rating_levels() -> Vec<RatingLevel> {
    LEVELS
        .iter()
        .map(|(score, label)| RatingLevel {
            score: *score,
            label: (*label).into(),
        })
        .collect()
}

pub fn level_label(score: u8) -> &'static str {
    LEVELS
        .iter()
        .find(|(s, _)| *s == score)
        .map_or("", |(_, l)| *l)
}

/// Where the rating was given: on the counter's screen, or a paper form typed in later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RatingChannel {
    Counter,
    Paper,
}

impl RatingChannel {
    pub fn parse(s: &str) -> Option<RatingChannel> {
        match s {
            "counter" => Some(RatingChannel::Counter),
            "paper" => Some(RatingChannel::Paper),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RatingChannel::Counter => "窗口评价器",
            RatingChannel::Paper => "纸质评价表",
        }
    }
}

/// The supervisor's follow-up of a 差评.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FollowUp {
    pub due: NaiveDate,
    #[serde(default)]
    pub reply: Option<String>,
    #[serde(default)]
    pub replied_at: Option<NaiveDateTime>,
    #[serde(default)]
    pub replied_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Rating {
    pub score: u8,
    pub label: String,
    pub channel: RatingChannel,
    #[serde(default)]
    pub comment: Option<String>,
    pub at: NaiveDateTime,
    pub by: String,
    #[serde(default)]
    pub follow_up: Option<FollowUp>,
}

impl Rating {
    /// 差评: 不满意 or 非常不满意.
    pub fn is_poor(&self) -> bool {
        self.score <= 2
    }
}
