//! The figures of a period (办件量, 按时办结率, 超期 and 即将超期, 好差评) computed from the cases
//! themselves: one function, which the hall's supervisor (`counter report`, 设置 → 统计) and
//! the central console use alike.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

use crate::calendar::Calendar;
use crate::case::{level_label, Case, CaseState};
use crate::ids::mask_id;

/// How many cases share a key (an item, a clerk, a state, a rating level).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: u32,
}

/// One case of a list (overdue, nearly due), the applicant's ID masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CaseLine {
    pub case_no: String,
    pub item_name: String,
    pub clerk: String,
    pub state: String,
    pub due: Option<String>,
    pub id_masked: String,
}

/// Cases each list of the figures names at most (overdue, nearly due, follow-ups); the counts
/// are of every case. A province's year must not become a page of a million lines.
pub const LISTED: usize = 1000;

/// A 差评 awaiting its follow-up (回访), with the day it is due by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FollowUpLine {
    pub case_no: String,
    pub item_name: String,
    pub clerk: String,
    /// The rating's level, as the applicant chose it (不满意, 非常不满意).
    pub rating: String,
    pub due: String,
    /// Past its due day, unanswered.
    pub late: bool,
}

/// The figures of the cases opened from `from` to `to` (both included).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Figures {
    pub from: String,
    pub to: String,
    /// Cases opened in the period (办件量).
    pub cases: u32,
    /// Accepted (受理), whatever happened after.
    pub accepted: u32,
    /// Given a one-time notice (一次性告知).
    pub notified: u32,
    /// Refused (不予受理).
    pub refused: u32,
    /// Completed (办结).
    pub completed: u32,
    pub withdrawn: u32,
    /// Past their due date: still open after it, or completed after it (超期).
    pub overdue: u32,
    /// Open and due within two working days (即将超期).
    pub due_soon: u32,
    /// Completed by their due date, of those completed with one; `None` when there are none.
    pub on_time_rate: Option<f64>,
    /// The rate as every screen and print shows it ("96.3%", "—" with none): written once here.
    pub on_time_text: String,
    pub by_state: Vec<Count>,
    pub by_item: Vec<Count>,
    pub by_clerk: Vec<Count>,
    /// 办件量 by point (the central console's figures cover several).
    pub by_point: Vec<Count>,
    /// 办件量 by the day the cases were opened, in date order, every day of the period.
    pub by_day: Vec<Count>,
    /// 好差评 by level, best first.
    pub ratings: Vec<Count>,
    /// 差评 (scores 1–2) whose follow-up has no reply yet.
    pub follow_ups_open: u32,
    /// The first [`LISTED`] of those 差评, soonest due first.
    pub follow_ups: Vec<FollowUpLine>,
    /// The first [`LISTED`] of the overdue and nearly due cases.
    pub overdue_cases: Vec<CaseLine>,
    pub due_soon_cases: Vec<CaseLine>,
}

/// A share as the figures show it: one decimal and a per-cent sign; "—" where there is none
/// (no case to count, never a misleading 0%).
pub fn percent(share: Option<f64>) -> String {
    share.map_or("—".into(), |r| format!("{:.1}%", r * 100.0))
}

