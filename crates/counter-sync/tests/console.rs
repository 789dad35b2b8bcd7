//! The central console's API over HTTPS, on both backends: staff sign in with a cookie,
//! decide cases a real counter pushed (the counter shows the decisions after its next sync),
//! see only what their role allows, lock after wrong passwords, and read figures equal to a
//! count by hand, in JSON and in a workbook read back with calamine. Every action is in the
//! audit log. (What administrators do besides: console_admin.rs.)

use calamine::{Reader, Xlsx};
use counter_core::case::CaseState;
use counter_server::StaffRole;
use counter_testkit::console::*;
use counter_testkit::prelude::*;
use reqwest::blocking::Response;
use serde_json::json;

fn a_reviewer_decides_what_a_counter_pushed_and_the_counter_shows_it(backend: Backend) {
    let r = running(backend);
    let mut s = store(r.dir.path(), "point");
    enroll(&mut s, &r.central, &r.server, "3211");
    let approved = accepted_case(&mut s, "3211").unwrap();
    let returned = accepted_case(&mut s, "3211").unwrap();
    counter_sync::sync_now(&mut s, quick()).unwrap();
    staff(&r.central, "王审核", StaffRole::Reviewer, None);
    let c = Console::login(&r.server.url(), "王审核", PASSWORD).unwrap();

    let queue = json_of(c.get("cases?state=accepted"));
    let numbers: Vec<&str> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["case_no"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), 2, "{queue}");
    assert!(numbers.contains(&approved.as_str()) && numbers.contains(&returned.as_str()));
    let first = &queue[0];
    assert_eq!(first["point"], "3211");
    assert_eq!(first["state"], "accepted");
    assert!(first["due"].is_string(), "{first}");
    // Masked in lists and in the case; whole only on demand, and that is audited.
    assert!(!queue.to_string().contains(ID), "{queue}");
    let case = json_of(c.get(&format!("cases/{approved}")));
    assert!(!case.to_string().contains(ID) && !case.to_string().contains(APPLICANT));
    assert!(
        case["checklist"].as_array().is_some_and(|l| !l.is_empty()),
        "{case}"
    );
    let whole = json_of(c.post(&format!("cases/{approved}/unmask"), json!({})));
    assert_eq!(whole["applicant"]["id_number"], ID);

    assert_eq!(
        c.post(
            &format!("cases/{approved}/review"),
            json!({"approve": true})
        )
        .status(),
        204
    );
    assert_eq!(
        c.post(&format!("cases/{approved}/complete"), json!({}))
            .status(),
        204
    );
    let no_reason = c.post(&format!("cases/{returned}/review"), json!({"return": " "}));
    assert_eq!(no_reason.status(), 400);
    assert!(json_of_err(no_reason).contains("理由"));
    let reason = "缺少住院费用明细清单原件";
    assert_eq!(
        c.post(
            &format!("cases/{returned}/review"),
            json!({"return": reason})
        )
        .status(),
        204
    );

    // The case's history: the counter's events and the centre's decisions, in order.
    let detail = json_of(c.get(&format!("cases/{approved}")));
    let titles: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.first(), Some(&"登记"), "{titles:?}");
    assert!(titles.contains(&"受理"), "{titles:?}");
    let tail = &titles[titles.len() - 2..];
    assert_eq!(tail, ["审核（中心）", "办结（中心）"], "{titles:?}");
    assert_eq!(
        detail["history"].as_array().unwrap().last().unwrap()["clerk"],
        "中心：王审核"
    );
    assert!(
        detail["documents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == "受理回执"),
        "{detail}"
    );
    assert!(
        !detail.to_string().contains(ID),
        "the history or documents name the ID"
    );

    counter_sync::sync_now(&mut s, quick()).unwrap();
    assert_eq!(s.case(&approved).unwrap().state, CaseState::Completed);
    let back = s.case(&returned).unwrap();
    assert_eq!(back.state, CaseState::Returned);
    assert_eq!(back.reason.as_deref(), Some(reason));
    assert_eq!(
        r.central.case_record(&approved).unwrap().unwrap().0,
        "completed"
    );

    let log = r.central.audit_log(50).unwrap();
    let did = |action: &str, subject: &str| {
        log.iter().any(|e| {
            e.who == "王审核" && e.action == action && e.subject.as_deref() == Some(subject)
        })
    };
    assert!(log
        .iter()
        .any(|e| e.who == "王审核" && e.action == "sign_in"));
    assert!(did("unmask", &approved) && did("approve", &approved) && did("complete", &approved));
    assert!(log
        .iter()
        .any(|e| e.action == "return" && e.detail.as_deref() == Some(reason)));

    // Signed out, the cookie opens nothing.
    assert_eq!(c.post("logout", json!({})).status(), 204);
    assert_eq!(c.get("cases").status(), 401);
}
both!(a_reviewer_decides_what_a_counter_pushed_and_the_counter_shows_it);

