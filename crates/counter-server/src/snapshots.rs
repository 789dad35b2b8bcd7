//! Signed catalog editions and holiday calendars.

use counter_core::proto::*;

use crate::db::Exec;
use crate::{Central, ServerFailure};

impl Central {
    /// Publishes a catalog edition (`kind` = `catalog`) or the holiday calendar (`calendar`)
    /// as the next signed version; the text is validated first. Returns (id, version).
    pub fn publish(&self, kind: &str, text: &str) -> Result<(String, i64), ServerFailure> {
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
                .row("SELECT max(version) FROM snapshots WHERE kind = ?1 AND id = ?2", &[kind.into(), id.as_str().into()])?
                .map_or(0, |r| r[0].int())
                + 1;
            let sig = sign_snapshot(&signing_secret(t)?, kind, &id, version, text);
            t.exec(
                "INSERT INTO snapshots (kind, id, version, text, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
                &[kind.into(), id.as_str().into(), version.into(), text.into(), sig.into()],
            )?;
            Ok((id.clone(), version))
        })
    }

    /// The newest version of each published snapshot.
    pub fn snapshots(&self) -> Result<Vec<SnapshotInfo>, ServerFailure> {
        self.tx(|t| {
            Ok(t.rows(
                "SELECT kind, id, max(version) FROM snapshots GROUP BY kind, id ORDER BY kind, id",
                &[],
            )?
            .into_iter()
            .map(|r| SnapshotInfo {
                kind: r[0].text().unwrap_or_default(),
                id: r[1].text().unwrap_or_default(),
                version: r[2].int(),
            })
            .collect())
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
                text: r[0].text().unwrap_or_default(),
                signature: r[1].text().unwrap_or_default(),
            })
        })
    }

    /// Overwrites a stored snapshot's text (tests of a tampered catalog only).
    #[doc(hidden)]
    pub fn tamper(&self, kind: &str, id: &str, text: &str) -> Result<(), ServerFailure> {
        self.tx(|t| {
            t.exec(
                "UPDATE snapshots SET text = ?3 WHERE kind = ?1 AND id = ?2
                 AND version = (SELECT max(version) FROM snapshots WHERE kind = ?1 AND id = ?2)",
                &[kind.into(), id.into(), text.into()],
            )?;
            Ok(())
        })
    }
}

/// The server's signing key, made on first use and kept in the store.
pub(crate) fn signing_secret(t: &mut dyn Exec) -> Result<[u8; 32], ServerFailure> {
    if let Some(k) = t
        .row("SELECT value FROM meta WHERE key = 'signing_key'", &[])?
        .and_then(|r| r[0].text())
        .and_then(|h| unhex(&h))
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
    {
        return Ok(k);
    }
    let mut bytes = [0u8; 32];
    chacha20poly1305::aead::rand_core::RngCore::fill_bytes(
        &mut chacha20poly1305::aead::OsRng,
        &mut bytes,
    );
    t.exec(
        "INSERT INTO meta (key, value) VALUES ('signing_key', ?1)",
        &[hex(&bytes).into()],
    )?;
    Ok(bytes)
}
