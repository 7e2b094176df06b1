//! The HTTP accept loop, with the two bounds `axum::serve` does not set:
//!
//! * **A header-read timeout.** A client gets [`HttpLimits::header_read_timeout`] to send
//!   the head of each request; a connection that trickles it (slowloris) is closed. hyper
//!   has the setting, but applies it only with a timer, which `axum::serve` does not give it.
//!   The same timer runs while a keep-alive connection waits for its next request, so idle
//!   connections close after it too.
//! * **A connection cap.** At most [`HttpLimits::max_connections`] connections are served
//!   at once; past it the loop stops accepting (new clients wait in the kernel's backlog)
//!   until one closes. As idle connections close after the header-read timeout, a full house
//!   of idle (or trickling) connections frees itself within that time.
//! * **A longest connection life** ([`HttpLimits::max_connection_age`]), the backstop for a
//!   client that sends a request body slowly: bodies are small here (64 KiB, 4 MiB for zone
//!   files), so a connection that is still busy after it is cut.
//!
//! hyper's HTTP/1.1 connections and hyper-util's graceful shutdown do the protocol work; this
//! module only adds the accounting. HTTP/1.1 only: the console is served behind a TLS proxy
//! or on loopback, where HTTP/2 is the proxy's business, and hyper-util's protocol sniffing
//! would wait for a silent client's first bytes without any timeout. Axum's `ConnectInfo<SocketAddr>` is set on every request, as
//! `into_make_service_with_connect_info` would.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// The bounds of the HTTP edge (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub max_connection_age: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            max_connection_age: Duration::from_secs(600),
        }
    }
}

/// How long requests in flight get to finish after shutdown was asked for.
const DRAIN: Duration = Duration::from_secs(10);
/// Pause after a failed accept (e.g. out of file descriptors), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` until `shutdown` completes, then lets the requests in flight
/// finish (for up to [`DRAIN`]).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        // A slot first: at the cap, nothing more is accepted until a connection ends.
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!(%err, "HTTP accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = TowerToHyperService::new(tower::service_fn(
            move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                let app = app.clone();
                async move { Ok::<_, Infallible>(app.oneshot(request).await.into_response_ok()) }
            },
        ));
        // No upgrades: the console and API use none (no WebSockets).
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        let age = limits.max_connection_age;
        tokio::spawn(async move {
            let _ = tokio::time::timeout(age, connection).await;
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("HTTP requests still running after the drain period; closing them");
    }
    Ok(())
}

/// `Router::oneshot` cannot fail (its error type is `Infallible`); this unwraps that.
trait IntoResponseOk {
    fn into_response_ok(self) -> axum::response::Response;
}

impl IntoResponseOk for Result<axum::response::Response, Infallible> {
    fn into_response_ok(self) -> axum::response::Response {
        match self {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }
}
