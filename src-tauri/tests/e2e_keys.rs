//! End-to-end: keys act on the case on screen and nothing else (the real app under Xvfb,
//! through WebDriver; see e2e.rs). The repros of a defect a first-day clerk hit: F8 on a new
//! case also accepted an earlier applicant's abandoned draft, even one left by another clerk.

mod support;
use support::*;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn f8_accepts_only_the_case_on_screen_not_an_abandoned_draft() {
    let dir = workstation(false);
    add_clerk(dir.path(), "李强", "pass456");
    run_in(dir, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        sign_in(&client, &mut keys).await;
        // First repro: a ticked draft left by F3 then F2; a second case is accepted with F8.
        let abandoned = open_case(&client, &mut keys, "zyfy", "002036006002", None).await;
        tick_all(&client, &mut keys).await;
        keys.press(F3).await;
        find(&client, "#ledger").await;
        keys.press(F2).await;
        find(&client, "#search:not([disabled])").await;
        let second = open_case(&client, &mut keys, "zyfy", "002036006002", None).await;
        assert_ne!(abandoned, second);
        accept_and_open_the_ledger(&client, &mut keys).await;
        let a = ledger_row(&client, &abandoned).await;
        let b = ledger_row(&client, &second).await;
        screenshot(&client, "keys-1-ledger.png").await;
        assert!(b.contains("已受理"), "{b}");
        assert!(
            a.contains("受理中") && !a.contains("已受理"),
            "the draft changed: {a}"
        );
        // The ledger's day reads as dates are written here, whatever the OS locale.
        // (A date input would show the value in the OS's order, 09/26/2025 on most systems.)
        let field = find(&client, "#f-date").await;
        assert_eq!(
            field.prop("value").await.unwrap().as_deref(),
            Some("2025-09-26")
        );
        assert_ne!(field.attr("type").await.unwrap().as_deref(), Some("date"));
        // The case's history names the materials, not their keys.
        open_ledger_row(&client, &second).await;
        let history = text_of(&client, "#detail .events").await;
        assert!(
            history.contains("收取材料") && history.contains("诊断证明（原件，1份）"),
            "{history}"
        );
        assert!(!history.contains("m4"), "{history}");
        screenshot(&client, "keys-1b-history.png").await;
        // The applicant withdraws the accepted case (a second press confirms): no receipt is
        // offered any more.
        assert!(find(&client, "#reprint-receipt")
            .await
            .is_displayed()
            .await
            .unwrap());
        click(&client, "#withdraw").await;
        wait_text(&client, "#withdraw", "确认撤回").await;
        click(&client, "#withdraw").await;
        wait_text(&client, "#detail", "已撤回").await;
        // The list follows.
        wait_for("the ledger row to say 已撤回", || async {
            texts(&client, "#ledger tbody tr")
                .await
                .into_iter()
                .find(|t| t.contains(&second) && t.contains("已撤回"))
        })
        .await;
        assert!(client
            .find(fantoccini::Locator::Css("#reprint-receipt"))
            .await
            .is_err());
        screenshot(&client, "keys-1c-withdrawn.png").await;

        // Second repro: a ticked draft, 锁定, another clerk signs in and accepts a new case.
        keys.press(F2).await;
        find(&client, "#search:not([disabled])").await;
        let left = open_case(&client, &mut keys, "zyfy", "002036006002", None).await;
        tick_all(&client, &mut keys).await;
        click(&client, "#lock").await;
        let name = find(&client, "#signin-name").await;
        name.clear().await.expect("clear the name");
        keys.type_into(&name, "李强").await;
        keys.press(TAB).await;
        keys.press("pass456").await;
        keys.press(ENTER).await;
        find(&client, "#search:not([disabled])").await;
        let theirs = open_case(&client, &mut keys, "zyfy", "002036006002", None).await;
        accept_and_open_the_ledger(&client, &mut keys).await;
        let mine = ledger_row(&client, &left).await;
        let other = ledger_row(&client, &theirs).await;
        screenshot(&client, "keys-2-ledger-after-clerk-change.png").await;
        assert!(
            other.contains("已受理") && other.contains("李强"),
            "{other}"
        );
        assert!(
            mine.contains("受理中") && mine.contains("王芳") && !mine.contains("李强"),
            "王芳's draft changed: {mine}"
        );
        // Nothing but the case on screen changed: the first draft is still a draft too.
        let a = ledger_row(&client, &abandoned).await;
        assert!(a.contains("受理中"), "{a}");
        client
    })
    .await;
}

