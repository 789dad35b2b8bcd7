//! The one clock of the application layer. The window and the terminal both take it from
//! [`Clock::from_env`] (or the terminal's `--now`), so the time is read in one place.

use chrono::NaiveDateTime;

/// Where "now" comes from: the computer's clock, or a fixed time (end-to-end tests and the
/// terminal's `--now`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    System,
    Fixed(NaiveDateTime),
}

impl Clock {
    /// `COUNTER_NOW` (YYYY-MM-DDTHH:MM:SS) pins the clock; otherwise the system's.
    pub fn from_env() -> Clock {
        std::env::var("COUNTER_NOW")
            .ok()
            .and_then(|s| NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S").ok())
            .map_or(Clock::System, Clock::Fixed)
    }

    /// Local time in whole seconds: what documents and the ledger show.
    pub fn now(self) -> NaiveDateTime {
        match self {
            Clock::Fixed(t) => t,
            Clock::System => {
                chrono::SubsecRound::trunc_subsecs(chrono::Local::now().naive_local(), 0)
            }
        }
    }
}