fn each_role_does_only_its_own_work(backend: Backend) {
    let r = running(backend);
    let mut s = store(r.dir.path(), "point");
    enroll(&mut s, &r.central, &r.server, "3211");
    let no = accepted_case(&mut s, "3211").unwrap();
    counter_sync::sync_now(&mut s, quick()).unwrap();
    staff(&r.central, "审计员", StaffRole::Auditor, None);
    staff(&r.central, "管理员", StaffRole::Admin, None);
    staff(
        &r.central,
        "他县审核",
        StaffRole::Reviewer,
        Some(vec!["3212".into()]),
    );
    let base = r.server.url();

    let auditor = Console::login(&base, "审计员", PASSWORD).unwrap();
    let refused = auditor.post(&format!("cases/{no}/review"), json!({"approve": true}));
    assert_eq!(refused.status(), 403);
    assert_eq!(
        auditor
            .post(&format!("cases/{no}/complete"), json!({}))
            .status(),
        403
    );
    assert_eq!(auditor.get("cases").status(), 403);
    assert_eq!(
        auditor
            .get("figures?from=2025-09-01&to=2025-09-30")
            .status(),
        200
    );
    assert_eq!(auditor.get("audit").status(), 200);
    assert_eq!(auditor.get("devices").status(), 403);

    let other = Console::login(&base, "他县审核", PASSWORD).unwrap();
    assert_eq!(other.get("devices").status(), 403);
    assert_eq!(
        other
            .post("enroll-codes", json!({"point": "3299"}))
            .status(),
        403
    );
    assert_eq!(json_of(other.get("cases")).as_array().unwrap().len(), 0);
    assert_eq!(
        other
            .post(&format!("cases/{no}/complete"), json!({}))
            .status(),
        404
    );
    assert_eq!(other.get(&format!("cases/{no}")).status(), 404);

    let admin = Console::login(&base, "管理员", PASSWORD).unwrap();
    let devices = json_of(admin.get("devices"));
    assert_eq!(devices[0]["point"], "3211", "{devices}");
    let pass = json_of(admin.post("enroll-codes", json!({"point": "3212", "level": "E"})));
    assert!(pass["pass"].as_str().unwrap().len() > 8, "{pass}");
    assert_eq!(
        admin
            .post(&format!("cases/{no}/review"), json!({"approve": true}))
            .status(),
        403
    );
    let device = devices[0]["id"].as_str().unwrap();
    assert_eq!(
        admin
            .post(&format!("devices/{device}/revoke"), json!({}))
            .status(),
        204
    );
    assert!(
        counter_sync::sync_now(&mut s, quick()).is_err(),
        "a revoked device synced"
    );
    assert_eq!(r.central.case_record(&no).unwrap().unwrap().0, "accepted");
    let log = r.central.audit_log(50).unwrap();
    assert!(log
        .iter()
        .any(|e| e.who == "管理员" && e.action == "revoke"));
    assert!(log
        .iter()
        .any(|e| e.who == "管理员" && e.action == "enroll_code"));
}
both!(each_role_does_only_its_own_work);

