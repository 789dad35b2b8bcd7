//! Hand-over sheets (材料交接单) and where each case's paper is: sheets this point sent or
//! that are addressed to it, and the cases of other points whose paper it holds.

use chrono::NaiveDateTime;
use counter_core::case::{Case, CaseEvent, Change, Sheet};
use counter_core::ids::mask_id;
use rusqlite::{params, Connection, TransactionBehavior};
use serde::Serialize;
use ts_rs::TS;

use crate::{apply_change, date_text, next_day_seq, Cipher, Store, StoreError};

/// A sheet just sent: its number and its cases as they left.
#[derive(Debug, Clone)]
pub struct SheetSent {
    pub sheet_no: String,
    pub cases: Vec<Case>,
}

/// A hand-over sheet as the lists show it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SheetRow {
    pub sheet_no: String,
    pub from: String,
    pub to: String,
    #[ts(type = "string")]
    pub sent_at: NaiveDateTime,
    pub sent_by: String,
    #[ts(type = "string | null")]
    pub received_at: Option<NaiveDateTime>,
    pub received_by: Option<String>,
    /// Taken back by the sender before anyone received it.
    #[ts(type = "string | null")]
    pub recalled_at: Option<NaiveDateTime>,
    pub cases: Vec<String>,
    /// Addressed to this point (else sent by it).
    pub incoming: bool,
}

impl SheetRow {
    /// The sheet as the core's rules see it.
    fn rules(&self) -> Sheet<'_> {
        Sheet {
            sheet_no: &self.sheet_no,
            from: &self.from,
            to: &self.to,
            cases: &self.cases,
            received_at: self.received_at,
            recalled_at: self.recalled_at,
        }
    }
}

fn time_text(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Keeps the sheet bookkeeping in step with a hand-over or receipt event, local or not.
pub(crate) fn note_sheet(conn: &Connection, ev: &CaseEvent) -> Result<(), StoreError> {
    match &ev.change {
        Change::HandedOver {
            sheet_no,
            from,
            to,
            sheet,
            ..
        } => {
            conn.execute(
                "INSERT INTO sheets (sheet_no, from_point, to_point, sent_at, sent_by)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sheet_no) DO NOTHING",
                params![sheet_no, from, to, time_text(ev.at), ev.clerk],
            )?;
            for (pos, c) in sheet.iter().enumerate() {
                conn.execute(
                    "INSERT INTO sheet_cases (sheet_no, case_no, pos) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
                    params![sheet_no, c, pos as i64],
                )?;
            }
        }
        Change::HandOverRecalled { sheet_no, .. } => {
            conn.execute(
                "UPDATE sheets SET recalled_at = coalesce(recalled_at, ?2)
                 WHERE sheet_no = ?1 AND received_at IS NULL",
                params![sheet_no, time_text(ev.at)],
            )?;
        }
        Change::HandOverReceived { sheet_no, .. } => {
            conn.execute(
                "UPDATE sheets SET received_at = coalesce(received_at, ?2),
                                   received_by = coalesce(received_by, ?3)
                 WHERE sheet_no = ?1",
                params![sheet_no, time_text(ev.at), ev.clerk],
            )?;
        }
        _ => {}
    }
    Ok(())
}

/// Adds a case: one opened here, or one that arrived with a hand-over from another point.
pub(crate) fn insert_case(
    conn: &Connection,
    cipher: &Cipher,
    case: &Case,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO cases (case_no, point, clerk, catalog, item, item_name, bundle, state,
                            opened_on, id_hash, id_masked, body, due_on, provisional, holder,
                            follow_up_due)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            case.case_no,
            case.point,
            case.clerk,
            case.catalog,
            case.item,
            case.item_name,
            case.bundle,
            case.state.as_str(),
            date_text(case.opened_at.date()),
            cipher.id_hash(case.applicant.id_number()),
            mask_id(case.applicant.id_number()),
            cipher.seal(&serde_json::to_vec(case)?, &case.case_no),
            case.due_in_force().map(date_text),
            case.acceptance.as_ref().is_some_and(|a| a.provisional),
            case.held_by(),
            case.follow_up_due().map(date_text),
        ],
    )?;
    Ok(())
}

