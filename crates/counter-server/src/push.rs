//! Pushes: a device's events, stored exactly once, checked by the case rules.

use counter_core::case::{Case, Change};
use counter_core::proto::*;

use crate::batch::{reused_by, Batch};
use crate::claims::{self, Editions, Known, Seat};
use crate::db::Exec;
use crate::seal::{self, Place};
use crate::share::{addressed, share_event, wrong_sender};
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
        match self.push_batch(device, point, req) {
            // Two stores push as this device: nothing of the batch is kept (the transaction
            // rolled back), the device stops, and the administrator is told.
            Err(ServerFailure::Cloned(why)) => {
                self.stop_clone(device, &why)?;
                Err(ServerFailure::Cloned(why))
            }
            other => other,
        }
    }

    fn push_batch(
        &self,
        device: &str,
        point: &str,
        req: &PushRequest,
    ) -> Result<PushResponse, ServerFailure> {
        let editions = &self.editions;
        self.tx(|t| {
            // PostgreSQL: lock the device's row so two pushes of one device serialize.
            let sql = if t.is_pg() {
                "SELECT last_seq, window_no, earlier_windows FROM devices WHERE id = ?1 FOR UPDATE"
            } else {
                "SELECT last_seq, window_no, earlier_windows FROM devices WHERE id = ?1"
            };
            let row = t
                .row(sql, &[device.into()])?
                .ok_or_else(|| ServerFailure::Input("设备未注册".into()))?;
            let mut last = row.get("last_seq").int()?;
            let seat = Seat::parse(
                row.get("window_no").int()?,
                row.get("earlier_windows").text(),
            );
            crate::db::lock_cases(t, req.events.iter().map(|e| e.case_no.as_str()))?;
            if let Some(e) = req.events.iter().find(|e| e.seq < 1) {
                return Err(ServerFailure::Input(format!(
                    "事件 {} 的序号 {} 无效：序号从 1 开始",
                    e.id, e.seq
                )));
            }
            let mut acked = req.events.first().map_or(last, |e| (e.seq - 1).min(last));
            let mut rejected = Vec::new();
            let mut gap = false;
            let mut b = Batch::load(t, device, &req.events)?;
            for e in &req.events {
                let body = serde_json::to_string(&e.event)
                    .map_err(|err| ServerFailure::Input(err.to_string()))?;
                let digest = seal::content_hash(t, &body);
                if e.seq <= last {
                    match b.held(e.seq) {
                        Some(h)
                            if h.id == e.id && h.hash.as_deref().is_none_or(|h| h == digest) =>
                        {
                            // A delivery again (its answer was lost): the same answer, the
                            // refusal included, so the device still learns why.
                            if let Some(reason) = &h.refused {
                                rejected.push(Rejected {
                                    seq: e.seq,
                                    case_no: e.case_no.clone(),
                                    reason: reason.clone(),
                                });
                            }
                            acked = e.seq;
                            continue;
                        }
                        Some(h) if h.id == e.id => {
                            rejected.push(Rejected {
                                seq: e.seq,
                                case_no: e.case_no.clone(),
                                reason: format!("事件 {} 与中心已存的内容不同，未被接受", e.id),
                            });
                            gap = true;
                            break;
                        }
                        // Another event under a sequence this device already used: two
                        // stores are pushing as one device (a copied PC).
                        Some(_) => return Err(ServerFailure::Cloned(clone_reason(device))),
                        None => {
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
                if let Some(h) = b.hash_of(&e.id) {
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
                match check_event(t, &mut b, editions, &seat, device, point, e)? {
                    Err(reason) => {
                        b.insert_event(t, e, &body, &digest, Some(&reason));
                        rejected.push(Rejected {
                            seq: e.seq,
                            case_no: e.case_no.clone(),
                            reason,
                        });
                    }
                    Ok(next) => {
                        b.insert_event(t, e, &body, &digest, None);
                        track_case(t, &mut b, point, e, next);
                        share_event(t, &mut b, point, e)?;
                    }
                }
                last = e.seq;
                acked = e.seq;
            }
            let known = if gap {
                req.events
                    .iter()
                    .filter(|e| b.hash_of(&e.id).is_some())
                    .map(|e| e.id.clone())
                    .collect()
            } else {
                Vec::new()
            };
            b.write(t, point)?;
            t.exec(
                "UPDATE devices SET last_seq = ?2 WHERE id = ?1",
                &[device.into(), last.into()],
            )?;
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
            if row.get("revoked").int()? != 0 {
                return Err(ServerFailure::Input(format!(
                    "设备 {} 已在中心停用，其导出文件不予导入",
                    file.device_id
                )));
            }
            let sealed = row.get("export_key").text().ok_or_else(|| {
                ServerFailure::Input(format!(
                    "设备 {} 在本版本之前注册，其导出文件无法核验：请该设备重新注册后再导出",
                    file.device_id
                ))
            })?;
            let key = unhex(&seal::open(
                t,
                Place::ExportKey {
                    device: &file.device_id,
                },
                &sealed,
            )?)
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| ServerFailure::Storage("设备的导出密钥已损坏".into()))?;
            Ok((row.get("point").text().unwrap_or_default(), key))
        })?;
        let events = file
            .open(&key)
            .map_err(|e| ServerFailure::Input(e.to_string()))?;
        self.push(&file.device_id, &point, &PushRequest { events })
    }

    /// Stops a device two stores push as, with the reason, and flags it for the administrator.
    fn stop_clone(&self, device: &str, why: &str) -> Result<(), ServerFailure> {
        tracing::warn!(device, "two stores push as one device: stopped");
        self.tx(|t| {
            t.exec(
                "UPDATE devices SET cloned = ?2 WHERE id = ?1 AND cloned IS NULL",
                &[device.into(), why.into()],
            )?;
            t.exec(
                "INSERT INTO flags (case_no, other) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                &[
                    format!("设备 {device}").into(),
                    "两台电脑以同一注册上传（数据被复制）：已停用该设备".into(),
                ],
            )?;
            Ok(())
        })
    }
}

/// What a stopped clone is told, on both PCs.
pub(crate) fn clone_reason(device: &str) -> String {
    format!(
        "中心发现两台电脑在以同一注册（设备 {device}）上传：本机的数据被复制到了另一台电脑。该注册已暂停，两台电脑的办件都没有合并、都留在各自电脑上待上传。请负责人联系中心管理员停用该注册，再在每台电脑的“设置”中用新的注册码重新注册，各用不同的窗口号（见 docs/sync.md）"
    )
}

/// The case after the event, or why it cannot be accepted: the rules, on what the batch read.
fn check_event(
    t: &mut dyn Exec,
    b: &mut Batch,
    editions: &Editions,
    seat: &Seat,
    device: &str,
    point: &str,
    e: &WireEvent,
) -> Result<Result<Known, String>, ServerFailure> {
    let change = &e.event.change;
    let own = e.case_no.starts_with(&format!("{point}-"));
    let shared = change.is_shared()
        && (b.points(&e.case_no).iter().any(|p| p == point)
            // A receipt made offline wins over a recall that reached the server first: the
            // sheet was addressed to this point.
            || matches!(change, Change::HandOverReceived { sheet_no, .. }
                if addressed(t, b, &e.case_no, sheet_no, point)?));
    if !own && !shared {
        return Ok(Err(format!("办件 {} 不属于网点 {point}", e.case_no)));
    }
    // A hand-over must name a point the central office knows, or the paper would wait for
    // an office that never pulls it.
    if let Change::HandedOver { to, .. } = change {
        if !b.office_known(to) {
            return Ok(Err(format!(
                "接收网点“{to}”未在中心登记，交接单无法送达：请核对网点代码，撤回该交接单后重新移交"
            )));
        }
    }
    if let Some(why) = wrong_sender(point, change) {
        return Ok(Err(why));
    }
    let opening = matches!(change, Change::Opened { .. });
    if opening {
        if let Some(why) = seat.check_number(point, &e.case_no) {
            // Flagged: a misconfigured or hostile device, for the central office to look at.
            let other = format!(
                "设备 {device}（{} 号窗口）使用了其他窗口的编号",
                seat.window
            );
            b.flag(&e.case_no, other);
            return Ok(Err(why));
        }
    }
    let known = b.known(&e.case_no);
    if known.is_some() && opening {
        // Never merged: refused, and flagged for the central office.
        b.flag(&e.case_no, reused_by(device));
        return Ok(Err(format!(
            "办件编号 {} 已被另一办件使用，中心不会合并两个办件：请负责人核对本机的窗口号后联系中心",
            e.case_no
        )));
    }
    // A device whose opening of this number was refused has another applicant's case under
    // it: nothing it says of the number reaches the case the server holds (a copied PC
    // enrolled again holds the seat, and so the ownership, of the cases made before).
    if !opening && b.reused(&e.case_no) {
        return Ok(Err(format!(
            "本机的办件 {} 登记时编号已被另一办件使用，未被中心接受，其后续事项也不予接受",
            e.case_no
        )));
    }
    // A case's own events come from the device that opened it; another device of the point
    // with a case of the same number (a misconfigured window) never changes it.
    if own && !change.is_shared() && b.owner(&e.case_no).is_some_and(|o| o != device) {
        return Ok(Err(format!(
            "办件 {} 由本网点另一台设备登记，本机的同号办件未被中心接受",
            e.case_no
        )));
    }
    if change.is_shared() {
        // The paper's way and the rating: checked above and by the state table.
        let Some(k) = known else {
            return Ok(Err(format!(
                "办件{}在中心为“未登记”，不能在办件登记之前记录其他事项",
                e.case_no
            )));
        };
        // A rating as the counters' own rules make one: the console counts it.
        if let Err(why) = Case::check_rating(&e.event, k.life.state) {
            return Ok(Err(format!("办件 {} 的评价未被接受：{why}", e.case_no)));
        }
        // The judged copy takes them too: the console shows the paper's way as it went and
        // counts 满意度 and open 差评 follow-ups from it.
        return Ok(
            claims::by_state(&k.life, &e.case_no, change).map(|life| Known {
                life,
                case: k.case.map(|mut c| {
                    c.apply_shared(&e.event);
                    c
                }),
            }),
        );
    }
    claims::judge_own(t, editions, point, e, known)
}

/// Records the case as judged; an opening also records its point and a keyed fingerprint of
/// the applicant (the same applicant and item open elsewhere is flagged when the batch is
/// written).
fn track_case(t: &dyn Exec, b: &mut Batch, point: &str, e: &WireEvent, next: Known) {
    match &e.event.change {
        Change::Opened {
            item, applicant, ..
        } => {
            let id = seal::applicant(t, applicant.id_number());
            b.open_case(e, point, item, id, next);
        }
        _ => b.store(&e.case_no, next),
    }
}
