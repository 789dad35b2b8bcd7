//! Two server instances over one database: an enrolment code is used once, however many
//! devices present it at the same moment through different instances.

use counter_testkit::prelude::*;

use counter_core::proto::EnrollRequest;

fn request(code: &str, window: u32) -> EnrollRequest {
    serde_json::from_value(serde_json::json!({ "code": code, "window": window })).unwrap()
}

fn a_code_is_used_once_whatever_instance_takes_it(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let keys = keys();
    let first = counter_server::Central::open(&db.url, keys.clone()).unwrap();
    let second = counter_server::Central::open(&db.url, keys).unwrap();
    for round in 0..12u32 {
        let code = first.enroll_code("3211", Some("C"), None).unwrap();
        let barrier = std::sync::Barrier::new(2);
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| {
                barrier.wait();
                first.enroll(&request(&code, 2 * round + 1))
            });
            let b = s.spawn(|| {
                barrier.wait();
                second.enroll(&request(&code, 2 * round + 2))
            });
            (a.join().unwrap(), b.join().unwrap())
        });
        let won = [&a, &b].iter().filter(|r| r.is_ok()).count();
        assert_eq!(
            won,
            1,
            "round {round}: {:?} / {:?}",
            a.as_ref().err().map(|e| e.to_string()),
            b.as_ref().err().map(|e| e.to_string())
        );
        let lost = [a, b]
            .into_iter()
            .find_map(Result::err)
            .unwrap()
            .to_string();
        assert!(
            lost.contains("已被使用") || lost.contains("数据库"),
            "round {round}: the other is refused with its reason: {lost}"
        );
    }
}

both!(a_code_is_used_once_whatever_instance_takes_it);

fn one_window_is_one_device_whatever_instance_enrols_it(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = CentralDb::new(dir.path(), backend);
    let keys = keys();
    let first = counter_server::Central::open(&db.url, keys.clone()).unwrap();
    let second = counter_server::Central::open(&db.url, keys).unwrap();
    for window in 1..=10u32 {
        let (c1, c2) = (
            first.enroll_code("3211", Some("C"), None).unwrap(),
            first.enroll_code("3211", Some("C"), None).unwrap(),
        );
        let barrier = std::sync::Barrier::new(2);
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| {
                barrier.wait();
                first.enroll(&request(&c1, window))
            });
            let b = s.spawn(|| {
                barrier.wait();
                second.enroll(&request(&c2, window))
            });
            (a.join().unwrap(), b.join().unwrap())
        });
        let won = [&a, &b].iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "window {window}: two devices took it");
        let lost = [a, b]
            .into_iter()
            .find_map(Result::err)
            .unwrap()
            .to_string();
        assert!(
            lost.contains("号窗口已由另一台设备") || lost.contains("数据库"),
            "window {window}: {lost}"
        );
    }
}

both!(one_window_is_one_device_whatever_instance_enrols_it);
