//! The browser mode. The workstation's commands (`counter_desk::for_each_command!`) answer at
//! `POST /api/<command>` on a loopback-only HTTP server that also serves the UI's build; the
//! UI picks this transport when it is not in the desktop window (`ui/src/api.ts`).
//!
//! Who may call: the process prints a random token in the URL it opens; the first page load
//! exchanges it for an HttpOnly SameSite=Strict cookie (also accepted as `Authorization:
//! Bearer`). Every other request without it is refused (401), and so is a `Host` or `Origin`
//! that is not this loopback address (403: DNS rebinding, other sites' pages).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use counter_desk::{ApiError, ApiErrorCode};

mod commands;
mod lock;
pub use commands::{call, is_slow};
pub use lock::{lock_store, LockError, StoreLock};

/// The workstation, or why it could not open (every command then answers with that reason).
pub type Desk = Result<Arc<counter_desk::Desk>, ApiError>;

/// The cookie the token is exchanged for.
pub const COOKIE: &str = "counter_session";

#[derive(rust_embed::Embed)]
#[folder = "../../ui/dist"]
#[allow_missing = true]
struct Ui;

/// What the server holds.
pub struct App {
    pub desk: Desk,
    pub token: String,
    /// The only `Host` values served (`127.0.0.1:PORT`, `localhost:PORT`).
    pub hosts: Vec<String>,
    /// Quick commands run one at a time, in the order they arrived (a clerk's keys); the
    /// lock is fair.
    order: tokio::sync::Mutex<()>,
}

impl App {
    pub fn new(desk: Desk, token: String, addr: SocketAddr) -> App {
        let port = addr.port();
        let mut hosts = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}")];
        if addr.is_ipv6() {
            hosts.push(format!("[::1]:{port}"));
        }
        App {
            desk,
            token,
            hosts,
            order: tokio::sync::Mutex::new(()),
        }
    }
}

/// A random token for this start (128 bits, hex).
pub fn new_token() -> String {
    use chacha20poly1305::aead::rand_core::RngCore;
    let mut b = [0u8; 16];
    chacha20poly1305::aead::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn refuse(status: StatusCode, code: ApiErrorCode, message: &str) -> Response {
    (
        status,
        Json(ApiError {
            code,
            message: message.into(),
        }),
    )
        .into_response()
}

/// `Host` must be this loopback address, and `Origin`, when sent, this server.
async fn same_origin(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let h = req.headers();
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_ok = h
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|o| app.hosts.iter().any(|x| o == format!("http://{x}")));
    if !app.hosts.iter().any(|x| x == host) || !origin_ok {
        return refuse(
            StatusCode::FORBIDDEN,
            ApiErrorCode::Auth,
            "只接受本机 Counter 页面的请求",
        );
    }
    next.run(req).await
}

fn presented(h: &HeaderMap) -> Option<String> {
    let bearer = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(String::from);
    let cookie = h
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| {
            c.trim()
                .strip_prefix(&format!("{COOKIE}="))
                .map(String::from)
        })
        .next();
    bearer.or(cookie)
}

/// Compares without an early exit on the first differing byte.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// The token exchange (`/?token=…`), then the cookie or bearer token on every request.
async fn session(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let offered = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("token=")))
        .map(String::from);
    if let Some(t) = offered {
        if !same(&t, &app.token) {
            return refuse(
                StatusCode::UNAUTHORIZED,
                ApiErrorCode::Auth,
                "链接已失效：请重新打开 Counter",
            );
        }
        // The token leaves the address bar; the cookie carries it from now on.
        return Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, "/")
            .header(
                header::SET_COOKIE,
                format!("{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", app.token),
            )
            .body(Body::empty())
            .expect("a redirect");
    }
    match presented(req.headers()) {
        Some(t) if same(&t, &app.token) => next.run(req).await,
        _ => refuse(
            StatusCode::UNAUTHORIZED,
            ApiErrorCode::Auth,
            "请从 Counter 打开的链接进入（本机服务只接受它）",
        ),
    }
}

async fn command(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let args: serde_json::Value = if body.is_empty() {
        serde_json::json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    ApiErrorCode::InvalidInput,
                    &format!("请求内容无法识别：{e}"),
                )
            }
        }
    };
    let quick = !is_slow(&name);
    // Held until the command has run: quick commands keep their order.
    let _turn = if quick {
        Some(app.order.lock().await)
    } else {
        None
    };
    let worker = app.clone();
    let answer = tokio::task::spawn_blocking(move || call(&worker.desk, &name, args)).await;
    match answer {
        Ok(Some(Ok(v))) => Json(v).into_response(),
        Ok(Some(Err(e))) => (StatusCode::UNPROCESSABLE_ENTITY, Json(e)).into_response(),
        Ok(None) => refuse(
            StatusCode::NOT_FOUND,
            ApiErrorCode::NotFound,
            "没有这个命令",
        ),
        Err(_) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            ApiErrorCode::Storage,
            "程序内部错误，请重启 Counter",
        ),
    }
}

async fn asset(uri: axum::http::Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    match Ui::get(path) {
        Some(f) => (
            [
                (header::CONTENT_TYPE, f.metadata.mimetype().to_string()),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            f.data.into_owned(),
        )
            .into_response(),
        None => refuse(
            StatusCode::NOT_FOUND,
            ApiErrorCode::NotFound,
            "没有这个页面",
        ),
    }
}

/// The routes, behind the origin and session checks.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/api/{command}", post(command))
        .route("/", get(asset))
        .route("/{*path}", get(asset))
        .layer(middleware::from_fn_with_state(app.clone(), session))
        .layer(middleware::from_fn_with_state(app.clone(), same_origin))
        .with_state(app)
}
