//! Enrolment: one-time codes for a point, devices and their keys, revocation.

use counter_core::proto::*;

use crate::{hash, random_token, Central, ServerFailure};

/// How long an enrolment code stays good.
pub const CODE_LIFETIME: chrono::Duration = chrono::Duration::days(7);

fn stamp(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

impl Central {
    /// A one-time enrolment pass for a point: the code, then the pin of this server's
    /// authority and signing key (see `counter_core::trust`).
    pub fn enroll_code(
        &self,
        point: &str,
        level: Option<&str>,
        name: Option<&str>,
    ) -> Result<String, ServerFailure> {
        self.enroll_code_by(point, level, name, "counter-server")
    }

    /// As [`Central::enroll_code`], recorded in the audit log, in the same transaction, as
    /// issued by `by`.
    pub(crate) fn enroll_code_by(
        &self,
        point: &str,
        level: Option<&str>,
        name: Option<&str>,
        by: &str,
    ) -> Result<String, ServerFailure> {
        if point.trim().is_empty() || !point.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ServerFailure::Input(format!("网点代码“{point}”无效")));
        }
        if let Some(l) = level {
            if !matches!(l, "A" | "B" | "C" | "D" | "E") {
                return Err(ServerFailure::Input(format!(
                    "办理层级“{l}”无效，应为 A（省）、B（设区市）、C（县）、D（乡镇）或 E（村）"
                )));
            }
        }
        let code = random_token(6);
        self.tx(|t| {
            t.exec(
                "INSERT INTO enroll_codes (code, point, level, name, issued_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                &[
                    code.as_str().into(),
                    point.into(),
                    level.into(),
                    name.into(),
                    stamp(chrono::Local::now().naive_local()).into(),
                ],
            )?;
            crate::audit::record(t, by, "enroll_code", Some(point), None)
        })?;
        Ok(counter_core::trust::EnrolmentPass::format(
            &code,
            &self.keys.trust().pin(),
        ))
    }

    pub fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, ServerFailure> {
        self.tx(|t| {
            let code = counter_core::trust::EnrolmentPass::code_of(&req.code);
            let Some(row) = t.row(
                "SELECT point, level, name, used_by, issued_at FROM enroll_codes WHERE code = ?1",
                &[code.into()],
            )?
            else {
                return Err(ServerFailure::Input(
                    "注册码无效，请向管理员索取新的注册码".into(),
                ));
            };
            if row.get("used_by").text().is_some() {
                return Err(ServerFailure::Input(
                    "注册码已被使用，请向管理员索取新的注册码".into(),
                ));
            }
            let oldest = stamp(chrono::Local::now().naive_local() - CODE_LIFETIME);
            if row.get("issued_at").text().is_none_or(|t| t < oldest) {
                return Err(ServerFailure::Input(format!(
                    "注册码已过期（有效期{}天），请向管理员索取新的注册码",
                    CODE_LIFETIME.num_days()
                )));
            }
            let point = row.get("point").text().unwrap_or_default();
            // One enrolment of a point at a time, across every server instance: the window
            // check below and the insert after it are then one step (PostgreSQL; SQLite has one
            // writer).
            if t.is_pg() {
                t.exec(
                    "SELECT pg_advisory_xact_lock(hashtext('enrol:' || ?1))",
                    &[point.as_str().into()],
                )?;
            }
            if !(1..=99).contains(&req.window) {
                return Err(ServerFailure::Input("窗口号应为 1 至 99".into()));
            }
            // The device this store was before (revoked, or the PC reinstalled): it gives up
            // its window and its cases to the new enrolment, within the same point only.
            // A device still in service is taken over only by a store that holds its key (the
            // same PC reinstalled, a restored backup); one the administrator revoked has given
            // up its seat. A bare device id proves nothing: ids are printed and exported.
            let previous = match &req.previous_device {
                Some(p) => t.row(
                    "SELECT id, key_hash, revoked, cloned, window_no, earlier_windows
                     FROM devices WHERE id = ?1 AND point = ?2",
                    &[p.as_str().into(), point.as_str().into()],
                )?,
                None => None,
            };
            let earlier = match &previous {
                Some(r) => Some(crate::claims::Seat::parse(r.get("window_no").int()?, r.get("earlier_windows").text()).text()),
                None => None,
            };
            if let Some(r) = &previous {
                let live = r.get("revoked").int()? == 0;
                let proven = r.get("cloned").text().is_none()
                    && req
                        .previous_key
                        .as_deref()
                        .is_some_and(|k| hash(k) == r.get("key_hash").text().unwrap_or_default());
                if live && !proven {
                    return Err(ServerFailure::Input(format!(
                        "本机之前的注册（设备 {}）仍在使用中，新的注册不能接替它：若那台设备已不再使用，请中心管理员先停用它（counter-server revoke），再用新的注册码注册",
                        r.get("id").text().unwrap_or_default()
                    )));
                }
            }
            let previous = previous.and_then(|r| r.get("id").text());
            let taken = t
                .row(
                    "SELECT name FROM devices WHERE point = ?1 AND window_no = ?2 AND revoked = 0
                       AND id <> ?3",
                    &[
                        point.as_str().into(),
                        i64::from(req.window).into(),
                        previous.clone().unwrap_or_default().into(),
                    ],
                )?
                .map(|r| r.get("name").text().unwrap_or_default());
            if let Some(other) = taken {
                return Err(ServerFailure::Input(format!(
                    "网点 {point} 的 {} 号窗口已由另一台设备（{other}）使用：请在设置中改选本机的窗口号后再注册",
                    req.window
                )));
            }
            let device_id = uuid::Uuid::now_v7().to_string();
            let key = random_token(32);
            t.exec(
                "INSERT INTO devices (id, point, key_hash, name, window_no, last_seq, export_key,
                   earlier_windows)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                &[
                    device_id.as_str().into(),
                    point.as_str().into(),
                    hash(&key).into(),
                    req.device_name.as_str().into(),
                    i64::from(req.window).into(),
                    req.last_seq.max(0).into(),
                    crate::seal::seal(
                        t,
                        crate::seal::Place::ExportKey { device: &device_id },
                        &hex(&counter_core::export::export_key(&key)),
                    )
                    .into(),
                    earlier.into(),
                ],
            )?;
            if let Some(old) = previous {
                t.exec("UPDATE devices SET revoked = 1 WHERE id = ?1", &[old.as_str().into()])?;
                t.exec(
                    "UPDATE cases SET device = ?2 WHERE device = ?1",
                    &[old.as_str().into(), device_id.as_str().into()],
                )?;
            }
            // A window is one seat: its cases follow it from every earlier, revoked device of
            // the seat (a PC restored from a backup older than a re-enrolment).
            t.exec(
                "UPDATE cases SET device = ?1 WHERE device IN
                   (SELECT id FROM devices WHERE point = ?2 AND window_no = ?3 AND revoked = 1)",
                &[
                    device_id.as_str().into(),
                    point.as_str().into(),
                    i64::from(req.window).into(),
                ],
            )?;
            // Taken once: a second instance that read the code as unused at the same moment
            // waits on this row and then finds it used (nothing of its enrolment is kept).
            let taken = t.exec(
                "UPDATE enroll_codes SET used_by = ?2 WHERE code = ?1 AND used_by IS NULL",
                &[code.into(), device_id.as_str().into()],
            )?;
            if taken != 1 {
                return Err(ServerFailure::Input(
                    "注册码已被使用，请向管理员索取新的注册码".into(),
                ));
            }
            let public_key = t.keys().trust().public_key;
            Ok(EnrollResponse {
                device_id,
                key,
                point,
                level: row.get("level").text(),
                name: row.get("name").text(),
                public_key,
                window: req.window,
            })
        })
    }

    /// The device behind a bearer token, if the token is right and the device not revoked;
    /// a device stopped as a clone is an error that says why.
    pub fn device(&self, token: &str) -> Result<Option<(String, String)>, ServerFailure> {
        let Some((id, key)) = token.split_once('.') else {
            return Ok(None);
        };
        let row = self.tx(|t| {
            t.row(
                "SELECT point, cloned FROM devices WHERE id = ?1 AND key_hash = ?2 AND revoked = 0",
                &[id.into(), hash(key).into()],
            )
        })?;
        match row {
            None => Ok(None),
            Some(r) if r.get("cloned").text().is_some() => {
                Err(ServerFailure::Stopped(crate::push::clone_reason(id)))
            }
            Some(r) => Ok(r.get("point").text().map(|p| (id.to_string(), p))),
        }
    }

    pub fn revoke(&self, device: &str) -> Result<(), ServerFailure> {
        self.revoke_by(device, "counter-server")
    }

    /// As [`Central::revoke`], recorded in the audit log, in the same transaction, as done by
    /// `by`; an unknown device is said to be unknown.
    pub(crate) fn revoke_by(&self, device: &str, by: &str) -> Result<(), ServerFailure> {
        self.tx(|t| {
            let n = t.exec(
                "UPDATE devices SET revoked = 1 WHERE id = ?1",
                &[device.into()],
            )?;
            if n == 0 {
                return Err(ServerFailure::Missing(format!("没有设备 {device}")));
            }
            crate::audit::record(t, by, "revoke", Some(device), None)
        })
    }

    /// What the server holds from a device: its last sequence, and the case and sheet numbers
    /// its events made (a restored store continues after them).
    pub fn device_state(&self, device: &str) -> Result<DeviceState, ServerFailure> {
        self.tx(|t| {
            let last_seq = t
                .row(
                    "SELECT last_seq FROM devices WHERE id = ?1",
                    &[device.into()],
                )?
                .map_or(Ok(0), |r| r.get("last_seq").int())?;
            let mut numbers: Vec<String> = t
                .rows(
                    "SELECT DISTINCT case_no FROM events WHERE device = ?1",
                    &[device.into()],
                )?
                .into_iter()
                .filter_map(|r| r.get("case_no").text())
                .collect();
            for r in t.rows(
                "SELECT seq, body FROM events WHERE device = ?1 AND kind = 'handed_over'",
                &[device.into()],
            )? {
                if let counter_core::case::Change::HandedOver { sheet_no, .. } = crate::seal::event(
                    t,
                    device,
                    r.get("seq").int()?,
                    &r.get("body").text().unwrap_or_default(),
                )?
                .change
                {
                    numbers.push(sheet_no);
                }
            }
            numbers.sort();
            numbers.dedup();
            Ok(DeviceState { last_seq, numbers })
        })
    }

    /// Every enrolled device, by point and window.
    pub fn devices(&self) -> Result<Vec<DeviceRow>, ServerFailure> {
        self.tx(|t| {
            t
                .rows(
                    "SELECT id, point, window_no, name, revoked, cloned FROM devices ORDER BY point, window_no, id",
                    &[],
                )?
                .into_iter()
                .map(|r| {
                    Ok(DeviceRow {
                        id: r.get("id").text().unwrap_or_default(),
                        point: r.get("point").text().unwrap_or_default(),
                        window: r.get("window_no").int()?,
                        name: r.get("name").text().unwrap_or_default(),
                        revoked: r.get("revoked").int()? != 0,
                        cloned: r.get("cloned").text().is_some(),
                    })
                })
                .collect::<Result<_, ServerFailure>>()
        })
    }
}

/// An enrolled device as `counter-server devices` lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeviceRow {
    pub id: String,
    pub point: String,
    pub window: i64,
    pub name: String,
    pub revoked: bool,
    /// Stopped because two stores pushed as it (a copied PC).
    pub cloned: bool,
}
