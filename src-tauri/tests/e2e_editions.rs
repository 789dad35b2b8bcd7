//! End-to-end: a case stays on the catalog edition it was opened under (the real app under
//! Xvfb, through WebDriver; see e2e.rs). A newer edition of the national list arrives while a
//! 住院费用报销 case opened under the built-in one is still a draft.

mod support;
use support::*;

use counter_core::case::OpenCase;

/// The built-in national list with 住院费用报销 changed: another material name, 20 days.
fn edition_2() -> String {
    let v1 = counter_core::bundled::CATALOG_FILES[0].1;
    let v2 = v1
        .replace("name = \"住院费用清单\"", "name = \"住院费用明细清单\"")
        .replace(
            "time_limit_text = \"不超过30个工作日\"\ntime_limit = [{ working_days = 30 }]\nsource_note = \"备注 and 设定依据 cells blank",
            "time_limit_text = \"不超过20个工作日\"\ntime_limit = [{ working_days = 20 }]\nsource_note = \"备注 and 设定依据 cells blank",
        );
    assert_ne!(v1, v2);
    v2
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn a_draft_keeps_its_edition_when_a_newer_one_arrives_and_new_cases_get_the_new_one() {
    let dir = workstation(false);
    let old = {
        let mut s = counter_store::Store::open(
            &dir.path().join("counter.db"),
            &dir.path().join("store.key"),
        )
        .unwrap();
        let set = counter_core::bundled::catalogs().unwrap();
        let at = counter_testkit::at(8, 30);
        let req = OpenCase::person("national", "002036006002", "3211", "王芳", "张三丰", ID);
        let opened = s.open_case(set.get("national").unwrap(), req, at).unwrap();
        // Verified and kept by a sync, as `counter sync now` does after checking the signature.
        let secret = [7u8; 32];
        s.set_enrollment("https://central.example", "device-1", "key", "3211")
            .unwrap();
        s.pin_server(None, &counter_core::proto::public_key(&secret))
            .unwrap();
        let text = edition_2();
        let sig = counter_core::proto::sign_snapshot(&secret, "catalog", "national", 2, &text);
        s.save_snapshot("catalog", "national", 2, &text, &sig)
            .unwrap();
        opened.case.case_no
    };
    run_in(dir, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        sign_in(&client, &mut keys).await;
        // The applicant's draft, called up by its number: edition 1's list and time limit.
        keys.type_here(&old).await;
        keys.press(ENTER).await;
        wait_text(&client, "#case-no", &old).await;
        let list = text_of(&client, "#checklist").await;
        assert!(
            list.contains("住院费用清单") && !list.contains("明细"),
            "{list}"
        );
        accept_and_open_the_ledger(&client, &mut keys).await;
        let row = wait_text(&client, "#ledger tbody", &old).await;
        assert!(row.contains("2025-11-13"), "30 working days: {row}");
        screenshot(&client, "editions-1-old-case.png").await;
        // A new applicant: edition 2.
        keys.press(F2).await;
        find(&client, "#search:not([disabled])").await;
        let new = open_case(&client, &mut keys, "zyfy", "002036006002", None).await;
        let list = text_of(&client, "#checklist").await;
        assert!(list.contains("住院费用明细清单"), "{list}");
        accept_and_open_the_ledger(&client, &mut keys).await;
        let rows = wait_text(&client, "#ledger tbody", &new).await;
        assert!(rows.contains("2025-10-30"), "20 working days: {rows}");
        screenshot(&client, "editions-2-new-case.png").await;
        client
    })
    .await;
}
