//! The applicant's screen and its rating, and the alerts at the window, through the
//! workstation as the window and the browser mode call it, on a real store.

use chrono::{NaiveDate, NaiveDateTime};
use counter_core::case::{CaseState, Decision, Form, ScreenStage};
use counter_desk::{ApiErrorCode, Clock, LedgerFilter, OpenRequest, Paths, Workstation};

use counter_testkit::ID;

fn at(day: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 9, day)
        .unwrap()
        .and_hms_opt(h, 0, 0)
        .unwrap()
}

fn paths(dir: &std::path::Path) -> Paths {
    Paths {
        db: dir.join("counter.db"),
        key: dir.join("store.key"),
        office: dir.join("office.toml"),
        catalogs: None,
        calendar: None,
    }
}

fn desk(dir: &std::path::Path, now: NaiveDateTime) -> Workstation {
    let mut d = Workstation::open(paths(dir), Clock::Fixed(now)).unwrap();
    if d.status().unwrap().needs_setup {
        let office = counter_testkit::office(Some(counter_core::catalog::Level::D));
        d.setup(office, "李主任", "secret1").unwrap();
        d.add_clerk("王芳", "pass123", false).unwrap();
        d.sign_out();
    }
    d.sign_in("王芳", "pass123").unwrap();
    d
}

/// A 住院费用报销 case opened for `name`, its materials not yet ticked.
fn open(d: &mut Workstation, name: &str) -> String {
    d.open_case(OpenRequest::person("national", "002036006002", name, ID))
        .unwrap()
        .case
        .case
        .case_no
}

fn accepted(d: &mut Workstation, name: &str) -> String {
    let no = open(d, name);
    for k in ["m1", "m2", "m3", "m4"] {
        d.tick(&no, k, Form::Original, 1, None).unwrap();
    }
    d.accept(&no).unwrap();
    no
}

#[test]
fn the_screen_follows_the_clerk_and_the_rating_lands_on_the_case_just_decided() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path(), at(26, 9));
    assert_eq!(d.applicant_screen().unwrap().stage, ScreenStage::Idle);

    let no = open(&mut d, "张三丰");
    let s = d.applicant_screen().unwrap();
    assert_eq!(s.stage, ScreenStage::Serving);
    assert_eq!(s.case_no.as_deref(), Some(no.as_str()));
    assert_eq!(s.applicant.as_deref(), Some("张*丰"));
    assert_eq!(s.item_name.as_deref(), Some("住院费用报销"));
    assert_eq!((s.received.len(), s.missing.len()), (0, 4));
    assert!(!s.rating_open, "nothing to rate before a decision");

    d.tick(&no, "m1", Form::Original, 1, None).unwrap();
    let s = d.applicant_screen().unwrap();
    assert_eq!((s.received.len(), s.missing.len()), (1, 3));
    assert_eq!(s.received[0].note, "原件");
    // A draft cannot be rated, from the screen or otherwise.
    assert_eq!(
        d.rate_on_screen(&no, 5).unwrap_err().code,
        ApiErrorCode::InvalidInput
    );

    for k in ["m2", "m3", "m4"] {
        d.tick(&no, k, Form::Original, 1, None).unwrap();
    }
    d.accept(&no).unwrap();
    // 下一位 leaves a decided case on the screen for its rating.
    d.next_applicant().unwrap();
    let s = d.applicant_screen().unwrap();
    assert_eq!(s.stage, ScreenStage::Decided);
    assert_eq!(s.decision.as_deref(), Some("已受理"));
    assert!(s.due.is_some());
    assert!(s.missing.is_empty());
    assert!(s.rating_open);
    // The screen faces the hall: no ID number, no full name.
    let json = serde_json::to_string(&s).unwrap();
    assert!(!json.contains(ID) && !json.contains("张三丰"), "{json}");

    // A 不满意 from the screen: recorded on this case, once, with a follow-up.
    let s = d.rate_on_screen(&no, 2).unwrap();
    assert_eq!(s.rated.as_deref(), Some("不满意"));
    assert!(!s.rating_open);
    let c = d.case_detail(&no).unwrap().case;
    assert_eq!(c.case.ratings.len(), 1);
    assert!(c.case.ratings[0].follow_up.is_some());
    assert!(d.rate_on_screen(&no, 5).is_err());
    assert_eq!(d.follow_ups().unwrap().len(), 1);
}

