//! The sync wire types between a counter and the central server (JSON over HTTPS).
//!
//! Counters push their case events in batches, in their own gap-free sequence; the server
//! acknowledges only after commit and answers a gap with the last sequence it holds, so the
//! counter resends from there. Counters pull the changes the central office makes (审核, 办结)
//! after a cursor. Nothing is ordered by wall-clock time.

use serde::{Deserialize, Serialize};

use crate::case::CaseEvent;

/// `POST /v1/enroll`: a one-time enrolment code exchanged for the device's own key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub code: String,
    #[serde(default)]
    pub device_name: String,
    /// The window (窗口号) this device is at its point: part of every case and sheet number it
    /// makes, so two windows of one point never make the same number. Refused if another
    /// device of the point holds it.
    #[serde(default = "first_window")]
    pub window: u32,
    /// The device this store was enrolled as before (re-enrolment after a revocation or a
    /// reinstall): its cases stay this store's.
    #[serde(default)]
    pub previous_device: Option<String>,
    /// Proof that this store is that device: its key. Without it a device still in service
    /// is never taken over; only one the administrator revoked gives up its seat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_key: Option<String>,
    /// Where this store's push sequence stands (its last acknowledged event): the new device
    /// continues after it.
    #[serde(default)]
    pub last_seq: i64,
}

fn first_window() -> u32 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub device_id: String,
    /// Secret; sent as `Authorization: Bearer <device_id>.<key>`.
    pub key: String,
    pub point: String,
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// The central signing key (ed25519, hex): catalogs and calendars must carry its signature.
    #[serde(default)]
    pub public_key: String,
    /// The window confirmed for this device.
    #[serde(default = "first_window")]
    pub window: u32,
}

/// `GET /v1/device`: what the server holds from this device, for a store restored from a
/// backup: its last push sequence and the case and sheet numbers it made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceState {
    pub last_seq: i64,
    pub numbers: Vec<String>,
}

/// A published catalog edition or holiday calendar (`GET /v1/snapshots` lists them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    /// `catalog` or `calendar`.
    pub kind: String,
    /// The catalog id, or `calendar`.
    pub id: String,
    pub version: i64,
}

/// `GET /v1/snapshots/{kind}/{id}/{version}`: the text and its signature over
/// [`signed_bytes`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub kind: String,
    pub id: String,
    pub version: i64,
    pub text: String,
    /// ed25519 signature, hex.
    pub signature: String,
}

/// The snapshot kind (and id) under which the central office announces a new signing key,
/// signed by the key before it; counters follow the chain from the key they pinned.
pub const KEY_ANNOUNCEMENT: &str = "signing_key";

/// What the central key signs: kind, id, version and text, so neither can be swapped.
pub fn signed_bytes(kind: &str, id: &str, version: i64, text: &str) -> Vec<u8> {
    format!("counter-snapshot-v1\n{kind}\n{id}\n{version}\n{text}").into_bytes()
}

/// The central key's signature (hex) over a snapshot, made with its 32-byte secret.
pub fn sign_snapshot(secret: &[u8; 32], kind: &str, id: &str, version: i64, text: &str) -> String {
    use ed25519_dalek::Signer;
    let key = ed25519_dalek::SigningKey::from_bytes(secret);
    hex(&key.sign(&signed_bytes(kind, id, version, text)).to_bytes())
}

/// The public half (hex) of a 32-byte signing secret: what counters verify with.
pub fn public_key(secret: &[u8; 32]) -> String {
    hex(ed25519_dalek::SigningKey::from_bytes(secret)
        .verifying_key()
        .as_bytes())
}

/// Whether `signature` (hex) is the central key's (`server_key`, hex) over this kind, id,
/// version and text; the reason in words when it is not.
pub fn verify_signature(
    server_key: &str,
    kind: &str,
    id: &str,
    version: i64,
    text: &str,
    signature: &str,
) -> Result<(), String> {
    let what = format!("{kind} {id} 第{version}版");
    let key = unhex(server_key)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| format!("{what}：本机没有有效的中心公钥，请重新注册"))?;
    let sig = unhex(signature)
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| ed25519_dalek::Signature::from_bytes(&b))
        .ok_or_else(|| format!("{what} 签名格式错误，已拒收"))?;
    key.verify_strict(&signed_bytes(kind, id, version, text), &sig)
        .map_err(|_| format!("{what} 签名与中心公钥不符（可能被篡改），已拒收"))
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes of lowercase or uppercase hex; `None` when malformed.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// One event as it travels: the device's sequence number, its UUIDv7, its case and the case
/// event itself, typed, so the server reads it once and works on the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireEvent {
    pub seq: i64,
    pub id: String,
    pub case_no: String,
    pub event: CaseEvent,
}

