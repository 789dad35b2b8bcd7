//! Issue 25's corrections that live in the workstation, on a real store and the real CUPS
//! queue (scripts/cups.sh): a withdrawn case promises no date; 当场办结 is offered for 即办件
//! only; each print is in the case's history and the audit log, a second one marked 补打 on
//! every page; the confirmation names the printer, not CUPS's job number; the offices
//! registered above a point are named and handed to; the notice gives its 补交期限.

use counter_core::case::Form;
use counter_core::catalog::Level;
use counter_core::settings::{HandlingOffice, PointSettings};
use counter_desk::{ApiErrorCode, Clock, LedgerFilter, OpenRequest, Paths, Workstation};
use counter_testkit::pdf::{flat_of, text_of};
use counter_testkit::{at, now, ID};

fn desk(dir: &std::path::Path) -> Workstation {
    desk_with(
        dir,
        PointSettings {
            printer: Some("CounterPDF".into()),
            ..counter_testkit::office(Some(Level::C))
        },
    )
}

/// A workstation on Fri 26 Sep 2025 (before the National Day holiday) set up with `office`.
fn desk_with(dir: &std::path::Path, office: PointSettings) -> Workstation {
    let now = at(9, 30);
    let paths = Paths {
        db: dir.join("counter.db"),
        key: dir.join("store.key"),
        office: dir.join("office.toml"),
        catalogs: None,
        calendar: None,
    };
    let mut d = Workstation::open(paths, Clock::Fixed(now)).unwrap();
    d.setup(office, "李主任", "secret1").unwrap();
    d
}

fn accepted(d: &mut Workstation) -> String {
    let no = d
        .open_case(OpenRequest::person("national", "002036006002", "张三", ID))
        .unwrap()
        .case
        .case
        .case_no;
    for k in ["m1", "m2", "m3", "m4"] {
        d.tick(&no, k, Form::Original, 1, None).unwrap();
    }
    d.accept(&no).unwrap();
    no
}

#[test]
fn a_withdrawn_case_promises_no_date_any_more() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path());
    let no = accepted(&mut d);
    assert!(d.case_detail(&no).unwrap().case.due.is_some());
    let v = d.withdraw(&no, Some("申请人撤回申请".into())).unwrap();
    assert_eq!(v.due, None);
    let row = d
        .ledger(LedgerFilter {
            case_no: Some(no.clone()),
            ..Default::default()
        })
        .unwrap()
        .remove(0);
    assert_eq!(row.due, None, "the ledger still shows a date for {no}");
}

#[test]
fn only_an_immediate_item_is_offered_on_the_spot() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path());
    let slow = d
        .open_case(OpenRequest::person("national", "002036006002", "张三", ID))
        .unwrap();
    assert!(!slow.case.immediate, "住院费用报销 (30 working days)");
    let quick = d
        .open_case(OpenRequest::person("national", "002036001003", "张三", ID))
        .unwrap();
    assert!(quick.case.immediate, "城乡居民参保登记 (即时办结)");
}

#[test]
fn every_print_is_recorded_and_a_second_one_says_so_on_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path());
    let no = accepted(&mut d);
    let original = text_of(&d.document_pdf(&no, "receipt").unwrap());
    assert!(!original.contains("补打"), "{original}");
    assert_eq!(d.print(&no, "receipt").unwrap(), "已送打印机“CounterPDF”");
    assert_eq!(
        d.print(&no, "receipt").unwrap(),
        "已补打，送打印机“CounterPDF”"
    );
    // From now on the receipt, shown or printed, is a copy: each page says so.
    let copy = text_of(&d.document_pdf(&no, "receipt").unwrap());
    let pages = copy.split('\u{c}').filter(|p| !p.trim().is_empty()).count();
    assert!(pages >= 2, "{pages} pages");
    assert_eq!(copy.matches("【补打】").count(), pages, "{copy}");
    assert!(copy.contains("首次打印于 2025年9月26日 09:30"), "{copy}");
    let history = d.case_detail(&no).unwrap().history;
    let prints: Vec<_> = history
        .iter()
        .filter(|h| h.event == "printed" || h.event == "reprinted")
        .map(|h| (h.title, h.detail.as_str(), h.clerk.as_str()))
        .collect();
    assert_eq!(
        prints,
        vec![
            ("打印", "受理回执", "李主任"),
            ("补打", "受理回执", "李主任")
        ]
    );
    let log: Vec<_> = d
        .audit_log()
        .unwrap()
        .into_iter()
        .filter(|a| a.detail.as_deref() == Some(no.as_str()))
        .map(|a| a.action)
        .collect();
    assert_eq!(log, vec!["补打受理回执", "打印受理回执"], "newest first");
}

