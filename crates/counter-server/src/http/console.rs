//! The central console's JSON API under `/console/api/`: a session cookie (HttpOnly, Secure,
//! SameSite=Strict) from `login`, roles checked by the console's functions, and every
//! state-changing request refused unless it comes from the console's own origin.

use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use counter_core::case::{Applicant, CaseState, Person};
use counter_core::figures::Figures;
use counter_core::proto::ServerCode;
use serde::{Deserialize, Serialize};

use super::{blocking, too_many, ApiFailure, Body, Params, Peer, Segments};
use crate::audit::AuditEntry;
use crate::console::{CaseDetail, Verdict};
use crate::console_admin::{CatalogCheck, EditionRow, FlagRow};
use crate::enrol::DeviceRow;
use crate::staff::{SignInFailure, StaffMember, StaffRole};
use crate::unix_now as now;
use crate::Central;

/// The largest catalog edition taken (the national list is about 200 KB of TOML).
const CATALOG_BODY: usize = 4 * 1024 * 1024;

/// Sign-ins whose password is being hashed at once.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// The session cookie's name; the cookie is sent only to `/console`.
const COOKIE: &str = "counter_console";

fn local_now() -> chrono::NaiveDateTime {
    chrono::SubsecRound::trunc_subsecs(chrono::Local::now().naive_local(), 0)
}

fn unauthenticated() -> ApiFailure {
    ApiFailure(
        StatusCode::UNAUTHORIZED,
        ServerCode::Auth,
        "请先登录（登录已过期或已退出）".into(),
    )
}

/// The session's token from the `Cookie` header.
fn session_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// A state-changing request must come from the console's own pages: a browser's `Origin` (or
/// `Sec-Fetch-Site`) naming another site is refused. Clients that are not browsers send
/// neither; the SameSite=Strict cookie keeps other sites' pages from using a session anyway.
fn same_origin(method: &Method, headers: &HeaderMap) -> Result<(), ApiFailure> {
    if matches!(*method, Method::GET | Method::HEAD) {
        return Ok(());
    }
    let refused = || {
        ApiFailure(
            StatusCode::FORBIDDEN,
            ServerCode::Forbidden,
            "请求来自其他网站，已拒绝".into(),
        )
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        if !matches!(site, "same-origin" | "none") {
            return Err(refused());
        }
    }
    if let Some(origin) = header("origin") {
        let host = header("host").unwrap_or("");
        let own = [format!("https://{host}"), format!("http://{host}")];
        if !own.iter().any(|o| o == origin) {
            return Err(refused());
        }
    }
    Ok(())
}

/// The member of staff whose session the request carries.
struct Staff {
    who: StaffMember,
    token: String,
}

impl FromRequestParts<Central> for Staff {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, c: &Central) -> Result<Self, ApiFailure> {
        same_origin(&parts.method, &parts.headers)?;
        let token = session_token(parts).ok_or_else(unauthenticated)?;
        let central = c.clone();
        let presented = token.clone();
        match blocking(move || central.session(&presented, now())).await? {
            Some(who) => Ok(Staff { who, token }),
            None => Err(unauthenticated()),
        }
    }
}

#[derive(Deserialize)]
struct Login {
    name: String,
    password: String,
}

