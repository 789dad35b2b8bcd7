//! The applicant's screen (申请人屏): what the person across the counter sees of the case the
//! clerk is serving — the item, what was handed over and what is still missing while the clerk
//! ticks, then the decision with its due date or what to bring next time, then the rating.
//! Built from the case alone, so the window and the browser mode show the same thing; it
//! carries no ID number and only the masked name (the screen faces the hall).

use serde::Serialize;
use ts_rs::TS;

use super::record::Case;
use super::values::*;
use super::view::CaseView;

/// Where the applicant's turn stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ScreenStage {
    /// No one is being served (or the clerk is signed out): a welcome.
    Idle,
    /// The clerk is taking in the materials.
    Serving,
    /// Decided: the outcome, and the rating while it is open.
    Decided,
}

/// One material as the applicant reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ScreenMaterial {
    pub name: String,
    /// 原件 / 复印件 2份 / 容缺（2025-10-10前补交）/ 告知承诺, or the requirement when missing.
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ScreenView {
    pub stage: ScreenStage,
    pub case_no: Option<String>,
    pub item_name: Option<String>,
    /// 张*丰: enough for the applicant to know it is their case, not for the hall to read.
    pub applicant: Option<String>,
    pub received: Vec<ScreenMaterial>,
    /// Required and not yet handed over (deferred and promised ones are not missing).
    pub missing: Vec<ScreenMaterial>,
    /// 已受理 / 一次性告知 / 不予受理 / 已办结 …, once decided.
    pub decision: Option<String>,
    /// The promised completion date (办结期限), when there is one.
    pub due: Option<String>,
    /// Why it was refused, or where to apply instead.
    pub reason: Option<String>,
    /// The applicant may rate this case now (it is the one just decided at this window).
    pub rating_open: bool,
    /// The level given on this screen, once given.
    pub rated: Option<String>,
}

/// 张三丰 → 张*丰, 李四 → 李* (a unit's name is shown whole: it is not personal data).
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 | 1 => chars.iter().collect(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

impl ScreenView {
    pub fn idle() -> ScreenView {
        ScreenView {
            stage: ScreenStage::Idle,
            case_no: None,
            item_name: None,
            applicant: None,
            received: Vec::new(),
            missing: Vec::new(),
            decision: None,
            due: None,
            reason: None,
            rating_open: false,
            rated: None,
        }
    }

    /// The screen for `case`; `rating_open` when the window still takes its rating.
    pub fn of(case: &Case, view: &CaseView, rating_open: bool) -> ScreenView {
        let mut received = Vec::new();
        let mut missing = Vec::new();
        for m in &view.materials {
            let note = match &m.status {
                MaterialStatus::Received { form, copies, .. } if *copies > 1 => {
                    format!("{} {copies}份", form.label())
                }
                MaterialStatus::Received { form, .. } => form.label().to_string(),
                MaterialStatus::Deferred { deadline } => format!("容缺（{deadline}前补交）"),
                MaterialStatus::Promised => "告知承诺".to_string(),
                MaterialStatus::Missing if view.missing.contains(&m.key) => m.requirement.clone(),
                MaterialStatus::Missing => continue,
            };
            let line = ScreenMaterial {
                name: m.name.clone(),
                note,
            };
            if matches!(m.status, MaterialStatus::Missing) {
                missing.push(line);
            } else {
                received.push(line);
            }
        }
        // A notice lists what to bring as the notice printed it.
        if let Some(n) = case
            .notice
            .as_ref()
            .filter(|_| case.state == CaseState::Notified)
        {
            missing = n
                .missing
                .iter()
                .map(|m| ScreenMaterial {
                    name: m.name.clone(),
                    note: m.requirement(),
                })
                .collect();
        }
        let decided = case.state != CaseState::Draft;
        let reason = match case.state {
            CaseState::Refused => case.refusal.as_ref().map(|r| match &r.apply_to {
                Some(o) => format!("{}（请到{o}办理）", r.reason),
                None => r.reason.clone(),
            }),
            CaseState::Notified => case
                .notice
                .as_ref()
                .and_then(|n| n.apply_to.as_ref())
                .map(|o| format!("本窗口不能办理此事项，请携带材料到{o}办理")),
            CaseState::Returned | CaseState::Withdrawn | CaseState::Terminated => {
                case.reason.clone()
            }
            _ => None,
        };
        let rated = case
            .ratings
            .iter()
            .find(|r| r.channel == RatingChannel::Counter)
            .map(|r| level_label(r.score).to_string());
        ScreenView {
            stage: if decided {
                ScreenStage::Decided
            } else {
                ScreenStage::Serving
            },
            case_no: Some(case.case_no.clone()),
            item_name: Some(case.item_name.clone()),
            applicant: Some(match &case.applicant {
                Applicant::Person(p) => mask_name(&p.name),
                Applicant::Unit { name, .. } => name.clone(),
            }),
            received,
            missing,
            decision: decided.then(|| case.state.label().to_string()),
            due: view
                .due
                .filter(|_| decided && case.acceptance.is_some())
                .map(|d| d.to_string()),
            reason,
            rating_open: rating_open && decided && rated.is_none(),
            rated,
        }
    }
}

fn masked_person(p: &Person) -> Person {
    Person {
        name: mask_name(&p.name),
        id_type: p.id_type,
        id_number: crate::ids::mask_id(&p.id_number),
        phone: p.phone.as_deref().map(crate::ids::mask_id),
    }
}

impl Case {
    /// The case with its applicant's and agent's name, ID number and phone masked, as a
    /// screen that has not been asked to show them (the central console's lists and cases).
    pub fn masked(&self) -> Case {
        let mut c = self.clone();
        c.applicant = match &self.applicant {
            Applicant::Person(p) => Applicant::Person(masked_person(p)),
            Applicant::Unit {
                name,
                credit_code,
                phone,
            } => Applicant::Unit {
                name: name.clone(),
                credit_code: credit_code.clone(),
                phone: phone.as_deref().map(crate::ids::mask_id),
            },
        };
        c.agent = self.agent.as_ref().map(masked_person);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_masked_for_the_hall() {
        assert_eq!(mask_name("张三丰"), "张*丰");
        assert_eq!(mask_name("李四"), "李*");
        assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
        assert_eq!(mask_name("王"), "王");
        assert_eq!(mask_name(""), "");
    }
}
