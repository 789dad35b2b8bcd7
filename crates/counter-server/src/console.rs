//! What the central console reads and does, on the server's judged copies of the cases: the
//! reviewers' queue and a case (the applicant masked; unmasked on demand, audited), the
//! decisions (the same rules as the CLI verbs, with who decided in the audit log), and the
//! figures of a period (the core's one function, `counter_core::figures`, which the hall's
//! own figures use too) with their workbook.

use chrono::{NaiveDate, NaiveDateTime};
use counter_core::case::{Applicant, Case, CaseState, HistoryLine};
use counter_core::figures::{Figures, Tally};
use counter_core::proto::RemoteStatus;
use serde::Serialize;

use crate::audit;
use crate::db::Exec;
use crate::staff::{StaffMember, StaffRole};
use crate::{Central, ServerFailure};

/// A case of the queue, as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueCase {
    pub case_no: String,
    pub state: String,
    pub state_label: String,
    pub point: String,
    pub item: String,
    pub item_name: String,
    pub clerk: String,
    pub opened_at: String,
    pub due: Option<String>,
    pub id_masked: String,
    pub name_masked: String,
    /// Open past its due date (shown in red).
    pub overdue: bool,
    /// Open and due within two working days (amber).
    pub due_soon: bool,
}

/// A case as the console shows it: the judged copy (the applicant masked), its history as the
/// core words it (the counters' events and the central decisions, in time order), and the
/// documents its state lets the counter print.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: Case,
    pub history: Vec<HistoryLine>,
    pub documents: Vec<String>,
}

/// What a reviewer decides on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// 审核通过 (the case enters review at the centre).
    Approve,
    /// 退回, with the reason the counter shows.
    Return(String),
    /// 办结.
    Complete,
}

/// Why the console refuses someone: 403, said in words.
pub(crate) fn forbidden(what: &str) -> ServerFailure {
    ServerFailure::Forbidden(format!("您的角色无权{what}"))
}

pub(crate) fn require(
    who: &StaffMember,
    roles: &[StaffRole],
    what: &str,
) -> Result<(), ServerFailure> {
    if roles.contains(&who.role) {
        Ok(())
    } else {
        Err(forbidden(what))
    }
}

/// Which cases to read: by state, number, point and the day they were opened.
#[derive(Default)]
struct Which<'a> {
    state: Option<CaseState>,
    case_no: Option<&'a str>,
    point: Option<&'a str>,
    opened: Option<(NaiveDate, NaiveDate)>,
}

/// The cases a workbook lists at most (the figures count them all): a sheet holds about a
/// million rows, and a province's year would not fit, nor its cases in memory.
const WORKBOOK_CASES: usize = 50_000;

/// Cases decoded at a time: a province's year is read page by page, never all at once.
const PAGE: usize = 2000;

/// Cases a queue lists at most, the most urgent: a whole province's accepted cases would not
/// make a page anyone could work (the answer says how many there are in all).
const QUEUE_LISTED: usize = 1000;

/// How much the console reads and lists at a time (`Central::paging_console`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Paging {
    pub page: usize,
    pub workbook_cases: usize,
    pub queue: usize,
}

impl Default for Paging {
    fn default() -> Paging {
        Paging {
            page: PAGE,
            workbook_cases: WORKBOOK_CASES,
            queue: QUEUE_LISTED,
        }
    }
}

/// The cases as judged that `which` names, of the points `who` covers, with their point.
fn judged_cases(
    t: &mut dyn Exec,
    who: &StaffMember,
    which: Which,
) -> Result<Vec<(String, Case)>, ServerFailure> {
    let mut out = Vec::new();
    let mut after = String::new();
    while let Some(last) = judged_page(t, PAGE, who, &which, &after, |point, case| {
        out.push((point, case));
        Ok(())
    })? {
        after = last;
    }
    Ok(out)
}