fn counts(map: BTreeMap<String, (String, u32)>) -> Vec<Count> {
    let mut v: Vec<Count> = map
        .into_iter()
        .map(|(key, (label, count))| Count { key, label, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    v
}

fn line(c: &Case) -> CaseLine {
    CaseLine {
        case_no: c.case_no.clone(),
        item_name: c.item_name.clone(),
        clerk: c.clerk.clone(),
        state: c.state.label().into(),
        due: c.due().map(|d| d.to_string()),
        id_masked: mask_id(c.applicant.id_number()),
    }
}

/// The figures of `cases` opened from `from` to `to`, as of `today`.
pub fn figures(
    cases: &[Case],
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    calendar: &Calendar,
) -> Figures {
    let mut t = Tally::new(from, to, today, calendar);
    for c in cases {
        t.add(c);
    }
    t.finish()
}

/// The figures counted one case at a time, so that a province's year is read in pages and never
/// held in memory at once; [`figures`] is this over a slice.
pub struct Tally {
    f: Figures,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    soon_limit: NaiveDate,
    by_state: BTreeMap<String, (String, u32)>,
    by_item: BTreeMap<String, (String, u32)>,
    by_clerk: BTreeMap<String, (String, u32)>,
    by_level: BTreeMap<String, (String, u32)>,
    by_point: BTreeMap<String, (String, u32)>,
    by_day: BTreeMap<NaiveDate, u32>,
    done_with_due: u32,
    on_time: u32,
}

fn bump(m: &mut BTreeMap<String, (String, u32)>, key: &str, label: &str) {
    m.entry(key.to_string()).or_insert((label.to_string(), 0)).1 += 1;
}

impl Tally {
    pub fn new(from: NaiveDate, to: NaiveDate, today: NaiveDate, calendar: &Calendar) -> Tally {
        Tally {
            f: Figures {
                from: from.to_string(),
                to: to.to_string(),
                cases: 0,
                accepted: 0,
                notified: 0,
                refused: 0,
                completed: 0,
                withdrawn: 0,
                overdue: 0,
                due_soon: 0,
                on_time_rate: None,
                on_time_text: String::new(),
                by_state: Vec::new(),
                by_item: Vec::new(),
                by_clerk: Vec::new(),
                by_point: Vec::new(),
                by_day: Vec::new(),
                ratings: Vec::new(),
                follow_ups_open: 0,
                follow_ups: Vec::new(),
                overdue_cases: Vec::new(),
                due_soon_cases: Vec::new(),
            },
            from,
            to,
            today,
            soon_limit: crate::alerts::soon_limit(today, calendar),
            by_state: BTreeMap::new(),
            by_item: BTreeMap::new(),
            by_clerk: BTreeMap::new(),
            by_level: BTreeMap::new(),
            by_point: BTreeMap::new(),
            by_day: BTreeMap::new(),
            done_with_due: 0,
            on_time: 0,
        }
    }

    /// Counts `c` if it was opened in the period (others are passed over).
    pub fn add(&mut self, c: &Case) {
        let opened = c.opened_at.date();
        if opened < self.from || opened > self.to {
            return;
        }
        let f = &mut self.f;
        f.cases += 1;
        f.accepted += u32::from(c.acceptance.is_some());
        f.notified += u32::from(c.notice.is_some());
        f.refused += u32::from(c.state == CaseState::Refused);
        f.completed += u32::from(c.state == CaseState::Completed);
        f.withdrawn += u32::from(c.state == CaseState::Withdrawn);
        bump(&mut self.by_state, c.state.as_str(), c.state.label());
        bump(&mut self.by_item, &c.item, &c.item_name);
        bump(&mut self.by_clerk, &c.clerk, &c.clerk);
        bump(&mut self.by_point, &c.point, &c.point);
        *self.by_day.entry(opened).or_default() += 1;
        for r in &c.ratings {
            bump(
                &mut self.by_level,
                &r.score.to_string(),
                level_label(r.score),
            );
        }
        let poor = c
            .ratings
            .last()
            .filter(|r| r.is_poor() && r.follow_up.as_ref().is_none_or(|f| f.reply.is_none()));
        if poor.is_some() {
            f.follow_ups_open += 1;
        }
        if let Some(r) = poor.filter(|_| f.follow_ups.len() < LISTED) {
            let due = r.follow_up.as_ref().map(|f| f.due);
            f.follow_ups.push(FollowUpLine {
                case_no: c.case_no.clone(),
                item_name: c.item_name.clone(),
                clerk: c.clerk.clone(),
                rating: level_label(r.score).into(),
                due: due.map(|d| d.to_string()).unwrap_or_default(),
                late: due.is_some_and(|d| d < self.today),
            });
        }
        let Some(due) = c.due() else { return };
        let finished = c.completed_at.map(|t| t.date());
        let open = crate::alerts::is_open(c.state);
        if let Some(done) = finished.filter(|_| c.state == CaseState::Completed) {
            self.done_with_due += 1;
            self.on_time += u32::from(done <= due);
        }
        let late = match finished {
            Some(done) => done > due,
            None => open && due < self.today,
        };
        if late {
            f.overdue += 1;
            if f.overdue_cases.len() < LISTED {
                f.overdue_cases.push(line(c));
            }
        } else if open && due >= self.today && due <= self.soon_limit {
            f.due_soon += 1;
            if f.due_soon_cases.len() < LISTED {
                f.due_soon_cases.push(line(c));
            }
        }
    }

    pub fn finish(self) -> Figures {
        let Tally {
            mut f, from, to, ..
        } = self;
        f.on_time_rate = (self.done_with_due > 0)
            .then(|| f64::from(self.on_time) / f64::from(self.done_with_due));
        f.on_time_text = percent(f.on_time_rate);
        f.by_state = counts(self.by_state);
        f.by_item = counts(self.by_item);
        f.by_clerk = counts(self.by_clerk);
        f.by_point = counts(self.by_point);
        // Every day of the period, the quiet ones as 0 (a long period: only days with cases).
        let by_day = self.by_day;
        f.by_day = if (to - from).num_days() <= 366 {
            from.iter_days()
                .take_while(|d| *d <= to)
                .map(|d| (d, by_day.get(&d).copied().unwrap_or(0)))
                .map(|(d, count)| Count {
                    key: d.to_string(),
                    label: d.format("%m-%d").to_string(),
                    count,
                })
                .collect()
        } else {
            by_day
                .into_iter()
                .map(|(d, count)| Count {
                    key: d.to_string(),
                    label: d.to_string(),
                    count,
                })
                .collect()
        };
        f.follow_ups
            .sort_by(|a, b| a.due.cmp(&b.due).then(a.case_no.cmp(&b.case_no)));
        let mut levels = counts(self.by_level);
        levels.sort_by(|a, b| b.key.cmp(&a.key));
        f.ratings = levels;
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundled;
    use crate::case::{Form, OpenCase, RatingChannel};
    use crate::scope::Scope;

    #[test]
    fn the_lists_name_at_most_listed_cases_and_the_counts_every_one() {
        let set = bundled::catalogs().unwrap();
        let cal = bundled::calendar().unwrap();
        let nat = set.get("national").unwrap();
        let day = NaiveDate::from_ymd_opt(2025, 9, 26).unwrap();
        let at = day.and_hms_opt(9, 0, 0).unwrap();
        let req = OpenCase::person(
            "national",
            "002036006002",
            "3211",
            "王芳",
            "张三",
            "11010519491231002X",
        );
        let (mut case, _) = Case::open(req, nat, at).unwrap();
        for k in ["m1", "m2", "m3", "m4"] {
            case.tick(k, Form::Original, 1, None, at).unwrap();
        }
        case.accept(nat, &cal, &Scope::Handles, at).unwrap();
        case.rate(1, RatingChannel::Counter, None, &cal, "王芳", at)
            .unwrap();
        // A year later every one is past its due date and its follow-up.
        let today = NaiveDate::from_ymd_opt(2026, 9, 26).unwrap();
        let mut t = Tally::new(day, day, today, &cal);
        for n in 0..LISTED + 5 {
            let mut c = case.clone();
            c.case_no = format!("3211-20250926-{n:04}");
            t.add(&c);
        }
        let f = t.finish();
        let n = (LISTED + 5) as u32;
        assert_eq!((f.cases, f.overdue, f.follow_ups_open), (n, n, n));
        assert_eq!(f.overdue_cases.len(), LISTED);
        assert_eq!(f.follow_ups.len(), LISTED);
        assert!(f
            .follow_ups
            .iter()
            .all(|l| l.late && l.rating == "非常不满意"));
    }

    #[test]
    fn a_share_reads_with_one_decimal_and_none_reads_as_a_dash() {
        assert_eq!(percent(Some(1.0)), "100.0%");
        assert_eq!(percent(Some(2.0 / 3.0)), "66.7%");
        assert_eq!(percent(Some(0.0)), "0.0%");
        assert_eq!(percent(None), "—");
    }
}