async fn login(
    State(c): State<Central>,
    Peer(ip): Peer,
    headers: HeaderMap,
    Body(req): Body<Login>,
) -> Result<Response, ApiFailure> {
    same_origin(&Method::POST, &headers)?;
    if !c.guard.sign_in_allowed(ip) {
        return Err(too_many());
    }
    // A password hash takes 19 MiB and tens of milliseconds: a few at once, and a flood of
    // sign-ins waits, then is told the server is busy, instead of taking the memory.
    let Ok(Ok(_hashing)) =
        tokio::time::timeout(std::time::Duration::from_secs(5), HASHING.acquire()).await
    else {
        return Err(crate::ServerFailure::Busy.into());
    };
    let central = c.clone();
    let name = req.name.clone();
    let signed = tokio::task::spawn_blocking(move || central.sign_in(&name, &req.password, now()))
        .await
        .map_err(|_| ApiFailure::from(crate::ServerFailure::Storage("登录中断".into())))?;
    match signed {
        Ok((token, who)) => {
            let cookie =
                format!("{COOKIE}={token}; Path=/console; HttpOnly; Secure; SameSite=Strict");
            let mut r = Json(who).into_response();
            r.headers_mut().insert(
                header::SET_COOKIE,
                HeaderValue::from_str(&cookie).expect("a token is hex"),
            );
            Ok(r)
        }
        // One address trying many names is limited like the devices' tokens.
        Err(SignInFailure::Wrong) if c.guard.sign_in_failed(ip) => Err(too_many()),
        Err(e @ SignInFailure::Wrong) => Err(ApiFailure(
            StatusCode::UNAUTHORIZED,
            ServerCode::Auth,
            e.to_string(),
        )),
        Err(e @ SignInFailure::Locked { .. }) => Err(ApiFailure(
            StatusCode::TOO_MANY_REQUESTS,
            ServerCode::RateLimited,
            e.to_string(),
        )),
        Err(e @ SignInFailure::Disabled(_)) => Err(ApiFailure(
            StatusCode::FORBIDDEN,
            ServerCode::Forbidden,
            e.to_string(),
        )),
        Err(SignInFailure::Server(e)) => Err(e.into()),
    }
}

