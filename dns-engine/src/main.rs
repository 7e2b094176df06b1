//! `dns-engine`: a standalone Zonekeeper engine node.
//!
//! Serves DNS on UDP and TCP until Ctrl-C or SIGTERM. Extra nodes like this one scale the DNS
//! side out next to the main `zonekeeper` server, which embeds the same engine.
//!
//! Loading zones from PostgreSQL (and following changes with LISTEN) comes with the next issue;
//! until then the catalog is empty and every query is answered REFUSED.
//!
//! Response rate limiting is on by default (200 responses a second per client network and
//! response, as NSD does); `--rrl-ratelimit 0` turns it off. Nodes of an anycast set should
//! share `--cookie-secret`, so that each accepts the DNS Cookies of the others.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use dns_engine::args::EdgeArgs;
use dns_engine::DnsServer;
use tracing::{error, info};
use tracing_subscriber::EnvFilter;

/// Zonekeeper's authoritative DNS engine, as a standalone node.
#[derive(Debug, Parser)]
#[command(name = "dns-engine", version, about)]
struct Args {
    /// Address to serve DNS on, over both UDP and TCP (port 53 needs privileges).
    #[arg(long, env = "ZONEKEEPER_DNS_ADDR", default_value = "127.0.0.1:1053")]
    dns_addr: SocketAddr,

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

    let mut server = match DnsServer::bind(args.dns_addr) {
        Ok(server) => server.with_rrl(args.edge.rrl()),
        Err(err) => {
            error!(addr = %args.dns_addr, %err, "cannot bind the DNS listeners");
            return ExitCode::FAILURE;
        }
    };
    if let Some(secret) = args.edge.cookie_secret {
        server = server.with_cookie_secret(secret);
    }
    match server.run(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            error!(%err, "the DNS engine failed");
            ExitCode::FAILURE
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
