//! End-to-end: the 二代证 reader at the window. A card placed on the simulated reader (the
//! protocol on a pseudo-terminal, set as the office's reader port) fills the applicant; the
//! intake goes on with no typing, and the case's history says 读卡.

mod support;
use support::*;

use counter_devices::sim::{sample_card, Mode, Simulator};
use counter_devices::Card;
use fantoccini::Locator;

fn card() -> Card {
    sample_card()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn a_card_on_the_reader_fills_the_applicant_and_nothing_is_typed() {
    let sim = Simulator::start(Mode::NoCard).unwrap();
    let dir = workstation(false);
    let office = dir.path().join("office.toml");
    let mut text = std::fs::read_to_string(&office).unwrap();
    text.push_str(&format!("reader_port = \"{}\"\n", sim.path));
    std::fs::write(&office, text).unwrap();
    let mode = sim.mode.clone();
    run_in(dir, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        sign_in(&client, &mut keys).await;
        let before = keys.pressed;
        keys.type_here("zyfy").await;
        wait_text(&client, "#results li .meta", "002036006002").await;
        keys.press(ENTER).await;
        find(&client, "#applicant").await;
        wait_text(&client, "#reader-chip", "请放卡").await;
        screenshot(&client, "reader-1-waiting.png").await;
        // The applicant places the card.
        *mode.lock().unwrap() = Mode::Card(card());
        wait_for("the card's number in the form", || async {
            let v = client
                .find(Locator::Css("#id-number"))
                .await
                .ok()?
                .prop("value")
                .await
                .ok()??;
            (v == "11010519491231002X").then_some(())
        })
        .await;
        let name = find(&client, "#name").await.prop("value").await.unwrap();
        assert_eq!(name.as_deref(), Some("张三丰"));
        wait_text(&client, "#card-note", "汉族").await;
        wait_text(&client, "#id-check", "有效").await;
        wait_text(&client, "#reader-chip", "已读卡").await;
        screenshot(&client, "reader-2-card-read.png").await;
        // Enter opens the case; the materials, F8 and Enter print the receipt.
        keys.press(ENTER).await;
        find(&client, "#case").await;
        keys.press("1234").await;
        wait_text(&client, "#missing", "材料已齐").await;
        keys.press(F8).await;
        find(&client, "#preview[data-kind='receipt']").await;
        keys.press(ENTER).await;
        wait_text(&client, "#message", "已送打印").await;
        let pressed = keys.pressed - before;
        println!("住院费用报销 with a card on the reader, empty screen to printed receipt: {pressed} key presses");
        assert!(pressed <= 12, "{pressed} key presses");
        // The case's history says the identity was read from the card.
        keys.press(F3).await;
        open_ledger_row(&client, "3211-20250926-0001").await;
        let history = text_of(&client, "#detail .events").await;
        assert!(history.contains("读卡"), "{history}");
        screenshot(&client, "reader-3-history.png").await;
        client
    })
    .await;
}
