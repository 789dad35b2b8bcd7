//! The console's pages: the Vue build (ui/dist, the `console` page and its assets), embedded
//! in the binary (read from ui/dist in debug builds), served at `/console/`.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use counter_core::proto::ServerCode;

use super::ApiFailure;
use crate::Central;

#[derive(rust_embed::Embed)]
#[folder = "../../ui/dist"]
#[include = "console.html"]
#[include = "assets/*"]
struct Pages;

/// Scripts, styles and images from this server only; no frame may show the console (a page
/// of another site cannot put its buttons under the reviewer's clicks).
const POLICY: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn file(path: &str) -> Response {
    match Pages::get(path) {
        Some(f) => (
            [
                (header::CONTENT_TYPE, f.metadata.mimetype().to_string()),
                (header::CACHE_CONTROL, "no-store".to_string()),
                (header::CONTENT_SECURITY_POLICY, POLICY.to_string()),
                (header::X_FRAME_OPTIONS, "DENY".to_string()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            ],
            f.data.into_owned(),
        )
            .into_response(),
        None => ApiFailure(
            StatusCode::NOT_FOUND,
            ServerCode::NotFound,
            "没有这个页面（审核台未随本程序构建：先运行 npm run build）".into(),
        )
        .into_response(),
    }
}

async fn console_page() -> Response {
    file("console.html")
}

async fn asset(Path(name): Path<String>) -> Response {
    file(&format!("assets/{name}"))
}

pub(super) fn routes() -> Router<Central> {
    Router::new()
        .route(
            "/console",
            get(|| async { Redirect::permanent("/console/") }),
        )
        .route("/console/", get(console_page))
        .route("/assets/{name}", get(asset))
}
