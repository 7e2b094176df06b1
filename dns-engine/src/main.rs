//! `dns-engine`: a standalone Zonekeeper engine node.
//!
//! Serves every zone of the store on UDP and TCP until Ctrl-C or SIGTERM, following the
//! store's change log ([`dns_engine::store`]): the primary PostgreSQL, or a streaming
//! replica of it (a hot standby, which the node polls). Nodes like this one scale the DNS side
//! out next to the `zonekeeper` panel, which embeds the same engine and follower.
//!
//! At start the node checks that the store has the schema this binary reads (it never
//! migrates; a store of another version is a clear error and a non-zero exit), loads every
//! zone, and only then answers. While the store is unreachable later it keeps answering from
//! its last snapshots and catches up when the store is back.
//!
//! Response rate limiting is on by default (200 responses a second per client network and
//! response, as NSD does); `--rrl-ratelimit 0` turns it off. Nodes of an anycast set should
//! share `--cookie-secret`, so that each accepts the DNS Cookies of the others.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::Parser;
use dns_engine::args::EdgeArgs;
use dns_engine::store::node::{heartbeat, host_name, serve_health, NodeIdentity};
use dns_engine::store::state::StateDir;
use dns_engine::store::{schema, FollowConfig, Follower};
use dns_engine::DnsServer;
use hickory_proto::rr::Name;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use tokio::sync::watch;
use tracing::{error, info, warn};
use tracing_subscriber::EnvFilter;

/// Zonekeeper's authoritative DNS engine, as a standalone node that follows the store.
#[derive(Debug, Parser)]
#[command(name = "dns-engine", version, about)]
struct Args {
    /// The store: the panel's PostgreSQL database, or a hot-standby replica of it. A
    /// read-only role is enough (see the README's "Running more engine nodes").
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,