#[test]
fn wrong_passwords_lock_and_sessions_end() {
    let r = running(Backend::Sqlite);
    staff(&r.central, "王审核", StaffRole::Reviewer, None);
    let base = r.server.url();
    let message = |r: Box<Response>| (r.status().as_u16(), json_of_err(*r));
    // An unknown name and a wrong password get one answer.
    let unknown = message(Console::login(&base, "无此人", PASSWORD).err().unwrap());
    let wrong = message(
        Console::login(&base, "王审核", "not the password")
            .err()
            .unwrap(),
    );
    assert_eq!(unknown, wrong);
    assert_eq!(wrong.0, 401);
    for _ in 0..4 {
        assert_eq!(
            message(
                Console::login(&base, "王审核", "nope nope nope")
                    .err()
                    .unwrap()
            )
            .0,
            401
        );
    }
    // Five wrong in a row: locked, the right password too.
    let locked = message(Console::login(&base, "王审核", PASSWORD).err().unwrap());
    assert_eq!(locked.0, 429, "{locked:?}");
    assert!(locked.1.contains("锁定"), "{locked:?}");
    // A lock that has run out starts the count again: one wrong password is not a new lock.
    let db_url = r.db.url.strip_prefix("sqlite:").unwrap().to_string();
    let db = rusqlite::Connection::open(&db_url).unwrap();
    db.execute("UPDATE staff SET locked_until = locked_until - 16 * 60", [])
        .unwrap();
    assert_eq!(
        message(
            Console::login(&base, "王审核", "nope nope nope")
                .err()
                .unwrap()
        )
        .0,
        401
    );
    assert!(Console::login(&base, "王审核", PASSWORD).is_ok());
    // A name nobody has locks the same way (its first try was above): a lock does not tell
    // which names exist.
    for _ in 0..4 {
        assert_eq!(
            message(
                Console::login(&base, "无此人", "whatever pw")
                    .err()
                    .unwrap()
            )
            .0,
            401
        );
    }
    let phantom = message(
        Console::login(&base, "无此人", "whatever pw")
            .err()
            .unwrap(),
    );
    assert_eq!(
        (phantom.0, phantom.1.contains("锁定")),
        (429, true),
        "{phantom:?}"
    );
    // Tries made together are each counted before any is hashed: at most five are tried.
    staff(&r.central, "并发", StaffRole::Auditor, None);
    let answers: Vec<u16> = std::thread::scope(|scope| {
        let tries: Vec<_> = (0..12)
            .map(|_| {
                scope.spawn(|| {
                    Console::login(&base, "并发", "wrong wrong wrong")
                        .err()
                        .unwrap()
                        .status()
                        .as_u16()
                })
            })
            .collect();
        tries.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let tried = answers.iter().filter(|s| **s == 401).count();
    assert!(
        tried <= 5,
        "{tried} wrong passwords checked at once: {answers:?}"
    );
    assert!(
        answers.iter().all(|s| *s == 401 || *s == 429),
        "{answers:?}"
    );
    assert_eq!(
        Console::login(&base, "并发", PASSWORD)
            .err()
            .unwrap()
            .status(),
        429
    );

    // The administrator's reset unlocks it.
    r.central.staff_reset("王审核", "another good one").unwrap();
    let c = Console::login(&base, "王审核", "another good one").unwrap();
    assert_eq!(c.get("me").status(), 200);

    // Another site's page, or no session at all: refused.
    let forged = c
        .http
        .post(format!("{base}/console/api/logout"))
        .header("cookie", &c.cookie)
        .header("origin", "https://evil.example")
        .send()
        .unwrap();
    assert_eq!(forged.status(), 403);
    let anonymous = https_client()
        .post(format!("{base}/console/api/cases/3211-1/complete"))
        .send()
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // Fifteen idle minutes end the session.
    db.execute(
        "UPDATE staff_sessions SET last_seen = last_seen - 16 * 60",
        [],
    )
    .unwrap();
    assert_eq!(c.get("me").status(), 401);
    // A disabled account's sessions end at once.
    let c = Console::login(&base, "王审核", "another good one").unwrap();
    r.central.staff_disable("王审核").unwrap();
    assert_eq!(c.get("me").status(), 401);
    let disabled = Console::login(&base, "王审核", "another good one")
        .err()
        .unwrap();
    assert_eq!(disabled.status(), 403);
    let log = r.central.audit_log(100).unwrap();
    assert!(log
        .iter()
        .any(|e| e.who == "王审核" && e.detail.as_deref() == Some("账号已停用")));
}

fn the_figures_equal_a_count_by_hand_and_the_workbook_holds_them(backend: Backend) {
    let r = running(backend);
    let mut s = store(r.dir.path(), "point");
    enroll(&mut s, &r.central, &r.server, "3211");
    let cases: Vec<String> = (0..3)
        .map(|_| accepted_case(&mut s, "3211").unwrap())
        .collect();
    // Two applicants rate at the window: a 差评 (its follow-up open) and 非常满意.
    let cal = counter_core::bundled::calendar().unwrap();
    for (no, score) in [(&cases[1], 1), (&cases[2], 5)] {
        s.update(no, |c| {
            c.rate(
                score,
                counter_core::case::RatingChannel::Counter,
                None,
                &cal,
                "王芳",
                counter_testkit::now(),
            )
        })
        .unwrap();
    }
    counter_sync::sync_now(&mut s, quick()).unwrap();
    staff(&r.central, "王审核", StaffRole::Reviewer, None);
    staff(&r.central, "审计员", StaffRole::Auditor, None);
    let base = r.server.url();
    let reviewer = Console::login(&base, "王审核", PASSWORD).unwrap();
    assert_eq!(
        reviewer
            .post(&format!("cases/{}/complete", cases[0]), json!({}))
            .status(),
        204
    );

    let auditor = Console::login(&base, "审计员", PASSWORD).unwrap();
    // The fixture day: three cases opened and accepted, one completed today; all three are past
    // their due date of 2025 (the completed one was completed after it), so none on time.
    let day = "from=2025-09-26&to=2025-09-26";
    let f = json_of(auditor.get(&format!("figures?{day}")));
    assert_eq!(f["cases"], 3, "{f}");
    assert_eq!(f["accepted"], 3, "{f}");
    assert_eq!(f["completed"], 1, "{f}");
    assert_eq!(f["overdue"], 3, "{f}");
    assert_eq!(f["on_time_text"], "0.0%", "{f}");
    assert_eq!(f["overdue_cases"].as_array().unwrap().len(), 3, "{f}");
    assert_eq!(f["by_point"][0]["key"], "3211", "{f}");
    assert_eq!(f["by_point"][0]["count"], 3, "{f}");
    assert_eq!(f["by_day"].as_array().unwrap().len(), 1, "{f}");
    assert_eq!(f["by_day"][0]["count"], 3, "{f}");
    assert_eq!(f["follow_ups_open"], 1, "{f}");
    assert_eq!(f["follow_ups"][0]["case_no"], cases[1].as_str(), "{f}");
    assert_eq!(f["follow_ups"][0]["rating"], "非常不满意", "{f}");
    // Due a few working days after the fixture day of 2025: long past.
    assert_eq!(f["follow_ups"][0]["late"], true, "{f}");
    let ratings: Vec<(String, u64)> = f["ratings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["label"].as_str().unwrap().into(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ratings,
        [("非常满意".to_string(), 1), ("非常不满意".to_string(), 1)],
        "{f}"
    );
    let before = json_of(auditor.get("figures?from=2025-09-01&to=2025-09-25"));
    assert_eq!(before["cases"], 0, "{before}");
    let bad = auditor.get("figures?from=2025-09-30&to=2025-09-01");
    assert_eq!(bad.status(), 400);

    let xlsx = auditor.get(&format!("figures.xlsx?{day}"));
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".xlsx"));
    let bytes = xlsx.bytes().unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("统计").unwrap();
    let cell = |label: &str| {
        sheet
            .rows()
            .find(|row| row.first().is_some_and(|c| *c == label))
            .map(|row| row[1].to_string())
    };
    assert_eq!(cell("办件量").as_deref(), Some("3"));
    assert_eq!(cell("办结").as_deref(), Some("1"));
    assert_eq!(cell("超期").as_deref(), Some("3"));
    assert_eq!(cell("差评待回访").as_deref(), Some("1"));
    let follow_ups = book.worksheet_range("差评回访").unwrap();
    let row: Vec<String> = follow_ups
        .rows()
        .nth(5)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(row[0], cases[1]);
    assert_eq!(row[3], "非常不满意");
    assert!(row[4].ends_with("（已逾期）"), "{row:?}");
    assert_eq!(book.worksheet_range("超期").unwrap().rows().count(), 8);
    let heading: Vec<String> = sheet.rows().take(3).map(|r| r[0].to_string()).collect();
    assert!(
        heading[1].contains("2025-09-26 至 2025-09-26"),
        "{heading:?}"
    );
    assert!(heading[2].contains("制表人：审计员"), "{heading:?}");
    let list = book.worksheet_range("办件").unwrap();
    let listed: Vec<String> = list.rows().skip(5).map(|r| r[0].to_string()).collect();
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert!(!format!("{:?}", list.rows().collect::<Vec<_>>()).contains(ID));
    let log = r.central.audit_log(50).unwrap();
    assert!(log.iter().any(|e| e.who == "审计员"
        && e.action == "export"
        && e.detail.as_deref() == Some("2025-09-26 至 2025-09-26")));

    // Read two cases at a time and listing two at most, as a province's year is read: the same
    // figures, and a workbook that says how many it left out.
    let paged = counter_server::Central::open(&r.db.url, r.central.keys().clone())
        .unwrap()
        .paging_console(2, 2, 1);
    let auditor = member(&paged, "审计员");
    let d = chrono::NaiveDate::from_ymd_opt(2025, 9, 26).unwrap();
    let today = chrono::Local::now().date_naive();
    let figures = paged.console_figures(&auditor, d, d, None, today).unwrap();
    assert_eq!(serde_json::to_value(&figures).unwrap(), f);
    let one_point = paged
        .console_figures(&auditor, d, d, Some("3211"), today)
        .unwrap();
    assert_eq!(serde_json::to_value(&one_point).unwrap(), f);
    let other = paged
        .console_figures(&auditor, d, d, Some("3299"), today)
        .unwrap();
    assert_eq!(other.cases, 0);
    let bytes = paged
        .figures_workbook(&auditor, d, d, None, counter_testkit::now())
        .unwrap();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let list = book.worksheet_range("办件").unwrap();
    let rows: Vec<String> = list.rows().map(|r| r[0].to_string()).collect();
    assert_eq!(rows.len(), 7, "{rows:?}");
    assert_eq!(
        rows[3],
        "本表列出前 2 件，共 3 件；其余请缩短统计期间或按网点导出"
    );
    assert_eq!(rows[5..], cases[..2]);

    // A queue lists the most urgent and says how many there are in all.
    let all = reviewer.get("cases?state=accepted");
    assert_eq!(all.headers()["x-total-count"], "2");
    assert_eq!(json_of(all).as_array().unwrap().len(), 2);
    let who = member(&paged, "王审核");
    let (listed, total) = paged.queue(&who, Some(CaseState::Accepted), today).unwrap();
    assert_eq!(total, 2);
    let listed: Vec<&str> = listed.iter().map(|q| q.case_no.as_str()).collect();
    assert_eq!(listed, [cases[1].as_str()]);
}
both!(the_figures_equal_a_count_by_hand_and_the_workbook_holds_them);

