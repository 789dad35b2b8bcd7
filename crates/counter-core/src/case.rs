//! Cases (办件): one applicant's request for one item, from first contact to decision.
//!
//! Everything here is pure: the store hands in the case, the catalog, the calendar and the
//! time; an operation changes the case and returns the events that describe the change, which
//! the store appends in the same transaction as the new state.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::calendar::Calendar;
use crate::catalog::{Catalog, Item, Material, RuleKind, Situation, TimeLimitKind};
use crate::condition::Condition;
use crate::ids;
use crate::scope::Scope;

mod central;
mod documents;
mod history;
pub use central::Decision;
pub use documents::DocKind;
pub use history::HistoryLine;

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
    fn from_material(key: String, m: &Material, source: MaterialSource) -> Self {
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
    fn settled(&self) -> bool {
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Refusal {
    pub at: NaiveDateTime,
    pub reason: String,
    #[serde(default)]
    pub apply_to: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// 即办件
    Immediate,
    /// 承诺件: N working days.
    WorkingDays,
    /// 按协议执行: no date is promised.
    Agreement,
    /// A bundle without a time promise of its own: each item's limit applies.
    NoPromise,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Acceptance {
    pub at: NaiveDateTime,
    pub kind: CaseKind,
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
    pub custody: Vec<crate::custody::CustodyStep>,
    #[serde(default)]
    pub ratings: Vec<crate::rating::Rating>,
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
        item: String,
        point: String,
        applicant: Box<Applicant>,
        #[serde(default)]
        agent: Option<Box<Person>>,
        answers: BTreeMap<String, String>,
        /// 帮办代办: the office that will handle it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assisted: Option<String>,
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
        kind: CaseKind,
        #[serde(default)]
        due: Option<NaiveDate>,
        provisional: bool,
        calendar_version: String,
    },
    Notified {
        missing: Vec<String>,
        #[serde(default)]
        apply_to: Option<String>,
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
    HandoverReceived {
        sheet_no: String,
        from: String,
        to: String,
        #[serde(default)]
        notes: Vec<crate::custody::PaperNote>,
    },
    /// A sheet taken back by its sender before anyone received it (a wrong office, a sheet
    /// that never left): the paper is the sender's again.
    HandoverRecalled {
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
        channel: crate::rating::RatingChannel,
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
            Change::HandoverReceived { .. } => "handover_received",
            Change::HandoverRecalled { .. } => "handover_recalled",
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
    #[error("请先回答情形：{0}")]
    Unanswered(String),
    #[error("尚缺材料：{0}。请收齐、容缺或出具一次性告知书")]
    MaterialsMissing(String),
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
        }
    }

    pub fn with_phone(mut self, phone: &str) -> OpenCase {
        if let Applicant::Person(p) = &mut self.applicant {
            p.phone = Some(phone.into());
        }
        self
    }
}

/// Options that count as "the ordinary case" when a question is not answered yet.
const NEUTRAL: &[&str] = &["否", "无", "不涉及", "一般"];

/// The questions of an item: its own situations plus those the catalog-wide rules add.
pub fn questions(catalog: &Catalog, item: &Item) -> Vec<Situation> {
    let mut q = item.situations.clone();
    if first_payment_rule(catalog, item).is_some() {
        q.push(Situation {
            id: FIRST_PAYMENT.to_string(),
            question: "是否初次办理报销等费用支付，或收款账户信息有变化".to_string(),
            options: vec!["否".to_string(), "是".to_string()],
        });
    }
    q
}

/// The situation the first-reimbursement rule adds.
pub const FIRST_PAYMENT: &str = "初次支付或账户变更";

fn first_payment_rule<'a>(catalog: &'a Catalog, item: &Item) -> Option<&'a [Material]> {
    catalog.rules.iter().find_map(|r| match &r.kind {
        RuleKind::FirstReimbursement { items, materials } => {
            let applies = if items.is_empty() {
                item.steps.iter().any(|s| s == "拨付")
            } else {
                items.contains(&item.code)
            };
            applies.then_some(materials.as_slice())
        }
        _ => None,
    })
}

