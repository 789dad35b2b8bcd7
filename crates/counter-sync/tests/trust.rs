//! Trust and transport: a counter enrols only with the server its pass names (authority and
//! signing key, pinned), then trusts that authority alone; plain HTTP goes to loopback only;
//! a new signing key is followed only when the old key announced it; an export opens only
//! with the key of the device it names; and no ID number rests in clear in the server's
//! database.

use counter_core::proto::RemoteStatus;
use counter_server::{Central, Keys};
use counter_sync::{sync_now, SyncError};
use counter_testkit::prelude::*;

both!(
    an_export_opens_only_as_the_device_it_names,
    a_pinned_counter_refuses_a_server_with_another_certificate_or_key,
    a_new_signing_key_is_followed_only_as_the_old_key_announced_it,
    no_id_number_rests_in_clear_in_the_central_database
);

const ID: &str = "11010519491231002X";

/// Another authority's certificate for the same names: what an impostor on the network shows.
fn impostor_keys() -> Keys {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        counter_server::init_tls(d.path(), &["localhost".into(), "127.0.0.1".into()], false)
            .unwrap();
        d
    });
    Keys::ephemeral().with_tls(dir.path()).unwrap()
}

fn a_pinned_counter_refuses_a_server_with_another_certificate_or_key(backend: Backend) {
    let Running {
        dir,
        db: _db,
        central,
        server,
    } = running(backend);
    let mut s = store(dir.path(), "point");
    offline_cases(&mut s, "3211", 2);
    // Another certificate (another authority): the pass's pin does not match, so the code
    // itself is never sent.
    let impostor_db = CentralDb::new(&dir.path().join("x"), Backend::Sqlite);
    std::fs::create_dir_all(dir.path().join("x")).unwrap();
    let impostor = Central::open(&impostor_db.url, impostor_keys()).unwrap();
    let fake = Server::start(impostor.clone(), None);
    let pass = central.enroll_code("3211", Some("E"), None).unwrap();
    let e = counter_sync::enroll(&mut s, &fake.url(), &pass, "x").unwrap_err();
    assert!(matches!(e, SyncError::Trust(_)), "{e}");
    assert!(e.to_string().contains("指纹不符"), "{e}");
    assert!(s.sync_link().unwrap().is_none());
    // The same authority but another signing key (a server holding a copy of the
    // certificate): refused as well.
    let other_key_db = CentralDb::new(&dir.path().join("y"), Backend::Sqlite);
    std::fs::create_dir_all(dir.path().join("y")).unwrap();
    let other = Server::start(Central::open(&other_key_db.url, keys()).unwrap(), None);
    let e = counter_sync::enroll(&mut s, &other.url(), &pass, "x").unwrap_err();
    assert!(e.to_string().contains("指纹不符"), "{e}");
    // A bare code (no pin) and a mistyped pin are refused in words before any request.
    let bare = pass.split('-').next().unwrap();
    let e = counter_sync::enroll(&mut s, &server.url(), bare, "x").unwrap_err();
    assert!(e.to_string().contains("注册码不完整"), "{e}");
    // The genuine server: enrolled, and everything syncs over HTTPS.
    counter_sync::enroll(&mut s, &server.url(), &pass, "x").unwrap();
    assert!(server.url().starts_with("https://"));
    assert_eq!(sync_now(&mut s, quick()).unwrap().pushed, 12);
    // Later the network sends the counter to the impostor: refused at the handshake, in
    // words, without a retry, and nothing leaves the outbox or arrives there.
    offline_cases(&mut s, "3211", 1);
    let link = s.sync_link().unwrap().unwrap();
    s.set_enrollment(&fake.url(), &link.device_id, &link.key, &link.point)
        .unwrap();
    let started = std::time::Instant::now();
    let e = sync_now(&mut s, quick()).unwrap_err();
    assert!(matches!(e, SyncError::Trust(_)), "{e}");
    assert!(
        e.to_string().contains("不是注册时钉住的证书机构签发的"),
        "{e}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(s.outbox_len().unwrap(), 6);
    assert_eq!(impostor.counts().unwrap().0, 0);
    // Back to the genuine server: the rest arrives.
    s.set_enrollment(&server.url(), &link.device_id, &link.key, &link.point)
        .unwrap();
    // (set_enrollment starts the pull cursor again; the pins stay.)
    assert_eq!(sync_now(&mut s, quick()).unwrap().pushed, 6);
    assert_eq!(central.counts().unwrap().0, 18);
    fake.stop();
    other.stop();
    server.stop();
}

/// The pinned authority's certificate, but not for the address dialled (a clerk typed the
/// IP where the certificate names the host): refused, and said so, not as an impostor.
#[test]
fn a_certificate_for_another_name_is_refused_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let tls = dir.path().join("keys");
    counter_server::init_tls(&tls, &["localhost".into()], false).unwrap();
    let central = Central::open(
        dir.path().join("c.db").to_str().unwrap(),
        Keys::ephemeral().with_tls(&tls).unwrap(),
    )
    .unwrap();
    let server = Server::start(central.clone(), None);
    let mut s = store(dir.path(), "point");
    enroll(&mut s, &central, &server, "3211");
    offline_cases(&mut s, "3211", 1);
    let link = s.sync_link().unwrap().unwrap();
    let by_address = format!("https://127.0.0.1:{}", server.addr.port());
    s.set_enrollment(&by_address, &link.device_id, &link.key, &link.point)
        .unwrap();
    let e = sync_now(&mut s, quick()).unwrap_err();
    assert!(e.to_string().contains("证书不包含地址"), "{e}");
    assert_eq!(s.outbox_len().unwrap(), 6);
    server.stop();
}

