//! Assisted service (帮办代办): what a point may accept, and where the paper of a case is.
//!
//! A D (乡镇) or E (村) point accepts some items on the applicant's behalf and hands the paper up
//! to the office that handles them; the result comes back the same way and is handed back to
//! the applicant (送达). The chain of custody is kept on the case as steps, in the order they
//! happened at the point that recorded them — never ordered by wall clocks.

use chrono::{NaiveDate, NaiveDateTime};

use crate::calendar::Calendar;

use super::record::{Case, CaseError, CaseEvent, Change};
use super::values::*;
pub use super::values::{CustodyKind, CustodyStep, Holder, MaterialNote};

/// Who holds the paper when it is not at a point: the applicant.
pub const APPLICANT: &str = "申请人";

pub use crate::scope::{scope, Scope};

/// The authorisation a point needs to accept on the applicant's behalf (帮办代办): the
/// applicant's signed 委托书, or where the applicant cannot sign it, the village (community)
/// collective's confirmation.
pub fn authorisation() -> RequiredMaterial {
    let any_of = vec![
        "帮办代办委托书（申请人签字）".to_string(),
        "村（社区）集体出具的确认书".to_string(),
    ];
    RequiredMaterial {
        key: "assist1".into(),
        name: any_of.join("或"),
        any_of,
        form: Some("原件".into()),
        copies: None,
        stamp: None,
        issuer: None,
        note: Some("随办件材料一并移交办理机构".into()),
        optional: false,
        deferrable: false,
        promise: false,
        source: MaterialSource::Assisted,
    }
}

/// Paper sent on `sent` and still not received `days` working days later, as of `today`.
pub fn transit_overdue(sent: NaiveDate, days: u32, calendar: &Calendar, today: NaiveDate) -> bool {
    calendar.due(sent, days).is_ok_and(|d| d.due < today)
}

impl Case {
    /// Where the paper is; `None` before acceptance (the applicant still holds it).
    pub fn holder(&self) -> Option<Holder> {
        let Some(last) = self.custody.last() else {
            let at = self.acceptance.as_ref().map(|a| a.at)?;
            return Some(Holder::Point {
                point: self.point.clone(),
                since: at,
            });
        };
        Some(match last.kind {
            CustodyKind::Sent => Holder::InTransit {
                from: last.from.clone(),
                to: last.to.clone(),
                sheet_no: last.sheet_no.clone().unwrap_or_default(),
                since: last.at,
            },
            CustodyKind::HandedBack => Holder::Applicant { since: last.at },
            CustodyKind::Accepted | CustodyKind::Received => Holder::Point {
                point: last.to.clone(),
                since: last.at,
            },
            CustodyKind::Recalled => Holder::Point {
                point: last.from.clone(),
                since: last.at,
            },
        })
    }

    /// The point holding the paper, if one does (not in transit, not handed back).
    pub fn held_by(&self) -> Option<String> {
        match self.holder()? {
            Holder::Point { point, .. } => Some(point),
            _ => None,
        }
    }

    fn custody_event(&mut self, at: NaiveDateTime, clerk: &str, change: Change) -> CaseEvent {
        let ev = CaseEvent {
            at,
            clerk: clerk.to_string(),
            change,
        };
        self.apply_custody(&ev);
        ev
    }

    /// The first step, recorded at acceptance: the applicant handed the paper to the point.
    pub(crate) fn record_intake(&mut self, at: NaiveDateTime) {
        if self.custody.is_empty() {
            self.custody.push(CustodyStep {
                from: APPLICANT.into(),
                to: self.point.clone(),
                at,
                by: self.clerk.clone(),
                kind: CustodyKind::Accepted,
                sheet_no: None,
                notes: Vec::new(),
            });
        }
    }

