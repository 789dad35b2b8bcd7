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

/// The network an address stands for in the limits. One IPv6 subscriber is given a whole /64
/// and picks addresses in it at will, so counting single IPv6 addresses would let one
/// attacker try 2^64 times as often; an IPv4 address written as IPv6 (`::ffff:a.b.c.d`, as a
/// dual-stack listener reports it) is that IPv4 address.
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
            }
        },
    }
}

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
        count(&self.enrolments, network(ip), 0) < ENROLMENTS_PER_MINUTE
    }

    pub fn enrolment_failed(&self, ip: IpAddr) {
        count(&self.enrolments, network(ip), 1);
    }

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
        count(&self.failures, network(ip), 0) < FAILURES_PER_MINUTE
    }

    /// Counts a failed console sign-in by address only: the account's own lock (five wrong
    /// passwords, kept in the database for every instance) answers for the name.
    pub fn sign_in_failed(&self, ip: IpAddr) -> bool {
        count(&self.failures, network(ip), 1) > FAILURES_PER_MINUTE
    }

    /// Counts a failed authentication; `true` when the address or the credential has failed
    /// too often this minute (the answer is then 429 instead of 401).
    pub fn failed(&self, ip: IpAddr, credential: &str) -> bool {
        let by_address = count(&self.failures, network(ip), 1) > FAILURES_PER_MINUTE;
        let by_credential =
            count(&self.credentials, crate::hash(credential), 1) > CREDENTIAL_FAILURES_PER_MINUTE;
        by_address || by_credential
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_of_one_ipv6_subscriber_share_their_limit() {
        let g = Guard::default();
        // Each failure from a new address of the same /64.
        for i in 0..FAILURES_PER_MINUTE {
            assert!(g.sign_in_allowed(ip(&format!("2001:db8:1:2::{:x}", i + 1))));
            g.sign_in_failed(ip(&format!("2001:db8:1:2:{:x}::9", i + 1)));
        }
        assert!(!g.sign_in_allowed(ip("2001:db8:1:2:ffff::1")));
        // The next /64 and an IPv4 address are counted on their own.
        assert!(g.sign_in_allowed(ip("2001:db8:1:3::1")));
        assert!(g.sign_in_allowed(ip("192.0.2.7")));
    }

    #[test]
    fn an_ipv4_address_written_as_ipv6_is_that_address() {
        let g = Guard::default();
        for _ in 0..ENROLMENTS_PER_MINUTE {
            g.enrolment_failed(ip("::ffff:192.0.2.7"));
        }
        assert!(!g.enrolment_allowed(ip("192.0.2.7")));
        assert!(g.enrolment_allowed(ip("192.0.2.8")));
        assert_eq!(network(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(network(ip("2001:db8::1")), ip("2001:db8::"));
        assert_eq!(network(ip("10.1.2.3")), ip("10.1.2.3"));
    }
}
