//! The central server: counters enrol once, push their case events (each stored exactly once,
//! acknowledged only after commit), and pull the changes the central office makes.
//! Storage: one SQLite file by default, or PostgreSQL; the same tests run against both.

use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use counter_core::case::CaseEvent;
use counter_core::proto::{
    hex, signed_bytes, unhex, Changes, EnrollRequest, EnrollResponse, PushRequest, PushResponse,
    Rejected, RemoteChange, RemoteStatus, ServerError, Snapshot, SnapshotInfo,
};
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

mod db;
use db::{Db, Exec};

/// The OpenAPI description of this API, served at `/openapi.yaml` and kept in the repository.
pub const OPENAPI: &str = include_str!("../openapi.yaml");

#[derive(Debug, thiserror::Error)]
pub enum ServerFailure {
    #[error("数据库错误：{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("数据库错误：{0}")]
    Storage(String),
    #[error("{0}")]
    Input(String),
    #[error("未找到办件 {0}")]
    NotFound(String),
}

/// The central store: SQLite (`sqlite:FILE`) or PostgreSQL (`postgres://…`), one writer.
#[derive(Clone)]
pub struct Central {
    db: Arc<Mutex<Db>>,
}

fn hash(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

fn random_token(bytes: usize) -> String {
    use chacha20poly1305::aead::rand_core::RngCore;
    let mut b = vec![0u8; bytes];
    chacha20poly1305::aead::OsRng.fill_bytes(&mut b);
    hex(&b)
}

impl Central {
    /// Opens (creating, migrating) the store named by `db`.
    pub fn open(db: &str) -> Result<Central, ServerFailure> {
        Ok(Central {
            db: Arc::new(Mutex::new(Db::open(db)?)),
        })
    }

    fn tx<T>(
        &self,
        f: impl FnOnce(&mut dyn Exec) -> Result<T, ServerFailure>,
    ) -> Result<T, ServerFailure> {
        let mut db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        db.transaction(f)
    }

    /// A one-time enrolment code for a point.
    pub fn enroll_code(
        &self,
        point: &str,
        level: Option<&str>,
        name: Option<&str>,
    ) -> Result<String, ServerFailure> {
        if point.trim().is_empty() || !point.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ServerFailure::Input(format!("网点代码“{point}”无效")));
        }
        if let Some(l) = level {
            if !matches!(l, "A" | "B" | "C" | "D" | "E") {
                return Err(ServerFailure::Input(format!(
                    "办理层级“{l}”无效，应为 A（省）、B（设区市）、C（县）、D（乡镇）或 E（村）"
                )));
            }
        }
        let code = random_token(6);
        self.tx(|t| {
            t.exec(
                "INSERT INTO enroll_codes (code, point, level, name) VALUES (?1, ?2, ?3, ?4)",
                &[
                    code.as_str().into(),
                    point.into(),
                    level.into(),
                    name.into(),
                ],
            )?;
            Ok(())
        })?;
        Ok(code)
    }

    pub fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, ServerFailure> {
        self.tx(|t| {
            let code = req.code.trim();
            let Some(row) = t.row(
                "SELECT point, level, name, used_by FROM enroll_codes WHERE code = ?1",
                &[code.into()],
            )?
            else {
                return Err(ServerFailure::Input(
                    "注册码无效，请向管理员索取新的注册码".into(),
                ));
            };
            if row[3].text().is_some() {
                return Err(ServerFailure::Input(
                    "注册码已被使用，请向管理员索取新的注册码".into(),
                ));
            }
            let point = row[0].text().unwrap_or_default();
            let device_id = uuid::Uuid::now_v7().to_string();
            let key = random_token(32);
            t.exec(
                "INSERT INTO devices (id, point, key_hash, name) VALUES (?1, ?2, ?3, ?4)",
                &[
                    device_id.as_str().into(),
                    point.as_str().into(),
                    hash(&key).into(),
                    req.device_name.as_str().into(),
                ],
            )?;
            t.exec(
                "UPDATE enroll_codes SET used_by = ?2 WHERE code = ?1",
                &[code.into(), device_id.as_str().into()],
            )?;
            let public_key = hex(signing_key(t)?.verifying_key().as_bytes());
            Ok(EnrollResponse {
                device_id,
                key,
                point,
                level: row[1].text(),
                name: row[2].text(),
                public_key,
            })
        })
    }

    /// The device behind a bearer token, if the token is right and the device not revoked.
    pub fn device(&self, token: &str) -> Result<Option<(String, String)>, ServerFailure> {
        let Some((id, key)) = token.split_once('.') else {
            return Ok(None);
        };
        self.tx(|t| {
            Ok(t.row(
                "SELECT point FROM devices WHERE id = ?1 AND key_hash = ?2 AND revoked = 0",
                &[id.into(), hash(key).into()],
            )?
            .and_then(|r| r[0].text())
            .map(|p| (id.to_string(), p)))
        })
    }

    pub fn revoke(&self, device: &str) -> Result<(), ServerFailure> {
        self.tx(|t| {
            t.exec(
                "UPDATE devices SET revoked = 1 WHERE id = ?1",
                &[device.into()],
            )?;
            Ok(())
        })
    }

    /// Stores a batch in one transaction: events up to the device's next sequence are
    /// skipped as already stored; a bad event is stored as rejected with its reason; a batch
    /// that leaves a gap stops there and says so.
    pub fn push(
        &self,
        device: &str,
        point: &str,
        req: &PushRequest,
    ) -> Result<PushResponse, ServerFailure> {
        self.tx(|t| {
            // PostgreSQL: lock the device's row so two pushes of one device serialize.
            let sql = if t.is_pg() {
                "SELECT last_seq FROM devices WHERE id = ?1 FOR UPDATE"
            } else {
                "SELECT last_seq FROM devices WHERE id = ?1"
            };
            let mut last = t
                .row(sql, &[device.into()])?
                .map(|r| r[0].int())
                .ok_or_else(|| ServerFailure::Input("设备未注册".into()))?;
            let mut rejected = Vec::new();
            let mut gap = false;
            for e in &req.events {
                if e.seq <= last {
                    continue;
                }
                if e.seq != last + 1 {
                    gap = true;
                    break;
                }
                let reason = check_event(t, point, e)?;
                t.exec(
                    "INSERT INTO events (device, seq, id, case_no, kind, body, rejected)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
                    &[
                        device.into(),
                        e.seq.into(),
                        e.id.as_str().into(),
                        e.case_no.as_str().into(),
                        e.kind.as_str().into(),
                        e.body.to_string().into(),
                        reason.clone().into(),
                    ],
                )?;
                match reason {
                    Some(r) => rejected.push(Rejected {
                        seq: e.seq,
                        case_no: e.case_no.clone(),
                        reason: r,
                    }),
                    None => {
                        track_case(t, point, e)?;
                        share_event(t, point, e)?;
                    }
                }
                last = e.seq;
            }
            t.exec(
                "UPDATE devices SET last_seq = ?2 WHERE id = ?1",
                &[device.into(), last.into()],
            )?;
            Ok(PushResponse {
                acked_through: last,
                rejected,
                gap,
            })
        })
    }

    pub fn changes(&self, point: &str, after: i64, limit: u32) -> Result<Changes, ServerFailure> {
        self.tx(|t| {
            let rows = t.rows(
                "SELECT seq, case_no, status, reason, by, body, at FROM changes WHERE point = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
                &[point.into(), after.into(), i64::from(limit).into()],
            )?;
            let mut changes = Vec::new();
            let mut cursor = after;
            for r in rows {
                let status = match r[2].text().as_deref() {
                    Some("in_review") => RemoteStatus::InReview,
                    Some("returned") => RemoteStatus::Returned,
                    Some("event") => RemoteStatus::Event,
                    _ => RemoteStatus::Completed,
                };
                cursor = r[0].int();
                changes.push(RemoteChange {
                    seq: cursor,
                    case_no: r[1].text().unwrap_or_default(),
                    status,
                    reason: r[3].text(),
                    by: r[4].text().unwrap_or_default(),
                    event: r[5].text().and_then(|b| serde_json::from_str(&b).ok()),
                    at: r[6].text().and_then(|a| a.parse().ok()),
                });
            }
            Ok(Changes { changes, cursor })
        })
    }

    /// A central decision on a case (审核通过 / 退回 / 办结), which its point pulls.
    pub fn decide(
        &self,
        case_no: &str,
        status: RemoteStatus,
        reason: Option<&str>,
        by: &str,
        at: chrono::NaiveDateTime,
    ) -> Result<(), ServerFailure> {
        if status == RemoteStatus::Returned && reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(ServerFailure::Input("退回需要写明理由".into()));
        }
        self.tx(|t| {
            if t.row(
                "SELECT point FROM cases WHERE case_no = ?1",
                &[case_no.into()],
            )?
            .is_none()
            {
                return Err(ServerFailure::NotFound(case_no.into()));
            }
            let s = match status {
                RemoteStatus::InReview => "in_review",
                RemoteStatus::Completed => "completed",
                RemoteStatus::Returned => "returned",
                RemoteStatus::Event => {
                    return Err(ServerFailure::Input("中心只能审核、退回或办结".into()))
                }
            };
            // Every point that is part of the case learns the decision: the one that accepted
            // it, and any that holds its paper.
            for point in case_points(t, case_no)? {
                add_change(t, &point, case_no, s, reason, by, None, Some(at))?;
            }
            t.exec(
                "UPDATE cases SET state = ?2 WHERE case_no = ?1",
                &[case_no.into(), s.into()],
            )?;
            Ok(())
        })
    }

    /// Counts for tests and operators: (accepted events, rejected events, cases).
    pub fn counts(&self) -> Result<(i64, i64, i64), ServerFailure> {
        self.tx(|t| {
            let n = |t: &mut dyn Exec, sql: &str| -> Result<i64, ServerFailure> {
                Ok(t.row(sql, &[])?.map_or(0, |r| r[0].int()))
            };
            Ok((
                n(t, "SELECT count(*) FROM events WHERE rejected IS NULL")?,
                n(t, "SELECT count(*) FROM events WHERE rejected IS NOT NULL")?,
                n(t, "SELECT count(*) FROM cases")?,
            ))
        })
    }

    /// Imports an outbox export (`counter sync export`): the same checks as a push.
    pub fn import(&self, text: &str) -> Result<PushResponse, ServerFailure> {
        #[derive(serde::Deserialize)]
        struct Export {
            device_id: String,
            events: Vec<counter_core::proto::WireEvent>,
        }
        let ex: Export = serde_json::from_str(text)
            .map_err(|e| ServerFailure::Input(format!("导出文件格式错误：{e}")))?;
        let point = self
            .tx(|t| {
                t.row(
                    "SELECT point FROM devices WHERE id = ?1",
                    &[ex.device_id.as_str().into()],
                )
            })?
            .and_then(|r| r[0].text())
            .ok_or_else(|| ServerFailure::Input(format!("未注册的设备 {}", ex.device_id)))?;
        self.push(&ex.device_id, &point, &PushRequest { events: ex.events })
    }

    /// Publishes a catalog edition (`kind` = `catalog`) or the holiday calendar (`calendar`)
    /// as the next signed version; the text is validated first. Returns (id, version).
    pub fn publish(&self, kind: &str, text: &str) -> Result<(String, i64), ServerFailure> {
        let id = match kind {
            "catalog" => {
                let set = counter_core::CatalogSet::from_texts(&[("published.toml", text)])
                    .map_err(|errs| {
                        ServerFailure::Input(
                            errs.iter()
                                .map(|e| e.to_string())
                                .collect::<Vec<_>>()
                                .join("\n"),
                        )
                    })?;
                set.catalogs[0].header.id.clone()
            }
            "calendar" => {
                counter_core::Calendar::from_toml(text)
                    .map_err(|e| ServerFailure::Input(e.to_string()))?;
                "calendar".to_string()
            }
            other => return Err(ServerFailure::Input(format!("未知的发布类型 {other}"))),
        };
        self.tx(|t| {
            let version = t
                .row("SELECT max(version) FROM snapshots WHERE kind = ?1 AND id = ?2", &[kind.into(), id.as_str().into()])?
                .map_or(0, |r| r[0].int())
                + 1;
            let sig = signing_key(t)?.sign(&signed_bytes(kind, &id, version, text));
            t.exec(
                "INSERT INTO snapshots (kind, id, version, text, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
                &[kind.into(), id.as_str().into(), version.into(), text.into(), hex(&sig.to_bytes()).into()],
            )?;
            Ok((id.clone(), version))
        })
    }

    /// The newest version of each published snapshot.
    pub fn snapshots(&self) -> Result<Vec<SnapshotInfo>, ServerFailure> {
        self.tx(|t| {
            Ok(t.rows(
                "SELECT kind, id, max(version) FROM snapshots GROUP BY kind, id ORDER BY kind, id",
                &[],
            )?
            .into_iter()
            .map(|r| SnapshotInfo {
                kind: r[0].text().unwrap_or_default(),
                id: r[1].text().unwrap_or_default(),
                version: r[2].int(),
            })
            .collect())
        })
    }

    pub fn snapshot(&self, kind: &str, id: &str, version: i64) -> Result<Snapshot, ServerFailure> {
        self.tx(|t| {
            let r = t
                .row(
                    "SELECT text, signature FROM snapshots WHERE kind = ?1 AND id = ?2 AND version = ?3",
                    &[kind.into(), id.into(), version.into()],
                )?
                .ok_or_else(|| ServerFailure::NotFound(format!("{kind} {id} 第{version}版")))?;
            Ok(Snapshot {
                kind: kind.into(),
                id: id.into(),
                version,
                text: r[0].text().unwrap_or_default(),
                signature: r[1].text().unwrap_or_default(),
            })
        })
    }

    /// Overwrites a stored snapshot's text (tests of a tampered catalog only).
    #[doc(hidden)]
    pub fn tamper(&self, kind: &str, id: &str, text: &str) -> Result<(), ServerFailure> {
        self.tx(|t| {
            t.exec(
                "UPDATE snapshots SET text = ?3 WHERE kind = ?1 AND id = ?2
                 AND version = (SELECT max(version) FROM snapshots WHERE kind = ?1 AND id = ?2)",
                &[kind.into(), id.into(), text.into()],
            )?;
            Ok(())
        })
    }

    /// Open duplicate flags: (case, the other point's case).
    pub fn flags(&self) -> Result<Vec<(String, String)>, ServerFailure> {
        self.tx(|t| {
            Ok(t.rows(
                "SELECT case_no, other FROM flags WHERE reviewed = 0 ORDER BY id",
                &[],
            )?
            .into_iter()
            .map(|r| {
                (
                    r[0].text().unwrap_or_default(),
                    r[1].text().unwrap_or_default(),
                )
            })
            .collect())
        })
    }
}

