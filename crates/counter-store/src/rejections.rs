//! What the central server refused, kept with its reason: an acknowledged event leaves the
//! outbox, but the refusal stays visible on the case, on its hand-over sheet and in the sync
//! status until someone has dealt with it.

use counter_core::case::{CaseEvent, Change};
use counter_core::proto::Rejected;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::{Store, StoreError};

/// One refused event, as the clerk reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Rejection {
    pub case_no: String,
    /// The event's kind (`handed_over`, `opened`, …).
    pub kind: String,
    /// What was refused, in words (移交, 受理, …).
    pub title: String,
    pub sheet_no: Option<String>,
    pub reason: String,
    /// When this workstation learnt of it (shown, never used to order).
    pub at: String,
}

impl Store {
    /// Keeps the server's rejections of this device's events (once each).
    pub fn record_rejections(&mut self, rejected: &[Rejected], at: &str) -> Result<(), StoreError> {
        for r in rejected {
            let row: Option<(String, String, Vec<u8>)> = self
                .conn()
                .query_row(
                    "SELECT case_no, kind, body FROM events WHERE wire_seq = ?1",
                    [r.seq],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            let (case_no, kind, title, sheet_no) = match row {
                Some((case_no, kind, body)) => {
                    let plain = self.cipher().open(&body, &case_no)?;
                    let ev: CaseEvent = serde_json::from_slice(&plain)?;
                    let sheet = match &ev.change {
                        Change::HandedOver { sheet_no, .. }
                        | Change::HandOverReceived { sheet_no, .. }
                        | Change::HandOverRecalled { sheet_no, .. } => Some(sheet_no.clone()),
                        _ => None,
                    };
                    (case_no, kind, ev.change.title().to_string(), sheet)
                }
                None => (r.case_no.clone(), String::new(), "变更".to_string(), None),
            };
            self.conn_mut().execute(
                "INSERT OR REPLACE INTO rejections (wire_seq, case_no, kind, title, sheet_no, reason, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![r.seq, case_no, kind, title, sheet_no, r.reason, at],
            )?;
        }
        Ok(())
    }

    /// The refusals kept, newest first; of one case when `case_no` is given.
    pub fn rejections(&self, case_no: Option<&str>) -> Result<Vec<Rejection>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT case_no, kind, title, sheet_no, reason, at FROM rejections
             WHERE ?1 IS NULL OR case_no = ?1 ORDER BY wire_seq DESC",
        )?;
        let rows = stmt.query_map([case_no], |r| {
            Ok(Rejection {
                case_no: r.get(0)?,
                kind: r.get(1)?,
                title: r.get(2)?,
                sheet_no: r.get(3)?,
                reason: r.get(4)?,
                at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Why the central server refused the hand-over on sheet `sheet_no`, if it did.
    pub fn sheet_rejection(&self, sheet_no: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT reason FROM rejections WHERE sheet_no = ?1 ORDER BY wire_seq DESC LIMIT 1",
                [sheet_no],
                |r| r.get(0),
            )
            .optional()?)
    }
}
