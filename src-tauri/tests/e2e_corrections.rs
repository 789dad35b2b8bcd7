//! End-to-end: issue 25's corrections a clerk sees. A message proposes only what the clerk can
//! do (容缺 only for a material that allows it; 当场办结 only for a 即办件, F6 otherwise says
//! why); 设置 names the levels as the setup does; a reprint from the ledger is a 补打, in the
//! case's history, and the confirmation names the printer.

mod support;
use support::*;

use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn the_screen_offers_only_what_the_clerk_can_do_and_a_reprint_says_so() {
    let dir = workstation(false);
    add_supervisor(dir.path());
    run_in(dir, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        sign_in_as(&client, &mut keys, "李主任", "secret1").await;

        // 住院费用报销 (30 working days, nothing 容缺 in the list).
        let no = open_case(&client, &mut keys, "zyfy", "002036006002", None).await;
        keys.press("123").await;
        wait_text(&client, "#missing", "诊断证明").await;
        keys.press(F8).await;
        let e = wait_text(&client, "#error", "尚缺材料：诊断证明").await;
        assert!(e.contains("F9") && !e.contains("容缺"), "{e}");
        let hint = text_of(&client, "#checklist-keys").await;
        assert!(!hint.contains("F7"), "{hint}");
        assert!(client.find(Locator::Css("#complete")).await.is_err(), "当场办结 offered");
        keys.press(F6).await;
        let e = wait_text(&client, "#error", "不是即办件").await;
        assert!(e.contains("30个工作日") && e.contains("F8"), "{e}");
        screenshot(&client, "corrections-1-no-f6.png").await;

        keys.press("4").await;
        wait_text(&client, "#missing", "材料已齐").await;
        keys.press(F8).await;
        find(&client, "#preview[data-kind='receipt']").await;
        keys.press(ENTER).await;
        let msg = wait_text(&client, "#message", "已送打印机“CounterPDF”").await;
        assert!(!msg.contains("CounterPDF-"), "{msg}");

        // The ledger's second print is a 补打: said in the confirmation and in the history.
        keys.press(F3).await;
        open_ledger_row(&client, &no).await;
        click(&client, "#reprint-receipt").await;
        find(&client, "#preview[data-kind='receipt']").await;
        assert_preview_shows(&client, 2).await;
        screenshot(&client, "corrections-2-reprint-preview.png").await;
        keys.press(ENTER).await;
        wait_text(&client, ".ledger .ok", "受理回执已补打，送打印机“CounterPDF”").await;
        let history = wait_text(&client, "#detail .events", "补打").await;
        assert!(history.contains("打印") && history.contains("受理回执"), "{history}");
        screenshot(&client, "corrections-2-reprint.png").await;

        // 设置: the levels by their names, as at the first start.
        click(&client, "#nav-settings").await;
        let level = find(&client, "#settings-level").await;
        let shown = client
            .execute(
                "const s = document.querySelector('#settings-level'); return s.options[s.selectedIndex].text;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(shown.as_str(), Some("C 县（市、区）"));
        let all = level.text().await.unwrap();
        assert!(all.contains("E 村（社区）"), "{all}");
        screenshot(&client, "corrections-3-settings-levels.png").await;
        client
    })
    .await;
}

/// Whether `css` is on screen now (its box within the window).
async fn in_view(client: &fantoccini::Client, css: &str) -> bool {
    let js = format!(
        "const r = document.querySelector('{css}').getBoundingClientRect();
         return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;"
    );
    client.execute(&js, vec![]).await.unwrap().as_bool() == Some(true)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn the_supervisor_manages_the_accounts_and_sees_each_answer_beside_the_button() {
    let dir = workstation(false);
    add_supervisor(dir.path());
    run_in(dir, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        keys.type_into(&find(&client, "#signin-name").await, "李主任")
            .await;
        keys.press(TAB).await;
        keys.press("secret1").await;
        keys.press(ENTER).await;
        click(&client, "#nav-settings").await;
        // A short password: said under the button, on screen.
        keys.type_into(&find(&client, "#clerk-new-name").await, "钱多多")
            .await;
        keys.type_into(&find(&client, "#clerk-new-password").await, "123")
            .await;
        click(&client, "#clerk-add").await;
        wait_text(&client, "#accounts-error", "密码至少6位").await;
        assert!(
            in_view(&client, "#accounts-error").await,
            "the message is off screen"
        );
        let field = find(&client, "#clerk-new-password").await;
        field.clear().await.unwrap();
        keys.type_into(&field, "pass456").await;
        click(&client, "#clerk-add").await;
        wait_text(&client, "#accounts-message", "已添加账号 钱多多").await;
        assert!(in_view(&client, "#accounts-message").await);
        wait_text(&client, "#accounts tr[data-name='钱多多']", "在用").await;
        // 王芳 leaves: her account is stopped.
        click(&client, "#accounts tr[data-name='王芳'] .disable").await;
        wait_text(&client, "#accounts tr[data-name='王芳']", "已停用").await;
        screenshot(&client, "corrections-4-accounts.png").await;
        // 退出 (not 锁定): the sign-in asks for a name; 王芳 is told her account is stopped.
        click(&client, "#sign-out").await;
        let name = find(&client, "#signin-name").await;
        assert_eq!(name.prop("value").await.unwrap().as_deref(), Some(""));
        keys.type_into(&name, "王芳").await;
        keys.press(TAB).await;
        keys.press("pass123").await;
        keys.press(ENTER).await;
        wait_text(&client, ".error", "已被负责人停用").await;
        screenshot(&client, "corrections-5-stopped.png").await;
        client
    })
    .await;
}