    /// Whether `point`, holding the paper, may put this case on a hand-over sheet: an accepted
    /// case on its way to review, or a finished one's result going back to the point that
    /// accepted it. A withdrawn, refused or returned case's paper, or a result at its own point,
    /// goes to the applicant instead (`hand_back`).
    pub fn may_hand_over(&self, point: &str) -> bool {
        let here = self.held_by().is_some_and(|p| p == point);
        here && match self.state {
            CaseState::Accepted | CaseState::InReview => true,
            CaseState::Completed | CaseState::Terminated => self.point != point,
            _ => false,
        }
    }

    /// 移交: `from` (the point holding the paper) puts the case on hand-over sheet `sheet_no`
    /// to `to`. `sheet` lists every case of the sheet, so the receiver knows when it has all.
    #[allow(clippy::too_many_arguments)]
    pub fn hand_over(
        &mut self,
        sheet_no: &str,
        sheet: &[String],
        from: &str,
        to: &str,
        clerk: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        if matches!(
            self.state,
            CaseState::Draft | CaseState::Notified | CaseState::Refused | CaseState::Withdrawn
        ) {
            return Err(CaseError::Custody(format!(
                "办件 {} 为“{}”状态，只有已受理的办件才能移交",
                self.case_no,
                self.state.label()
            )));
        }
        if to.trim().is_empty() || to == from {
            return Err(CaseError::Custody(
                "请填写接收单位的网点代码（不能是本网点）".into(),
            ));
        }
        match self.holder() {
            Some(Holder::Point { point, .. }) if point == from => {}
            Some(Holder::InTransit { sheet_no, to, .. }) => {
                return Err(CaseError::Custody(format!(
                    "办件 {} 的材料已在交接单 {sheet_no} 上移交给 {to}，尚未接收",
                    self.case_no
                )))
            }
            Some(Holder::Point { point, .. }) => {
                return Err(CaseError::Custody(format!(
                    "办件 {} 的材料现由 {point} 保管，本网点不能移交",
                    self.case_no
                )))
            }
            _ => {
                return Err(CaseError::Custody(format!(
                    "办件 {} 的材料已送达申请人",
                    self.case_no
                )))
            }
        }
        let mut ev = self.custody_event(
            now,
            clerk,
            Change::HandedOver {
                sheet_no: sheet_no.into(),
                from: from.into(),
                to: to.into(),
                sheet: sheet.to_vec(),
                case: None,
            },
        );
        // The receiving office has never seen this case: the paper travels with its record.
        if let Change::HandedOver { case, .. } = &mut ev.change {
            *case = Some(Box::new(self.clone()));
        }
        Ok(vec![ev])
    }

    /// (from, to) when the paper is on sheet `sheet_no`, not yet received.
    fn in_transit_on(&self, sheet_no: &str) -> Option<(String, String)> {
        match self.holder()? {
            Holder::InTransit {
                from,
                to,
                sheet_no: s,
                ..
            } if s == sheet_no => Some((from, to)),
            _ => None,
        }
    }

    /// 接收: `at_point` confirms it received the paper of sheet `sheet_no`; `notes` are
    /// (material key, 缺失/破损…) for what did not arrive whole.
    pub fn receive(
        &mut self,
        sheet_no: &str,
        at_point: &str,
        notes: &[(String, String)],
        clerk: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        let from = match self.in_transit_on(sheet_no) {
            Some((from, to)) if to == at_point => from,
            _ => {
                return Err(CaseError::Custody(format!(
                    "办件 {} 不在交接单 {sheet_no} 上移交给本网点 {at_point} 的途中",
                    self.case_no
                )))
            }
        };
        let notes = notes
            .iter()
            .map(|(key, note)| {
                Ok(MaterialNote {
                    key: key.clone(),
                    name: self.entry(key)?.material.name.clone(),
                    note: note.clone(),
                })
            })
            .collect::<Result<Vec<_>, CaseError>>()?;
        Ok(vec![self.custody_event(
            now,
            clerk,
            Change::HandOverReceived {
                sheet_no: sheet_no.into(),
                from,
                to: at_point.into(),
                notes,
            },
        )])
    }