async fn logout(State(c): State<Central>, s: Staff) -> Result<Response, ApiFailure> {
    blocking(move || c.sign_out(&s.token, &s.who.name)).await?;
    let gone = format!("{COOKIE}=; Path=/console; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, gone)]).into_response())
}

async fn me(s: Staff) -> Json<StaffMember> {
    Json(s.who)
}

#[derive(Deserialize)]
struct CaseFilter {
    state: Option<String>,
}

/// The queue, with the number of cases in all in `X-Total-Count` (it lists the most urgent).
async fn cases(
    State(c): State<Central>,
    s: Staff,
    Params(f): Params<CaseFilter>,
) -> Result<Response, ApiFailure> {
    let state = match f.state.as_deref() {
        None => None,
        Some(x) => Some(CaseState::parse(x).ok_or_else(|| {
            ApiFailure::from(crate::ServerFailure::Input(format!("未知的办件状态“{x}”")))
        })?),
    };
    let today = local_now().date();
    let (list, total) = blocking(move || c.queue(&s.who, state, today)).await?;
    Ok(([("x-total-count", total.to_string())], Json(list)).into_response())
}

async fn case(
    State(c): State<Central>,
    s: Staff,
    Segments(case_no): Segments<String>,
) -> Result<Json<CaseDetail>, ApiFailure> {
    Ok(Json(
        blocking(move || c.console_case(&s.who, &case_no)).await?,
    ))
}

#[derive(Serialize)]
struct Unmasked {
    applicant: Applicant,
    agent: Option<Person>,
}

async fn unmask(
    State(c): State<Central>,
    s: Staff,
    Segments(case_no): Segments<String>,
) -> Result<Json<Unmasked>, ApiFailure> {
    let (applicant, agent) = blocking(move || c.unmask(&s.who, &case_no)).await?;
    Ok(Json(Unmasked { applicant, agent }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Review {
    approve: Option<bool>,
    #[serde(rename = "return")]
    return_: Option<String>,
}

async fn review(
    State(c): State<Central>,
    s: Staff,
    Segments(case_no): Segments<String>,
    Body(r): Body<Review>,
) -> Result<StatusCode, ApiFailure> {
    let verdict = match (r.approve, r.return_) {
        (Some(true), None) => Verdict::Approve,
        (None, Some(reason)) => Verdict::Return(reason),
        _ => {
            return Err(crate::ServerFailure::Input(
                "请给出 {\"approve\": true} 或 {\"return\": \"退回理由\"} 之一".into(),
            )
            .into())
        }
    };
    blocking(move || c.console_decide(&s.who, &case_no, &verdict, local_now())).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn complete(
    State(c): State<Central>,
    s: Staff,
    Segments(case_no): Segments<String>,
) -> Result<StatusCode, ApiFailure> {
    blocking(move || c.console_decide(&s.who, &case_no, &Verdict::Complete, local_now())).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Period {
    from: NaiveDate,
    to: NaiveDate,
    point: Option<String>,
}

async fn figures(
    State(c): State<Central>,
    s: Staff,
    Params(p): Params<Period>,
) -> Result<Json<Figures>, ApiFailure> {
    let today = local_now().date();
    let f = blocking(move || c.console_figures(&s.who, p.from, p.to, p.point.as_deref(), today))
        .await?;
    Ok(Json(f))
}

async fn figures_xlsx(
    State(c): State<Central>,
    s: Staff,
    Params(p): Params<Period>,
) -> Result<Response, ApiFailure> {
    let name = format!("figures-{}-{}.xlsx", p.from, p.to);
    let bytes =
        blocking(move || c.figures_workbook(&s.who, p.from, p.to, p.point.as_deref(), local_now()))
            .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
struct Limit {
    limit: Option<u32>,
}

async fn audit(
    State(c): State<Central>,
    s: Staff,
    Params(l): Params<Limit>,
) -> Result<Json<Vec<AuditEntry>>, ApiFailure> {
    let limit = l.limit.unwrap_or(200).min(1000);
    Ok(Json(
        blocking(move || c.console_audit(&s.who, limit)).await?,
    ))
}

async fn devices(State(c): State<Central>, s: Staff) -> Result<Json<Vec<DeviceRow>>, ApiFailure> {
    Ok(Json(blocking(move || c.console_devices(&s.who)).await?))
}

async fn revoke(
    State(c): State<Central>,
    s: Staff,
    Segments(device): Segments<String>,
) -> Result<StatusCode, ApiFailure> {
    blocking(move || c.console_revoke(&s.who, &device)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeRequest {
    point: String,
    level: Option<String>,
    name: Option<String>,
}

#[derive(Serialize)]
struct Pass {
    /// The one-time enrolment pass: the code, then the pin of this server.
    pass: String,
}

async fn enroll_code(
    State(c): State<Central>,
    s: Staff,
    Body(r): Body<CodeRequest>,
) -> Result<Json<Pass>, ApiFailure> {
    let pass = blocking(move || {
        c.console_enroll_code(&s.who, &r.point, r.level.as_deref(), r.name.as_deref())
    })
    .await?;
    Ok(Json(Pass { pass }))
}

async fn editions(State(c): State<Central>, s: Staff) -> Result<Json<Vec<EditionRow>>, ApiFailure> {
    Ok(Json(blocking(move || c.console_editions(&s.who)).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Upload {
    /// The catalog edition's TOML.
    toml: String,
}

async fn check_catalog(
    State(c): State<Central>,
    s: Staff,
    Body(u): Body<Upload>,
) -> Result<Json<CatalogCheck>, ApiFailure> {
    Ok(Json(
        blocking(move || c.console_check_catalog(&s.who, &u.toml)).await?,
    ))
}

#[derive(Serialize)]
struct Published {
    id: String,
    version: i64,
}

async fn publish_catalog(
    State(c): State<Central>,
    s: Staff,
    Body(u): Body<Upload>,
) -> Result<Json<Published>, ApiFailure> {
    let (id, version) = blocking(move || c.console_publish_catalog(&s.who, &u.toml)).await?;
    Ok(Json(Published { id, version }))
}

async fn flags(State(c): State<Central>, s: Staff) -> Result<Json<Vec<FlagRow>>, ApiFailure> {
    Ok(Json(blocking(move || c.console_flags(&s.who)).await?))
}

async fn flag_reviewed(
    State(c): State<Central>,
    s: Staff,
    Segments(id): Segments<i64>,
) -> Result<StatusCode, ApiFailure> {
    blocking(move || c.console_flag_reviewed(&s.who, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
struct CalendarPublished {
    version: i64,
}

async fn publish_calendar(
    State(c): State<Central>,
    s: Staff,
    Body(u): Body<Upload>,
) -> Result<Json<CalendarPublished>, ApiFailure> {
    let version = blocking(move || c.console_publish_calendar(&s.who, &u.toml)).await?;
    Ok(Json(CalendarPublished { version }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Export {
    /// The file `counter sync export` wrote.
    text: String,
}

#[derive(Serialize)]
struct Imported {
    acked_through: i64,
    rejected: usize,
}

async fn import(
    State(c): State<Central>,
    s: Staff,
    Body(e): Body<Export>,
) -> Result<Json<Imported>, ApiFailure> {
    let r = blocking(move || c.console_import(&s.who, &e.text)).await?;
    Ok(Json(Imported {
        acked_through: r.acked_through,
        rejected: r.rejected.len(),
    }))
}

async fn staff_list(
    State(c): State<Central>,
    s: Staff,
) -> Result<Json<Vec<StaffMember>>, ApiFailure> {
    Ok(Json(blocking(move || c.console_staff(&s.who)).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewStaff {
    name: String,
    role: StaffRole,
    points: Option<Vec<String>>,
    password: String,
}

async fn staff_add(
    State(c): State<Central>,
    s: Staff,
    Body(n): Body<NewStaff>,
) -> Result<StatusCode, ApiFailure> {
    blocking(move || c.console_staff_add(&s.who, &n.name, n.role, n.points, &n.password)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn staff_disable(
    State(c): State<Central>,
    s: Staff,
    Segments(name): Segments<String>,
) -> Result<StatusCode, ApiFailure> {
    blocking(move || c.console_staff_disable(&s.who, &name)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPassword {
    password: String,
}

async fn staff_reset(
    State(c): State<Central>,
    s: Staff,
    Segments(name): Segments<String>,
    Body(p): Body<NewPassword>,
) -> Result<StatusCode, ApiFailure> {
    blocking(move || c.console_staff_reset(&s.who, &name, &p.password)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn routes() -> Router<Central> {
    Router::new()
        .route("/console/api/login", post(login))
        .route("/console/api/logout", post(logout))
        .route("/console/api/me", get(me))
        .route("/console/api/cases", get(cases))
        .route("/console/api/cases/{case_no}", get(case))
        .route("/console/api/cases/{case_no}/unmask", post(unmask))
        .route("/console/api/cases/{case_no}/review", post(review))
        .route("/console/api/cases/{case_no}/complete", post(complete))
        .route("/console/api/figures", get(figures))
        .route("/console/api/figures.xlsx", get(figures_xlsx))
        .route("/console/api/audit", get(audit))
        .route("/console/api/devices", get(devices))
        .route("/console/api/devices/{device}/revoke", post(revoke))
        .route("/console/api/enroll-codes", post(enroll_code))
        .route("/console/api/catalogs", get(editions))
        .route(
            "/console/api/catalogs/check",
            post(check_catalog).layer(DefaultBodyLimit::max(CATALOG_BODY)),
        )
        .route(
            "/console/api/catalogs/publish",
            post(publish_catalog).layer(DefaultBodyLimit::max(CATALOG_BODY)),
        )
        .route("/console/api/calendars/publish", post(publish_calendar))
        .route(
            "/console/api/imports",
            post(import).layer(DefaultBodyLimit::max(CATALOG_BODY)),
        )
        .route("/console/api/staff", get(staff_list).post(staff_add))
        .route("/console/api/staff/{name}/disable", post(staff_disable))
        .route("/console/api/staff/{name}/reset", post(staff_reset))
        .route("/console/api/flags", get(flags))
        .route("/console/api/flags/{id}/reviewed", post(flag_reviewed))
}
