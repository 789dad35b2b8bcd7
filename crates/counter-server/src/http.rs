//! The HTTP face of the server: routes, authentication, limits, and every error as
//! `{code, message}` JSON (the message in Chinese), bad requests included.

use std::net::{IpAddr, SocketAddr};

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use counter_core::proto::*;
use serde::de::DeserializeOwned;

use crate::{Central, ServerFailure, OPENAPI};

mod console;
mod pages;

/// Bytes an enrolment request may have.
const ENROL_BODY: usize = 16 * 1024;

pub(crate) struct ApiFailure(StatusCode, ServerCode, String);

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let busy = self.0 == StatusCode::SERVICE_UNAVAILABLE;
        let mut r = (
            self.0,
            Json(ServerError {
                code: self.1,
                message: self.2,
            }),
        )
            .into_response();
        if busy {
            // The counter's sync waits this long (with its own jitter) before it asks again.
            r.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("2"),
            );
        }
        r
    }
}

impl From<ServerFailure> for ApiFailure {
    fn from(e: ServerFailure) -> Self {
        match e {
            ServerFailure::Input(m) => {
                ApiFailure(StatusCode::BAD_REQUEST, ServerCode::InvalidInput, m)
            }
            ServerFailure::NotFound(m) => {
                ApiFailure(StatusCode::NOT_FOUND, ServerCode::NotFound, m)
            }
            ServerFailure::Cloned(m) => ApiFailure(StatusCode::CONFLICT, ServerCode::Cloned, m),
            ServerFailure::Stopped(m) => ApiFailure(StatusCode::FORBIDDEN, ServerCode::Cloned, m),
            ServerFailure::Missing(m) => ApiFailure(StatusCode::NOT_FOUND, ServerCode::NotFound, m),
            ServerFailure::Forbidden(m) => {
                ApiFailure(StatusCode::FORBIDDEN, ServerCode::Forbidden, m)
            }
            e @ ServerFailure::Busy => ApiFailure(
                StatusCode::SERVICE_UNAVAILABLE,
                ServerCode::Busy,
                e.to_string(),
            ),
            other => {
                tracing::error!(error = %other, "server failure");
                ApiFailure(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ServerCode::Storage,
                    "服务器存储故障，请稍后重试".into(),
                )
            }
        }
    }
}

/// The answer to a request that took longer than the server allows.
pub(crate) fn timed_out() -> Response {
    ApiFailure(
        StatusCode::REQUEST_TIMEOUT,
        ServerCode::Timeout,
        "请求超时，请稍后重试".into(),
    )
    .into_response()
}

/// A request the server cannot read, in words.
fn unreadable(status: StatusCode, detail: String) -> ApiFailure {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiFailure(status, ServerCode::TooLarge, "请求过大：请分批上传".into())
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiFailure(
            status,
            ServerCode::UnsupportedMediaType,
            "请求须为 JSON（content-type: application/json）".into(),
        ),
        _ => ApiFailure(
            StatusCode::BAD_REQUEST,
            ServerCode::BadRequest,
            format!("请求内容无法识别：{detail}"),
        ),
    }
}

/// A JSON body; a bad one is answered as `{code, message}`.
struct Body<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiFailure;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiFailure> {
        Json::<T>::from_request(req, state)
            .await
            .map(|Json(v)| Body(v))
            .map_err(|e: JsonRejection| unreadable(e.status(), e.body_text()))
    }
}

/// Query parameters; bad ones are answered as `{code, message}`.
struct Params<T>(T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Params<T> {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiFailure> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Params(q.0))
            .map_err(|e: QueryRejection| unreadable(e.status(), e.body_text()))
    }
}

/// Path segments; bad ones are answered as `{code, message}`.
struct Segments<T>(T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Segments<T> {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiFailure> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Segments(p.0))
            .map_err(|e: PathRejection| unreadable(e.status(), e.body_text()))
    }
}

/// The client's address, for rate limits: the peer's (set by the accept loop; loopback when
/// served otherwise), or, when the peer is a trusted load balancer, the nearest address in
/// `X-Forwarded-For` that is not one of them (the ones further left a client may have written).
fn peer(parts: &Parts, c: &Central) -> IpAddr {
    let connected = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
    let trusted = |ip: &IpAddr| c.proxies.iter().any(|p| p.contains(ip));
    if !trusted(&connected) {
        return connected;
    }
    let forwarded = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|a| a.trim().parse::<IpAddr>())
        .collect::<Vec<_>>();
    for hop in forwarded.into_iter().rev() {
        match hop {
            Ok(ip) if trusted(&ip) => continue,
            Ok(ip) => return ip,
            // Garbled: nothing left of it can be believed; the balancer is what is known.
            Err(_) => break,
        }
    }
    connected
}

fn too_many() -> ApiFailure {
    ApiFailure(
        StatusCode::TOO_MANY_REQUESTS,
        ServerCode::RateLimited,
        "请求过于频繁，请稍后再试".into(),
    )
}

