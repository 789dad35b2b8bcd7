//! The days off that the law itself fixes, known before a year's State Council notice appears.
//!
//! 《全国年节及纪念日放假办法》 (as revised in 2024, in force from 2025) gives every citizen
//! 元旦 (1 January), 春节 (除夕 to 正月初三), 清明 (the day of the solar term), 劳动节 (1–2 May),
//! 端午 (五月初五), 中秋 (八月十五) and 国庆 (1–3 October). The yearly notice only moves days
//! around them (调休, 补休). Until it is published, a due date counts these days as days off and
//! stays provisional (预计). Lunar dates and the solar term come from `tyme4rs` (a maintained
//! astronomical calendar library), not from a hand-kept table.

use chrono::{Datelike, Days, NaiveDate};
use tyme4rs::tyme::lunar::LunarDay;
use tyme4rs::tyme::solar::{SolarDay, SolarTerm};

/// A statutory day off and the festival it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatutoryDay {
    pub date: NaiveDate,
    pub festival: &'static str,
}

/// The years tyme4rs computes for; outside them no statutory day is known.
const YEARS: std::ops::RangeInclusive<i32> = 1901..=2099;

fn solar(d: SolarDay) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        d.get_year() as i32,
        d.get_month() as u32,
        d.get_day() as u32,
    )
}

fn lunar(year: i32, month: isize, day: usize) -> Option<NaiveDate> {
    solar(LunarDay::from_ymd(year as isize, month, day).get_solar_day())
}

/// Every statutory day off of `year`, in date order.
pub fn statutory_days(year: i32) -> Vec<StatutoryDay> {
    if !YEARS.contains(&year) {
        return Vec::new();
    }
    let fixed = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d);
    let mut days: Vec<(Option<NaiveDate>, &'static str)> = vec![
        (fixed(1, 1), "元旦"),
        (
            solar(SolarTerm::from_name(year as isize, "清明").get_solar_day()),
            "清明节",
        ),
        (fixed(5, 1), "劳动节"),
        (fixed(5, 2), "劳动节"),
        (lunar(year, 5, 5), "端午节"),
        (lunar(year, 8, 15), "中秋节"),
        (fixed(10, 1), "国庆节"),
        (fixed(10, 2), "国庆节"),
        (fixed(10, 3), "国庆节"),
    ];
    // 春节: 除夕 (the eve of 正月初一) to 初三.
    if let Some(new_year) = lunar(year, 1, 1) {
        let eve = new_year.checked_sub_days(Days::new(1));
        days.push((eve, "春节"));
        for n in 0..3 {
            days.push((new_year.checked_add_days(Days::new(n)), "春节"));
        }
    }
    let mut out: Vec<StatutoryDay> = days
        .into_iter()
        .filter_map(|(d, festival)| d.map(|date| StatutoryDay { date, festival }))
        .collect();
    out.sort_by_key(|d| d.date);
    out.dedup_by_key(|d| d.date);
    out
}

/// Whether the law makes `date` a day off. Each year is computed once per process, when first
/// asked (a due date may walk hundreds of days through an unpublished year; most processes
/// never ask at all).
pub fn is_statutory_holiday(date: NaiveDate) -> bool {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static YEARS: OnceLock<Mutex<HashMap<i32, Vec<NaiveDate>>>> = OnceLock::new();
    let mut years = YEARS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    years
        .entry(date.year())
        .or_insert_with(|| statutory_days(date.year()).iter().map(|s| s.date).collect())
        .contains(&date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn dates(year: i32, festival: &str) -> Vec<NaiveDate> {
        statutory_days(year)
            .into_iter()
            .filter(|s| s.festival == festival)
            .map(|s| s.date)
            .collect()
    }

    #[test]
    fn the_lunar_festivals_of_2027_fall_where_the_almanac_puts_them() {
        // 2027: 正月初一 is 6 February, 清明 5 April, 端午 9 June, 中秋 15 September.
        assert_eq!(
            dates(2027, "春节"),
            ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"].map(d)
        );
        assert_eq!(dates(2027, "清明节"), [d("2027-04-05")]);
        assert_eq!(dates(2027, "端午节"), [d("2027-06-09")]);
        assert_eq!(dates(2027, "中秋节"), [d("2027-09-15")]);
        assert_eq!(statutory_days(2027).len(), 13);
    }

    #[test]
    fn every_statutory_day_is_off_in_the_published_notices_under_the_revised_law() {
        // The notices for 2025 and 2026 were made under the revised law: each statutory day
        // must be among their days off. (2024's predates the revision: 除夕 was worked.)
        let cal = crate::bundled::calendar().unwrap();
        for year in [2025, 2026] {
            for s in statutory_days(year) {
                assert!(
                    !cal.is_working_day(s.date),
                    "{} {} is a working day in the {year} notice",
                    s.date,
                    s.festival
                );
            }
        }
    }

    #[test]
    fn years_beyond_the_library_have_none() {
        assert!(statutory_days(1800).is_empty());
        assert_eq!(statutory_days(2099).first().unwrap().date, d("2099-01-01"));
    }
}