impl WireEvent {
    pub fn kind(&self) -> &'static str {
        self.event.change.kind()
    }
}

/// The largest request body the server takes (bytes); the client splits batches below it.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// `POST /v1/events`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushRequest {
    pub events: Vec<WireEvent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    pub seq: i64,
    pub case_no: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Every event of this device up to and including this sequence is stored (accepted or
    /// rejected): the device may delete them from its outbox.
    pub acked_through: i64,
    /// Events stored as rejected in this batch, with the reason in words.
    pub rejected: Vec<Rejected>,
    /// The batch does not follow the server's numbering for this device: it did not start
    /// right after the server's last event (a re-enrolled device, a store repaired after an
    /// upgrade), or it reuses a sequence the server holds with another event (a store restored
    /// from a backup). Nothing after `acked_through` was stored; the client drops the events
    /// listed in `known` from its outbox and renumbers the rest after `server_last`.
    pub gap: bool,
    /// The server's last sequence for this device, with `gap`.
    #[serde(default)]
    pub server_last: Option<i64>,
    /// With `gap`: ids of this batch the server already holds (under any sequence).
    #[serde(default)]
    pub known: Vec<String>,
}

/// A change made centrally, for the owning point (`GET /v1/changes?after=N`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteChange {
    pub seq: i64,
    pub case_no: String,
    pub status: RemoteStatus,
    #[serde(default)]
    pub reason: Option<String>,
    pub by: String,
    /// With [`RemoteStatus::Event`]: the event another point recorded on a case this point
    /// holds or held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<CaseEvent>,
    /// With a decision: when the central office made it (absent from older servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<chrono::NaiveDateTime>,
    /// The device that opened the case: a decision applies only to that device's case of this
    /// number (absent from older servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The id of the case's opening event as the server holds it: a decision applies only to
    /// the case that opening made, never to another applicant's case of the same number (a
    /// copied PC's). Absent from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening: Option<String>,
}

/// What the central office decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoteStatus {
    /// 审核 begun.
    InReview,
    /// 审核通过 and 办结.
    Completed,
    /// 退回, with a reason.
    Returned,
    /// Another point's hand-over, receipt, hand-back or rating of a case this point is part
    /// of (it accepted it, holds its paper, or is named on a hand-over sheet).
    Event,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    pub changes: Vec<RemoteChange>,
    /// Pass back as `after` next time.
    pub cursor: i64,
}

/// An error body from the server: a stable code and a message in Chinese.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerError {
    pub code: ServerCode,
    pub message: String,
}

/// The codes the server answers with (`openapi.yaml` lists the same): the client acts on the
/// code, never on the message's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerCode {
    BadRequest,
    InvalidInput,
    /// No credential, a wrong one, or a device the server does not know or revoked.
    Auth,
    NotFound,
    MethodNotAllowed,
    Timeout,
    TooLarge,
    UnsupportedMediaType,
    RateLimited,
    Storage,
    /// Two stores push as one device (a copied PC): the device is stopped.
    Cloned,
    /// The server has no connection to its database free for long enough: 503, come back
    /// after `Retry-After`.
    Busy,
    /// The console: signed in, but the role (or the origin of the request) does not allow it.
    Forbidden,
    /// A code of a newer server.
    #[serde(other)]
    Unknown,
}

impl ServerCode {
    /// Every code the server sends (not `Unknown`, which only a client reads).
    pub const SENT: [ServerCode; 13] = [
        ServerCode::BadRequest,
        ServerCode::InvalidInput,
        ServerCode::Auth,
        ServerCode::NotFound,
        ServerCode::MethodNotAllowed,
        ServerCode::Timeout,
        ServerCode::TooLarge,
        ServerCode::UnsupportedMediaType,
        ServerCode::RateLimited,
        ServerCode::Storage,
        ServerCode::Cloned,
        ServerCode::Busy,
        ServerCode::Forbidden,
    ];
}
