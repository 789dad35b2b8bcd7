//! Decisions on a case: accept, notify, refuse, complete, and what follows acceptance.

use chrono::{NaiveDate, NaiveDateTime};

use crate::calendar::Calendar;
use crate::catalog::Catalog;
use crate::scope::Scope;

use super::record::*;
use super::rules::*;
use super::values::*;

impl Case {
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
        if let Scope::Elsewhere { office, .. } = scope {
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
            (TimeLimitKind::WorkingDays, Some(d)) => {
                let due = calendar
                    .due(now.date(), d)
                    .map_err(|e| CaseError::Calendar(e.to_string()))?;
                (Some(due.due), due.provisional)
            }
            (TimeLimitKind::Immediate, _) => (Some(now.date()), false),
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
        let change = Change::Accepted {
            kind,
            due,
            provisional,
            calendar_version: calendar.version.clone(),
        };
        self.enter(&change)?;
        self.record_intake(now);
        Ok(vec![self.event(now, change)])
    }

    /// 一次性告知: records exactly the missing materials with their requirements.
    pub fn notify(
        &mut self,
        catalog: &Catalog,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        self.notify_until(catalog, None, now)
    }

    /// `notify`, giving `bring_by` as the date by which to bring what is missing (the point's
    /// 补交期限 counted in working days). It cannot lie before the notice.
    pub fn notify_until(
        &mut self,
        catalog: &Catalog,
        bring_by: Option<NaiveDate>,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Draft], "出具一次性告知书")?;
        check_bring_by(bring_by, now)?;
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
            bring_by,
        });
        let change = Change::Notified {
            missing: keys,
            apply_to: None,
            bring_by,
        };
        self.enter(&change)?;
        Ok(vec![self.event(now, change)])
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
            bring_by: None,
        });
        let change = Change::Notified {
            missing: keys,
            apply_to: Some(office.to_string()),
            bring_by: None,
        };
        self.enter(&change)?;
        Ok(vec![self.event(now, change)])
    }

    /// The applicant is back after a notice: the case is worked on again, with only the
    /// noticed materials left to tick.
    pub fn resume(
        &mut self,
        catalog: &Catalog,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Notified], "继续受理")?;
        self.enter(&Change::Resumed)?;
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
        let change = Change::Refused {
            reason: reason.to_string(),
            apply_to,
        };
        self.enter(&change)?;
        Ok(vec![self.event(now, change)])
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
                if !matches!(limit, Some((TimeLimitKind::Immediate, _))) {
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
    pub(super) fn finish(&mut self, now: NaiveDateTime) -> Result<Vec<CaseEvent>, CaseError> {
        if self
            .checklist
            .iter()
            .any(|e| matches!(e.status, MaterialStatus::Deferred { .. }))
        {
            return Err(CaseError::InvalidInput(
                "尚有容缺材料未补交，不能办结".into(),
            ));
        }
        self.enter(&Change::Completed)?;
        self.completed_at = Some(now);
        self.completed_by = Some(self.clerk.clone());
        Ok(vec![self.event(now, Change::Completed)])
    }

    pub fn start_review(&mut self, now: NaiveDateTime) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Accepted, CaseState::Returned], "开始审核")?;
        self.enter(&Change::ReviewStarted)?;
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
        let change = Change::Returned {
            reason: reason.to_string(),
        };
        self.enter(&change)?;
        self.reason = Some(reason.to_string());
        Ok(vec![self.event(now, change)])
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
        let change = Change::Terminated {
            reason: reason.clone(),
        };
        self.enter(&change)?;
        self.reason = Some(reason);
        Ok(vec![self.event(now, change)])
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
        let change = Change::Withdrawn {
            reason: reason.clone(),
        };
        self.enter(&change)?;
        self.reason = reason;
        Ok(vec![self.event(now, change)])
    }

    /// Due date, if accepted with one.
    pub fn due(&self) -> Option<NaiveDate> {
        self.acceptance.as_ref().and_then(|a| a.due)
    }

    /// The due date as still promised: none once the case was withdrawn or terminated (what
    /// the screen, the ledger and the documents show).
    pub fn due_in_force(&self) -> Option<NaiveDate> {
        self.due()
            .filter(|_| !matches!(self.state, CaseState::Withdrawn | CaseState::Terminated))
    }
}

/// A 补交期限 lies on or after the day of the notice.
pub(super) fn check_bring_by(
    bring_by: Option<NaiveDate>,
    now: NaiveDateTime,
) -> Result<(), CaseError> {
    match bring_by {
        Some(d) if d < now.date() => Err(CaseError::BadBringBy(d)),
        _ => Ok(()),
    }
}