#[test]
fn plain_http_goes_to_this_machine_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path(), "point");
    for url in [
        "http://192.0.2.7:8750",
        "http://counter.example.cn",
        "ftp://192.0.2.7",
    ] {
        let e = counter_sync::enroll(
            &mut s,
            url,
            "3f9a0c51d2e4-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA",
            "x",
        )
        .unwrap_err();
        assert!(matches!(e, SyncError::Trust(_)), "{url}: {e}");
        assert!(e.to_string().contains(url), "{e}");
    }
    assert!(counter_sync::check_address("http://127.0.0.1:8750").is_ok());
    assert!(counter_sync::check_address("http://localhost:8750").is_ok());
    assert!(counter_sync::check_address("http://[::1]:8750").is_ok());
    assert!(counter_sync::check_address("https://counter.example.cn").is_ok());
    // A store enrolled by an earlier version with a plain address elsewhere: refused at
    // once, the outbox kept.
    offline_cases(&mut s, "3211", 1);
    s.set_enrollment("http://192.0.2.7:8750", "dev", "key", "3211")
        .unwrap();
    let started = std::time::Instant::now();
    let e = sync_now(&mut s, quick()).unwrap_err();
    assert!(e.to_string().contains("明文"), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(s.outbox_len().unwrap(), 6);
    // An https address with no authority pinned (enrolled before pinning existed).
    s.set_enrollment("https://counter.example.cn", "dev", "key", "3211")
        .unwrap();
    let e = sync_now(&mut s, quick()).unwrap_err();
    assert!(e.to_string().contains("重新注册"), "{e}");
}

