//! The central console's API over HTTPS, on both backends: staff sign in with a cookie,
//! decide cases a real counter pushed (the counter shows the decisions after its next sync),
//! see only what their role allows, lock after wrong passwords, and read figures equal to a
//! count by hand, in JSON and in a workbook read back with calamine. Every action is in the
//! audit log.

use calamine::{Reader, Xlsx};
use counter_core::case::CaseState;
use counter_server::{Central, StaffRole};
use counter_testkit::prelude::*;
use reqwest::blocking::{Client, Response};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse 42";

/// A signed-in browser: the session cookie, sent back on every request.
struct Console {
    http: Client,
    base: String,
    cookie: String,
}

impl Console {
    fn login(base: &str, name: &str, password: &str) -> Result<Console, Box<Response>> {
        let http = https_client();
        let r = http
            .post(format!("{base}/console/api/login"))
            .json(&json!({"name": name, "password": password}))
            .send()
            .unwrap();
        if r.status() != 200 {
            return Err(Box::new(r));
        }
        let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
        for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/console"] {
            assert!(set.contains(attr), "{set}");
        }
        let cookie = set.split(';').next().unwrap().to_string();
        Ok(Console {
            http,
            base: base.into(),
            cookie,
        })
    }

    fn get(&self, path: &str) -> Response {
        self.http
            .get(format!("{}/console/api/{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .unwrap()
    }

    fn post(&self, path: &str, body: Value) -> Response {
        self.http
            .post(format!("{}/console/api/{path}", self.base))
            .header("cookie", &self.cookie)
            .json(&body)
            .send()
            .unwrap()
    }
}

fn json_of(r: Response) -> Value {
    let status = r.status();
    let body: Value = r.json().unwrap();
    assert!(status.is_success(), "{status} {body}");
    body
}

fn staff(c: &Central, name: &str, role: StaffRole, points: Option<Vec<String>>) {
    c.staff_add(name, role, points, PASSWORD).unwrap();
}

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

fn json_of_err(r: Response) -> String {
    let body: Value = r.json().unwrap();
    body["message"].as_str().unwrap_or_default().to_string()
}

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
    let db = rusqlite::Connection::open(r.db.url.strip_prefix("sqlite:").unwrap()).unwrap();
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
}

fn the_figures_equal_a_count_by_hand_and_the_workbook_holds_them(backend: Backend) {
    let r = running(backend);
    let mut s = store(r.dir.path(), "point");
    enroll(&mut s, &r.central, &r.server, "3211");
    let cases: Vec<String> = (0..3)
        .map(|_| accepted_case(&mut s, "3211").unwrap())
        .collect();
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
}
both!(the_figures_equal_a_count_by_hand_and_the_workbook_holds_them);

fn an_administrator_checks_compares_and_publishes_a_catalog_edition(backend: Backend) {
    let r = running(backend);
    staff(&r.central, "管理员", StaffRole::Admin, None);
    staff(&r.central, "王审核", StaffRole::Reviewer, None);
    let base = r.server.url();
    let admin = Console::login(&base, "管理员", PASSWORD).unwrap();
    let national = include_str!("../../../catalogs/national.toml");

    let garbled = json_of(admin.post("catalogs/check", json!({"toml": "[catalog]\nid = 1\n"})));
    assert!(
        !garbled["errors"].as_array().unwrap().is_empty(),
        "{garbled}"
    );
    // The next edition: 住院费用报销 takes 20 working days instead of 30.
    let next = national
        .replace("edition = \"附件1\"", "edition = \"附件1（2026年修订）\"")
        .replace(
            "name = \"住院费用报销\"\nsteps = [\"申请\", \"受理\", \"审核\", \"拨付\", \"办结\"]\ntime_limit_text = \"不超过30个工作日\"\ntime_limit = [{ working_days = 30 }]",
            "name = \"住院费用报销\"\nsteps = [\"申请\", \"受理\", \"审核\", \"拨付\", \"办结\"]\ntime_limit_text = \"不超过20个工作日\"\ntime_limit = [{ working_days = 20 }]",
        );
    assert_ne!(next, national);
    let check = json_of(admin.post("catalogs/check", json!({"toml": next})));
    assert!(check["errors"].as_array().unwrap().is_empty(), "{check}");
    assert_eq!(check["base"], "附件1", "{check}");
    let changed = check["diff"]["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{check}");
    assert_eq!(changed[0]["item"]["code"], "002036006002");
    assert_eq!(changed[0]["time_limit"][1], "不超过20个工作日");
    assert!(
        r.central.snapshots().unwrap().is_empty(),
        "a check published something"
    );

    let reviewer = Console::login(&base, "王审核", PASSWORD).unwrap();
    assert_eq!(
        reviewer
            .post("catalogs/publish", json!({"toml": next}))
            .status(),
        403
    );
    let published = json_of(admin.post("catalogs/publish", json!({"toml": next})));
    assert_eq!(published["version"], 1, "{published}");
    let snapshots = r.central.snapshots().unwrap();
    assert!(snapshots
        .iter()
        .any(|s| s.kind == "catalog" && s.id == "national" && s.version == 1));
    let editions = json_of(admin.get("catalogs"));
    assert!(
        editions
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["version"] == 1 && e["edition"] == "附件1（2026年修订）"),
        "{editions}"
    );
    let log = r.central.audit_log(20).unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "publish_catalog" && e.who == "管理员"));
}
both!(an_administrator_checks_compares_and_publishes_a_catalog_edition);

