//! The workstation's audit log: who signed in, failed to, was locked out, and what the
//! supervisor changed, exported or backed up. Append-only from the application's side; no
//! applicant's personal data goes in. Each line is chained to the one before by a keyed hash
//! and the newest link is kept apart (`meta.audit_head`), so a line edited, inserted or removed
//! behind the program's back — the newest ones included — is marked when the log is read.

use chrono::NaiveDateTime;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

use crate::{Cipher, Store, StoreError};

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AuditEntry {
    pub at: String,
    pub who: String,
    pub action: String,
    pub detail: Option<String>,
    /// Whether the line is as the program wrote it: `false` when it, or the line before it,
    /// was changed, inserted or removed behind the program's back.
    pub intact: bool,
}

/// A stored line with its link.
struct Line {
    seq: i64,
    entry: AuditEntry,
    chain: Option<Vec<u8>>,
}

fn fields(seq: i64, e: &AuditEntry) -> [String; 5] {
    [
        seq.to_string(),
        e.at.clone(),
        e.who.clone(),
        e.action.clone(),
        e.detail.clone().map_or("\u{0}".into(), |d| format!("+{d}")),
    ]
}

fn link(cipher: &Cipher, previous: &[u8], seq: i64, e: &AuditEntry) -> Vec<u8> {
    let f = fields(seq, e);
    cipher.audit_link(previous, &f.iter().map(String::as_str).collect::<Vec<_>>())
}

fn lines(conn: &Connection) -> Result<Vec<Line>, StoreError> {
    let mut stmt =
        conn.prepare("SELECT seq, at, who, action, detail, chain FROM audit ORDER BY seq")?;
    let rows = stmt.query_map([], |r| {
        Ok(Line {
            seq: r.get(0)?,
            entry: AuditEntry {
                at: r.get(1)?,
                who: r.get(2)?,
                action: r.get(3)?,
                detail: r.get(4)?,
                intact: true,
            },
            chain: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The newest link and its line's sequence, as kept apart from the lines.
fn head(conn: &Connection) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = 'audit_head'", [], |r| {
            r.get(0)
        })
        .optional()?)
}

fn set_head(conn: &Connection, cipher: &Cipher, seq: i64, chain: &[u8]) -> Result<(), StoreError> {
    let value = cipher.audit_link(chain, &["head", &seq.to_string()]);
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('audit_head', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [value],
    )?;
    Ok(())
}

impl Store {
    /// Appends one line, chained to the last (lines of an earlier version, never chained,
    /// are chained first).
    pub fn audit(
        &mut self,
        at: NaiveDateTime,
        who: &str,
        action: &str,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        let cipher = Cipher::clone_of(self.cipher());
        let tx = self.conn_mut().transaction()?;
        let unchained: Vec<Line> = lines(&tx)?
            .into_iter()
            .skip_while(|l| l.chain.is_some())
            .collect();
        let mut previous: Vec<u8> = tx
            .query_row(
                "SELECT chain FROM audit WHERE chain IS NOT NULL ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_default();
        for l in unchained {
            previous = link(&cipher, &previous, l.seq, &l.entry);
            tx.execute(
                "UPDATE audit SET chain = ?2 WHERE seq = ?1",
                params![l.seq, previous],
            )?;
        }
        let entry = AuditEntry {
            at: at.format("%Y-%m-%d %H:%M:%S").to_string(),
            who: who.into(),
            action: action.into(),
            detail: detail.map(String::from),
            intact: true,
        };
        tx.execute(
            "INSERT INTO audit (at, who, action, detail) VALUES (?1, ?2, ?3, ?4)",
            params![entry.at, entry.who, entry.action, entry.detail],
        )?;
        let seq = tx.last_insert_rowid();
        let chain = link(&cipher, &previous, seq, &entry);
        tx.execute(
            "UPDATE audit SET chain = ?2 WHERE seq = ?1",
            params![seq, chain],
        )?;
        set_head(&tx, &cipher, seq, &chain)?;
        tx.commit()?;
        Ok(())
    }

    /// The newest `limit` lines, newest first, each checked against its chain; the newest is
    /// also checked against the head kept apart (lines removed from the end).
    pub fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let cipher = self.cipher();
        let mut all = lines(self.conn())?;
        let mut previous: Vec<u8> = Vec::new();
        for l in &mut all {
            // A line of an earlier version, not chained yet, has no link to check.
            if let Some(c) = &l.chain {
                l.entry.intact = *c == link(cipher, &previous, l.seq, &l.entry);
                previous = c.clone();
            }
        }
        if let (Some(last), Some(h)) = (all.last_mut(), head(self.conn())?) {
            let chain = last.chain.clone().unwrap_or_default();
            if cipher.audit_link(&chain, &["head", &last.seq.to_string()]) != h {
                last.entry.intact = false;
            }
        }
        Ok(all
            .into_iter()
            .rev()
            .take(limit as usize)
            .map(|l| l.entry)
            .collect())
    }
}

impl Store {
    /// The prints of `case_no`'s documents the log holds (打印… / 补打…), oldest first.
    pub fn prints_of(&self, case_no: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT at, who, action, detail FROM audit
             WHERE detail = ?1 AND (action LIKE '打印%' OR action LIKE '补打%') ORDER BY seq",
        )?;
        let rows = stmt.query_map([case_no.trim()], |r| {
            Ok(AuditEntry {
                at: r.get(0)?,
                who: r.get(1)?,
                action: r.get(2)?,
                detail: r.get(3)?,
                intact: true,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