/// A server that shows the genuine trust but swaps the signing key (a proxy replacing it):
/// the pin does not match, and the counter does not enrol.
#[test]
fn a_swapped_signing_key_at_enrolment_is_refused() {
    fn answer(path: &str) -> String {
        if path.starts_with("/v1/trust") {
            r#"{"ca_pem":null,"public_key":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}"#.into()
        } else {
            r#"{"device_id":"d","key":"k","point":"3211","public_key":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}"#.into()
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let central =
        Central::open(dir.path().join("c.db").to_str().unwrap(), Keys::ephemeral()).unwrap();
    let pass = central.enroll_code("3211", None, None).unwrap();
    let url = fake_server(answer);
    let mut s = store(dir.path(), "point");
    let e = counter_sync::enroll(&mut s, &url, &pass, "x").unwrap_err();
    assert!(e.to_string().contains("指纹不符"), "{e}");
    assert!(s.sync_link().unwrap().is_none());
}

fn a_new_signing_key_is_followed_only_as_the_old_key_announced_it(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let mut central = Central::open(&db.url, keys()).unwrap();
    let server = Server::start(central.clone(), None);
    let mut early = store(dir.path(), "early");
    enroll(&mut early, &central, &server, "3211");
    let calendar = counter_core::bundled::CALENDAR_FILE.1;
    central.publish("calendar", calendar).unwrap();
    assert_eq!(sync_now(&mut early, quick()).unwrap().snapshots, 1);
    let old_key = early.server_key().unwrap().unwrap();
    // Rotation (the operator restarts the server after it).
    let addr = server.stop();
    let new_key = central.rotate_signing_key(true).unwrap();
    assert_ne!(new_key, old_key);
    let server = Server::start(central.clone(), Some(addr));
    central.publish("calendar", calendar).unwrap();
    let r = sync_now(&mut early, quick()).unwrap();
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    assert_eq!(r.snapshots, 1);
    assert!(
        r.notes.iter().any(|n| n.contains("更换了签名密钥")),
        "{:?}",
        r.notes
    );
    assert_eq!(
        early.server_key().unwrap().as_deref(),
        Some(new_key.as_str())
    );
    assert_eq!(
        early.trusted_keys().unwrap(),
        vec![new_key.clone(), old_key.clone()]
    );
    assert_eq!(early.snapshot_version("calendar", "calendar").unwrap(), 2);
    early.calendar().unwrap().unwrap();
    // A counter enrolled after the rotation pins the new key and takes every edition.
    let mut late = store(dir.path(), "late");
    enroll(&mut late, &central, &server, "3212");
    let r = sync_now(&mut late, quick()).unwrap();
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    assert_eq!(late.trusted_keys().unwrap(), vec![new_key.clone()]);
    // A counter enrolled after two rotations starts the chain at the key it pinned, and
    // follows the third.
    let addr = server.stop();
    let second = central.rotate_signing_key(true).unwrap();
    let server = Server::start(central.clone(), Some(addr));
    let mut later = store(dir.path(), "later");
    enroll(&mut later, &central, &server, "3213");
    let r = sync_now(&mut later, quick()).unwrap();
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    let addr = server.stop();
    let third = central.rotate_signing_key(true).unwrap();
    let server = Server::start(central.clone(), Some(addr));
    let r = sync_now(&mut later, quick()).unwrap();
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    assert_eq!(
        later.trusted_keys().unwrap(),
        vec![third.clone(), second.clone()]
    );
    // The early counter follows two at once.
    let r = sync_now(&mut early, quick()).unwrap();
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    assert_eq!(early.server_key().unwrap().as_deref(), Some(third.as_str()));
    early.calendar().unwrap().unwrap();
    let new_key = third;
    // A forged announcement (not signed by the current key) is refused; the key stays.
    let addr = server.stop();
    central.rotate_signing_key(true).unwrap();
    central
        .tamper(
            counter_core::proto::KEY_ANNOUNCEMENT,
            counter_core::proto::KEY_ANNOUNCEMENT,
            &"ab".repeat(32),
        )
        .unwrap();
    let server = Server::start(central.clone(), Some(addr));
    let r = sync_now(&mut early, quick()).unwrap();
    assert_eq!(r.refused.len(), 1, "{:?}", r.refused);
    assert_eq!(
        early.server_key().unwrap().as_deref(),
        Some(new_key.as_str())
    );
    // The old key may have leaked: a new key with no announcement. The counter enrols again
    // with a new pass, and takes the re-signed editions it already had.
    let addr = server.stop();
    let clean = central.rotate_signing_key(false).unwrap();
    let server = Server::start(central.clone(), Some(addr));
    enroll(&mut early, &central, &server, "3211");
    assert_eq!(
        early
            .verified_snapshot_version("calendar", "calendar")
            .unwrap(),
        0
    );
    let r = sync_now(&mut early, quick()).unwrap();
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    assert_eq!(r.snapshots, 1);
    assert_eq!(early.trusted_keys().unwrap(), vec![clean]);
    early.calendar().unwrap().unwrap();
    server.stop();
}

/// After cases are pushed, passed between points and decided centrally, the applicant's ID
/// number (and name) appear in no file of a SQLite central store, and in no row of a
/// PostgreSQL one.
fn no_id_number_rests_in_clear_in_the_central_database(backend: Backend) {
    let Running {
        dir,
        db,
        central,
        server,
    } = running(backend);
    let mut s = store(dir.path(), "point");
    let cases = offline_cases(&mut s, "3211", 3);
    enroll(&mut s, &central, &server, "3211");
    sync_now(&mut s, quick()).unwrap();
    central
        .decide(
            &cases[0],
            RemoteStatus::Completed,
            None,
            "李审核",
            decided(),
        )
        .unwrap();
    // A return reason that names the applicant, as reviewers write them.
    central
        .decide(
            &cases[1],
            RemoteStatus::Returned,
            Some(&format!("张三的身份证 {ID} 复印件不清晰")),
            "李审核",
            decided(),
        )
        .unwrap();
    sync_now(&mut s, quick()).unwrap();
    assert!(s
        .case(&cases[1])
        .unwrap()
        .reason
        .unwrap()
        .contains("复印件不清晰"));
    // Export and import of an outbox: the file is sealed too.
    offline_cases(&mut s, "3211", 1);
    let out = dir.path().join("export.json");
    counter_sync::export(&s, &out).unwrap();
    let file = std::fs::read_to_string(&out).unwrap();
    assert!(!file.contains(ID) && !file.contains("张三"), "{file}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    central.import(&file).unwrap();
    server.stop();
    match backend {
        Backend::Sqlite => {
            let path = db.url.strip_prefix("sqlite:").unwrap();
            let mut seen = 0;
            for f in std::fs::read_dir(std::path::Path::new(path).parent().unwrap()).unwrap() {
                let f = f.unwrap().path();
                let name = f.file_name().unwrap().to_string_lossy().to_string();
                if name.starts_with("central.db") {
                    let bytes = std::fs::read(&f).unwrap();
                    seen += bytes.len();
                    for needle in [ID, "张三"] {
                        assert!(
                            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                            "{needle} in clear in {name}"
                        );
                    }
                }
            }
            assert!(seen > 0);
        }
        Backend::Postgres => {
            let mut pg = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
            let tables: Vec<String> = pg
                .query(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
                    &[],
                )
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            assert!(tables.contains(&"events".to_string()));
            // Nor in PostgreSQL's own log (it logs failing statements).
            for f in std::fs::read_dir("/var/log/postgresql")
                .into_iter()
                .flatten()
                .flatten()
            {
                let text = std::fs::read(f.path()).unwrap_or_default();
                assert!(
                    !text.windows(ID.len()).any(|w| w == ID.as_bytes()),
                    "{ID} in clear in {}",
                    f.path().display()
                );
            }
            for t in tables {
                for row in pg
                    .query(&format!("SELECT t::text FROM {t} t"), &[])
                    .unwrap()
                {
                    let text: String = row.get(0);
                    for needle in [ID, "张三"] {
                        assert!(!text.contains(needle), "{needle} in clear in {t}: {text}");
                    }
                }
            }
        }
    }
}

/// A USB export is imported only as the device whose key sealed it: relabelled as another
/// device, altered, or not an export at all, it is refused and nothing is stored.
fn an_export_opens_only_as_the_device_it_names(backend: Backend) {
    let Running {
        dir,
        db: _db,
        central,
        server,
    } = running(backend);
    let (mut a, mut b) = (store(dir.path(), "a"), store(dir.path(), "b"));
    enroll(&mut a, &central, &server, "3211");
    enroll(&mut b, &central, &server, "3212");
    offline_cases(&mut a, "3211", 2);
    let out = dir.path().join("a.json");
    counter_sync::export(&a, &out).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let mut file: serde_json::Value = serde_json::from_str(&text).unwrap();
    let b_id = b.sync_link().unwrap().unwrap().device_id;
    file["device_id"] = b_id.clone().into();
    let e = central.import(&file.to_string()).unwrap_err();
    assert!(
        e.to_string().contains(&format!("不是设备 {b_id} 生成的")),
        "{e}"
    );
    let mut altered = text.clone().into_bytes();
    let at = altered.len() - 10;
    altered[at] = if altered[at] == b'0' { b'1' } else { b'0' };
    let e = central
        .import(std::str::from_utf8(&altered).unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("已被改动"), "{e}");
    let e = central
        .import("{\"device_id\":\"x\",\"events\":[]}")
        .unwrap_err();
    assert!(e.to_string().contains("不是 Counter 的导出文件"), "{e}");
    assert_eq!(central.counts().unwrap().0, 0);
    let r = central.import(&text).unwrap();
    assert_eq!((r.acked_through, r.rejected.len()), (12, 0));
    assert_eq!(central.counts().unwrap().0, 12);
    // A revoked device (a stolen PC still holds its key): its files are refused.
    offline_cases(&mut a, "3211", 1);
    counter_sync::export(&a, &out).unwrap();
    central
        .revoke(&a.sync_link().unwrap().unwrap().device_id)
        .unwrap();
    let e = central
        .import(&std::fs::read_to_string(&out).unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("已在中心停用"), "{e}");
    assert_eq!(central.counts().unwrap().0, 12);
    server.stop();
}
