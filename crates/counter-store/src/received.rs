//! The catalogs and calendar a workstation works with: the built-in ones, replaced by newer
//! editions received (and verified) from the central server, with every replaced edition kept
//! for the cases opened under it. The app and the CLI both load them here.

use counter_core::{bundled, Calendar, CalendarError, CatalogSet};

use crate::{Store, StoreError};

/// Texts in use as (id, text), and the problems of those not used.
type Verified = (Vec<(String, String)>, Vec<String>);

/// A received text whose signature is the central key's (the current one, or one it
/// replaced: an edition signed before a key rotation stays valid), or why it is not used.
fn verified(
    keys: &[String],
    kind: &str,
    id: &str,
    version: i64,
    text: &str,
    signature: Option<&str>,
) -> Result<(), String> {
    let Some(sig) = signature else {
        return Err(format!(
            "{kind} {id} 第{version}版没有签名（旧版本保存），未使用；下次同步会重新接收"
        ));
    };
    let mut why = Err(format!(
        "{kind} {id} 第{version}版：本机没有有效的中心公钥，请重新注册"
    ));
    for key in keys {
        why = counter_core::proto::verify_signature(key, kind, id, version, text, sig);
        if why.is_ok() {
            break;
        }
    }
    why
}

impl Store {
    /// Every catalog edition ever received, each verified again: (catalog id, TOML text),
    /// oldest first; problems in words.
    fn verified_history(&self) -> Result<Verified, StoreError> {
        let keys = self.trusted_keys()?;
        let mut stmt = self.conn().prepare(
            "SELECT id, version, text, signature FROM catalog_history ORDER BY id, version",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        let (mut ok, mut problems) = (Vec::new(), Vec::new());
        for row in rows {
            let (id, version, text, sig) = row?;
            match verified(&keys, "catalog", &id, version, &text, sig.as_deref()) {
                Ok(()) => ok.push((id, text)),
                Err(why) => problems.push(why),
            }
        }
        Ok((ok, problems))
    }

    /// The received snapshots of `kind` whose signature holds, and the problems of the others.
    fn verified_snapshots(&self, kind: &str) -> Result<Verified, StoreError> {
        let keys = self.trusted_keys()?;
        let (mut ok, mut problems) = (Vec::new(), Vec::new());
        for k in self.snapshots()?.into_iter().filter(|s| s.kind == kind) {
            match verified(
                &keys,
                &k.kind,
                &k.id,
                k.version,
                &k.text,
                k.signature.as_deref(),
            ) {
                Ok(()) => ok.push((k.id, k.text)),
                Err(why) => problems.push(why),
            }
        }
        Ok((ok, problems))
    }

    /// The catalogs in force here, and the problems of received editions not used (each also
    /// logged): a bad delivery, or a kept one whose signature no longer holds, never stops the
    /// counter.
    pub fn catalogs(&self) -> Result<(CatalogSet, Vec<String>), StoreError> {
        let (current, mut problems) = self.verified_snapshots("catalog")?;
        let (history, more) = self.verified_history()?;
        problems.extend(more);
        let (set, more) = bundled::catalogs_with(&current, &history);
        problems.extend(more);
        for p in &problems {
            tracing::warn!(problem = %p, "received catalog not used");
        }
        Ok((set, problems))
    }

    /// The holiday calendar received from the central server (its signature verified again),
    /// else the built-in one.
    pub fn calendar(&self) -> Result<Result<Calendar, CalendarError>, StoreError> {
        let (ok, problems) = self.verified_snapshots("calendar")?;
        for p in &problems {
            tracing::warn!(problem = %p, "received calendar not used");
        }
        Ok(bundled::calendar_with(ok.first().map(|s| s.1.as_str())))
    }
}