/// The server's signing key, made on first use and kept in the store.
fn signing_key(t: &mut dyn Exec) -> Result<SigningKey, ServerFailure> {
    if let Some(k) = t
        .row("SELECT value FROM meta WHERE key = 'signing_key'", &[])?
        .and_then(|r| r[0].text())
        .and_then(|h| unhex(&h))
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
    {
        return Ok(SigningKey::from_bytes(&k));
    }
    let mut bytes = [0u8; 32];
    chacha20poly1305::aead::rand_core::RngCore::fill_bytes(
        &mut chacha20poly1305::aead::OsRng,
        &mut bytes,
    );
    let key = SigningKey::from_bytes(&bytes);
    t.exec(
        "INSERT INTO meta (key, value) VALUES ('signing_key', ?1)",
        &[hex(&bytes).into()],
    )?;
    Ok(key)
}

/// Events a point may record on a case it did not accept, once the case was handed to it,
/// and that the other points of the case receive.
const SHARED: &[&str] = &[
    "handed_over",
    "handover_received",
    "handover_recalled",
    "handed_back",
    "rated",
    "follow_up_replied",
];

/// The points that are part of a case, in a stable order.
fn case_points(t: &mut dyn Exec, case_no: &str) -> Result<Vec<String>, ServerFailure> {
    Ok(t.rows(
        "SELECT point FROM case_points WHERE case_no = ?1 ORDER BY point",
        &[case_no.into()],
    )?
    .into_iter()
    .filter_map(|r| r[0].text())
    .collect())
}