#[test]
fn the_supervisor_stops_an_account_and_resets_a_password() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path());
    d.add_clerk("王芳", "pass123", false).unwrap();
    d.add_clerk("赵敏", "pass123", true).unwrap();
    let names: Vec<_> = d.accounts().unwrap().into_iter().map(|a| a.name).collect();
    assert_eq!(names, vec!["李主任", "王芳", "赵敏"]);
    // Not one's own account; a short password is refused in words.
    let e = d.set_account_disabled("李主任", true).unwrap_err();
    assert!(e.message.contains("自己"), "{}", e.message);
    assert!(d
        .reset_password("王芳", "123")
        .unwrap_err()
        .message
        .contains("至少6位"));
    let list = d.set_account_disabled("王芳", true).unwrap();
    assert!(list
        .iter()
        .any(|a| a.name == "王芳" && a.disabled_at.is_some()));
    d.sign_out();
    // A wrong password says nothing of the account; the right one says it is stopped.
    let wrong = d.sign_in("王芳", "nopass1").unwrap_err().message;
    assert!(wrong.contains("用户名或密码错误"), "{wrong}");
    let stopped = d.sign_in("王芳", "pass123").unwrap_err().message;
    assert!(stopped.contains("已被负责人停用"), "{stopped}");
    // Five wrong tries lock 赵敏; the reset lifts the lock and the old password is gone.
    for _ in 0..5 {
        let _ = d.sign_in("赵敏", "nopass1");
    }
    assert!(d
        .sign_in("赵敏", "pass123")
        .unwrap_err()
        .message
        .contains("锁定"));
    d.sign_in("李主任", "secret1").unwrap();
    assert!(d
        .accounts()
        .unwrap()
        .iter()
        .any(|a| a.name == "赵敏" && a.locked_until.is_some()));
    d.reset_password("赵敏", "newpass1").unwrap();
    d.set_account_disabled("王芳", false).unwrap();
    d.sign_out();
    assert!(d.sign_in("赵敏", "pass123").is_err());
    d.sign_in("赵敏", "newpass1").unwrap();
    d.sign_out();
    d.sign_in("王芳", "pass123").unwrap();
    d.sign_out();
    d.sign_in("李主任", "secret1").unwrap();
    let log: Vec<_> = d
        .audit_log()
        .unwrap()
        .into_iter()
        .map(|a| format!("{} {}", a.action, a.detail.unwrap_or_default()))
        .collect();
    for line in ["停用账号 王芳", "启用账号 王芳", "重置密码 赵敏"] {
        assert!(log.iter().any(|l| l == line), "{line} in {log:?}");
    }
}

#[test]
fn the_last_supervisor_in_service_is_never_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let now = now();
    let mut s = counter_store::Store::open(&p.join("c.db"), &p.join("k")).unwrap();
    s.add_clerk("李主任", "secret1", counter_store::Role::Supervisor, now)
        .unwrap();
    s.add_clerk("赵敏", "secret1", counter_store::Role::Supervisor, now)
        .unwrap();
    s.set_disabled("赵敏", true, now).unwrap();
    let e = s.set_disabled("李主任", true, now).unwrap_err().to_string();
    assert!(e.contains("唯一的负责人"), "{e}");
}

#[test]
fn a_withdrawn_case_is_not_offered_for_hand_over_and_its_paper_goes_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path());
    let kept = accepted(&mut d);
    let gone = accepted(&mut d);
    d.withdraw(&gone, Some("申请人撤回申请".into())).unwrap();
    let held = |d: &Workstation| -> Vec<String> {
        d.ledger(LedgerFilter {
            held: true,
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|r| r.case_no)
        .collect()
    };
    assert_eq!(held(&d), vec![kept.clone()]);
    // The withdrawn case's paper goes back to the applicant, in its history.
    let detail = d.case_detail(&gone).unwrap();
    assert!(detail.can_hand_back);
    d.hand_back(&gone).unwrap();
    let detail = d.case_detail(&gone).unwrap();
    assert!(!detail.can_hand_back);
    let last = detail.history.last().unwrap();
    assert!(last.detail.contains("材料已退还申请人"), "{last:?}");
    // An accepted case's paper is for the office, not handed back.
    assert!(!d.case_detail(&kept).unwrap().can_hand_back);
}

// Issue 25 A5 and A10: the offices registered above a point (设置 → 上级经办机构) are what the
// applicant reads on the receipt and where the hand-over sheet goes; an office code nobody
// registered is sent only once the clerk confirms it; the one-time notice states the date by
// which to bring what is missing (the point's 补交期限 in working days) or that there is none.

fn office(point: &str, level: Level) -> PointSettings {
    PointSettings {
        name: "象山街道某村便民服务点".into(),
        address: "某村村委会".into(),
        point: point.into(),
        ..counter_testkit::office(Some(level))
    }
}

fn township() -> HandlingOffice {
    HandlingOffice {
        level: Level::D,
        point: "D01".into(),
        name: "象山街道医保服务站".into(),
    }
}

