//! What this counter pinned when it enrolled: the central server's certificate authority and
//! its catalog-signing key, and the keys it followed before (each announced under the one
//! before it).

use rusqlite::{params, OptionalExtension};

use crate::{Store, StoreError};

impl Store {
    /// Pins the server's authority (PEM; none for a plain-HTTP server on loopback) and its
    /// signing key; the keys followed before, and how far their announcements were read, are
    /// forgotten (a new enrolment starts the chain from the key it pinned).
    pub fn pin_server(&mut self, ca_pem: Option<&str>, key: &str) -> Result<(), StoreError> {
        let tx = self.conn_mut().transaction()?;
        tx.execute(
            "UPDATE sync_state SET server_ca = ?1, server_key = ?2, retired_keys = NULL WHERE id = 1",
            params![ca_pem, key],
        )?;
        tx.execute(
            "DELETE FROM snapshots WHERE kind = ?1",
            [counter_core::proto::KEY_ANNOUNCEMENT],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The version kept of a received catalog or calendar whose signature holds under the
    /// keys trusted now (0: none, or one that no longer verifies — after an enrolment under
    /// a new key it is fetched again, re-signed).
    pub fn verified_snapshot_version(&self, kind: &str, id: &str) -> Result<i64, StoreError> {
        let row: Option<(i64, String, Option<String>)> = self
            .conn()
            .query_row(
                "SELECT version, text, signature FROM snapshots WHERE kind = ?1 AND id = ?2",
                [kind, id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((version, text, Some(sig))) = row else {
            return Ok(0);
        };
        let holds = self.trusted_keys()?.iter().any(|k| {
            counter_core::proto::verify_signature(k, kind, id, version, &text, &sig).is_ok()
        });
        Ok(if holds { version } else { 0 })
    }

    /// The authority every request to the server trusts alone.
    pub fn server_ca(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT server_ca FROM sync_state WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }

    /// Follows a new signing key (its announcement verified under the current one): the
    /// current key is kept for the editions it signed.
    pub fn follow_server_key(&mut self, new: &str) -> Result<(), StoreError> {
        let mut keys = self.trusted_keys()?;
        if keys.first().is_some_and(|k| k == new) {
            return Ok(());
        }
        keys.retain(|k| k != new);
        self.conn_mut().execute(
            "UPDATE sync_state SET server_key = ?1, retired_keys = ?2 WHERE id = 1",
            params![new, keys.join("\n")],
        )?;
        Ok(())
    }

    /// The current signing key first, then those it replaced, newest first: kept editions
    /// are verified against these; new ones against the current key only.
    pub fn trusted_keys(&self) -> Result<Vec<String>, StoreError> {
        let row: Option<(Option<String>, Option<String>)> = self
            .conn()
            .query_row(
                "SELECT server_key, retired_keys FROM sync_state WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((current, retired)) = row else {
            return Ok(Vec::new());
        };
        Ok(current
            .into_iter()
            .chain(
                retired
                    .unwrap_or_default()
                    .lines()
                    .filter(|l| !l.is_empty())
                    .map(String::from),
            )
            .collect())
    }
}
