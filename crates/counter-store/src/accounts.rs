//! Clerk accounts: argon2id password hashes; wrong passwords lock the account for a while,
//! longer each time.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{Duration, NaiveDateTime};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Clerk,
    Supervisor,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Supervisor => "supervisor",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Clerk {
    pub name: String,
    pub role: Role,
}

/// Free tries before the account locks.
pub const FREE_TRIES: i64 = 5;

/// The longest lock, in seconds.
const LONGEST_LOCK: i64 = 3600;

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The same answer for an unknown name and a wrong password: names are not revealed.
    #[error("用户名或密码错误（连续输错{FREE_TRIES}次将暂时锁定账号）")]
    Wrong,
    #[error("连续输错密码，账号已锁定，请于{until}后再试")]
    Locked { until: String },
    /// Said only after the right password: a wrong one gets `Wrong`, as for an unknown name.
    #[error("账号“{0}”已被负责人停用，请联系负责人")]
    Disabled(String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// An account's row as signing in reads it: role, password hash, failed tries, locked until,
/// disabled since.
type AccountRow = (String, String, i64, Option<String>, Option<String>);

fn fmt(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

impl Store {
    /// Whether any account exists (none: the first start sets up a supervisor).
    pub fn has_clerks(&self) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM clerks", [], |r| r.get::<_, i64>(0))?
            > 0)
    }

    pub fn clerks(&self) -> Result<Vec<Clerk>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT name, role FROM clerks ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (name, role) = row?;
            out.push(Clerk {
                name,
                role: if role == "supervisor" {
                    Role::Supervisor
                } else {
                    Role::Clerk
                },
            });
        }
        Ok(out)
    }

    /// Adds an account. Names are trimmed; passwords need six characters.
    pub fn add_clerk(
        &mut self,
        name: &str,
        password: &str,
        role: Role,
        now: NaiveDateTime,
    ) -> Result<Clerk, StoreError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 20 {
            return Err(StoreError::Input("经办人姓名应为1至20个字".into()));
        }
        let hash = hash(password)?;
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx
            .query_row("SELECT 1 FROM clerks WHERE name = ?1", [name], |_| Ok(true))
            .optional()?
            .is_some();
        if exists {
            return Err(StoreError::Input(format!("经办人“{name}”已存在")));
        }
        tx.execute(
            "INSERT INTO clerks (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, role.as_str(), hash, fmt(now)],
        )?;
        tx.commit()?;
        tracing::info!(role = role.as_str(), "clerk account added");
        Ok(Clerk {
            name: name.to_string(),
            role,
        })
    }

    /// Checks a password. Five wrong tries lock the account for 30 s, doubling with each
    /// further wrong try (at most an hour); a right password clears the count.
    pub fn sign_in(
        &mut self,
        name: &str,
        password: &str,
        now: NaiveDateTime,
    ) -> Result<Clerk, SignInError> {
        let name = name.trim();
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let row: Option<AccountRow> = tx
            .query_row(
                "SELECT role, password_hash, failed, locked_until, disabled_at FROM clerks WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .map_err(StoreError::from)?;
        let Some((role, hash, failed, locked_until, disabled)) = row else {
            // Same answer and similar cost as a wrong password: names are not revealed.
            let _ = Argon2::default()
                .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng));
            return Err(SignInError::Wrong);
        };
        // A lock further ahead than the longest one means the clock was set back since: it is
        // not allowed to lock the account for as long as the clock went back.
        let longest = fmt(now + Duration::seconds(LONGEST_LOCK));
        if let Some(until) = locked_until
            .filter(|u| u.as_str() > fmt(now).as_str() && u.as_str() <= longest.as_str())
        {
            return Err(SignInError::Locked {
                until: until.replace('T', " "),
            });
        }
        let ok = PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false);
        if ok && disabled.is_some() {
            return Err(SignInError::Disabled(name.to_string()));
        }
        if ok {
            tx.execute(
                "UPDATE clerks SET failed = 0, locked_until = NULL WHERE name = ?1",
                [name],
            )
            .map_err(StoreError::from)?;
            tx.commit().map_err(StoreError::from)?;
            return Ok(Clerk {
                name: name.to_string(),
                role: if role == "supervisor" {
                    Role::Supervisor
                } else {
                    Role::Clerk
                },
            });
        }
        let failed = failed + 1;
        let lock = (failed >= FREE_TRIES).then(|| {
            let secs = (30i64 << (failed - FREE_TRIES).min(7)).min(LONGEST_LOCK);
            fmt(now + Duration::seconds(secs))
        });
        tx.execute(
            "UPDATE clerks SET failed = ?2, locked_until = ?3 WHERE name = ?1",
            params![name, failed, lock],
        )
        .map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        tracing::warn!(failed, "wrong password");
        match lock {
            Some(until) => Err(SignInError::Locked {
                until: until.replace('T', " "),
            }),
            None => Err(SignInError::Wrong),
        }
    }
}