    /// Where the heartbeat row is written (`engine_node`, listed in the admin console): the
    /// primary. Defaults to `--database-url` unless that is a replica; a node on a replica
    /// without it reports only on its health port.
    #[arg(
        long,
        env = "ZONEKEEPER_HEARTBEAT_DATABASE_URL",
        hide_env_values = true
    )]
    heartbeat_database_url: Option<String>,

    /// Address to serve DNS on, over both UDP and TCP (port 53 needs privileges).
    #[arg(long, env = "ZONEKEEPER_DNS_ADDR", default_value = "127.0.0.1:1053")]
    dns_addr: SocketAddr,

    /// Address of the health port (`/livez`, `/readyz`, `/status`); none when not given.
    #[arg(long, env = "ZONEKEEPER_HEALTH_ADDR")]
    health_addr: Option<SocketAddr>,

    /// This node's name in the heartbeat table and the admin console (unique per node).
    /// Defaults to the host name and the DNS port.
    #[arg(long, env = "ZONEKEEPER_NODE_NAME")]
    node_name: Option<String>,

    /// How often the change log is read without a notification, in milliseconds (on a
    /// replica the only way changes arrive).
    #[arg(long, env = "ZONEKEEPER_POLL_INTERVAL_MS", default_value_t = 250,
          value_parser = clap::value_parser!(u64).range(10..=60_000))]
    poll_interval_ms: u64,

    /// A directory where the node keeps the rows it serves and its position in the change
    /// log, so that a restart catches up from its last change instead of loading every zone
    /// (it holds the zones' signing keys: created readable by its owner only). None: every
    /// start loads everything from the store.
    #[arg(long, env = "ZONEKEEPER_STATE_DIR")]
    state_dir: Option<std::path::PathBuf>,

    /// The catalog zone's name (RFC 9432), as the panel's `--catalog-zone`.
    #[arg(long, env = "ZONEKEEPER_CATALOG_ZONE", default_value = dns_engine::store::policy::DEFAULT_CATALOG_ZONE)]
    catalog_zone: Name,

    /// How long to wait for the store at start before giving up, in seconds (0: try once).
    #[arg(long, env = "ZONEKEEPER_CONNECT_TIMEOUT", default_value_t = 30)]
    connect_timeout: u64,

    #[command(flatten)]
    edge: EdgeArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            error!("{err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let started_at = SystemTime::now();
    // Both URLs are checked before anything starts; the heartbeat's store is connected to
    // lazily (each beat retries, see `heartbeat`), so it never delays serving.
    let heartbeat_options = args
        .heartbeat_database_url
        .as_deref()
        .map(|url| options(url, "--heartbeat-database-url"))
        .transpose()?;
    let pool = connect(&args.database_url, "--database-url", args.connect_timeout).await?;
    let version = schema::check(&pool).await.map_err(|e| e.to_string())?;
    info!(schema = version, "store reachable; loading every zone");

    let mut server = DnsServer::bind(args.dns_addr)
        .map_err(|e| format!("cannot bind the DNS listeners on {}: {e}", args.dns_addr))?
        .with_rrl(args.edge.rrl())
        .with_udp_workers(args.edge.udp_workers());
    if let Some(secret) = args.edge.cookie_secret.clone() {
        server = server.with_cookie_secret(secret);
    }
    let dns_addr = server.local_addr();
    let health = match args.health_addr {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot bind the health port on {addr}: {e}"))?,
        ),
        None => None,
    };
    let identity = NodeIdentity {
        name: args
            .node_name
            .clone()
            .unwrap_or_else(|| format!("{}:{}", host_name(), dns_addr.port())),
        dns_addr,
        health_addr: health.as_ref().and_then(|l| l.local_addr().ok()),
        started_at,
    };

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut catalog_zone = args.catalog_zone.to_lowercase();
    catalog_zone.set_fqdn(true);
    let state = match &args.state_dir {
        Some(dir) => Some(
            StateDir::open(dir, version)
                .map_err(|e| format!("cannot use --state-dir {}: {e}", dir.display()))?,
        ),
        None => None,
    };
    let config = FollowConfig {
        poll_interval: Duration::from_millis(args.poll_interval_ms),
        catalog_zone,
        served: None,
        state,
    };
    // Every zone is in the catalog before the first query is answered.
    let follower = Follower::start(pool.clone(), server.catalog(), stop_rx.clone(), config)
        .await
        .map_err(|e| format!("cannot load the zones from the store: {e}"))?;
    let status = follower.status();
    let report = status.report();
    info!(
        node = %identity.name,
        dns = %dns_addr,
        health = ?identity.health_addr,
        zones = report.zones,
        records = report.records,
        replica = report.replica,
        change_id = report.last_change_id,
        "serving"
    );

    let mut tasks = Vec::new();
    if let Some(listener) = health {
        let (identity, status, stop) = (identity.clone(), status.clone(), stop_rx.clone());
        tasks.push(tokio::spawn(async move {
            if let Err(e) = serve_health(listener, identity, status, stop).await {
                error!(error = %e, "the health port failed");
            }
        }));
    }
    let heartbeat_pool = match (heartbeat_options, report.replica) {
        (Some(options), _) => Some(
            PgPoolOptions::new()
                .max_connections(1)
                .connect_lazy_with(options),
        ),
        (None, false) => Some(pool.clone()),
        (None, true) => {
            info!("the store is a replica and no --heartbeat-database-url is given: no heartbeat row, the health port only");
            None
        }
    };
    if let Some(beat_pool) = heartbeat_pool {
        tasks.push(tokio::spawn(heartbeat(
            beat_pool,
            identity.clone(),
            status.clone(),
            stop_rx.clone(),
        )));
    }

    let result = server
        .run(shutdown_signal())
        .await
        .map_err(|e| format!("the DNS engine failed: {e}"));
    let _ = stop_tx.send(true);
    follower.join().await;
    for task in tasks {
        let _ = task.await;
    }
    pool.close().await;
    result
}

fn options(url: &str, flag: &str) -> Result<PgConnectOptions, String> {
    url.parse::<PgConnectOptions>()
        .map(|o| o.application_name("dns-engine"))
        .map_err(|e| format!("{flag} is not a PostgreSQL URL: {e}"))
}

/// A pool of the few connections a node needs (the follower's reads, its listener, the
/// heartbeat), waiting up to `timeout_s` seconds for the store to accept connections and
/// saying what it waits for.
async fn connect(url: &str, flag: &str, timeout_s: u64) -> Result<PgPool, String> {
    let options = options(url, flag)?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout_s);
    let mut wait = Duration::from_millis(200);
    loop {
        let attempt = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options.clone())
            .await;
        match attempt {
            Ok(pool) => return Ok(pool),
            Err(e) if tokio::time::Instant::now() + wait < deadline => {
                warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "waiting for the store ({flag})");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
            Err(e) => {
                return Err(format!(
                    "cannot connect to the store ({flag}) within {timeout_s} s: {e}"
                ))
            }
        }
    }
}

/// Completes on Ctrl-C or SIGTERM. A signal that cannot be watched is logged and then simply
/// never arrives, so the other one still works.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            error!(%err, "cannot watch for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(err) => {
                error!(%err, "cannot watch for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    info!("shutdown requested");
}
