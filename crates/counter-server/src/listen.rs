//! The server's own accept loop: a cap on open connections, and a time limit on reading a
//! request's headers (an idle connection and a client that sends its headers a byte at a time
//! are both closed), so a flood of idle or slow connections cannot stop the devices' pushes or
//! exhaust the process's open files (commonly 1,024): over the cap, new connections wait in the
//! listen backlog until a place frees. With TLS, the handshake has the same time limit of its
//! own, before the header time starts.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Open connections at once by default (`serve --max-connections`); more wait in the listen
/// backlog. Well under the 1,024 open files a server process commonly has.
pub const MAX_CONNECTIONS: usize = 512;
/// From a connection's start (or its last answer) to the end of the next request's headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// One request, body and answer included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// What a request that ran out of time is answered (the HTTP layer's words: this module knows
/// connections, not the API).
pub(crate) type OnTimeout = fn() -> axum::response::Response;

/// How connections are taken.
pub(crate) struct Limits {
    /// Connections served at once.
    pub cap: usize,
    /// Balancers whose connections begin with a PROXY protocol header naming the client
    /// (empty: no header is read from anyone).
    pub proxy_protocol_from: Arc<Vec<ipnet::IpNet>>,
}

/// Serves `app` on `listener` (over TLS when `tls` is given) until `stop` resolves.
pub(crate) async fn run(
    app: Router,
    listener: tokio::net::TcpListener,
    tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
    stop: impl Future<Output = ()> + Send + 'static,
    timed_out: OnTimeout,
    limits: Limits,
) -> std::io::Result<()> {
    let open = Arc::new(Semaphore::new(limits.cap.max(1)));
    tokio::pin!(stop);
    loop {
        // A free place first, then the next connection: over the cap, new connections wait in
        // the listen backlog (the kernel completes their handshake) until an idle or slow one
        // is closed by the header timeout, instead of being refused.
        let permit = tokio::select! {
            _ = &mut stop => return Ok(()),
            p = open.clone().acquire_owned() => p.expect("the semaphore is never closed"),
        };
        let (mut stream, peer) = tokio::select! {
            _ = &mut stop => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let app = app.clone();
        let tls = tls.clone().map(tokio_rustls::TlsAcceptor::from);
        let balancer = limits
            .proxy_protocol_from
            .iter()
            .any(|p| p.contains(&peer.ip()));
        tokio::spawn(async move {
            // The client a trusted balancer names, under the same time limit as a handshake.
            let peer = if balancer {
                let header = crate::proxy::read_source(&mut stream);
                match tokio::time::timeout(HEADER_READ_TIMEOUT, header).await {
                    Ok(Ok(client)) => client.unwrap_or(peer),
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, %peer, "bad PROXY header: connection closed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(%peer, "no PROXY header in time");
                        return;
                    }
                }
            } else {
                peer
            };
            match tls {
                None => connection(TokioIo::new(stream), app, peer, timed_out).await,
                Some(acceptor) => {
                    match tokio::time::timeout(HEADER_READ_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(s)) => connection(TokioIo::new(s), app, peer, timed_out).await,
                        Ok(Err(e)) => tracing::debug!(error = %e, %peer, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                }
            }
            drop(permit);
        });
    }
}

/// One connection's requests, each under the request timeout.
async fn connection<I>(io: I, app: Router, peer: SocketAddr, timed_out: OnTimeout)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = tower::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let mut req = req.map(axum::body::Body::new);
        req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
        let app = app.clone();
        async move {
            match tokio::time::timeout(REQUEST_TIMEOUT, app.oneshot(req)).await {
                Ok(r) => r,
                Err(_) => Ok(timed_out()),
            }
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(io, TowerToHyperService::new(service));
    if let Err(e) = conn.await {
        tracing::debug!(error = %e, %peer, "connection closed");
    }
}
