//! `zonekeeper serve`: open the store, make sure an admin exists, start the DNS engine and
//! the web server, and on Ctrl-C or SIGTERM stop all of it in order — HTTP and DNS first,
//! then the private PostgreSQL cluster.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use tower_sessions::ExpiredDeletion;
use tower_sessions_sqlx_store::PostgresStore;

use crate::config::ServeArgs;
use crate::db::Store;
use crate::service::accounts;
use crate::state::{AppState, WebConfig};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub async fn run(args: ServeArgs) -> Result<(), BoxError> {
    let store = Store::open(&args.db, 16, true).await?;
    let result = run_with_store(&args, &store).await;
    store.close().await;
    result
}

async fn run_with_store(args: &ServeArgs, store: &Store) -> Result<(), BoxError> {
    let pool = store.pool.clone();
    let admin_password = args.admin_password.as_ref().map(|s| s.expose().to_owned());
    if let Some((user, generated)) =
        accounts::ensure_admin(&pool, &args.admin_email, admin_password).await?
    {
        match generated {
            Some(pw) => println!(
                "\nCreated the admin account.\n  email:    {}\n  password: {pw}\nThis password is shown once. Log in at http://{} and change it on the Account page.\n",
                user.email, args.http_addr
            ),
            None => println!(
                "\nCreated the admin account {} with the password from ZONEKEEPER_ADMIN_PASSWORD.\n",
                user.email
            ),
        }
    }

    let dns = dns_engine::DnsServer::bind(args.dns_addr)?;
    let dns_addr = dns.local_addr();
    let health = dns.health();

    let mut leptos_options = leptos::config::get_configuration(None)?.leptos_options;
    leptos_options.site_addr = args.http_addr;

    let state = AppState {
        pool: pool.clone(),
        web: Arc::new(WebConfig::from_public_url(
            args.public_url.as_deref(),
            args.session_idle_minutes,
            args.session_max_hours,
        )),
        dns: health,
        leptos_options,
    };
    let app = crate::http::app(state);

    let listener = tokio::net::TcpListener::bind(args.http_addr).await?;
    let http_addr = listener.local_addr()?;
    tracing::info!(%http_addr, %dns_addr, "Zonekeeper is running");
    println!("Zonekeeper: console and API on http://{http_addr}, DNS on {dns_addr} (UDP and TCP)");

    let (stop_tx, stop_rx) = watch::channel(false);
    let dns_task = tokio::spawn({
        let mut rx = stop_rx.clone();
        async move {
            dns.run(async move {
                let _ = rx.wait_for(|stop| *stop).await;
            })
            .await
        }
    });
    // Expired sessions are deleted in the background, once an hour.
    let cleanup = tokio::spawn(
        PostgresStore::new(pool.clone()).continuously_delete_expired(tokio::time::Duration::from_secs(3600)),
    );

    let mut rx = stop_rx.clone();
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = rx.wait_for(|stop| *stop).await;
    });
    let signal = tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        let _ = stop_tx.send(true);
    });
    let result = served.await;
    signal.abort();
    cleanup.abort();
    match dns_task.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "DNS engine stopped with an error"),
        Err(e) => tracing::error!(error = %e, "DNS engine task failed"),
    }
    result?;
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