/// Calls `f` with each of the next `page` cases as judged that `which` names, numbered after
/// `after` (`""`: from the first), of the points `who` covers, in the order of their numbers.
/// The last number read when the page was full (more may follow), else `None`.
fn judged_page(
    t: &mut dyn Exec,
    page: usize,
    who: &StaffMember,
    which: &Which,
    after: &str,
    mut f: impl FnMut(String, Case) -> Result<(), ServerFailure>,
) -> Result<Option<String>, ServerFailure> {
    let (from, to) = match which.opened {
        Some((from, to)) => (Some(from.to_string()), Some(to.to_string())),
        None => (None, None),
    };
    // A reviewer's points are chosen in the query: other points' cases are never opened.
    let points = crate::db::Rows::texts(who.points.iter().flatten().map(String::as_str));
    let only = who.points.as_ref().map(|_| points.param());
    // A case stored before the opening day was kept (NULL) is read and filtered by its body.
    // The cursor is always bound, so each page starts where the last ended in the primary key.
    let sql = format!(
        "SELECT case_no, point, state, immediate, body FROM cases
         WHERE case_no > ?7
           AND (CAST(?1 AS TEXT) IS NULL OR state = ?1)
           AND (CAST(?2 AS TEXT) IS NULL OR case_no = ?2)
           AND (CAST(?3 AS TEXT) IS NULL OR opened_on IS NULL OR opened_on BETWEEN ?3 AND ?4)
           AND (CAST(?5 AS TEXT) IS NULL OR point IN (SELECT v FROM {}))
           AND (CAST(?6 AS TEXT) IS NULL OR point = ?6)
         ORDER BY case_no
         LIMIT {page}",
        points.source(t, 5, "x")
    );
    let rows = t.rows(
        &sql,
        &[
            which.state.map(CaseState::as_str).into(),
            which.case_no.into(),
            from.into(),
            to.into(),
            only.into(),
            which.point.into(),
            after.into(),
        ],
    )?;
    let full = rows.len() == page;
    let mut last = None;
    for r in rows {
        let point = r.get("point").text().unwrap_or_default();
        let no = r.get("case_no").text().unwrap_or_default();
        last = Some(no.clone());
        if !who.covers(&point) {
            continue;
        }
        // A case of an earlier version has no judged copy to show.
        if let Some(case) =
            crate::claims::decode(t, &no, r.get("state"), r.get("immediate"), r.get("body"))?.case
        {
            f(point, case)?;
        }
    }
    Ok(last.filter(|_| full))
}

/// Keeps the `n` most urgent of `list`, soonest due first (no due date last).
fn most_urgent(list: &mut Vec<QueueCase>, n: usize) {
    list.sort_by(|a, b| {
        let due = |q: &QueueCase| q.due.clone().unwrap_or_else(|| "9999".into());
        due(a).cmp(&due(b)).then(a.case_no.cmp(&b.case_no))
    });
    list.truncate(n);
}

/// The holiday calendar the central office last published, else the built-in one.
fn calendar(t: &mut dyn Exec) -> Result<counter_core::Calendar, ServerFailure> {
    let text = t
        .row(
            "SELECT text FROM snapshots WHERE kind = 'calendar' ORDER BY version DESC LIMIT 1",
            &[],
        )?
        .and_then(|r| r.get("text").text());
    counter_core::bundled::calendar_with(text.as_deref())
        .map_err(|e| ServerFailure::Storage(format!("中心的节假日日历无法读取：{e}")))
}

fn line(point: &str, c: &Case, today: NaiveDate, soon: NaiveDate) -> QueueCase {
    let due = c.due_in_force();
    let open = c.state.is_open();
    QueueCase {
        case_no: c.case_no.clone(),
        state: c.state.as_str().into(),
        state_label: c.state.label().into(),
        point: point.into(),
        item: c.item.clone(),
        item_name: c.item_name.clone(),
        clerk: c.clerk.clone(),
        opened_at: c.opened_at.format("%Y-%m-%d %H:%M").to_string(),
        due: due.map(|d| d.to_string()),
        // A unit's credit code is public (on its licence), as `Case::masked` keeps it.
        id_masked: match &c.applicant {
            Applicant::Person(p) => counter_core::ids::mask_id(&p.id_number),
            Applicant::Unit { credit_code, .. } => credit_code.clone(),
        },
        name_masked: match &c.applicant {
            Applicant::Person(p) => counter_core::case::mask_name(&p.name),
            Applicant::Unit { name, .. } => name.clone(),
        },
        overdue: open && due.is_some_and(|d| d < today),
        due_soon: open && due.is_some_and(|d| d >= today && d <= soon),
    }
}