/// A card reader or scanner types the ID number and sends Enter: the window moves on to the
/// name and shows what the number encodes; Enter on an empty name says what is missing; the
/// same ID number arriving with another name is flagged on the case.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn enter_moves_on_from_the_id_number_and_a_changed_name_is_flagged() {
    run(false, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        sign_in(&client, &mut keys).await;
        let first = open_case(&client, &mut keys, "zyfy", "002036006002", None).await;
        accept_and_open_the_ledger(&client, &mut keys).await;
        keys.press(F2).await;
        let search = find(&client, "#search:not([disabled])").await;
        keys.type_into(&search, "zyfy").await;
        wait_text(&client, "#results", "住院费用报销").await;
        keys.press(ENTER).await;
        find(&client, "#applicant").await;
        keys.press(ID).await;
        keys.press(ENTER).await;
        let check = wait_text(&client, "#id-check", "出生日期 1949-12-31").await;
        assert!(check.contains("女"), "{check}");
        let focused = client.active_element().await.unwrap();
        assert_eq!(focused.attr("id").await.unwrap().as_deref(), Some("name"));
        // Enter on the empty name: a message, no case.
        keys.press(ENTER).await;
        wait_text(&client, "#error", "请输入申请人姓名").await;
        screenshot(&client, "keys-3-empty-name.png").await;
        keys.type_here("张三").await;
        keys.press(ENTER).await;
        let note = wait_text(&client, "#name-note", "张三丰").await;
        assert!(note.contains(&first) && note.contains("请核对"), "{note}");
        screenshot(&client, "keys-4-name-differs.png").await;
        client
    })
    .await;
}

/// Esc on a draft asks whether to set it aside or drop it: set aside, the case stays a draft
/// with its ticks and comes back by its number; dropped, it is withdrawn. After a decision a
/// banner says what happened until the next applicant.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn esc_sets_a_draft_aside_or_drops_it_and_a_banner_states_each_decision() {
    run(false, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        sign_in(&client, &mut keys).await;
        let kept = open_case(&client, &mut keys, "zyfy", "002036006002", None).await;
        keys.press("12").await;
        wait_text(&client, "#missing", "尚缺 2 项").await;
        keys.press(ESC).await;
        find(&client, "#set-aside").await;
        screenshot(&client, "keys-5-set-aside.png").await;
        keys.press(ENTER).await;
        let msg = wait_text(&client, "#message", "已暂存办件").await;
        assert!(msg.contains(&kept), "{msg}");
        // Back by its number, with what was ticked.
        let search = find(&client, "#search:not([disabled])").await;
        keys.type_into(&search, &kept).await;
        keys.press(ENTER).await;
        wait_text(&client, "#case-no", &kept).await;
        wait_text(&client, "#missing", "尚缺 2 项").await;
        // Dropped: withdrawn.
        keys.press(ESC).await;
        find(&client, "#set-aside").await;
        keys.press("w").await;
        wait_text(&client, "#message", "已撤回办件").await;
        // A decision leaves a banner until the next applicant.
        let accepted = open_case(&client, &mut keys, "zyfy", "002036006002", None).await;
        keys.press("1234").await;
        wait_text(&client, "#missing", "材料已齐").await;
        keys.press(F8).await;
        find(&client, "#preview[data-kind='receipt']").await;
        keys.press(ESC).await;
        let banner = wait_text(&client, "#message", "已受理").await;
        assert!(
            banner.contains(&accepted)
                && banner.contains("办结期限 2025-11-13")
                && banner.contains("受理回执未打印"),
            "{banner}"
        );
        screenshot(&client, "keys-6-banner.png").await;
        keys.press(F3).await;
        let row = ledger_row(&client, &kept).await;
        assert!(row.contains("已撤回"), "{row}");
        client
    })
    .await;
}
