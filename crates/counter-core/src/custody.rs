//! Assisted service (帮办代办): what a point may accept, and where the paper of a case is.
//!
//! A D (乡镇) or E (村) point accepts some items on the applicant's behalf and hands the paper up
//! to the office that handles them; the result comes back the same way and is handed back to
//! the applicant (送达). The chain of custody is kept on the case as steps, in the order they
//! happened at the point that recorded them — never ordered by wall clocks.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::case::{
    Case, CaseError, CaseEvent, CaseState, Change, MaterialSource, RequiredMaterial,
};

use crate::Calendar;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CustodyKind {
    /// 受理: the applicant handed the paper to the point.
    Accepted,
    /// 移交: on a hand-over sheet, on its way.
    Sent,
    /// 接收: the receiving office confirmed it.
    Received,
    /// 撤回: the sender took the sheet back before it was received.
    Recalled,
    /// 送达: the result handed back to the applicant.
    HandedBack,
}

impl CustodyKind {
    pub fn label(self) -> &'static str {
        match self {
            CustodyKind::Accepted => "受理收件",
            CustodyKind::Sent => "移交",
            CustodyKind::Received => "接收",
            CustodyKind::Recalled => "撤回移交",
            CustodyKind::HandedBack => "送达申请人",
        }
    }
}

/// A material that did not arrive, or arrived damaged, noted at receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PaperNote {
    pub key: String,
    pub name: String,
    /// 缺失 or 破损, or the clerk's words.
    pub note: String,
}

/// One step of the paper's way: `from` handed it to `to` (point codes, or [`APPLICANT`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CustodyStep {
    pub from: String,
    pub to: String,
    pub at: NaiveDateTime,
    pub by: String,
    pub kind: CustodyKind,
    #[serde(default)]
    pub sheet_no: Option<String>,
    #[serde(default)]
    pub notes: Vec<PaperNote>,
}

