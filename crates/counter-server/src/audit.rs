//! The audit log: who signed in, decided, exported, or looked at an applicant's unmasked data
//! at the centre, and when. Written in the same transaction as what it records; its detail
//! (which may name an applicant) is sealed like the rest, bound to its entry.

use serde::Serialize;

use crate::db::Exec;
use crate::seal::{self, Place};
use crate::{Central, ServerFailure};

/// One entry, as auditors read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub who: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: Option<String>,
}

/// Records an action by `who` now.
pub(crate) fn record(
    t: &mut dyn Exec,
    who: &str,
    action: &str,
    subject: Option<&str>,
    detail: Option<&str>,
) -> Result<(), ServerFailure> {
    let at = crate::unix_now();
    let place = Place::Audit {
        at,
        who,
        action,
        subject: subject.unwrap_or(""),
    };
    let detail = detail.map(|d| seal::seal(t, place, d));
    t.exec(
        "INSERT INTO audit (at, who, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        &[
            at.into(),
            who.into(),
            action.into(),
            subject.into(),
            detail.into(),
        ],
    )?;
    Ok(())
}

impl Central {
    /// The latest `limit` entries, newest first.
    pub fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, ServerFailure> {
        self.tx(|t| {
            let rows = t.rows(
                "SELECT id, at, who, action, subject, detail FROM audit ORDER BY id DESC LIMIT ?1",
                &[i64::from(limit).into()],
            )?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let (at, who, action, subject) = (
                    r.get("at").int()?,
                    r.get("who").text().unwrap_or_default(),
                    r.get("action").text().unwrap_or_default(),
                    r.get("subject").text(),
                );
                let place = Place::Audit {
                    at,
                    who: &who,
                    action: &action,
                    subject: subject.as_deref().unwrap_or(""),
                };
                let detail = match r.get("detail").text() {
                    Some(d) => Some(seal::open(t, place, &d)?),
                    None => None,
                };
                out.push(AuditEntry {
                    id: r.get("id").int()?,
                    at,
                    who,
                    action,
                    subject,
                    detail,
                });
            }
            Ok(out)
        })
    }
}
