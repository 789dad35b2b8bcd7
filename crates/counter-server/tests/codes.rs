//! The error codes are one list: the wire module's `ServerCode`, which the server sends and the
//! client reads, is what `openapi.yaml` describes, no more and no less.

use counter_core::proto::ServerCode;

#[test]
fn the_api_description_lists_exactly_the_codes_the_server_sends() {
    let spec = include_str!("../openapi.yaml");
    let line = spec
        .lines()
        .find(|l| l.trim_start().starts_with("code: {type: string, enum: ["))
        .expect("the error body's code in openapi.yaml");
    let listed: std::collections::BTreeSet<String> = line
        .split('[')
        .nth(1)
        .unwrap()
        .split(']')
        .next()
        .unwrap()
        .split(',')
        .map(|c| c.trim().to_string())
        .collect();
    let sent: std::collections::BTreeSet<String> = ServerCode::SENT
        .iter()
        .map(|c| {
            serde_json::to_value(c)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(listed, sent);
    // A code of a newer server is read, not refused.
    let e: counter_core::proto::ServerError =
        serde_json::from_str(r#"{"code": "something_new", "message": "…"}"#).unwrap();
    assert_eq!(e.code, ServerCode::Unknown);
}