impl Store {
    /// 移交: puts `case_nos` on a new hand-over sheet from this point to `to`, all or none.
    pub fn hand_over(
        &mut self,
        case_nos: &[String],
        from: &str,
        to: &str,
        clerk: &str,
        now: NaiveDateTime,
    ) -> Result<SheetSent, StoreError> {
        let mut list: Vec<String> = Vec::new();
        for c in case_nos.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            if !list.iter().any(|l| l == c) {
                list.push(c.to_string());
            }
        }
        if list.is_empty() {
            return Err(StoreError::Input("交接单至少要有一件办件".into()));
        }
        self.check_not_restored()?;
        let cipher = Cipher::clone_of(self.cipher());
        let window = self.window()?;
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let key = crate::numbering::counter_key(&format!("JJ-{from}"), window);
        let seq = next_day_seq(&tx, &key, now.date())?;
        let sheet_no = match window {
            1 => format!("JJ-{from}-{}-{seq:02}", now.format("%Y%m%d")),
            w => format!("JJ-{from}-{}-{w}-{seq:02}", now.format("%Y%m%d")),
        };
        let mut cases = Vec::new();
        for no in &list {
            let (case, _) = apply_change(&tx, &cipher, no, |c| {
                c.hand_over(&sheet_no, &list, from, to, clerk, now)
            })?;
            cases.push(case);
        }
        tx.commit()?;
        tracing::info!(%sheet_no, to, cases = cases.len(), "hand-over sheet sent");
        Ok(SheetSent { sheet_no, cases })
    }

    /// 接收: this point confirms the paper of sheet `sheet_no` arrived; `notes` are
    /// (case number, material key, 缺失/破损…) for what did not arrive whole. All or none.
    pub fn receive_sheet(
        &mut self,
        sheet_no: &str,
        at_point: &str,
        notes: &[(String, String, String)],
        clerk: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<Case>, StoreError> {
        let sheet = self.sheet(sheet_no, at_point)?;
        sheet.rules().check_receive(at_point, notes)?;
        let cipher = Cipher::clone_of(self.cipher());
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::new();
        for no in &sheet.cases {
            let mine: Vec<(String, String)> = notes
                .iter()
                .filter(|(c, _, _)| c == no)
                .map(|(_, key, note)| (key.clone(), note.clone()))
                .collect();
            let (case, _) = apply_change(&tx, &cipher, no, |c| {
                c.receive(&sheet.sheet_no, at_point, &mine, clerk, now)
            })
            .map_err(|e| match e {
                StoreError::NotFound(_) => StoreError::Input(format!(
                    "交接单 {} 上的办件 {no} 尚未同步到本机，请先同步再接收",
                    sheet.sheet_no
                )),
                e => e,
            })?;
            out.push(case);
        }
        tx.commit()?;
        tracing::info!(sheet_no = %sheet.sheet_no, cases = out.len(), "hand-over sheet received");
        Ok(out)
    }

    /// 撤回: this point takes back a sheet it sent that nobody has received (a wrong office
    /// code, paper that never left). All or none.
    pub fn recall_sheet(
        &mut self,
        sheet_no: &str,
        point: &str,
        reason: Option<&str>,
        clerk: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<Case>, StoreError> {
        let sheet = self.sheet(sheet_no, point)?;
        sheet.rules().check_recall(point)?;
        let cipher = Cipher::clone_of(self.cipher());
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::new();
        for no in &sheet.cases {
            let (case, _) = apply_change(&tx, &cipher, no, |c| {
                c.recall(&sheet.sheet_no, point, reason, clerk, now)
            })?;
            out.push(case);
        }
        tx.commit()?;
        tracing::info!(sheet_no = %sheet.sheet_no, cases = out.len(), "hand-over sheet recalled");
        Ok(out)
    }

    /// One sheet, by its number (as typed or scanned), as point `me` sees it.
    pub fn sheet(&self, sheet_no: &str, me: &str) -> Result<SheetRow, StoreError> {
        self.sheet_rows("WHERE s.sheet_no = ?1", sheet_no.trim(), me)?
            .pop()
            .ok_or_else(|| {
                StoreError::Input(format!(
                    "未找到交接单 {}（对方移交后请先同步）",
                    sheet_no.trim()
                ))
            })
    }

    /// A sheet with its cases, in sheet order (a case not yet synced here is left out).
    pub fn sheet_cases(
        &self,
        sheet_no: &str,
        me: &str,
    ) -> Result<(SheetRow, Vec<Case>), StoreError> {
        let sheet = self.sheet(sheet_no, me)?;
        let mut cases = Vec::new();
        for no in &sheet.cases {
            match self.case(no) {
                Ok(c) => cases.push(c),
                Err(StoreError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok((sheet, cases))
    }

    /// Sheets sent by `point` or addressed to it, newest first; `pending`: not yet received.
    pub fn sheets(&self, point: &str, pending: bool) -> Result<Vec<SheetRow>, StoreError> {
        let filter = if pending {
            "WHERE (s.from_point = ?1 OR s.to_point = ?1) AND s.received_at IS NULL
               AND s.recalled_at IS NULL"
        } else {
            "WHERE (s.from_point = ?1 OR s.to_point = ?1)"
        };
        self.sheet_rows(filter, point, point)
    }

    fn sheet_rows(&self, filter: &str, arg: &str, me: &str) -> Result<Vec<SheetRow>, StoreError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT s.sheet_no, s.from_point, s.to_point, s.sent_at, s.sent_by, s.received_at,
                    s.received_by, s.recalled_at,
                    (SELECT group_concat(case_no, ',') FROM
                       (SELECT case_no FROM sheet_cases c WHERE c.sheet_no = s.sheet_no ORDER BY pos))
             FROM sheets s {filter} ORDER BY s.sent_at DESC, s.sheet_no DESC"
        ))?;
        let time = |r: &rusqlite::Row, i: usize| -> rusqlite::Result<Option<NaiveDateTime>> {
            Ok(r.get::<_, Option<String>>(i)?
                .and_then(|t| NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S").ok()))
        };
        let rows = stmt.query_map([arg], |r| {
            let to: String = r.get(2)?;
            Ok(SheetRow {
                sheet_no: r.get(0)?,
                from: r.get(1)?,
                incoming: to == me,
                to,
                sent_at: time(r, 3)?.unwrap_or_default(),
                sent_by: r.get(4)?,
                received_at: time(r, 5)?,
                received_by: r.get(6)?,
                recalled_at: time(r, 7)?,
                cases: r
                    .get::<_, Option<String>>(8)?
                    .map(|s| s.split(',').map(str::to_string).collect())
                    .unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