/// The device behind the bearer token. The token is checked first: a valid one is served
/// whatever others at its address did. Failures are counted per credential and per address,
/// and answer 429 once either fails too often; a request with no credential answers 401.
struct Device {
    id: String,
    point: String,
}

impl FromRequestParts<Central> for Device {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, c: &Central) -> Result<Self, ApiFailure> {
        let ip = peer(parts, c);
        let unknown = || {
            ApiFailure(
                StatusCode::UNAUTHORIZED,
                ServerCode::Auth,
                "设备未注册或已停用，请重新注册".into(),
            )
        };
        let token = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("")
            .to_string();
        if token.is_empty() {
            return Err(unknown());
        }
        let central = c.clone();
        let presented = token.clone();
        match blocking(move || central.device(&presented)).await? {
            Some((id, point)) => Ok(Device { id, point }),
            None if c.guard.failed(ip, &token) => Err(too_many()),
            None => Err(unknown()),
        }
    }
}

/// The peer's address, for rate limits.
struct Peer(IpAddr);

impl FromRequestParts<Central> for Peer {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, c: &Central) -> Result<Self, ApiFailure> {
        Ok(Peer(peer(parts, c)))
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
                ServerCode::Storage,
                "服务器内部错误".into(),
            )
        })?
        .map_err(ApiFailure::from)
}

async fn enroll(
    State(c): State<Central>,
    Peer(ip): Peer,
    Body(req): Body<EnrollRequest>,
) -> Result<Json<EnrollResponse>, ApiFailure> {
    if !c.guard.enrolment_allowed(ip) {
        return Err(too_many());
    }
    let central = c.clone();
    let r = blocking(move || central.enroll(&req)).await;
    if r.is_err() {
        c.guard.enrolment_failed(ip);
    }
    Ok(Json(r?))
}

async fn push(
    State(c): State<Central>,
    d: Device,
    Body(req): Body<PushRequest>,
) -> Result<Json<PushResponse>, ApiFailure> {
    Ok(Json(blocking(move || c.push(&d.id, &d.point, &req)).await?))
}

#[derive(serde::Deserialize)]
struct After {
    #[serde(default)]
    after: i64,
}

async fn changes(
    State(c): State<Central>,
    d: Device,
    Params(a): Params<After>,
) -> Result<Json<Changes>, ApiFailure> {
    Ok(Json(
        blocking(move || c.changes(&d.point, a.after, 500)).await?,
    ))
}

async fn list_snapshots(
    State(c): State<Central>,
    _: Device,
) -> Result<Json<Vec<SnapshotInfo>>, ApiFailure> {
    Ok(Json(blocking(move || c.snapshots()).await?))
}

async fn get_snapshot(
    State(c): State<Central>,
    _: Device,
    Segments((kind, id, version)): Segments<(String, String, i64)>,
) -> Result<Json<Snapshot>, ApiFailure> {
    Ok(Json(
        blocking(move || c.snapshot(&kind, &id, version)).await?,
    ))
}

async fn device_state(
    State(c): State<Central>,
    d: Device,
) -> Result<Json<DeviceState>, ApiFailure> {
    Ok(Json(blocking(move || c.device_state(&d.id)).await?))
}

/// What a counter pins at enrolment (no secret: it is checked against the pass's pin).
async fn trust(State(c): State<Central>) -> Json<counter_core::trust::Trust> {
    Json(c.trust())
}

async fn openapi() -> impl IntoResponse {
    ([("content-type", "application/yaml")], OPENAPI)
}

pub fn router(central: Central) -> Router {
    Router::new()
        .route(
            "/v1/enroll",
            post(enroll).layer(DefaultBodyLimit::max(ENROL_BODY)),
        )
        .route(
            "/v1/events",
            post(push).layer(DefaultBodyLimit::max(MAX_BODY)),
        )
        .route("/v1/trust", get(trust))
        .route("/v1/device", get(device_state))
        .route("/v1/changes", get(changes))
        .route("/v1/snapshots", get(list_snapshots))
        .route("/v1/snapshots/{kind}/{id}/{version}", get(get_snapshot))
        .route("/openapi.yaml", get(openapi))
        .merge(console::routes())
        .merge(pages::routes())
        .fallback(|| async {
            ApiFailure(
                StatusCode::NOT_FOUND,
                ServerCode::NotFound,
                "没有这个接口".into(),
            )
        })
        .method_not_allowed_fallback(|| async {
            ApiFailure(
                StatusCode::METHOD_NOT_ALLOWED,
                ServerCode::MethodNotAllowed,
                "该接口不支持此请求方法".into(),
            )
        })
        .with_state(central)
}

/// Serves until the process ends.
pub async fn serve(central: Central, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let tls = central.keys.tls().map(|t| t.config.clone());
    let limits = central.limits();
    crate::listen::run(
        router(central),
        listener,
        tls,
        std::future::pending(),
        timed_out,
        limits,
    )
    .await
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
    let tls = central.keys.tls().map(|t| t.config.clone());
    let limits = central.limits();
    crate::listen::run(router(central), listener, tls, stop, timed_out, limits).await
}
