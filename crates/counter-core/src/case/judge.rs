//! What a device may tell the central server: every event a counter reports is replayed on
//! the server's copy of the case through the same `Case` methods the counter used, under the
//! catalog edition the case is pinned to, and only if the author may say it. A device that
//! claims an immediate time limit for a 30-working-day item, accepts with materials missing or
//! reports a central office's decision is refused here, with the reason in words.

use chrono::NaiveDateTime;

use crate::catalog::{Catalog, TimeLimitKind};

use super::central::Decision;
use super::record::{Case, CaseError, CaseEvent, Change, OpenCase};
use super::rules::time_limit;
use super::values::*;

/// Who reports a change: a counter (its own intake and decisions) or the central office
/// (审核, 退回, 办结 after review).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    Counter,
    Centre,
}

/// Why a reported change is refused, in words for the device and the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

impl From<CaseError> for Refusal {
    fn from(e: CaseError) -> Refusal {
        Refusal(e.to_string())
    }
}

impl Case {
    /// The case a reported opening makes, checked as `Case::open` checks it at the counter.
    pub fn judge_opening(
        case_no: &str,
        event: &CaseEvent,
        catalog: &Catalog,
    ) -> Result<Case, Refusal> {
        let Change::Opened {
            item,
            point,
            applicant,
            agent,
            answers,
            assisted,
            card_read,
            ..
        } = &event.change
        else {
            return Err(Refusal(format!(
                "办件 {case_no} 在中心尚未登记，不能{}",
                event.change.kind()
            )));
        };
        let req = OpenCase {
            case_no: case_no.to_string(),
            catalog: catalog.header.id.clone(),
            item: item.clone(),
            applicant: (**applicant).clone(),
            agent: agent.as_deref().cloned(),
            point: point.clone(),
            clerk: event.clerk.clone(),
            answers: answers.clone(),
            assisted: assisted.clone(),
            card_read: *card_read,
        };
        let (case, _) = Case::open(req, catalog, event.at)?;
        Ok(case)
    }

    /// Applies a reported change by the rules the counter follows, or says why it is refused.
    /// `catalog` is the edition the case was opened under. Events the rules derive themselves
    /// (a 告知遗漏 after an answer) are taken as already applied.
    pub fn judge(
        &mut self,
        event: &CaseEvent,
        author: Author,
        catalog: &Catalog,
    ) -> Result<(), Refusal> {
        let at = event.at;
        let counter_only =
            |what: &str| Refusal(format!("{what}由中心作出，窗口上报的“{what}”未被接受"));
        match (&event.change, author) {
            (Change::Opened { .. }, _) => Err(Refusal(format!(
                "办件编号 {} 已被另一办件使用，中心不会合并两个办件",
                self.case_no
            ))),
            (Change::ReviewStarted, Author::Counter) => Err(counter_only("审核")),
            (Change::Returned { .. }, Author::Counter) => Err(counter_only("退回")),
            // The centre's decisions by the rules a counter applies when it pulls them.
            (Change::ReviewStarted, Author::Centre) => {
                self.apply_decision(&Decision::StartReview, &event.clerk, at)?;
                Ok(())
            }
            (Change::Returned { reason }, Author::Centre) => {
                let reason = reason.clone();
                self.apply_decision(&Decision::Return { reason }, &event.clerk, at)?;
                Ok(())
            }
            (Change::Completed, Author::Centre) => {
                self.apply_decision(&Decision::Complete, &event.clerk, at)?;
                Ok(())
            }
            (Change::Completed, Author::Counter) => self.judge_counter_completion(at),
            (_, Author::Centre) => Err(Refusal(format!(
                "中心只能审核、退回或办结，不能{}",
                event.change.kind()
            ))),
            (change, Author::Counter) => self.judge_counter(change, at, catalog),
        }
    }

    /// 办结 reported by a counter: only an immediate item accepted at the counter (即办件), or
    /// a case the centre has already completed (the counter's copy of that decision).
    fn judge_counter_completion(&mut self, at: NaiveDateTime) -> Result<(), Refusal> {
        if self.state == CaseState::Completed {
            return Ok(());
        }
        let immediate = self
            .acceptance
            .as_ref()
            .is_some_and(|a| a.kind == TimeLimitKind::Immediate);
        if self.state != CaseState::Accepted || !immediate || self.assisted.is_some() {
            return Err(Refusal(format!(
                "办件 {} 须经中心审核后办结，窗口上报的办结未被接受",
                self.case_no
            )));
        }
        self.finish(at)?;
        Ok(())
    }

