//! A push runs a constant number of statements whatever the batch's size: what the rules need
//! is read at once, and what they decide written at once (each case's judged copy once).

use counter_core::proto::PushRequest;
use counter_server::Central;
use counter_testkit::prelude::*;

fn a_push_runs_the_same_statements_for_three_cases_as_for_thirty(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let central = Central::open(&db.url, keys()).unwrap();
    let server = Server::start(central.clone(), None);
    let mut s = store(dir.path(), "a");
    enroll(&mut s, &central, &server, "3211");
    let device = s.sync_link().unwrap().unwrap().device_id;
    let mut push = |n: usize| {
        offline_cases(&mut s, "3211", n);
        let events = s.outbox_batch(10_000).unwrap();
        let before = central.statements();
        let r = central
            .push(
                &device,
                "3211",
                &PushRequest {
                    events: events.clone(),
                },
            )
            .unwrap();
        let ran = central.statements() - before;
        assert!(r.rejected.is_empty() && !r.gap, "{r:?}");
        assert_eq!(r.acked_through, events.last().unwrap().seq);
        s.ack_outbox(r.acked_through).unwrap();
        // Delivered again (its answer lost): acknowledged, nothing stored twice.
        let again = central
            .push(&device, "3211", &PushRequest { events })
            .unwrap();
        assert_eq!(again.acked_through, r.acked_through);
        (ran, central.counts().unwrap())
    };
    let (small, after_small) = push(3);
    let (large, after_large) = push(30);
    assert_eq!(after_small.0, 18, "six events a case: {after_small:?}");
    assert_eq!(after_large.0, 18 + 180, "{after_large:?}");
    assert_eq!(
        small, large,
        "statements for 18 events: {small}, for 180 events: {large}"
    );
    assert!(small <= 12, "{small} statements for one push");
}
both!(a_push_runs_the_same_statements_for_three_cases_as_for_thirty);
