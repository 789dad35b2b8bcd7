//! Work a new version does once, at its first start over a database an earlier one wrote
//! (under the start-up lock, so one instance does it).

use counter_core::case::{Case, CaseEvent, Change};

use crate::claims::{self, Known};
use crate::db::{Db, Exec};
use crate::{Keys, ServerFailure};

/// The `meta` keys that say the judged copies took the earlier shared events, and up to which
/// case number they have (the work goes on from there after a stop).
const DONE: &str = "shared_applied";
const THROUGH: &str = "shared_applied_through";

/// Cases looked up at a time.
const PAGE: usize = 500;

fn meta(t: &mut dyn Exec, key: &str) -> Result<Option<String>, ServerFailure> {
    Ok(
        t.row("SELECT value FROM meta WHERE key = ?1", &[key.into()])?
            .and_then(|r| r.get("value").text()),
    )
}

fn set_meta(t: &mut dyn Exec, key: &str, value: &str) -> Result<(), ServerFailure> {
    t.exec(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[key.into(), value.into()],
    )?;
    Ok(())
}

/// Until 2026-12-08 the paper's way and the ratings were checked by the case's state only, and
/// the judged copy did not take them: the console showed no hand-over and counted no 满意度
/// for those cases. Their stored events are applied to the copies once, each case in a
/// transaction of its own under the case's lock, with the case number reached kept beside it:
/// a start stopped half-way goes on where it stopped, and a large database is not held in one
/// transaction. Every instance must run this version before counters push to it again (an
/// older one beside it would keep copies without what it is pushed; docs/install.md).
pub(crate) fn apply_earlier_shared(db: &Db, keys: &Keys) -> Result<(), ServerFailure> {
    let Some(mut after) = db.transaction(keys, |t| match meta(t, DONE)? {
        Some(_) => Ok(None),
        None => Ok(Some(meta(t, THROUGH)?.unwrap_or_default())),
    })?
    else {
        return Ok(());
    };
    // The kinds are constants of the core, never input.
    let kinds = Change::SHARED_KINDS.map(|k| format!("'{k}'")).join(", ");
    loop {
        let cases: Vec<String> = db.transaction(keys, |t| {
            Ok(t.rows(
                &format!(
                    "SELECT DISTINCT case_no FROM events
                     WHERE case_no > ?1 AND rejected IS NULL AND kind IN ({kinds})
                     ORDER BY case_no LIMIT {PAGE}"
                ),
                &[after.as_str().into()],
            )?
            .iter()
            .filter_map(|r| r.get("case_no").text())
            .collect())
        })?;
        let Some(last) = cases.last().cloned() else {
            break;
        };
        for case_no in &cases {
            db.transaction(keys, |t| {
                bring_up_to_date(t, case_no, &kinds)?;
                set_meta(t, THROUGH, case_no)
            })?;
        }
        after = last;
    }
    db.transaction(keys, |t| set_meta(t, DONE, "1"))
}

