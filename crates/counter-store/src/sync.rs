//! What the store keeps for syncing: the device's enrolment, the pull cursor, the outbox in
//! wire form, and the central office's changes applied in one transaction with the cursor.

use chrono::NaiveDateTime;
use counter_core::case::{Change, Decision};
use counter_core::proto::{RemoteChange, RemoteStatus, WireEvent};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::{append, load_case, write_case, Store, StoreError};

/// The device's link to the central server.
#[derive(Debug, Clone)]
pub struct SyncLink {
    pub server: String,
    pub device_id: String,
    pub key: String,
    pub point: String,
    pub cursor: i64,
}

/// A catalog or calendar received from the central server, as kept (signature verified again
/// whenever it is loaded).
#[derive(Debug, Clone)]
pub struct KeptSnapshot {
    pub kind: String,
    pub id: String,
    pub version: i64,
    pub text: String,
    pub signature: Option<String>,
}

/// What `counter sync status` shows.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SyncState {
    pub enrolled: bool,
    #[ts(type = "number")]
    pub pending: i64,
    pub last_success: Option<String>,
    /// The last failure in words (cleared by a success).
    pub last_error: Option<String>,
    /// Events the central server refused and nobody has dealt with yet (kept with their
    /// reasons: `Store::rejections`).
    #[ts(type = "number")]
    pub rejected: i64,
    /// The central server this device is enrolled with.
    pub server: Option<String>,
    /// What the background sync does next, in words (the workstation fills it in).
    pub auto: Option<String>,
}

impl Store {
    pub fn set_enrollment(
        &mut self,
        server: &str,
        device_id: &str,
        key: &str,
        point: &str,
    ) -> Result<(), StoreError> {
        let sealed = self.cipher().seal(key.as_bytes(), "device_key");
        self.conn_mut().execute(
            "INSERT INTO sync_state (id, server, device_id, device_key, point) VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET server = excluded.server, device_id = excluded.device_id,
               device_key = excluded.device_key, point = excluded.point, cursor = 0",
            params![server, device_id, sealed, point],
        )?;
        Ok(())
    }

    /// The point's registration on the central server: its level (A–E) and office name.
    pub fn set_registration(
        &mut self,
        level: Option<&str>,
        name: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn_mut().execute(
            "UPDATE sync_state SET level = ?1, office_name = ?2 WHERE id = 1",
            params![level, name],
        )?;
        Ok(())
    }

    /// The office settings with what the central registration says of this point (its code,
    /// level and name), which wins over local settings once the device is enrolled.
    pub fn registered_office(
        &self,
        mut office: counter_core::settings::PointSettings,
    ) -> Result<counter_core::settings::PointSettings, StoreError> {
        if let Some(link) = self.sync_link()? {
            office.point = link.point;
        }
        office.window = self.window()?;
        let (level, name) = self.registration()?;
        if let Some(l) = level.and_then(|l| serde_json::from_value(serde_json::json!(l)).ok()) {
            office.level = Some(l);
        }
        if let Some(n) = name.filter(|n| !n.trim().is_empty()) {
            office.name = n;
        }
        Ok(office)
    }