fn the_console_shows_the_way_the_paper_went(backend: Backend) {
    let r = running(backend);
    let mut v = store(r.dir.path(), "village");
    enroll(&mut v, &r.central, &r.server, "E01");
    r.central.enroll_code("D01", Some("D"), None).unwrap();
    let no = accepted_case(&mut v, "E01").unwrap();
    v.hand_over(
        std::slice::from_ref(&no),
        "E01",
        "D01",
        "村代办员",
        counter_testkit::now(),
    )
    .unwrap();
    counter_sync::sync_now(&mut v, quick()).unwrap();
    staff(&r.central, "王审核", StaffRole::Reviewer, None);
    let c = Console::login(&r.server.url(), "王审核", PASSWORD).unwrap();
    let case = json_of(c.get(&format!("cases/{no}")));
    let steps: Vec<(&str, &str)> = case["custody"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["from"].as_str().unwrap(), s["to"].as_str().unwrap()))
        .collect();
    assert_eq!(steps.last(), Some(&("E01", "D01")), "{case}");
}
both!(the_console_shows_the_way_the_paper_went);

/// The member of staff `name`, as the console's functions take them.
fn member(central: &counter_server::Central, name: &str) -> counter_server::StaffMember {
    central
        .staff_list()
        .unwrap()
        .into_iter()
        .find(|m| m.name == name)
        .unwrap()
}
