//! The central office's staff (`counter-server staff …`) and their console sessions: argon2id
//! password hashes; five wrong passwords lock an account for a while; one answer for an
//! unknown name and a wrong password; a session is a random token whose hash the database
//! keeps (any instance finds it), ended by sign-out or 15 idle minutes.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use serde::{Deserialize, Serialize};

use crate::audit;
use crate::db::{Exec, Row};
use crate::{Central, ServerFailure};

/// Wrong passwords in a row before the account locks.
pub const FREE_TRIES: i64 = 5;
/// How long a locked account stays locked, in seconds.
pub const LOCK_SECONDS: i64 = 15 * 60;
/// A session ends after this long without a request, in seconds.
pub const IDLE_SECONDS: i64 = 15 * 60;
/// The shortest password taken.
const MIN_PASSWORD: usize = 10;

/// What a member of staff may do in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// The queue and the decisions (审核、退回、办结), for their points.
    Reviewer,
    /// Devices, enrolment, catalog editions and staff.
    Admin,
    /// Reads the figures and the audit log; decides nothing.
    Auditor,
}

impl StaffRole {
    pub fn parse(s: &str) -> Option<StaffRole> {
        match s {
            "reviewer" => Some(StaffRole::Reviewer),
            "admin" => Some(StaffRole::Admin),
            "auditor" => Some(StaffRole::Auditor),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Reviewer => "reviewer",
            StaffRole::Admin => "admin",
            StaffRole::Auditor => "auditor",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StaffRole::Reviewer => "审核员",
            StaffRole::Admin => "管理员",
            StaffRole::Auditor => "审计员",
        }
    }
}

/// A member of staff as the console and `staff list` show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffMember {
    pub name: String,
    pub role: StaffRole,
    /// The points a reviewer works for; `None`: every point.
    pub points: Option<Vec<String>>,
    pub disabled: bool,
    /// Locked after wrong passwords, until this time (Unix seconds).
    pub locked_until: Option<i64>,
}

impl StaffMember {
    /// Whether the cases of `point` are this member's to see and decide.
    pub fn covers(&self, point: &str) -> bool {
        self.points
            .as_ref()
            .is_none_or(|p| p.iter().any(|x| x == point))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignInFailure {
    /// The same answer for an unknown name and a wrong password: names are not revealed.
    #[error("用户名或密码错误（连续输错 {FREE_TRIES} 次将暂时锁定账号）")]
    Wrong,
    #[error("连续输错密码，账号已暂时锁定，请 {minutes} 分钟后再试")]
    Locked { minutes: i64 },
    /// Said only after the right password.
    #[error("账号“{0}”已被停用，请联系中心管理员")]
    Disabled(String),
    #[error("{0}")]
    Server(#[from] ServerFailure),
}

fn hash_password(password: &str) -> Result<String, ServerFailure> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(ServerFailure::Input(format!(
            "密码至少 {MIN_PASSWORD} 个字符"
        )));
    }
    Argon2::default()
        .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
        .map(|h| h.to_string())
        .map_err(|e| ServerFailure::Input(format!("无法设置密码：{e}")))
}

fn check_name(name: &str) -> Result<(), ServerFailure> {
    // The command line's own name in the audit log.
    if name == "counter-server" {
        return Err(ServerFailure::Input(
            "用户名“counter-server”保留给服务器命令".into(),
        ));
    }
    let n = name.chars().count();
    if n == 0 || n > 32 || name.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ServerFailure::Input(format!(
            "用户名“{name}”无效：1 至 32 个字符，不含空格"
        )));
    }
    Ok(())
}

fn member(r: &Row) -> Result<StaffMember, ServerFailure> {
    let role = r.get("role").text().unwrap_or_default();
    Ok(StaffMember {
        name: r.get("name").text().unwrap_or_default(),
        role: StaffRole::parse(&role)
            .ok_or_else(|| ServerFailure::Storage(format!("未知的职员角色 {role}")))?,
        points: r
            .get("points")
            .text()
            .map(|p| p.split(',').map(str::to_string).collect()),
        disabled: r.get("disabled").int()? != 0,
        locked_until: r.get("locked_until").opt_int()?,
    })
}

/// What a sign-in's counted try found.
enum Reserved {
    /// The account, its hash, and this try's number since the last success or lock.
    Try(StaffMember, String, i64),
    /// Locked until then.
    Locked(i64),
    Nobody,
}

const MEMBER: &str = "SELECT name, role, points, disabled, locked_until FROM staff";

