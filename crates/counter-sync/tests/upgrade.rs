//! A store from before the push sequence was separated (schema 4) that had pulled a central
//! decision: schema 5 numbered that decision as if it were to be pushed, and the next local
//! event then never followed the server's sequence. Upgraded by the shipped migrations and
//! the repair, it syncs, and nothing is pushed twice or skipped.

use counter_core::proto::RemoteStatus;
use counter_server::Central;
use counter_store::Store;
use counter_sync::sync_now;
use counter_testkit::prelude::*;
use rusqlite::Connection;

both!(a_schema_4_store_that_pulled_a_decision_upgrades_and_syncs);

const SCHEMA_4: [&str; 4] = [
    include_str!("../../counter-store/migrations/0001_init.sql"),
    include_str!("../../counter-store/migrations/0002_clerks.sql"),
    include_str!("../../counter-store/migrations/0003_sync.sql"),
    include_str!("../../counter-store/migrations/0004_snapshots.sql"),
];

/// The columns a table has in `db`.
fn columns(conn: &Connection, db: &str, table: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare(&format!("PRAGMA {db}.table_info({table})"))
        .unwrap();
    let rows = stmt.query_map([], |r| r.get::<_, String>(1)).unwrap();
    rows.map(Result::unwrap).collect()
}

/// A schema-4 file with the rows of `from` (a current store): the tables and columns schema 4
/// had, nothing of what came later. Events keep their local order; the outbox what was unsent.
fn schema_4_copy(from: &std::path::Path, to: &std::path::Path) {
    let conn = Connection::open(to).unwrap();
    for sql in SCHEMA_4 {
        conn.execute_batch(sql).unwrap();
    }
    conn.pragma_update(None, "user_version", 4).unwrap();
    conn.execute("ATTACH DATABASE ?1 AS cur", [from.to_str().unwrap()])
        .unwrap();
    for table in [
        "meta",
        "day_seq",
        "cases",
        "events",
        "outbox",
        "clerks",
        "sync_state",
    ] {
        let cols = columns(&conn, "main", table).join(", ");
        conn.execute(
            &format!("INSERT INTO main.{table} ({cols}) SELECT {cols} FROM cur.{table}"),
            [],
        )
        .unwrap();
    }
    // Schema 4 had one sequence for everything: the pulled decision took the next number.
    conn.execute("DETACH DATABASE cur", []).unwrap();
}

fn a_schema_4_store_that_pulled_a_decision_upgrades_and_syncs(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    // Schema-4 stores pinned no authority (servers of that time spoke plain HTTP): this one
    // talks to a loopback server without TLS, the one place that is still allowed.
    let central = Central::open(&db.url, counter_server::Keys::ephemeral()).unwrap();
    let server = Server::start(central.clone(), None);
    // The history, made with today's code: a case pushed, a central decision pulled, then a
    // new case not yet pushed.
    let mut s = store(dir.path(), "old");
    enroll(&mut s, &central, &server, "3211");
    let first = offline_cases(&mut s, "3211", 1);
    sync_now(&mut s, quick()).unwrap();
    central
        .decide(&first[0], RemoteStatus::InReview, None, "李审核", decided())
        .unwrap();
    sync_now(&mut s, quick()).unwrap();
    let second = offline_cases(&mut s, "3211", 1);
    drop(s);
    // The same rows as a schema-4 file would hold them.
    let v4 = dir.path().join("v4.db");
    schema_4_copy(&dir.path().join("old.db"), &v4);
    std::fs::copy(dir.path().join("old.key"), dir.path().join("v4.key")).unwrap();
    let conn = Connection::open(&v4).unwrap();
    let pulled: i64 = conn
        .query_row(
            "SELECT seq FROM events WHERE kind = 'review_started'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        pulled, 7,
        "the pulled decision sits between the pushed and the unsent events"
    );
    drop(conn);

    // Upgraded by the shipped migrations (5 numbers every event) and the repair (8).
    let mut s = Store::open(&v4, &dir.path().join("v4.key")).unwrap();
    assert_eq!(s.schema_version().unwrap(), counter_store::SCHEMA_VERSION);
    assert_eq!(s.sync_state().unwrap().pending, 6);
    let r = sync_now(&mut s, quick()).unwrap();
    assert_eq!((r.pushed, r.rejected.len()), (6, 0), "{r:?}");
    assert_eq!(s.sync_state().unwrap().pending, 0);
    assert_eq!(central.counts().unwrap(), (12, 0, 2), "each event once");
    assert_eq!(s.case(&second[0]).unwrap().state.as_str(), "accepted");
    assert_eq!(s.case(&first[0]).unwrap().state.as_str(), "in_review");
    server.stop();
}