/// Queues a change for `point`.
#[allow(clippy::too_many_arguments)]
fn add_change(
    t: &mut dyn Exec,
    point: &str,
    case_no: &str,
    status: &str,
    reason: Option<&str>,
    by: &str,
    body: Option<String>,
    at: Option<chrono::NaiveDateTime>,
) -> Result<(), ServerFailure> {
    if t.is_pg() {
        // Sequence values are taken at insert; serializing the inserts makes commit order
        // equal sequence order, so a pull cursor never skips a late commit.
        t.exec("LOCK TABLE changes IN EXCLUSIVE MODE", &[])?;
    }
    t.exec(
        "INSERT INTO changes (point, case_no, status, reason, by, body, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[
            point.into(),
            case_no.into(),
            status.into(),
            reason.into(),
            by.into(),
            body.into(),
            at.map(|a| a.format("%Y-%m-%dT%H:%M:%S").to_string()).into(),
        ],
    )?;
    Ok(())
}

/// Why an event cannot be accepted, if it cannot.
fn check_event(
    t: &mut dyn Exec,
    point: &str,
    e: &counter_core::proto::WireEvent,
) -> Result<Option<String>, ServerFailure> {
    let own = e.case_no.starts_with(&format!("{point}-"));
    let shared =
        SHARED.contains(&e.kind.as_str()) && case_points(t, &e.case_no)?.iter().any(|p| p == point);
    if !own && !shared {
        return Ok(Some(format!("办件 {} 不属于网点 {point}", e.case_no)));
    }
    // A hand-over must name a point the central office knows, or the paper would wait for
    // an office that never pulls it.
    if e.kind == "handed_over" {
        let to = e
            .body
            .get("to")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let known = t
            .row(
                "SELECT 1 FROM enroll_codes WHERE point = ?1 LIMIT 1",
                &[to.into()],
            )?
            .is_some();
        if !known {
            return Ok(Some(format!(
                "接收网点“{to}”未在中心登记，交接单无法送达：请核对网点代码，撤回该交接单后重新移交"
            )));
        }
    }
    Ok(match serde_json::from_value::<CaseEvent>(e.body.clone()) {
        Ok(ev) if ev.change.kind() == e.kind => None,
        Ok(ev) => Some(format!("事件类型不符：{} ≠ {}", e.kind, ev.change.kind())),
        Err(err) => Some(format!("事件内容无法识别：{err}")),
    })
}

