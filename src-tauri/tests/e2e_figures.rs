//! End-to-end: what the supervisor sees of the hall. A case the centre returned and one due
//! within two working days alert on the header until opened, and the ledger filters them;
//! 设置 → 统计 shows the month's figures (equal to a count by hand), its charts, and exports
//! the workbook.

mod support;
use support::*;

use chrono::{Days, NaiveDate, NaiveDateTime};
use counter_core::case::{Decision, Form, OpenCase};
use counter_core::scope::Scope;
use fantoccini::Locator;

fn day(d: NaiveDate, h: u32) -> NaiveDateTime {
    d.and_hms_opt(h, 0, 0).unwrap()
}

/// The store as the month left it: five cases of 住院费用报销 (30 working days).
/// - opened 09-01, returned by the centre on 09-20;
/// - opened in August, early enough to be due within two working days of 09-26;
/// - opened 09-26: one accepted and rated 非常满意, one given a notice, one refused.
fn the_month(dir: &std::path::Path) -> (String, String) {
    let mut s =
        counter_store::Store::open(&dir.join("counter.db"), &dir.join("store.key")).unwrap();
    let today = NaiveDate::from_ymd_opt(2025, 9, 26).unwrap();
    s.add_clerk(
        "李主任",
        "secret1",
        counter_store::Role::Supervisor,
        day(today, 8),
    )
    .unwrap();
    let set = counter_core::bundled::catalogs().unwrap();
    let cal = counter_core::bundled::calendar().unwrap();
    let nat = set.get("national").unwrap();
    let soon = counter_core::alerts::soon_limit(today, &cal);
    let open = |s: &mut counter_store::Store, at: NaiveDateTime, tick: bool| {
        let req = OpenCase::person("national", "002036006002", "3211", "王芳", "张三", ID);
        let no = s.open_case(nat, req, at).unwrap().case.case_no;
        if tick {
            s.update(&no, |c| {
                let mut evs = Vec::new();
                for k in ["m1", "m2", "m3", "m4"] {
                    evs.extend(c.tick(k, Form::Original, 1, None, at)?);
                }
                evs.extend(c.accept(nat, &cal, &Scope::Handles, at)?);
                Ok(evs)
            })
            .unwrap();
        }
        no
    };
    let first = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
    let returned = open(&mut s, day(first, 9), true);
    s.update(&returned, |c| {
        let mut evs = c.apply_decision(
            &Decision::StartReview,
            "赵审核",
            day(first + Days::new(18), 9),
        )?;
        let back = Decision::Return {
            reason: "发票复印件不清晰".into(),
        };
        evs.extend(c.apply_decision(&back, "赵审核", day(first + Days::new(19), 9))?);
        Ok(evs)
    })
    .unwrap();
    // The latest opening day in August whose 30 working days end within two of the 26th.
    let opened = (1..90)
        .map(|n| today - Days::new(n))
        .find(|d| {
            cal.due(*d, 30)
                .is_ok_and(|x| x.due >= today && x.due <= soon)
        })
        .expect("an opening day due now");
    let due = open(&mut s, day(opened, 9), true);
    let rated = open(&mut s, day(today, 8), true);
    s.update(&rated, |c| {
        c.rate(
            5,
            counter_core::case::RatingChannel::Counter,
            None,
            &cal,
            "王芳",
            day(today, 8),
        )
    })
    .unwrap();
    let notified = open(&mut s, day(today, 8), false);
    s.update(&notified, |c| c.notify(nat, day(today, 8)))
        .unwrap();
    let refused = open(&mut s, day(today, 8), false);
    s.update(&refused, |c| {
        c.refuse("不属于本统筹区参保人员", None, day(today, 8))
    })
    .unwrap();
    (returned, due)
}

