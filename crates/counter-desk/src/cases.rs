//! The case operations of the counter: open, answer, tick, decide, the case view and the
//! ledger. Each applies the core's rules to the stored case as the signed-in clerk.

use chrono::{Days, NaiveDate, NaiveDateTime};
use counter_core::case::{
    Applicant, CaseError, CaseState, CaseView, Form, IdType, OpenCase, Person,
};
use counter_core::custody::Scope;
use counter_core::{Calendar, Catalog};
use counter_store::{LedgerQuery, LedgerRow};

use crate::{err, pinned, store_err, ApiError, ApiErrorCode, Workstation};
use crate::{CaseDetail, LedgerFilter, OpenRequest, Opened};

impl Workstation {
    pub fn open_case(&mut self, r: OpenRequest) -> Result<Opened, ApiError> {
        let clerk = self.clerk()?.name.clone();
        let catalog = self
            .catalogs
            .get(&r.catalog)
            .ok_or_else(|| err(ApiErrorCode::NotFound, format!("未找到清单 {}", r.catalog)))?;
        let agent = match (r.agent_name.as_deref(), r.agent_id_number.as_deref()) {
            (Some(n), Some(id)) if !n.trim().is_empty() || !id.trim().is_empty() => Some(Person {
                name: n.into(),
                id_type: r.agent_id_type.unwrap_or(IdType::ResidentId),
                id_number: id.into(),
                phone: None,
            }),
            _ => None,
        };
        let applicant = match r.unit {
            Some(u) => Applicant::Unit {
                name: u.name,
                credit_code: u.credit_code,
                phone: r.phone,
            },
            None => Applicant::Person(Person {
                name: r.name,
                id_type: r.id_type,
                id_number: r.id_number,
                phone: r.phone,
            }),
        };
        let name_note = self.earlier_name(applicant.id_number(), applicant.name())?;
        let opened = self
            .store
            .open_case(
                catalog,
                OpenCase {
                    case_no: String::new(),
                    catalog: r.catalog.clone(),
                    item: r.item.trim().to_string(),
                    applicant,
                    agent,
                    point: self.office.point.clone(),
                    clerk,
                    answers: r.answers.unwrap_or_default(),
                    card_read: r.card_read.unwrap_or(false),
                    assisted: match counter_core::custody::scope(
                        catalog,
                        self.office.level,
                        &self.office.handled_by,
                        &r.item,
                    ) {
                        Scope::Assisted { office, .. } => Some(office),
                        _ => None,
                    },
                },
                self.now(),
            )
            .map_err(store_err)?;
        self.face(&opened.case.case_no);
        Ok(Opened {
            scope: self.scope_of(&opened.case)?,
            case: self.view(&opened.case)?,
            duplicates: opened.duplicates,
            name_note,
        })
    }

    /// The note for an ID number registered here before under another name (a typing error,
    /// a changed name, or the wrong card): the clerk checks before going on.
    fn earlier_name(&self, id_number: &str, name: &str) -> Result<Option<String>, ApiError> {
        let q = LedgerQuery {
            id_number: Some(id_number.trim().to_string()),
            limit: Some(1),
            ..Default::default()
        };
        let rows = self
            .store
            .ledger(&q, self.now().date())
            .map_err(store_err)?;
        Ok(rows
            .first()
            .filter(|r| r.applicant.trim() != name.trim())
            .map(|r| {
                format!(
                    "注意：该证件号码在办件 {} 中登记的姓名为“{}”，与本次“{}”不同，请核对证件",
                    r.case_no,
                    r.applicant,
                    name.trim()
                )
            }))
    }

    /// Applies a change to a case as the signed-in clerk.
    pub(crate) fn change<F>(&mut self, case_no: &str, op: F) -> Result<CaseView, ApiError>
    where
        F: FnOnce(
            &mut counter_core::case::Case,
            &Catalog,
            &Calendar,
            NaiveDateTime,
        )
            -> Result<Vec<counter_core::case::CaseEvent>, counter_core::case::CaseError>,
    {
        let clerk = self.clerk()?.name.clone();
        let case = self.store.case(case_no.trim()).map_err(store_err)?;
        let catalog = pinned(&self.catalogs, &case)?;
        let calendar = &self.calendar;
        let t = self.now();
        let case = self
            .store
            .update(case_no.trim(), |c| {
                // The clerk who does it signs the event.
                c.clerk = clerk;
                op(c, catalog, calendar, t)
            })
            .map_err(store_err)?;
        self.view(&case)
    }

