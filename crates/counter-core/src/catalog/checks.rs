//! The checks one catalog file must pass.

use std::collections::BTreeSet;

use super::error::*;
use super::model::*;
use crate::condition::Condition;

pub(super) fn check_one_of(
    f: &str,
    code: &str,
    field: &str,
    value: &str,
    allowed: &[&str],
    errors: &mut Vec<CatalogError>,
) {
    if !allowed.contains(&value) {
        errors.push(err(
            f,
            Some(code),
            Some(field),
            Problem::UnknownValue {
                value: value.into(),
                expected: allowed.join(" "),
            },
        ));
    }
}

/// An agreement, when given, says something.
pub(super) fn check_agreement(
    f: &str,
    code: &str,
    agreement: &Option<String>,
    errors: &mut Vec<CatalogError>,
) {
    if agreement.as_deref().is_some_and(|a| a.trim().is_empty()) {
        errors.push(err(f, Some(code), Some("agreement"), Problem::Missing));
    }
}

pub(super) fn check_condition(
    f: &str,
    code: &str,
    field: &str,
    when: &Option<String>,
    situations: &[Situation],
    errors: &mut Vec<CatalogError>,
) {
    if let Some(w) = when {
        if let Err(e) = Condition::parse(w).and_then(|c| c.check(situations)) {
            errors.push(err(f, Some(code), Some(field), Problem::BadCondition(e)));
        }
    }
}

pub(super) fn check_material(
    f: &str,
    code: &str,
    situations: &[Situation],
    m: &Material,
    errors: &mut Vec<CatalogError>,
) {
    let field = format!("materials[{}]", m.display_name());
    let named = m.name.as_deref().is_some_and(|n| !n.trim().is_empty());
    if !named && m.any_of.is_empty() {
        errors.push(err(f, Some(code), Some("materials.name"), Problem::Missing));
    }
    if m.any_of.len() == 1 || m.any_of.iter().any(|o| o.trim().is_empty()) {
        errors.push(err(
            f,
            Some(code),
            Some(&format!("{field}.any_of")),
            Problem::Shape("any_of needs at least two non-empty options".into()),
        ));
    }
    if let Some(form) = &m.form {
        check_one_of(f, code, &format!("{field}.form"), form, FORMS, errors);
    }
    if m.copies == Some(0) {
        errors.push(err(
            f,
            Some(code),
            Some(&format!("{field}.copies")),
            Problem::BadValue("0".into()),
        ));
    }
    check_condition(
        f,
        code,
        &format!("{field}.when"),
        &m.when,
        situations,
        errors,
    );
}

pub(super) fn check_common(
    f: &str,
    code: &str,
    situations: &[Situation],
    time_limit: &[TimeLimitEntry],
    materials: &[Material],
    errors: &mut Vec<CatalogError>,
) {
    let mut ids = BTreeSet::new();
    for s in situations {
        if s.id.trim().is_empty() || !ids.insert(s.id.as_str()) {
            errors.push(err(
                f,
                Some(code),
                Some("situations.id"),
                Problem::BadValue(s.id.clone()),
            ));
        }
        let distinct: BTreeSet<_> = s.options.iter().collect();
        if s.options.len() < 2 || distinct.len() != s.options.len() {
            errors.push(err(
                f,
                Some(code),
                Some(&format!("situations[{}].options", s.id)),
                Problem::Shape("a situation needs at least two distinct options".into()),
            ));
        }
    }
    let unconditional = time_limit.iter().filter(|t| t.when.is_none()).count();
    if !time_limit.is_empty() && unconditional > 0 && time_limit.len() > 1 {
        errors.push(err(
            f,
            Some(code),
            Some("time_limit"),
            Problem::BadTimeLimit(
                "either every entry has a `when`, or there is exactly one entry".into(),
            ),
        ));
    }
    for t in time_limit {
        let set = [
            t.working_days.is_some(),
            t.immediate == Some(true),
            t.agreement == Some(true),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if set != 1 || t.immediate == Some(false) || t.agreement == Some(false) {
            errors.push(err(
                f,
                Some(code),
                Some("time_limit"),
                Problem::BadTimeLimit(
                    "give exactly one of working_days = N, immediate = true, agreement = true"
                        .into(),
                ),
            ));
        }
        if let Some(d) = t.working_days {
            if !(1..=365).contains(&d) {
                errors.push(err(
                    f,
                    Some(code),
                    Some("time_limit.working_days"),
                    Problem::BadTimeLimit(format!("{d} is not between 1 and 365")),
                ));
            }
        }
        check_condition(f, code, "time_limit.when", &t.when, situations, errors);
    }
    for m in materials {
        check_material(f, code, situations, m, errors);
    }
}
