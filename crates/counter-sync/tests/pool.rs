//! One instance over PostgreSQL serves requests side by side from its pool of connections: a
//! request that waits on a case's lock holds one connection while another request is served;
//! with every connection taken for longer than a request may wait, the server answers 503
//! busy with `Retry-After` (never a storage error), and all goes on once the lock is released.

use std::time::{Duration, Instant};

use counter_core::proto::RemoteStatus;
use counter_server::Central;
use counter_testkit::prelude::*;

#[test]
fn a_waiting_request_holds_one_connection_and_a_full_pool_answers_busy() {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), Backend::Postgres);
    let options = counter_server::DbOptions { pool: 2, ca: None };
    let central = Central::open_with(&db.url, keys(), &options).unwrap();
    let server = Server::start(central.clone(), None);
    let mut s = store(dir.path(), "point");
    enroll(&mut s, &central, &server, "3211");
    let cases = offline_cases(&mut s, "3211", 2);
    counter_sync::sync_now(&mut s, quick()).unwrap();
    let link = s.sync_link().unwrap().unwrap();
    // As the sync client presents itself.
    let token = format!("{}.{}", link.device_id, link.key);

    // Another session holds the first case's lock, as a long decision on it would.
    let mut other = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    other
        .execute("SELECT pg_advisory_lock(1, hashtext($1))", &[&cases[0]])
        .unwrap();
    let decide = |no: &str| {
        let (c, no) = (central.clone(), no.to_string());
        std::thread::spawn(move || c.decide(&no, RemoteStatus::InReview, None, "甲审核", decided()))
    };
    let first = decide(&cases[0]);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !first.is_finished(),
        "the decision did not wait for the case's lock"
    );
    // The other connection serves meanwhile.
    let started = Instant::now();
    central
        .decide(&cases[1], RemoteStatus::InReview, None, "乙审核", decided())
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "a request waited behind another: {:?}",
        started.elapsed()
    );
    // Both connections wait on the lock: a request is told the server is busy.
    let second = decide(&cases[0]);
    std::thread::sleep(Duration::from_millis(500));
    let answer = https_client()
        .get(format!("{}/v1/device", server.url()))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(answer.status().as_u16(), 503);
    assert_eq!(
        answer
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string()),
        Some("2".to_string())
    );
    let body: serde_json::Value = answer.json().unwrap();
    assert_eq!(body["code"], "busy", "{body}");
    assert!(body["message"].as_str().unwrap().contains("繁忙"), "{body}");

    // The lock released, both decisions end (the second finds the first's done) and the
    // point syncs as before.
    other
        .execute("SELECT pg_advisory_unlock(1, hashtext($1))", &[&cases[0]])
        .unwrap();
    first.join().unwrap().unwrap();
    second.join().unwrap().unwrap();
    let r = counter_sync::sync_now(&mut s, quick()).unwrap();
    assert_eq!(r.pulled, 2, "{r:?}");
    for no in &cases {
        assert_eq!(s.case(no).unwrap().state.as_str(), "in_review");
    }
}

/// `sslmode=require`: the pool's connections are encrypted and PostgreSQL's certificate is
/// verified against the authority given (`--db-ca`); another authority's certificate is
/// refused at start, in words.
#[test]
fn the_connection_to_postgresql_is_encrypted_and_its_certificate_checked() {
    let ca = std::env::var("COUNTER_TEST_PG_CA")
        .expect("COUNTER_TEST_PG_CA is not set: scripts/test.sh sets it after scripts/postgres.sh");
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), Backend::Postgres);
    let url = format!("{}?sslmode=require", db.url);
    let options = counter_server::DbOptions {
        pool: 4,
        ca: Some(ca.into()),
    };
    let central = Central::open_with(&url, keys(), &options).unwrap();
    central.enroll_code("3211", Some("C"), None).unwrap();
    let name = db.url.rsplit('/').next().unwrap().to_string();
    let mut admin = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    let (plain, encrypted): (i64, i64) = {
        let r = admin
            .query_one(
                "SELECT count(*) FILTER (WHERE NOT s.ssl), count(*) FILTER (WHERE s.ssl)
                 FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                 WHERE a.datname = $1 AND a.pid <> pg_backend_pid()",
                &[&name],
            )
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert!(
        encrypted >= 1 && plain == 0,
        "{encrypted} encrypted, {plain} plain"
    );
    drop(central);

    // The test authority of the API's own certificates is not PostgreSQL's.
    let wrong = counter_server::DbOptions {
        pool: 1,
        ca: Some(tls_dir().join("ca.pem")),
    };
    let refused = Central::open_with(&url, keys(), &wrong)
        .err()
        .expect("opened");
    let said = refused.to_string();
    assert!(said.contains("无法连接 PostgreSQL"), "{said}");
    assert!(said.to_lowercase().contains("certificate"), "{said}");
}
