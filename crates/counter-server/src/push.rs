//! Pushes: a device's events, stored exactly once, checked by the case rules.

use counter_core::case::{CaseState, Change, Lifecycle};
use counter_core::proto::*;

use crate::changes::{add_change, case_points, lifecycle};
use crate::db::Exec;
use crate::seal::{self, EVENT_BODY};
use crate::{Central, ServerFailure};

impl Central {
    /// Stores a batch in one transaction. Each event is bound to one content: an event the
    /// server holds under the same sequence and id is a duplicate delivery, acknowledged
    /// again; a different event under a held sequence (a store restored from a backup) or a
    /// batch that does not start right after the server's last (a re-enrolled device) stops
    /// the batch with `gap`, so the device renumbers; a bad event is stored as rejected with
    /// its reason.
    pub fn push(
        &self,
        device: &str,
        point: &str,
        req: &PushRequest,
    ) -> Result<PushResponse, ServerFailure> {
        self.tx(|t| {
            // PostgreSQL: lock the device's row so two pushes of one device serialize.
            let sql = if t.is_pg() {
                "SELECT last_seq FROM devices WHERE id = ?1 FOR UPDATE"
            } else {
                "SELECT last_seq FROM devices WHERE id = ?1"
            };
            let mut last = t
                .row(sql, &[device.into()])?
                .map(|r| r[0].int())
                .ok_or_else(|| ServerFailure::Input("设备未注册".into()))?;
            if let Some(e) = req.events.iter().find(|e| e.seq < 1) {
                return Err(ServerFailure::Input(format!(
                    "事件 {} 的序号 {} 无效：序号从 1 开始",
                    e.id, e.seq
                )));
            }
            let mut acked = req.events.first().map_or(last, |e| (e.seq - 1).min(last));
            let mut rejected = Vec::new();
            let mut gap = false;
            for e in &req.events {
                let body = serde_json::to_string(&e.event)
                    .map_err(|err| ServerFailure::Input(err.to_string()))?;
                let digest = seal::content_hash(t, &body);
                if e.seq <= last {
                    match held(t, device, e.seq)? {
                        Some((id, h, refused))
                            if id == e.id && h.as_deref().is_none_or(|h| h == digest) =>
                        {
                            // A delivery again (its answer was lost): the same answer, the
                            // refusal included, so the device still learns why.
                            if let Some(reason) = refused {
                                rejected.push(Rejected {
                                    seq: e.seq,
                                    case_no: e.case_no.clone(),
                                    reason,
                                });
                            }
                            acked = e.seq;
                            continue;
                        }
                        Some((id, _, _)) if id == e.id => {
                            rejected.push(Rejected {
                                seq: e.seq,
                                case_no: e.case_no.clone(),
                                reason: format!("事件 {} 与中心已存的内容不同，未被接受", e.id),
                            });
                            gap = true;
                            break;
                        }
                        _ => {
                            gap = true;
                            break;
                        }
                    }
                }
                if e.seq != last + 1 {
                    gap = true;
                    break;
                }
                // An event the server already holds under another sequence (sent before a
                // re-enrolment whose answer was lost): the same content is the same event,
                // acknowledged again and stored once; other content under its id is refused.
                if let Some(h) = hash_of(t, &e.id)? {
                    if h.as_deref().is_some_and(|h| h != digest) {
                        rejected.push(Rejected {
                            seq: e.seq,
                            case_no: e.case_no.clone(),
                            reason: format!("事件编号 {} 已被使用且内容不同，未被接受", e.id),
                        });
                    }
                    last = e.seq;
                    acked = e.seq;
                    continue;
                }
                let (reason, next) = match check_event(t, device, point, e)? {
                    Ok(next) => (None, Some(next)),
                    Err(reason) => (Some(reason), None),
                };
                t.exec(
                    "INSERT INTO events (device, seq, id, case_no, kind, body, rejected, hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
                    &[
                        device.into(),
                        e.seq.into(),
                        e.id.as_str().into(),
                        e.case_no.as_str().into(),
                        e.kind().into(),
                        seal::seal(t, EVENT_BODY, &body).into(),
                        reason.clone().into(),
                        digest.into(),
                    ],
                )?;
                match (reason, next) {
                    (Some(r), _) => rejected.push(Rejected {
                        seq: e.seq,
                        case_no: e.case_no.clone(),
                        reason: r,
                    }),
                    (None, Some(next)) => {
                        track_case(t, device, point, e, next)?;
                        share_event(t, point, e)?;
                    }
                    (None, None) => unreachable!("an event is either accepted or rejected"),
                }
                last = e.seq;
                acked = e.seq;
            }
            t.exec(
                "UPDATE devices SET last_seq = ?2 WHERE id = ?1",
                &[device.into(), last.into()],
            )?;
            let known = if gap {
                known_ids(t, &req.events)?
            } else {
                Vec::new()
            };
            Ok(PushResponse {
                acked_through: acked,
                rejected,
                gap,
                server_last: gap.then_some(last),
                known,
            })
        })
    }