fn find(t: &mut dyn Exec, name: &str) -> Result<StaffMember, ServerFailure> {
    match t.row(&format!("{MEMBER} WHERE name = ?1"), &[name.into()])? {
        Some(r) => member(&r),
        None => Err(ServerFailure::Input(format!("没有名为“{name}”的职员"))),
    }
}

impl Central {
    /// Adds a member of staff; a reviewer's `points` limit their queue (none: every point).
    pub fn staff_add(
        &self,
        name: &str,
        role: StaffRole,
        points: Option<Vec<String>>,
        password: &str,
    ) -> Result<(), ServerFailure> {
        self.staff_add_by(name, role, points, password, "counter-server")
    }

    /// As [`Central::staff_add`], recorded in the audit log as done by `by`.
    pub(crate) fn staff_add_by(
        &self,
        name: &str,
        role: StaffRole,
        points: Option<Vec<String>>,
        password: &str,
        by: &str,
    ) -> Result<(), ServerFailure> {
        check_name(name)?;
        if let Some(bad) = points
            .iter()
            .flatten()
            .find(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(ServerFailure::Input(format!("网点代码“{bad}”无效")));
        }
        let points = points.filter(|p| !p.is_empty()).map(|p| p.join(","));
        let hash = hash_password(password)?;
        self.tx(|t| {
            let added = t.exec(
                "INSERT INTO staff (name, role, points, hash) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
                &[
                    name.into(),
                    role.as_str().into(),
                    points.into(),
                    hash.into(),
                ],
            )?;
            if added == 0 {
                return Err(ServerFailure::Input(format!("职员“{name}”已存在")));
            }
            audit::record(t, by, "staff_add", Some(name), Some(role.label()))
        })
    }

    pub fn staff_list(&self) -> Result<Vec<StaffMember>, ServerFailure> {
        self.tx(|t| {
            t.rows(&format!("{MEMBER} ORDER BY name"), &[])?
                .iter()
                .map(member)
                .collect()
        })
    }

    /// Stops an account: its sessions end at once.
    pub fn staff_disable(&self, name: &str) -> Result<(), ServerFailure> {
        self.staff_disable_by(name, "counter-server")
    }

    pub(crate) fn staff_disable_by(&self, name: &str, by: &str) -> Result<(), ServerFailure> {
        self.tx(|t| {
            find(t, name)?;
            t.exec(
                "UPDATE staff SET disabled = 1 WHERE name = ?1",
                &[name.into()],
            )?;
            t.exec("DELETE FROM staff_sessions WHERE name = ?1", &[name.into()])?;
            audit::record(t, by, "staff_disable", Some(name), None)
        })
    }

    /// A new password: the account is enabled and unlocked, and its sessions end.
    pub fn staff_reset(&self, name: &str, password: &str) -> Result<(), ServerFailure> {
        self.staff_reset_by(name, password, "counter-server")
    }

    pub(crate) fn staff_reset_by(
        &self,
        name: &str,
        password: &str,
        by: &str,
    ) -> Result<(), ServerFailure> {
        let hash = hash_password(password)?;
        self.tx(|t| {
            find(t, name)?;
            t.exec(
                "UPDATE staff SET hash = ?2, disabled = 0, failures = 0, locked_until = NULL
                 WHERE name = ?1",
                &[name.into(), hash.into()],
            )?;
            t.exec("DELETE FROM staff_sessions WHERE name = ?1", &[name.into()])?;
            audit::record(t, by, "staff_reset", Some(name), None)
        })
    }

