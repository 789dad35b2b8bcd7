//! Personal data at rest: event bodies, the cases as judged and the events passed on to other
//! points are sealed under the data key before they reach the database, each bound to its row,
//! and the applicant fingerprint that finds the same applicant at two points is keyed. A
//! database written by an earlier version (in clear, or sealed for its column only) is sealed
//! row by row when this version opens it.

use counter_core::case::{CaseEvent, Change};
use counter_core::proto::unhex;

use crate::db::Exec;
use crate::ServerFailure;

/// The columns that hold sealed values.
pub(crate) const EVENT_BODY: &str = "events.body";
pub(crate) const CHANGE_BODY: &str = "changes.body";
pub(crate) const CHANGE_REASON: &str = "changes.reason";
pub(crate) const CASE_BODY: &str = "cases.body";
pub(crate) const EXPORT_KEY: &str = "devices.export_key";
pub(crate) const AUDIT_DETAIL: &str = "audit.detail";
const DATA_CHECK: &str = "meta.data_check";

/// Where a sealed value lives, down to its row: authenticated with it, so a value copied to
/// another column, another row or another point does not open.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Place<'a> {
    Event {
        device: &'a str,
        seq: i64,
    },
    ChangeBody {
        point: &'a str,
        case_no: &'a str,
    },
    ChangeReason {
        point: &'a str,
        case_no: &'a str,
    },
    Case {
        case_no: &'a str,
    },
    ExportKey {
        device: &'a str,
    },
    Audit {
        at: i64,
        who: &'a str,
        action: &'a str,
        subject: &'a str,
    },
    DataCheck,
}

impl Place<'_> {
    fn column(&self) -> &'static str {
        match self {
            Place::Event { .. } => EVENT_BODY,
            Place::ChangeBody { .. } => CHANGE_BODY,
            Place::ChangeReason { .. } => CHANGE_REASON,
            Place::Case { .. } => CASE_BODY,
            Place::ExportKey { .. } => EXPORT_KEY,
            Place::Audit { .. } => AUDIT_DETAIL,
            Place::DataCheck => DATA_CHECK,
        }
    }

    fn row(&self) -> String {
        match self {
            Place::Event { device, seq } => format!("{device}|{seq}"),
            Place::ChangeBody { point, case_no } | Place::ChangeReason { point, case_no } => {
                format!("{point}|{case_no}")
            }
            Place::Case { case_no } => case_no.to_string(),
            Place::ExportKey { device } => device.to_string(),
            Place::Audit {
                at,
                who,
                action,
                subject,
            } => format!("{at}|{who}|{action}|{subject}"),
            Place::DataCheck => "data_check".into(),
        }
    }

    fn context(&self) -> String {
        format!("{}|{}", self.column(), self.row())
    }
}

/// A value sealed for its place.
pub(crate) fn seal(t: &dyn Exec, place: Place, plain: &str) -> String {
    t.keys().seal(&place.context(), plain)
}

/// A sealed value opened; one that does not belong to this place (moved, swapped, written
/// in clear) is an error that names the place, and is logged.
pub(crate) fn open(t: &dyn Exec, place: Place, stored: &str) -> Result<String, ServerFailure> {
    t.keys().unseal(&place.context(), stored).map_err(|_| {
        let why = format!(
            "中心数据库中 {}（{}）的密文与所在的行不符，无法打开：该值被移动、替换或篡改过",
            place.column(),
            place.row()
        );
        tracing::error!(column = place.column(), "{why}");
        ServerFailure::Storage(why)
    })
}

/// A stored case event, opened and read.
pub(crate) fn event(
    t: &dyn Exec,
    device: &str,
    seq: i64,
    stored: &str,
) -> Result<CaseEvent, ServerFailure> {
    let text = open(t, Place::Event { device, seq }, stored)?;
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
            .and_then(|r| r.get("value").text()),
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
            .and_then(|r| r.get("value").text())
            .and_then(|h| unhex(&h))
            .and_then(|b| <[u8; 32]>::try_from(b).ok()),
    )
}