    fn judge_counter(
        &mut self,
        change: &Change,
        at: NaiveDateTime,
        catalog: &Catalog,
    ) -> Result<(), Refusal> {
        match change {
            Change::Answered { situation, answer } => {
                self.answer(catalog, situation, answer, at)?;
            }
            Change::Ticked {
                key,
                form,
                copies,
                option,
            } => {
                self.tick(key, *form, *copies, option.as_deref(), at)?;
            }
            Change::Unticked { key } => {
                self.untick(key, at)?;
            }
            Change::Deferred { key, deadline } => {
                // The deadline was checked against the counter's calendar; the server checks
                // what the catalog says: the material may be deferred at all.
                self.require(&[CaseState::Draft], "容缺")?;
                let entry = self.entry_mut(key)?;
                if !entry.material.deferrable {
                    return Err(CaseError::NotDeferrable(entry.material.name.clone()).into());
                }
                entry.status = MaterialStatus::Deferred {
                    deadline: *deadline,
                };
            }
            Change::Promised { key } => {
                self.promise(key, at)?;
            }
            Change::Omission { .. } => self.require(&[CaseState::Draft], "记录告知遗漏")?,
            Change::Accepted {
                kind,
                due,
                provisional,
                calendar_version,
            } => self.judge_acceptance(catalog, *kind, *due, *provisional, calendar_version, at)?,
            Change::Notified {
                missing,
                apply_to,
                bring_by,
            } => {
                self.require(&[CaseState::Draft], "出具一次性告知书")?;
                super::decisions::check_bring_by(*bring_by, at)?;
                let listed: Vec<RequiredMaterial> = self
                    .checklist
                    .iter()
                    .filter(|e| missing.contains(&e.material.key))
                    .map(|e| e.material.clone())
                    .collect();
                if listed.is_empty() {
                    return Err(CaseError::NothingMissing.into());
                }
                self.notice = Some(Notice {
                    at,
                    missing: listed,
                    apply_to: apply_to.clone(),
                    bring_by: *bring_by,
                });
                self.enter(change)?;
            }
            Change::Resumed => {
                self.resume(catalog, at)?;
            }
            Change::Refused { reason, apply_to } => {
                self.refuse(reason, apply_to.as_deref(), at)?;
            }
            Change::Terminated { .. } => {
                self.terminate(at)?;
            }
            Change::Withdrawn { reason } => {
                self.withdraw(reason.as_deref(), at)?;
            }
            // The paper's way and the rating have their own checks (custody, sheets); they
            // never move the case's state.
            _ => {
                self.enter(change)?;
            }
        }
        Ok(())
    }

    /// 受理 as reported: the item's own time-limit kind under the answers, every question
    /// answered and every required material received, deferred or promised.
    fn judge_acceptance(
        &mut self,
        catalog: &Catalog,
        kind: TimeLimitKind,
        due: Option<chrono::NaiveDate>,
        provisional: bool,
        calendar_version: &str,
        at: NaiveDateTime,
    ) -> Result<(), CaseError> {
        self.require(&[CaseState::Draft], "受理")?;
        self.check_answered(catalog)?;
        self.check_complete()?;
        let item = self.item(catalog)?;
        let (real, days) = time_limit(catalog, &item, &self.answers)
            .ok_or_else(|| CaseError::Unanswered("办理时限所依据的情形".into()))?;
        if real != kind {
            return Err(CaseError::InvalidInput(format!(
                "受理记录的时限“{}”与清单不符：{}的时限为“{}”",
                kind.label(),
                item.name,
                item.time_limit_text
            )));
        }
        self.acceptance = Some(Acceptance {
            at,
            kind,
            working_days: days,
            due,
            provisional,
            calendar_version: calendar_version.to_string(),
        });
        self.enter(&Change::Accepted {
            kind,
            due,
            provisional,
            calendar_version: calendar_version.to_string(),
        })?;
        self.record_intake(at);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
