//! End-to-end: a village point enrols from 设置 over HTTPS with the pass the central office
//! issued (a mistyped pass is refused in words first), and a
//! hand-over the central server refuses shows as refused where the clerk looks — the sync chip,
//! F4 and the case — not as "对方未接收" for ever (the real app under Xvfb with a real central
//! server on 127.0.0.1; see e2e.rs).

mod support;
use support::*;

use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn enrolment_from_settings_and_a_refused_hand_over_shown_in_red() {
    // The server as a pilot runs it: HTTPS with its own authority (`keys init`).
    let running = counter_testkit::central::running(counter_testkit::central::Backend::Sqlite);
    let central = running.central.clone();
    let code = central
        .enroll_code("E01", Some("E"), Some("京口区象山街道某村便民服务点"))
        .unwrap();
    let dir = workstation_as(false, "京口区象山街道某村便民服务点", "E01", "E");
    add_supervisor(dir.path());
    run_in(dir, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        let name = find(&client, "#signin-name").await;
        keys.type_into(&name, "李主任").await;
        keys.press(TAB).await;
        keys.press("secret1").await;
        keys.press(ENTER).await;
        wait_text(&client, "#sync-chip", "未连接中心服务器").await;
        // 设置 → 中心服务器.
        click(&client, "#nav-settings").await;
        keys.type_into(
            &find(&client, "#enroll-server").await,
            &running.server.url(),
        )
        .await;
        // The code without its fingerprint: refused in words, nothing sent.
        keys.type_into(
            &find(&client, "#enroll-code").await,
            code.split('-').next().unwrap(),
        )
        .await;
        click(&client, "#enroll-submit").await;
        wait_text(&client, ".settings .error", "注册码不完整").await;
        screenshot(&client, "central-0-pass-incomplete.png").await;
        let field = find(&client, "#enroll-code").await;
        field.clear().await.unwrap();
        keys.type_into(&field, &code).await;
        click(&client, "#enroll-submit").await;
        wait_text(&client, ".settings .ok", "已注册到中心服务器：网点 E01").await;
        wait_text(&client, "#sync-chip", "待上传").await;
        screenshot(&client, "central-1-enrolled.png").await;
        // The supervisor reads the audit log: the sign-in and the enrolment are on it.
        click(&client, "#audit-load").await;
        wait_text(&client, "#audit", "注册到中心服务器").await;
        wait_text(&client, "#audit", "登录").await;
        client
            .execute("document.querySelector('#audit').scrollIntoView()", vec![])
            .await
            .unwrap();
        screenshot(&client, "central-1b-audit.png").await;

        // An assisted case, handed over to an office code the central office does not know.
        keys.press(F2).await;
        find(&client, "#search:not([disabled])").await;
        let no = open_case(&client, &mut keys, "322036013001", "322036013001", None).await;
        keys.press("123").await;
        wait_text(&client, "#missing", "材料已齐").await;
        keys.press(F8).await;
        find(&client, "#preview[data-kind='receipt']").await;
        keys.press(ESC).await;
        keys.press(F4).await;
        click(&client, &format!("#ho-held li[data-case='{no}']")).await;
        let to = find(&client, "#ho-to").await;
        keys.type_into(&to, "X99").await;
        // No office is registered above this point: the code cannot be checked here, and the
        // clerk confirms it with a second press.
        click(&client, "#ho-send").await;
        let told = wait_text(&client, "#ho-send-error", "X99").await;
        assert!(told.contains("尚未登记上级经办机构"), "{told}");
        click(&client, "#ho-send").await;
        find(&client, "#preview[data-kind='handover']").await;
        keys.press(ESC).await;
        let sheet = "JJ-E01-20250926-01";
        wait_text(&client, "#ho-list", sheet).await;

        click(&client, "#sync-now").await;
        let chip = wait_for_within(
            "the refusal in the chip",
            Duration::from_secs(30),
            || async {
                let t = text_of(&client, "#sync-chip").await;
                t.contains("被中心拒收").then_some(t)
            },
        )
        .await;
        assert!(chip.contains("有 1 条被中心拒收"), "{chip}");
        // F4 says so in red, where it said 对方未接收.
        keys.press(F2).await;
        keys.press(F4).await;
        let refused = wait_text(&client, &format!("[data-rejected='{sheet}']"), "中心拒收").await;
        assert!(refused.contains("X99"), "{refused}");
        screenshot(&client, "central-2-refused-hand-over.png").await;
        // And on the case.
        keys.press(F3).await;
        open_ledger_row(&client, &no).await;
        let on_case = text_of(&client, "#rejections").await;
        assert!(
            on_case.contains("移交") && on_case.contains(sheet),
            "{on_case}"
        );
        screenshot(&client, "central-3-refusal-on-case.png").await;
        // Called up at the counter, the case says it too.
        keys.press(F2).await;
        let search = find(&client, "#search:not([disabled])").await;
        keys.type_into(&search, &no).await;
        keys.press(ENTER).await;
        let said = wait_text(&client, ".case-refused", "中心拒收（移交").await;
        assert!(said.contains("X99"), "{said}");
        keys.press(ESC).await;
        // Recalled, the refusal is dealt with: the chip stops counting it.
        keys.press(F4).await;
        let recall = format!("[data-recall='{sheet}']");
        click(&client, &recall).await;
        wait_text(&client, &recall, "确认撤回").await;
        click(&client, &recall).await;
        wait_text(&client, "#ho-list", "已撤回").await;
        click(&client, "#sync-now").await;
        wait_for_within(
            "the chip without the refusal",
            Duration::from_secs(30),
            || async {
                let t = text_of(&client, "#sync-chip").await;
                (!t.contains("被中心拒收") && t.contains("在线")).then_some(t)
            },
        )
        .await;
        client
    })
    .await;
}