/// Seals what an earlier version left in clear or sealed for its column only, now for its
/// row (the fingerprints are keyed once, which `meta.sealed` records); checks the data key is
/// this database's; removes the signing key from the database (it is in the key directory by
/// now).
pub(crate) fn seal_legacy_rows(t: &mut dyn Exec) -> Result<(), ServerFailure> {
    t.exec("DELETE FROM meta WHERE key = 'signing_key'", &[])?;
    // The data key must be this database's: a wrong key directory is refused at start, not
    // found out at the first request.
    match t
        .row("SELECT value FROM meta WHERE key = 'data_check'", &[])?
        .and_then(|r| r.get("value").text())
    {
        Some(check) if crate::Keys::is_sealed(&check) => {
            t.keys()
                .unseal(&Place::DataCheck.context(), &check)
                .map_err(ServerFailure::Keys)?;
        }
        Some(check) => {
            t.keys()
                .unseal_legacy(DATA_CHECK, &check)
                .map_err(ServerFailure::Keys)?;
            let check = seal(t, Place::DataCheck, "counter");
            t.exec(
                "UPDATE meta SET value = ?1 WHERE key = 'data_check'",
                &[check.into()],
            )?;
        }
        None => {
            let check = seal(t, Place::DataCheck, "counter");
            t.exec(
                "INSERT INTO meta (key, value) VALUES ('data_check', ?1)",
                &[check.into()],
            )?;
        }
    }
    let first = t
        .row("SELECT value FROM meta WHERE key = 'sealed'", &[])?
        .is_none();
    if first {
        // Applicant fingerprints of an earlier version were unkeyed: dropped, and made again
        // from the openings below.
        t.exec("UPDATE cases SET id_hash = NULL", &[])?;
    }
    let legacy = |t: &dyn Exec, column: &str, v: &str| {
        t.keys()
            .unseal_legacy(column, v)
            .map_err(ServerFailure::Keys)
    };
    for r in t.rows(
        "SELECT device, seq, body, rejected FROM events WHERE body NOT LIKE 's2:%'",
        &[],
    )? {
        let (device, seq) = (
            r.get("device").text().unwrap_or_default(),
            r.get("seq").int()?,
        );
        let stored = r.get("body").text().unwrap_or_default();
        let in_clear = !stored.starts_with("s1:");
        let body = legacy(t, EVENT_BODY, &stored)?;
        let sealed = seal(
            t,
            Place::Event {
                device: &device,
                seq,
            },
            &body,
        );
        t.exec(
            "UPDATE events SET body = ?3 WHERE device = ?1 AND seq = ?2",
            &[r.get("device").clone(), r.get("seq").clone(), sealed.into()],
        )?;
        if !in_clear {
            continue;
        }
        // In clear: an earlier version's row, without its content hash or keyed fingerprint.
        let hash = content_hash(t, &body);
        t.exec(
            "UPDATE events SET hash = ?3 WHERE device = ?1 AND seq = ?2",
            &[r.get("device").clone(), r.get("seq").clone(), hash.into()],
        )?;
        let accepted = *r.get("rejected") == crate::db::Val::Null;
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
                &[r.get("device").clone(), id.into(), r.get("seq").clone()],
            )?;
        }
    }
    for r in t.rows(
        "SELECT seq, point, case_no, body, reason FROM changes
         WHERE body NOT LIKE 's2:%' OR reason NOT LIKE 's2:%'",
        &[],
    )? {
        let (point, case_no) = (
            r.get("point").text().unwrap_or_default(),
            r.get("case_no").text().unwrap_or_default(),
        );
        let again = |v: &crate::db::Val, column: &str, place: Place| match v.text() {
            Some(x) if !crate::Keys::is_sealed(&x) => {
                legacy(t, column, &x).map(|plain| Some(seal(t, place, &plain)))
            }
            other => Ok(other),
        };
        let body = again(
            r.get("body"),
            CHANGE_BODY,
            Place::ChangeBody {
                point: &point,
                case_no: &case_no,
            },
        )?;
        let reason = again(
            r.get("reason"),
            CHANGE_REASON,
            Place::ChangeReason {
                point: &point,
                case_no: &case_no,
            },
        )?;
        t.exec(
            "UPDATE changes SET body = ?2, reason = ?3 WHERE seq = ?1",
            &[r.get("seq").clone(), body.into(), reason.into()],
        )?;
    }
    for r in t.rows(
        "SELECT id, export_key FROM devices WHERE export_key NOT LIKE 's2:%'",
        &[],
    )? {
        let device = r.get("id").text().unwrap_or_default();
        let plain = legacy(
            t,
            EXPORT_KEY,
            &r.get("export_key").text().unwrap_or_default(),
        )?;
        let sealed = seal(t, Place::ExportKey { device: &device }, &plain);
        t.exec(
            "UPDATE devices SET export_key = ?2 WHERE id = ?1",
            &[r.get("id").clone(), sealed.into()],
        )?;
    }
    if !first {
        return Ok(());
    }
    t.exec("INSERT INTO meta (key, value) VALUES ('sealed', '1')", &[])?;
    Ok(())
}