    /// Signs in: a new session's token (for the cookie) and who it is.
    ///
    /// Each try is counted before the password is hashed, in one statement: tries made in
    /// parallel each take their own place, and those past the fifth are refused unhashed. A lock
    /// that has run out starts the count again. A name nobody has counts its tries in this
    /// process the same way, so a lock does not tell which names exist.
    pub fn sign_in(
        &self,
        name: &str,
        password: &str,
        at: i64,
    ) -> Result<(String, StaffMember), SignInFailure> {
        let reserved = self.tx(|t| {
            let row = t.row(
                "UPDATE staff SET
                   failures = CASE WHEN locked_until IS NOT NULL AND locked_until <= ?2
                                   THEN 1 ELSE failures + 1 END,
                   locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until <= ?2
                                       THEN NULL ELSE locked_until END
                 WHERE name = ?1 AND (locked_until IS NULL OR locked_until <= ?2)
                 RETURNING name, role, points, disabled, locked_until, hash, failures",
                &[name.into(), at.into()],
            )?;
            Ok(match row {
                Some(r) => Reserved::Try(
                    member(&r)?,
                    r.get("hash").text().unwrap_or_default(),
                    r.get("failures").int()?,
                ),
                None => match t.row(
                    "SELECT locked_until FROM staff WHERE name = ?1",
                    &[name.into()],
                )? {
                    Some(r) => Reserved::Locked(r.get("locked_until").int()?),
                    None => Reserved::Nobody,
                },
            })
        })?;
        let locked = |until: i64| -> Result<(String, StaffMember), SignInFailure> {
            self.tx(|t| audit::record(t, name, "sign_in_failed", None, Some("账号已锁定")))?;
            Err(SignInFailure::Locked {
                minutes: (until - at + 59) / 60,
            })
        };
        let (who, hash, tries) = match reserved {
            Reserved::Locked(until) => return locked(until),
            Reserved::Nobody => {
                if let Some(until) = self.guard.unknown_name_locked(name, at) {
                    return locked(until);
                }
                // As long as a wrong password takes: the answer's time does not tell names apart.
                let _ = Argon2::default()
                    .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng));
                self.guard.unknown_name_failed(name, at);
                self.tx(|t| audit::record(t, name, "sign_in_failed", None, Some("无此用户名")))?;
                return Err(SignInFailure::Wrong);
            }
            Reserved::Try(who, hash, tries) => (who, hash, tries),
        };
        if tries > FREE_TRIES {
            // Past the fifth of tries made together: locked without hashing.
            let until = at + LOCK_SECONDS;
            self.tx(|t| {
                t.exec(
                    "UPDATE staff SET locked_until = ?2 WHERE name = ?1",
                    &[name.into(), until.into()],
                )
                .map(|_| ())
            })?;
            return locked(until);
        }
        let ok = PasswordHash::new(&hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        });
        if !ok {
            self.tx(|t| {
                if tries >= FREE_TRIES {
                    t.exec(
                        "UPDATE staff SET locked_until = ?2 WHERE name = ?1",
                        &[name.into(), (at + LOCK_SECONDS).into()],
                    )?;
                }
                audit::record(t, name, "sign_in_failed", None, Some("密码错误"))
            })?;
            return Err(SignInFailure::Wrong);
        }
        if who.disabled {
            self.tx(|t| audit::record(t, name, "sign_in_failed", None, Some("账号已停用")))?;
            return Err(SignInFailure::Disabled(name.to_string()));
        }
        let token = crate::random_token(32);
        self.tx(|t| {
            t.exec(
                "UPDATE staff SET failures = 0, locked_until = NULL WHERE name = ?1",
                &[name.into()],
            )?;
            t.exec(
                "INSERT INTO staff_sessions (token_hash, name, last_seen) VALUES (?1, ?2, ?3)",
                &[crate::hash(&token).into(), name.into(), at.into()],
            )?;
            audit::record(t, name, "sign_in", None, None)
        })?;
        Ok((
            token,
            StaffMember {
                locked_until: None,
                ..who
            },
        ))
    }

    /// Who holds this session, if it is alive; a request keeps it alive.
    pub fn session(&self, token: &str, at: i64) -> Result<Option<StaffMember>, ServerFailure> {
        let key = crate::hash(token);
        self.tx(|t| {
            let Some(r) = t.row(
                "SELECT st.name, st.role, st.points, st.disabled, st.locked_until, s.last_seen
                 FROM staff_sessions s JOIN staff st ON st.name = s.name
                 WHERE s.token_hash = ?1",
                &[key.as_str().into()],
            )?
            else {
                return Ok(None);
            };
            let who = member(&r)?;
            let last = r.get("last_seen").int()?;
            if who.disabled || at - last > IDLE_SECONDS {
                t.exec(
                    "DELETE FROM staff_sessions WHERE token_hash = ?1",
                    &[key.as_str().into()],
                )?;
                return Ok(None);
            }
            // Kept alive, written at most every half minute.
            if at - last >= 30 {
                t.exec(
                    "UPDATE staff_sessions SET last_seen = ?2 WHERE token_hash = ?1",
                    &[key.as_str().into(), at.into()],
                )?;
            }
            Ok(Some(who))
        })
    }

    /// Ends a session.
    pub fn sign_out(&self, token: &str, who: &str) -> Result<(), ServerFailure> {
        self.tx(|t| {
            t.exec(
                "DELETE FROM staff_sessions WHERE token_hash = ?1",
                &[crate::hash(token).into()],
            )?;
            audit::record(t, who, "sign_out", None, None)
        })
    }
}
