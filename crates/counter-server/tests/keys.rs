//! The server's keys: kept in their own directory (secret files 0600), a database of an
//! earlier version is sealed and its signing key moved out when this version opens it, a
//! key directory that is not the database's is refused at start, and `keys init` is
//! idempotent with a pin that survives a certificate renewal.

use counter_core::proto::hex;
use counter_server::{Central, Keys};

#[test]
fn keys_init_makes_what_is_missing_and_the_pin_survives_a_renewal() {
    let dir = tempfile::tempdir().unwrap();
    let k = dir.path().join("keys");
    let hosts = vec!["counter.example.cn".to_string(), "10.1.2.3".to_string()];
    let made = counter_server::init_tls(&k, &hosts, false).unwrap();
    assert!(made.authority && made.certificate);
    let pin = Keys::open(&k).unwrap().trust().pin();
    let again = counter_server::init_tls(&k, &hosts, false).unwrap();
    assert!(!again.authority && !again.certificate);
    let cert = std::fs::read(k.join("server.pem")).unwrap();
    let renewed = counter_server::init_tls(&k, &hosts, true).unwrap();
    assert!(!renewed.authority && renewed.certificate);
    assert_ne!(std::fs::read(k.join("server.pem")).unwrap(), cert);
    assert_eq!(Keys::open(&k).unwrap().trust().pin(), pin);
    // The authority's key kept offline, as the operator is told: a renewal asks for it back
    // instead of making a new authority (which every counter would refuse).
    let ca = std::fs::read(k.join("ca.pem")).unwrap();
    std::fs::rename(k.join("ca.key"), dir.path().join("ca.key.offline")).unwrap();
    let e = counter_server::init_tls(&k, &hosts, true).unwrap_err();
    assert!(e.to_string().contains("ca.key 放回"), "{e}");
    assert_eq!(std::fs::read(k.join("ca.pem")).unwrap(), ca);
    assert!(!k.join("ca.key").exists());
    std::fs::rename(dir.path().join("ca.key.offline"), k.join("ca.key")).unwrap();
    // No host name, no certificate; said in words.
    let e = counter_server::init_tls(&dir.path().join("other"), &[], false).unwrap_err();
    assert!(e.to_string().contains("--host"), "{e}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["signing.key", "data.key", "ca.key", "server.key"] {
            let mode = std::fs::metadata(k.join(f)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{f}");
        }
    }
}

#[test]
fn a_database_of_an_earlier_version_is_sealed_and_gives_up_its_signing_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let url = db.to_str().unwrap().to_string();
    // An earlier version's database: the signing key in `meta`, bodies in clear, an
    // unkeyed applicant hash.
    drop(Central::open(&url, Keys::ephemeral()).unwrap());
    let legacy = [7u8; 32];
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(&format!(
        "DELETE FROM meta;
         INSERT INTO meta (key, value) VALUES ('signing_key', '{}');
         INSERT INTO devices (id, point, key_hash) VALUES ('d1', '3211', 'x');
         INSERT INTO events (device, seq, id, case_no, kind, body) VALUES
           ('d1', 1, 'e1', '3211-20250926-0001', 'opened', '{{\"id_number\":\"11010519491231002X\"}}');
         INSERT INTO changes (point, case_no, status, by, body) VALUES
           ('3211', '3211-20250926-0001', 'event', 'x', '{{\"name\":\"张三\"}}');",
        hex(&legacy)
    ))
    .unwrap();
    drop(conn);
    let keys_dir = dir.path().join("keys");
    let central = Central::open(&url, Keys::open(&keys_dir).unwrap()).unwrap();
    // The key counters pinned is the one in use, now in the key file, and gone from the
    // database.
    assert_eq!(
        central.trust().public_key,
        counter_core::proto::public_key(&legacy)
    );
    assert_eq!(
        std::fs::read_to_string(keys_dir.join("signing.key")).unwrap(),
        hex(&legacy)
    );
    drop(central);
    let bytes = std::fs::read(&db).unwrap();
    let wal = std::fs::read(dir.path().join("c.db-wal")).unwrap_or_default();
    for hay in [&bytes, &wal] {
        for needle in ["11010519491231002X", "张三", &hex(&legacy)] {
            assert!(
                !hay.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle}"
            );
        }
    }
    // Opening again changes nothing and needs the same key directory.
    Central::open(&url, Keys::open(&keys_dir).unwrap()).unwrap();
    let e = Central::open(&url, Keys::open(&dir.path().join("wrong")).unwrap())
        .err()
        .unwrap();
    assert!(e.to_string().contains("密钥目录不是这个数据库的"), "{e}");
}

