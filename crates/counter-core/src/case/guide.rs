//! 办事指南: what an item needs under the answers an applicant gives, shown and printed
//! without opening a case — an applicant who only asks (咨询) uses up no case number. The
//! same rules the case uses (questions, required materials, the time limit) decide it.

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

use crate::catalog::{Catalog, Situation};
use crate::scope::Scope;

use super::rules::*;
use super::values::TimeLimitKind;

/// One material of the guide, with its requirements in one phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct GuideMaterial {
    pub name: String,
    pub requirement: String,
    /// 可要求提供: asked for when needed, not always.
    pub optional: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Guide {
    pub code: String,
    pub name: String,
    pub catalog: String,
    /// The questions whose answers decide the materials and the time limit.
    pub questions: Vec<Situation>,
    /// The answers the guide is for: the ones given, and the ordinary answer of the others.
    pub answers_in_effect: BTreeMap<String, String>,
    pub with_agent: bool,
    pub materials: Vec<GuideMaterial>,
    /// As the list states it (承诺件 …/即时办结 …).
    pub time_limit_text: String,
    /// Under these answers: 即办件, N个工作日, or none decided.
    pub time_limit_now: Option<String>,
    /// Where the applicant applies, from this point's level: here, here on their behalf
    /// (帮办代办), or elsewhere.
    pub where_to_apply: String,
    pub channels: Vec<String>,
    pub steps: Vec<String>,
    pub basis: Vec<String>,
    pub notes: Vec<String>,
}

/// The guide to `code` of `catalog` under `answers` (an agent acting when `with_agent`), for a
/// point that may do `scope` with it; `None` for an unknown code.
pub fn guide(
    catalog: &Catalog,
    code: &str,
    answers: &BTreeMap<String, String>,
    with_agent: bool,
    scope: &Scope,
) -> Option<Guide> {
    let item = catalog.case_item(code)?;
    let item = &*item;
    let questions = questions(catalog, item);
    let answers_in_effect = effective_answers(&questions, answers);
    let materials = required_materials(catalog, item, answers, with_agent)
        .iter()
        .map(|m| GuideMaterial {
            name: m.name.clone(),
            requirement: m.requirement(),
            optional: m.optional,
        })
        .collect();
    let time_limit_now = time_limit(catalog, item, answers).and_then(|(kind, days)| match kind {
        TimeLimitKind::Immediate => Some("即时办结".to_string()),
        TimeLimitKind::WorkingDays => days.map(|d| format!("{d}个工作日")),
        _ => None,
    });
    let where_to_apply = match scope {
        Scope::Handles => "本窗口受理并办理".to_string(),
        Scope::Assisted { office, .. } => {
            format!("本窗口代为受理（帮办代办），材料移交{office}办理")
        }
        Scope::Elsewhere { office, .. } => format!("本窗口不能受理，请到{office}办理"),
    };
    Some(Guide {
        code: item.code.clone(),
        name: item.name.clone(),
        catalog: catalog.header.id.clone(),
        questions,
        answers_in_effect,
        with_agent,
        materials,
        time_limit_text: item.time_limit_text.clone(),
        time_limit_now,
        where_to_apply,
        channels: item.channels.clone(),
        steps: item.steps.clone(),
        basis: item.basis.clone(),
        notes: item.notes.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guide_follows_the_answers_as_the_case_would() {
        let set = crate::bundled::catalogs().unwrap();
        let nat = set.get("national").unwrap();
        let plain = guide(
            nat,
            "002036006002",
            &BTreeMap::new(),
            false,
            &Scope::Handles,
        )
        .unwrap();
        assert_eq!(plain.name, "住院费用报销");
        assert_eq!(plain.materials.len(), 4);
        assert_eq!(plain.time_limit_now.as_deref(), Some("30个工作日"));
        assert_eq!(plain.where_to_apply, "本窗口受理并办理");
        // An agent brings more: the same rule a case applies.
        let agent = guide(nat, "002036006002", &BTreeMap::new(), true, &Scope::Handles).unwrap();
        assert!(agent.materials.len() > plain.materials.len());
        let case_like = required_materials(
            nat,
            &nat.case_item("002036006002").unwrap(),
            &BTreeMap::new(),
            true,
        );
        assert_eq!(agent.materials.len(), case_like.len());
        let away = Scope::Elsewhere {
            office: "县(市、区)医疗保障经办机构".into(),
            point: None,
        };
        let g = guide(nat, "002036006002", &BTreeMap::new(), false, &away).unwrap();
        assert!(g
            .where_to_apply
            .contains("请到县(市、区)医疗保障经办机构办理"));
        assert!(guide(
            nat,
            "000000000000",
            &BTreeMap::new(),
            false,
            &Scope::Handles
        )
        .is_none());
    }
}
