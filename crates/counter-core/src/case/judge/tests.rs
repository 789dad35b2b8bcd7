//! The server's judgement of reported events against what the counter itself would do.

use super::*;
use crate::calendar::Calendar;
use crate::case::{case_number, window_of};
use crate::scope::Scope;
use crate::{bundled, CatalogSet};
use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;

const ID: &str = "11010519491231002X";
/// 住院费用报销: 30 working days, reviewed centrally.
const REVIEWED: &str = "002036006002";
/// An item completed on the spot (即时办结).
const IMMEDIATE: &str = "002036001003";

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, 4)
        .unwrap()
        .and_hms_opt(9, 30, 0)
        .unwrap()
}

fn set() -> CatalogSet {
    bundled::catalogs().unwrap()
}

fn calendar() -> Calendar {
    bundled::calendar().unwrap()
}

fn open(catalog: &Catalog, item: &str) -> (Case, CaseEvent) {
    let mut req = OpenCase::person("national", item, "3211", "王芳", "张三", ID);
    req.case_no = case_number("3211", 1, now().date(), 1);
    Case::open(req, catalog, now()).unwrap()
}

/// The case the server rebuilds from the reported events, or the first refusal.
fn replay(events: &[CaseEvent], catalog: &Catalog) -> Result<Case, Refusal> {
    let mut case = Case::judge_opening("3211-20261204-0001", &events[0], catalog)?;
    for e in &events[1..] {
        case.judge(e, Author::Counter, catalog)?;
    }
    Ok(case)
}

fn tick_all(case: &mut Case, events: &mut Vec<CaseEvent>) {
    let keys: Vec<String> = case.missing().iter().map(|m| m.key.clone()).collect();
    for k in keys {
        events.extend(case.tick(&k, Form::Original, 1, None, now()).unwrap());
    }
}

#[test]
fn an_honest_intake_replays_to_the_same_case() {
    let set = set();
    let cat = set.get("national").unwrap();
    let (mut case, opened) = open(cat, REVIEWED);
    let mut events = vec![opened];
    tick_all(&mut case, &mut events);
    events.extend(
        case.accept(cat, &calendar(), &Scope::Handles, now())
            .unwrap(),
    );
    let judged = replay(&events, cat).unwrap();
    assert_eq!(judged.state, CaseState::Accepted);
    assert_eq!(judged.checklist, case.checklist);
    assert_eq!(judged.acceptance, case.acceptance);
}

#[test]
fn an_immediate_claim_for_a_reviewed_item_is_refused() {
    let set = set();
    let cat = set.get("national").unwrap();
    let (mut case, opened) = open(cat, REVIEWED);
    let mut events = vec![opened];
    tick_all(&mut case, &mut events);
    let mut accepted = case
        .accept(cat, &calendar(), &Scope::Handles, now())
        .unwrap();
    if let Change::Accepted { kind, .. } = &mut accepted[0].change {
        *kind = TimeLimitKind::Immediate;
    }
    events.extend(accepted);
    let why = replay(&events, cat).unwrap_err().0;
    assert!(why.contains("与清单不符"), "{why}");
}

#[test]
fn an_acceptance_with_nothing_received_is_refused() {
    let set = set();
    let cat = set.get("national").unwrap();
    let (_, opened) = open(cat, REVIEWED);
    let accepted = CaseEvent {
        at: now(),
        clerk: "王芳".into(),
        change: Change::Accepted {
            kind: TimeLimitKind::WorkingDays,
            due: None,
            provisional: false,
            calendar_version: "x".into(),
        },
    };
    let why = replay(&[opened, accepted], cat).unwrap_err().0;
    assert!(why.contains("材料"), "{why}");
}

#[test]
fn a_counter_never_says_what_the_centre_decides() {
    let set = set();
    let cat = set.get("national").unwrap();
    let (mut case, opened) = open(cat, REVIEWED);
    let mut events = vec![opened];
    tick_all(&mut case, &mut events);
    events.extend(
        case.accept(cat, &calendar(), &Scope::Handles, now())
            .unwrap(),
    );
    let ev = |change| CaseEvent {
        at: now(),
        clerk: "王芳".into(),
        change,
    };
    let mut judged = replay(&events, cat).unwrap();
    for change in [
        Change::ReviewStarted,
        Change::Returned { reason: "x".into() },
        Change::Completed,
    ] {
        let why = judged.judge(&ev(change), Author::Counter, cat).unwrap_err();
        assert!(why.0.contains("中心"), "{why}");
        assert_eq!(judged.state, CaseState::Accepted, "nothing changed");
    }
    // The centre may: review, then complete.
    judged
        .judge(&ev(Change::Completed), Author::Centre, cat)
        .unwrap();
    assert_eq!(judged.state, CaseState::Completed);
    // A counter's copy of the centre's completion is no news.
    judged
        .judge(&ev(Change::Completed), Author::Counter, cat)
        .unwrap();
}