    /// Imports an outbox export (`counter sync export`): the same checks as a push.
    pub fn import(&self, text: &str) -> Result<PushResponse, ServerFailure> {
        use counter_core::export::ExportFile;
        let file = ExportFile::parse(text).map_err(|e| ServerFailure::Input(e.to_string()))?;
        let (point, key) = self.tx(|t| {
            let row = t
                .row(
                    "SELECT point, export_key, revoked FROM devices WHERE id = ?1",
                    &[file.device_id.as_str().into()],
                )?
                .ok_or_else(|| {
                    ServerFailure::Input(format!(
                        "导出文件所称的设备 {} 未在中心注册",
                        file.device_id
                    ))
                })?;
            // A stopped device (a stolen PC) still holds its key: its files are not taken.
            if row[2].int() != 0 {
                return Err(ServerFailure::Input(format!(
                    "设备 {} 已在中心停用，其导出文件不予导入",
                    file.device_id
                )));
            }
            let sealed = row[1].text().ok_or_else(|| {
                ServerFailure::Input(format!(
                    "设备 {} 在本版本之前注册，其导出文件无法核验：请该设备重新注册后再导出",
                    file.device_id
                ))
            })?;
            let key = unhex(&t.keys().unseal(seal::EXPORT_KEY, &sealed)?)
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| ServerFailure::Storage("设备的导出密钥已损坏".into()))?;
            Ok((row[0].text().unwrap_or_default(), key))
        })?;
        let events = file
            .open(&key)
            .map_err(|e| ServerFailure::Input(e.to_string()))?;
        self.push(&file.device_id, &point, &PushRequest { events })
    }
}

/// The event the server holds for a device's sequence: its id, content hash and the reason
/// it was refused, if it was.
#[allow(clippy::type_complexity)]
fn held(
    t: &mut dyn Exec,
    device: &str,
    seq: i64,
) -> Result<Option<(String, Option<String>, Option<String>)>, ServerFailure> {
    Ok(t.row(
        "SELECT id, hash, rejected FROM events WHERE device = ?1 AND seq = ?2",
        &[device.into(), seq.into()],
    )?
    .map(|r| (r[0].text().unwrap_or_default(), r[1].text(), r[2].text())))
}

/// The content hash of an event the server holds under this id, if it holds one.
fn hash_of(t: &mut dyn Exec, id: &str) -> Result<Option<Option<String>>, ServerFailure> {
    Ok(
        t.row("SELECT hash FROM events WHERE id = ?1", &[id.into()])?
            .map(|r| r[0].text()),
    )
}

/// Which of these events the server already holds, under any sequence or device.
fn known_ids(t: &mut dyn Exec, events: &[WireEvent]) -> Result<Vec<String>, ServerFailure> {
    let mut out = Vec::new();
    for e in events {
        if t.row(
            "SELECT 1 FROM events WHERE id = ?1",
            &[e.id.as_str().into()],
        )?
        .is_some()
        {
            out.push(e.id.clone());
        }
    }
    Ok(out)
}

