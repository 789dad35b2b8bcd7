//! Rate limits kept in memory: enrolments per address, and failed authentications per
//! address, each per minute. A flood from one address is answered 429 without touching the
//! database.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Enrolments one address may attempt per minute.
pub const ENROLMENTS_PER_MINUTE: u32 = 10;
/// Failed authentications one address may make per minute before it is turned away.
pub const FAILURES_PER_MINUTE: u32 = 20;

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct Guard {
    enrolments: Mutex<HashMap<IpAddr, (Instant, u32)>>,
    failures: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

/// Counts one more in the address's current window; the count after it.
fn count(map: &Mutex<HashMap<IpAddr, (Instant, u32)>>, ip: IpAddr, add: u32) -> u32 {
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
    /// Counts an enrolment attempt; `false` once the address is over its limit.
    pub fn enrolment_allowed(&self, ip: IpAddr) -> bool {
        count(&self.enrolments, ip, 1) <= ENROLMENTS_PER_MINUTE
    }

    pub fn failed(&self, ip: IpAddr) {
        count(&self.failures, ip, 1);
    }

    pub fn failures_exceeded(&self, ip: IpAddr) -> bool {
        count(&self.failures, ip, 0) >= FAILURES_PER_MINUTE
    }
}