/// The answers with unanswered neutral questions filled in (否/无/不涉及/一般).
fn effective_answers(
    questions: &[Situation],
    answers: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut a = answers.clone();
    for q in questions {
        if !a.contains_key(&q.id) {
            if let Some(n) = q.options.iter().find(|o| NEUTRAL.contains(&o.as_str())) {
                a.insert(q.id.clone(), n.clone());
            }
        }
    }
    a
}

/// Questions still to be answered before a decision (those with no neutral option).
pub fn unanswered(
    catalog: &Catalog,
    item: &Item,
    answers: &BTreeMap<String, String>,
) -> Vec<String> {
    let q = questions(catalog, item);
    let a = effective_answers(&q, answers);
    q.iter()
        .filter(|s| !a.contains_key(&s.id))
        .map(|s| s.question.clone())
        .collect()
}

fn condition_holds(when: &Option<String>, answers: &BTreeMap<String, String>) -> bool {
    match when {
        None => true,
        // Conditions are validated when the catalog loads; an unparsable one never holds.
        Some(w) => Condition::parse(w).is_ok_and(|c| c.holds(answers)),
    }
}

/// The materials this applicant needs: the item's, under the answers, plus the catalog-wide
/// rules (an agent adds both ID documents and the authorisation letter; a first payment adds
/// the bank account).
pub fn required_materials(
    catalog: &Catalog,
    item: &Item,
    answers: &BTreeMap<String, String>,
    with_agent: bool,
) -> Vec<RequiredMaterial> {
    let q = questions(catalog, item);
    let a = effective_answers(&q, answers);
    let mut out: Vec<RequiredMaterial> = item
        .materials
        .iter()
        .enumerate()
        .filter(|(_, m)| condition_holds(&m.when, &a))
        .map(|(i, m)| {
            RequiredMaterial::from_material(format!("m{}", i + 1), m, MaterialSource::Item)
        })
        .collect();
    if with_agent {
        if let Some(ms) = catalog.rules.iter().find_map(|r| match &r.kind {
            RuleKind::Agent { materials } => Some(materials),
            _ => None,
        }) {
            out.extend(ms.iter().enumerate().map(|(i, m)| {
                RequiredMaterial::from_material(format!("agent{}", i + 1), m, MaterialSource::Agent)
            }));
        }
    }
    if a.get(FIRST_PAYMENT).is_some_and(|v| v == "是") {
        if let Some(ms) = first_payment_rule(catalog, item) {
            out.extend(ms.iter().enumerate().map(|(i, m)| {
                RequiredMaterial::from_material(
                    format!("bank{}", i + 1),
                    m,
                    MaterialSource::FirstPayment,
                )
            }));
        }
    }
    out
}

/// The time limit that applies under the answers, if the answers decide it.
fn time_limit(
    catalog: &Catalog,
    item: &Item,
    answers: &BTreeMap<String, String>,
) -> Option<(CaseKind, Option<u32>)> {
    if item.time_limit.is_empty() {
        return Some(match item.agreement {
            Some(_) => (CaseKind::Agreement, None),
            // A bundle that promises no time of its own.
            None => (CaseKind::NoPromise, None),
        });
    }
    let a = effective_answers(&questions(catalog, item), answers);
    let Some(t) = item
        .time_limit
        .iter()
        .find(|t| condition_holds(&t.when, &a))
    else {
        // A bundle promises a time only for the situations it names (单次门诊1000元以下);
        // otherwise each item's own limit applies.
        return catalog
            .bundle(&item.code)
            .map(|_| (CaseKind::NoPromise, None));
    };
    Some(match t.kind() {
        (TimeLimitKind::WorkingDays, d) => (CaseKind::WorkingDays, d),
        (TimeLimitKind::Agreement, _) => (CaseKind::Agreement, None),
        (TimeLimitKind::Immediate, _) => (CaseKind::Immediate, None),
    })
}

fn check_name(what: &'static str, s: &str) -> Result<String, CaseError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(CaseError::Required(what));
    }
    if s.chars().count() > 60 || s.chars().any(char::is_control) {
        return Err(CaseError::InvalidInput(format!(
            "{what}过长或含有不可见字符"
        )));
    }
    Ok(s.to_string())
}