/// An account as the supervisor's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Account {
    pub name: String,
    pub role: Role,
    /// Stopped by the supervisor (since then).
    pub disabled_at: Option<String>,
    /// Locked after wrong passwords, until then.
    pub locked_until: Option<String>,
}

fn hash(password: &str) -> Result<String, StoreError> {
    if password.chars().count() < 6 {
        return Err(StoreError::Input("密码至少6位".into()));
    }
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
        .map_err(|e| StoreError::Input(format!("无法设置密码：{e}")))?
        .to_string())
}

impl Store {
    /// Every account, by name, with its state.
    pub fn accounts(&self, now: NaiveDateTime) -> Result<Vec<Account>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT name, role, disabled_at, locked_until FROM clerks ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        let now = fmt(now);
        let mut out = Vec::new();
        for row in rows {
            let (name, role, disabled_at, locked) = row?;
            out.push(Account {
                name,
                role: if role == "supervisor" {
                    Role::Supervisor
                } else {
                    Role::Clerk
                },
                disabled_at: disabled_at.map(|t| t.replace('T', " ")),
                locked_until: locked.filter(|u| *u > now).map(|t| t.replace('T', " ")),
            });
        }
        Ok(out)
    }

    /// Stops (or restores) an account. The last supervisor in service is never stopped: the
    /// point would have no one to manage it.
    pub fn set_disabled(
        &mut self,
        name: &str,
        disabled: bool,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let role: Option<String> = tx
            .query_row(
                "SELECT role FROM clerks WHERE name = ?1",
                [name.trim()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(role) = role else {
            return Err(StoreError::Input(format!(
                "没有名为“{}”的账号",
                name.trim()
            )));
        };
        if disabled && role == "supervisor" {
            let others: i64 = tx.query_row(
                "SELECT count(*) FROM clerks WHERE role = 'supervisor' AND disabled_at IS NULL AND name <> ?1",
                [name.trim()],
                |r| r.get(0),
            )?;
            if others == 0 {
                return Err(StoreError::Input(
                    "不能停用唯一的负责人账号：请先添加另一位负责人".into(),
                ));
            }
        }
        tx.execute(
            "UPDATE clerks SET disabled_at = ?2 WHERE name = ?1",
            params![name.trim(), disabled.then(|| fmt(now))],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Sets a new password (the supervisor's reset) and lifts a lock.
    pub fn reset_password(&mut self, name: &str, password: &str) -> Result<(), StoreError> {
        let hash = hash(password)?;
        let n = self.conn().execute(
            "UPDATE clerks SET password_hash = ?2, failed = 0, locked_until = NULL WHERE name = ?1",
            params![name.trim(), hash],
        )?;
        if n == 0 {
            return Err(StoreError::Input(format!(
                "没有名为“{}”的账号",
                name.trim()
            )));
        }
        Ok(())
    }
}
