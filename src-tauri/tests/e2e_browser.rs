//! End-to-end in the browser mode: `counter-web` (the same workstation and UI behind a
//! loopback server) driven in Debian's Chromium through WebDriver (chromedriver), through the
//! same 住院费用报销 intake as the window's test, printing on the CUPS queue. Ignored by a plain
//! `cargo test`; the README's test command runs it with `--include-ignored`.

mod support;
use support::*;

use support::browser::{chromium, serve};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and chromedriver: run through the README's test command"]
async fn the_browser_mode_accepts_and_prints_as_the_window_does() {
    let dir = workstation(false);
    let (_server, url) = serve(dir.path());
    let profile = tempfile::tempdir().unwrap();
    let (_driver, client) = chromium(profile.path(), true).await;
    client.goto(&url).await.unwrap();
    // The token left the address bar for a cookie.
    let at = client.current_url().await.unwrap();
    assert!(!at.as_str().contains("token"), "{at}");
    let mut keys = Keys {
        client: &client,
        pressed: 0,
    };
    sign_in(&client, &mut keys).await;
    let no = open_case(&client, &mut keys, "zyfy", "002036006002", None).await;
    assert_eq!(no, "3211-20250926-0001");
    keys.press("123").await;
    wait_text(&client, "#missing", "尚缺 1 项：诊断证明").await;
    keys.press("4").await;
    wait_text(&client, "#missing", "材料已齐").await;
    screenshot(&client, "browser-1-checklist.png").await;
    keys.press(F8).await;
    let preview = find(&client, "#preview[data-kind='receipt']").await;
    assert!(preview.text().await.unwrap().contains("受理回执"));
    assert_preview_shows(&client, 2).await;
    screenshot(&client, "browser-1-receipt-preview.png").await;
    keys.press(ENTER).await;
    let msg = wait_text(&client, "#message", "已送打印").await;
    assert!(msg.contains("打印机“CounterPDF”"), "{msg}");
    screenshot(&client, "browser-1-printed.png").await;
    // The applicant's screen is a second page of the same session (the hall's second monitor).
    let main = client.window().await.unwrap();
    let tab = client.new_window(false).await.unwrap();
    client.switch_to_window(tab.handle).await.unwrap();
    client
        .goto(at.join("/applicant.html").unwrap().as_str())
        .await
        .unwrap();
    let decided = wait_text(&client, "#as-decision", "已受理").await;
    assert!(decided.contains("承诺办结日期"), "{decided}");
    click(&client, "#as-rate-5").await;
    wait_text(&client, "#as-thanks", "非常满意").await;
    screenshot(&client, "browser-2-applicant-rated.png").await;
    client.switch_to_window(main).await.unwrap();
    keys.press(F3).await;
    let row = wait_text(&client, "#ledger tbody", "3211-20250926-0001").await;
    assert!(row.contains("已受理"), "{row}");
    open_ledger_row(&client, &no).await;
    wait_text(&client, "#rating-shown", "非常满意").await;
    client.close().await.ok();
}
