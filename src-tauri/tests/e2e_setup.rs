//! End-to-end: the first start of a PC with no office settings at all (the real app under
//! Xvfb, through WebDriver; see e2e.rs). Nothing a clerk did not type is offered as the office's
//! name, address or code (those go on every receipt), and the form's messages are Chinese.

mod support;
use support::*;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn a_new_pc_asks_for_the_office_and_offers_no_placeholder_as_its_own() {
    let dir = tempfile::tempdir().unwrap();
    run_in(dir, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        for field in ["#setup-office-name", "#setup-address", "#setup-point"] {
            let value = find(&client, field).await.prop("value").await.unwrap();
            assert_eq!(value.as_deref(), Some(""), "{field} prefilled");
        }
        // The printer is chosen from this computer's print queues.
        let printers = wait_for("the print queues", || async {
            let t = texts(&client, "#setup-printer option").await;
            t.iter().any(|o| o == "CounterPDF").then_some(t)
        })
        .await;
        assert_eq!(printers[0], "系统默认打印机", "{printers:?}");
        // Saving with fields left empty: the browser holds the form, in Chinese.
        click(&client, "#setup-save").await;
        let message = client
            .execute(
                "return document.querySelector('#setup-office-name').validationMessage",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(message.as_str(), Some("请填写此项"));
        screenshot(&client, "setup-1-empty.png").await;
        for (field, text) in [
            ("#setup-office-name", "镇江市京口区医疗保障服务中心"),
            ("#setup-address", "学府路88号政务服务中心二楼"),
            ("#setup-point", "3211"),
            ("#setup-name", "李主任"),
            ("#setup-password", "secret1"),
            ("#setup-again", "secret1"),
        ] {
            keys.type_into(&find(&client, field).await, text).await;
        }
        click(&client, "#setup-save").await;
        wait_text(&client, "#clerk-name", "李主任").await;
        let bar = text_of(&client, ".bar .office").await;
        assert!(bar.contains("京口区") && bar.contains("网点 3211"), "{bar}");
        assert!(!bar.contains("0000"), "{bar}");
        screenshot(&client, "setup-2-done.png").await;
        client
    })
    .await;
}
