//! Signed catalog editions and holiday calendars.

use counter_core::proto::*;

use crate::{Central, ServerFailure};

impl Central {
    /// Publishes a catalog edition (`kind` = `catalog`) or the holiday calendar (`calendar`)
    /// as the next signed version; the text is validated first. Returns (id, version).
    pub fn publish(&self, kind: &str, text: &str) -> Result<(String, i64), ServerFailure> {
        self.publish_by(kind, text, "counter-server")
    }

    /// As [`Central::publish`], recorded in the audit log, in the same transaction, as
    /// published by `by`.
    pub(crate) fn publish_by(
        &self,
        kind: &str,
        text: &str,
        by: &str,
    ) -> Result<(String, i64), ServerFailure> {
        let id = match kind {
            "catalog" => {
                let set = counter_core::CatalogSet::from_texts(&[("published.toml", text)])
                    .map_err(|errs| {
                        ServerFailure::Input(
                            errs.iter()
                                .map(|e| e.to_string())
                                .collect::<Vec<_>>()
                                .join("\n"),
                        )
                    })?;
                set.catalogs[0].header.id.clone()
            }
            "calendar" => {
                counter_core::Calendar::from_toml(text)
                    .map_err(|e| ServerFailure::Input(e.to_string()))?;
                "calendar".to_string()
            }
            other => return Err(ServerFailure::Input(format!("未知的发布类型 {other}"))),
        };
        self.tx(|t| {
            let version = t
                .row("SELECT max(version) AS version FROM snapshots WHERE kind = ?1 AND id = ?2", &[kind.into(), id.as_str().into()])?
                .map_or(Ok(None), |r| r.get("version").opt_int())?
                .unwrap_or(0)
                + 1;
            let sig = sign_snapshot(t.keys().signing(), kind, &id, version, text);
            t.exec(
                "INSERT INTO snapshots (kind, id, version, text, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
                &[kind.into(), id.as_str().into(), version.into(), text.into(), sig.into()],
            )?;
            let what = format!("第{version}版");
            crate::audit::record(t, by, &format!("publish_{kind}"), Some(&id), Some(&what))?;
            Ok((id.clone(), version))
        })
    }

    /// The newest version of each published snapshot.
    pub fn snapshots(&self) -> Result<Vec<SnapshotInfo>, ServerFailure> {
        self.tx(|t| {
            t.rows(
                "SELECT kind, id, max(version) AS version FROM snapshots GROUP BY kind, id ORDER BY kind, id",
                &[],
            )?
            .into_iter()
            .map(|r| {
                Ok(SnapshotInfo {
                    kind: r.get("kind").text().unwrap_or_default(),
                    id: r.get("id").text().unwrap_or_default(),
                    version: r.get("version").int()?,
                })
            })
            .collect::<Result<_, ServerFailure>>()
        })
    }

    pub fn snapshot(&self, kind: &str, id: &str, version: i64) -> Result<Snapshot, ServerFailure> {
        self.tx(|t| {
            let r = t
                .row(
                    "SELECT text, signature FROM snapshots WHERE kind = ?1 AND id = ?2 AND version = ?3",
                    &[kind.into(), id.into(), version.into()],
                )?
                .ok_or_else(|| ServerFailure::NotFound(format!("{kind} {id} 第{version}版")))?;
            Ok(Snapshot {
                kind: kind.into(),
                id: id.into(),
                version,
                text: r.get("text").text().unwrap_or_default(),
                signature: r.get("signature").text().unwrap_or_default(),
            })
        })
    }

    /// Overwrites a stored snapshot's text (tests of a tampered catalog only).
    #[cfg(feature = "test-hooks")]
    pub fn tamper(&self, kind: &str, id: &str, text: &str) -> Result<(), ServerFailure> {
        self.tx(|t| {
            t.exec(
                "UPDATE snapshots SET text = ?3 WHERE kind = ?1 AND id = ?2
                 AND version = (SELECT max(version) AS version FROM snapshots WHERE kind = ?1 AND id = ?2)",
                &[kind.into(), id.into(), text.into()],
            )?;
            Ok(())
        })
    }
}

impl Central {
    /// Rotates the catalog-signing key. The new secret is on disk (`signing.next`) before the
    /// database changes, and becomes `signing.key` after it committed (a start in between
    /// finishes or drops it). Every published snapshot is signed again with the new key, so
    /// counters enrolled from now on pin it. With `announce`, the new public key is published
    /// as the next `signing_key` snapshot signed by the old key, and counters follow. Without
    /// (the old key may have leaked, so an announcement under it proves nothing), earlier
    /// announcements are withdrawn and every counter must enrol again. Returns the new
    /// public key.
    pub fn rotate_signing_key(&mut self, announce: bool) -> Result<String, ServerFailure> {
        let mut keys = (*self.keys).clone();
        let old = *keys.signing();
        let new = keys.next_signing()?;
        let new_public = public_key(&new);
        self.tx(|t| {
            let version = t
                .row(
                    "SELECT max(version) AS version FROM snapshots WHERE kind = ?1 AND id = ?1",
                    &[KEY_ANNOUNCEMENT.into()],
                )?
                .map_or(Ok(None), |r| r.get("version").opt_int())?
                .unwrap_or(0)
                + 1;
            for r in t.rows("SELECT kind, id, version, text FROM snapshots", &[])? {
                let (kind, id, v, text) = (
                    r.get("kind").text().unwrap_or_default(),
                    r.get("id").text().unwrap_or_default(),
                    r.get("version").int()?,
                    r.get("text").text().unwrap_or_default(),
                );
                if kind != KEY_ANNOUNCEMENT {
                    t.exec(
                        "UPDATE snapshots SET signature = ?4 WHERE kind = ?1 AND id = ?2 AND version = ?3",
                        &[kind.as_str().into(), id.as_str().into(), v.into(),
                          sign_snapshot(&new, &kind, &id, v, &text).into()],
                    )?;
                }
            }
            if announce {
                let sig =
                    sign_snapshot(&old, KEY_ANNOUNCEMENT, KEY_ANNOUNCEMENT, version, &new_public);
                t.exec(
                    "INSERT INTO snapshots (kind, id, version, text, signature) VALUES (?1, ?1, ?2, ?3, ?4)",
                    &[KEY_ANNOUNCEMENT.into(), version.into(), new_public.as_str().into(), sig.into()],
                )?;
            } else {
                t.exec("DELETE FROM snapshots WHERE kind = ?1", &[KEY_ANNOUNCEMENT.into()])?;
            }
            crate::seal::record_signing(t, &new_public)
        })?;
        keys.adopt_rotation(new)?;
        self.keys = std::sync::Arc::new(keys);
        Ok(new_public)
    }
}