/// Passes a hand-over, receipt, hand-back or rating on to the other points of the case; a
/// hand-over makes its receiving office one of them.
fn share_event(
    t: &mut dyn Exec,
    point: &str,
    e: &counter_core::proto::WireEvent,
) -> Result<(), ServerFailure> {
    if !SHARED.contains(&e.kind.as_str()) {
        return Ok(());
    }
    if e.kind == "handed_over" {
        if let Some(to) = e.body.get("to").and_then(|v| v.as_str()) {
            t.exec(
                "INSERT INTO case_points (case_no, point) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                &[e.case_no.as_str().into(), to.into()],
            )?;
        }
    }
    let by = e
        .body
        .get("clerk")
        .and_then(|v| v.as_str())
        .map_or_else(|| point.to_string(), |c| format!("{point} {c}"));
    let body = e.body.to_string();
    for other in case_points(t, &e.case_no)? {
        if other != point {
            add_change(
                t,
                &other,
                &e.case_no,
                "event",
                None,
                &by,
                Some(body.clone()),
                None,
            )?;
        }
    }
    Ok(())
}

fn track_case(
    t: &mut dyn Exec,
    point: &str,
    e: &counter_core::proto::WireEvent,
) -> Result<(), ServerFailure> {
    if SHARED.contains(&e.kind.as_str()) {
        return Ok(());
    }
    if e.kind != "opened" {
        t.exec(
            "UPDATE cases SET state = ?2 WHERE case_no = ?1",
            &[e.case_no.as_str().into(), e.kind.as_str().into()],
        )?;
        return Ok(());
    }
    let item = e.body.get("item").and_then(|v| v.as_str());
    let id = e
        .body
        .get("applicant")
        .and_then(|a| a.get("id_number").or_else(|| a.get("credit_code")))
        .and_then(|v| v.as_str())
        .map(|n| hash(&n.trim().to_ascii_uppercase()));
    t.exec(
        "INSERT INTO cases (case_no, point, item, state, id_hash) VALUES (?1, ?2, ?3, 'opened', ?4)
         ON CONFLICT (case_no) DO NOTHING",
        &[
            e.case_no.as_str().into(),
            point.into(),
            item.into(),
            id.clone().into(),
        ],
    )?;
    t.exec(
        "INSERT INTO case_points (case_no, point) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        &[e.case_no.as_str().into(), point.into()],
    )?;
    // The same applicant and item open at another point: flag for review, never merge.
    t.exec(
        "INSERT INTO flags (case_no, other)
         SELECT CAST(?1 AS TEXT), case_no FROM cases
         WHERE id_hash = ?2 AND item = ?3 AND point <> ?4
           AND state NOT IN ('completed', 'refused', 'withdrawn', 'terminated')
         ON CONFLICT DO NOTHING",
        &[
            e.case_no.as_str().into(),
            id.into(),
            item.into(),
            point.into(),
        ],
    )?;
    Ok(())
}