/// 咨询: an applicant who only asks gets the item's guide for their situation, printed, with no
/// case opened and no case number used.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn an_applicant_who_only_asks_gets_the_guide_and_no_case_number_is_used() {
    run(false, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        sign_in(&client, &mut keys).await;
        keys.type_here("zyfy").await;
        wait_text(&client, "#results li .meta", "002036006002").await;
        keys.chord(SHIFT, ENTER).await;
        let where_ = wait_text(&client, "#guide-where", "本窗口受理并办理").await;
        assert!(!where_.is_empty());
        assert!(text_of(&client, "#guide-time").await.contains("30个工作日"));
        let count = |client: &fantoccini::Client| {
            let client = client.clone();
            async move {
                client
                    .find_all(Locator::Css("#guide-materials li"))
                    .await
                    .unwrap()
                    .len()
            }
        };
        assert_eq!(count(&client).await, 4);
        // An agent acts: the materials an agent brings join the list.
        click(&client, "#guide-agent").await;
        let with_agent = wait_for("the agent's materials", || async {
            let n = count(&client).await;
            (n > 4).then_some(n)
        })
        .await;
        assert!(
            text_of(&client, "#guide-materials")
                .await
                .contains("委托书"),
            "{with_agent}"
        );
        screenshot(&client, "corrections-6-guide.png").await;
        click(&client, "#guide-print").await;
        find(&client, "#preview[data-kind='guide']").await;
        assert_preview_shows(&client, 1).await;
        screenshot(&client, "corrections-7-guide-preview.png").await;
        keys.press(ENTER).await;
        wait_text(&client, "#guide-message", "办事指南已送打印机“CounterPDF”").await;
        click(&client, "#guide-authorisation").await;
        find(&client, "#preview[data-kind='authorisation']").await;
        keys.press(ESC).await;
        keys.press(ESC).await;
        assert!(
            client.find(Locator::Css("#guide")).await.is_err(),
            "the guide stays open"
        );
        // No case was opened: today's ledger is empty.
        keys.press(F3).await;
        wait_text(&client, "#ledger tbody", "没有符合条件的办件").await;
        client
    })
    .await;
}

/// 设置 → 上级经办机构: the supervisor of a village point registers its township. A code with a
/// stray sign is refused beside the button and nothing is saved; once saved, the settings file
/// holds the office and F4 offers it by name.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn the_supervisor_registers_the_township_and_the_hand_over_offers_it() {
    let dir = workstation_as(false, "京口区象山街道某村便民服务点", "E01", "E");
    add_supervisor(dir.path());
    let settings = dir.path().join("office.toml");
    run_in(dir, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        sign_in_as(&client, &mut keys, "李主任", "secret1").await;
        click(&client, "#nav-settings").await;
        click(&client, "#settings-add-office").await;
        let row = client
            .find_all(Locator::Css("#settings-handled-by .office-row input"))
            .await
            .unwrap();
        assert_eq!(row.len(), 2, "a new row has a code and a name");
        // A village's first office above is its township (level D), chosen for the clerk.
        let level = find(&client, "#settings-handled-by .office-row select").await;
        assert_eq!(level.prop("value").await.unwrap().as_deref(), Some("D"));
        keys.type_into(&row[0], "D-1").await;
        keys.type_into(&row[1], "象山街道医保服务站").await;
        click(&client, "#office-save").await;
        let told = wait_text(&client, "#office-error", "字母和数字").await;
        assert!(told.contains("象山街道医保服务站"), "{told}");
        screenshot(&client, "corrections-8-offices-refused.png").await;
        assert!(
            in_view(&client, "#office-error").await,
            "the message is off screen"
        );
        let kept = std::fs::read_to_string(&settings).unwrap();
        assert!(
            !kept.contains("handled_by"),
            "a refused office was saved: {kept}"
        );
        row[0].clear().await.unwrap();
        keys.type_into(&row[0], "D01").await;
        click(&client, "#office-save").await;
        wait_text(&client, "#office-ok", "网点设置已保存").await;
        assert!(
            in_view(&client, "#office-ok").await,
            "the confirmation is off screen"
        );
        let kept = std::fs::read_to_string(&settings).unwrap();
        assert!(
            kept.contains("[[handled_by]]") && kept.contains("point = \"D01\""),
            "{kept}"
        );
        screenshot(&client, "corrections-8-offices.png").await;
        keys.press(F4).await;
        let offered = text_of(&client, "#ho-office").await;
        assert!(offered.contains("象山街道医保服务站（D01）"), "{offered}");
        client
    })
    .await;
}
