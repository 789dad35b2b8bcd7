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
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
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
    // A device enrols meanwhile: it is served within the client's usual timeout.
    let started = Instant::now();
    let (status, body) = request(
        addr,
        "POST",
        "/v1/enroll",
        "content-type: application/json\r\n",
        &format!(r#"{{"code": "{code}", "device_name": "窗口一"}}"#),
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
fn failed_authentication_is_limited() {
    let (_dir, _central, addr) = server();
    let answers: Vec<u16> = (0..25)
        .map(|_| {
            request(
                addr,
                "GET",
                "/v1/changes",
                "authorization: Bearer a.b\r\n",
                "",
            )
            .0
        })
        .collect();
    assert!(answers[..20].iter().all(|s| *s == 401), "{answers:?}");
    assert!(answers[20..].iter().all(|s| *s == 429), "{answers:?}");
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
