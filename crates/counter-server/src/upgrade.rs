//! Work a new version does once, at its first start over a database an earlier one wrote
//! (under the start-up lock, so one instance does it).

use counter_core::case::{CaseEvent, Change};

use crate::claims::{self, Known};
use crate::db::Exec;
use crate::ServerFailure;

/// The `meta` key that says the judged copies took the earlier shared events.
const DONE: &str = "shared_applied";

/// Until 2026-12-08 the paper's way and the ratings were checked by the case's state only, and
/// the judged copy did not take them: the console showed no hand-over and counted no 满意度
/// for those cases. Their stored events are applied to the copies once. Applying passes over
/// what a copy already holds (`Case::apply_shared`), so a start stopped half-way is safe to
/// repeat.
pub(crate) fn apply_earlier_shared(t: &mut dyn Exec) -> Result<(), ServerFailure> {
    if t.row("SELECT value FROM meta WHERE key = ?1", &[DONE.into()])?
        .is_some()
    {
        return Ok(());
    }
    // The kinds are constants of the core, never input.
    let kinds = Change::SHARED_KINDS.map(|k| format!("'{k}'")).join(", ");
    let cases: Vec<String> = t
        .rows(
            &format!(
                "SELECT DISTINCT case_no FROM events
                 WHERE rejected IS NULL AND kind IN ({kinds}) ORDER BY case_no"
            ),
            &[],
        )?
        .iter()
        .filter_map(|r| r.get("case_no").text())
        .collect();
    for case_no in cases {
        let Some(Known {
            life,
            case: Some(mut case),
        }) = claims::known(t, &case_no)?
        else {
            // A case of an earlier version still, with no copy to bring up to date.
            continue;
        };
        let mut events: Vec<CaseEvent> = Vec::new();
        for r in t.rows(
            &format!(
                "SELECT device, seq, body FROM events
                 WHERE case_no = ?1 AND rejected IS NULL AND kind IN ({kinds})"
            ),
            &[case_no.as_str().into()],
        )? {
            let device = r.get("device").text().unwrap_or_default();
            let body = r.get("body").text().unwrap_or_default();
            events.push(crate::seal::event(t, &device, r.get("seq").int()?, &body)?);
        }
        // In the order they happened (a sheet is received after it was sent, whichever device
        // pushed first).
        events.sort_by_key(|e| e.at);
        let mut changed = false;
        for e in &events {
            changed |= case.apply_shared(e);
        }
        if changed {
            let next = Known {
                life,
                case: Some(case),
            };
            claims::store(t, &case_no, &next)?;
        }
    }
    t.exec(
        "INSERT INTO meta (key, value) VALUES (?1, '1')",
        &[DONE.into()],
    )?;
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
    fn a_copy_an_earlier_version_stored_takes_its_rating_once() {
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
        let rated = case
            .rate(1, RatingChannel::Counter, None, &cal, "王芳", at)
            .unwrap();
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
        let ratings = |c: &crate::Central| {
            c.tx(|t| claims::known(t, &no))
                .unwrap()
                .unwrap()
                .case
                .unwrap()
                .ratings
                .len()
        };
        assert_eq!(ratings(&central), 0);
        central.tx(apply_earlier_shared).unwrap();
        assert_eq!(ratings(&central), 1);
        // Done once: the mark is kept, and doing it again adds nothing.
        let mark = central
            .tx(|t| t.row("SELECT value FROM meta WHERE key = ?1", &[DONE.into()]))
            .unwrap();
        assert!(mark.is_some());
        central
            .tx(|t| t.exec("DELETE FROM meta WHERE key = ?1", &[DONE.into()]))
            .unwrap();
        central.tx(apply_earlier_shared).unwrap();
        assert_eq!(ratings(&central), 1);
    }
}
