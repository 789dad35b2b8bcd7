//! Enrolment: one-time codes for a point, devices and their keys, revocation.

use counter_core::proto::*;

use crate::snapshots::signing_key;
use crate::{hash, random_token, Central, ServerFailure};

impl Central {
    /// A one-time enrolment code for a point.
    pub fn enroll_code(
        &self,
        point: &str,
        level: Option<&str>,
        name: Option<&str>,
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
                "INSERT INTO enroll_codes (code, point, level, name) VALUES (?1, ?2, ?3, ?4)",
                &[
                    code.as_str().into(),
                    point.into(),
                    level.into(),
                    name.into(),
                ],
            )?;
            Ok(())
        })?;
        Ok(code)
    }

    pub fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, ServerFailure> {
        self.tx(|t| {
            let code = req.code.trim();
            let Some(row) = t.row(
                "SELECT point, level, name, used_by FROM enroll_codes WHERE code = ?1",
                &[code.into()],
            )?
            else {
                return Err(ServerFailure::Input(
                    "注册码无效，请向管理员索取新的注册码".into(),
                ));
            };
            if row[3].text().is_some() {
                return Err(ServerFailure::Input(
                    "注册码已被使用，请向管理员索取新的注册码".into(),
                ));
            }
            let point = row[0].text().unwrap_or_default();
            let device_id = uuid::Uuid::now_v7().to_string();
            let key = random_token(32);
            t.exec(
                "INSERT INTO devices (id, point, key_hash, name) VALUES (?1, ?2, ?3, ?4)",
                &[
                    device_id.as_str().into(),
                    point.as_str().into(),
                    hash(&key).into(),
                    req.device_name.as_str().into(),
                ],
            )?;
            t.exec(
                "UPDATE enroll_codes SET used_by = ?2 WHERE code = ?1",
                &[code.into(), device_id.as_str().into()],
            )?;
            let public_key = hex(signing_key(t)?.verifying_key().as_bytes());
            Ok(EnrollResponse {
                device_id,
                key,
                point,
                level: row[1].text(),
                name: row[2].text(),
                public_key,
            })
        })
    }

    /// The device behind a bearer token, if the token is right and the device not revoked.
    pub fn device(&self, token: &str) -> Result<Option<(String, String)>, ServerFailure> {
        let Some((id, key)) = token.split_once('.') else {
            return Ok(None);
        };
        self.tx(|t| {
            Ok(t.row(
                "SELECT point FROM devices WHERE id = ?1 AND key_hash = ?2 AND revoked = 0",
                &[id.into(), hash(key).into()],
            )?
            .and_then(|r| r[0].text())
            .map(|p| (id.to_string(), p)))
        })
    }

    pub fn revoke(&self, device: &str) -> Result<(), ServerFailure> {
        self.tx(|t| {
            t.exec(
                "UPDATE devices SET revoked = 1 WHERE id = ?1",
                &[device.into()],
            )?;
            Ok(())
        })
    }
}