/// A phone number: 11-digit mobile or a landline (digits and one dash, 7–13 digits).
fn check_phone(p: &Option<String>) -> Result<Option<String>, CaseError> {
    let Some(p) = p.as_deref().map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let digits: String = p.chars().filter(|c| *c != '-').collect();
    let ok = digits.chars().all(|c| c.is_ascii_digit())
        && p.matches('-').count() <= 1
        && if digits.starts_with('1') {
            digits.len() == 11
        } else {
            (7..=13).contains(&digits.len())
        };
    if !ok {
        return Err(CaseError::InvalidInput(
            "联系电话有误：手机号应为11位数字，固定电话如 0511-12345678".into(),
        ));
    }
    Ok(Some(p.to_string()))
}

/// Validates and normalises a person's identity number by document type.
pub fn check_person(p: &Person, today: NaiveDate) -> Result<Person, CaseError> {
    let name = check_name("姓名", &p.name)?;
    let id_number = match p.id_type {
        IdType::ResidentId => {
            let id = ids::validate_resident_id(&p.id_number, today)
                .map_err(|e| CaseError::InvalidInput(e.to_string()))?;
            if id.legacy {
                ids::upgrade_legacy_id(&id)
            } else {
                id.number
            }
        }
        other => {
            let n = p.id_number.trim().to_ascii_uppercase();
            if n.len() < 5 || n.len() > 20 || !n.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(CaseError::InvalidInput(format!(
                    "{}号码“{}”有误：应为5至20位字母或数字",
                    other.label(),
                    ids::mask_id(&n)
                )));
            }
            n
        }
    };
    Ok(Person {
        name,
        id_type: p.id_type,
        id_number,
        phone: check_phone(&p.phone)?,
    })
}

fn check_answers(
    questions: &[Situation],
    answers: &BTreeMap<String, String>,
) -> Result<(), CaseError> {
    for (k, v) in answers {
        check_answer(questions, k, v)?;
    }
    Ok(())
}

fn check_answer(questions: &[Situation], key: &str, value: &str) -> Result<(), CaseError> {
    let q = questions
        .iter()
        .find(|q| q.id == key)
        .ok_or_else(|| CaseError::UnknownSituation(key.to_string()))?;
    if !q.options.iter().any(|o| o == value) {
        return Err(CaseError::UnknownAnswer {
            situation: key.to_string(),
            answer: value.to_string(),
            options: q.options.join("、"),
        });
    }
    Ok(())
}

impl Case {
    fn event(&self, at: NaiveDateTime, change: Change) -> CaseEvent {
        CaseEvent {
            at,
            clerk: self.clerk.clone(),
            change,
        }
    }

    fn illegal(&self, action: &'static str) -> CaseError {
        CaseError::IllegalTransition {
            case_no: self.case_no.clone(),
            state: self.state.label(),
            action,
        }
    }

    fn require(&self, states: &[CaseState], action: &'static str) -> Result<(), CaseError> {
        if states.contains(&self.state) {
            Ok(())
        } else {
            Err(self.illegal(action))
        }
    }

    /// Opens a case in `draft`, validating the applicant, the agent and the answers.
    pub fn open(
        req: OpenCase,
        catalog: &Catalog,
        now: NaiveDateTime,
    ) -> Result<(Case, CaseEvent), CaseError> {
        let item = catalog
            .case_item(&req.item)
            .ok_or_else(|| CaseError::UnknownItem {
                catalog: catalog.header.id.clone(),
                item: req.item.clone(),
            })?;
        let item = &*item;
        let today = now.date();
        let applicant = match &req.applicant {
            Applicant::Person(p) => Applicant::Person(check_person(p, today)?),
            Applicant::Unit {
                name,
                credit_code,
                phone,
            } => Applicant::Unit {
                name: check_name("单位名称", name)?,
                credit_code: ids::validate_credit_code(credit_code)
                    .map_err(|e| CaseError::InvalidInput(e.to_string()))?,
                phone: check_phone(phone)?,
            },
        };
        let agent = req
            .agent
            .as_ref()
            .map(|a| check_person(a, today))
            .transpose()?;
        let q = questions(catalog, item);
        check_answers(&q, &req.answers)?;
        let point = check_name("网点代码", &req.point)?;
        let clerk = check_name("经办人", &req.clerk)?;
        let mut checklist = required_materials(catalog, item, &req.answers, agent.is_some());
        if req.assisted.is_some() {
            checklist.push(crate::custody::authorisation());
        }
        let checklist = checklist
            .into_iter()
            .map(|material| ChecklistEntry {
                material,
                status: MaterialStatus::Missing,
            })
            .collect();
        let case = Case {
            case_no: req.case_no,
            catalog: catalog.header.id.clone(),
            edition: catalog.header.edition.clone(),
            revision: Some(catalog.revision.clone()),
            item: item.code.clone(),
            item_name: item.name.clone(),
            bundle: catalog.bundle(&req.item).map(|b| b.code.clone()),
            applicant,
            agent,
            point,
            clerk,
            opened_at: now,
            state: CaseState::Draft,
            answers: req.answers,
            checklist,
            notice: None,
            refusal: None,
            acceptance: None,
            completed_at: None,
            completed_by: None,
            omissions: Vec::new(),
            reason: None,
            custody: Vec::new(),
            ratings: Vec::new(),
            assisted: req.assisted.clone(),
        };
        let ev = case.event(
            now,
            Change::Opened {
                catalog: case.catalog.clone(),
                edition: case.edition.clone(),
                item: case.item.clone(),
                point: case.point.clone(),
                applicant: Box::new(case.applicant.clone()),
                agent: case.agent.clone().map(Box::new),
                answers: case.answers.clone(),
                assisted: case.assisted.clone(),
            },
        );
        Ok((case, ev))
    }

