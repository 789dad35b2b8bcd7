use chrono::{Duration, NaiveDate, NaiveDateTime};
use proptest::prelude::*;

use super::*;
use crate::case::{Case, CaseEvent, Decision, Form, OpenCase};
use crate::scope::Scope;
use crate::{bundled, CatalogSet};

fn at(minutes: i64) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 30)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap()
        + Duration::minutes(minutes)
}

#[derive(Debug, Clone, Copy)]
enum Op {
    TickAll,
    Accept,
    Complete,
    Notify,
    Resume,
    Refuse,
    Review,
    Return,
    CentralComplete,
    Terminate,
    Withdraw,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::TickAll),
        Just(Op::Accept),
        Just(Op::Complete),
        Just(Op::Notify),
        Just(Op::Resume),
        Just(Op::Refuse),
        Just(Op::Review),
        Just(Op::Return),
        Just(Op::CentralComplete),
        Just(Op::Terminate),
        Just(Op::Withdraw),
    ]
}

fn run(c: &mut Case, set: &CatalogSet, op: Op, now: NaiveDateTime) -> Result<Vec<CaseEvent>, ()> {
    let cat = set.get(&c.catalog).unwrap();
    let cal = bundled::calendar().unwrap();
    let r = match op {
        Op::TickAll => {
            let keys: Vec<String> = c.missing().iter().map(|m| m.key.clone()).collect();
            let mut evs = Vec::new();
            for k in keys {
                evs.extend(c.tick(&k, Form::Original, 1, None, now).map_err(|_| ())?);
            }
            Ok(evs)
        }
        Op::Accept => c.accept(cat, &cal, &Scope::Handles, now),
        Op::Complete => c.complete(cat, &cal, &Scope::Handles, now),
        Op::Notify => c.notify(cat, now),
        Op::Resume => c.resume(cat, now),
        Op::Refuse => c.refuse("不属于受理范围", None, now),
        Op::Review => c.apply_decision(&Decision::StartReview, "审核员", now),
        Op::Return => c.apply_decision(
            &Decision::Return {
                reason: "材料不清晰".into(),
            },
            "审核员",
            now,
        ),
        Op::CentralComplete => c.apply_decision(&Decision::Complete, "审核员", now),
        Op::Terminate => c.terminate(now),
        Op::Withdraw => c.withdraw(Some("申请人撤回"), now),
    };
    r.map_err(|_| ())
}

proptest! {
    /// Whatever the counter and the central office do, in any order, the case's state is the
    /// one the lifecycle table reaches over the case's own events, so the server (which has
    /// only the events) judges every later change exactly as the counter does.
    #[test]
    fn the_case_state_is_the_table_over_its_events(
        // 002036001003: an immediate item; 002036001001: one of 5 working days.
        immediate in any::<bool>(),
        ops in prop::collection::vec(op(), 0..14),
    ) {
        let set = bundled::catalogs().unwrap();
        let item = if immediate { "002036001003" } else { "002036001001" };
        let (mut c, first) = Case::open(
            OpenCase::person("national", item, "3211", "王芳", "张三", "11010519491231002X"),
            set.get("national").unwrap(),
            at(0),
        )
        .unwrap();
        let mut history: Vec<CaseEvent> = vec![first];
        for (i, op) in ops.into_iter().enumerate() {
            let before = c.clone();
            match run(&mut c, &set, op, at(i as i64 + 1)) {
                Ok(evs) => history.extend(evs),
                Err(()) => {
                    // A refused operation may have ticked some materials before the refusal
                    // (TickAll stops at the first); the state never moves on a refusal.
                    prop_assert_eq!(c.state, before.state);
                    c = before;
                }
            }
            let replayed = Lifecycle::replay(history.iter().map(|e| &e.change));
            prop_assert_eq!(replayed.map(|l| l.state), Ok(Some(c.state)));
        }
    }
}

#[test]
fn a_device_cannot_complete_a_case_that_waits_for_review() {
    let accepted = Lifecycle::default()
        .after(&Change::Opened {
            catalog: "c".into(),
            edition: "1".into(),
            revision: None,
            item: "i".into(),
            point: "3211".into(),
            applicant: Box::new(crate::case::Applicant::Person(crate::case::Person {
                name: "张三".into(),
                id_type: crate::case::IdType::ResidentId,
                id_number: "11010519491231002X".into(),
                phone: None,
            })),
            agent: None,
            answers: Default::default(),
            assisted: None,
            card_read: false,
        })
        .unwrap()
        .after(&Change::Accepted {
            kind: TimeLimitKind::WorkingDays,
            due: None,
            provisional: false,
            calendar_version: "1".into(),
        })
        .unwrap();
    assert_eq!(accepted.after(&Change::Completed), Err("办结"));
    let review = accepted.after(&Change::ReviewStarted).unwrap();
    assert_eq!(
        review.after(&Change::Completed).unwrap().state,
        Some(CaseState::Completed)
    );
}