/// The operator's verbs as run: `keys-init` prints the fingerprint, `enroll-code` prints a pass
/// that carries it, and `serve` refuses to speak plain HTTP beyond loopback.
#[test]
fn the_operator_verbs_print_the_pin_and_serve_refuses_plain_http_on_the_network() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_counter-server"))
            .arg("--keys")
            .arg(dir.path().join("keys"))
            .arg("--db")
            .arg(format!("sqlite:{}", dir.path().join("c.db").display()))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (ok, _, err) = run(&["serve", "--listen", "0.0.0.0:0"]);
    assert!(!ok);
    assert!(err.contains("未配置 TLS 证书"), "{err}");
    let (ok, out, err) = run(&["keys-init", "--host", "localhost"]);
    assert!(ok, "{err}");
    let pin = out
        .lines()
        .last()
        .unwrap()
        .rsplit('：')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(pin.len(), 32, "{out}");
    let (ok, pass, err) = run(&["enroll-code", "--point", "3211"]);
    assert!(ok, "{err}");
    let read = counter_core::trust::EnrolmentPass::parse(pass.trim()).unwrap();
    assert_eq!(read.pin, pin);
    let (ok, shown, _) = run(&["keys-show"]);
    assert!(ok && shown.contains(&pin), "{shown}");
}

/// A lost `signing.key` is noticed at start (a new one would sign what no counter accepts),
/// and a rotation stopped between its steps is finished or dropped at the next start.
#[test]
fn a_lost_signing_key_stops_the_start_and_an_interrupted_rotation_is_settled() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("c.db").to_str().unwrap().to_string();
    let k = dir.path().join("keys");
    let mut central = Central::open(&url, Keys::open(&k).unwrap()).unwrap();
    let pinned = central.trust().public_key;
    drop(central);
    let kept = std::fs::read(k.join("signing.key")).unwrap();
    std::fs::remove_file(k.join("signing.key")).unwrap();
    let e = Central::open(&url, Keys::open(&k).unwrap()).err().unwrap();
    assert!(e.to_string().contains("请从备份恢复 signing.key"), "{e}");
    std::fs::write(k.join("signing.key"), &kept).unwrap();
    central = Central::open(&url, Keys::open(&k).unwrap()).unwrap();
    assert_eq!(central.trust().public_key, pinned);
    // A `signing.next` the database never took (the stop came before the commit): dropped.
    std::fs::write(k.join("signing.next"), hex(&[9u8; 32])).unwrap();
    drop(central);
    let mut central = Central::open(&url, Keys::open(&k).unwrap()).unwrap();
    assert!(!k.join("signing.next").exists());
    assert_eq!(central.trust().public_key, pinned);
    // A rotation that committed but stopped before `signing.key` was replaced: finished.
    let new = central.rotate_signing_key(true).unwrap();
    drop(central);
    std::fs::copy(k.join("signing.key"), k.join("signing.next")).unwrap();
    std::fs::write(k.join("signing.key"), &kept).unwrap();
    let central = Central::open(&url, Keys::open(&k).unwrap()).unwrap();
    assert_eq!(central.trust().public_key, new);
    assert!(!k.join("signing.next").exists());
}
