//! End-to-end: the central console in Debian's Chromium through WebDriver (chromedriver),
//! served by the real counter-server (a pilot's SQLite store on plain HTTP, and a province's
//! PostgreSQL over HTTPS, both on loopback) with a real counter's cases pushed to it. A reviewer signs in (a wrong password first), opens the
//! queue, looks at a case (the applicant masked until asked), approves and completes one and
//! returns another with a reason; the counter, after syncing, shows both. An auditor sees the
//! figures and the audit log but no queue; an administrator makes an enrolment pass. Five wrong
//! passwords lock the account. Screenshots of every screen are kept as artifacts.

mod support;
use support::*;

use counter_server::{Central, StaffRole};
use counter_testkit::central::{Backend, CentralDb, Server};
use counter_testkit::points::{accepted_case, enroll, quick, store};
use fantoccini::{Client, Locator};
use support::browser::{chromium, chromium_for_test_tls};

const PASSWORD: &str = "correct horse 42";

async fn sign_in(client: &Client, name: &str, password: &str) {
    let field = find(client, "#login-name").await;
    field.clear().await.unwrap();
    field.send_keys(name).await.unwrap();
    let field = find(client, "#login-password").await;
    field.clear().await.unwrap();
    field.send_keys(password).await.unwrap();
    click(client, "#login").await;
}

async fn sign_out(client: &Client) {
    click(client, "#sign-out").await;
    find(client, "#login-name").await;
}

