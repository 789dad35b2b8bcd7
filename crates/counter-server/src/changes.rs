//! What the points pull: the central office's decisions and the events other points recorded
//! on their cases, after a cursor.

use counter_core::case::{Case, CaseState, Change, Decision};
use counter_core::proto::*;

use crate::db::Exec;
use crate::seal;
use crate::{Central, ServerFailure};

impl Central {
    pub fn changes(&self, point: &str, after: i64, limit: u32) -> Result<Changes, ServerFailure> {
        self.tx(|t| {
            let rows = t.rows(
                "SELECT c.seq, c.case_no, c.status, c.reason, c.by, c.body, c.at, k.device, k.opening
                 FROM changes c LEFT JOIN cases k ON k.case_no = c.case_no
                 WHERE c.point = ?1 AND c.seq > ?2 ORDER BY c.seq LIMIT ?3",
                &[point.into(), after.into(), i64::from(limit).into()],
            )?;
            let mut changes = Vec::new();
            let mut cursor = after;
            for r in rows {
                let case_no = r.get("case_no").text().unwrap_or_default();
                let event = match r.get("body").text() {
                    Some(b) => Some(
                        serde_json::from_str(&seal::open(
                            t,
                            seal::Place::ChangeBody {
                                point,
                                case_no: &case_no,
                            },
                            &b,
                        )?)
                        .map_err(|e| {
                            ServerFailure::Storage(format!("中心存储的变更无法读取：{e}"))
                        })?,
                    ),
                    None => None,
                };
                let status = match r.get("status").text().as_deref() {
                    Some("in_review") => RemoteStatus::InReview,
                    Some("returned") => RemoteStatus::Returned,
                    Some("event") => RemoteStatus::Event,
                    _ => RemoteStatus::Completed,
                };
                cursor = r.get("seq").int()?;
                changes.push(RemoteChange {
                    seq: cursor,
                    status,
                    reason: r.get("reason")
                        .text()
                        .map(|r| {
                            seal::open(
                                t,
                                seal::Place::ChangeReason {
                                    point,
                                    case_no: &case_no,
                                },
                                &r,
                            )
                        })
                        .transpose()?,
                    by: r.get("by").text().unwrap_or_default(),
                    event,
                    at: r.get("at").text().and_then(|a| a.parse().ok()),
                    owner: r.get("device").text(),
                    opening: r.get("opening").text(),
                    case_no,
                });
            }
            Ok(Changes { changes, cursor })
        })
    }

    /// A central decision on a case (审核通过 / 退回 / 办结), which its point pulls.
    pub fn decide(
        &self,
        case_no: &str,
        status: RemoteStatus,
        reason: Option<&str>,
        by: &str,
        at: chrono::NaiveDateTime,
    ) -> Result<(), ServerFailure> {
        self.tx(|t| decide_in(t, case_no, status, reason, by, at))
    }

    /// Counts for tests and operators: (accepted events, rejected events, cases).
    pub fn counts(&self) -> Result<(i64, i64, i64), ServerFailure> {
        self.tx(|t| {
            let n = |t: &mut dyn Exec, sql: &str| -> Result<i64, ServerFailure> {
                t.row(sql, &[])?.map_or(Ok(0), |r| r.get("n").int())
            };
            Ok((
                n(t, "SELECT count(*) AS n FROM events WHERE rejected IS NULL")?,
                n(
                    t,
                    "SELECT count(*) AS n FROM events WHERE rejected IS NOT NULL",
                )?,
                n(t, "SELECT count(*) AS n FROM cases")?,
            ))
        })
    }

    /// A case as the server keeps it: its state and the device that opened it.
    pub fn case_record(
        &self,
        case_no: &str,
    ) -> Result<Option<(String, Option<String>)>, ServerFailure> {
        self.tx(|t| {
            Ok(t.row(
                "SELECT state, device FROM cases WHERE case_no = ?1",
                &[case_no.into()],
            )?
            .map(|r| {
                (
                    r.get("state").text().unwrap_or_default(),
                    r.get("device").text(),
                )
            }))
        })
    }

    /// The case as the server judged it (its checklist, acceptance and state by the core's
    /// rules) and the id of the opening it holds; `None` for an unknown case. The case is
    /// absent for one of an earlier version.
    pub fn judged(&self, case_no: &str) -> Result<Option<Judged>, ServerFailure> {
        self.tx(|t| {
            let Some(k) = crate::claims::known(t, case_no)? else {
                return Ok(None);
            };
            let opening = t
                .row(
                    "SELECT opening FROM cases WHERE case_no = ?1",
                    &[case_no.into()],
                )?
                .and_then(|r| r.get("opening").text());
            Ok(Some(Judged {
                case: k.case,
                opening,
            }))
        })
    }