    pub fn answer(
        &mut self,
        case_no: &str,
        situation: &str,
        answer: &str,
    ) -> Result<CaseView, ApiError> {
        self.serving(case_no, |c, cat, _, t| c.answer(cat, situation, answer, t))
    }

    pub fn tick(
        &mut self,
        case_no: &str,
        key: &str,
        form: Form,
        copies: u32,
        option: Option<String>,
    ) -> Result<CaseView, ApiError> {
        self.serving(case_no, |c, _, _, t| {
            c.tick(key, form, copies, option.as_deref(), t)
        })
    }

    pub fn untick(&mut self, case_no: &str, key: &str) -> Result<CaseView, ApiError> {
        self.serving(case_no, |c, _, _, t| c.untick(key, t))
    }

    pub fn defer(&mut self, case_no: &str, key: &str, until: &str) -> Result<CaseView, ApiError> {
        let d = NaiveDate::parse_from_str(until, "%Y-%m-%d").map_err(|_| {
            err(
                ApiErrorCode::InvalidInput,
                format!("日期“{until}”无效，应为 YYYY-MM-DD"),
            )
        })?;
        self.serving(case_no, |c, cat, cal, t| c.defer(cat, cal, key, d, t))
    }

    pub fn promise(&mut self, case_no: &str, key: &str) -> Result<CaseView, ApiError> {
        self.serving(case_no, |c, _, _, t| c.promise(key, t))
    }

    pub fn accept(&mut self, case_no: &str) -> Result<CaseView, ApiError> {
        let (level, offices) = (self.office.level, self.office.handled_by.clone());
        self.serving(case_no, |c, cat, cal, t| {
            let within = counter_core::scope::scope(cat, level, &offices, &c.item);
            c.accept(cat, cal, &within, t)
        })
    }

    /// 一次性告知: what is missing — or, for an item this point may not accept, where to go
    /// and everything to bring.
    pub fn notify(&mut self, case_no: &str) -> Result<CaseView, ApiError> {
        let case = self.store.case(case_no.trim()).map_err(store_err)?;
        match self.scope_of(&case)? {
            Scope::Elsewhere { office, .. } => {
                self.serving(case_no, |c, cat, _, t| c.notify_elsewhere(cat, &office, t))
            }
            _ => {
                let days = self.office.notice_days;
                self.serving(case_no, |c, cat, cal, t| {
                    // The point's 补交期限, counted in working days like every promised date.
                    let by = match days {
                        Some(n) => Some(
                            cal.due(t.date(), n)
                                .map_err(|e| CaseError::Calendar(e.to_string()))?
                                .due,
                        ),
                        None => None,
                    };
                    c.notify_until(cat, by, t)
                })
            }
        }
    }

    pub fn refuse(
        &mut self,
        case_no: &str,
        reason: &str,
        apply_to: Option<String>,
    ) -> Result<CaseView, ApiError> {
        self.serving(case_no, |c, _, _, t| {
            c.refuse(reason, apply_to.as_deref(), t)
        })
    }

    pub fn complete(&mut self, case_no: &str) -> Result<CaseView, ApiError> {
        let (level, offices) = (self.office.level, self.office.handled_by.clone());
        self.serving(case_no, |c, cat, cal, t| {
            let within = counter_core::scope::scope(cat, level, &offices, &c.item);
            c.complete(cat, cal, &within, t)
        })
    }

    pub fn withdraw(
        &mut self,
        case_no: &str,
        reason: Option<String>,
    ) -> Result<CaseView, ApiError> {
        self.serving(case_no, |c, _, _, t| c.withdraw(reason.as_deref(), t))
    }

