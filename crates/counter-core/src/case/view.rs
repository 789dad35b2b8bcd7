//! The case as the counter and the CLI show it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

use crate::catalog::{Catalog, Situation};

use super::documents::DocKind;
use super::record::*;
use super::rules::*;
use super::values::*;

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
    /// How a received material was handed over (原件, 复印件, 电子).
    #[ts(type = "string | null")]
    pub form_label: Option<&'static str>,
    #[serde(flatten)]
    pub status: MaterialStatus,
}

/// One step of the paper's way, with its label.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CustodyLine {
    #[serde(flatten)]
    pub step: CustodyStep,
    #[ts(type = "string")]
    pub label: &'static str,
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
    /// 即办件 under the answers given: a draft the counter may complete on the spot (当场办结);
    /// an assisted case never is (its paper goes to the office that handles it).
    pub immediate: bool,
    /// The documents the case may print now (Case::documents).
    pub documents: Vec<DocKind>,
    /// Set when the item's list names its channels but not the window (crate::channels).
    pub channel_note: Option<String>,
    /// Where the paper is now (None before acceptance).
    pub holder: Option<Holder>,
    /// The latest rating.
    pub rating: Option<Rating>,
    /// The paper's way, step by step, with labels.
    pub custody_lines: Vec<CustodyLine>,
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
                form_label: match &e.status {
                    MaterialStatus::Received { form, .. } => Some(form.label()),
                    _ => None,
                },
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
            due: case.due_in_force(),
            time_limit_text: item.map(|i| i.time_limit_text.clone()).unwrap_or_default(),
            immediate: case.assisted.is_none()
                && item.is_some_and(|i| {
                    matches!(
                        time_limit(catalog, i, &case.answers),
                        Some((TimeLimitKind::Immediate, _))
                    )
                }),
            documents: case.documents(),
            channel_note: item.and_then(crate::channels::window_note),
            holder: case.holder(),
            rating: case.rating().cloned(),
            custody_lines: case
                .custody
                .iter()
                .map(|s| CustodyLine {
                    step: s.clone(),
                    label: s.kind.label(),
                })
                .collect(),
            case: case.clone(),
        }
    }
}
