use super::*;
use crate::catalog::Catalog;
use crate::scope::Scope;
use crate::{bundled, CatalogSet};
use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;
use std::collections::BTreeMap;

// A valid resident ID (check character computed by the GB 11643 rule).
const ID: &str = "11010519491231002X";

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 9, 26)
        .unwrap()
        .and_hms_opt(9, 30, 0)
        .unwrap()
}

fn set() -> CatalogSet {
    bundled::catalogs().unwrap()
}

fn person(id: &str) -> Applicant {
    Applicant::Person(Person {
        name: "张三".into(),
        id_type: IdType::ResidentId,
        id_number: id.into(),
        phone: Some("13800138000".into()),
    })
}

fn open(
    catalog: &Catalog,
    item: &str,
    answers: &[(&str, &str)],
    agent: bool,
) -> Result<Case, CaseError> {
    Case::open(
        OpenCase {
            case_no: case_number("3211", 1, now().date(), 1),
            catalog: catalog.header.id.clone(),
            item: item.into(),
            applicant: person(ID),
            agent: agent.then(|| Person {
                name: "李四".into(),
                id_type: IdType::ResidentId,
                id_number: ID.into(),
                phone: None,
            }),
            point: "3211".into(),
            clerk: "王芳".into(),
            answers: answers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            assisted: None,
            card_read: false,
        },
        catalog,
        now(),
    )
    .map(|(c, _)| c)
}

fn keys(c: &Case) -> Vec<&str> {
    c.checklist
        .iter()
        .map(|e| e.material.key.as_str())
        .collect()
}

fn tick(c: &mut Case, key: &str) {
    c.tick(key, Form::Original, 1, None, now()).unwrap();
}

#[test]
fn inpatient_claim_notice_lists_exactly_the_fourth_material_then_resume_and_accept() {
    let set = set();
    let national = set.get("national").unwrap();
    let cal = bundled::calendar().unwrap();
    let mut c = open(national, "002036006002", &[], false).unwrap();
    assert_eq!(keys(&c), ["m1", "m2", "m3", "m4"]);
    c.tick("m1", Form::Electronic, 1, Some("医保电子凭证"), now())
        .unwrap();
    tick(&mut c, "m2");
    tick(&mut c, "m3");
    let err = c
        .accept(national, &cal, &Scope::Handles, now())
        .unwrap_err();
    assert!(
        matches!(err, CaseError::MaterialsMissing(ref m, hint) if m == "诊断证明" && !hint.contains("容缺")),
        "{err}"
    );
    let evs = c.notify(national, now()).unwrap();
    assert_eq!(
        evs[0].change,
        Change::Notified {
            missing: vec!["m4".into()],
            apply_to: None,
            bring_by: None,
        }
    );
    let notice = c.notice.clone().unwrap();
    assert_eq!(notice.missing.len(), 1);
    assert_eq!(notice.missing[0].name, "诊断证明");
    assert_eq!(c.state, CaseState::Notified);
    // Ticking on a notified case is refused until it is resumed.
    assert!(matches!(
        c.tick("m4", Form::Original, 1, None, now()),
        Err(CaseError::IllegalTransition { .. })
    ));
    c.resume(national, now()).unwrap();
    assert_eq!(
        c.missing()
            .iter()
            .map(|m| m.key.as_str())
            .collect::<Vec<_>>(),
        ["m4"]
    );
    tick(&mut c, "m4");
    c.accept(national, &cal, &Scope::Handles, now()).unwrap();
    let a = c.acceptance.clone().unwrap();
    assert_eq!(a.kind, TimeLimitKind::WorkingDays);
    assert_eq!(a.working_days, Some(30));
    assert_eq!(a.due, Some(cal.due(now().date(), 30).unwrap().due));
    assert_eq!(a.calendar_version, cal.version);
    assert!(c.omissions.is_empty());
    // 'any of' records the option handed over.
    assert!(matches!(
        &c.checklist[0].status,
        MaterialStatus::Received { option: Some(o), form: Form::Electronic, .. } if o == "医保电子凭证"
    ));
}