/// Opens 住院费用报销; its number.
fn opened(d: &mut Workstation) -> String {
    d.open_case(OpenRequest::person("national", "002036006002", "张三", ID))
        .unwrap()
        .case
        .case
        .case_no
}

/// Opens `item` of `catalog` and ticks every required material; its number.
fn ticked(d: &mut Workstation, catalog: &str, item: &str) -> String {
    let opened = d
        .open_case(OpenRequest::person(catalog, item, "张三", ID))
        .unwrap();
    let no = opened.case.case.case_no.clone();
    for e in opened
        .case
        .case
        .checklist
        .iter()
        .filter(|e| !e.material.optional)
    {
        let option = e.material.any_of.first().cloned();
        d.tick(&no, &e.material.key, Form::Original, 1, option)
            .unwrap();
    }
    no
}

#[test]
fn the_receipt_names_the_registered_office_and_the_sheet_goes_only_where_it_is_known() {
    let dir = tempfile::tempdir().unwrap();
    let mut village = office("E01", Level::E);
    village.handled_by = vec![township()];
    let mut d = desk_with(dir.path(), village);
    // 异地安置退休人员备案 at a village point: accepted on the applicant's behalf for the
    // township.
    let no = ticked(&mut d, "jiangsu-2024", "322036013001");
    d.accept(&no).unwrap();
    let receipt = flat_of(&d.document_pdf(&no, "receipt").unwrap());
    assert!(receipt.contains("移交象山街道医保服务站办理"), "{receipt}");
    assert!(!receipt.contains("办理层级"), "{receipt}");

    // A mistyped code is not sent without the clerk's word; nothing is recorded.
    let e = d
        .hand_over_sheet(std::slice::from_ref(&no), "D1O", false)
        .unwrap_err();
    assert_eq!(e.code, ApiErrorCode::Unconfirmed);
    assert!(
        e.message.contains("象山街道医保服务站（D01）"),
        "{}",
        e.message
    );
    assert!(d.sheets(false).unwrap().is_empty());
    // The registered township needs no confirmation, and the sheet names it.
    let sent = d
        .hand_over_sheet(std::slice::from_ref(&no), "D01", false)
        .unwrap();
    let sheet = flat_of(&d.sheet_pdf(&sent.sheet_no).unwrap());
    assert!(sheet.contains("象山街道医保服务站（网点D01）"), "{sheet}");
}

#[test]
fn an_unregistered_office_is_sent_to_once_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk_with(dir.path(), office("E01", Level::E));
    let no = ticked(&mut d, "jiangsu-2024", "322036013001");
    d.accept(&no).unwrap();
    // Nothing registered: the receipt names the level as the list does, never its letter.
    let receipt = flat_of(&d.document_pdf(&no, "receipt").unwrap());
    assert!(
        receipt.contains("乡镇(街道)医疗保障经办机构办理"),
        "{receipt}"
    );
    assert!(!receipt.contains("办理层级"), "{receipt}");
    let e = d
        .hand_over_sheet(std::slice::from_ref(&no), "X99", false)
        .unwrap_err();
    assert_eq!(e.code, ApiErrorCode::Unconfirmed);
    assert!(e.message.contains("尚未登记上级经办机构"), "{}", e.message);
    let sent = d
        .hand_over_sheet(std::slice::from_ref(&no), "X99", true)
        .unwrap();
    assert_eq!(sent.cases.len(), 1);
    assert_eq!(sent.cases[0].case_no, no);
}

#[test]
fn the_notice_gives_the_date_to_bring_what_is_missing_in_working_days() {
    let dir = tempfile::tempdir().unwrap();
    let mut county = office("3211", Level::C);
    county.notice_days = Some(5);
    let mut d = desk_with(dir.path(), county);
    let no = opened(&mut d);
    for k in ["m1", "m2", "m3"] {
        d.tick(&no, k, Form::Original, 1, None).unwrap();
    }
    d.notify(&no).unwrap();
    // Fri 26 Sep 2025 + 5 working days: Sun 28 Sep (a make-up day), 29, 30 Sep, then the
    // National Day holiday (1–8 Oct), 9 and 10 Oct.
    let notice = flat_of(&d.document_pdf(&no, "notice").unwrap());
    assert!(
        notice.contains("补交期限：请于2025年10月10日前补交上述材料"),
        "{notice}"
    );
    let history = d.case_detail(&no).unwrap().history;
    assert!(
        history
            .iter()
            .any(|h| h.detail.contains("2025-10-10前补交")),
        "{history:?}"
    );

    // Without a 补交期限 the notice says so rather than leaving the applicant to guess.
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk_with(dir.path(), office("3211", Level::C));
    let no = opened(&mut d);
    d.notify(&no).unwrap();
    let notice = flat_of(&d.document_pdf(&no, "notice").unwrap());
    assert!(notice.contains("本网点对补交上述材料不设期限"), "{notice}");
}
