//! What the console's administrators (and reviewers) do besides deciding cases, over HTTPS on
//! both backends: catalog editions checked, compared and published; 重复办件 flags seen only by
//! those whose points they concern; staff managed; the calendar published; a point's export
//! imported. Each action is in the audit log.

use counter_server::StaffRole;
use counter_testkit::console::*;
use counter_testkit::prelude::*;
use serde_json::{json, Value};

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
    // A reviewer of one of the two points sees neither side of another point's applicant.
    staff(
        &r.central,
        "本点审核",
        StaffRole::Reviewer,
        Some(vec!["3211".into()]),
    );
    let one = Console::login(&base, "本点审核", PASSWORD).unwrap();
    assert_eq!(json_of(one.get("flags")).as_array().unwrap().len(), 0);
    assert_eq!(
        one.post(&format!("flags/{id}/reviewed"), json!({}))
            .status(),
        404
    );
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
