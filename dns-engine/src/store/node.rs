//! What a node tells its operator: a small HTTP health port, and a heartbeat row in the
//! store's `engine_node` table that the admin console lists.
//!
//! The health port answers `GET /livez` (the process runs), `GET /readyz` (200 once every
//! zone is served — also while the store is unreachable and the last snapshots are served —
//! 503 while loading), and `GET /status` (the whole report as JSON).

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use sqlx::PgPool;
use tokio::sync::watch;

use super::follow::{NodeState, NodeStatus, Report};

/// How often the heartbeat row is written.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

/// Who a node is, as its heartbeat and health port say.
#[derive(Clone, Debug)]
pub struct NodeIdentity {
    pub name: String,
    pub dns_addr: SocketAddr,
    pub health_addr: Option<SocketAddr>,
    pub started_at: SystemTime,
}

/// This machine's name, for default node names (`localhost` when it has none).
pub fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

fn unix_seconds(at: SystemTime) -> f64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The report as JSON (the `/status` body).
pub fn report_json(identity: &NodeIdentity, report: &Report) -> serde_json::Value {
    let now = SystemTime::now();
    let age = |at: Option<SystemTime>| {
        at.map(|at| now.duration_since(at).unwrap_or_default().as_secs_f64())
    };
    serde_json::json!({
        "name": identity.name,
        "dns_address": identity.dns_addr.to_string(),
        "state": report.state.as_str(),
        "replica": report.replica,
        "last_change_id": report.last_change_id,
        "last_change_at": report.last_change_at.map(unix_seconds),
        "last_change_age_seconds": age(report.last_change_at),
        "checked_age_seconds": age(report.checked_at),
        "zones": report.zones,
        "records": report.records,
        "full_loads": report.full_loads,
        "restored": report.restored,
        "last_full_load": report.last_full_load.as_ref().map(|l| serde_json::json!({
            "zones": l.zones,
            "records": l.records,
            "failed_zones": l.failed_zones,
            "skipped_rrsets": l.skipped_rrsets,
            "elapsed_seconds": l.elapsed.as_secs_f64(),
        })),
        "entries_applied": report.entries_applied,
        "zones_reread": report.zones_reread,
        "reordered": report.reordered,
        "error": report.error,
        "started_at": unix_seconds(identity.started_at),
        "version": env!("CARGO_PKG_VERSION"),
    })
}

/// Serves the health port on `listener` until `stop` turns `true`.
pub async fn serve_health(
    listener: tokio::net::TcpListener,
    identity: NodeIdentity,
    status: NodeStatus,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let ready = status.clone();
    let report = status;
    let app = Router::new()
        .route("/livez", get(|| async { "live\n" }))
        .route(
            "/readyz",
            get(move || {
                let state = ready.report().state;
                async move {
                    match state {
                        NodeState::Loading => {
                            (StatusCode::SERVICE_UNAVAILABLE, "loading\n").into_response()
                        }
                        state => (StatusCode::OK, format!("{}\n", state.as_str())).into_response(),
                    }
                }
            }),
        )
        .route(
            "/status",
            get(move || {
                let body = report_json(&identity, &report.report());
                async move { Json(body) }
            }),
        );
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|s| *s).await;
        })
        .await
}

/// Writes the heartbeat row every [`HEARTBEAT_EVERY`] until `stop` turns `true`. A failed
/// write is logged (once per outage) and retried with the next beat: the heartbeat never
/// stops the node.
pub async fn heartbeat(
    pool: PgPool,
    identity: NodeIdentity,
    status: NodeStatus,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(HEARTBEAT_EVERY);
    let mut failing = false;
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = tick.tick() => {}
        }
        match beat(&pool, &identity, &status.report()).await {
            Ok(()) => {
                if std::mem::take(&mut failing) {
                    tracing::info!("heartbeat written again");
                }
            }
            Err(e) => {
                if !std::mem::replace(&mut failing, true) {
                    tracing::warn!(error = %e, "cannot write the heartbeat; retrying");
                }
            }
        }
    }
}

async fn beat(pool: &PgPool, identity: &NodeIdentity, report: &Report) -> sqlx::Result<()> {
    let applied = report.last_change_at.map(unix_seconds);
    sqlx::query!(
        "insert into engine_node
                (name, dns_address, health_address, last_change_id, last_change_at, zones, records,
                 state, replica, version, started_at, seen_at)
         values ($1, $2, $3, $4, to_timestamp($5), $6, $7, $8, $9, $10, to_timestamp($11), now())
         on conflict (name) do update
            set dns_address = excluded.dns_address, health_address = excluded.health_address,
                last_change_id = excluded.last_change_id,
                last_change_at = excluded.last_change_at,
                zones = excluded.zones, records = excluded.records, state = excluded.state,
                replica = excluded.replica, version = excluded.version,
                started_at = excluded.started_at, seen_at = now()",
        identity.name,
        identity.dns_addr.to_string(),
        identity.health_addr.map(|a| a.to_string()),
        report.last_change_id,
        applied,
        i32::try_from(report.zones).unwrap_or(i32::MAX),
        i64::try_from(report.records).unwrap_or(i64::MAX),
        report.state.as_str(),
        report.replica,
        env!("CARGO_PKG_VERSION"),
        unix_seconds(identity.started_at),
    )
    .execute(pool)
    .await?;
    Ok(())
}