    fn item<'a>(&self, catalog: &'a Catalog) -> Result<std::borrow::Cow<'a, Item>, CaseError> {
        catalog
            .case_item(&self.item)
            .ok_or_else(|| CaseError::UnknownItem {
                catalog: catalog.header.id.clone(),
                item: self.item.clone(),
            })
    }

    /// Recomputes the checklist from the answers, keeping what was already settled; after a
    /// notice, a newly required material that the notice did not list is a 告知遗漏.
    fn recompute(
        &mut self,
        catalog: &Catalog,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        let item = self.item(catalog)?;
        let item = &*item;
        let mut required = required_materials(catalog, item, &self.answers, self.agent.is_some());
        if self.assisted.is_some() {
            required.push(crate::custody::authorisation());
        }
        let old = std::mem::take(&mut self.checklist);
        self.checklist = required
            .into_iter()
            .map(|material| {
                let status = old
                    .iter()
                    .find(|e| e.material.key == material.key)
                    .map_or(MaterialStatus::Missing, |e| e.status.clone());
                ChecklistEntry { material, status }
            })
            .collect();
        Ok(self.record_omissions(now))
    }

    fn record_omissions(&mut self, now: NaiveDateTime) -> Vec<CaseEvent> {
        let Some(notice) = &self.notice else {
            return Vec::new();
        };
        let fresh: Vec<(String, String)> = self
            .checklist
            .iter()
            .filter(|e| e.status == MaterialStatus::Missing && !e.material.optional)
            .filter(|e| !notice.missing.iter().any(|m| m.key == e.material.key))
            .filter(|e| !self.omissions.iter().any(|o| o.key == e.material.key))
            .map(|e| (e.material.key.clone(), e.material.name.clone()))
            .collect();
        fresh
            .into_iter()
            .map(|(key, name)| {
                self.omissions.push(Omission {
                    at: now,
                    key: key.clone(),
                    name: name.clone(),
                });
                self.event(now, Change::Omission { key, name })
            })
            .collect()
    }

    /// Records an answer to a situation question; the checklist follows.
    pub fn answer(
        &mut self,
        catalog: &Catalog,
        situation: &str,
        answer: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Draft], "修改情形")?;
        let item = self.item(catalog)?;
        let item = &*item;
        check_answer(&questions(catalog, item), situation, answer)?;
        self.answers
            .insert(situation.to_string(), answer.to_string());
        let mut evs = vec![self.event(
            now,
            Change::Answered {
                situation: situation.to_string(),
                answer: answer.to_string(),
            },
        )];
        evs.extend(self.recompute(catalog, now)?);
        Ok(evs)
    }

    /// The checklist entry of material `key`, or an error listing the keys there are.
    pub(crate) fn entry(&self, key: &str) -> Result<&ChecklistEntry, CaseError> {
        self.checklist
            .iter()
            .find(|e| e.material.key == key)
            .ok_or_else(|| CaseError::UnknownMaterial {
                key: key.to_string(),
                keys: self
                    .checklist
                    .iter()
                    .map(|e| e.material.key.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
            })
    }

    fn entry_mut(&mut self, key: &str) -> Result<&mut ChecklistEntry, CaseError> {
        self.entry(key)?;
        Ok(self
            .checklist
            .iter_mut()
            .find(|e| e.material.key == key)
            .expect("found above"))
    }

    /// The paper received for this case (every material handed over on paper, with the
    /// option that was given): what travels on a hand-over sheet.
    pub fn paper(&self) -> impl Iterator<Item = (&ChecklistEntry, Form, u32, Option<&str>)> {
        self.checklist.iter().filter_map(|e| match &e.status {
            MaterialStatus::Received {
                form,
                copies,
                option,
            } if *form != Form::Electronic => Some((e, *form, *copies, option.as_deref())),
            _ => None,
        })
    }

    /// Ticks a material as received. In an accepted case only a deferred material may still
    /// arrive (容缺补齐).
    pub fn tick(
        &mut self,
        key: &str,
        form: Form,
        copies: u32,
        option: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        let accepted = matches!(
            self.state,
            CaseState::Accepted | CaseState::InReview | CaseState::Returned
        );
        if !accepted {
            self.require(&[CaseState::Draft], "登记材料")?;
        }
        if copies == 0 || copies > 99 {
            return Err(CaseError::InvalidInput("份数应为1至99".into()));
        }
        let entry = self.entry_mut(key)?;
        if accepted && !matches!(entry.status, MaterialStatus::Deferred { .. }) {
            return Err(CaseError::InvalidInput(format!(
                "办件已受理，只能补交容缺材料；“{}”不是容缺材料",
                entry.material.name
            )));
        }
        let option = match option {
            None => None,
            Some(o) if entry.material.any_of.is_empty() => {
                let _ = o;
                return Err(CaseError::NotAnyOf {
                    name: entry.material.name.clone(),
                });
            }
            Some(o) => {
                let o = o.trim();
                if !entry.material.any_of.iter().any(|x| x == o) {
                    return Err(CaseError::UnknownOption {
                        name: entry.material.name.clone(),
                        option: o.to_string(),
                        options: entry.material.any_of.join("、"),
                    });
                }
                Some(o.to_string())
            }
        };
        entry.status = MaterialStatus::Received {
            form,
            copies,
            option: option.clone(),
        };
        Ok(vec![self.event(
            now,
            Change::Ticked {
                key: key.to_string(),
                form,
                copies,
                option,
            },
        )])
    }

    pub fn untick(&mut self, key: &str, now: NaiveDateTime) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Draft], "撤销材料登记")?;
        self.entry_mut(key)?.status = MaterialStatus::Missing;
        let mut evs = vec![self.event(
            now,
            Change::Unticked {
                key: key.to_string(),
            },
        )];
        evs.extend(self.record_omissions(now));
        Ok(evs)
    }

    /// 容缺: the material follows by `deadline`, which may not fall after the date the case
    /// would be due if accepted today.
    pub fn defer(
        &mut self,
        catalog: &Catalog,
        calendar: &Calendar,
        key: &str,
        deadline: NaiveDate,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Draft], "容缺")?;
        let item = self.item(catalog)?;
        let item = &*item;
        let limit = time_limit(catalog, item, &self.answers);
        let entry = self.entry_mut(key)?;
        if !entry.material.deferrable {
            return Err(CaseError::NotDeferrable(entry.material.name.clone()));
        }
        let latest = match limit {
            Some((CaseKind::WorkingDays, Some(d))) => Some(
                calendar
                    .due(now.date(), d)
                    .map_err(|e| CaseError::Calendar(e.to_string()))?
                    .due,
            ),
            Some((CaseKind::Immediate, _)) => Some(now.date()),
            _ => None,
        };
        if deadline < now.date() || latest.is_some_and(|l| deadline > l) {
            return Err(CaseError::BadDeadline {
                deadline,
                due: latest.map_or("—".into(), |d| d.to_string()),
            });
        }
        entry.status = MaterialStatus::Deferred { deadline };
        Ok(vec![self.event(
            now,
            Change::Deferred {
                key: key.to_string(),
                deadline,
            },
        )])
    }

    /// 告知承诺: a signed promise replaces the material where the catalog allows it.
    pub fn promise(&mut self, key: &str, now: NaiveDateTime) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Draft], "告知承诺")?;
        let entry = self.entry_mut(key)?;
        if !entry.material.promise {
            return Err(CaseError::NoPromise(entry.material.name.clone()));
        }
        entry.status = MaterialStatus::Promised;
        Ok(vec![self.event(
            now,
            Change::Promised {
                key: key.to_string(),
            },
        )])
    }

    /// Required materials not yet received, deferred or promised.
    pub fn missing(&self) -> Vec<&RequiredMaterial> {
        self.checklist
            .iter()
            .filter(|e| !e.material.optional && !e.status.settled())
            .map(|e| &e.material)
            .collect()
    }

    fn check_answered(&self, catalog: &Catalog) -> Result<(), CaseError> {
        let item = self.item(catalog)?;
        let item = &*item;
        let open = unanswered(catalog, item, &self.answers);
        if open.is_empty() {
            Ok(())
        } else {
            Err(CaseError::Unanswered(open.join("、")))
        }
    }

    fn check_complete(&self) -> Result<(), CaseError> {
        let missing = self.missing();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(CaseError::MaterialsMissing(
                missing
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
            ))
        }
    }

    /// 受理: every required material received, deferred or promised; the due date is set
    /// from the calendar (counted from the first working day after today).
    /// 受理. `scope` is what this point may do with the item (`crate::scope::scope` of its
    /// level): a point the item is not for refuses here, inside the same change that would
    /// have recorded the acceptance.
    pub fn accept(
        &mut self,
        catalog: &Catalog,
        calendar: &Calendar,
        scope: &Scope,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Draft], "受理")?;
        if let Scope::Elsewhere { office } = scope {
            return Err(CaseError::Custody(format!(
                "本网点不能受理此事项，应由{office}办理。请出具一次性告知书，告知申请人到该机构办理及需携带的材料"
            )));
        }
        self.check_answered(catalog)?;
        self.check_complete()?;
        let item = self.item(catalog)?;
        let item = &*item;
        let (kind, days) = time_limit(catalog, item, &self.answers)
            .ok_or_else(|| CaseError::Unanswered("办理时限所依据的情形".into()))?;
        let (due, provisional) = match (kind, days) {
            (CaseKind::WorkingDays, Some(d)) => {
                let due = calendar
                    .due(now.date(), d)
                    .map_err(|e| CaseError::Calendar(e.to_string()))?;
                (Some(due.due), due.provisional)
            }
            (CaseKind::Immediate, _) => (Some(now.date()), false),
            _ => (None, false),
        };
        if let Some(due) = due {
            for e in &self.checklist {
                if let MaterialStatus::Deferred { deadline } = e.status {
                    if deadline > due {
                        return Err(CaseError::BadDeadline {
                            deadline,
                            due: due.to_string(),
                        });
                    }
                }
            }
        }
        self.acceptance = Some(Acceptance {
            at: now,
            kind,
            working_days: days,
            due,
            provisional,
            calendar_version: calendar.version.clone(),
        });
        self.state = CaseState::Accepted;
        self.record_intake(now);
        Ok(vec![self.event(
            now,
            Change::Accepted {
                kind,
                due,
                provisional,
                calendar_version: calendar.version.clone(),
            },
        )])
    }

    /// 一次性告知: records exactly the missing materials with their requirements.
    pub fn notify(
        &mut self,
        catalog: &Catalog,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Draft], "出具一次性告知书")?;
        self.check_answered(catalog)?;
        let missing: Vec<RequiredMaterial> = self.missing().into_iter().cloned().collect();
        if missing.is_empty() {
            return Err(CaseError::NothingMissing);
        }
        let keys = missing.iter().map(|m| m.key.clone()).collect();
        self.notice = Some(Notice {
            at: now,
            missing,
            apply_to: None,
        });
        self.state = CaseState::Notified;
        Ok(vec![self.event(
            now,
            Change::Notified {
                missing: keys,
                apply_to: None,
            },
        )])
    }

    /// A point that may not accept this item: a one-time notice that tells the applicant
    /// where to go (`office`) and everything to bring there.
    pub fn notify_elsewhere(
        &mut self,
        catalog: &Catalog,
        office: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Draft], "出具一次性告知书")?;
        self.check_answered(catalog)?;
        let bring: Vec<RequiredMaterial> = self
            .checklist
            .iter()
            .filter(|e| !e.material.optional)
            .map(|e| e.material.clone())
            .collect();
        let keys = bring.iter().map(|m| m.key.clone()).collect();
        self.notice = Some(Notice {
            at: now,
            missing: bring,
            apply_to: Some(office.to_string()),
        });
        self.state = CaseState::Notified;
        Ok(vec![self.event(
            now,
            Change::Notified {
                missing: keys,
                apply_to: Some(office.to_string()),
            },
        )])
    }

    /// The applicant is back after a notice: the case is worked on again, with only the
    /// noticed materials left to tick.
    pub fn resume(
        &mut self,
        catalog: &Catalog,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Notified], "继续受理")?;
        self.state = CaseState::Draft;
        let mut evs = vec![self.event(now, Change::Resumed)];
        evs.extend(self.recompute(catalog, now)?);
        Ok(evs)
    }

    /// 不予受理, with the reason and where to apply instead.
    pub fn refuse(
        &mut self,
        reason: &str,
        apply_to: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Draft], "不予受理")?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(CaseError::Required("不予受理的理由"));
        }
        let apply_to = apply_to
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from);
        self.refusal = Some(Refusal {
            at: now,
            reason: reason.to_string(),
            apply_to: apply_to.clone(),
        });
        self.state = CaseState::Refused;
        Ok(vec![self.event(
            now,
            Change::Refused {
                reason: reason.to_string(),
                apply_to,
            },
        )])
    }

    /// 即办件: completed on the spot — from draft for an immediate item with every material,
    /// or after review.
    pub fn complete(
        &mut self,
        catalog: &Catalog,
        calendar: &Calendar,
        scope: &Scope,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        let mut evs = Vec::new();
        match self.state {
            CaseState::Draft => {
                if let Some(office) = &self.assisted {
                    return Err(CaseError::Custody(format!(
                        "本件为帮办代办，须受理后将材料移交{office}办理，不能在本网点当场办结"
                    )));
                }
                let item = self.item(catalog)?;
                let item = &*item;
                let limit = time_limit(catalog, item, &self.answers);
                if !matches!(limit, Some((CaseKind::Immediate, _))) {
                    return Err(CaseError::NotImmediate(item.time_limit_text.clone()));
                }
                evs = self.accept(catalog, calendar, scope, now)?;
            }
            CaseState::InReview => {}
            _ => return Err(self.illegal("办结")),
        }
        evs.extend(self.finish(now)?);
        Ok(evs)
    }

    /// 办结 of a case whose review is done (or an immediate item just accepted).
    fn finish(&mut self, now: NaiveDateTime) -> Result<Vec<CaseEvent>, CaseError> {
        if self
            .checklist
            .iter()
            .any(|e| matches!(e.status, MaterialStatus::Deferred { .. }))
        {
            return Err(CaseError::InvalidInput(
                "尚有容缺材料未补交，不能办结".into(),
            ));
        }
        self.state = CaseState::Completed;
        self.completed_at = Some(now);
        self.completed_by = Some(self.clerk.clone());
        Ok(vec![self.event(now, Change::Completed)])
    }

    pub fn start_review(&mut self, now: NaiveDateTime) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Accepted, CaseState::Returned], "开始审核")?;
        self.state = CaseState::InReview;
        Ok(vec![self.event(now, Change::ReviewStarted)])
    }

    /// 退回 with a reason; the case goes back to review when corrected.
    pub fn return_case(
        &mut self,
        reason: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::InReview], "退回")?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(CaseError::Required("退回理由"));
        }
        self.state = CaseState::Returned;
        self.reason = Some(reason.to_string());
        Ok(vec![self.event(
            now,
            Change::Returned {
                reason: reason.to_string(),
            },
        )])
    }

    /// 终止办理: a deferred material was not supplied by its deadline.
    pub fn terminate(&mut self, now: NaiveDateTime) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(
            &[
                CaseState::Accepted,
                CaseState::InReview,
                CaseState::Returned,
            ],
            "终止办理",
        )?;
        let overdue: Vec<String> = self
            .checklist
            .iter()
            .filter(|e| matches!(e.status, MaterialStatus::Deferred { deadline } if deadline < now.date()))
            .map(|e| e.material.name.clone())
            .collect();
        if overdue.is_empty() {
            return Err(CaseError::InvalidInput(
                "没有逾期未补交的容缺材料，不能终止办理".into(),
            ));
        }
        let reason = format!("容缺材料逾期未补交：{}", overdue.join("、"));
        self.state = CaseState::Terminated;
        self.reason = Some(reason.clone());
        Ok(vec![self.event(now, Change::Terminated { reason })])
    }

    /// 撤回 at any point before completion.
    pub fn withdraw(
        &mut self,
        reason: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        if !self.state.is_open() {
            return Err(self.illegal("撤回"));
        }
        let reason = reason
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from);
        self.state = CaseState::Withdrawn;
        self.reason = reason.clone();
        Ok(vec![self.event(now, Change::Withdrawn { reason })])
    }

    /// Due date, if accepted with one.
    pub fn due(&self) -> Option<NaiveDate> {
        self.acceptance.as_ref().and_then(|a| a.due)
    }
}

