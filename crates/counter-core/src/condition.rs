//! Conditions on situation answers (`when = "人员类别 = 在职职工 && 急诊 != 是"`).

use std::collections::BTreeMap;

/// Where a condition looks up the declared situations and their options.
pub trait Situations {
    fn options(&self, id: &str) -> Option<&[String]>;
}

impl Situations for BTreeMap<String, Vec<String>> {
    fn options(&self, id: &str) -> Option<&[String]> {
        self.get(id).map(Vec::as_slice)
    }
}

/// A parsed condition: every clause must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub clauses: Vec<Clause>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub situation: String,
    pub negated: bool,
    pub options: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConditionError {
    #[error("条件为空")]
    Empty,
    #[error("条件“{0}”缺少 = 或 !=")]
    NoOperator(String),
    #[error("条件“{0}”缺少情形名或选项")]
    MissingPart(String),
    #[error("未声明的情形“{0}”")]
    UnknownSituation(String),
    #[error("情形“{situation}”没有选项“{option}”")]
    UnknownOption { situation: String, option: String },
}

impl Condition {
    /// Parses the text form. Does not check names; see [`Condition::check`].
    pub fn parse(text: &str) -> Result<Self, ConditionError> {
        if text.trim().is_empty() {
            return Err(ConditionError::Empty);
        }
        let mut clauses = Vec::new();
        for raw in text.split("&&") {
            let raw = raw.trim();
            let (lhs, rhs, negated) = if let Some((l, r)) = raw.split_once("!=") {
                (l, r, true)
            } else if let Some((l, r)) = raw.split_once('=') {
                (l, r, false)
            } else {
                return Err(ConditionError::NoOperator(raw.to_string()));
            };
            let situation = lhs.trim().to_string();
            let options: Vec<String> = rhs.split('|').map(|o| o.trim().to_string()).collect();
            if situation.is_empty() || options.iter().any(|o| o.is_empty()) {
                return Err(ConditionError::MissingPart(raw.to_string()));
            }
            clauses.push(Clause {
                situation,
                negated,
                options,
            });
        }
        Ok(Condition { clauses })
    }

    /// Checks that every situation and option named is declared.
    pub fn check<S: Situations + ?Sized>(&self, situations: &S) -> Result<(), ConditionError> {
        for c in &self.clauses {
            let declared = situations
                .options(&c.situation)
                .ok_or_else(|| ConditionError::UnknownSituation(c.situation.clone()))?;
            if let Some(o) = c.options.iter().find(|o| !declared.contains(o)) {
                return Err(ConditionError::UnknownOption {
                    situation: c.situation.clone(),
                    option: o.clone(),
                });
            }
        }
        Ok(())
    }

    /// Whether the answers satisfy the condition. An unanswered situation satisfies no clause.
    pub fn holds(&self, answers: &BTreeMap<String, String>) -> bool {
        self.clauses
            .iter()
            .all(|c| match answers.get(&c.situation) {
                Some(a) => c.options.contains(a) != c.negated,
                None => false,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn situations() -> BTreeMap<String, Vec<String>> {
        let yes_no = vec!["否".to_string(), "是".to_string()];
        [("急诊", yes_no.clone()), ("意外伤害", yes_no)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }

    fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_and_evaluates_conjunctions_and_negation() {
        let c = Condition::parse("意外伤害 = 是 && 急诊 != 是").unwrap();
        assert!(c.check(&situations()).is_ok());
        assert!(c.holds(&answers(&[("意外伤害", "是"), ("急诊", "否")])));
        assert!(!c.holds(&answers(&[("意外伤害", "是"), ("急诊", "是")])));
        assert!(
            !c.holds(&answers(&[("意外伤害", "是")])),
            "unanswered fails"
        );
    }

    #[test]
    fn alternatives_match_any_option() {
        let c = Condition::parse("急诊 = 否|是").unwrap();
        assert!(c.holds(&answers(&[("急诊", "否")])));
        assert!(c.holds(&answers(&[("急诊", "是")])));
    }

    #[test]
    fn bad_text_and_unknown_names_are_errors() {
        assert_eq!(Condition::parse(" "), Err(ConditionError::Empty));
        assert!(matches!(
            Condition::parse("急诊 是"),
            Err(ConditionError::NoOperator(_))
        ));
        assert!(matches!(
            Condition::parse("= 是"),
            Err(ConditionError::MissingPart(_))
        ));
        let c = Condition::parse("类别 = 在职").unwrap();
        assert_eq!(
            c.check(&situations()),
            Err(ConditionError::UnknownSituation("类别".into()))
        );
        let c = Condition::parse("急诊 = 也许").unwrap();
        assert!(matches!(
            c.check(&situations()),
            Err(ConditionError::UnknownOption { .. })
        ));
    }
}