/// Each figure named is shown with its value.
async fn assert_totals(client: &fantoccini::Client, expect: &[(&str, &str)]) {
    let names = texts(client, "#fig-totals dt").await;
    let values = texts(client, "#fig-totals dd").await;
    let shown: Vec<(String, String)> = names.into_iter().zip(values).collect();
    for (name, value) in expect {
        assert!(
            shown.iter().any(|(n, v)| n == name && v == value),
            "{name} {value} in {shown:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: run through the README's test command"]
async fn alerts_until_opened_and_the_months_figures_as_counted_by_hand() {
    let dir = workstation(false);
    let (returned, due) = the_month(dir.path());
    let exports = dir.path().join("exports");
    let exports_env = exports.to_str().unwrap().to_string();
    let env = [("COUNTER_EXPORTS", exports_env.as_str())];
    run_in_with(dir, &env, |client| async move {
        let mut keys = Keys {
            client: &client,
            pressed: 0,
        };
        keys.type_into(&find(&client, "#signin-name").await, "李主任").await;
        keys.press(TAB).await;
        keys.press("secret1").await;
        keys.press(ENTER).await;
        let chip = wait_text(&client, "#alerts-chip", "中心退回 1").await;
        assert!(chip.contains("即将超期 1"), "{chip}");
        screenshot(&client, "figures-1-alerts.png").await;

        // The chip opens the ledger on the alerting cases, whatever day they were opened.
        click(&client, "#alerts-chip").await;
        let rows = wait_for("the alerting cases", || async {
            let t = texts(&client, "#ledger tbody tr td:first-child").await;
            (t.len() == 2).then_some(t)
        })
        .await;
        assert_eq!(rows, vec![returned.clone(), due.clone()]);
        assert!(find(&client, "#f-alerts").await.is_selected().await.unwrap());
        screenshot(&client, "figures-2-ledger-alerts.png").await;
        open_ledger_row(&client, &returned).await;
        let chip = wait_for("the return's alert to end", || async {
            let t = client.find(Locator::Css("#alerts-chip")).await.ok()?.text().await.ok()?;
            (!t.contains("中心退回")).then_some(t)
        })
        .await;
        assert!(chip.contains("即将超期 1"), "{chip}");

        // 设置 → 统计 → 本月: the four cases opened in September, two of them accepted.
        click(&client, "#nav-settings").await;
        click(&client, "#tab-figures").await;
        click(&client, "#fig-month").await;
        wait_text(&client, "#fig-cases", "4").await;
        let expect = [("受理", "2"), ("一次性告知", "1"), ("不予受理", "1"), ("即将超期", "0")];
        assert_totals(&client, &expect).await;
        // From August on: the fifth, nearly due, too.
        let from = find(&client, "#fig-from").await;
        from.clear().await.unwrap();
        keys.type_into(&from, "2025-08-01").await;
        click(&client, "#fig-load").await;
        wait_text(&client, "#fig-cases", "5").await;
        let expect = [("受理", "3"), ("一次性告知", "1"), ("不予受理", "1"), ("即将超期", "1"), ("差评待回访", "0"), ("按时办结率", "—")];
        assert_totals(&client, &expect).await;
        let due_soon = text_of(&client, "#fig-due-soon").await;
        assert!(due_soon.contains(&due), "{due_soon}");
        // Each chart is drawn (a canvas with something on it).
        for id in ["chart-item", "chart-clerk", "chart-rating"] {
            let painted = client
                .execute(
                    &format!(
                        "const c = document.querySelector('#{id} canvas'); if (!c) return 0;
                         const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                         let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n;"
                    ),
                    vec![],
                )
                .await
                .unwrap();
            assert!(painted.as_u64().unwrap_or(0) > 100, "{id} is blank");
        }
        screenshot(&client, "figures-3-month.png").await;
        click(&client, "#fig-export").await;
        let said = wait_text(&client, "#fig-message", "统计表已导出").await;
        let path = std::path::PathBuf::from(said.split('：').nth(1).unwrap().trim());
        assert!(path.starts_with(&exports), "{said}");
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip");
        client
    })
    .await;
}