#[test]
fn an_agent_adds_both_id_documents_and_the_authorisation_letter() {
    let set = set();
    let js = set.get("jiangsu-2024").unwrap();
    let c = open(js, "322036066002", &[], true).unwrap();
    let names: Vec<&str> = c
        .checklist
        .iter()
        .filter(|e| e.material.source == MaterialSource::Agent)
        .map(|e| e.material.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["委托人身份证件", "代理人身份证件", "委托人授权委托书"]
    );
    assert_eq!(c.checklist[4].material.form.as_deref(), Some("原件"));
}

#[test]
fn a_first_payment_adds_the_bank_account_and_changing_answers_keeps_the_ticks() {
    let set = set();
    let js = set.get("jiangsu-2024").unwrap();
    let mut c = open(js, "322036066001", &[], false).unwrap();
    assert_eq!(keys(&c), ["m1", "m2", "m3", "m4"]);
    tick(&mut c, "m2");
    c.answer(js, FIRST_PAYMENT, "是", now()).unwrap();
    c.answer(js, "意外伤害", "是", now()).unwrap();
    assert_eq!(keys(&c), ["m1", "m2", "m3", "m4", "m5", "bank1"]);
    assert_eq!(
        c.checklist.last().unwrap().material.name,
        "参保人银行账户信息"
    );
    assert!(matches!(
        c.checklist[1].status,
        MaterialStatus::Received { .. }
    ));
    c.answer(js, "意外伤害", "否", now()).unwrap();
    assert_eq!(keys(&c), ["m1", "m2", "m3", "m4", "bank1"]);
    assert!(matches!(
        c.checklist[1].status,
        MaterialStatus::Received { .. }
    ));
    // The national list has no first-payment rule: no such question there.
    let national = set.get("national").unwrap();
    let mut n = open(national, "002036006001", &[], false).unwrap();
    assert!(matches!(
        n.answer(national, FIRST_PAYMENT, "是", now()),
        Err(CaseError::UnknownSituation(_))
    ));
}

#[test]
fn the_time_limit_follows_the_answers() {
    let set = set();
    let js = set.get("jiangsu-2024").unwrap();
    let cal = bundled::calendar().unwrap();
    for (answer, days) in [("单次门诊小额费用", 5), ("一般", 10), ("特殊情况", 20)] {
        let mut c = open(js, "322036066001", &[("报销情形", answer)], false).unwrap();
        for k in ["m1", "m2", "m3", "m4"] {
            tick(&mut c, k);
        }
        c.accept(js, &cal, &Scope::Handles, now()).unwrap();
        assert_eq!(c.acceptance.unwrap().working_days, Some(days), "{answer}");
    }
}

#[test]
fn a_question_without_an_ordinary_answer_must_be_answered_before_a_decision() {
    let set = set();
    let national = set.get("national").unwrap();
    let cal = bundled::calendar().unwrap();
    let mut c = open(national, "002036001002", &[], false).unwrap();
    let err = c
        .accept(national, &cal, &Scope::Handles, now())
        .unwrap_err();
    assert_eq!(err.to_string(), "请先回答情形：参保人员类别");
    assert!(matches!(
        c.notify(national, now()),
        Err(CaseError::Unanswered(_))
    ));
    c.answer(national, "人员类别", "灵活就业人员", now())
        .unwrap();
    assert!(c
        .checklist
        .iter()
        .all(|e| e.material.name != "参保人员有效身份证件"));
    let err = c
        .answer(national, "人员类别", "退休人员", now())
        .unwrap_err();
    assert!(
        err.to_string().contains("可选：在职职工、灵活就业人员"),
        "{err}"
    );
}

