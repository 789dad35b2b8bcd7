//! The working-day calendar: weekdays, minus the State Council's days off, plus its make-up
//! working days (调休). Loaded from `catalogs/calendar.toml`.

use std::collections::{BTreeMap, HashSet};

mod statutory;
pub use statutory::{statutory_days, StatutoryDay};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar.toml: not valid TOML: {0}")]
    Syntax(String),
    #[error("calendar.toml: year {year}: bad date {text:?}")]
    BadDate { year: i32, text: String },
    #[error("calendar.toml: year {year}: {date} is listed twice")]
    Duplicate { year: i32, date: NaiveDate },
    #[error("calendar.toml: year {year}: make-up working day {date} is not a Saturday or Sunday")]
    MakeUpOnWeekday { year: i32, date: NaiveDate },
    #[error("calendar.toml: year {0} is listed twice")]
    DuplicateYear(i32),
    #[error("calendar.toml: year {0}: source is missing")]
    MissingSource(i32),
    #[error("working-day count {0} is too large")]
    TooManyDays(u32),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    version: String,
    years: Vec<YearFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    source: String,
    days_off: Vec<String>,
    make_up_days: Vec<String>,
}

#[derive(Debug, Clone)]
struct Year {
    source: String,
    days_off: HashSet<NaiveDate>,
    make_up_days: HashSet<NaiveDate>,
}

/// The published holiday arrangements, by year.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// Recorded on a case so its due date can be explained later.
    pub version: String,
    years: BTreeMap<i32, Year>,
}

/// A due date, and whether it rests on a year whose calendar is not yet published (预计).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct Due {
    #[ts(type = "string")]
    pub due: NaiveDate,
    pub provisional: bool,
}

fn parse_day(year: i32, text: &str) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(&format!("{year}-{}", text.trim()), "%Y-%m-%d").map_err(|_| {
        CalendarError::BadDate {
            year,
            text: text.into(),
        }
    })
}

impl Calendar {
    pub fn from_toml(text: &str) -> Result<Calendar, CalendarError> {
        let file: CalendarFile =
            toml::from_str(text).map_err(|e| CalendarError::Syntax(e.to_string()))?;
        let mut years = BTreeMap::new();
        for y in file.years {
            let year = y.year;
            if y.source.trim().is_empty() {
                return Err(CalendarError::MissingSource(year));
            }
            let mut seen = HashSet::new();
            let mut days_off = HashSet::new();
            for entry in &y.days_off {
                let (a, b) = entry.split_once("..").unwrap_or((entry, entry));
                let (start, end) = (parse_day(year, a)?, parse_day(year, b)?);
                if end < start {
                    return Err(CalendarError::BadDate {
                        year,
                        text: entry.clone(),
                    });
                }
                for d in start.iter_days().take_while(|d| *d <= end) {
                    if !seen.insert(d) {
                        return Err(CalendarError::Duplicate { year, date: d });
                    }
                    days_off.insert(d);
                }
            }
            let mut make_up_days = HashSet::new();
            for entry in &y.make_up_days {
                let d = parse_day(year, entry)?;
                if !is_weekend(d) {
                    return Err(CalendarError::MakeUpOnWeekday { year, date: d });
                }
                if !seen.insert(d) {
                    return Err(CalendarError::Duplicate { year, date: d });
                }
                make_up_days.insert(d);
            }
            let previous = years.insert(
                year,
                Year {
                    source: y.source,
                    days_off,
                    make_up_days,
                },
            );
            if previous.is_some() {
                return Err(CalendarError::DuplicateYear(year));
            }
        }
        Ok(Calendar {
            version: file.version,
            years,
        })
    }

    /// The years with a published arrangement, and where each comes from.
    pub fn years(&self) -> impl Iterator<Item = (i32, &str)> {
        self.years.iter().map(|(y, v)| (*y, v.source.as_str()))
    }

    /// Whether `date` falls in a year whose arrangement is loaded.
    pub fn is_published(&self, date: NaiveDate) -> bool {
        self.years.contains_key(&date.year())
    }