    /// (level, office name) from the central registration, when enrolled.
    pub fn registration(&self) -> Result<(Option<String>, Option<String>), StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT level, office_name FROM sync_state WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or((None, None)))
    }

    /// The central signing key (hex) that catalogs and calendars must be signed with.
    pub fn server_key(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT server_key FROM sync_state WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }

    /// The version kept of a received snapshot (0: none).
    pub fn snapshot_version(&self, kind: &str, id: &str) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT version FROM snapshots WHERE kind = ?1 AND id = ?2 AND signature IS NOT NULL",
                [kind, id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// Keeps a verified snapshot with its signature (the caller checked both and that it is
    /// newer); loading verifies it again.
    pub fn save_snapshot(
        &mut self,
        kind: &str,
        id: &str,
        version: i64,
        text: &str,
        signature: &str,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO snapshots (kind, id, version, text, signature) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version, text = excluded.text,
               signature = excluded.signature",
            params![kind, id, version, text, signature],
        )?;
        // A catalog edition stays available for the cases opened under it.
        if kind == "catalog" {
            tx.execute(
                "INSERT INTO catalog_history (id, version, text, signature) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id, version) DO UPDATE SET signature = excluded.signature",
                params![id, version, text, signature],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Received snapshots: (kind, id, version, text).
    /// Received snapshots as kept.
    pub fn snapshots(&self) -> Result<Vec<KeptSnapshot>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT kind, id, version, text, signature FROM snapshots ORDER BY kind, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(KeptSnapshot {
                kind: r.get(0)?,
                id: r.get(1)?,
                version: r.get(2)?,
                text: r.get(3)?,
                signature: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn sync_link(&self) -> Result<Option<SyncLink>, StoreError> {
        let row: Option<(String, String, Vec<u8>, String, i64)> = self
            .conn()
            .query_row(
                "SELECT server, device_id, device_key, point, cursor FROM sync_state WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        row.map(|(server, device_id, key, point, cursor)| {
            let key = String::from_utf8(self.cipher().open(&key, "device_key")?)
                .map_err(|_| StoreError::Decrypt("device_key".into()))?;
            Ok(SyncLink {
                server,
                device_id,
                key,
                point,
                cursor,
            })
        })
        .transpose()
    }

    pub fn sync_state(&self) -> Result<SyncState, StoreError> {
        let row: Option<(Option<String>, Option<String>, Option<String>)> = self
            .conn()
            .query_row(
                "SELECT last_success, last_error, server FROM sync_state WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        // A refused hand-over stops counting once its sheet is recalled (the clerk dealt
        // with it); the refusal stays on the case and the sheet.
        let rejected = self.conn().query_row(
            "SELECT count(*) FROM rejections r WHERE NOT EXISTS
               (SELECT 1 FROM sheets s WHERE s.sheet_no = r.sheet_no AND s.recalled_at IS NOT NULL)",
            [],
            |r| r.get(0),
        )?;
        Ok(SyncState {
            enrolled: row.is_some(),
            pending: self.outbox_len()?,
            last_success: row.as_ref().and_then(|r| r.0.clone()),
            last_error: row.as_ref().and_then(|r| r.1.clone()),
            rejected,
            server: row.and_then(|r| r.2),
            auto: None,
        })
    }

    /// Records the outcome of a sync run (`at` is shown to people, never used to order).
    pub fn record_sync(&mut self, at: &str, error: Option<&str>) -> Result<(), StoreError> {
        match error {
            None => self.conn_mut().execute(
                "UPDATE sync_state SET last_success = ?1, last_error = NULL WHERE id = 1",
                [at],
            )?,
            Some(e) => self.conn_mut().execute(
                "UPDATE sync_state SET last_error = ?1 WHERE id = 1",
                [format!("{at} {e}")],
            )?,
        };
        Ok(())
    }

    /// The oldest `limit` events not yet acknowledged, in sequence order.
    pub fn outbox_batch(&self, limit: u32) -> Result<Vec<WireEvent>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT e.wire_seq, e.id, e.case_no, e.body FROM outbox o JOIN events e ON e.seq = o.seq
             ORDER BY e.wire_seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, id, case_no, body) = row?;
            let plain = self.cipher().open(&body, &case_no)?;
            out.push(WireEvent {
                seq,
                id,
                case_no,
                event: serde_json::from_slice(&plain)?,
            });
        }
        Ok(out)
    }

    /// Deletes from the outbox what the server acknowledged — and only that.
    pub fn ack_outbox(&mut self, through: i64) -> Result<usize, StoreError> {
        Ok(self
            .conn_mut()
            .execute(
                "DELETE FROM outbox WHERE seq IN
                   (SELECT o.seq FROM outbox o JOIN events e ON e.seq = o.seq WHERE e.wire_seq <= ?1)",
                [through],
            )?)
    }

    /// Applies the central office's changes and the new cursor in one transaction, each
    /// decision through the case rules (`Case::apply_decision`) with its own time — or
    /// `pulled_at` from a server too old to send one. A change that no longer fits the case
    /// (already applied, unknown here, refused by the rules) is skipped and logged, so pulling
    /// the same changes twice changes nothing.
    pub fn apply_remote(
        &mut self,
        changes: &[RemoteChange],
        cursor: i64,
        pulled_at: NaiveDateTime,
        me: &str,
    ) -> Result<usize, StoreError> {
        let my_point = self.sync_link()?.map(|l| l.point);
        let cipher = crate::Cipher::clone_of(self.cipher());
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut applied = 0;
        for ch in changes {
            if ch.status == RemoteStatus::Event {
                applied += usize::from(apply_shared(&tx, &cipher, ch)?);
                continue;
            }
            let Ok(mut case) = load_case(&tx, &cipher, &ch.case_no) else {
                tracing::warn!(case_no = %ch.case_no, "change for a case unknown here");
                continue;
            };
            // A decision applies only to the case it is about. It names the case's opening:
            // another applicant's case under the same number (a misconfigured window, a
            // copied PC) never takes it, and the store whose opening it is always does, even
            // when another device now holds the seat. Older servers name only the device.
            if Some(&case.point) == my_point.as_ref() {
                let mine = match &ch.opening {
                    Some(opening) => opening_id(&tx, &ch.case_no)?.as_ref() == Some(opening),
                    None => ch.owner.as_deref().is_none_or(|o| o == me),
                };
                if !mine {
                    tracing::warn!(case_no = %ch.case_no, "decision for another case of this number skipped");
                    continue;
                }
            }
            let decision = match ch.status {
                RemoteStatus::InReview => Decision::StartReview,
                RemoteStatus::Completed => Decision::Complete,
                RemoteStatus::Returned => Decision::Return {
                    reason: ch.reason.clone().unwrap_or_default(),
                },
                RemoteStatus::Event => continue,
            };
            let events = match case.apply_decision(&decision, &ch.by, ch.at.unwrap_or(pulled_at)) {
                Ok(evs) if evs.is_empty() => continue,
                Ok(evs) => evs,
                Err(e) => {
                    tracing::warn!(case_no = %ch.case_no, error = %e, "central decision not applied");
                    continue;
                }
            };
            write_case(&tx, &cipher, &case)?;
            append(&tx, &cipher, &ch.case_no, &events, false)?;
            applied += 1;
        }
        tx.execute(
            "UPDATE sync_state SET cursor = max(cursor, ?1) WHERE id = 1",
            [cursor],
        )?;
        tx.commit()?;
        Ok(applied)
    }
}

/// The id of this store's opening event of a case, if it opened it.
pub(crate) fn opening_id(
    tx: &rusqlite::Connection,
    case_no: &str,
) -> Result<Option<String>, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(tx
        .query_row(
            "SELECT id FROM events WHERE case_no = ?1 AND kind = 'opened' ORDER BY seq LIMIT 1",
            [case_no],
            |r| r.get(0),
        )
        .optional()?)
}