/// The case's history: what the counters reported (accepted events, in their order) and what
/// the central office decided, by time.
fn history(t: &mut dyn Exec, point: &str, case: &Case) -> Result<Vec<HistoryLine>, ServerFailure> {
    let mut lines = Vec::new();
    for r in t.rows(
        "SELECT device, seq, body FROM events WHERE case_no = ?1 AND rejected IS NULL
         ORDER BY device, seq",
        &[case.case_no.as_str().into()],
    )? {
        let (device, seq) = (
            r.get("device").text().unwrap_or_default(),
            r.get("seq").int()?,
        );
        let event = crate::seal::event(t, &device, seq, &r.get("body").text().unwrap_or_default())?;
        lines.push(case.history_line(&event));
    }
    // The decisions as the case's own point received them.
    for r in t.rows(
        "SELECT status, reason, by, at FROM changes
         WHERE case_no = ?1 AND point = ?2 AND status IN ('in_review', 'returned', 'completed')
         ORDER BY seq",
        &[case.case_no.as_str().into(), point.into()],
    )? {
        let place = crate::seal::Place::ChangeReason {
            point,
            case_no: &case.case_no,
        };
        let reason = match r.get("reason").text() {
            Some(sealed) => crate::seal::open(t, place, &sealed)?,
            None => String::new(),
        };
        let at = r
            .get("at")
            .text()
            .and_then(|a| NaiveDateTime::parse_from_str(&a, "%Y-%m-%dT%H:%M:%S").ok());
        let (event, title) = match r.get("status").text().as_deref() {
            Some("in_review") => ("review_started", "审核（中心）"),
            Some("returned") => ("returned", "退回（中心）"),
            _ => ("completed", "办结（中心）"),
        };
        lines.push(HistoryLine {
            at: at.unwrap_or(case.opened_at),
            clerk: r.get("by").text().unwrap_or_default(),
            event,
            title,
            detail: reason,
        });
    }
    lines.sort_by_key(|l| l.at);
    Ok(lines)
}

impl Central {
    /// The queue of `who`: cases in `state` (every state when `None`), the most urgent first,
    /// at most so many of them; and how many there are in all.
    pub fn queue(
        &self,
        who: &StaffMember,
        state: Option<CaseState>,
        today: NaiveDate,
    ) -> Result<(Vec<QueueCase>, usize), ServerFailure> {
        require(who, &[StaffRole::Reviewer], "查看审核队列")?;
        let soon = counter_core::alerts::soon_limit(today, &self.tx(calendar)?);
        let which = Which {
            state,
            ..Which::default()
        };
        let Paging { page, queue, .. } = self.console_paging;
        let (mut list, mut total) = (Vec::new(), 0);
        // A page a transaction, the most urgent kept as they come.
        let mut after = String::new();
        loop {
            let next = self.tx(|t| {
                judged_page(t, page, who, &which, &after, |point, case| {
                    total += 1;
                    list.push(line(&point, &case, today, soon));
                    Ok(())
                })
            })?;
            if list.len() > 2 * queue {
                most_urgent(&mut list, queue);
            }
            match next {
                Some(last) => after = last,
                None => break,
            }
        }
        most_urgent(&mut list, queue);
        Ok((list, total))
    }

    /// One case of `who`'s points, its applicant masked, with its history and documents.
    pub fn console_case(
        &self,
        who: &StaffMember,
        case_no: &str,
    ) -> Result<CaseDetail, ServerFailure> {
        require(who, &[StaffRole::Reviewer], "查看办件")?;
        self.tx(|t| {
            let one = Which {
                case_no: Some(case_no),
                ..Which::default()
            };
            let (point, case) = judged_cases(t, who, one)?
                .pop()
                .ok_or_else(|| ServerFailure::NotFound(case_no.into()))?;
            let history = history(t, &point, &case)?;
            Ok(CaseDetail {
                documents: case
                    .documents()
                    .iter()
                    .map(|d| d.title().to_string())
                    .collect(),
                history,
                case: case.masked(),
            })
        })
    }

    /// The applicant (and agent) unmasked, for a reviewer who asks: recorded in the audit log.
    pub fn unmask(
        &self,
        who: &StaffMember,
        case_no: &str,
    ) -> Result<(Applicant, Option<counter_core::case::Person>), ServerFailure> {
        require(who, &[StaffRole::Reviewer], "查看申请人完整信息")?;
        self.tx(|t| {
            let (_, case) = judged_cases(
                t,
                who,
                Which {
                    case_no: Some(case_no),
                    ..Which::default()
                },
            )?
            .pop()
            .ok_or_else(|| ServerFailure::NotFound(case_no.into()))?;
            audit::record(t, &who.name, "unmask", Some(case_no), None)?;
            Ok((case.applicant, case.agent))
        })
    }