/// Case numbers: `<point>-<yyyymmdd>-<seq>`, unique without a network because the point code
/// and the device's own daily sequence make them so.
pub fn case_number(point: &str, day: NaiveDate, seq: u32) -> String {
    format!("{point}-{}-{seq:04}", day.format("%Y%m%d"))
}

/// One line of the checklist as the counter and the CLI show it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MaterialLine {
    pub key: String,
    pub name: String,
    /// 任选其一 / 原件 / 2份 / 加盖… as one phrase.
    pub requirement: String,
    pub any_of: Vec<String>,
    pub optional: bool,
    pub deferrable: bool,
    pub promise: bool,
    pub source: MaterialSource,
    #[ts(type = "string")]
    pub status_label: &'static str,
    #[serde(flatten)]
    pub status: MaterialStatus,
}

/// A case as the counter, the CLI and the documents see it: the stored case plus what the
/// rules derive from it (the questions still open, what is missing).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: Case,
    #[ts(type = "string")]
    pub state_label: &'static str,
    pub materials: Vec<MaterialLine>,
    /// Keys of required materials not yet received, deferred or promised.
    pub missing: Vec<String>,
    pub questions: Vec<Situation>,
    /// Questions to answer before a decision.
    pub unanswered: Vec<String>,
    /// The answers the rules work with: the clerk's, plus the ordinary answer (否/无/一般) of
    /// a question not yet answered — so the screen can show what is assumed.
    pub answers_in_effect: BTreeMap<String, String>,
    pub due: Option<NaiveDate>,
    pub time_limit_text: String,
    /// The documents the case may print now (Case::documents).
    pub documents: Vec<DocKind>,
    /// Set when the item's list names its channels but not the window (crate::channels).
    pub channel_note: Option<String>,
    /// Where the paper is now (None before acceptance).
    pub holder: Option<crate::custody::Holder>,
    /// The latest rating.
    pub rating: Option<crate::rating::Rating>,
}

