use super::*;
use crate::case::{Applicant, Form, IdType, OpenCase, Person};
use crate::rating::RatingChannel;
use crate::{bundled, CatalogSet};

fn at(d: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, d)
        .unwrap()
        .and_hms_opt(h, 0, 0)
        .unwrap()
}

fn set() -> CatalogSet {
    bundled::catalogs().unwrap()
}

/// An accepted 异地安置退休人员备案 case of village point V01.
fn accepted(set: &CatalogSet) -> Case {
    let mut c = ticked(set);
    let js = set.get("jiangsu-2024").unwrap();
    c.accept(
        js,
        &bundled::calendar().unwrap(),
        &Scope::Handles,
        at(23, 9),
    )
    .unwrap();
    c
}

/// The same case with every material ticked, not yet decided.
fn ticked(set: &CatalogSet) -> Case {
    let js = set.get("jiangsu-2024").unwrap();
    let (mut c, _) = Case::open(
        OpenCase {
            case_no: "V01-20261123-0001".into(),
            catalog: "jiangsu-2024".into(),
            item: "322036013001".into(),
            applicant: Applicant::Person(Person {
                name: "张三".into(),
                id_type: IdType::ResidentId,
                id_number: "11010519491231002X".into(),
                phone: None,
            }),
            agent: None,
            point: "V01".into(),
            clerk: "村代办员".into(),
            answers: Default::default(),
            assisted: Some("乡镇(街道)医疗保障经办机构".into()),
            card_read: false,
        },
        js,
        at(23, 9),
    )
    .unwrap();
    for e in c.checklist.clone() {
        if !e.material.optional {
            let opt = e.material.any_of.first().cloned();
            c.tick(
                &e.material.key,
                Form::Original,
                1,
                opt.as_deref(),
                at(23, 9),
            )
            .unwrap();
        }
    }
    c
}

#[test]
fn the_paper_goes_up_and_back_and_every_step_is_on_the_chain() {
    let set = set();
    let mut v = accepted(&set);
    assert_eq!(v.held_by().as_deref(), Some("V01"));
    // Accepted on the applicant's behalf: the authorisation was one of the materials.
    let auth = v.checklist.last().unwrap();
    assert_eq!(auth.material.key, "assist1");
    assert_eq!(auth.material.any_of.len(), 2);
    // An assisted case is handled elsewhere: it cannot be completed on the spot.
    let mut spot = ticked(&set);
    let e = spot
        .complete(
            set.get("jiangsu-2024").unwrap(),
            &bundled::calendar().unwrap(),
            &Scope::Handles,
            at(23, 9),
        )
        .unwrap_err();
    assert!(e.to_string().contains("不能在本网点当场办结"), "{e}");
    let sheet = vec![v.case_no.clone()];
    let sent = v
        .hand_over(
            "JJ-V01-20261123-01",
            &sheet,
            "V01",
            "T01",
            "村代办员",
            at(23, 10),
        )
        .unwrap();
    // The township has never seen the case: it arrives with the event.
    let Change::HandedOver {
        case: Some(snap), ..
    } = &sent[0].change
    else {
        panic!("no snapshot");
    };
    let mut t = (**snap).clone();
    assert!(matches!(v.holder(), Some(Holder::InTransit { ref to, .. }) if to == "T01"));
    // Handing it over twice, or receiving at the wrong office, is refused.
    let e = v
        .hand_over(
            "JJ-V01-20261123-02",
            &sheet,
            "V01",
            "T01",
            "村代办员",
            at(23, 11),
        )
        .unwrap_err();
    assert!(e.to_string().contains("尚未接收"), "{e}");
    assert!(t
        .receive("JJ-V01-20261123-01", "T02", &[], "镇经办员", at(24, 9))
        .is_err());
    // A material the case does not have is refused; the note names the material.
    let wrong = [("m9".to_string(), "破损".to_string())];
    assert!(t
        .receive("JJ-V01-20261123-01", "T01", &wrong, "镇经办员", at(24, 9))
        .is_err());
    let note = [("m1".to_string(), "破损".to_string())];
    let got = t
        .receive("JJ-V01-20261123-01", "T01", &note, "镇经办员", at(24, 9))
        .unwrap();
    // The village applies the township's receipt; applying it twice changes nothing.
    assert!(v.apply_shared(&got[0]));
    assert!(!v.apply_shared(&got[0]));
    assert_eq!(v.held_by().as_deref(), Some("T01"));
    // Not completed yet: nothing to hand back.
    assert!(t.hand_back("T01", "镇经办员", at(24, 10)).is_err());
    t.state = CaseState::Completed;
    v.state = CaseState::Completed;
    let back = t
        .hand_over(
            "JJ-T01-20261125-01",
            &sheet,
            "T01",
            "V01",
            "镇经办员",
            at(25, 9),
        )
        .unwrap();
    assert!(v.apply_shared(&back[0]));
    let got = v
        .receive("JJ-T01-20261125-01", "V01", &[], "村代办员", at(25, 15))
        .unwrap();
    assert!(t.apply_shared(&got[0]));
    let done = v.hand_back("V01", "村代办员", at(26, 9)).unwrap();
    assert!(t.apply_shared(&done[0]));
    assert!(matches!(v.holder(), Some(Holder::Applicant { .. })));
    // Both sides see the same chain: 受理, 移交, 接收 (with the damaged paper), 移交, 接收, 送达.
    let kinds: Vec<_> = v
        .custody
        .iter()
        .map(|s| (s.from.as_str(), s.to.as_str(), s.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (APPLICANT, "V01", CustodyKind::Accepted),
            ("V01", "T01", CustodyKind::Sent),
            ("V01", "T01", CustodyKind::Received),
            ("T01", "V01", CustodyKind::Sent),
            ("T01", "V01", CustodyKind::Received),
            ("V01", APPLICANT, CustodyKind::HandedBack),
        ]
    );
    assert_eq!(v.custody, t.custody);
    assert_eq!(v.custody[2].notes[0].note, "破损");
    assert_eq!(v.custody[2].notes[0].name, v.checklist[0].material.name);
    assert_eq!(v.custody[2].by, "镇经办员");
}