    /// A reviewer's decision, by the same rules as `counter-server review` and `complete`; the
    /// counters receive it through the change feed.
    pub fn console_decide(
        &self,
        who: &StaffMember,
        case_no: &str,
        verdict: &Verdict,
        at: NaiveDateTime,
    ) -> Result<(), ServerFailure> {
        require(who, &[StaffRole::Reviewer], "审核或办结办件")?;
        let (status, reason, action) = match verdict {
            Verdict::Approve => (RemoteStatus::InReview, None, "approve"),
            Verdict::Return(r) => (RemoteStatus::Returned, Some(r.as_str()), "return"),
            Verdict::Complete => (RemoteStatus::Completed, None, "complete"),
        };
        let by = format!("中心：{}", who.name);
        self.tx(|t| {
            let point = t
                .row(
                    "SELECT point FROM cases WHERE case_no = ?1",
                    &[case_no.into()],
                )?
                .and_then(|r| r.get("point").text());
            // Another point's case is not found, as for an unknown number.
            if !point.is_some_and(|p| who.covers(&p)) {
                return Err(ServerFailure::NotFound(case_no.into()));
            }
            crate::changes::decide_in(t, case_no, status, reason, &by, at)?;
            audit::record(t, &who.name, action, Some(case_no), reason)
        })
    }

    /// The figures of the cases opened from `from` to `to` at `who`'s points (or at `point`).
    pub fn console_figures(
        &self,
        who: &StaffMember,
        from: NaiveDate,
        to: NaiveDate,
        point: Option<&str>,
        today: NaiveDate,
    ) -> Result<Figures, ServerFailure> {
        Ok(self.figures_and_cases(who, from, to, point, today, 0)?.0)
    }

    /// The figures, and the first `keep` of the period's cases (for the workbook's list).
    fn figures_and_cases(
        &self,
        who: &StaffMember,
        from: NaiveDate,
        to: NaiveDate,
        point: Option<&str>,
        today: NaiveDate,
        keep: usize,
    ) -> Result<(Figures, Vec<Case>), ServerFailure> {
        if from > to {
            return Err(ServerFailure::Input(format!(
                "统计期间无效：{from} 晚于 {to}"
            )));
        }
        let mut tally = Tally::new(from, to, today, &self.tx(calendar)?);
        let which = Which {
            opened: Some((from, to)),
            point,
            ..Which::default()
        };
        let mut kept = Vec::new();
        // A page a transaction: a province's period never holds the store (SQLite's one
        // writer, PostgreSQL's snapshot) for the whole count.
        let mut after = String::new();
        loop {
            let next = self.tx(|t| {
                judged_page(
                    t,
                    self.console_paging.page,
                    who,
                    &which,
                    &after,
                    |_, case| {
                        tally.add(&case);
                        if kept.len() < keep && (from..=to).contains(&case.opened_at.date()) {
                            kept.push(case);
                        }
                        Ok(())
                    },
                )
            })?;
            match next {
                Some(last) => after = last,
                None => return Ok((tally.finish(), kept)),
            }
        }
    }

    /// The figures as an Excel workbook headed with who exported it, when and for which
    /// period; recorded in the audit log.
    pub fn figures_workbook(
        &self,
        who: &StaffMember,
        from: NaiveDate,
        to: NaiveDate,
        point: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<Vec<u8>, ServerFailure> {
        let (f, cases) = self.figures_and_cases(
            who,
            from,
            to,
            point,
            now.date(),
            self.console_paging.workbook_cases,
        )?;
        let office = match point {
            Some(p) => format!("网点 {p}"),
            None => "医保中心".to_string(),
        };
        let made_at = now.format("%Y-%m-%d %H:%M").to_string();
        let bytes = counter_docs::report::workbook(&office, &f, &cases, &made_at, &who.name)
            .map_err(|e| ServerFailure::Storage(format!("无法生成统计表：{e}")))?;
        self.tx(|t| {
            let period = format!("{from} 至 {to}");
            audit::record(t, &who.name, "export", point, Some(&period))
        })?;
        Ok(bytes)
    }
}
