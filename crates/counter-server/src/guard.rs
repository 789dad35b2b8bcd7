//! Rate limits kept in memory: failed enrolments per address, and failed authentications per
//! credential and per address, each per minute. A valid credential is always served: one PC
//! with a revoked key never locks out the hall it shares an address with.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed enrolments (a wrong, used or expired code) one address may make per minute; a
/// hall enrolling all its PCs at once behind one address is not held up.
pub const ENROLMENTS_PER_MINUTE: u32 = 10;
/// Failed authentications one address may make per minute before its failures answer 429.
pub const FAILURES_PER_MINUTE: u32 = 20;
/// Failed authentications one credential may make per minute before it answers 429.
pub const CREDENTIAL_FAILURES_PER_MINUTE: u32 = 5;

const WINDOW: Duration = Duration::from_secs(60);

type Windows<K> = Mutex<HashMap<K, (Instant, u32)>>;

#[derive(Default)]
pub struct Guard {
    /// Console sign-ins under names nobody has: (failures, locked until), so that such a name
    /// locks like an account does and a lock does not tell names apart.
    unknown_names: Mutex<HashMap<String, (i64, i64)>>,
    enrolments: Windows<IpAddr>,
    failures: Windows<IpAddr>,
    /// Keyed by a hash of the credential presented.
    credentials: Windows<String>,
}

/// Counts one more in the key's current window; the count after it.
fn count<K: std::hash::Hash + Eq>(map: &Windows<K>, ip: K, add: u32) -> u32 {
    let mut m = map.lock().unwrap_or_else(|p| p.into_inner());
    let now = Instant::now();
    // Forget finished windows now and then, so the map stays small.
    if m.len() > 10_000 {
        m.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
    }
    let e = m.entry(ip).or_insert((now, 0));
    if now.duration_since(e.0) >= WINDOW {
        *e = (now, 0);
    }
    e.1 += add;
    e.1
}

impl Guard {
    /// `false` once the address has failed to enrol too often this minute (codes are not
    /// guessed).
    pub fn enrolment_allowed(&self, ip: IpAddr) -> bool {
        count(&self.enrolments, ip, 0) < ENROLMENTS_PER_MINUTE
    }

    pub fn enrolment_failed(&self, ip: IpAddr) {
        count(&self.enrolments, ip, 1);
    }

    /// Counts a failed authentication; `true` when the address or the credential has failed
    /// too often this minute (the answer is then 429 instead of 401).
    /// Until when a name nobody has is "locked", if it is.
    pub fn unknown_name_locked(&self, name: &str, now: i64) -> Option<i64> {
        let m = self.unknown_names.lock().unwrap_or_else(|p| p.into_inner());
        m.get(name).map(|(_, until)| *until).filter(|u| *u > now)
    }

    /// Counts a sign-in under a name nobody has, as the database counts an account's.
    pub fn unknown_name_failed(&self, name: &str, now: i64) {
        let mut m = self.unknown_names.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() > 10_000 {
            m.retain(|_, (_, until)| *until > now);
        }
        let e = m.entry(name.to_string()).or_insert((0, 0));
        if e.1 != 0 && e.1 <= now {
            *e = (0, 0);
        }
        e.0 += 1;
        if e.0 >= crate::staff::FREE_TRIES {
            e.1 = now + crate::staff::LOCK_SECONDS;
        }
    }

    /// Whether this address may try to sign in now (checked before the password is hashed).
    pub fn sign_in_allowed(&self, ip: IpAddr) -> bool {
        count(&self.failures, ip, 0) < FAILURES_PER_MINUTE
    }

    /// Counts a failed console sign-in by address only: the account's own lock (five wrong
    /// passwords, kept in the database for every instance) answers for the name.
    pub fn sign_in_failed(&self, ip: IpAddr) -> bool {
        count(&self.failures, ip, 1) > FAILURES_PER_MINUTE
    }

    pub fn failed(&self, ip: IpAddr, credential: &str) -> bool {
        let by_address = count(&self.failures, ip, 1) > FAILURES_PER_MINUTE;
        let by_credential =
            count(&self.credentials, crate::hash(credential), 1) > CREDENTIAL_FAILURES_PER_MINUTE;
        by_address || by_credential
    }
}