/// Applies another point's event on a case: a case handed over to this point arrives with
/// its record; anything already applied, or for a case unknown here, is skipped.
fn apply_shared(
    tx: &rusqlite::Connection,
    cipher: &crate::Cipher,
    ch: &RemoteChange,
) -> Result<bool, StoreError> {
    let Some(ev) = ch.event.clone() else {
        tracing::warn!(case_no = %ch.case_no, "shared change without an event");
        return Ok(false);
    };
    let mut arrived = false;
    let mut case = match load_case(tx, cipher, &ch.case_no) {
        Ok(c) => c,
        Err(StoreError::NotFound(_)) => match &ev.change {
            Change::HandedOver { case: Some(c), .. } if c.case_no == ch.case_no => {
                crate::custody::insert_case(tx, cipher, c)?;
                arrived = true;
                (**c).clone()
            }
            _ => {
                tracing::warn!(case_no = %ch.case_no, "shared event for a case unknown here");
                return Ok(false);
            }
        },
        Err(e) => return Err(e),
    };
    crate::custody::note_sheet(tx, &ev)?;
    let changed = case.apply_shared(&ev);
    // The snapshot is kept once, in the case itself, not again in the audit trail.
    let mut kept = ev;
    if let Change::HandedOver { case: snap, .. } = &mut kept.change {
        *snap = None;
    }
    if changed || arrived {
        write_case(tx, cipher, &case)?;
        append(tx, cipher, &ch.case_no, std::slice::from_ref(&kept), false)?;
    }
    Ok(changed || arrived)
}
