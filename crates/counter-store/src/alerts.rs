//! Which alerts at the window have been opened (schema 12): the rule of what alerts is the
//! core's (`counter_core::alerts`); the store remembers only what a clerk has seen.

use rusqlite::{params, OptionalExtension};

use crate::{Store, StoreError};

impl Store {
    /// Whether the alert `kind` of `case_no`, made by `mark`, has been opened here.
    pub fn alert_seen(&self, case_no: &str, kind: &str, mark: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = self
            .conn()
            .query_row(
                "SELECT 1 FROM alerts_seen WHERE case_no = ?1 AND kind = ?2 AND mark = ?3",
                params![case_no, kind, self.cipher().id_hash(mark)],
                |r| r.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }

    /// The alert has been opened: it is no longer shown.
    pub fn mark_alert_seen(
        &self,
        case_no: &str,
        kind: &str,
        mark: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR IGNORE INTO alerts_seen (case_no, kind, mark, seen_at) VALUES (?1, ?2, ?3, ?4)",
            params![case_no, kind, self.cipher().id_hash(mark), at],
        )?;
        Ok(())
    }
}
