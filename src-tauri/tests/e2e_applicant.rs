//! End-to-end: the applicant's screen (申请人屏), the app's second window. As the clerk ticks,
//! the applicant sees the missing materials go; after the receipt the decision and its due
//! date; the rating given there (a 评价器's key) lands on that case, and once the clerk serves
//! the next applicant the earlier rating cannot be given any more.

mod support;
use support::*;

use fantoccini::wd::WindowHandle;
use fantoccini::{Client, Locator};

/// The two windows: the clerk's and the applicant's (the one showing #applicant-screen).
async fn windows(client: &Client) -> (WindowHandle, WindowHandle) {
    let main = client.window().await.unwrap();
    let other = wait_for("the applicant's window", || async {
        let all = client.windows().await.ok()?;
        all.into_iter().find(|w| *w != main)
    })
    .await;
    (main, other)
}

/// What the applicant's window shows: its stage, case and text.
async fn applicant_view(
    client: &Client,
    at: &WindowHandle,
    back: &WindowHandle,
) -> (String, String, String) {
    client.switch_to_window(at.clone()).await.unwrap();
    let screen = find(client, "#applicant-screen").await;
    let stage = screen.attr("data-stage").await.unwrap().unwrap_or_default();
    let case = screen.attr("data-case").await.unwrap().unwrap_or_default();
    let text = screen.text().await.unwrap();
    client.switch_to_window(back.clone()).await.unwrap();
    (stage, case, text)
}

async fn until_applicant_sees(
    client: &Client,
    at: &WindowHandle,
    back: &WindowHandle,
    what: &str,
    ok: impl Fn(&(String, String, String)) -> bool,
) -> (String, String, String) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let v = applicant_view(client, at, back).await;
        if ok(&v) {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: the applicant sees {v:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Types only once the search has the focus back. The window itself is not focused after the
/// applicant's window was used, so `:focus` cannot tell: the document's active element can.
async fn search_focused(client: &Client) {
    wait_for("the search to take the focus", || async {
        let id = client
            .execute(
                "return document.activeElement && document.activeElement.id",
                vec![],
            )
            .await
            .ok()?;
        (id.as_str() == Some("search")).then_some(())
    })
    .await;
}

async fn shot_of(client: &Client, at: &WindowHandle, back: &WindowHandle, name: &str) {
    client.switch_to_window(at.clone()).await.unwrap();
    screenshot(client, name).await;
    client.switch_to_window(back.clone()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn the_applicant_sees_the_materials_go_the_decision_and_rates_that_case_only() {
    let env = [("COUNTER_APPLICANT_SCREEN", "window")];
    run_in_with(workstation(false), &env, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        let (main, screen) = windows(&client).await;
        let v = applicant_view(&client, &screen, &main).await;
        assert_eq!(v.0, "idle", "{v:?}");
        assert!(v.2.contains("欢迎"), "{v:?}");
        shot_of(&client, &screen, &main, "applicant-1-welcome.png").await;

        sign_in(&client, &mut keys).await;
        let no = open_case(&client, &mut keys, "zyfy", "002036006002", None).await;
        let v =
            until_applicant_sees(&client, &screen, &main, "the case opened", |v| v.1 == no).await;
        assert!(
            v.2.contains("住院费用报销") && v.2.contains("张*丰"),
            "{v:?}"
        );
        assert!(
            !v.2.contains("张三丰") && !v.2.contains(ID),
            "the hall reads this: {v:?}"
        );
        assert!(v.2.contains("还缺材料（4）"), "{v:?}");
        // Each key the clerk presses takes a material off the applicant's list.
        keys.press("1").await;
        until_applicant_sees(&client, &screen, &main, "one ticked", |v| {
            v.2.contains("还缺材料（3）")
        })
        .await;
        keys.press("2").await;
        let v = until_applicant_sees(&client, &screen, &main, "two ticked", |v| {
            v.2.contains("还缺材料（2）")
        })
        .await;
        assert!(v.2.contains("已收材料（2）"), "{v:?}");
        shot_of(&client, &screen, &main, "applicant-2-serving.png").await;
        keys.press("34").await;
        wait_text(&client, "#missing", "材料已齐").await;
        keys.press(F8).await;
        find(&client, "#preview[data-kind='receipt']").await;
        keys.press(ENTER).await;
        wait_text(&client, "#message", "已送打印").await;
        // The clerk's screen asks for nothing: the rating is the applicant's.
        assert!(client.find(Locator::Css("#rating")).await.is_err());
        let v = until_applicant_sees(&client, &screen, &main, "the decision", |v| {
            v.0 == "decided"
        })
        .await;
        assert!(
            v.2.contains("办理结果：已受理") && v.2.contains("承诺办结日期"),
            "{v:?}"
        );
        assert!(v.2.contains("请您评价本次服务"), "{v:?}");
        shot_of(&client, &screen, &main, "applicant-3-decided.png").await;
        // 适老化: no text under 28 px, and the rating in view without scrolling.
        client.switch_to_window(screen.clone()).await.unwrap();
        let (smallest, bottom, height) = {
            let js = "const sizes = [...document.querySelectorAll('#applicant-screen *')]
                .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
                .map(e => parseFloat(getComputedStyle(e).fontSize));
              const r = document.querySelector('#as-rate-1').getBoundingClientRect();
              return [Math.min(...sizes), r.bottom, window.innerHeight];";
            let v = client.execute(js, vec![]).await.unwrap();
            let n = |i: usize| v[i].as_f64().unwrap();
            (n(0), n(1), n(2))
        };
        assert!(
            smallest >= 28.0,
            "text of {smallest} px on the applicant's screen"
        );
        assert!(
            bottom <= height,
            "the last rating button ends at {bottom} of {height}"
        );
        client.switch_to_window(main.clone()).await.unwrap();

        // The applicant presses 4 on the 评价器 (不满意): a 差评 for this case.
        client.switch_to_window(screen.clone()).await.unwrap();
        let mut there = Keys {
            client: &client,
            pressed: 0,
        };
        there.press("4").await;
        wait_text(&client, "#as-thanks", "不满意").await;
        screenshot(&client, "applicant-4-rated.png").await;
        client.switch_to_window(main.clone()).await.unwrap();
        keys.press(F3).await;
        open_ledger_row(&client, &no).await;
        let detail = text_of(&client, "#detail").await;
        assert!(
            detail.contains("不满意") && detail.contains("窗口评价"),
            "{detail}"
        );

        // The next applicant: the screen moves on before anyone rates; the earlier case's
        // rating is gone from it.
        keys.press(F2).await;
        search_focused(&client).await;
        let second = open_case(&client, &mut keys, "zyfy", "002036006002", None).await;
        keys.press("1234").await;
        keys.press(F8).await;
        find(&client, "#preview[data-kind='receipt']").await;
        keys.press(ENTER).await;
        until_applicant_sees(&client, &screen, &main, "the second decided", |v| {
            v.1 == second && v.0 == "decided"
        })
        .await;
        search_focused(&client).await;
        let third = open_case(&client, &mut keys, "zyfy", "002036006002", None).await;
        let v = until_applicant_sees(&client, &screen, &main, "the third", |v| v.1 == third).await;
        assert!(!v.2.contains("请您评价本次服务"), "{v:?}");
        keys.press(F3).await;
        open_ledger_row(&client, &second).await;
        let detail = text_of(&client, "#detail").await;
        assert!(
            !detail.contains("评价："),
            "the second case was rated: {detail}"
        );
        client
    })
    .await;
}
