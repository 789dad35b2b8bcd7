use super::*;
use counter_core::case::{CaseState, Form};

fn desk(dir: &std::path::Path) -> Workstation {
    Workstation::open(
        Paths {
            db: dir.join("data/counter.db"),
            key: dir.join("config/store.key"),
            office: dir.join("config/office.toml"),
            catalogs: None,
            calendar: None,
        },
        Clock::Fixed(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
        ),
    )
    .unwrap()
}

fn office() -> PointSettings {
    PointSettings {
        name: "京口区医保服务中心".into(),
        address: "学府路88号".into(),
        phone: "0511-84401234".into(),
        complaint_phone: "12345".into(),
        point: "3211".into(),
        window: 1,
        level: Some(counter_core::catalog::Level::D),
        printer: None,
        catalog: None,
        reader_port: None,
        notice_days: None,
        handled_by: Vec::new(),
    }
}

#[test]
fn first_start_sets_up_the_supervisor_then_a_clerk_signs_in_and_works() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path());
    assert!(d.status().unwrap().needs_setup);
    assert_eq!(
        d.open_case(OpenRequest::person(
            "national",
            "002036006002",
            "张三",
            "11010519491231002X"
        ))
        .unwrap_err()
        .code,
        ApiErrorCode::Auth
    );
    d.setup(office(), "李主任", "secret1").unwrap();
    d.add_clerk("王芳", "pass123", false).unwrap();
    d.sign_out();
    // A restart keeps the settings and the accounts.
    drop(d);
    let mut d = desk(dir.path());
    assert!(!d.status().unwrap().needs_setup);
    assert_eq!(d.status().unwrap().office.point, "3211");
    d.sign_in("王芳", "pass123").unwrap();
    assert_eq!(
        d.save_office(office()).unwrap_err().code,
        ApiErrorCode::Auth,
        "clerks cannot change settings"
    );
    let o = d
        .open_case(OpenRequest {
            phone: Some("13800138000".into()),
            ..OpenRequest::person("national", "002036006002", "张三", "11010519491231002X")
        })
        .unwrap();
    let no = o.case.case.case_no.clone();
    assert!(no.starts_with("3211-"));
    for k in ["m1", "m2", "m3", "m4"] {
        d.tick(&no, k, Form::Original, 1, None).unwrap();
    }
    let v = d.accept(&no).unwrap();
    assert_eq!(v.case.state, CaseState::Accepted);
    let p = d.document(&no, "receipt").unwrap();
    assert_eq!(p.pages.len(), 2);
    assert!(p.pages[0].starts_with("data:image/png;base64,"));
    let detail = d.case_detail(&no).unwrap();
    let docs: Vec<(&str, &str)> = detail
        .documents
        .iter()
        .map(|d| (d.kind.as_str(), d.title.as_str()))
        .collect();
    assert_eq!(docs, [("receipt", "受理回执")]);
    let last = detail.history.last().unwrap();
    assert_eq!((last.clerk.as_str(), last.title), ("王芳", "受理"));
    // Materials by name, not by key.
    assert!(detail
        .history
        .iter()
        .any(|h| h.event == "ticked" && h.detail == "医院收费票据（原件，1份）"));
    let rows = d.ledger(LedgerFilter::default()).unwrap();
    assert_eq!(rows.len(), 1);
    // The empty search offers what was opened recently.
    assert_eq!(d.search("")[0].code, "002036006002");
    // Withdrawn after acceptance: no receipt is offered, and none is made.
    d.withdraw(&no, Some("申请人撤回".into())).unwrap();
    let detail = d.case_detail(&no).unwrap();
    assert!(detail.documents.is_empty(), "{:?}", detail.documents);
    assert!(detail.case.documents.is_empty());
    assert_eq!(
        d.document(&no, "receipt").unwrap_err().code,
        ApiErrorCode::InvalidInput
    );
}

#[test]
fn wrong_passwords_lock_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path());
    d.setup(office(), "李主任", "secret1").unwrap();
    d.sign_out();
    // An unknown name and a wrong password get the same answer.
    let unknown = d.sign_in("无此人", "wrong").unwrap_err().message;
    for _ in 0..4 {
        let e = d.sign_in("李主任", "wrong").unwrap_err();
        assert_eq!(e.message, unknown);
    }
    let e = d.sign_in("李主任", "wrong").unwrap_err();
    assert!(e.message.contains("账号已锁定"), "{}", e.message);
    // Even the right password waits out the lock.
    let e = d.sign_in("李主任", "secret1").unwrap_err();
    assert!(e.message.contains("账号已锁定"), "{}", e.message);
    let e = d.sign_in("无此人", "secret1").unwrap_err();
    assert!(e.message.starts_with("用户名或密码错误"));
}

#[test]
fn a_township_point_sees_what_it_may_accept_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path());
    d.setup(office(), "李主任", "secret1").unwrap();
    let hits = d.search("报销");
    assert!(!hits.is_empty());
    let first = &hits[0];
    assert!(
        ["322036066001", "322036066002"].contains(&first.code.as_str())
            || first.catalog != "jiangsu-2024",
        "{hits:?}"
    );
    assert!(d
        .check_id(IdType::ResidentId, "110105194912310021")
        .message
        .contains("校验位"));
    assert!(d.check_id(IdType::ResidentId, "11010519491231002X").ok);
}

