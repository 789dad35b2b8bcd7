//! Case and sheet numbers that stay unique across every device of a point and across restored
//! backups, and a push sequence that follows the server's.
//!
//! A number carries the device's window (窗口号), confirmed by the central server at enrolment
//! (window 1 keeps the short form `3211-20261130-0001`; window 2 makes `3211-20261130-2-0001`).
//! A copy made by `Store::backup` is marked: opened after a restore, it makes no new number until
//! a sync has told it which numbers the server already holds from this device.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use crate::{Store, StoreError};

/// How far a restored store's daily counters skip past what the server holds.
pub const RESTORE_MARGIN: i64 = 100;

/// The key of a daily counter: the prefix and, from window 2 on, the window.
pub(crate) fn counter_key(prefix: &str, window: u32) -> String {
    match window {
        1 => prefix.to_string(),
        w => format!("{prefix}-{w}"),
    }
}

/// (counter key, day as YYYY-MM-DD, sequence) of a case or sheet number this store makes.
fn parts(number: &str) -> Option<(String, String, i64)> {
    let segs: Vec<&str> = number.split('-').collect();
    let day_at = segs
        .iter()
        .position(|s| s.len() == 8 && s.chars().all(|c| c.is_ascii_digit()))?;
    let seq: i64 = segs.last()?.parse().ok()?;
    let window = match segs.len() - day_at {
        2 => 1,
        3 => segs[day_at + 1].parse().ok()?,
        _ => return None,
    };
    let d = segs[day_at];
    let day = format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]);
    Some((counter_key(&segs[..day_at].join("-"), window), day, seq))
}

/// Marks a backup copy, so that the store opened from it after a restore knows it.
pub(crate) fn mark_restored_copy(copy: &Path) -> Result<(), StoreError> {
    let conn = Connection::open(copy)?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('restored', X'01')
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [],
    )?;
    Ok(())
}

impl Store {
    /// The window set in the settings (used until the central server confirms one).
    pub fn set_window(&mut self, window: u32) {
        self.window = window.max(1);
    }

    /// The window set in the settings: what an enrolment asks the server for (a copied PC
    /// enrolling again chooses another one there).
    pub fn window_setting(&self) -> u32 {
        self.window
    }

