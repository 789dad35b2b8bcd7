//! Signed catalogs and calendars, and the chain of signing keys the central office announces.

use counter_core::proto::{Snapshot, SnapshotInfo, KEY_ANNOUNCEMENT};
use counter_store::Store;

use crate::client::Client;
use crate::{SyncError, SyncReport};

/// Why a snapshot is refused, if it is: not the one listed (kind, id and version are checked
/// as one, so an older edition served under a newer listing is refused), a signature that is
/// not the central key's over this kind, id, version and text, or an edition not newer than
/// the one kept.
pub fn check_snapshot(
    server_key: &str,
    listed: &SnapshotInfo,
    s: &Snapshot,
    have: i64,
) -> Result<(), String> {
    if (s.kind.as_str(), s.id.as_str(), s.version)
        != (listed.kind.as_str(), listed.id.as_str(), listed.version)
    {
        return Err(format!(
            "中心列出的是 {} {} 第{}版，发来的却是 {} {} 第{}版，已拒收",
            listed.kind, listed.id, listed.version, s.kind, s.id, s.version
        ));
    }
    if s.version <= have {
        return Err(format!(
            "{} {} 第{}版 不比本机的第{have}版新，已拒收",
            s.kind, s.id, s.version
        ));
    }
    counter_core::proto::verify_signature(
        server_key,
        &s.kind,
        &s.id,
        s.version,
        &s.text,
        &s.signature,
    )
}

pub(crate) fn fetch_snapshots(
    store: &mut Store,
    c: &mut Client,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let list: Vec<SnapshotInfo> = c.call::<(), _>(reqwest::Method::GET, "/v1/snapshots", None)?;
    // A new signing key first: the editions after it are signed with it.
    let (keys, editions): (Vec<_>, Vec<_>) =
        list.into_iter().partition(|i| i.kind == KEY_ANNOUNCEMENT);
    for info in keys {
        follow_keys(store, c, &info, report)?;
    }
    let key = store.server_key()?.unwrap_or_default();
    for info in editions {
        let have = store.verified_snapshot_version(&info.kind, &info.id)?;
        if info.version <= have {
            continue;
        }
        let s: Snapshot = c.call::<(), _>(
            reqwest::Method::GET,
            &format!("/v1/snapshots/{}/{}/{}", info.kind, info.id, info.version),
            None,
        )?;
        match check_snapshot(&key, &info, &s, have) {
            Ok(()) => {
                store.save_snapshot(&s.kind, &s.id, s.version, &s.text, &s.signature)?;
                report.snapshots += 1;
            }
            Err(why) => {
                tracing::warn!(kind = %s.kind, id = %s.id, version = s.version, "snapshot refused");
                report.refused.push(why);
            }
        }
    }
    Ok(())
}

/// Follows the chain of key announcements from the key this counter holds: each one must be
/// signed by the key before it. Announcements up to the one naming the key held (a counter
/// enrolled after rotations pinned a later key) are passed over: they name no key to adopt.
fn follow_keys(
    store: &mut Store,
    c: &mut Client,
    listed: &SnapshotInfo,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let have = store.snapshot_version(KEY_ANNOUNCEMENT, KEY_ANNOUNCEMENT)?;
    let mut chain = Vec::new();
    for version in have + 1..=listed.version {
        chain.push(c.call::<(), Snapshot>(
            reqwest::Method::GET,
            &format!("/v1/snapshots/{KEY_ANNOUNCEMENT}/{KEY_ANNOUNCEMENT}/{version}"),
            None,
        )?);
    }
    let held = store.server_key()?.unwrap_or_default();
    let start = chain
        .iter()
        .rposition(|s| s.text.trim().eq_ignore_ascii_case(&held))
        .map_or(0, |i| i + 1);
    for s in &chain[..start] {
        store.save_snapshot(&s.kind, &s.id, s.version, &s.text, &s.signature)?;
    }
    for s in &chain[start..] {
        let current = store.server_key()?.unwrap_or_default();
        let info = SnapshotInfo {
            version: s.version,
            ..listed.clone()
        };
        if let Err(why) = check_snapshot(&current, &info, s, s.version - 1) {
            tracing::warn!(version = s.version, "signing key announcement refused");
            report.refused.push(why);
            return Ok(());
        }
        store.follow_server_key(&s.text.trim().to_ascii_lowercase())?;
        store.save_snapshot(&s.kind, &s.id, s.version, &s.text, &s.signature)?;
        report
            .notes
            .push("中心更换了签名密钥（由原密钥签署的公告），本机已接受".into());
    }
    Ok(())
}
