//! Intake: opening a case, answering its questions and ticking what was handed over.

use chrono::{NaiveDate, NaiveDateTime};

use crate::calendar::Calendar;
use crate::catalog::{Catalog, Item};
use crate::ids;

use super::record::*;
use super::rules::*;
use super::values::*;

impl Case {
    /// Opens a case in `draft`, validating the applicant, the agent and the answers.
    pub fn open(
        req: OpenCase,
        catalog: &Catalog,
        now: NaiveDateTime,
    ) -> Result<(Case, CaseEvent), CaseError> {
        let item = catalog
            .case_item(&req.item)
            .ok_or_else(|| CaseError::UnknownItem {
                catalog: catalog.header.id.clone(),
                item: req.item.clone(),
            })?;
        let item = &*item;
        let today = now.date();
        let applicant = match &req.applicant {
            Applicant::Person(p) => Applicant::Person(check_person(p, today)?),
            Applicant::Unit {
                name,
                credit_code,
                phone,
            } => Applicant::Unit {
                name: check_name("单位名称", name)?,
                credit_code: ids::validate_credit_code(credit_code)
                    .map_err(|e| CaseError::InvalidInput(e.to_string()))?,
                phone: check_phone(phone)?,
            },
        };
        let agent = req
            .agent
            .as_ref()
            .map(|a| check_person(a, today))
            .transpose()?;
        let q = questions(catalog, item);
        check_answers(&q, &req.answers)?;
        let point = check_name("网点代码", &req.point)?;
        let clerk = check_name("经办人", &req.clerk)?;
        let mut checklist = required_materials(catalog, item, &req.answers, agent.is_some());
        if req.assisted.is_some() {
            checklist.push(super::custody::authorisation());
        }
        let checklist = checklist
            .into_iter()
            .map(|material| ChecklistEntry {
                material,
                status: MaterialStatus::Missing,
            })
            .collect();
        let case = Case {
            case_no: req.case_no,
            catalog: catalog.header.id.clone(),
            edition: catalog.header.edition.clone(),
            revision: Some(catalog.revision.clone()),
            item: item.code.clone(),
            item_name: item.name.clone(),
            bundle: catalog.bundle(&req.item).map(|b| b.code.clone()),
            applicant,
            agent,
            point,
            clerk,
            opened_at: now,
            state: CaseState::Draft,
            answers: req.answers,
            checklist,
            notice: None,
            refusal: None,
            acceptance: None,
            completed_at: None,
            completed_by: None,
            omissions: Vec::new(),
            reason: None,
            custody: Vec::new(),
            ratings: Vec::new(),
            assisted: req.assisted.clone(),
        };
        let ev = case.event(
            now,
            Change::Opened {
                catalog: case.catalog.clone(),
                edition: case.edition.clone(),
                revision: case.revision.clone(),
                item: case.item.clone(),
                point: case.point.clone(),
                applicant: Box::new(case.applicant.clone()),
                agent: case.agent.clone().map(Box::new),
                answers: case.answers.clone(),
                assisted: case.assisted.clone(),
                card_read: req.card_read,
            },
        );
        Ok((case, ev))
    }