#[test]
fn a_late_rating_never_reaches_the_next_applicant() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path(), at(26, 9));
    let first = accepted(&mut d, "张三丰");
    // The clerk serves the next applicant before the first one touched the screen.
    let second = open(&mut d, "李四");
    let e = d.rate_on_screen(&first, 1).unwrap_err();
    assert!(e.message.contains("评价已结束"), "{}", e.message);
    assert_eq!(
        d.applicant_screen().unwrap().applicant.as_deref(),
        Some("李*")
    );
    for no in [&first, &second] {
        let c = d.case_detail(no).unwrap().case;
        assert!(c.case.ratings.is_empty(), "{no} was rated");
    }
    // A set-aside draft leaves the screen; signing out empties it.
    d.next_applicant().unwrap();
    assert_eq!(d.applicant_screen().unwrap().stage, ScreenStage::Idle);
    let third = accepted(&mut d, "王五");
    d.sign_out();
    assert_eq!(d.applicant_screen().unwrap().stage, ScreenStage::Idle);
    assert!(d.rate_on_screen(&third, 5).is_err());
}

#[test]
fn a_return_and_a_due_date_alert_until_the_case_is_opened() {
    let dir = tempfile::tempdir().unwrap();
    let (returned, due) = {
        let mut d = desk(dir.path(), at(1, 9));
        (accepted(&mut d, "张三丰"), accepted(&mut d, "李四"))
    };
    {
        let mut d = desk(dir.path(), at(1, 10));
        assert!(d.alerts().unwrap().is_empty(), "nothing is due yet");
        d.sign_out();
    }
    // The centre returns the first (as the change feed brings it).
    {
        let p = paths(dir.path());
        let mut s = counter_store::Store::open(&p.db, &p.key).unwrap();
        s.update(&returned, |c| {
            let mut evs = c.apply_decision(&Decision::StartReview, "赵审核", at(2, 9))?;
            let back = Decision::Return {
                reason: "发票复印件不清晰".into(),
            };
            evs.extend(c.apply_decision(&back, "赵审核", at(2, 10))?);
            Ok(evs)
        })
        .unwrap();
    }
    // Days later the second is nearly due.
    let case = |d: &Workstation, no: &str| d.case_detail(no).unwrap().case.case;
    let mut d = desk(dir.path(), at(2, 11));
    let c = case(&d, &due);
    let due_on = c.due().unwrap();
    drop(d);
    let near = due_on.pred_opt().unwrap().and_hms_opt(9, 0, 0).unwrap();
    d = desk(dir.path(), near);
    let alerts = d.alerts().unwrap();
    let kinds: Vec<_> = alerts
        .iter()
        .map(|a| (a.case_no.as_str(), a.label.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![(returned.as_str(), "中心退回"), (due.as_str(), "即将超期")]
    );
    assert_eq!(alerts[0].reason.as_deref(), Some("发票复印件不清晰"));
    let filter = LedgerFilter {
        alerts: Some(true),
        ..Default::default()
    };
    let rows: Vec<_> = d
        .ledger(filter.clone())
        .unwrap()
        .into_iter()
        .map(|r| r.case_no)
        .collect();
    assert_eq!(rows, vec![returned.clone(), due.clone()]);
    // Opening the returned case ends its alert, for good.
    assert_eq!(case(&d, &returned).state, CaseState::Returned);
    let left: Vec<_> = d.alerts().unwrap().into_iter().map(|a| a.case_no).collect();
    assert_eq!(left, vec![due.clone()]);
    drop(d);
    let d = desk(dir.path(), near);
    let rows: Vec<_> = d
        .ledger(filter)
        .unwrap()
        .into_iter()
        .map(|r| r.case_no)
        .collect();
    assert_eq!(rows, vec![due.clone()]);
    // Opened while nearly due, it alerts again once overdue.
    case(&d, &due);
    assert!(d.alerts().unwrap().is_empty());
    drop(d);
    let late = due_on.succ_opt().unwrap().and_hms_opt(9, 0, 0).unwrap();
    let d = desk(dir.path(), late);
    let alerts = d.alerts().unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        (alerts[0].case_no.as_str(), alerts[0].label.as_str()),
        (due.as_str(), "已超期")
    );
}