impl CaseView {
    pub fn new(case: &Case, catalog: &Catalog) -> CaseView {
        let item = catalog.case_item(&case.item);
        let item = item.as_deref();
        let materials = case
            .checklist
            .iter()
            .map(|e| MaterialLine {
                key: e.material.key.clone(),
                name: e.material.name.clone(),
                requirement: e.material.requirement(),
                any_of: e.material.any_of.clone(),
                optional: e.material.optional,
                deferrable: e.material.deferrable,
                promise: e.material.promise,
                source: e.material.source,
                status_label: e.status.label(),
                status: e.status.clone(),
            })
            .collect();
        CaseView {
            state_label: case.state.label(),
            materials,
            missing: case.missing().iter().map(|m| m.key.clone()).collect(),
            questions: item.map(|i| questions(catalog, i)).unwrap_or_default(),
            unanswered: item
                .map(|i| unanswered(catalog, i, &case.answers))
                .unwrap_or_default(),
            answers_in_effect: item
                .map(|i| effective_answers(&questions(catalog, i), &case.answers))
                .unwrap_or_default(),
            due: case.due(),
            time_limit_text: item.map(|i| i.time_limit_text.clone()).unwrap_or_default(),
            documents: case.documents(),
            channel_note: item.and_then(crate::channels::window_note),
            holder: case.holder(),
            rating: case.rating().cloned(),
            case: case.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
