//! End-to-end: the real app under Xvfb, driven through WebDriver (tauri-driver →
//! WebKitWebDriver). Ignored by a plain `cargo test`; the README's test command runs it with
//! `--include-ignored` inside `xvfb-run`, so it can never be skipped silently.
//! Screenshots go to `target/e2e-artifacts/`.
//!
//! Each test runs the app on its own empty store (COUNTER_DB, COUNTER_KEY_FILE, COUNTER_OFFICE
//! in a temporary folder), with the clock pinned (COUNTER_NOW) and the office's printer set to
//! the CUPS PDF queue that scripts/cups.sh sets up.

mod support;
use support::*;

use fantoccini::Locator;
use std::time::Instant;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn a_full_acceptance_prints_the_receipt_and_counts_the_keys() {
    run(false, |client| async move {
        let mut keys = Keys { client: &client, pressed: 0 };
        sign_in(&client, &mut keys).await;
        let started = Instant::now();
        let before = keys.pressed;
        let no = open_case(&client, &mut keys, "zyfy", "002036006002", Some("1-search.png")).await;
        assert_eq!(no, "3211-20250926-0001");
        // The checklist has the focus: number keys tick.
        keys.press("123").await;
        wait_text(&client, "#missing", "尚缺 1 项：诊断证明").await;
        screenshot(&client, "1-checklist.png").await;
        keys.press("4").await;
        wait_text(&client, "#missing", "材料已齐").await;
        keys.press(F8).await;
        let preview = find(&client, "#preview[data-kind='receipt']").await;
        assert!(preview.text().await.unwrap().contains("受理回执"));
        // Two copies, each page decoded with ink on it (not merely two <img> elements).
        assert_preview_shows(&client, 2).await;
        screenshot(&client, "1-receipt-preview.png").await;
        keys.press(ENTER).await;
        let msg = wait_text(&client, "#message", "已送打印").await;
        let elapsed = started.elapsed();
        // The printer by its name, not CUPS's job number; the document's name once:
        // "…，受理回执已送打印机“CounterPDF”".
        assert!(msg.contains("打印机“CounterPDF”") && !msg.contains("CounterPDF-"), "{msg}");
        assert!(
            msg.contains("，受理回执已送打印") && msg.matches("受理回执").count() == 1,
            "{msg}"
        );
        screenshot(&client, "1-printed.png").await;
        println!(
            "住院费用报销, search to printed receipt: {} key presses, {:.1?} wall time (typing through WebDriver)",
            keys.pressed - before,
            elapsed
        );
        // The ledger shows it, accepted, with its due date.
        keys.press("\u{E033}").await; // F3
        let row = wait_text(&client, "#ledger tbody", "3211-20250926-0001").await;
        assert!(row.contains("已受理") && row.contains("1101**********002X"), "{row}");
        screenshot(&client, "1-ledger.png").await;
        client
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn a_notice_then_the_applicant_returns_and_the_case_is_accepted() {
    run(false, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        sign_in(&client, &mut keys).await;
        let no = open_case(&client, &mut keys, "zyfy", "002036006002", None).await;
        keys.press("123").await;
        wait_text(&client, "#missing", "尚缺 1 项").await;
        keys.press(F9).await;
        let preview = find(&client, "#preview[data-kind='notice']").await;
        assert!(preview.text().await.unwrap().contains("一次性告知书"));
        assert_preview_shows(&client, 1).await;
        screenshot(&client, "2-notice-preview.png").await;
        keys.press(ENTER).await;
        wait_text(&client, "#message", "已送打印").await;
        // Back for the next applicant; later the same applicant returns with the notice.
        find(&client, "#search:not([disabled])").await;
        keys.press(&no).await;
        keys.press(ENTER).await;
        wait_text(&client, "#message", "请补齐下列缺件").await;
        assert_eq!(text_of(&client, "#case-state").await, "受理中");
        let s = statuses(&client).await;
        assert_eq!(
            s.iter().filter(|c| c.contains("missing")).count(),
            1,
            "{s:?}"
        );
        assert!(s[3].contains("missing"), "only 诊断证明 left: {s:?}");
        screenshot(&client, "2-resumed.png").await;
        keys.press("4").await;
        wait_text(&client, "#missing", "材料已齐").await;
        keys.press(F8).await;
        find(&client, "#preview[data-kind='receipt']").await;
        screenshot(&client, "2-accepted.png").await;
        keys.press(ESC).await;
        find(&client, "#search:not([disabled])").await;
        client
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn a_refusal_states_the_reason_and_where_to_go() {
    run(false, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        sign_in(&client, &mut keys).await;
        open_case(&client, &mut keys, "dwcbdj", "002036001001", None).await;
        keys.press(F10).await;
        find(&client, "#refuse-reason").await;
        keys.type_here("不属于本网点受理范围").await;
        keys.press(TAB).await;
        keys.type_here("市医保中心").await;
        screenshot(&client, "3-refusal-form.png").await;
        keys.press(ENTER).await;
        let preview = find(&client, "#preview[data-kind='refusal']").await;
        assert!(preview.text().await.unwrap().contains("不予受理通知书"));
        assert_preview_shows(&client, 1).await;
        screenshot(&client, "3-refusal-preview.png").await;
        assert_eq!(text_of(&client, "#case-state").await, "不予受理");
        keys.press(ESC).await;
        find(&client, "#search:not([disabled])").await;
        client
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn first_start_sets_up_and_an_invalid_id_number_is_refused_with_a_message() {
    run(true, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        // First start: the supervisor's account (the office comes from office.toml).
        let name = find(&client, "#setup-name").await;
        keys.type_into(&name, "李主任").await;
        keys.type_into(&find(&client, "#setup-password").await, "secret1")
            .await;
        keys.type_into(&find(&client, "#setup-again").await, "secret1")
            .await;
        screenshot(&client, "4-setup.png").await;
        find(&client, "#setup-save").await.click().await.unwrap();
        wait_text(&client, "#clerk-name", "李主任").await;
        let search = find(&client, "#search").await;
        keys.type_into(&search, "zyfy").await;
        wait_for("results", || async {
            client
                .find(Locator::Css("#results[data-query='zyfy'] li"))
                .await
                .ok()
        })
        .await;
        keys.press(ENTER).await;
        find(&client, "#applicant").await;
        keys.press("110105194912310021").await;
        let msg = wait_text(&client, "#id-check", "校验位").await;
        assert!(msg.contains("请核对"), "{msg}");
        keys.press(TAB).await;
        keys.type_here("张三丰").await;
        keys.press(ENTER).await;
        assert!(
            client.find(Locator::Css("#case")).await.is_err(),
            "no case with a bad ID number"
        );
        let open = find(&client, "#open").await;
        assert!(open.attr("disabled").await.unwrap().is_some());
        screenshot(&client, "4-invalid-id.png").await;
        client
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn a_bundle_answers_once_ticks_one_merged_list_and_prints_one_notice() {
    run(false, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        sign_in(&client, &mut keys).await;
        open_case(&client, &mut keys, "零星报销", "ZJ2025-11", None).await;
        // The first open question has the focus: one key per answer.
        find(&client, ".question[data-question='报销类型']:focus").await;
        keys.press("1").await; // 门诊费用
        find(&client, ".question[data-question='金额']:focus").await;
        keys.press("1").await; // 1000元以下
        find(&client, "#checklist:focus").await;
        let names = texts(&client, "#checklist .mname").await;
        assert!(
            names.iter().any(|n| n.contains("门急诊费用清单")),
            "{names:?}"
        );
        assert!(
            !names.iter().any(|n| n.contains("住院费用清单")),
            "{names:?}"
        );
        keys.press("12").await;
        screenshot(&client, "5-bundle.png").await;
        keys.press(F9).await;
        let preview = find(&client, "#preview[data-kind='notice']").await;
        assert!(preview.text().await.unwrap().contains("一次性告知书"));
        screenshot(&client, "5-bundle-notice.png").await;
        keys.press(ESC).await;
        client
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn a_village_point_accepts_on_the_applicants_behalf_hands_the_paper_over_and_sends_others_elsewhere(
) {
    let dir = workstation_as(false, "京口区象山街道某村便民服务点", "E01", "E");
    register_above(dir.path(), "D", "D01", "象山街道医保服务站");
    run_in(dir, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        sign_in(&client, &mut keys).await;
        // 异地安置退休人员备案: a village point accepts it on the applicant's behalf, for the
        // township office registered above it, named as the applicant knows it.
        let no = open_case(&client, &mut keys, "322036013001", "322036013001", None).await;
        let banner = wait_text(&client, "#scope", "帮办代办").await;
        assert!(banner.contains("象山街道医保服务站"), "{banner}");
        assert!(!banner.contains("办理层级"), "{banner}");
        // The authorisation is a material of the assisted case: the third line.
        let third = text_of(&client, "#checklist li[data-key='assist1']").await;
        assert!(
            third.contains("帮办代办委托书") && third.contains("村（社区）集体出具的确认书"),
            "{third}"
        );
        keys.press("123").await;
        wait_text(&client, "#missing", "材料已齐").await;
        screenshot(&client, "6-assisted.png").await;
        keys.press(F8).await;
        let receipt = find(&client, "#preview[data-kind='receipt']").await;
        assert!(receipt.text().await.unwrap().contains("受理回执"));
        keys.press(ESC).await;

        // F4: the held paper goes on a hand-over sheet. The registered township is offered;
        // the clerk instead types an office code by hand and mistypes it: told it is not the
        // registered office, they press again, then take the sheet back (two presses) and send
        // it to the township from the list.
        keys.press(F4).await;
        let offered = text_of(&client, "#ho-office").await;
        assert!(offered.contains("象山街道医保服务站（D01）"), "{offered}");
        for (to, sheet) in [("D1O", "JJ-E01-20250926-01"), ("D01", "JJ-E01-20250926-02")] {
            click(&client, &format!("#ho-held li[data-case='{no}']")).await;
            if to == "D1O" {
                choose(&client, "#ho-office", "").await;
                let field = find(&client, "#ho-to").await;
                keys.type_into(&field, to).await;
                click(&client, "#ho-send").await;
                let told = wait_text(&client, "#ho-send-error", "D1O").await;
                assert!(told.contains("不是本网点登记的上级经办机构"), "{told}");
                screenshot(&client, "6-handover-unregistered.png").await;
                wait_text(&client, "#ho-send", "确认代码无误").await;
            } else {
                choose(&client, "#ho-office", "D01").await;
            }
            click(&client, "#ho-send").await;
            let preview = find(&client, "#preview[data-kind='handover']").await;
            let sheet_text = preview.text().await.unwrap();
            assert!(sheet_text.contains("材料交接单"), "{sheet_text}");
            if to == "D01" {
                screenshot(&client, "6-handover-sheet.png").await;
            }
            keys.press(ESC).await;
            let list = wait_text(&client, "#ho-list", sheet).await;
            assert!(list.contains("对方未接收"), "{list}");
            assert!(text_of(&client, "#ho-held").await.contains("没有保管"));
            if to == "D1O" {
                let recall = format!("[data-recall='{sheet}']");
                click(&client, &recall).await;
                wait_text(&client, &recall, "确认撤回").await;
                click(&client, &recall).await;
                wait_text(&client, "#ho-list", "已撤回").await;
                wait_text(&client, "#ho-held", &no).await;
            }
        }
        screenshot(&client, "6-handover-list.png").await;

        // 住院费用报销 is not for a village: the screen says where to go; F9 prints it.
        keys.press(F2).await;
        find(&client, "#search:not([disabled])").await;
        open_case(&client, &mut keys, "zyfy", "322036066002", None).await;
        let banner = wait_text(&client, "#scope", "不能受理").await;
        assert!(banner.contains("县(市、区)医疗保障经办机构"), "{banner}");
        assert!(find(&client, "#accept")
            .await
            .attr("disabled")
            .await
            .unwrap()
            .is_some());
        screenshot(&client, "6-elsewhere.png").await;
        keys.press(F9).await;
        let preview = find(&client, "#preview[data-kind='notice']").await;
        assert!(preview.text().await.unwrap().contains("一次性告知书"));
        screenshot(&client, "6-elsewhere-notice.png").await;
        keys.press(ESC).await;
        find(&client, "#search:not([disabled])").await;

        // The ledger: the case's custody so far, its rating, and the follow-up list.
        keys.press(F3).await;
        open_ledger_row(&client, &no).await;
        let holder = wait_text(&client, "#holder", "尚未接收").await;
        assert!(holder.contains("D01"), "{holder}");
        // 受理收件, 移交 D1O, 撤回, 移交 D01.
        let steps = client.find_all(Locator::Css("#custody li")).await.unwrap();
        assert_eq!(steps.len(), 4);
        assert!(steps[2].text().await.unwrap().contains("撤回移交"));
        // The applicant filled in a paper form (评价表): 不满意 opens a follow-up.
        click(&client, "#rate").await;
        find(&client, "#rating").await;
        keys.press("4").await;
        screenshot(&client, "6-rating.png").await;
        keys.press(ENTER).await;
        wait_text(&client, "#rating-shown", "不满意").await;
        assert!(text_of(&client, "#rating-shown")
            .await
            .contains("纸质评价表"));
        assert!(text_of(&client, "#follow-ups").await.contains(&no));
        screenshot(&client, "6-custody.png").await;
        client
    })
    .await;
}

/// The township office (D01) receives a village's sheet: the sheet arrives as the sync
/// client applies it (the same store call a pull makes), then the clerk scans its number,
/// checks the paper, marks the missing ID copy and confirms.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn the_township_office_scans_a_sheet_checks_the_paper_and_receives_it() {
    use counter_core::case::{Applicant, Case, Form, IdType, OpenCase, Person};
    use counter_core::proto::{RemoteChange, RemoteStatus};
    let dir = workstation_as(false, "京口区象山街道医保服务站", "D01", "D");
    let set = counter_core::bundled::catalogs().unwrap();
    let js = set.get("jiangsu-2024").unwrap();
    let at = |h| counter_testkit::at(h, 0);
    let (mut c, _) = Case::open(
        OpenCase {
            case_no: "E01-20250926-0001".into(),
            catalog: "jiangsu-2024".into(),
            item: "322036013001".into(),
            applicant: Applicant::Person(Person {
                name: "李四".into(),
                id_type: IdType::ResidentId,
                id_number: ID.into(),
                phone: None,
            }),
            agent: None,
            point: "E01".into(),
            clerk: "村代办员".into(),
            answers: Default::default(),
            assisted: None,
            card_read: false,
        },
        js,
        at(8),
    )
    .unwrap();
    c.tick("m1", Form::Copy, 1, Some("有效身份证件"), at(8))
        .unwrap();
    c.tick("m2", Form::Original, 1, Some("个人承诺书"), at(8))
        .unwrap();
    c.accept(
        js,
        &counter_core::bundled::calendar().unwrap(),
        &counter_core::scope::Scope::Handles,
        at(8),
    )
    .unwrap();
    let sheet = "JJ-E01-20250926-01";
    let ev = c
        .hand_over(sheet, &[c.case_no.clone()], "E01", "D01", "村代办员", at(9))
        .unwrap();
    let mut store = counter_store::Store::open(
        &dir.path().join("counter.db"),
        &dir.path().join("store.key"),
    )
    .unwrap();
    store
        .apply_remote(
            &[RemoteChange {
                seq: 1,
                case_no: c.case_no.clone(),
                status: RemoteStatus::Event,
                reason: None,
                by: "E01 村代办员".into(),
                event: Some(ev[0].clone()),
                at: None,
                owner: None,
                opening: None,
            }],
            1,
            at(10),
            "this-device",
        )
        .unwrap();
    drop(store);
    run_in(dir, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        sign_in(&client, &mut keys).await;
        keys.press(F4).await;
        let list = wait_text(&client, "#ho-list", "待本网点接收").await;
        assert!(list.contains(sheet), "{list}");
        let scan = find(&client, "#ho-scan").await;
        keys.type_into(&scan, sheet).await;
        keys.press(ENTER).await;
        let shown = wait_text(&client, "#ho-sheet", "李四").await;
        assert!(shown.contains("E01-20250926-0001"), "{shown}");
        // The ID copy is not in the envelope: one click marks it missing.
        click(&client, "[data-paper='E01-20250926-0001:m1']").await;
        wait_text(&client, "#ho-sheet", "（缺失）").await;
        screenshot(&client, "7-receive-check.png").await;
        click(&client, "#ho-receive").await;
        let msg = wait_text(&client, "#ho-message", "已接收交接单").await;
        assert!(msg.contains("1 项缺失或破损"), "{msg}");
        wait_text(&client, "#ho-list", "已接收").await;
        // The paper is now held here: it is offered for the return hand-over.
        wait_text(&client, "#ho-held", "E01-20250926-0001").await;
        screenshot(&client, "7-received.png").await;
        keys.press(F3).await;
        open_ledger_row(&client, "E01-20250926-0001").await;
        let holder = wait_text(&client, "#holder", "D01").await;
        assert!(holder.contains("保管"), "{holder}");
        let chain = text_of(&client, "#custody").await;
        assert!(chain.contains("接收") && chain.contains("缺失"), "{chain}");
        screenshot(&client, "7-custody.png").await;
        client
    })
    .await;
}
