//! The counter syncs by itself: every few minutes (to pull the centre's decisions), soon after
//! anything waits to be sent (a decision, a hand-over), and after a failure with a backoff
//! that grows, with jitter, up to half an hour — or as long as the server's `Retry-After`
//! says. It runs on a thread and a store connection of its own, never holding the workstation
//! while it waits on the network; a village point offline for days loses nothing (the outbox
//! is in the store) and catches up at the first run that reaches the server.
//!
//! `COUNTER_SYNC_EVERY` sets the period in seconds (default 300; 0 turns it off).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::commands::{with, Desk};

/// When the background sync runs.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Between runs when nothing waits.
    pub every: Duration,
    /// After something starts waiting to be sent.
    pub soon: Duration,
    /// The longest pause after failures.
    pub max_backoff: Duration,
    /// How often the thread looks at the outbox.
    pub tick: Duration,
}

impl Schedule {
    /// From `COUNTER_SYNC_EVERY` (seconds); `None` when it is 0 (off).
    pub fn from_env() -> Option<Schedule> {
        let every = std::env::var("COUNTER_SYNC_EVERY")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(300);
        (every > 0).then(|| Schedule::every(Duration::from_secs(every)))
    }

    pub fn every(every: Duration) -> Schedule {
        Schedule {
            every,
            soon: every.min(Duration::from_secs(10)),
            max_backoff: Duration::from_secs(1800),
            tick: every.min(Duration::from_secs(2)),
        }
    }
}

/// What the background sync is doing, shown on the header's chip.
pub type Status = Arc<Mutex<Option<String>>>;

/// The pause after `failures` failures in a row: doubling from the period's tenth (at least
/// 5 s), at most `max`, spread by ±25% so that a hall's PCs do not all come back at once.
pub fn backoff(schedule: &Schedule, failures: u32, jitter: u64) -> Duration {
    let base = (schedule.every / 10).max(Duration::from_secs(5));
    let grown = base
        .saturating_mul(1u32 << failures.saturating_sub(1).min(16))
        .min(schedule.max_backoff);
    let spread = grown.as_millis() as u64 / 2;
    let offset = if spread == 0 { 0 } else { jitter % spread };
    (grown * 3 / 4 + Duration::from_millis(offset)).min(schedule.max_backoff)
}

fn clock_text(at: Instant) -> String {
    let wait = at.saturating_duration_since(Instant::now());
    let when = chrono::Local::now() + chrono::Duration::from_std(wait).unwrap_or_default();
    when.format("%H:%M").to_string()
}

/// Starts the background sync for `desk`; the thread ends with the process.
pub fn spawn(desk: Arc<Desk>, schedule: Schedule) -> std::thread::JoinHandle<()> {
    // Said before the thread starts: the chip shows it from the first look.
    let status: Status = Arc::new(Mutex::new(Some(format!(
        "自动同步：每 {} 分钟",
        schedule.every.as_secs().div_ceil(60)
    ))));
    if let Ok(mut w) = desk.lock() {
        w.auto_sync = Some(status.clone());
    }
    std::thread::Builder::new()
        .name("counter-autosync".into())
        .spawn(move || run(&desk, schedule, &status))
        .expect("a thread for the background sync")
}

fn run(desk: &Desk, schedule: Schedule, status: &Status) {
    let mut jitter = u64::from(std::process::id()) | 1;
    let mut failures = 0u32;
    let mut next_periodic = Instant::now() + schedule.soon;
    let mut not_before = Instant::now();
    let mut waiting_since: Option<Instant> = None;
    let say = |text: String| {
        if let Ok(mut s) = status.lock() {
            *s = Some(text);
        }
    };
    loop {
        std::thread::sleep(schedule.tick);
        let Ok(Some((job, pending))) = with(desk, |w| Ok(w.background_sync_job())) else {
            continue;
        };
        let now = Instant::now();
        waiting_since = match (pending > 0, waiting_since) {
            (true, None) => Some(now),
            (true, since) => since,
            (false, _) => None,
        };
        let soon = waiting_since.is_some_and(|t| now.duration_since(t) >= schedule.soon);
        if now < not_before || !(soon || now >= next_periodic) {
            continue;
        }
        let result = crate::central::run_sync_in_background(job);
        let _ = with(desk, |w| w.reload());
        let now = Instant::now();
        jitter ^= jitter << 13;
        jitter ^= jitter >> 7;
        jitter ^= jitter << 17;
        match result {
            Ok(()) => {
                failures = 0;
                waiting_since = None;
                next_periodic = now + schedule.every;
                not_before = now;
                say(format!("自动同步：下次 {}", clock_text(next_periodic)));
            }
            Err(e) => {
                failures += 1;
                let pause = e
                    .retry_after()
                    .unwrap_or_else(|| backoff(&schedule, failures, jitter));
                not_before = now + pause;
                next_periodic = not_before;
                tracing::warn!(error = %e, failures, secs = pause.as_secs(), "background sync failed");
                say(if e.passing() {
                    format!("自动同步：{} 重试", clock_text(not_before))
                } else {
                    format!("自动同步暂停至 {}：{e}", clock_text(not_before))
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_grows_with_jitter_up_to_its_cap() {
        let s = Schedule::every(Duration::from_secs(300));
        let mut last = Duration::ZERO;
        for f in 1..=12 {
            let lows: Vec<Duration> = (0..50).map(|j| backoff(&s, f, j * 7919)).collect();
            let min = *lows.iter().min().unwrap();
            let max = *lows.iter().max().unwrap();
            assert!(max <= s.max_backoff, "{f}: {max:?}");
            assert!(min >= Duration::from_secs(22), "{f}: {min:?}");
            assert!(max >= last || max == s.max_backoff, "{f}: grows");
            last = max;
        }
        assert!(backoff(&s, 1, 1) < Duration::from_secs(60));
        assert!(backoff(&s, 12, 1) > Duration::from_secs(1000));
    }
}
