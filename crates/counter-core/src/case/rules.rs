//! The rules that read a catalog: which questions an item asks, which materials a situation
//! needs, what time limit applies, and what a valid applicant is.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::catalog::{Catalog, Item, Material, RuleKind, Situation, TimeLimitKind};
use crate::condition::Condition;
use crate::ids;

use super::record::CaseError;
use super::values::*;

/// Options that count as "the ordinary case" when a question is not answered yet.
pub(super) const NEUTRAL: &[&str] = &["否", "无", "不涉及", "一般"];

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

pub(super) fn first_payment_rule<'a>(catalog: &'a Catalog, item: &Item) -> Option<&'a [Material]> {
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
pub(super) fn effective_answers(
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

pub(super) fn condition_holds(when: &Option<String>, answers: &BTreeMap<String, String>) -> bool {
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
pub(super) fn time_limit(
    catalog: &Catalog,
    item: &Item,
    answers: &BTreeMap<String, String>,
) -> Option<(TimeLimitKind, Option<u32>)> {
    if item.time_limit.is_empty() {
        return Some(match item.agreement {
            Some(_) => (TimeLimitKind::Agreement, None),
            // A bundle that promises no time of its own.
            None => (TimeLimitKind::NoPromise, None),
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
            .map(|_| (TimeLimitKind::NoPromise, None));
    };
    Some(match t.kind() {
        (TimeLimitKind::WorkingDays, d) => (TimeLimitKind::WorkingDays, d),
        (kind, _) => (kind, None),
    })
}

pub(super) fn check_name(what: &'static str, s: &str) -> Result<String, CaseError> {
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
pub(super) fn check_phone(p: &Option<String>) -> Result<Option<String>, CaseError> {
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

pub(super) fn check_answers(
    questions: &[Situation],
    answers: &BTreeMap<String, String>,
) -> Result<(), CaseError> {
    for (k, v) in answers {
        check_answer(questions, k, v)?;
    }
    Ok(())
}

pub(super) fn check_answer(
    questions: &[Situation],
    key: &str,
    value: &str,
) -> Result<(), CaseError> {
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

/// Case numbers: `<point>-<yyyymmdd>-<seq>` for window 1, `<point>-<yyyymmdd>-<window>-<seq>`
/// for the others: unique without a network, because the point code, the device's window
/// (confirmed by the central server at enrolment) and the device's own daily sequence make
/// them so, and short enough to read over the phone.
pub fn case_number(point: &str, window: u32, day: NaiveDate, seq: u32) -> String {
    match window {
        0 | 1 => format!("{point}-{}-{seq:04}", day.format("%Y%m%d")),
        w => format!("{point}-{}-{w}-{seq:04}", day.format("%Y%m%d")),
    }
}

/// The window a case number of `point` was made at (the inverse of [`case_number`]), or
/// `None` when it is not one of the point's numbers.
pub fn window_of(case_no: &str, point: &str) -> Option<u32> {
    let rest = case_no.strip_prefix(point)?.strip_prefix('-')?;
    let segs: Vec<&str> = rest.split('-').collect();
    let digits = |s: &str, n: usize| s.len() >= n && s.chars().all(|c| c.is_ascii_digit());
    match segs.as_slice() {
        [day, seq] if day.len() == 8 && digits(day, 8) && digits(seq, 1) => Some(1),
        [day, w, seq] if day.len() == 8 && digits(day, 8) && digits(w, 1) && digits(seq, 1) => {
            w.parse().ok().filter(|w| *w >= 2)
        }
        _ => None,
    }
}
