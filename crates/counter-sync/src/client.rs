//! The transport: one HTTPS client per run that trusts the pinned authority alone, plain HTTP
//! to this machine only, retries with backoff and jitter, and network failures in words.

use std::time::Duration;

use counter_core::proto::{ServerCode, ServerError};
use serde::Serialize;

use crate::{Options, SyncError};

/// What was wrong with the server's certificate, when that is the failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Certificate {
    /// Not the pinned authority's: another server, or someone in between.
    Issuer,
    /// Expired or not yet valid: often this PC's clock.
    Time,
    /// The authority's, but not for the address dialled.
    Name,
}

/// reqwest reports a refused certificate as a connection error with rustls's words inside
/// (`invalid peer certificate: UnknownIssuer`, `certificate expired: …`, `certificate not
/// valid for name …`).
fn certificate_problem(e: &reqwest::Error) -> Option<Certificate> {
    let mut cause: Option<&dyn std::error::Error> = Some(e);
    while let Some(c) = cause {
        let text = c.to_string();
        if text.contains("expired")
            || text.contains("not valid yet")
            || text.contains("NotValidYet")
        {
            return Some(Certificate::Time);
        }
        if text.contains("not valid for name") || text.contains("NotValidForName") {
            return Some(Certificate::Name);
        }
        if text.contains("certificate") {
            return Some(Certificate::Issuer);
        }
        cause = c.source();
    }
    None
}

/// A network failure in words a clerk can act on (reqwest's own text is English).
fn describe(e: &reqwest::Error, server: &str, opts: &Options) -> String {
    if let Some(problem) = certificate_problem(e) {
        match problem {
            Certificate::Issuer => format!(
                "中心服务器（{server}）出示的证书不是注册时钉住的证书机构签发的，已拒绝连接：请核对服务器地址；地址无误时，可能有人冒充中心服务器，请立即联系管理员"
            ),
            Certificate::Time => format!(
                "中心服务器（{server}）的证书不在有效期内，已拒绝连接：请先核对本机的日期和时间；日期时间无误时，中心证书可能已过期，请联系管理员续期"
            ),
            Certificate::Name => format!(
                "中心服务器的证书不包含地址“{server}”，已拒绝连接：请使用管理员给出的服务器地址（证书中所列的域名或 IP）"
            ),
        }
    } else if e.is_timeout() {
        if e.is_connect() {
            format!(
                "{}秒内连接不上中心服务器（{server}），请检查网络",
                opts.connect_timeout.as_secs()
            )
        } else {
            format!(
                "中心服务器（{server}）在{}秒内没有应答，请稍后再试或联系管理员",
                opts.timeout.as_secs()
            )
        }
    } else if e.is_connect() {
        format!("无法连接中心服务器（{server}），请检查网络和服务器地址")
    } else {
        format!("与中心服务器（{server}）的连接中断")
    }
}

pub(crate) struct Client {
    http: reqwest::blocking::Client,
    server: String,
    token: Option<String>,
    opts: Options,
    jitter: u64,
}

/// The server address, if data may go there: HTTPS anywhere, plain HTTP to this machine only.
pub fn check_address(server: &str) -> Result<reqwest::Url, SyncError> {
    let bad = |why: &str| SyncError::Trust(format!("中心服务器地址“{server}”{why}"));
    let url = reqwest::Url::parse(server.trim())
        .map_err(|_| bad("无法识别，应形如 https://域名或地址:端口"))?;
    let host = url.host_str().ok_or_else(|| bad("缺少主机名"))?;
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback());
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(bad(
            "是明文 http://：申请人的信息会在网络上以明文传输，本机拒绝使用。请改用管理员给出的 https:// 地址",
        )),
        _ => Err(bad("应以 https:// 开头")),
    }
}

/// How a client trusts the server: the pinned authority alone, or (only to read the server's
/// trust at enrolment, before the pin is checked) any certificate.
pub(crate) enum Pinning<'a> {
    Authority(Option<&'a str>),
    Unchecked,
}

