//! Personal data at rest: event bodies and the events passed on to other points are sealed
//! under the data key before they reach the database, and the applicant fingerprint that finds
//! the same applicant at two points is keyed. A database written by an earlier version, in
//! clear, is sealed once when this version opens it.

use counter_core::case::{CaseEvent, Change};
use counter_core::proto::unhex;

use crate::db::Exec;
use crate::ServerFailure;

/// Where a sealed value lives: authenticated with it, so it opens only there.
pub(crate) const EVENT_BODY: &str = "events.body";
pub(crate) const CHANGE_BODY: &str = "changes.body";
pub(crate) const CHANGE_REASON: &str = "changes.reason";
pub(crate) const EXPORT_KEY: &str = "devices.export_key";
const DATA_CHECK: &str = "meta.data_check";

/// A case event's text as stored: sealed.
pub(crate) fn seal(t: &dyn Exec, context: &str, plain: &str) -> String {
    t.keys().seal(context, plain)
}

/// A stored case event, opened and read.
pub(crate) fn event(t: &dyn Exec, stored: &str) -> Result<CaseEvent, ServerFailure> {
    let text = t.keys().unseal(EVENT_BODY, stored)?;
    serde_json::from_str(&text)
        .map_err(|e| ServerFailure::Storage(format!("中心存储的事件无法读取：{e}")))
}

/// The keyed content hash that binds an event id to its content.
pub(crate) fn content_hash(t: &dyn Exec, body: &str) -> String {
    t.keys().fingerprint("event", body)
}

/// The keyed fingerprint of an applicant's ID number (upper case, trimmed).
pub(crate) fn applicant(t: &dyn Exec, id_number: &str) -> String {
    t.keys()
        .fingerprint("applicant", &id_number.trim().to_ascii_uppercase())
}

/// The signing public key the database last recorded as in use.
pub(crate) fn recorded_signing(t: &mut dyn Exec) -> Result<Option<String>, ServerFailure> {
    Ok(
        t.row("SELECT value FROM meta WHERE key = 'signing_public'", &[])?
            .and_then(|r| r[0].text()),
    )
}

/// Records the signing public key in use (counters pin it; a `signing.key` lost and made
/// anew is then noticed at start instead of signing what no counter accepts).
pub(crate) fn record_signing(t: &mut dyn Exec, public: &str) -> Result<(), ServerFailure> {
    t.exec("DELETE FROM meta WHERE key = 'signing_public'", &[])?;
    t.exec(
        "INSERT INTO meta (key, value) VALUES ('signing_public', ?1)",
        &[public.into()],
    )?;
    Ok(())
}

/// The signing key an earlier version kept in the database, if it is still there.
pub(crate) fn legacy_signing_key(t: &mut dyn Exec) -> Result<Option<[u8; 32]>, ServerFailure> {
    Ok(
        t.row("SELECT value FROM meta WHERE key = 'signing_key'", &[])?
            .and_then(|r| r[0].text())
            .and_then(|h| unhex(&h))
            .and_then(|b| <[u8; 32]>::try_from(b).ok()),
    )
}

/// Seals what is in clear (an earlier version's rows; the fingerprints are keyed once, which
/// `meta.sealed` records), checks the data key is this database's, and removes
/// the signing key from the database (it is in the key directory by now).
pub(crate) fn seal_legacy_rows(t: &mut dyn Exec) -> Result<(), ServerFailure> {
    t.exec("DELETE FROM meta WHERE key = 'signing_key'", &[])?;
    // The data key must be this database's: a wrong key directory is refused at start, not
    // found out at the first request.
    match t
        .row("SELECT value FROM meta WHERE key = 'data_check'", &[])?
        .and_then(|r| r[0].text())
    {
        Some(check) => {
            t.keys().unseal(DATA_CHECK, &check)?;
        }
        None => {
            let check = seal(t, DATA_CHECK, "counter");
            t.exec(
                "INSERT INTO meta (key, value) VALUES ('data_check', ?1)",
                &[check.into()],
            )?;
        }
    }
    // Every start: whatever is still in clear (an earlier version's rows, or one still
    // running during an upgrade) is sealed.
    let first = t
        .row("SELECT value FROM meta WHERE key = 'sealed'", &[])?
        .is_none();
    if first {
        // Applicant fingerprints of an earlier version were unkeyed: dropped, and made again
        // from the openings below.
        t.exec("UPDATE cases SET id_hash = NULL", &[])?;
    }
    for r in t.rows(
        "SELECT device, seq, body, rejected FROM events WHERE body NOT LIKE 's1:%'",
        &[],
    )? {
        let body = r[2].text().unwrap_or_default();
        let hash = content_hash(t, &body);
        let sealed = seal(t, EVENT_BODY, &body);
        t.exec(
            "UPDATE events SET body = ?3, hash = ?4 WHERE device = ?1 AND seq = ?2",
            &[r[0].clone(), r[1].clone(), sealed.into(), hash.into()],
        )?;
        let accepted = r[3] == crate::db::Val::Null;
        if let (
            true,
            Ok(CaseEvent {
                change: Change::Opened { applicant: a, .. },
                ..
            }),
        ) = (accepted, serde_json::from_str::<CaseEvent>(&body))
        {
            let id = applicant(t, a.id_number());
            t.exec(
                "UPDATE cases SET id_hash = ?2 WHERE case_no = (SELECT case_no FROM events WHERE device = ?1 AND seq = ?3)",
                &[r[0].clone(), id.into(), r[1].clone()],
            )?;
        }
    }
    for r in t.rows(
        "SELECT seq, body, reason FROM changes WHERE body NOT LIKE 's1:%' OR reason NOT LIKE 's1:%'",
        &[],
    )? {
        let sealed = |v: &crate::db::Val, context: &str| match v.text() {
            Some(x) if !crate::Keys::is_sealed(&x) => Some(seal(t, context, &x)),
            other => other,
        };
        let (body, reason) = (sealed(&r[1], CHANGE_BODY), sealed(&r[2], CHANGE_REASON));
        t.exec(
            "UPDATE changes SET body = ?2, reason = ?3 WHERE seq = ?1",
            &[r[0].clone(), body.into(), reason.into()],
        )?;
    }
    if !first {
        return Ok(());
    }
    t.exec("INSERT INTO meta (key, value) VALUES ('sealed', '1')", &[])?;
    Ok(())
}