#[test]
fn asking_after_a_notice_for_what_it_did_not_list_is_recorded_as_an_omission() {
    let set = set();
    let js = set.get("jiangsu-2024").unwrap();
    let mut c = open(js, "322036066001", &[], false).unwrap();
    for k in ["m1", "m2", "m3"] {
        tick(&mut c, k);
    }
    c.notify(js, now()).unwrap();
    c.resume(js, now()).unwrap();
    assert!(c.omissions.is_empty());
    let evs = c.answer(js, "急诊", "是", now()).unwrap();
    assert_eq!(evs.len(), 2);
    assert_eq!(
        evs[1].change,
        Change::Omission {
            key: "m6".into(),
            name: "急诊诊断证明".into()
        }
    );
    // Recorded once, not on every later change.
    let evs = c.answer(js, "意外伤害", "否", now()).unwrap();
    assert_eq!(evs.len(), 1);
    assert_eq!(c.omissions.len(), 1);
}

#[test]
fn illegal_transitions_are_errors_that_name_the_state() {
    let set = set();
    let national = set.get("national").unwrap();
    let cal = bundled::calendar().unwrap();
    let mut c = open(national, "002036002002", &[], false).unwrap();
    assert!(matches!(
        c.resume(national, now()),
        Err(CaseError::IllegalTransition { .. })
    ));
    tick(&mut c, "m1");
    assert!(matches!(
        c.notify(national, now()),
        Err(CaseError::NothingMissing)
    ));
    // 参保人员参保信息查询 is immediate: completed on the spot.
    let evs = c.complete(national, &cal, &Scope::Handles, now()).unwrap();
    let kinds: Vec<&str> = evs.iter().map(|e| e.change.kind()).collect();
    assert_eq!(kinds, ["accepted", "completed"]);
    assert_eq!(c.state, CaseState::Completed);
    let err = c.withdraw(None, now()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("办件{}当前为“已办结”，不能撤回", c.case_no)
    );
    assert!(matches!(
        c.refuse("x", None, now()),
        Err(CaseError::IllegalTransition { .. })
    ));
    // A 30-day item is not completed on the spot.
    let mut d = open(national, "002036006002", &[], false).unwrap();
    for k in ["m1", "m2", "m3", "m4"] {
        tick(&mut d, k);
    }
    assert!(matches!(
        d.complete(national, &cal, &Scope::Handles, now()),
        Err(CaseError::NotImmediate(_))
    ));
    d.accept(national, &cal, &Scope::Handles, now()).unwrap();
    assert!(matches!(
        d.accept(national, &cal, &Scope::Handles, now()),
        Err(CaseError::IllegalTransition { .. })
    ));
    d.start_review(now()).unwrap();
    d.return_case("票据不清", now()).unwrap();
    d.start_review(now()).unwrap();
    d.complete(national, &cal, &Scope::Handles, now()).unwrap();
    assert_eq!(d.state, CaseState::Completed);
}

#[test]
fn refusal_needs_a_reason_and_withdrawal_ends_an_open_case() {
    let set = set();
    let national = set.get("national").unwrap();
    let mut c = open(national, "002036006002", &[], false).unwrap();
    assert!(matches!(
        c.refuse("  ", None, now()),
        Err(CaseError::Required(_))
    ));
    c.refuse("不属于本机构受理范围", Some("市医保中心"), now())
        .unwrap();
    assert_eq!(
        c.refusal.as_ref().unwrap().apply_to.as_deref(),
        Some("市医保中心")
    );
    let mut d = open(national, "002036006002", &[], false).unwrap();
    d.withdraw(Some("申请人不办了"), now()).unwrap();
    assert_eq!(d.state, CaseState::Withdrawn);
}

