//! Decisions of the central office (审核, 退回, 办结) applied to a counter's copy of a case by the
//! same rules as at the counter, stamped with the decision's own time and author.

use chrono::NaiveDateTime;

use super::record::{Case, CaseError, CaseEvent};
use super::values::CaseState;

/// What the central office decided on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// 审核 begun.
    StartReview,
    /// 退回, with the reason.
    Return { reason: String },
    /// 审核通过 and 办结.
    Complete,
}

impl Case {
    /// Applies a central decision made by `by` at `at`. A decision already reflected here (the
    /// same change pulled twice, a review notice after completion) gives no events; one the
    /// rules refuse (a case withdrawn here meanwhile, a deferred material still outstanding)
    /// is an error and changes nothing the caller keeps.
    pub fn apply_decision(
        &mut self,
        decision: &Decision,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        // Never before the acceptance it decides on, whatever the two clocks say.
        let at = self.acceptance.as_ref().map_or(at, |a| at.max(a.at));
        let own = std::mem::replace(&mut self.clerk, format!("中心：{by}"));
        let result = self.decide(decision, at);
        self.clerk = own;
        result
    }

    fn decide(
        &mut self,
        decision: &Decision,
        at: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        let waiting = matches!(self.state, CaseState::Accepted | CaseState::Returned);
        match decision {
            Decision::StartReview if waiting => self.start_review(at),
            Decision::StartReview
                if matches!(self.state, CaseState::InReview | CaseState::Completed) =>
            {
                Ok(Vec::new())
            }
            Decision::Return { reason }
                if self.state == CaseState::Returned
                    && self.reason.as_deref() == Some(reason.trim()) =>
            {
                Ok(Vec::new())
            }
            Decision::Complete if self.state == CaseState::Completed => Ok(Vec::new()),
            Decision::Return { reason } => {
                let mut evs = if waiting {
                    self.start_review(at)?
                } else {
                    Vec::new()
                };
                evs.extend(self.return_case(reason, at)?);
                Ok(evs)
            }
            Decision::Complete => {
                let mut evs = if waiting {
                    self.start_review(at)?
                } else {
                    Vec::new()
                };
                self.require(&[CaseState::InReview], "办结")?;
                evs.extend(self.finish(at)?);
                Ok(evs)
            }
            Decision::StartReview => Err(self.illegal("开始审核")),
        }
    }
}