    /// The ids of every accepted event, for audits and tests.
    pub fn event_ids(&self) -> Result<Vec<String>, ServerFailure> {
        self.tx(|t| {
            Ok(t.rows(
                "SELECT id FROM events WHERE rejected IS NULL ORDER BY id",
                &[],
            )?
            .into_iter()
            .filter_map(|r| r.get("id").text())
            .collect())
        })
    }

    /// Open duplicate flags: (case, the other point's case).
    pub fn flags(&self) -> Result<Vec<(String, String)>, ServerFailure> {
        self.tx(|t| {
            Ok(t.rows(
                "SELECT case_no, other FROM flags WHERE reviewed = 0 ORDER BY id",
                &[],
            )?
            .into_iter()
            .map(|r| {
                (
                    r.get("case_no").text().unwrap_or_default(),
                    r.get("other").text().unwrap_or_default(),
                )
            })
            .collect())
        })
    }
}

/// A central decision inside a transaction (the console records who decided in the same one).
pub(crate) fn decide_in(
    t: &mut dyn Exec,
    case_no: &str,
    status: RemoteStatus,
    reason: Option<&str>,
    by: &str,
    at: chrono::NaiveDateTime,
) -> Result<(), ServerFailure> {
    if status == RemoteStatus::Returned && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(ServerFailure::Input("退回需要写明理由".into()));
    }
    let (s, change) = match status {
        RemoteStatus::InReview => ("in_review", Change::ReviewStarted),
        RemoteStatus::Completed => ("completed", Change::Completed),
        RemoteStatus::Returned => (
            "returned",
            Change::Returned {
                reason: reason.unwrap_or_default().trim().to_string(),
            },
        ),
        RemoteStatus::Event => return Err(ServerFailure::Input("中心只能审核、退回或办结".into())),
    };
    crate::db::lock_cases(t, [case_no])?;
    let known =
        crate::claims::known(t, case_no)?.ok_or_else(|| ServerFailure::NotFound(case_no.into()))?;
    let now = known.life;
    // The same decision twice is one decision.
    if now.state.map(CaseState::as_str) == Some(s) && status != RemoteStatus::Returned {
        return Ok(());
    }
    // A case waiting for review enters it first, as at the counter (`Case::apply_decision`).
    let waiting = matches!(now.state, Some(CaseState::Accepted | CaseState::Returned));
    let reviewing = if waiting && change != Change::ReviewStarted {
        now.after(&Change::ReviewStarted).ok()
    } else {
        None
    };
    let next = reviewing.unwrap_or(now).after(&change).map_err(|action| {
        let state = now.state.map_or("未登记", CaseState::label);
        ServerFailure::Input(format!("办件{case_no}在中心为“{state}”，不能{action}"))
    })?;
    // The server's copy of the case takes the decision by the rules the counter
    // applies when it pulls it (`Case::apply_decision`): a deferred material still
    // outstanding stops a completion here as it would there.
    let case = match known.case {
        Some(mut case) => {
            let decision = match &change {
                Change::ReviewStarted => Decision::StartReview,
                Change::Returned { reason } => Decision::Return {
                    reason: reason.clone(),
                },
                _ => Decision::Complete,
            };
            case.apply_decision(&decision, by, at)
                .map_err(|e| ServerFailure::Input(e.to_string()))?;
            Some(case)
        }
        None => None,
    };
    // Every point that is part of the case learns the decision: the one that accepted
    // it, and any that holds its paper.
    for point in case_points(t, case_no)? {
        add_change(t, &point, case_no, s, reason, by, None, Some(at))?;
    }
    let life = case.as_ref().map_or(next, Case::lifecycle);
    crate::claims::store(t, case_no, &crate::claims::Known { life, case })?;
    Ok(())
}

/// A case as the server judged it, and the id of the opening it holds.
#[derive(Debug, Clone)]
pub struct Judged {
    /// Absent for a case an earlier version recorded.
    pub case: Option<Case>,
    pub opening: Option<String>,
}

/// The points that are part of a case, in a stable order.
pub(crate) fn case_points(t: &mut dyn Exec, case_no: &str) -> Result<Vec<String>, ServerFailure> {
    Ok(t.rows(
        "SELECT point FROM case_points WHERE case_no = ?1 ORDER BY point",
        &[case_no.into()],
    )?
    .into_iter()
    .filter_map(|r| r.get("point").text())
    .collect())
}

/// Queues a change for `point`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn add_change(
    t: &mut dyn Exec,
    point: &str,
    case_no: &str,
    status: &str,
    reason: Option<&str>,
    by: &str,
    body: Option<String>,
    at: Option<chrono::NaiveDateTime>,
) -> Result<(), ServerFailure> {
    // A return reason may name the applicant: sealed like the bodies.
    let reason = reason.map(|r| seal::seal(t, seal::Place::ChangeReason { point, case_no }, r));
    t.feed(vec![
        point.into(),
        case_no.into(),
        status.into(),
        reason.into(),
        by.into(),
        body.into(),
        at.map(|a| a.format("%Y-%m-%dT%H:%M:%S").to_string()).into(),
    ])
}