fn the_same_applicant_at_two_points_is_flagged_and_handled(backend: Backend) {
    let r = running(backend);
    let mut a = store(r.dir.path(), "a");
    let mut b = store(r.dir.path(), "b");
    enroll(&mut a, &r.central, &r.server, "3211");
    enroll(&mut b, &r.central, &r.server, "3212");
    accepted_case(&mut a, "3211").unwrap();
    accepted_case(&mut b, "3212").unwrap();
    counter_sync::sync_now(&mut a, quick()).unwrap();
    counter_sync::sync_now(&mut b, quick()).unwrap();
    staff(&r.central, "王审核", StaffRole::Reviewer, None);
    staff(&r.central, "审计员", StaffRole::Auditor, None);
    let base = r.server.url();
    assert_eq!(
        Console::login(&base, "审计员", PASSWORD)
            .unwrap()
            .get("flags")
            .status(),
        403
    );
    let c = Console::login(&base, "王审核", PASSWORD).unwrap();
    let flags = json_of(c.get("flags"));
    let open: Vec<&Value> = flags
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["reviewed"] == false)
        .collect();
    assert_eq!(open.len(), 1, "{flags}");
    assert!(
        open[0]["case_no"].as_str().unwrap().starts_with("3212-"),
        "{flags}"
    );
    assert!(
        open[0]["other"].as_str().unwrap().starts_with("3211-"),
        "{flags}"
    );
    let id = open[0]["id"].as_i64().unwrap();
    assert_eq!(
        c.post(&format!("flags/{id}/reviewed"), json!({})).status(),
        204
    );
    assert_eq!(json_of(c.get("flags"))[0]["reviewed"], true);
    assert_eq!(c.post("flags/999999/reviewed", json!({})).status(), 404);
}
both!(the_same_applicant_at_two_points_is_flagged_and_handled);

fn an_administrator_manages_staff_publishes_the_calendar_and_imports_an_export(backend: Backend) {
    let r = running(backend);
    staff(&r.central, "管理员", StaffRole::Admin, None);
    let base = r.server.url();
    let admin = Console::login(&base, "管理员", PASSWORD).unwrap();

    // Staff: added, listed, refused in words, disabled (not oneself), reset.
    let add = |name: &str, password: &str| {
        admin.post(
            "staff",
            json!({"name": name, "role": "reviewer", "points": ["3211"], "password": password}),
        )
    };
    assert_eq!(add("王审核", PASSWORD).status(), 204);
    let short = add("李审核", "short");
    assert_eq!(short.status(), 400);
    assert!(json_of_err(short).contains("至少 10 个字符"));
    let list = json_of(admin.get("staff"));
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "王审核"
                && m["role"] == "reviewer"
                && m["points"] == json!(["3211"])),
        "{list}"
    );
    let reviewer = Console::login(&base, "王审核", PASSWORD).unwrap();
    assert_eq!(reviewer.get("staff").status(), 403);
    assert_eq!(admin.post("staff/管理员/disable", json!({})).status(), 400);
    assert_eq!(admin.post("staff/王审核/disable", json!({})).status(), 204);
    assert_eq!(
        reviewer.get("me").status(),
        401,
        "a disabled account's session lives on"
    );
    let reset = admin.post("staff/王审核/reset", json!({"password": "a brand new one"}));
    assert_eq!(reset.status(), 204);
    assert!(Console::login(&base, "王审核", "a brand new one").is_ok());

    // The calendar: a garbled one refused, the real one published as version 1.
    assert_eq!(
        admin
            .post("calendars/publish", json!({"toml": "[[year"}))
            .status(),
        400
    );
    let calendar = include_str!("../../../catalogs/calendar.toml");
    let published = json_of(admin.post("calendars/publish", json!({"toml": calendar})));
    assert_eq!(published["version"], 1);
    assert!(r
        .central
        .snapshots()
        .unwrap()
        .iter()
        .any(|s| s.kind == "calendar"));

    // A village point without network: its export file imported here, exactly once.
    let mut s = store(r.dir.path(), "village");
    enroll(&mut s, &r.central, &r.server, "3299");
    let cases: Vec<String> = (0..2)
        .map(|_| accepted_case(&mut s, "3299").unwrap())
        .collect();
    let file = r.dir.path().join("village.export");
    counter_sync::export(&s, &file).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let imported = json_of(admin.post("imports", json!({"text": text})));
    assert_eq!(imported["acked_through"], 12, "{imported}");
    assert_eq!(imported["rejected"], 0, "{imported}");
    assert_eq!(
        r.central.case_record(&cases[1]).unwrap().unwrap().0,
        "accepted"
    );
    let again = json_of(admin.post("imports", json!({"text": text})));
    assert_eq!(again["acked_through"], 12, "{again}");
    assert_eq!(r.central.counts().unwrap().0, 12, "stored twice");
    let garbled = admin.post("imports", json!({"text": "not an export"}));
    assert_eq!(garbled.status(), 400);

    let log = r.central.audit_log(50).unwrap();
    for action in [
        "staff_add",
        "staff_disable",
        "staff_reset",
        "publish_calendar",
        "import",
    ] {
        assert!(
            log.iter().any(|e| e.who == "管理员" && e.action == action),
            "{action}"
        );
    }
}
both!(an_administrator_manages_staff_publishes_the_calendar_and_imports_an_export);