#[test]
fn an_immediate_item_is_completed_at_the_counter() {
    let set = set();
    let cat = set.get("national").unwrap();
    let (mut case, opened) = open(cat, IMMEDIATE);
    let mut events = vec![opened];
    tick_all(&mut case, &mut events);
    events.extend(
        case.complete(cat, &calendar(), &Scope::Handles, now())
            .unwrap(),
    );
    assert_eq!(replay(&events, cat).unwrap().state, CaseState::Completed);
}

#[test]
fn a_second_opening_is_never_merged() {
    let set = set();
    let cat = set.get("national").unwrap();
    let (_, opened) = open(cat, REVIEWED);
    let mut case = replay(std::slice::from_ref(&opened), cat).unwrap();
    assert!(case.judge(&opened, Author::Counter, cat).is_err());
}

#[derive(Debug, Clone)]
enum Op {
    Tick(usize),
    Untick(usize),
    Defer(usize),
    Promise(usize),
    Accept,
    Notify,
    Resume,
    Complete,
    Withdraw,
    Refuse,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..12usize).prop_map(Op::Tick),
        1 => (0..12usize).prop_map(Op::Untick),
        1 => (0..12usize).prop_map(Op::Defer),
        1 => (0..12usize).prop_map(Op::Promise),
        2 => Just(Op::Accept),
        1 => Just(Op::Notify),
        1 => Just(Op::Resume),
        1 => Just(Op::Complete),
        1 => Just(Op::Withdraw),
        1 => Just(Op::Refuse),
    ]
}

proptest! {
    /// Whatever a clerk does, the server rebuilds the same case from the events; and
    /// whatever is added to an honest history, the server never holds a case the counter's
    /// own rules could not have made.
    #[test]
    fn the_server_rebuilds_what_the_counter_did(
        immediate in any::<bool>(),
        ops in prop::collection::vec(op(), 0..24),
    ) {
        let set = set();
        let cat = set.get("national").unwrap();
        let cal = calendar();
        let (mut case, opened) = open(cat, if immediate { IMMEDIATE } else { REVIEWED });
        let mut events = vec![opened];
        for op in ops {
            let key = |i: usize| case.checklist.get(i % case.checklist.len().max(1)).map(|e| e.material.key.clone());
            let r = match op {
                Op::Tick(i) => key(i).map(|k| case.tick(&k, Form::Copy, 2, None, now())),
                Op::Untick(i) => key(i).map(|k| case.untick(&k, now())),
                Op::Defer(i) => key(i).map(|k| case.defer(cat, &cal, &k, now().date(), now())),
                Op::Promise(i) => key(i).map(|k| case.promise(&k, now())),
                Op::Accept => Some(case.accept(cat, &cal, &Scope::Handles, now())),
                Op::Notify => Some(case.notify(cat, now())),
                Op::Resume => Some(case.resume(cat, now())),
                Op::Complete => Some(case.complete(cat, &cal, &Scope::Handles, now())),
                Op::Withdraw => Some(case.withdraw(None, now())),
                Op::Refuse => Some(case.refuse("不符合条件", None, now())),
            };
            if let Some(Ok(evs)) = r {
                events.extend(evs);
            }
        }
        let judged = replay(&events, cat).map_err(|e| TestCaseError::fail(e.0))?;
        prop_assert_eq!(judged.state, case.state);
        prop_assert_eq!(&judged.checklist, &case.checklist);
        prop_assert_eq!(judged.acceptance.map(|a| (a.kind, a.due)), case.acceptance.map(|a| (a.kind, a.due)));
    }

    #[test]
    fn a_number_names_the_window_it_was_made_at(window in 1u32..99, seq in 1u32..9999, day in 0u32..3000) {
        let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(day.into());
        let no = case_number("3211", window, d, seq);
        prop_assert_eq!(window_of(&no, "3211"), Some(window));
        prop_assert_eq!(window_of(&no, "3212"), None);
        prop_assert_eq!(window_of(&format!("JJ-{no}"), "3211"), None);
    }
}