#[test]
fn a_sheet_not_yet_received_can_be_recalled_but_a_receipt_stands() {
    let set = set();
    let mut v = accepted(&set);
    let sheet = vec![v.case_no.clone()];
    let sent = v
        .hand_over(
            "JJ-V01-20261123-01",
            &sheet,
            "V01",
            "T10",
            "村代办员",
            at(23, 10),
        )
        .unwrap();
    // Only the sender, and only that sheet.
    assert!(v
        .recall("JJ-V01-20261123-01", "T10", None, "x", at(23, 11))
        .is_err());
    assert!(v
        .recall("JJ-V01-20261123-09", "V01", None, "x", at(23, 11))
        .is_err());
    let Change::HandedOver {
        case: Some(snap), ..
    } = &sent[0].change
    else {
        panic!("no snapshot");
    };
    let mut t = (**snap).clone();
    let back = v
        .recall(
            "JJ-V01-20261123-01",
            "V01",
            Some("网点代码填错"),
            "村代办员",
            at(23, 11),
        )
        .unwrap();
    assert_eq!(v.held_by().as_deref(), Some("V01"));
    assert_eq!(v.custody.last().unwrap().kind, CustodyKind::Recalled);
    // Recalled twice: refused, nothing changes.
    assert!(v
        .recall("JJ-V01-20261123-01", "V01", None, "x", at(23, 12))
        .is_err());
    // Offline on both sides, the office had already received that paper: the receipt
    // stands on both sides, whatever order the two events arrive in.
    let got = t
        .receive("JJ-V01-20261123-01", "T10", &[], "镇经办员", at(23, 11))
        .unwrap();
    assert!(!t.apply_shared(&back[0]));
    assert!(v.apply_shared(&got[0]));
    assert_eq!(t.held_by().as_deref(), Some("T10"));
    assert_eq!(v.held_by().as_deref(), Some("T10"));
}

#[test]
fn a_poor_rating_opens_a_follow_up_due_in_fifteen_working_days() {
    let set = set();
    let cal = bundled::calendar().unwrap();
    let mut c = accepted(&set);
    assert!(c
        .rate(0, RatingChannel::Counter, None, &cal, "x", at(23, 12))
        .is_err());
    assert!(c
        .rate(6, RatingChannel::Counter, None, &cal, "x", at(23, 12))
        .is_err());
    c.rate(
        2,
        RatingChannel::Paper,
        Some(" 等了太久 "),
        &cal,
        "村代办员",
        at(23, 12),
    )
    .unwrap();
    let r = c.rating().unwrap();
    assert_eq!(
        (r.label.as_str(), r.comment.as_deref()),
        ("不满意", Some("等了太久"))
    );
    // 2026-11-23 (Mon) + 15 working days, no holidays in between: 2026-12-14.
    assert_eq!(c.follow_up_due(), NaiveDate::from_ymd_opt(2026, 12, 14));
    // Once per case and channel.
    let e = c
        .rate(5, RatingChannel::Paper, None, &cal, "x", at(23, 13))
        .unwrap_err();
    assert!(e.to_string().contains("只评价一次"), "{e}");
    assert!(c.reply_follow_up("  ", "站长", at(24, 9)).is_err());
    c.reply_follow_up("已电话回访并致歉", "站长", at(24, 9))
        .unwrap();
    assert_eq!(c.follow_up_due(), None);
    assert!(c.reply_follow_up("再次", "站长", at(24, 10)).is_err());
    // A good rating opens nothing.
    let mut g = accepted(&set);
    g.rate(5, RatingChannel::Counter, None, &cal, "x", at(23, 12))
        .unwrap();
    assert_eq!(g.follow_up_due(), None);
}