/// Where the paper is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "where", rename_all = "snake_case")]
pub enum Holder {
    /// Held by a point since `since`.
    Point { point: String, since: NaiveDateTime },
    /// On a hand-over sheet from one point to another, not yet received.
    InTransit {
        from: String,
        to: String,
        sheet_no: String,
        since: NaiveDateTime,
    },
    /// Back with the applicant.
    Applicant { since: NaiveDateTime },
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
                Ok(PaperNote {
                    key: key.clone(),
                    name: self.entry(key)?.material.name.clone(),
                    note: note.clone(),
                })
            })
            .collect::<Result<Vec<_>, CaseError>>()?;
        Ok(vec![self.custody_event(
            now,
            clerk,
            Change::HandoverReceived {
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
            Change::HandoverRecalled {
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

    /// 送达: the point holding the result hands it back to the applicant.
    pub fn hand_back(
        &mut self,
        point: &str,
        clerk: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        if !matches!(self.state, CaseState::Completed | CaseState::Terminated) {
            return Err(CaseError::Custody(format!(
                "办件 {} 为“{}”状态，办结后才能送达申请人",
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
            |from: &str, to: &str, kind, sheet: Option<&str>, notes: &[PaperNote]| CustodyStep {
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
            Change::HandoverReceived {
                sheet_no,
                from,
                to,
                notes,
            } => step(from, to, CustodyKind::Received, Some(sheet_no), notes),
            Change::HandoverRecalled {
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
mod tests {
    use super::*;
    use crate::case::{Applicant, Form, IdType, OpenCase, Person};
    use crate::rating::RatingChannel;
    use crate::{bundled, CatalogSet};

    fn at(d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    fn set() -> CatalogSet {
        bundled::catalogs().unwrap()
    }

    /// An accepted 异地安置退休人员备案 case of village point V01.
    fn accepted(set: &CatalogSet) -> Case {
        let mut c = ticked(set);
        let js = set.get("jiangsu-2024").unwrap();
        c.accept(
            js,
            &bundled::calendar().unwrap(),
            &Scope::Handles,
            at(23, 9),
        )
        .unwrap();
        c
    }

    /// The same case with every material ticked, not yet decided.
    fn ticked(set: &CatalogSet) -> Case {
        let js = set.get("jiangsu-2024").unwrap();
        let (mut c, _) = Case::open(
            OpenCase {
                case_no: "V01-20261123-0001".into(),
                catalog: "jiangsu-2024".into(),
                item: "322036013001".into(),
                applicant: Applicant::Person(Person {
                    name: "张三".into(),
                    id_type: IdType::ResidentId,
                    id_number: "11010519491231002X".into(),
                    phone: None,
                }),
                agent: None,
                point: "V01".into(),
                clerk: "村代办员".into(),
                answers: Default::default(),
                assisted: Some("乡镇(街道)医疗保障经办机构（办理层级D）".into()),
            },
            js,
            at(23, 9),
        )
        .unwrap();
        for e in c.checklist.clone() {
            if !e.material.optional {
                let opt = e.material.any_of.first().cloned();
                c.tick(
                    &e.material.key,
                    Form::Original,
                    1,
                    opt.as_deref(),
                    at(23, 9),
                )
                .unwrap();
            }
        }
        c
    }

    #[test]
    fn the_paper_goes_up_and_back_and_every_step_is_on_the_chain() {
        let set = set();
        let mut v = accepted(&set);
        assert_eq!(v.held_by().as_deref(), Some("V01"));
        // Accepted on the applicant's behalf: the authorisation was one of the materials.
        let auth = v.checklist.last().unwrap();
        assert_eq!(auth.material.key, "assist1");
        assert_eq!(auth.material.any_of.len(), 2);
        // An assisted case is handled elsewhere: it cannot be completed on the spot.
        let mut spot = ticked(&set);
        let e = spot
            .complete(
                set.get("jiangsu-2024").unwrap(),
                &bundled::calendar().unwrap(),
                &Scope::Handles,
                at(23, 9),
            )
            .unwrap_err();
        assert!(e.to_string().contains("不能在本网点当场办结"), "{e}");
        let sheet = vec![v.case_no.clone()];
        let sent = v
            .hand_over(
                "JJ-V01-20261123-01",
                &sheet,
                "V01",
                "T01",
                "村代办员",
                at(23, 10),
            )
            .unwrap();
        // The township has never seen the case: it arrives with the event.
        let Change::HandedOver {
            case: Some(snap), ..
        } = &sent[0].change
        else {
            panic!("no snapshot");
        };
        let mut t = (**snap).clone();
        assert!(matches!(v.holder(), Some(Holder::InTransit { ref to, .. }) if to == "T01"));
        // Handing it over twice, or receiving at the wrong office, is refused.
        let e = v
            .hand_over(
                "JJ-V01-20261123-02",
                &sheet,
                "V01",
                "T01",
                "村代办员",
                at(23, 11),
            )
            .unwrap_err();
        assert!(e.to_string().contains("尚未接收"), "{e}");
        assert!(t
            .receive("JJ-V01-20261123-01", "T02", &[], "镇经办员", at(24, 9))
            .is_err());
        // A material the case does not have is refused; the note names the material.
        let wrong = [("m9".to_string(), "破损".to_string())];
        assert!(t
            .receive("JJ-V01-20261123-01", "T01", &wrong, "镇经办员", at(24, 9))
            .is_err());
        let note = [("m1".to_string(), "破损".to_string())];
        let got = t
            .receive("JJ-V01-20261123-01", "T01", &note, "镇经办员", at(24, 9))
            .unwrap();
        // The village applies the township's receipt; applying it twice changes nothing.
        assert!(v.apply_shared(&got[0]));
        assert!(!v.apply_shared(&got[0]));
        assert_eq!(v.held_by().as_deref(), Some("T01"));
        // Not completed yet: nothing to hand back.
        assert!(t.hand_back("T01", "镇经办员", at(24, 10)).is_err());
        t.state = CaseState::Completed;
        v.state = CaseState::Completed;
        let back = t
            .hand_over(
                "JJ-T01-20261125-01",
                &sheet,
                "T01",
                "V01",
                "镇经办员",
                at(25, 9),
            )
            .unwrap();
        assert!(v.apply_shared(&back[0]));
        let got = v
            .receive("JJ-T01-20261125-01", "V01", &[], "村代办员", at(25, 15))
            .unwrap();
        assert!(t.apply_shared(&got[0]));
        let done = v.hand_back("V01", "村代办员", at(26, 9)).unwrap();
        assert!(t.apply_shared(&done[0]));
        assert!(matches!(v.holder(), Some(Holder::Applicant { .. })));
        // Both sides see the same chain: 受理, 移交, 接收 (with the damaged paper), 移交, 接收, 送达.
        let kinds: Vec<_> = v
            .custody
            .iter()
            .map(|s| (s.from.as_str(), s.to.as_str(), s.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (APPLICANT, "V01", CustodyKind::Accepted),
                ("V01", "T01", CustodyKind::Sent),
                ("V01", "T01", CustodyKind::Received),
                ("T01", "V01", CustodyKind::Sent),
                ("T01", "V01", CustodyKind::Received),
                ("V01", APPLICANT, CustodyKind::HandedBack),
            ]
        );
        assert_eq!(v.custody, t.custody);
        assert_eq!(v.custody[2].notes[0].note, "破损");
        assert_eq!(v.custody[2].notes[0].name, v.checklist[0].material.name);
        assert_eq!(v.custody[2].by, "镇经办员");
    }

    #[test]
    fn a_sheet_not_yet_received_can_be_recalled_but_a_receipt_stands() {
        let set = set();
        let mut v = accepted(&set);
        let sheet = vec![v.case_no.clone()];
        let sent = v
            .hand_over(
                "JJ-V01-20261123-01",
                &sheet,
                "V01",
                "T10",
                "村代办员",
                at(23, 10),
            )
            .unwrap();
        // Only the sender, and only that sheet.
        assert!(v
            .recall("JJ-V01-20261123-01", "T10", None, "x", at(23, 11))
            .is_err());
        assert!(v
            .recall("JJ-V01-20261123-09", "V01", None, "x", at(23, 11))
            .is_err());
        let Change::HandedOver {
            case: Some(snap), ..
        } = &sent[0].change
        else {
            panic!("no snapshot");
        };
        let mut t = (**snap).clone();
        let back = v
            .recall(
                "JJ-V01-20261123-01",
                "V01",
                Some("网点代码填错"),
                "村代办员",
                at(23, 11),
            )
            .unwrap();
        assert_eq!(v.held_by().as_deref(), Some("V01"));
        assert_eq!(v.custody.last().unwrap().kind, CustodyKind::Recalled);
        // Recalled twice: refused, nothing changes.
        assert!(v
            .recall("JJ-V01-20261123-01", "V01", None, "x", at(23, 12))
            .is_err());
        // Offline on both sides, the office had already received that paper: the receipt
        // stands on both sides, whatever order the two events arrive in.
        let got = t
            .receive("JJ-V01-20261123-01", "T10", &[], "镇经办员", at(23, 11))
            .unwrap();
        assert!(!t.apply_shared(&back[0]));
        assert!(v.apply_shared(&got[0]));
        assert_eq!(t.held_by().as_deref(), Some("T10"));
        assert_eq!(v.held_by().as_deref(), Some("T10"));
    }

    #[test]
    fn a_poor_rating_opens_a_follow_up_due_in_fifteen_working_days() {
        let set = set();
        let cal = bundled::calendar().unwrap();
        let mut c = accepted(&set);
        assert!(c
            .rate(0, RatingChannel::Counter, None, &cal, "x", at(23, 12))
            .is_err());
        assert!(c
            .rate(6, RatingChannel::Counter, None, &cal, "x", at(23, 12))
            .is_err());
        c.rate(
            2,
            RatingChannel::Paper,
            Some(" 等了太久 "),
            &cal,
            "村代办员",
            at(23, 12),
        )
        .unwrap();
        let r = c.rating().unwrap();
        assert_eq!(
            (r.label.as_str(), r.comment.as_deref()),
            ("不满意", Some("等了太久"))
        );
        // 2026-11-23 (Mon) + 15 working days, no holidays in between: 2026-12-14.
        assert_eq!(c.follow_up_due(), NaiveDate::from_ymd_opt(2026, 12, 14));
        // Once per case and channel.
        let e = c
            .rate(5, RatingChannel::Paper, None, &cal, "x", at(23, 13))
            .unwrap_err();
        assert!(e.to_string().contains("只评价一次"), "{e}");
        assert!(c.reply_follow_up("  ", "站长", at(24, 9)).is_err());
        c.reply_follow_up("已电话回访并致歉", "站长", at(24, 9))
            .unwrap();
        assert_eq!(c.follow_up_due(), None);
        assert!(c.reply_follow_up("再次", "站长", at(24, 10)).is_err());
        // A good rating opens nothing.
        let mut g = accepted(&set);
        g.rate(5, RatingChannel::Counter, None, &cal, "x", at(23, 12))
            .unwrap();
        assert_eq!(g.follow_up_due(), None);
    }
}