    pub(super) fn item<'a>(
        &self,
        catalog: &'a Catalog,
    ) -> Result<std::borrow::Cow<'a, Item>, CaseError> {
        catalog
            .case_item(&self.item)
            .ok_or_else(|| CaseError::UnknownItem {
                catalog: catalog.header.id.clone(),
                item: self.item.clone(),
            })
    }

    /// Recomputes the checklist from the answers, keeping what was already settled; after a
    /// notice, a newly required material that the notice did not list is a 告知遗漏.
    pub(super) fn recompute(
        &mut self,
        catalog: &Catalog,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        let item = self.item(catalog)?;
        let item = &*item;
        let mut required = required_materials(catalog, item, &self.answers, self.agent.is_some());
        if self.assisted.is_some() {
            required.push(super::custody::authorisation());
        }
        let old = std::mem::take(&mut self.checklist);
        self.checklist = required
            .into_iter()
            .map(|material| {
                let status = old
                    .iter()
                    .find(|e| e.material.key == material.key)
                    .map_or(MaterialStatus::Missing, |e| e.status.clone());
                ChecklistEntry { material, status }
            })
            .collect();
        Ok(self.record_omissions(now))
    }

    pub(super) fn record_omissions(&mut self, now: NaiveDateTime) -> Vec<CaseEvent> {
        let Some(notice) = &self.notice else {
            return Vec::new();
        };
        let fresh: Vec<(String, String)> = self
            .checklist
            .iter()
            .filter(|e| e.status == MaterialStatus::Missing && !e.material.optional)
            .filter(|e| !notice.missing.iter().any(|m| m.key == e.material.key))
            .filter(|e| !self.omissions.iter().any(|o| o.key == e.material.key))
            .map(|e| (e.material.key.clone(), e.material.name.clone()))
            .collect();
        fresh
            .into_iter()
            .map(|(key, name)| {
                self.omissions.push(Omission {
                    at: now,
                    key: key.clone(),
                    name: name.clone(),
                });
                self.event(now, Change::Omission { key, name })
            })
            .collect()
    }

    /// Records an answer to a situation question; the checklist follows.
    pub fn answer(
        &mut self,
        catalog: &Catalog,
        situation: &str,
        answer: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Draft], "修改情形")?;
        let item = self.item(catalog)?;
        let item = &*item;
        check_answer(&questions(catalog, item), situation, answer)?;
        self.answers
            .insert(situation.to_string(), answer.to_string());
        let mut evs = vec![self.event(
            now,
            Change::Answered {
                situation: situation.to_string(),
                answer: answer.to_string(),
            },
        )];
        evs.extend(self.recompute(catalog, now)?);
        Ok(evs)
    }

    /// The checklist entry of material `key`, or an error listing the keys there are.
    pub(crate) fn entry(&self, key: &str) -> Result<&ChecklistEntry, CaseError> {
        self.checklist
            .iter()
            .find(|e| e.material.key == key)
            .ok_or_else(|| CaseError::UnknownMaterial {
                key: key.to_string(),
                keys: self
                    .checklist
                    .iter()
                    .map(|e| e.material.key.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
            })
    }

    pub(super) fn entry_mut(&mut self, key: &str) -> Result<&mut ChecklistEntry, CaseError> {
        self.entry(key)?;
        Ok(self
            .checklist
            .iter_mut()
            .find(|e| e.material.key == key)
            .expect("found above"))
    }

    /// The paper received for this case (every material handed over on paper, with the
    /// option that was given): what travels on a hand-over sheet.
    pub fn received_materials(
        &self,
    ) -> impl Iterator<Item = (&ChecklistEntry, Form, u32, Option<&str>)> {
        self.checklist.iter().filter_map(|e| match &e.status {
            MaterialStatus::Received {
                form,
                copies,
                option,
            } if *form != Form::Electronic => Some((e, *form, *copies, option.as_deref())),
            _ => None,
        })
    }

    /// Ticks a material as received. In an accepted case only a deferred material may still
    /// arrive (容缺补齐).
    pub fn tick(
        &mut self,
        key: &str,
        form: Form,
        copies: u32,
        option: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        let accepted = matches!(
            self.state,
            CaseState::Accepted | CaseState::InReview | CaseState::Returned
        );
        if !accepted {
            self.require(&[CaseState::Draft], "登记材料")?;
        }
        if copies == 0 || copies > 99 {
            return Err(CaseError::InvalidInput("份数应为1至99".into()));
        }
        let entry = self.entry_mut(key)?;
        if accepted && !matches!(entry.status, MaterialStatus::Deferred { .. }) {
            return Err(CaseError::InvalidInput(format!(
                "办件已受理，只能补交容缺材料；“{}”不是容缺材料",
                entry.material.name
            )));
        }
        let option = match option {
            None => None,
            Some(o) if entry.material.any_of.is_empty() => {
                let _ = o;
                return Err(CaseError::NotAnyOf {
                    name: entry.material.name.clone(),
                });
            }
            Some(o) => {
                let o = o.trim();
                if !entry.material.any_of.iter().any(|x| x == o) {
                    return Err(CaseError::UnknownOption {
                        name: entry.material.name.clone(),
                        option: o.to_string(),
                        options: entry.material.any_of.join("、"),
                    });
                }
                Some(o.to_string())
            }
        };
        entry.status = MaterialStatus::Received {
            form,
            copies,
            option: option.clone(),
        };
        Ok(vec![self.event(
            now,
            Change::Ticked {
                key: key.to_string(),
                form,
                copies,
                option,
            },
        )])
    }

    pub fn untick(&mut self, key: &str, now: NaiveDateTime) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Draft], "撤销材料登记")?;
        self.entry_mut(key)?.status = MaterialStatus::Missing;
        let mut evs = vec![self.event(
            now,
            Change::Unticked {
                key: key.to_string(),
            },
        )];
        evs.extend(self.record_omissions(now));
        Ok(evs)
    }

    /// 容缺: the material follows by `deadline`, which may not fall after the date the case
    /// would be due if accepted today.
    pub fn defer(
        &mut self,
        catalog: &Catalog,
        calendar: &Calendar,
        key: &str,
        deadline: NaiveDate,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Draft], "容缺")?;
        let item = self.item(catalog)?;
        let item = &*item;
        let limit = time_limit(catalog, item, &self.answers);
        let entry = self.entry_mut(key)?;
        if !entry.material.deferrable {
            return Err(CaseError::NotDeferrable(entry.material.name.clone()));
        }
        let latest = match limit {
            Some((TimeLimitKind::WorkingDays, Some(d))) => Some(
                calendar
                    .due(now.date(), d)
                    .map_err(|e| CaseError::Calendar(e.to_string()))?
                    .due,
            ),
            Some((TimeLimitKind::Immediate, _)) => Some(now.date()),
            _ => None,
        };
        if deadline < now.date() || latest.is_some_and(|l| deadline > l) {
            return Err(CaseError::BadDeadline {
                deadline,
                due: latest.map_or("—".into(), |d| d.to_string()),
            });
        }
        entry.status = MaterialStatus::Deferred { deadline };
        Ok(vec![self.event(
            now,
            Change::Deferred {
                key: key.to_string(),
                deadline,
            },
        )])
    }

    /// 告知承诺: a signed promise replaces the material where the catalog allows it.
    pub fn promise(&mut self, key: &str, now: NaiveDateTime) -> Result<Vec<CaseEvent>, CaseError> {
        self.require(&[CaseState::Draft], "告知承诺")?;
        let entry = self.entry_mut(key)?;
        if !entry.material.promise {
            return Err(CaseError::NoPromise(entry.material.name.clone()));
        }
        entry.status = MaterialStatus::Promised;
        Ok(vec![self.event(
            now,
            Change::Promised {
                key: key.to_string(),
            },
        )])
    }

    /// Required materials not yet received, deferred or promised.
    pub fn missing(&self) -> Vec<&RequiredMaterial> {
        self.checklist
            .iter()
            .filter(|e| !e.material.optional && !e.status.settled())
            .map(|e| &e.material)
            .collect()
    }

    pub(super) fn check_answered(&self, catalog: &Catalog) -> Result<(), CaseError> {
        let item = self.item(catalog)?;
        let item = &*item;
        let open = unanswered(catalog, item, &self.answers);
        if open.is_empty() {
            Ok(())
        } else {
            Err(CaseError::Unanswered(open.join("、")))
        }
    }

    pub(super) fn check_complete(&self) -> Result<(), CaseError> {
        let missing = self.missing();
        if missing.is_empty() {
            Ok(())
        } else {
            let deferrable = missing.iter().any(|m| m.deferrable);
            Err(CaseError::MaterialsMissing(
                missing
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
                if deferrable {
                    "请收齐，或对可容缺的材料按 F7 容缺，或按 F9 出具一次性告知书"
                } else {
                    "请收齐，或按 F9 出具一次性告知书"
                },
            ))
        }
    }
}