// ── HTTP ────────────────────────────────────────────────────────────────────────────────────

struct ApiFailure(StatusCode, String, String);

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        (
            self.0,
            Json(ServerError {
                code: self.1,
                message: self.2,
            }),
        )
            .into_response()
    }
}

impl From<ServerFailure> for ApiFailure {
    fn from(e: ServerFailure) -> Self {
        match e {
            ServerFailure::Input(m) => {
                ApiFailure(StatusCode::BAD_REQUEST, "invalid_input".into(), m)
            }
            ServerFailure::NotFound(m) => ApiFailure(StatusCode::NOT_FOUND, "not_found".into(), m),
            other => {
                tracing::error!(error = %other, "server failure");
                ApiFailure(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "storage".into(),
                    "服务器存储故障，请稍后重试".into(),
                )
            }
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ServerFailure> + Send + 'static,
) -> Result<T, ApiFailure> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| {
            ApiFailure(
                StatusCode::INTERNAL_SERVER_ERROR,
                "storage".into(),
                "服务器内部错误".into(),
            )
        })?
        .map_err(ApiFailure::from)
}

async fn authed(central: &Central, headers: &HeaderMap) -> Result<(String, String), ApiFailure> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_string();
    let c = central.clone();
    blocking(move || c.device(&token)).await?.ok_or_else(|| {
        ApiFailure(
            StatusCode::UNAUTHORIZED,
            "auth".into(),
            "设备未注册或已停用，请重新注册".into(),
        )
    })
}