#[test]
fn bad_applicants_are_refused_with_a_message_that_says_what_is_wrong() {
    let set = set();
    let national = set.get("national").unwrap();
    let try_open = |applicant: Applicant| {
        Case::open(
            OpenCase {
                case_no: "X".into(),
                catalog: "national".into(),
                item: "002036006002".into(),
                applicant,
                agent: None,
                point: "3211".into(),
                clerk: "王芳".into(),
                answers: BTreeMap::new(),
                assisted: None,
                card_read: false,
            },
            national,
            now(),
        )
        .map(|_| ())
        .unwrap_err()
        .to_string()
    };
    assert!(try_open(person("110105194912310021")).contains("校验位"));
    assert!(try_open(person("11010519491231")).contains("18位"));
    let no_name = Applicant::Person(Person {
        name: " ".into(),
        id_type: IdType::ResidentId,
        id_number: ID.into(),
        phone: None,
    });
    assert_eq!(try_open(no_name), "请填写姓名");
    let bad_phone = Applicant::Person(Person {
        name: "张三".into(),
        id_type: IdType::ResidentId,
        id_number: ID.into(),
        phone: Some("1380013".into()),
    });
    assert!(try_open(bad_phone).contains("手机号应为11位"));
    let unit = Applicant::Unit {
        name: "镇江某公司".into(),
        credit_code: "91320000MA1XXXXXX0".into(),
        phone: None,
    };
    assert!(try_open(unit).contains("统一社会信用代码"));
}

#[test]
fn a_legacy_15_digit_number_is_upgraded_on_the_case() {
    let set = set();
    let national = set.get("national").unwrap();
    let (c, _) = Case::open(
        OpenCase {
            case_no: "X".into(),
            catalog: "national".into(),
            item: "002036006002".into(),
            applicant: person("110105491231002"),
            agent: None,
            point: "3211".into(),
            clerk: "王芳".into(),
            answers: BTreeMap::new(),
            assisted: None,
            card_read: false,
        },
        national,
        now(),
    )
    .unwrap();
    assert_eq!(c.applicant.id_number(), "11010519491231002X");
}

const LOCAL: &str = r#"
[catalog]
id = "local"
title = "t"
issuer = "i"
region = "321100"
edition = "1"
source = "test"

[[mains]]
code = "M1"
name = "主项"

[[items]]
code = "L1"
main = "M1"
seq = 1
name = "测试事项"
steps = ["申请", "受理", "审核", "办结"]
time_limit_text = "10个工作日"
time_limit = [{ working_days = 10 }]
[[items.materials]]
name = "申请表"
[[items.materials]]
name = "证明材料"
deferrable = true
[[items.materials]]
name = "资格证书"
promise = true
"#;

#[test]
fn deferral_and_promise_only_where_the_catalog_allows_and_within_the_time_limit() {
    let set = CatalogSet::from_texts(&[("local.toml", LOCAL)]).unwrap();
    let cat = set.get("local").unwrap();
    let cal = bundled::calendar().unwrap();
    let mut c = open(cat, "L1", &[], false).unwrap();
    let due = cal.due(now().date(), 10).unwrap().due;
    assert!(matches!(
        c.defer(cat, &cal, "m1", due, now()),
        Err(CaseError::NotDeferrable(_))
    ));
    assert!(matches!(
        c.promise("m2", now()),
        Err(CaseError::NoPromise(_))
    ));
    let late = due.succ_opt().unwrap();
    let err = c.defer(cat, &cal, "m2", late, now()).unwrap_err();
    assert!(
        err.to_string().contains("不能早于今天或晚于办结期限"),
        "{err}"
    );
    c.defer(cat, &cal, "m2", due, now()).unwrap();
    c.promise("m3", now()).unwrap();
    tick(&mut c, "m1");
    c.accept(cat, &cal, &Scope::Handles, now()).unwrap();
    // Only the deferred material may still arrive after acceptance.
    assert!(c.tick("m1", Form::Copy, 1, None, now()).is_err());
    assert!(c.terminate(now()).is_err(), "not overdue yet");
    let after = due.succ_opt().unwrap().and_hms_opt(9, 0, 0).unwrap();
    c.terminate(after).unwrap();
    assert_eq!(c.state, CaseState::Terminated);
    assert!(c.reason.as_deref().unwrap().contains("证明材料"));
}

#[test]
fn case_numbers_carry_point_day_window_and_sequence() {
    let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    assert_eq!(case_number("3211", 1, day, 7), "3211-20260105-0007");
    assert_eq!(case_number("3211", 2, day, 7), "3211-20260105-2-0007");
}

