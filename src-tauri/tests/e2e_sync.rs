//! End-to-end: 立即同步 never freezes the window (the real app under Xvfb, through WebDriver;
//! see e2e.rs). The central server takes the connection and never answers; meanwhile the clerk
//! goes on with the next applicant.

mod support;
use support::*;

use std::net::TcpListener;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn a_silent_server_does_not_freeze_the_window() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in silent.incoming().take(16) {
            held.push(c);
        }
        std::thread::sleep(Duration::from_secs(120));
    });
    let dir = workstation(false);
    {
        let mut s = counter_store::Store::open(
            &dir.path().join("counter.db"),
            &dir.path().join("store.key"),
        )
        .unwrap();
        s.set_enrollment(&format!("http://{addr}"), "dev-1", "key", "3211")
            .unwrap();
    }
    run_in(dir, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        sign_in(&client, &mut keys).await;
        click(&client, "#sync-now").await;
        let pressed = Instant::now();
        let search = find(&client, "#search").await;
        keys.type_into(&search, "zyfy").await;
        wait_text(&client, "#results", "住院费用报销").await;
        keys.press(ENTER).await;
        find(&client, "#applicant").await;
        let answered = pressed.elapsed();
        screenshot(&client, "sync-1-typing-while-syncing.png").await;
        // The window answered while the sync still waits on the server (10 s per try).
        assert!(
            answered < Duration::from_secs(5),
            "the window froze for {answered:?}"
        );
        // The chip says the sync failed; the reason is on its line (cut to fit, whole in the
        // tooltip).
        let reason = wait_for_within("the sync outcome", Duration::from_secs(45), || async {
            let e = client
                .find(fantoccini::Locator::Css("#sync .syncerr"))
                .await
                .ok()?;
            e.attr("title").await.ok().flatten()
        })
        .await;
        let chip = text_of(&client, "#sync-chip").await;
        assert!(chip.starts_with("离线"), "{chip}");
        assert!(reason.contains("没有应答"), "{reason}");
        screenshot(&client, "sync-2-server-silent.png").await;
        assert!(!reason.contains("error sending"), "{reason}");
        client
    })
    .await;
}