async fn enroll(
    State(c): State<Central>,
    Json(req): Json<EnrollRequest>,
) -> Result<Json<EnrollResponse>, ApiFailure> {
    Ok(Json(blocking(move || c.enroll(&req)).await?))
}

async fn push(
    State(c): State<Central>,
    headers: HeaderMap,
    Json(req): Json<PushRequest>,
) -> Result<Json<PushResponse>, ApiFailure> {
    let (device, point) = authed(&c, &headers).await?;
    Ok(Json(blocking(move || c.push(&device, &point, &req)).await?))
}

#[derive(serde::Deserialize)]
struct After {
    #[serde(default)]
    after: i64,
}

async fn changes(
    State(c): State<Central>,
    headers: HeaderMap,
    Query(a): Query<After>,
) -> Result<Json<Changes>, ApiFailure> {
    let (_, point) = authed(&c, &headers).await?;
    Ok(Json(
        blocking(move || c.changes(&point, a.after, 500)).await?,
    ))
}

async fn list_snapshots(
    State(c): State<Central>,
    headers: HeaderMap,
) -> Result<Json<Vec<SnapshotInfo>>, ApiFailure> {
    authed(&c, &headers).await?;
    Ok(Json(blocking(move || c.snapshots()).await?))
}

async fn get_snapshot(
    State(c): State<Central>,
    headers: HeaderMap,
    axum::extract::Path((kind, id, version)): axum::extract::Path<(String, String, i64)>,
) -> Result<Json<Snapshot>, ApiFailure> {
    authed(&c, &headers).await?;
    Ok(Json(
        blocking(move || c.snapshot(&kind, &id, version)).await?,
    ))
}

async fn openapi() -> impl IntoResponse {
    ([("content-type", "application/yaml")], OPENAPI)
}

pub fn router(central: Central) -> Router {
    Router::new()
        .route("/v1/enroll", post(enroll))
        .route("/v1/events", post(push))
        .route("/v1/changes", get(changes))
        .route("/v1/snapshots", get(list_snapshots))
        .route("/v1/snapshots/{kind}/{id}/{version}", get(get_snapshot))
        .route("/openapi.yaml", get(openapi))
        .with_state(central)
}

/// Serves until the process ends.
pub async fn serve(central: Central, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(central)).await
}

/// Serves on `addr` (port 0: any free port) from a thread of its own with its own runtime,
/// for as long as the process lives; returns the address it listens on. For tests and
/// benchmarks that run the real server beside the real client.
pub fn spawn(
    central: Central,
    addr: std::net::SocketAddr,
) -> std::io::Result<std::net::SocketAddr> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).expect("a listener");
            if let Err(e) = serve(central, l).await {
                tracing::error!(error = %e, "the server stopped");
            }
        });
    });
    Ok(addr)
}

/// Serves until `stop` resolves (tests restart the server this way).
pub async fn serve_until(
    central: Central,
    listener: tokio::net::TcpListener,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(central))
        .with_graceful_shutdown(stop)
        .await
}
