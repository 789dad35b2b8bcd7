//! The HTTP face of the server: routes, authentication, JSON errors.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use counter_core::proto::*;

use crate::{Central, ServerFailure, OPENAPI};

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

async fn device_state(
    State(c): State<Central>,
    headers: HeaderMap,
) -> Result<Json<DeviceState>, ApiFailure> {
    let (device, _) = authed(&c, &headers).await?;
    Ok(Json(blocking(move || c.device_state(&device)).await?))
}

async fn openapi() -> impl IntoResponse {
    ([("content-type", "application/yaml")], OPENAPI)
}

pub fn router(central: Central) -> Router {
    Router::new()
        .route("/v1/enroll", post(enroll))
        .route("/v1/events", post(push))
        .route("/v1/device", get(device_state))
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