    /// Whether the office works on `date`. In an unpublished year the weekends and the days
    /// the law fixes (元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆) are days off; that year's 调休 is
    /// unknown until its notice, so due dates there stay provisional.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.years.get(&date.year()) {
            Some(y) if y.make_up_days.contains(&date) => true,
            Some(y) if y.days_off.contains(&date) => false,
            Some(_) => !is_weekend(date),
            None => !is_weekend(date) && !statutory::is_statutory_holiday(date),
        }
    }

    /// The due date of an N-working-day limit for a case accepted on `accepted`: counting starts
    /// on the first working day after the day of acceptance. N = 0 is the day itself.
    pub fn due(&self, accepted: NaiveDate, working_days: u32) -> Result<Due, CalendarError> {
        if working_days > 3660 {
            return Err(CalendarError::TooManyDays(working_days));
        }
        let mut provisional = !self.is_published(accepted);
        let mut date = accepted;
        let mut left = working_days;
        while left > 0 {
            date = date
                .checked_add_days(Days::new(1))
                .ok_or(CalendarError::TooManyDays(working_days))?;
            provisional |= !self.is_published(date);
            if self.is_working_day(date) {
                left -= 1;
            }
        }
        Ok(Due {
            due: date,
            provisional,
        })
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cal() -> Calendar {
        Calendar::from_toml(crate::bundled::CALENDAR_FILE.1).unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_reference_example_crosses_national_day_and_a_make_up_saturday() {
        let due = cal().due(d("2026-09-30"), 5).unwrap();
        assert_eq!(
            due,
            Due {
                due: d("2026-10-13"),
                provisional: false
            }
        );
    }

    #[test]
    fn spring_festival_and_make_up_days_follow_the_notices() {
        let c = cal();
        assert!(
            c.is_working_day(d("2024-02-09")),
            "除夕 2024 was a working day"
        );
        assert!(!c.is_working_day(d("2024-02-12")));
        assert!(c.is_working_day(d("2024-02-04")), "make-up Sunday");
        assert!(c.is_working_day(d("2025-01-26")));
        assert!(!c.is_working_day(d("2025-02-03")));
        assert!(!c.is_working_day(d("2026-02-23")));
        assert!(c.is_working_day(d("2026-02-28")), "make-up Saturday");
        assert!(!c.is_working_day(d("2026-06-19")));
        // Accepted on the Friday before the 2025 Spring Festival: the make-up Saturday 02-08
        // counts, then 02-05 … 02-07.
        assert_eq!(c.due(d("2025-01-24"), 1).unwrap().due, d("2025-01-26"));
        assert_eq!(c.due(d("2025-01-27"), 1).unwrap().due, d("2025-02-05"));
        assert_eq!(c.due(d("2025-01-27"), 4).unwrap().due, d("2025-02-08"));
    }

    #[test]
    fn a_due_date_in_an_unpublished_year_is_provisional() {
        let c = cal();
        // 2027-01-01 (元旦) is a day off by law whatever the 2027 notice will say.
        let due = c.due(d("2026-12-28"), 5).unwrap();
        assert_eq!(due.due, d("2027-01-05"));
        assert!(due.provisional);
        assert!(!c.due(d("2026-12-01"), 5).unwrap().provisional);
        assert!(c.due(d("2023-06-01"), 1).unwrap().provisional);
    }

    #[test]
    fn an_unpublished_year_counts_the_statutory_holidays() {
        let c = cal();
        // The example: 30 working days from 2026-11-30 skip 元旦 2027.
        let due = c.due(d("2026-11-30"), 30).unwrap();
        assert_eq!(due.due, d("2027-01-12"));
        assert!(due.provisional);
        // 春节 2027: 除夕 Friday 5 February to 初三 Monday 8 February.
        assert!(!c.is_working_day(d("2027-02-05")));
        assert!(!c.is_working_day(d("2027-02-08")));
        assert!(c.is_working_day(d("2027-02-04")));
        assert!(c.is_working_day(d("2027-02-09")));
        assert_eq!(c.due(d("2027-02-04"), 1).unwrap().due, d("2027-02-09"));
        // 清明 (Mon 5 April), 劳动节 (Mon 3 May is not statutory: 1–2 May are a weekend),
        // 端午 (Wed 9 June), 中秋 (Wed 15 September), 国庆 (Fri 1 October).
        for off in ["2027-04-05", "2027-06-09", "2027-09-15", "2027-10-01"] {
            assert!(!c.is_working_day(d(off)), "{off}");
        }
        assert!(c.is_working_day(d("2027-05-03")));
        // Far beyond the precomputed years the rule still holds.
        assert!(!c.is_working_day(d("2060-10-01")));
    }

    #[test]
    fn bad_calendar_files_are_refused() {
        let base = "version = \"v\"\n[[years]]\nyear = 2026\nsource = \"s\"\n";
        let bad = [
            format!("{base}days_off = [\"02-30\"]\nmake_up_days = []"),
            format!("{base}days_off = [\"10-01..10-07\", \"10-07\"]\nmake_up_days = []"),
            format!("{base}days_off = []\nmake_up_days = [\"10-09\"]"),
            format!("{base}days_off = [\"10-07..10-01\"]\nmake_up_days = []"),
            "version = \"v\"\n[[years]]\nyear = 2026\nsource = \"\"\ndays_off = []\nmake_up_days = []".into(),
        ];
        for text in bad {
            assert!(Calendar::from_toml(&text).is_err(), "{text}");
        }
    }

    proptest! {
        #[test]
        fn due_is_a_working_day_after_acceptance_with_exactly_n_working_days(
            offset in 0u64..1100, n in 1u32..60
        ) {
            let c = cal();
            let start = d("2024-01-01") + Days::new(offset);
            let due = c.due(start, n).unwrap();
            prop_assert!(due.due > start);
            prop_assert!(c.is_working_day(due.due));
            let counted = start.iter_days().skip(1).take_while(|x| *x <= due.due)
                .filter(|x| c.is_working_day(*x)).count();
            prop_assert_eq!(counted, n as usize);
        }

        #[test]
        fn more_days_never_make_an_earlier_due_date(offset in 0u64..1000, n in 0u32..40) {
            let c = cal();
            let start = d("2024-01-01") + Days::new(offset);
            prop_assert!(c.due(start, n).unwrap().due < c.due(start, n + 1).unwrap().due);
        }
    }
}
