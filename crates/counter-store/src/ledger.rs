//! The ledger (台账): the queries a supervisor runs — by date, item, state, clerk, ID number,
//! case number; overdue and due soon. ID numbers come back masked.

use chrono::NaiveDate;
use counter_core::case::{Case, CaseState};
use rusqlite::types::Value;
use serde::Serialize;
use ts_rs::TS;

use crate::{date_text, Store, StoreError};

/// Filters; all given ones must hold. `today` decides what is overdue.
#[derive(Debug, Clone, Default)]
pub struct LedgerQuery {
    pub date: Option<NaiveDate>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub item: Option<String>,
    pub state: Option<CaseState>,
    pub clerk: Option<String>,
    pub id_number: Option<String>,
    pub case_no: Option<String>,
    /// Open cases whose due date has passed.
    pub overdue: bool,
    /// Open cases due from today up to this date.
    pub due_by: Option<NaiveDate>,
    /// Cases whose paper this point holds now (not in transit, not handed back).
    pub held_by: Option<String>,
    /// Cases with a 差评 awaiting the supervisor's reply.
    pub follow_ups: bool,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct LedgerRow {
    pub case_no: String,
    pub opened_on: String,
    pub item: String,
    pub item_name: String,
    pub state: CaseState,
    #[ts(type = "string")]
    pub state_label: &'static str,
    pub clerk: String,
    pub applicant: String,
    pub id_masked: String,
    pub due: Option<String>,
    pub provisional: bool,
    pub overdue: bool,
    /// The point holding the paper, when one does.
    pub holder: Option<String>,
    /// Due date of a 差评's follow-up not yet answered.
    pub follow_up_due: Option<String>,
}

const WAITING: &str = "('accepted', 'in_review', 'returned')";

impl Store {
    /// Every case opened from `from` to `to` (both included), for the period's figures.
    pub fn cases_opened(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<counter_core::case::Case>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT case_no, body FROM cases WHERE opened_on BETWEEN ?1 AND ?2 ORDER BY opened_on, case_no",
        )?;
        let rows = stmt.query_map([crate::date_text(from), crate::date_text(to)], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (case_no, body) = row?;
            out.push(serde_json::from_slice(
                &self.cipher().open(&body, &case_no)?,
            )?);
        }
        Ok(out)
    }
}

impl Store {
    pub fn ledger(&self, q: &LedgerQuery, today: NaiveDate) -> Result<Vec<LedgerRow>, StoreError> {
        let mut sql = String::from(
            "SELECT case_no, opened_on, item, item_name, state, clerk, id_masked, due_on,
                    provisional, body, holder, follow_up_due FROM cases WHERE 1 = 1",
        );
        let mut args: Vec<Value> = Vec::new();
        let mut cond = |sql_part: &str, v: Value| {
            args.push(v);
            sql.push_str(&sql_part.replace('?', &format!("?{}", args.len())));
        };
        if let Some(d) = q.date {
            cond(" AND opened_on = ?", Value::Text(date_text(d)));
        }
        if let Some(d) = q.from {
            cond(" AND opened_on >= ?", Value::Text(date_text(d)));
        }
        if let Some(d) = q.to {
            cond(" AND opened_on <= ?", Value::Text(date_text(d)));
        }
        if let Some(i) = &q.item {
            cond(" AND item = ?", Value::Text(i.trim().into()));
        }
        if let Some(s) = q.state {
            cond(" AND state = ?", Value::Text(s.as_str().into()));
        }
        if let Some(c) = &q.clerk {
            cond(" AND clerk = ?", Value::Text(c.trim().into()));
        }
        if let Some(n) = &q.id_number {
            cond(" AND id_hash = ?", Value::Blob(self.cipher().id_hash(n)));
        }
        if let Some(n) = &q.case_no {
            cond(" AND case_no = ?", Value::Text(n.trim().into()));
        }
        if q.overdue {
            cond(
                &format!(" AND state IN {WAITING} AND due_on < ?"),
                Value::Text(date_text(today)),
            );
        }
        if let Some(by) = q.due_by {
            cond(
                &format!(" AND state IN {WAITING} AND due_on >= ?"),
                Value::Text(date_text(today)),
            );
            cond(" AND due_on <= ?", Value::Text(date_text(by)));
        }
        if let Some(p) = &q.held_by {
            cond(" AND holder = ?", Value::Text(p.trim().into()));
        }
        if q.follow_ups {
            sql.push_str(" AND follow_up_due IS NOT NULL");
        }
        sql.push_str(" ORDER BY opened_on DESC, case_no DESC");
        if let Some(l) = q.limit {
            sql.push_str(&format!(" LIMIT {l}"));
        }
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, bool>(8)?,
                r.get::<_, Vec<u8>>(9)?,
                r.get::<_, Option<String>>(10)?,
                r.get::<_, Option<String>>(11)?,
            ))
        })?;
        let today_text = date_text(today);
        let mut out = Vec::new();
        for row in rows {
            let (
                case_no,
                opened_on,
                item,
                item_name,
                state,
                clerk,
                id_masked,
                due,
                provisional,
                body,
                holder,
                follow_up_due,
            ) = row?;
            let case: Case = serde_json::from_slice(&self.cipher().open(&body, &case_no)?)?;
            let state = CaseState::parse(&state).unwrap_or(case.state);
            let overdue = matches!(
                state,
                CaseState::Accepted | CaseState::InReview | CaseState::Returned
            ) && due.as_deref().is_some_and(|d| d < today_text.as_str());
            out.push(LedgerRow {
                case_no,
                opened_on,
                item,
                item_name,
                state,
                state_label: state.label(),
                clerk,
                applicant: case.applicant.name().to_string(),
                id_masked,
                due,
                provisional,
                overdue,
                holder,
                follow_up_due,
            });
        }
        Ok(out)
    }
}