/// Applies the case's stored shared events (of `kinds`) to its judged copy.
fn bring_up_to_date(t: &mut dyn Exec, case_no: &str, kinds: &str) -> Result<(), ServerFailure> {
    crate::db::lock_cases(t, [case_no])?;
    let Some(Known {
        life,
        case: Some(mut case),
    }) = claims::known(t, case_no)?
    else {
        // A case of an earlier version still, with no copy to bring up to date.
        return Ok(());
    };
    let mut events: Vec<CaseEvent> = Vec::new();
    for r in t.rows(
        &format!(
            "SELECT device, seq, body FROM events
             WHERE case_no = ?1 AND rejected IS NULL AND kind IN ({kinds})
             ORDER BY device, seq"
        ),
        &[case_no.into()],
    )? {
        let device = r.get("device").text().unwrap_or_default();
        let seq = r.get("seq").int()?;
        match crate::seal::event(t, &device, seq, &r.get("body").text().unwrap_or_default()) {
            Ok(e) => events.push(e),
            // One unreadable event leaves its case as it was, not the server stopped.
            Err(e) => tracing::warn!("升级：跳过办件 {case_no} 的事件 {device}#{seq}：{e}"),
        }
    }
    // In the order they happened, a reply after its rating (a sheet is received after it was
    // sent, whichever device pushed first); ties stay in each device's order.
    events.sort_by_key(|e| (e.at, matches!(e.change, Change::FollowUpReplied { .. })));
    let mut changed = false;
    let mut replies = Vec::new();
    for e in events {
        // What the server refuses today is not taken from before either.
        if Case::check_rating(&e, life.state).is_err() {
            continue;
        }
        if case.apply_shared(&e) {
            changed = true;
        } else if matches!(e.change, Change::FollowUpReplied { .. }) {
            replies.push(e);
        }
    }
    // A reply that a slow clock put before its rating.
    for e in &replies {
        changed |= case.apply_shared(e);
    }
    if changed {
        let next = Known {
            life,
            case: Some(case),
        };
        claims::store(t, case_no, &next)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::{self, Place};
    use counter_core::bundled;
    use counter_core::case::{Case, Form, OpenCase, RatingChannel};
    use counter_core::scope::Scope;

    #[test]
    fn a_copy_an_earlier_version_stored_takes_its_rating_and_reply_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("central.db");
        let central =
            crate::Central::open(path.to_str().unwrap(), crate::Keys::ephemeral()).unwrap();
        let set = bundled::catalogs().unwrap();
        let cal = bundled::calendar().unwrap();
        let nat = set.get("national").unwrap();
        let at = chrono::NaiveDate::from_ymd_opt(2025, 9, 26)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let req = OpenCase::person(
            "national",
            "002036006002",
            "3211",
            "王芳",
            "张三",
            "11010519491231002X",
        );
        let (mut case, _) = Case::open(req, nat, at).unwrap();
        case.case_no = "3211-20250926-0001".into();
        for k in ["m1", "m2", "m3", "m4"] {
            case.tick(k, Form::Original, 1, None, at).unwrap();
        }
        case.accept(nat, &cal, &Scope::Handles, at).unwrap();
        // The copy as the earlier version kept it: without the rating that followed.
        let copy = case.clone();
        let mut rated = case
            .rate(1, RatingChannel::Counter, None, &cal, "王芳", at)
            .unwrap();
        // The supervisor's reply, from a PC whose clock is an hour slow: stamped before the
        // rating it answers.
        let mut reply = case
            .reply_follow_up("已致电申请人说明", "李主任", at)
            .unwrap();
        reply[0].at = at - chrono::Duration::hours(1);
        rated.extend(reply);
        let no = case.case_no.clone();
        central
            .tx(|t| {
                t.exec(
                    "INSERT INTO devices (id, point, key_hash) VALUES ('d1', '3211', 'x')",
                    &[],
                )?;
                t.exec(
                    "INSERT INTO cases (case_no, point, state) VALUES (?1, '3211', 'accepted')",
                    &[no.as_str().into()],
                )?;
                let known = Known {
                    life: copy.lifecycle(),
                    case: Some(copy.clone()),
                };
                claims::store(t, &no, &known)?;
                for (i, e) in rated.iter().enumerate() {
                    let seq = i as i64 + 1;
                    let text = serde_json::to_string(e).unwrap();
                    let body = seal::seal(t, Place::Event { device: "d1", seq }, &text);
                    t.exec(
                        "INSERT INTO events (device, seq, id, case_no, kind, body)
                         VALUES ('d1', ?1, ?2, ?3, ?4, ?5)",
                        &[
                            seq.into(),
                            format!("e{seq}").into(),
                            no.as_str().into(),
                            e.change.kind().into(),
                            body.into(),
                        ],
                    )?;
                }
                // As before this version's first start.
                t.exec("DELETE FROM meta WHERE key = ?1", &[DONE.into()])
            })
            .unwrap();
        let copy = |c: &crate::Central| {
            c.tx(|t| claims::known(t, &no))
                .unwrap()
                .unwrap()
                .case
                .unwrap()
        };
        let ratings = |c: &crate::Central| copy(c).ratings.len();
        assert_eq!(ratings(&central), 0);
        apply_earlier_shared(&central.db, &central.keys).unwrap();
        assert_eq!(ratings(&central), 1);
        let follow_up = copy(&central).ratings[0].follow_up.clone().unwrap();
        assert_eq!(follow_up.reply.as_deref(), Some("已致电申请人说明"));
        // Done once: the mark is kept, and doing it again adds nothing.
        let mark = central
            .tx(|t| t.row("SELECT value FROM meta WHERE key = ?1", &[DONE.into()]))
            .unwrap();
        assert!(mark.is_some());
        central
            .tx(|t| {
                t.exec("DELETE FROM meta WHERE key = ?1", &[DONE.into()])?;
                t.exec("DELETE FROM meta WHERE key = ?1", &[THROUGH.into()])
            })
            .unwrap();
        apply_earlier_shared(&central.db, &central.keys).unwrap();
        assert_eq!(ratings(&central), 1);
    }
}