async fn open_row(client: &Client, case_no: &str) {
    let row = format!("//table[@id='queue']//tr[td[normalize-space()='{case_no}']]");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        if let Ok(r) = client.find(Locator::XPath(&row)).await {
            r.click().await.unwrap();
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no row for {case_no}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    wait_text(client, "#case h2", case_no).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and chromedriver: run through the README's test command"]
async fn the_central_office_decides_in_the_console_and_the_counter_shows_it_sqlite() {
    decides_in_the_console(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and COUNTER_TEST_PG: run through the README's test command"]
async fn the_central_office_decides_in_the_console_and_the_counter_shows_it_postgres() {
    decides_in_the_console(Backend::Postgres).await
}

/// A pilot's SQLite store on plain HTTP, or a province's PostgreSQL over HTTPS.
async fn decides_in_the_console(backend: Backend) {
    // One browser at a time: two cores run the server, the counter and Chromium.
    static ONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one = ONE.lock().await;
    let prefix = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => "pg-",
    };
    let shot = |name: &str| format!("{prefix}{name}");
    let dir = tempfile::tempdir().unwrap();
    // The counter's client is blocking: the point is set up off the test's runtime.
    let path = dir.path().to_path_buf();
    let (central, server, db, s, approved, returned) = tokio::task::spawn_blocking(move || {
        let (central, server, db) = match backend {
            Backend::Sqlite => {
                let (central, server) = counter_testkit::central::pilot(&path);
                (central, server, None)
            }
            Backend::Postgres => {
                let db = CentralDb::new(&path, backend);
                let central = Central::open(&db.url, counter_testkit::central::keys()).unwrap();
                let server = Server::start(central.clone(), None);
                assert!(server.tls);
                (central, server, Some(db))
            }
        };
        let mut s = store(&path, "point");
        enroll(&mut s, &central, &server, "3211");
        let approved = accepted_case(&mut s, "3211").unwrap();
        let returned = accepted_case(&mut s, "3211").unwrap();
        // The applicant of the first rates it 非常不满意 at the window: a follow-up is due.
        let cal = counter_core::bundled::calendar().unwrap();
        s.update(&approved, |c| {
            c.rate(
                1,
                counter_core::case::RatingChannel::Counter,
                Some("等候时间太长"),
                &cal,
                "王芳",
                counter_testkit::now(),
            )
        })
        .unwrap();
        counter_sync::sync_now(&mut s, quick()).unwrap();
        for (name, role) in [
            ("王审核", StaffRole::Reviewer),
            ("李审计", StaffRole::Auditor),
            ("赵管理", StaffRole::Admin),
        ] {
            central.staff_add(name, role, None, PASSWORD).unwrap();
        }
        (central, server, db, s, approved, returned)
    })
    .await
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let (_driver, client) = if server.tls {
        chromium_for_test_tls(profile.path()).await
    } else {
        chromium(profile.path(), true).await
    };
    client
        .goto(&format!("{}/console", server.url()))
        .await
        .unwrap();

    sign_in(&client, "王审核", "wrong password").await;
    wait_text(&client, "#login-error", "用户名或密码错误").await;
    screenshot(&client, &shot("console-1-sign-in-refused.png")).await;
    sign_in(&client, "王审核", PASSWORD).await;
    let queue = wait_text(&client, "#queue", &approved).await;
    assert!(queue.contains(&returned), "{queue}");
    // Every case of the queue is listed: no "共 N 件" beside the count.
    assert_eq!(text_of(&client, "#q-count").await, "2 件");
    assert!(!queue.contains(ID), "the full ID in the queue: {queue}");
    assert!(
        queue.contains("已超期"),
        "the 2025 cases are past due: {queue}"
    );
    screenshot(&client, &shot("console-2-queue.png")).await;

    open_row(&client, &approved).await;
    let shown = text_of(&client, "#case-applicant").await;
    assert!(!shown.contains(ID) && shown.contains("****"), "{shown}");
    click(&client, "#unmask").await;
    wait_text(&client, "#case-applicant", ID).await;
    screenshot(&client, &shot("console-3-case.png")).await;
    click(&client, "#approve").await;
    wait_text(&client, "#q-message", "已审核通过").await;
    click(&client, "#complete").await;
    wait_text(&client, "#q-message", "已办结").await;
    wait_text(&client, "#case-state", "已办结").await;
    screenshot(&client, &shot("console-4-completed.png")).await;
    let history = wait_text(&client, "#case-history", "办结（中心）").await;
    assert!(
        history.contains("受理") && history.contains("中心：王审核"),
        "{history}"
    );
    client
        .execute(
            "document.querySelector('#case-history').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    screenshot(&client, &shot("console-4b-history.png")).await;

    open_row(&client, &returned).await;
    click(&client, "#return").await;
    wait_text(&client, "#q-error", "退回须写明理由").await;
    let reason = "缺少住院费用明细清单原件";
    find(&client, "#return-reason")
        .await
        .send_keys(reason)
        .await
        .unwrap();
    click(&client, "#return").await;
    wait_text(&client, "#q-message", "已退回").await;
    screenshot(&client, &shot("console-5-returned.png")).await;

    // The counter learns both at its next sync.
    let (approved2, returned2) = (approved.clone(), returned.clone());
    let (s, (done, back)) = tokio::task::spawn_blocking(move || {
        let mut s = s;
        counter_sync::sync_now(&mut s, quick()).unwrap();
        let done = s.case(&approved2).unwrap();
        let back = s.case(&returned2).unwrap();
        (s, (done, back))
    })
    .await
    .unwrap();
    drop(s);
    assert_eq!(done.state, counter_core::case::CaseState::Completed);
    assert_eq!(back.state, counter_core::case::CaseState::Returned);
    assert_eq!(back.reason.as_deref(), Some(reason));

    click(&client, "#tab-flags").await;
    wait_text(&client, "#flags", "没有需要处理的提示").await;
    screenshot(&client, &shot("console-5b-flags.png")).await;

    click(&client, "#tab-figures").await;
    let from = find(&client, "#fig-from").await;
    from.clear().await.unwrap();
    from.send_keys("2025-09-01").await.unwrap();
    click(&client, "#fig-load").await;
    wait_text(&client, "#fig-cases", "2").await;
    screenshot(&client, &shot("console-6-figures.png")).await;
    let follow_ups = wait_text(&client, "#fig-follow-ups", &approved).await;
    assert!(
        follow_ups.contains("非常不满意") && follow_ups.contains("已逾期"),
        "{follow_ups}"
    );
    client
        .execute(
            "document.querySelector('#fig-follow-ups').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    screenshot(&client, &shot("console-6b-follow-ups.png")).await;
    // One point's figures: another point has none.
    find(&client, "#fig-point")
        .await
        .send_keys("3299")
        .await
        .unwrap();
    click(&client, "#fig-load").await;
    wait_text(&client, "#fig-cases", "0").await;
    // Its charts say they are empty rather than stand bare.
    wait_text(&client, "#figures", "本期暂无评价").await;
    find(&client, "#fig-point").await.clear().await.unwrap();
    sign_out(&client).await;

    // The auditor: figures and the audit log, no queue.
    sign_in(&client, "李审计", PASSWORD).await;
    wait_text(&client, "#who", "审计员").await;
    assert!(client.find(Locator::Css("#tab-queue")).await.is_err());
    click(&client, "#tab-audit").await;
    let log = wait_text(&client, "#audit", "办结").await;
    for words in ["王审核", "审核通过", "退回", "查看完整证件号", reason] {
        assert!(log.contains(words), "{words} not in the audit log: {log}");
    }
    screenshot(&client, &shot("console-7-audit.png")).await;
    sign_out(&client).await;

    // The administrator: devices and a pass with its QR code.
    sign_in(&client, "赵管理", PASSWORD).await;
    click(&client, "#tab-devices").await;
    wait_text(&client, "#devices", "3211").await;
    find(&client, "#code-point")
        .await
        .send_keys("3212")
        .await
        .unwrap();
    click(&client, "#make-code").await;
    let pass = wait_text(&client, "#pass-text", "").await;
    assert!(pass.len() > 8, "{pass}");
    screenshot(&client, &shot("console-8-devices.png")).await;

    // A new edition of the national list: checked, compared, published.
    click(&client, "#tab-editions").await;
    wait_text(&client, "#editions", "全国医疗保障经办政务服务事项清单").await;
    let next = include_str!("../../catalogs/national.toml")
        .replace("edition = \"附件1\"", "edition = \"附件1（2026年修订）\"");
    let file = dir.path().join("national-2026.toml");
    std::fs::write(&file, next).unwrap();
    find(&client, "#catalog-file")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    wait_text(&client, "#diff-summary", "与现行版本（附件1）相比").await;
    screenshot(&client, &shot("console-8b-catalog-checked.png")).await;
    click(&client, "#publish").await;
    client.accept_alert().await.unwrap();
    wait_text(&client, "#cat-message", "已发布 national 第 1 版").await;
    wait_text(&client, "#editions", "中心发布第 1 版").await;
    screenshot(&client, &shot("console-8c-catalog-published.png")).await;

    // A new reviewer for one point, added here.
    click(&client, "#tab-staff").await;
    wait_text(&client, "#staff", "王审核").await;
    find(&client, "#staff-name")
        .await
        .send_keys("孙审核")
        .await
        .unwrap();
    find(&client, "#staff-points")
        .await
        .send_keys("3212")
        .await
        .unwrap();
    find(&client, "#staff-password")
        .await
        .send_keys("short")
        .await
        .unwrap();
    click(&client, "#staff-add").await;
    // The browser's own check of the form stops a short password before the server is asked.
    assert!(client.find(Locator::Css("#staff-message")).await.is_err());
    find(&client, "#staff-password")
        .await
        .send_keys(" and longer")
        .await
        .unwrap();
    click(&client, "#staff-add").await;
    wait_text(&client, "#staff-message", "已添加审核员“孙审核”").await;
    wait_text(&client, "#staff", "孙审核").await;
    screenshot(&client, &shot("console-8d-staff.png")).await;

    // The password is reset at the server meanwhile: the session ends, and the next click
    // brings the sign-in back with the reason, whichever screen it was on.
    let c = central.clone();
    tokio::task::spawn_blocking(move || c.staff_reset("赵管理", "another long password"))
        .await
        .unwrap()
        .unwrap();
    click(&client, "#tab-devices").await;
    wait_text(&client, "#login-error", "登录已过期").await;
    screenshot(&client, &shot("console-8e-session-ended.png")).await;

    // Five wrong passwords lock the account, the right one too.
    for _ in 0..5 {
        sign_in(&client, "王审核", "not the password").await;
        wait_text(&client, "#login-error", "用户名或密码错误").await;
    }
    sign_in(&client, "王审核", PASSWORD).await;
    wait_text(&client, "#login-error", "锁定").await;
    screenshot(&client, &shot("console-9-locked.png")).await;
    client.close().await.unwrap();
    // The server and its store go off the runtime too.
    tokio::task::spawn_blocking(move || drop((server, central, db, dir)))
        .await
        .unwrap();
}