/// The case's lifecycle after the event, or why the event cannot be accepted.
fn check_event(
    t: &mut dyn Exec,
    device: &str,
    point: &str,
    e: &WireEvent,
) -> Result<Result<Lifecycle, String>, ServerFailure> {
    let change = &e.event.change;
    let own = e.case_no.starts_with(&format!("{point}-"));
    let shared = change.is_shared()
        && (case_points(t, &e.case_no)?.iter().any(|p| p == point)
            // A receipt made offline wins over a recall that reached the server first: the
            // sheet was addressed to this point.
            || matches!(change, Change::HandOverReceived { sheet_no, .. }
                if addressed(t, &e.case_no, sheet_no, point)?));
    if !own && !shared {
        return Ok(Err(format!("办件 {} 不属于网点 {point}", e.case_no)));
    }
    // A hand-over must name a point the central office knows, or the paper would wait for
    // an office that never pulls it.
    if let Change::HandedOver { to, .. } = change {
        let known = t
            .row(
                "SELECT 1 FROM enroll_codes WHERE point = ?1 LIMIT 1",
                &[to.as_str().into()],
            )?
            .is_some();
        if !known {
            return Ok(Err(format!(
                "接收网点“{to}”未在中心登记，交接单无法送达：请核对网点代码，撤回该交接单后重新移交"
            )));
        }
    }
    if let Some(why) = wrong_sender(point, change) {
        return Ok(Err(why));
    }
    let known = lifecycle(t, &e.case_no)?;
    if known.is_some() && matches!(change, Change::Opened { .. }) {
        // Never merged: refused, and flagged for the central office.
        t.exec(
            "INSERT INTO flags (case_no, other) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            &[
                e.case_no.as_str().into(),
                format!("设备 {device} 重复使用该编号").into(),
            ],
        )?;
        return Ok(Err(format!(
            "办件编号 {} 已被另一办件使用，中心不会合并两个办件：请负责人核对本机的窗口号后联系中心",
            e.case_no
        )));
    }
    // A case's own events come from the device that opened it; another device of the point
    // with a case of the same number (a misconfigured window) never changes it.
    if own && !change.is_shared() {
        if let Some(owner) = owner_of(t, &e.case_no)? {
            if owner != device {
                return Ok(Err(format!(
                    "办件 {} 由本网点另一台设备登记，本机的同号办件未被中心接受",
                    e.case_no
                )));
            }
        }
    }
    let now = known.unwrap_or_default();
    Ok(now.after(change).map_err(|action| {
        let state = now.state.map_or("未登记", CaseState::label);
        format!("办件{}在中心为“{state}”，不能{action}", e.case_no)
    }))
}

/// Why a hand-over, receipt, recall or hand-back names another point than the one that
/// sends it, if it does: a point records only its own side of the paper's way.
fn wrong_sender(point: &str, change: &Change) -> Option<String> {
    let (actor, what) = match change {
        Change::HandedOver { from, .. } => (from, "移交"),
        Change::HandOverRecalled { from, .. } => (from, "撤回移交"),
        Change::HandOverReceived { to, .. } => (to, "接收"),
        Change::HandedBack { point: p } => (p, "送达"),
        _ => return None,
    };
    (actor != point).then(|| format!("{what}记录的网点 {actor} 不是发送方网点 {point}，未被接受"))
}