#[test]
fn sign_ins_locks_and_the_supervisors_actions_are_in_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path());
    d.setup(office(), "李主任", "secret1").unwrap();
    d.add_clerk("王芳", "secret2", false).unwrap();
    d.backup(&dir.path().join("backup.db")).unwrap();
    d.sign_out();
    d.sign_in("王芳", "nope").unwrap_err();
    d.sign_in("王芳", "secret2").unwrap();
    // A clerk may not read it.
    assert_eq!(d.audit_log().unwrap_err().code, ApiErrorCode::Auth);
    d.sign_out();
    d.sign_in("李主任", "secret1").unwrap();
    let log = d.audit_log().unwrap();
    let seen: Vec<(&str, &str)> = log
        .iter()
        .rev()
        .map(|a| (a.who.as_str(), a.action.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("李主任", "初始设置"),
            ("李主任", "添加账号"),
            ("李主任", "备份"),
            ("李主任", "退出或锁定"),
            ("王芳", "登录失败"),
            ("王芳", "登录"),
            ("王芳", "退出或锁定"),
            ("李主任", "登录"),
        ]
    );
}

#[test]
fn the_workstation_itself_locks_after_idling_whatever_the_window_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path());
    d.setup(office(), "李主任", "secret1").unwrap();
    d.set_idle_limit(Some(std::time::Duration::from_millis(200)));
    d.ledger(LedgerFilter::default()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let e = d.ledger(LedgerFilter::default()).unwrap_err();
    assert_eq!(e.code, ApiErrorCode::Locked);
    assert!(e.message.contains("请重新登录"), "{}", e.message);
    d.sign_in("李主任", "secret1").unwrap();
    d.ledger(LedgerFilter::default()).unwrap();
    // The window saying the clerk is there (keys, clicks) keeps it open; it cannot reopen it.
    for _ in 0..3 {
        std::thread::sleep(std::time::Duration::from_millis(120));
        d.touch();
    }
    d.ledger(LedgerFilter::default()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    d.touch();
    assert_eq!(
        d.ledger(LedgerFilter::default()).unwrap_err().code,
        ApiErrorCode::Locked
    );
}

#[test]
fn a_clock_set_back_does_not_lock_an_account_for_longer() {
    let dir = tempfile::tempdir().unwrap();
    let (db, key) = (
        dir.path().join("data/counter.db"),
        dir.path().join("config/store.key"),
    );
    let at = |y: i32| {
        chrono::NaiveDate::from_ymd_opt(y, 11, 30)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
    };
    {
        let mut d = desk(dir.path());
        d.setup(office(), "李主任", "secret1").unwrap();
    }
    let mut s = counter_store::Store::open(&db, &key).unwrap();
    // Five wrong tries with the clock two years ahead, then the clock is put right.
    for _ in 0..5 {
        s.sign_in("李主任", "wrong", at(2028)).unwrap_err();
    }
    assert!(matches!(
        s.sign_in("李主任", "secret1", at(2028)),
        Err(counter_store::SignInError::Locked { .. })
    ));
    s.sign_in("李主任", "secret1", at(2026)).unwrap();
}

/// Every file under `dir` that holds `needle` in clear.
fn files_holding(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    files_holding_since(dir, needle, std::time::SystemTime::UNIX_EPOCH)
}

/// The same, among what was written since `since` (a folder untouched since then is not
/// entered: whatever is written into a folder changes the folder's time).
fn files_holding_since(
    dir: &std::path::Path,
    needle: &[u8],
    since: std::time::SystemTime,
) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.modified().is_ok_and(|m| m < since) || meta.file_type().is_symlink() {
            continue;
        }
        if meta.is_dir() {
            out.extend(files_holding_since(&p, needle, since));
        } else if std::fs::read(&p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle)) {
            out.push(p.display().to_string());
        }
    }
    out
}

#[test]
fn after_a_day_of_intake_and_documents_no_file_holds_the_id_number_in_clear() {
    let started = std::time::SystemTime::now() - std::time::Duration::from_secs(2);
    let dir = tempfile::tempdir().unwrap();
    let mut d = desk(dir.path());
    // Printing goes to the real CUPS queue the test command sets up (scripts/cups.sh).
    let office = PointSettings {
        printer: Some("CounterPDF".into()),
        ..office()
    };
    d.setup(office, "李主任", "secret1").unwrap();
    let id = "321102198706054212";
    let opened = d
        .open_case(OpenRequest {
            phone: Some("13800138000".into()),
            ..OpenRequest::person("national", "002036006002", "张三", id)
        })
        .unwrap();
    let no = opened.case.case.case_no.clone();
    d.notify(&no).unwrap();
    d.document(&no, "notice").unwrap();
    d.resume_notice(&no).unwrap();
    for k in ["m1", "m2", "m3", "m4"] {
        d.tick(&no, k, Form::Original, 1, None).unwrap();
    }
    d.accept(&no).unwrap();
    let receipt = d.document(&no, "receipt").unwrap();
    assert_eq!(receipt.pages.len(), 2);
    d.print(&no, "receipt").unwrap();
    d.backup(&dir.path().join("data/backup.db")).unwrap();
    drop(d);
    // Nor did a preview or a print job leave it in the temporary directory (only this test
    // uses this ID number).
    assert_eq!(
        files_holding_since(&std::env::temp_dir(), id.as_bytes(), started),
        Vec::<String>::new()
    );
    // The store, its journal, the backup, the settings: the ID number nowhere in clear, nor
    // the phone number; no document was kept.
    assert_eq!(
        files_holding(dir.path(), id.as_bytes()),
        Vec::<String>::new()
    );
    assert_eq!(
        files_holding(dir.path(), b"13800138000"),
        Vec::<String>::new()
    );
    assert!(!dir.path().join("data/documents").exists());
}
