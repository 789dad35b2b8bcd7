//! What the window and the CLI exchange with the workstation: requests and answers, exported
//! to TypeScript for the UI (`ui/src/bindings/`).

use counter_core::case::{CaseView, IdType};
use counter_core::custody::Scope;
use counter_core::settings::PointSettings;
use counter_store::Clerk;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct DeskStatus {
    pub office: PointSettings,
    /// The office settings were set (a valid office.toml): until then `office` holds
    /// placeholders, which setup must not offer as values.
    pub office_set: bool,
    /// No clerk account yet: the first start asks for the supervisor and the office.
    pub needs_setup: bool,
    pub clerk: Option<Clerk>,
    pub id_types: Vec<IdTypeOption>,
    /// The 办理层级 the settings offer, with their labels.
    pub levels: Vec<LevelOption>,
    /// Minutes without an operation after which the window and the workstation lock.
    pub idle_minutes: u32,
    /// The workstation's date (YYYY-MM-DD): the ledger's default day.
    pub today: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct LevelOption {
    pub value: counter_core::catalog::Level,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct IdTypeOption {
    pub value: IdType,
    pub label: String,
}

/// What the intake screen sends to open a case.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct OpenRequest {
    pub catalog: String,
    pub item: String,
    pub name: String,
    pub id_type: IdType,
    pub id_number: String,
    pub phone: Option<String>,
    pub agent_name: Option<String>,
    pub agent_id_number: Option<String>,
    /// The agent's document (default: 居民身份证).
    #[serde(default)]
    #[ts(optional)]
    pub agent_id_type: Option<IdType>,
    /// A unit applies (单位) instead of a person: `name` and `id_number` are then unused.
    #[serde(default)]
    #[ts(optional)]
    pub unit: Option<UnitApplicant>,
    /// Situation answers known at opening.
    #[serde(default)]
    #[ts(optional)]
    pub answers: Option<std::collections::BTreeMap<String, String>>,
    /// The identity was read from the card by the reader (读卡).
    #[serde(default)]
    #[ts(optional)]
    pub card_read: Option<bool>,
}

impl OpenRequest {
    /// A person with a 居民身份证 applying for `item` of `catalog`, no agent, no answers yet.
    pub fn person(catalog: &str, item: &str, name: &str, id_number: &str) -> OpenRequest {
        OpenRequest {
            catalog: catalog.into(),
            item: item.into(),
            name: name.into(),
            id_type: IdType::ResidentId,
            id_number: id_number.into(),
            phone: None,
            agent_name: None,
            agent_id_number: None,
            agent_id_type: None,
            unit: None,
            answers: None,
            card_read: None,
        }
    }
}

/// A unit applicant: its name and 统一社会信用代码.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct UnitApplicant {
    pub name: String,
    pub credit_code: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Opened {
    pub case: CaseView,
    /// Open cases of the same applicant and item at this point (重复受理提醒).
    pub duplicates: Vec<String>,
    /// Set when this ID number was registered here before under another name: what to check.
    pub name_note: Option<String>,
    /// What this point may do with the item (a D/E point: accept on the applicant's
    /// behalf, or send the applicant elsewhere).
    pub scope: Scope,
}

/// The live check of an ID number while it is typed.
#[derive(Debug, Clone, Serialize, TS)]
pub struct IdCheckResult {
    pub ok: bool,
    pub message: String,
}

/// A document ready to look at and print.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Preview {
    pub title: String,
    pub case_no: String,
    pub kind: String,
    /// PNG pages as data URLs.
    pub pages: Vec<String>,
    pub bytes: u32,
}

/// The ledger's filters as the screen sends them (dates as YYYY-MM-DD).
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct LedgerFilter {
    pub date: Option<String>,
    pub state: Option<String>,
    pub item: Option<String>,
    pub clerk: Option<String>,
    pub id_number: Option<String>,
    pub case_no: Option<String>,
    pub overdue: bool,
    pub due_within: Option<u32>,
    /// Only cases whose paper this point holds now.
    #[serde(default)]
    pub held: bool,
    /// Opened on or after / on or before (YYYY-MM-DD).
    #[serde(default)]
    #[ts(optional)]
    pub from: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub to: Option<String>,
    /// Only cases with a 差评 awaiting the supervisor's reply.
    #[serde(default)]
    #[ts(optional)]
    pub follow_ups: Option<bool>,
    /// Only the cases alerting now (中心退回, 即将超期, 已超期) and not yet opened.
    #[serde(default)]
    #[ts(optional)]
    pub alerts: Option<bool>,
    /// At most this many rows (default 500).
    #[serde(default)]
    #[ts(optional)]
    pub limit: Option<u32>,
}

/// One case with its history, for the case view.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CaseDetail {
    pub case: CaseView,
    /// The case's history as the clerk reads it (material names, reasons), oldest first.
    pub history: Vec<counter_core::case::HistoryLine>,
    /// What the central server refused of this case, with its reasons.
    pub rejections: Vec<counter_store::Rejection>,
    /// The documents this case can print now, with their titles.
    pub documents: Vec<DocChoice>,
    pub scope: Scope,
    /// The result is here, completed, and may be handed back to the applicant (送达).
    pub can_hand_back: bool,
    /// The applicant may still withdraw it (the rules asked on a copy: nothing is recorded).
    pub can_withdraw: bool,
}

/// A document a case can print: its kind (`receipt`, `notice`, …) and title.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DocChoice {
    pub kind: String,
    pub title: String,
}
