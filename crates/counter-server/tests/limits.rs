//! The server under abuse, on loopback: a thousand idle connections and a client that sends
//! its headers a byte at a time do not stop a real request; an enrolment flood is limited; a
//! bad request of any kind is answered as `{code, message}`; an old enrolment code is refused.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use counter_server::Central;

fn server() -> (tempfile::TempDir, Central, SocketAddr) {
    let dir = tempfile::tempdir().unwrap();
    let central = Central::open(
        dir.path().join("c.db").to_str().unwrap(),
        counter_server::Keys::ephemeral(),
    )
    .unwrap();
    let addr = counter_server::spawn(central.clone(), "127.0.0.1:0".parse().unwrap()).unwrap();
    (dir, central, addr)
}

/// One raw HTTP/1.1 request; (status, body).
fn request(addr: SocketAddr, method: &str, path: &str, headers: &str, body: &str) -> (u16, String) {
    request_after(addr, "", method, path, headers, body)
}

/// One raw HTTP/1.1 request after `prefix` (a PROXY protocol header); (status, body), status
/// 0 when the connection closed without an answer.
fn request_after(
    addr: SocketAddr,
    prefix: &str,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(prefix.as_bytes()).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n{headers}\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

/// The bearer token of an enrolment answer.
fn token(answer: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(answer).unwrap();
    format!(
        "{}.{}",
        v["device_id"].as_str().unwrap(),
        v["key"].as_str().unwrap()
    )
}

#[test]
fn idle_connections_and_slow_headers_do_not_stop_a_request() {
    let (_dir, central, addr) = server();
    let code = central.enroll_code("3211", None, None).unwrap();
    // A thousand connections that never say anything, and one that trickles its headers.
    let idle: Vec<TcpStream> = (0..1000)
        .filter_map(|_| TcpStream::connect(addr).ok())
        .collect();
    assert!(idle.len() >= 900, "{} idle connections opened", idle.len());
    let slow = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        for b in b"POST /v1/enroll HTTP/1.1\r\nhost: x\r\n" {
            if s.write_all(&[*b]).is_err() {
                return true; // closed by the server
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        false
    });
    // A device enrols and pushes meanwhile: both are served within the client's usual
    // timeout.
    let started = Instant::now();
    let (status, body) = request(
        addr,
        "POST",
        "/v1/enroll",
        "content-type: application/json\r\n",
        &format!(r#"{{"code": "{code}", "device_name": "窗口一"}}"#),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = request(
        addr,
        "POST",
        "/v1/events",
        &format!(
            "content-type: application/json\r\nauthorization: Bearer {}\r\n",
            token(&body)
        ),
        r#"{"events": []}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "served after {:?}",
        started.elapsed()
    );
    assert!(slow.join().unwrap(), "the slow client was cut off");
    drop(idle);
}

#[test]
fn over_the_configured_cap_a_connection_waits_until_one_ends() {
    let dir = tempfile::tempdir().unwrap();
    let central = Central::open(
        dir.path().join("c.db").to_str().unwrap(),
        counter_server::Keys::ephemeral(),
    )
    .unwrap()
    .capping_connections(3);
    let addr = counter_server::spawn(central, "127.0.0.1:0".parse().unwrap()).unwrap();
    let idle: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(300));
    // A fourth connection is taken by the kernel but not served while the three are open.
    let waiting = std::thread::spawn(move || {
        let started = Instant::now();
        let answer = request(addr, "GET", "/v1/trust", "", "");
        (answer, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!waiting.is_finished(), "served over the cap of three");
    drop(idle);
    let ((status, _), waited) = waiting.join().unwrap();
    assert_eq!(status, 200);
    assert!(waited >= Duration::from_millis(1500), "{waited:?}");
}

#[test]
fn an_enrolment_flood_is_limited() {
    let (_dir, _central, addr) = server();
    let answers: Vec<u16> = (0..15)
        .map(|_| {
            request(
                addr,
                "POST",
                "/v1/enroll",
                "content-type: application/json\r\n",
                r#"{"code": "000000000000"}"#,
            )
            .0
        })
        .collect();
    assert_eq!(&answers[..10], &[400; 10], "{answers:?}");
    assert_eq!(&answers[10..], &[429; 5], "{answers:?}");
}

#[test]
fn failed_authentication_is_limited_per_credential_and_per_address() {
    let (_dir, _central, addr) = server();
    let get = |auth: &str| request(addr, "GET", "/v1/changes", auth, "").0;
    // One credential failing again and again: limited after five.
    let same: Vec<u16> = (0..8)
        .map(|_| get("authorization: Bearer a.b\r\n"))
        .collect();
    assert_eq!(same, [401, 401, 401, 401, 401, 429, 429, 429]);
    // Many credentials from one address: limited after twenty failures in all.
    let many: Vec<u16> = (0..16)
        .map(|i| get(&format!("authorization: Bearer a{i}.b\r\n")))
        .collect();
    assert!(many[..12].iter().all(|s| *s == 401), "{many:?}");
    assert!(many[12..].iter().all(|s| *s == 429), "{many:?}");
    // No credential at all is 401, never 429.
    assert_eq!(get(""), 401);
}

/// Behind a load balancer every client has the balancer's address: with the balancer trusted
/// (`serve --trusted-proxy`), the limits count each client by the address the balancer adds to
/// `X-Forwarded-For`, so one PC failing does not lock out the others; a client's own header is
/// never believed from anyone else (here: nobody is trusted, so it is ignored).
#[test]
fn behind_a_trusted_balancer_each_client_is_counted_by_its_own_address() {
    let dir = tempfile::tempdir().unwrap();
    let open = |file: &str| {
        Central::open(
            dir.path().join(file).to_str().unwrap(),
            counter_server::Keys::ephemeral(),
        )
        .unwrap()
    };
    let balanced = open("balanced.db").trusting_proxies(vec!["127.0.0.0/8".parse().unwrap()]);
    let behind = counter_server::spawn(balanced, "127.0.0.1:0".parse().unwrap()).unwrap();
    let get = |addr, from: &str, i: usize| {
        let h = format!("x-forwarded-for: {from}\r\nauthorization: Bearer a{i}.b\r\n");
        request(addr, "GET", "/v1/changes", &h, "").0
    };
    // One PC behind the balancer fails with many credentials: it alone is limited.
    let one: Vec<u16> = (0..24).map(|i| get(behind, "203.0.113.7", i)).collect();
    assert!(one[..20].iter().all(|s| *s == 401), "{one:?}");
    assert!(one[20..].iter().all(|s| *s == 429), "{one:?}");
    // Another PC of the hall, through the same balancer, is not.
    assert_eq!(get(behind, "203.0.113.8", 100), 401);
    // A client's own header, passed on by the balancer: the balancer's entry counts.
    assert_eq!(get(behind, "198.51.100.1, 203.0.113.9", 101), 401);
    assert_eq!(get(behind, "203.0.113.8, 203.0.113.7", 102), 429);

    // Nobody trusted: the header is ignored and every request is the peer's (loopback).
    let direct = counter_server::spawn(open("direct.db"), "127.0.0.1:0".parse().unwrap()).unwrap();
    let spoofed: Vec<u16> = (0..24)
        .map(|i| get(direct, &format!("203.0.113.{i}"), i))
        .collect();
    assert!(spoofed[20..].iter().all(|s| *s == 429), "{spoofed:?}");
}

#[test]
fn behind_a_tcp_balancer_the_proxy_header_names_each_client() {
    let dir = tempfile::tempdir().unwrap();
    let central = Central::open(
        dir.path().join("c.db").to_str().unwrap(),
        counter_server::Keys::ephemeral(),
    )
    .unwrap()
    .trusting_proxies(vec!["127.0.0.0/8".parse().unwrap()])
    .reading_proxy_protocol();
    let addr = counter_server::spawn(central, "127.0.0.1:0".parse().unwrap()).unwrap();
    let get = |header: &str, extra: &str, i: usize| {
        let h = format!("{extra}authorization: Bearer a{i}.b\r\n");
        request_after(addr, header, "GET", "/v1/changes", &h, "").0
    };
    let from = |ip: &str| format!("PROXY TCP4 {ip} 10.0.0.1 51000 443\r\n");
    // One PC fails with many credentials: it alone is limited.
    let one: Vec<u16> = (0..24).map(|i| get(&from("203.0.113.7"), "", i)).collect();
    assert!(one[..20].iter().all(|s| *s == 401), "{one:?}");
    assert!(one[20..].iter().all(|s| *s == 429), "{one:?}");
    // Another PC is not; nor does the client's own X-Forwarded-For make it the first.
    assert_eq!(
        get(
            &from("203.0.113.8"),
            "x-forwarded-for: 203.0.113.7\r\n",
            100
        ),
        401
    );
    // Version 2, binary.
    let v2 = ppp::v2::Builder::with_addresses(
        ppp::v2::Version::Two | ppp::v2::Command::Proxy,
        ppp::v2::Protocol::Stream,
        (
            "203.0.113.7:51000".parse::<SocketAddr>().unwrap(),
            "10.0.0.1:443".parse::<SocketAddr>().unwrap(),
        ),
    )
    .build()
    .unwrap();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(&v2).unwrap();
    s.write_all(b"GET /v1/changes HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer z.z\r\n\r\n").unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 429"), "{out}");
    // The balancer's connection without a header is closed unanswered.
    assert_eq!(get("", "", 101), 0);
    assert_eq!(get("PROXY TCP4 garbage\r\n", "", 102), 0);
}

#[test]
fn every_bad_request_is_answered_as_code_and_message() {
    let (_dir, _central, addr) = server();
    let cases = [
        (
            "POST",
            "/v1/enroll",
            "content-type: application/json\r\n",
            "{not json",
            400,
        ),
        (
            "POST",
            "/v1/enroll",
            "content-type: text/plain\r\n",
            "{}",
            415,
        ),
        (
            "POST",
            "/v1/enroll",
            "content-type: application/json\r\n",
            r#"{"code": 7}"#,
            400,
        ),
        ("GET", "/v1/nowhere", "", "", 404),
        ("DELETE", "/v1/enroll", "", "", 405),
    ];
    for (method, path, headers, body, want) in cases {
        let (status, text) = request(addr, method, path, headers, body);
        assert_eq!(status, want, "{method} {path}: {text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}"));
        assert!(v["code"].is_string() && v["message"].is_string(), "{text}");
    }
    // Too large for an enrolment.
    let big = format!(r#"{{"code": "{}"}}"#, "x".repeat(20_000));
    let (status, text) = request(
        addr,
        "POST",
        "/v1/enroll",
        "content-type: application/json\r\n",
        &big,
    );
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("\"code\":\"too_large\""), "{text}");
}

#[test]
fn an_old_enrolment_code_is_refused() {
    let (dir, central, addr) = server();
    let code = central.enroll_code("3211", None, None).unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("c.db")).unwrap();
    conn.execute(
        "UPDATE enroll_codes SET issued_at = '2020-01-01T00:00:00' WHERE code = ?1",
        [code.split('-').next().unwrap()],
    )
    .unwrap();
    let (status, text) = request(
        addr,
        "POST",
        "/v1/enroll",
        "content-type: application/json\r\n",
        &format!(r#"{{"code": "{code}"}}"#),
    );
    assert_eq!(status, 400);
    assert!(text.contains("注册码已过期"), "{text}");
}

/// A push of one opening, as a counter sends it.
const PUSH: &str = r#"{"events":[{"seq":1,"id":"01a22de0-fec7-7324-8a8f-dddd4f022c17","case_no":"3211-20250926-0001","event":{"at":"2025-09-26T09:00:00","clerk":"王芳","event":"opened","catalog":"national","edition":"附件1","item":"002036006002","point":"3211","applicant":{"kind":"person","name":"张三","id_type":"resident_id","id_number":"11010519491231002X","phone":null},"agent":null,"answers":{}}}]}"#;

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 96, .. Default::default() })]

    /// A push body cut, spliced or garbled anywhere: never a 5xx, every refusal is
    /// `{code, message}`, and the device's real push still goes through afterwards.
    #[test]
    fn a_garbled_push_is_answered_in_words_and_breaks_nothing(
        edits in proptest::collection::vec((0usize..PUSH.len(), 0usize..8, ".{0,6}"), 1..4),
    ) {
        static SERVER: std::sync::OnceLock<(tempfile::TempDir, Central, SocketAddr, String)> =
            std::sync::OnceLock::new();
        let (_, _, addr, auth) = SERVER.get_or_init(|| {
            let (dir, central, addr) = server();
            let code = central.enroll_code("3211", None, None).unwrap();
            let (_, body) = request(addr, "POST", "/v1/enroll", "content-type: application/json\r\n",
                &format!(r#"{{"code": "{code}"}}"#));
            let auth = format!("content-type: application/json\r\nauthorization: Bearer {}\r\n", token(&body));
            (dir, central, addr, auth)
        });
        let mut body: Vec<char> = PUSH.chars().collect();
        for (at, cut, insert) in edits {
            let at = at.min(body.len());
            let end = (at + cut).min(body.len());
            body.splice(at..end, insert.chars());
        }
        let body: String = body.into_iter().collect();
        let (status, answer) = request(*addr, "POST", "/v1/events", auth, &body);
        proptest::prop_assert!(status != 0 && status < 500, "{status} {answer} for {body}");
        if status != 200 {
            let e: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
            proptest::prop_assert!(e["code"].is_string() && e["message"].is_string(), "{answer}");
        }
        // Nothing garbled breaks the server: it answers the device's next request, in words.
        // (A garbled push that puts another event under a sequence the device already used
        // stops the device as a copied one: 403 with the reason.)
        let (status, answer) = request(*addr, "GET", "/v1/device", auth, "");
        proptest::prop_assert!(
            status == 200 || (status == 403 && answer.contains("\"code\":\"cloned\"")),
            "{} {}", status, answer
        );
    }
}