/// Whether the server holds an accepted event of `kind` on this case for which `pred` holds.
fn holds_event(
    t: &mut dyn Exec,
    case_no: &str,
    kind: &str,
    pred: impl Fn(&Change) -> bool,
) -> Result<bool, ServerFailure> {
    let rows = t.rows(
        "SELECT body FROM events WHERE case_no = ?1 AND kind = ?2 AND rejected IS NULL",
        &[case_no.into(), kind.into()],
    )?;
    for r in rows {
        if pred(&seal::event(t, &r[0].text().unwrap_or_default())?.change) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether the server holds a hand-over of this case on sheet `sheet_no` addressed to `point`.
fn addressed(
    t: &mut dyn Exec,
    case_no: &str,
    sheet_no: &str,
    point: &str,
) -> Result<bool, ServerFailure> {
    holds_event(
        t,
        case_no,
        "handed_over",
        |c| matches!(c, Change::HandedOver { sheet_no: s, to, .. } if s == sheet_no && to == point),
    )
}

/// Whether the server holds a receipt of this case's sheet `sheet_no` (which wins over a
/// recall).
fn received(t: &mut dyn Exec, case_no: &str, sheet_no: &str) -> Result<bool, ServerFailure> {
    holds_event(
        t,
        case_no,
        "handover_received",
        |c| matches!(c, Change::HandOverReceived { sheet_no: s, .. } if s == sheet_no),
    )
}

/// The device that opened a case, when the server knows it.
fn owner_of(t: &mut dyn Exec, case_no: &str) -> Result<Option<String>, ServerFailure> {
    Ok(t.row(
        "SELECT device FROM cases WHERE case_no = ?1",
        &[case_no.into()],
    )?
    .and_then(|r| r[0].text()))
}

/// Passes a hand-over, receipt, hand-back or rating on to the other points of the case; a
/// hand-over makes its receiving office one of them.
fn share_event(t: &mut dyn Exec, point: &str, e: &WireEvent) -> Result<(), ServerFailure> {
    if !e.event.change.is_shared() {
        return Ok(());
    }
    // A hand-over makes its office part of the case; so does a receipt (it may come after
    // a recall of the same sheet, and wins over it).
    if let Change::HandedOver { to, .. } | Change::HandOverReceived { to, .. } = &e.event.change {
        t.exec(
            "INSERT INTO case_points (case_no, point) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            &[e.case_no.as_str().into(), to.as_str().into()],
        )?;
    }
    // A recalled sheet never reached its office: that office learns of the recall (below),
    // then is no longer part of the case, unless it is the case's own point.
    let dropped = match &e.event.change {
        Change::HandOverRecalled { to, sheet_no, .. }
            if !e.case_no.starts_with(&format!("{to}-")) && !received(t, &e.case_no, sheet_no)? =>
        {
            Some(to.clone())
        }
        _ => None,
    };
    let by = format!("{point} {}", e.event.clerk);
    let body =
        serde_json::to_string(&e.event).map_err(|err| ServerFailure::Input(err.to_string()))?;
    let body = seal::seal(t, seal::CHANGE_BODY, &body);
    for other in case_points(t, &e.case_no)? {
        if other != point {
            add_change(
                t,
                &other,
                &e.case_no,
                "event",
                None,
                &by,
                Some(body.clone()),
                None,
            )?;
        }
    }
    if let Some(to) = dropped {
        t.exec(
            "DELETE FROM case_points WHERE case_no = ?1 AND point = ?2",
            &[e.case_no.as_str().into(), to.as_str().into()],
        )?;
    }
    Ok(())
}

/// Records the case's new lifecycle; an opening also records its point and a keyed
/// fingerprint of the applicant, and flags the same applicant and item open elsewhere.
fn track_case(
    t: &mut dyn Exec,
    device: &str,
    point: &str,
    e: &WireEvent,
    next: Lifecycle,
) -> Result<(), ServerFailure> {
    let state = next.state.map(CaseState::as_str);
    let Change::Opened {
        item, applicant, ..
    } = &e.event.change
    else {
        t.exec(
            "UPDATE cases SET state = ?2, immediate = ?3 WHERE case_no = ?1",
            &[
                e.case_no.as_str().into(),
                state.into(),
                i64::from(next.immediate).into(),
            ],
        )?;
        return Ok(());
    };
    let id = seal::applicant(t, applicant.id_number());
    t.exec(
        "INSERT INTO cases (case_no, point, item, state, id_hash, device)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[
            e.case_no.as_str().into(),
            point.into(),
            item.as_str().into(),
            state.into(),
            id.as_str().into(),
            device.into(),
        ],
    )?;
    t.exec(
        "INSERT INTO case_points (case_no, point) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        &[e.case_no.as_str().into(), point.into()],
    )?;
    // The same applicant and item open at another point: flag for review, never merge.
    t.exec(
        "INSERT INTO flags (case_no, other)
         SELECT CAST(?1 AS TEXT), case_no FROM cases
         WHERE id_hash = ?2 AND item = ?3 AND point <> ?4
           AND state NOT IN ('completed', 'refused', 'withdrawn', 'terminated')
         ON CONFLICT DO NOTHING",
        &[
            e.case_no.as_str().into(),
            id.as_str().into(),
            item.as_str().into(),
            point.into(),
        ],
    )?;
    Ok(())
}