#[derive(Debug, Clone)]
enum Op {
    Answer(usize, usize),
    Tick(usize),
    Untick(usize),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            (0..8usize, 0..4usize).prop_map(|(a, b)| Op::Answer(a, b)),
            (0..12usize).prop_map(Op::Tick),
            (0..12usize).prop_map(Op::Untick),
        ],
        0..40,
    )
}

proptest! {
    /// Whatever the clerk does, the checklist is exactly what the catalog requires under the
    /// current answers, and acceptance is impossible while a required material is missing.
    #[test]
    fn any_sequence_of_answers_and_ticks_keeps_the_list_consistent(
        item_ix in 0..34usize,
        agent in any::<bool>(),
        ops in ops(),
    ) {
        let set = set();
        let js = set.get("jiangsu-2024").unwrap();
        let cal = bundled::calendar().unwrap();
        let item = &js.items[item_ix];
        let mut c = open(js, &item.code, &[], agent).unwrap();
        let qs = questions(js, item);
        for op in ops {
            match op {
                Op::Answer(q, o) => {
                    if let Some(q) = qs.get(q % qs.len().max(1)) {
                        let o = &q.options[o % q.options.len()];
                        c.answer(js, &q.id, o, now()).unwrap();
                    }
                }
                Op::Tick(i) => {
                    if !c.checklist.is_empty() {
                        let k = c.checklist[i % c.checklist.len()].material.key.clone();
                        tick(&mut c, &k);
                    }
                }
                Op::Untick(i) => {
                    if !c.checklist.is_empty() {
                        let k = c.checklist[i % c.checklist.len()].material.key.clone();
                        c.untick(&k, now()).unwrap();
                    }
                }
            }
            let expected: Vec<String> = required_materials(js, item, &c.answers, agent)
                .into_iter()
                .map(|m| m.key)
                .collect();
            prop_assert_eq!(keys(&c), expected);
        }
        let missing = !c.missing().is_empty();
        let before = c.clone();
        let accepted = c.accept(js, &cal, &Scope::Handles, now());
        if missing {
            prop_assert!(accepted.is_err());
            prop_assert_eq!(&c, &before, "a refused accept changes nothing");
        }
    }
}

#[test]
fn a_bundle_is_one_case_over_its_merged_list() {
    let set = set();
    let zj = set.get("zhenjiang-2025").unwrap();
    let cal = bundled::calendar().unwrap();
    let mut c = open(zj, "ZJ2025-11", &[], false).unwrap();
    assert!(matches!(c.notify(zj, now()), Err(CaseError::Unanswered(_))));
    c.answer(zj, "报销类型", "门诊费用", now()).unwrap();
    c.answer(zj, "金额", "1000元以下", now()).unwrap();
    let names: Vec<&str> = c
        .checklist
        .iter()
        .map(|e| e.material.name.as_str())
        .collect();
    assert!(
        names.contains(&"门急诊费用清单") && !names.contains(&"住院费用清单"),
        "{names:?}"
    );
    for k in keys(&c).iter().map(|k| k.to_string()).collect::<Vec<_>>() {
        tick(&mut c, &k);
    }
    c.accept(zj, &cal, &Scope::Handles, now()).unwrap();
    // 单次门诊1000元以下: the bundle's own promise of 5 working days.
    assert_eq!(c.acceptance.unwrap().working_days, Some(5));
    let mut d = open(
        zj,
        "ZJ2025-11",
        &[("报销类型", "住院费用"), ("金额", "其他")],
        false,
    )
    .unwrap();
    for k in keys(&d).iter().map(|k| k.to_string()).collect::<Vec<_>>() {
        tick(&mut d, &k);
    }
    d.accept(zj, &cal, &Scope::Handles, now()).unwrap();
    assert_eq!(d.acceptance.unwrap().kind, TimeLimitKind::NoPromise);
}
