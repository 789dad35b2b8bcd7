//! The workstation's audit log: who signed in, failed to, was locked out, and what the
//! supervisor changed, exported or backed up. Append-only from the application's side; no
//! applicant's personal data goes in.

use chrono::NaiveDateTime;
use rusqlite::params;
use serde::Serialize;
use ts_rs::TS;

use crate::{Store, StoreError};

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AuditEntry {
    pub at: String,
    pub who: String,
    pub action: String,
    pub detail: Option<String>,
}

impl Store {
    /// Appends one line.
    pub fn audit(
        &mut self,
        at: NaiveDateTime,
        who: &str,
        action: &str,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn_mut().execute(
            "INSERT INTO audit (at, who, action, detail) VALUES (?1, ?2, ?3, ?4)",
            params![
                at.format("%Y-%m-%d %H:%M:%S").to_string(),
                who,
                action,
                detail
            ],
        )?;
        Ok(())
    }

    /// The newest `limit` lines, newest first.
    pub fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT at, who, action, detail FROM audit ORDER BY seq DESC LIMIT ?1")?;
        let rows = stmt.query_map([limit], |r| {
            Ok(AuditEntry {
                at: r.get(0)?,
                who: r.get(1)?,
                action: r.get(2)?,
                detail: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