/// What the clerk and the applicant do, in any order.
#[derive(Debug, Clone)]
enum Step {
    /// The clerk opens a case for the next applicant.
    Open,
    /// Ticks everything and accepts the case on screen.
    Accept,
    /// 下一位.
    Next,
    /// The applicant's screen sends a rating for the `n`-th case opened (counted from the
    /// latest), as a late or stale touch would.
    Rate { back: usize, score: u8 },
    /// The clerk locks and signs in again.
    Relock,
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        2 => Just(Step::Open),
        2 => Just(Step::Accept),
        1 => Just(Step::Next),
        3 => (0usize..3, 1u8..=5).prop_map(|(back, score)| Step::Rate { back, score }),
        1 => Just(Step::Relock),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, ..Default::default() })]

    /// Whatever the order, a rating lands only on the case the screen shows, decided and not
    /// yet rated; and the screen never shows a rating for any other.
    #[test]
    fn a_rating_reaches_only_the_case_at_the_screen(steps in proptest::collection::vec(step(), 1..14)) {
        let dir = tempfile::tempdir().unwrap();
        let mut d = desk(dir.path(), at(26, 9));
        let mut opened: Vec<String> = Vec::new();
        // The model: the case at the screen, and each case's rating.
        let mut facing: Option<String> = None;
        let mut rated = std::collections::BTreeMap::new();
        for s in steps {
            match s {
                Step::Open => {
                    let no = open(&mut d, "张三丰");
                    facing = Some(no.clone());
                    opened.push(no);
                }
                Step::Accept => {
                    let Some(no) = facing.clone() else { continue };
                    let state = d.case_detail(&no).unwrap().case.case.state;
                    if state == CaseState::Draft {
                        for k in ["m1", "m2", "m3", "m4"] {
                            d.tick(&no, k, Form::Original, 1, None).unwrap();
                        }
                        d.accept(&no).unwrap();
                    }
                }
                Step::Next => {
                    d.next_applicant().unwrap();
                    if let Some(no) = &facing {
                        if d.case_detail(no).unwrap().case.case.state == CaseState::Draft {
                            facing = None;
                        }
                    }
                }
                Step::Rate { back, score } => {
                    let Some(no) = opened.iter().rev().nth(back).cloned() else { continue };
                    let decided = d.case_detail(&no).unwrap().case.case.state != CaseState::Draft;
                    let may = facing.as_deref() == Some(no.as_str()) && decided && !rated.contains_key(&no);
                    let r = d.rate_on_screen(&no, score);
                    proptest::prop_assert_eq!(r.is_ok(), may, "rating {} ({:?})", no, r.err());
                    if may {
                        rated.insert(no, score);
                    }
                }
                Step::Relock => {
                    d.sign_out();
                    d.sign_in("王芳", "pass123").unwrap();
                    facing = None;
                }
            }
            let screen = d.applicant_screen().unwrap();
            proptest::prop_assert_eq!(screen.case_no.as_ref(), facing.as_ref());
            if screen.rating_open {
                let no = screen.case_no.clone().unwrap();
                proptest::prop_assert!(!rated.contains_key(&no));
            }
        }
        for no in &opened {
            let c = d.case_detail(no).unwrap().case.case;
            let got: Vec<u8> = c.ratings.iter().map(|r| r.score).collect();
            let want: Vec<u8> = rated.get(no).into_iter().copied().collect();
            proptest::prop_assert_eq!(got, want, "{}", no);
        }
    }
}