impl Client {
    pub(crate) fn new(
        server: &str,
        token: Option<String>,
        opts: Options,
        pinning: Pinning<'_>,
    ) -> Result<Client, SyncError> {
        let url = check_address(server)?;
        // No redirects: an answer elsewhere (plain HTTP, another host) is never followed.
        let mut b = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(opts.timeout)
            .connect_timeout(opts.connect_timeout);
        if url.scheme() == "https" {
            b = match pinning {
                Pinning::Unchecked => b.tls_danger_accept_invalid_certs(true),
                Pinning::Authority(Some(pem)) => {
                    // A bundle (an organisation's root and intermediates) as well as one.
                    let ca = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                        .ok()
                        .filter(|c| !c.is_empty())
                        .ok_or_else(|| {
                            SyncError::Trust("本机保存的中心证书机构已损坏：请重新注册".into())
                        })?;
                    b.tls_certs_only(ca)
                }
                Pinning::Authority(None) => {
                    return Err(SyncError::Trust(
                        "本机注册时没有钉住中心的证书机构，不能使用 https 地址：请用管理员新给的注册码重新注册".into(),
                    ))
                }
            };
        }
        let http = b.build().map_err(|e| SyncError::Network(e.to_string()))?;
        // Jitter only spreads retries; nothing is ordered by the clock.
        let jitter = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.subsec_nanos() as u64 | 1)
            ^ u64::from(std::process::id());
        Ok(Client {
            http,
            server: server.trim_end_matches('/').to_string(),
            token,
            opts,
            jitter,
        })
    }

    pub(crate) fn pause(&mut self, attempt: u32) {
        self.jitter ^= self.jitter << 13;
        self.jitter ^= self.jitter >> 7;
        self.jitter ^= self.jitter << 17;
        let base = 200u64 << attempt.min(6);
        std::thread::sleep(Duration::from_millis(base + self.jitter % base.max(1)));
    }

    /// One request, retried on network failures and server errors (5xx), and after the
    /// server's `Retry-After` on 408, 429 and 503; any other 4xx is final.
    pub(crate) fn call<B: Serialize, T: serde::de::DeserializeOwned>(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, SyncError> {
        let mut attempt = 0;
        loop {
            let mut req = self
                .http
                .request(method.clone(), format!("{}{path}", self.server));
            if let Some(t) = &self.token {
                req = req.bearer_auth(t);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let failure = match req.send() {
                Ok(resp) if resp.status().is_success() => {
                    return resp
                        .json::<T>()
                        .map_err(|e| SyncError::Protocol(format!("应答无法识别：{e}")));
                }
                // Come back later: within the run when the wait is short, else the caller
                // (the background sync) schedules the next run after it.
                Ok(resp) if matches!(resp.status().as_u16(), 408 | 429 | 503) => {
                    let after = retry_after(&resp);
                    let message = resp
                        .json::<ServerError>()
                        .map(|e| e.message)
                        .unwrap_or_else(|_| "请稍后再试".into());
                    if attempt >= self.opts.retries || after > MAX_WAIT_IN_RUN {
                        return Err(SyncError::Busy { after, message });
                    }
                    tracing::warn!(attempt, secs = after.as_secs(), "server busy, waiting");
                    std::thread::sleep(after);
                    attempt += 1;
                    continue;
                }
                Ok(resp) if resp.status().is_client_error() => {
                    let e = resp.json::<ServerError>().unwrap_or(ServerError {
                        code: ServerCode::Unknown,
                        message: "请求被拒绝".into(),
                    });
                    return Err(SyncError::Server {
                        code: e.code,
                        message: e.message,
                    });
                }
                Ok(resp) => format!("中心服务器出错（{}）", resp.status().as_u16()),
                // Another certificate is no passing failure: never retried.
                Err(e) if certificate_problem(&e).is_some() => {
                    tracing::error!(error = %e, server = %self.server, "server certificate refused");
                    return Err(SyncError::Trust(describe(&e, &self.server, &self.opts)));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "sync request failed");
                    describe(&e, &self.server, &self.opts)
                }
            };
            if attempt >= self.opts.retries {
                return Err(SyncError::Network(failure));
            }
            tracing::warn!(attempt, %failure, "sync request failed, retrying");
            self.pause(attempt);
            attempt += 1;
        }
    }
}

/// The longest `Retry-After` waited for inside one run; a longer one ends the run.
const MAX_WAIT_IN_RUN: Duration = Duration::from_secs(15);

/// The server's `Retry-After` in seconds (the date form is not sent by ours), else 5 s.
fn retry_after(resp: &reqwest::blocking::Response) -> Duration {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(5), |s| Duration::from_secs(s.min(3600)))
}