    /// 撤回: the sender takes back a sheet nobody has received yet.
    pub fn recall(
        &mut self,
        sheet_no: &str,
        point: &str,
        reason: Option<&str>,
        clerk: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        let to = match self.in_transit_on(sheet_no) {
            Some((from, to)) if from == point => to,
            _ => {
                return Err(CaseError::Custody(format!(
                    "办件 {} 不在本网点发出、尚未接收的交接单 {sheet_no} 上，不能撤回",
                    self.case_no
                )))
            }
        };
        Ok(vec![self.custody_event(
            now,
            clerk,
            Change::HandOverRecalled {
                sheet_no: sheet_no.into(),
                from: point.into(),
                to,
                reason: reason
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_string),
            },
        )])
    }

    /// 送达: the point holding the result hands it back to the applicant; for a case the
    /// applicant withdrew after acceptance, 退还材料: the paper goes back to them.
    pub fn hand_back(
        &mut self,
        point: &str,
        clerk: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        if !matches!(
            self.state,
            CaseState::Completed | CaseState::Terminated | CaseState::Withdrawn
        ) {
            return Err(CaseError::Custody(format!(
                "办件 {} 为“{}”状态，办结或撤回后才能送达或退还申请人",
                self.case_no,
                self.state.label()
            )));
        }
        match self.holder() {
            Some(Holder::Point { point: p, .. }) if p == point => {}
            Some(Holder::InTransit { sheet_no, .. }) => {
                return Err(CaseError::Custody(format!(
                    "办件 {} 的结果还在交接单 {sheet_no} 的途中，请先接收",
                    self.case_no
                )))
            }
            Some(Holder::Point { point: p, .. }) => {
                return Err(CaseError::Custody(format!(
                    "办件 {} 的结果现由 {p} 保管，本网点不能送达",
                    self.case_no
                )))
            }
            _ => {
                return Err(CaseError::Custody(format!(
                    "办件 {} 已送达申请人",
                    self.case_no
                )))
            }
        }
        Ok(vec![self.custody_event(
            now,
            clerk,
            Change::HandedBack {
                point: point.into(),
            },
        )])
    }

    /// Applies a custody change to the chain; `false` when it does not fit (already applied,
    /// or out of turn), so applying the same event twice changes nothing.
    pub(crate) fn apply_custody(&mut self, ev: &CaseEvent) -> bool {
        let step =
            |from: &str, to: &str, kind, sheet: Option<&str>, notes: &[MaterialNote]| CustodyStep {
                from: from.into(),
                to: to.into(),
                at: ev.at,
                by: ev.clerk.clone(),
                kind,
                sheet_no: sheet.map(str::to_string),
                notes: notes.to_vec(),
            };
        let s = match &ev.change {
            Change::HandedOver {
                sheet_no, from, to, ..
            } => step(from, to, CustodyKind::Sent, Some(sheet_no), &[]),
            Change::HandOverReceived {
                sheet_no,
                from,
                to,
                notes,
            } => step(from, to, CustodyKind::Received, Some(sheet_no), notes),
            Change::HandOverRecalled {
                sheet_no, from, to, ..
            } => step(from, to, CustodyKind::Recalled, Some(sheet_no), &[]),
            Change::HandedBack { point } => {
                step(point, APPLICANT, CustodyKind::HandedBack, None, &[])
            }
            _ => return false,
        };
        // Paper that was received cannot have been recalled: when a recall made offline meets
        // a receipt of the same sheet, the receipt stands on both sides.
        if s.kind == CustodyKind::Recalled
            && self
                .custody
                .iter()
                .any(|c| c.kind == CustodyKind::Received && c.sheet_no == s.sheet_no)
        {
            return false;
        }
        if self.custody.iter().any(|c| {
            c.kind == s.kind && c.sheet_no == s.sheet_no && c.from == s.from && c.to == s.to
        }) {
            return false;
        }
        // A case accepted before custody was kept starts its chain at its acceptance.
        if let Some(at) = self.acceptance.as_ref().map(|a| a.at) {
            self.record_intake(at);
        }
        self.custody.push(s);
        true
    }
}

#[cfg(test)]
mod tests;
