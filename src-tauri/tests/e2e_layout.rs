//! End-to-end: the window at its minimum size, 1024×700 (the real app under Xvfb, through
//! WebDriver; see e2e.rs). With the longest material list open, the case number and the
//! decision bar stay in view; long pages scroll.

mod support;
use support::*;

use fantoccini::Client;

/// Whether the element is wholly inside the window's viewport.
async fn in_view(client: &Client, css: &str) -> bool {
    let script = format!(
        "const r = document.querySelector('{css}').getBoundingClientRect();
         return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight
             && r.left >= 0 && r.right <= window.innerWidth;"
    );
    client
        .execute(&script, vec![])
        .await
        .unwrap()
        .as_bool()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn at_1024_by_700_the_case_header_and_decisions_stay_in_view_and_pages_scroll() {
    run(false, |client| async move {
        client.set_window_size(1024, 700).await.unwrap();
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        sign_in(&client, &mut keys).await;
        let inner = client
            .execute("return [window.innerWidth, window.innerHeight]", vec![])
            .await
            .unwrap();
        assert!(inner[1].as_u64().unwrap() <= 700, "{inner}");
        // The office's name on one line, every part of the header inside the window.
        let header = client
            .execute(
                "const n = document.querySelector('.bar .office strong').getBoundingClientRect();
                 const line = parseFloat(getComputedStyle(document.querySelector('.bar .office strong')).lineHeight) || 20;
                 const out = [...document.querySelectorAll('.bar > *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).length;
                 return [n.height / line, out];",
                vec![],
            )
            .await
            .unwrap();
        assert!(header[0].as_f64().unwrap() < 1.5, "the office's name wraps: {header}");
        assert_eq!(header[1].as_u64(), Some(0), "a part of the header is cut off: {header}");
        // 医疗机构申请定点协议管理 (Jiangxi): thirteen materials, the longest list.
        let no = open_case(
            &client,
            &mut keys,
            "002036009001",
            "002036009001 · 江西省 1.0版",
            None,
        )
        .await;
        assert_eq!(
            client
                .find_all(fantoccini::Locator::Css("#checklist li"))
                .await
                .unwrap()
                .len(),
            13
        );
        screenshot(&client, "layout-1-long-list.png").await;
        assert!(
            in_view(&client, "#case-no").await,
            "the case number is out of view"
        );
        assert!(
            in_view(&client, "#accept").await,
            "the decision bar is out of view"
        );
        // Moving down the list keeps both in view.
        for _ in 0..12 {
            keys.press(DOWN).await;
        }
        screenshot(&client, "layout-2-list-end.png").await;
        assert!(in_view(&client, "#case-no").await && in_view(&client, "#accept").await);
        // Ticked and accepted, the case's history in the ledger scrolls into view.
        keys.press("1234567890").await;
        let _ = no;
        keys.press(F3).await;
        open_ledger_row(&client, &no).await;
        client
            .execute(
                "document.querySelector('#detail .events li:last-child').scrollIntoView()",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            in_view(&client, "#detail .events li:last-child").await,
            "the case history cannot be reached"
        );
        screenshot(&client, "layout-3-ledger-history.png").await;
        client
    })
    .await;
}