    /// The window this device numbers with: the one confirmed at enrolment, else the
    /// settings'.
    pub fn window(&self) -> Result<u32, StoreError> {
        let confirmed: Option<i64> = self
            .conn()
            .query_row("SELECT window_no FROM sync_state WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?
            .flatten();
        Ok(confirmed.map_or(self.window, |w| w as u32))
    }

    pub fn confirm_window(&mut self, window: u32) -> Result<(), StoreError> {
        self.conn_mut().execute(
            "UPDATE sync_state SET window_no = ?1 WHERE id = 1",
            [i64::from(window)],
        )?;
        Ok(())
    }

    /// The ids of the events this device recorded itself (those it pushes): for audits and
    /// tests that compare a device with the central server.
    pub fn own_event_ids(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id FROM events WHERE wire_seq IS NOT NULL ORDER BY wire_seq")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The case an event of this store is about.
    pub fn event_case(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT case_no FROM events WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The id of this store's opening event of a case, if it opened it here.
    pub fn opening_of(&self, case_no: &str) -> Result<Option<String>, StoreError> {
        crate::sync::opening_id(self.conn(), case_no)
    }

    /// The last push sequence this store has had acknowledged (or received none for): where a
    /// new enrolment of this store starts on the server.
    pub fn sent_through(&self) -> Result<i64, StoreError> {
        Ok(self.conn().query_row(
            "SELECT coalesce(max(wire_seq), 0) FROM events WHERE seq NOT IN (SELECT seq FROM outbox)",
            [],
            |r| r.get(0),
        )?)
    }

    /// This store was opened from a backup copy and has not synced since: it may not know
    /// numbers it made before the restore.
    pub fn restored(&self) -> Result<bool, StoreError> {
        let marked = self
            .conn()
            .query_row("SELECT 1 FROM meta WHERE key = 'restored'", [], |_| Ok(()))
            .optional()?
            .is_some();
        // A store never enrolled has no server to ask; what it numbered after the backup was
        // lost with the computer.
        Ok(marked && self.sync_link()?.is_some())
    }

    pub(crate) fn check_not_restored(&self) -> Result<(), StoreError> {
        if self.restored()? {
            return Err(StoreError::Input(
                "本机数据是从备份恢复的：请先“立即同步”，让中心告知本机已用过的办件编号后再受理新办件；无法联网时请联系负责人"
                    .into(),
            ));
        }
        Ok(())
    }

    /// After a restore: the numbers the server holds from this device raise the daily
    /// counters past them, and past [`RESTORE_MARGIN`] more, for numbers made after the last
    /// sync that died with the old disk (a receipt with one may be in an applicant's hand);
    /// today's counters of this point start past the margin too. The push sequence goes on
    /// after the server's last (`server_last`): an event of this store under a sequence the
    /// server already holds for another would be two stores pushing as one device. The mark
    /// is cleared.
    pub fn realign_numbers(
        &mut self,
        used: &[String],
        server_last: i64,
        point: &str,
        today: chrono::NaiveDate,
    ) -> Result<(), StoreError> {
        let window = self.window()?;
        let day = crate::date_text(today);
        let own = [
            counter_key(point, window),
            counter_key(&format!("JJ-{point}"), window),
        ];
        let tx = self.conn_mut().transaction()?;
        let floors = used
            .iter()
            .filter_map(|n| parts(n))
            .chain(own.into_iter().map(|k| (k, day.clone(), 0)));
        for (key, day, seq) in floors {
            let seq = seq + RESTORE_MARGIN;
            tx.execute(
                "INSERT INTO day_seq (point, day, last) VALUES (?1, ?2, ?3)
                 ON CONFLICT (point, day) DO UPDATE SET last = max(last, excluded.last)",
                params![key, day, seq],
            )?;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('wire_floor', ?1)
             ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
            [server_last],
        )?;
        tx.execute("DELETE FROM meta WHERE key = 'restored'", [])?;
        tx.commit()?;
        Ok(())
    }

    /// Follows the server's numbering: drops from the outbox the events the server already
    /// holds (`known`), and gives the rest consecutive push sequences after `server_last`.
    pub fn renumber_outbox(
        &mut self,
        known: &[String],
        server_last: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn_mut().transaction()?;
        for id in known {
            tx.execute(
                "DELETE FROM outbox WHERE seq IN (SELECT seq FROM events WHERE id = ?1)",
                [id],
            )?;
        }
        let pending: Vec<i64> = {
            let mut stmt = tx.prepare(
                "SELECT e.seq FROM outbox o JOIN events e ON e.seq = o.seq ORDER BY e.wire_seq",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        // Out of the way first: push sequences are unique.
        tx.execute(
            "UPDATE events SET wire_seq = -wire_seq WHERE seq IN (SELECT seq FROM outbox)",
            [],
        )?;
        // A number past the server's last on an event that is not waiting to be sent was
        // never acknowledged by the server: a pulled decision numbered by the schema-5
        // migration. It loses the number (it is not this device's to push).
        tx.execute(
            "UPDATE events SET wire_seq = NULL WHERE wire_seq > ?1",
            [server_last],
        )?;
        for (next, seq) in (server_last + 1..).zip(pending) {
            tx.execute(
                "UPDATE events SET wire_seq = ?1 WHERE seq = ?2",
                params![next, seq],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parts;

    #[test]
    fn numbers_of_every_window_and_kind_are_read_back() {
        assert_eq!(
            parts("3211-20261130-0007"),
            Some(("3211".into(), "2026-11-30".into(), 7))
        );
        assert_eq!(
            parts("3211-20261130-2-0007"),
            Some(("3211-2".into(), "2026-11-30".into(), 7))
        );
        assert_eq!(
            parts("JJ-E01-20261130-3-02"),
            Some(("JJ-E01-3".into(), "2026-11-30".into(), 2))
        );
        assert_eq!(parts("garbage"), None);
    }
}