    /// A returning applicant: the scanned QR code or typed case number opens the case; a
    /// notified case is resumed with only the noticed materials left.
    pub fn resume(&mut self, scanned: &str) -> Result<CaseView, ApiError> {
        self.clerk()?;
        let case_no = scanned.trim();
        let case = self.store.case(case_no).map_err(store_err)?;
        if case.state == CaseState::Notified {
            return self.resume_notice(case_no);
        }
        self.face(case_no);
        self.alert_opened(&case)?;
        self.view(&case)
    }

    /// 继续受理 after a one-time notice: only the noticed materials are left to tick.
    pub fn resume_notice(&mut self, case_no: &str) -> Result<CaseView, ApiError> {
        self.serving(case_no, |c, cat, _, t| c.resume(cat, t))
    }

    pub fn case_detail(&self, case_no: &str) -> Result<CaseDetail, ApiError> {
        self.clerk()?;
        let case = self.store.case(case_no.trim()).map_err(store_err)?;
        self.alert_opened(&case)?;
        let mut history: Vec<_> = self
            .store
            .events(case_no.trim())
            .map_err(store_err)?
            .iter()
            .map(|e| case.history_line(&e.event))
            .collect();
        // The prints, in time with the events (stable: an event before a print of that minute).
        history.extend(self.print_lines(&case.case_no)?);
        history.sort_by_key(|h| h.at);
        // The same rule the renderer applies: nothing is offered that printing would refuse.
        let documents = case
            .documents()
            .into_iter()
            .map(|k| crate::DocChoice {
                kind: k.as_str().to_string(),
                title: k.title().to_string(),
            })
            .collect();
        // Asked of the rules themselves, on a copy: nothing is recorded.
        let can_hand_back = case
            .clone()
            .hand_back(&self.office.point, "", self.now())
            .is_ok();
        Ok(CaseDetail {
            can_hand_back,
            can_withdraw: case.clone().withdraw(None, self.now()).is_ok(),
            scope: self.scope_of(&case)?,
            case: self.view(&case)?,
            rejections: self
                .store
                .rejections(Some(case_no.trim()))
                .map_err(store_err)?,
            history,
            documents,
        })
    }

    pub fn ledger(&self, f: LedgerFilter) -> Result<Vec<LedgerRow>, ApiError> {
        self.clerk()?;
        let date = |s: &Option<String>| -> Result<Option<NaiveDate>, ApiError> {
            s.as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map_err(|_| err(ApiErrorCode::InvalidInput, format!("日期“{s}”无效")))
                })
                .transpose()
        };
        let state =
            match f.state.as_deref().filter(|s| !s.is_empty()) {
                Some(s) => Some(CaseState::parse(s).ok_or_else(|| {
                    err(ApiErrorCode::InvalidInput, format!("未知的办件状态 {s}"))
                })?),
                None => None,
            };
        let today = self.now().date();
        let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        let q = LedgerQuery {
            date: date(&f.date)?,
            from: date(&f.from)?,
            to: date(&f.to)?,
            follow_ups: f.follow_ups.unwrap_or(false),
            item: nonempty(f.item),
            state,
            clerk: nonempty(f.clerk),
            id_number: nonempty(f.id_number),
            case_no: nonempty(f.case_no),
            overdue: f.overdue,
            due_by: f.due_within.map(|d| today + Days::new(u64::from(d))),
            held_by: f.held.then(|| self.office.point.clone()),
            limit: Some(f.limit.unwrap_or(500)),
        };
        if f.alerts.unwrap_or(false) {
            return self.alert_rows();
        }
        let mut rows = self.store.ledger(&q, today).map_err(store_err)?;
        if f.held {
            // 交接 offers only paper that may go on a sheet (not a withdrawn case's, which
            // goes back to the applicant).
            let point = self.office.point.clone();
            let mut keep = Vec::new();
            for r in rows {
                let case = self.store.case(&r.case_no).map_err(store_err)?;
                if case.may_hand_over(&point) {
                    keep.push(r);
                }
            }
            rows = keep;
        }
        Ok(rows)
    }
}
