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
use dns_engine::store::{FollowConfig, Follower};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub async fn run(args: ServeArgs) -> Result<(), BoxError> {
    let store = Store::open(&args.db, 16, true).await?;
    let watchdog = store.watch_cluster();
    let stop_watching = watchdog.as_ref().map(tokio::task::JoinHandle::abort_handle);
    let result = run_with_store(&args, &store, watchdog).await;
    // Before the cluster is stopped on purpose, so that it is not restarted.
    if let Some(handle) = stop_watching {
        handle.abort();
    }
    store.close().await;
    result
}

async fn run_with_store(
    args: &ServeArgs,
    store: &Store,
    watchdog: Option<tokio::task::JoinHandle<String>>,
) -> Result<(), BoxError> {
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

    let mut leptos_options = leptos::config::get_configuration(None)?.leptos_options;
    leptos_options.site_addr = args.http_addr;
    if leptos_options.output_name.is_empty() {
        // A binary built by plain `cargo build` (not cargo-leptos) has no name baked in.
        leptos_options.output_name = "zonekeeper".into();
    }
    let running = Running::start(
        pool,
        Settings {
            http_addr: args.http_addr,
            dns_addr: args.dns_addr,
            web: WebConfig::from_public_url(
                args.public_url.as_deref(),
                args.session_idle_minutes,
                args.session_max_hours,
            ),
            resolver: crate::resolver::Resolver::new(
                args.resolver,
                std::time::Duration::from_millis(args.resolver_timeout_ms),
            ),
            nameserver_port: args.nameserver_port,
            login_concurrency: args.login_concurrency,
            allow_local_targets: args.allow_local_targets,
            catalog_zone: args.catalog_zone.clone(),
            notify_first_wait: crate::primary::notify::FIRST_WAIT,
            http_limits: crate::http::listen::HttpLimits {
                max_connections: args.http_max_connections,
                header_read_timeout: std::time::Duration::from_secs(args.http_header_timeout_secs),
                ..Default::default()
            },
            rrl: args.dns_edge.rrl(),
            cookie_secret: args.dns_edge.cookie_secret.clone(),
            dns_workers: args.dns_edge.udp_workers(),
            leptos_options,
        },
    )
    .await?;
    tracing::info!(http_addr = %running.http_addr, dns_addr = %running.dns_addr, "Zonekeeper is running");
    println!(
        "Zonekeeper: console and API on http://{}, DNS on {} (UDP and TCP)",
        running.http_addr, running.dns_addr
    );
    let gave_up = async {
        match watchdog {
            Some(task) => task
                .await
                .unwrap_or_else(|e| format!("the cluster watchdog failed: {e}")),
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = shutdown_signal() => {
            tracing::info!("shutting down");
            running.stop().await
        }
        why = gave_up => {
            tracing::error!(reason = %why, "stopping: the store is gone");
            running.stop().await?;
            Err(why.into())
        }
    }
}

/// What a running instance needs besides the pool.
pub struct Settings {
    pub http_addr: SocketAddr,
    pub dns_addr: SocketAddr,
    pub web: WebConfig,
    /// Where FCrDNS resolves host names that are not hosted here.
    pub resolver: crate::resolver::Resolver,
    /// The port of authoritative name servers for DS checks (53). 0 means this instance's own
    /// DNS port, which lets a test check DS records against zones served here.
    pub nameserver_port: u16,
    /// Password checks computed at once (see `--login-concurrency`).
    pub login_concurrency: usize,
    /// Let DS checks ask name servers at special-purpose addresses (`--allow-local-targets`).
    pub allow_local_targets: bool,
    /// Connection cap and timeouts of the HTTP edge.
    pub http_limits: crate::http::listen::HttpLimits,
    /// Response rate limiting of the DNS engine (RRL; `RrlConfig::off()` for none).
    pub rrl: dns_engine::rrl::RrlConfig,
    /// The DNS Cookie secret; `None`: a random one per start.
    pub cookie_secret: Option<dns_engine::cookie::CookieSecret>,
    /// How many threads serve DNS over UDP.
    pub dns_workers: usize,
    /// The name of the catalog zone secondaries learn the zones from (RFC 9432).
    pub catalog_zone: String,
    /// How long the first NOTIFY to a secondary waits for its answer (then doubling, 5 tries).
    pub notify_first_wait: std::time::Duration,
    pub leptos_options: leptos::config::LeptosOptions,
}

/// The web server and the DNS engine, running on the current Tokio runtime.
pub struct Running {
    pub http_addr: SocketAddr,
    pub dns_addr: SocketAddr,
    /// The embedded engine's catalog (what it serves, its transfer counters).
    pub catalog: dns_engine::SharedCatalog,
    stop_tx: watch::Sender<bool>,
    http: tokio::task::JoinHandle<std::io::Result<()>>,
    dns: tokio::task::JoinHandle<std::io::Result<()>>,
    sync: Follower,
    /// Tasks that run until stopped: session cleanup, maintenance.
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Bind both listeners (port 0 picks free ports) and start serving.
    pub async fn start(pool: sqlx::PgPool, settings: Settings) -> Result<Running, BoxError> {
        let mut dns = dns_engine::DnsServer::bind(settings.dns_addr)?
            .with_rrl(settings.rrl.clone())
            .with_udp_workers(settings.dns_workers);
        if let Some(secret) = settings.cookie_secret.clone() {
            dns = dns.with_cookie_secret(secret);
        }
        let dns_addr = dns.local_addr();
        let (stop_tx, stop_rx) = watch::channel(false);
        // Every zone is in the catalog before the engine answers its first query; from then
        // on each committed change is swapped in as it is notified.
        let (notifier, notify_worker) = crate::primary::notify::Notifier::start(
            pool.clone(),
            stop_rx.clone(),
            settings.notify_first_wait,
        );
        let follow = FollowConfig {
            catalog_zone: hickory_proto::rr::Name::from_ascii(&settings.catalog_zone)
                .map(|mut n| {
                    n.set_fqdn(true);
                    n.to_lowercase()
                })
                .map_err(|e| format!("--catalog-zone {}: {e}", settings.catalog_zone))?,
            served: Some(Arc::new(notifier)),
            ..FollowConfig::default()
        };
        let sync = Follower::start(pool.clone(), dns.catalog(), stop_rx.clone(), follow).await?;
        let resolver = Arc::new(settings.resolver);
        let checker = Arc::new(crate::service::ds::Checker {
            resolver: resolver.clone(),
            nameserver_port: match settings.nameserver_port {
                0 => dns_addr.port(),
                port => port,
            },
            timeout: DS_CHECK_TIMEOUT,
            allow_local_targets: settings.allow_local_targets,
        });
        let followups = crate::service::followup::Followups::default();
        let followup_worker = tokio::spawn(followups.clone().work(pool.clone(), resolver.clone()));
        let state = AppState {
            pool: pool.clone(),
            web: Arc::new(settings.web),
            dns: dns.health(),
            catalog: dns.catalog(),
            resolver,
            ds: checker.clone(),
            checks: crate::service::outbound::CheckGate::default(),
            followups: followups.clone(),
            leptos_options: settings.leptos_options,
            hashes: crate::auth::password::HashGate::new(
                settings.login_concurrency,
                std::time::Duration::from_secs(2),
            ),
        };
        let engine_catalog = dns.catalog();
        let app = crate::http::app(state);
        let listener = tokio::net::TcpListener::bind(settings.http_addr).await?;
        let http_addr = listener.local_addr()?;

        let stopped = |mut rx: watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let engine_health = dns.health();
        let dns = run_engine_apart(dns, stopped(stop_rx.clone()))?;
        // Started means serving: the engine's thread is up before `start` returns, so that the
        // first `/healthz` and the first query find its listeners answering.
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        while !engine_health.is_serving() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        let http = tokio::spawn(crate::http::listen::serve(
            listener,
            app,
            settings.http_limits,
            stopped(stop_rx.clone()),
        ));
        // Expired sessions are deleted in the background, once an hour.
        let sessions = pool.clone();
        let session_cleanup = tokio::spawn(async move {
            let _ = PostgresStore::new(sessions)
                .continuously_delete_expired(tokio::time::Duration::from_secs(3600))
                .await;
        });
        // The embedded engine reports in the heartbeat table like every standalone node, so
        // the admin console lists the whole fleet of engines.
        let heartbeat = tokio::spawn(dns_engine::store::node::heartbeat(
            pool.clone(),
            dns_engine::store::node::NodeIdentity {
                name: format!(
                    "panel@{}:{}",
                    dns_engine::store::node::host_name(),
                    dns_addr.port()
                ),
                dns_addr,
                health_addr: None,
                started_at: std::time::SystemTime::now(),
            },
            sync.status(),
            stop_rx.clone(),
        ));
        // DS re-checks and re-signing, every few minutes.
        let maintenance = tokio::spawn(maintenance(pool, checker));
        Ok(Running {
            http_addr,
            dns_addr,
            catalog: engine_catalog,
            stop_tx,
            http,
            dns,
            sync,
            background: vec![
                session_cleanup,
                maintenance,
                followup_worker,
                notify_worker,
                heartbeat,
            ],
        })
    }

    /// Stop accepting, finish the requests in flight, and stop the DNS engine and its zone sync.
    pub async fn stop(self) -> Result<(), BoxError> {
        let _ = self.stop_tx.send(true);
        self.background
            .iter()
            .for_each(tokio::task::JoinHandle::abort);
        let http = self.http.await;
        match self.dns.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "DNS engine stopped with an error"),
            Err(e) => tracing::error!(error = %e, "DNS engine task failed"),
        }
        self.sync.join().await;
        http??;
        Ok(())
    }
}

/// Runs the DNS engine on a thread and runtime of its own, so that nothing the API does —
/// CPU-heavy imports, large JSON answers, a handler that blocks — can delay an answer: the
/// engine's sockets are driven by its own thread only. The returned task ends with the engine.
fn run_engine_apart(
    dns: dns_engine::DnsServer,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<tokio::task::JoinHandle<std::io::Result<()>>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_name("dns-engine")
        .build()?;
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("dns-engine".into())
        .spawn(move || {
            let result = runtime.block_on(dns.run(shutdown));
            let _ = done_tx.send(result);
        })?;
    Ok(tokio::spawn(async move {
        done_rx.await.unwrap_or_else(|_| {
            Err(std::io::Error::other(
                "the DNS engine's thread ended without a result",
            ))
        })
    }))
}

/// How long each name server gets to answer a DS check's DNSKEY question.
const DS_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);
/// How often the maintenance task wakes up.
const MAINTENANCE_EVERY: std::time::Duration = std::time::Duration::from_secs(300);
/// DS records that are not valid (pending, unreachable, …) are checked again this often.
const DS_RECHECK_NOT_VALID: std::time::Duration = std::time::Duration::from_secs(900);
/// Valid DS records are checked again once a day: a child that changed its key unannounced is
/// noticed, and its DS stops being published before resolvers fail it for long.
const DS_RECHECK_VALID: std::time::Duration = std::time::Duration::from_secs(86_400);
/// PTRs whose FCrDNS could not be decided (`unknown`) are asked about again this often…
const FCRDNS_RECHECK_UNKNOWN: std::time::Duration = std::time::Duration::from_secs(3600);
/// …up to this many host names per run, so that a dead resolver costs a bounded wait.
const FCRDNS_RECHECK_BATCH: i64 = 256;
/// Signed zones are re-signed (rebuilt) this often; signatures are valid for 14 days.
const RESIGN_EVERY: std::time::Duration = std::time::Duration::from_secs(86_400);

/// Background work on the store: re-checking DS records and undecided PTRs, and re-signing
/// signed zones before their signatures expire (each rebuild signs with a fresh validity
/// period).
async fn maintenance(pool: sqlx::PgPool, checker: Arc<crate::service::ds::Checker>) {
    let mut last_resign = tokio::time::Instant::now();
    let mut tick = tokio::time::interval(MAINTENANCE_EVERY);
    loop {
        tick.tick().await;
        match crate::service::ds::recheck_due(
            &pool,
            &checker,
            DS_RECHECK_NOT_VALID,
            DS_RECHECK_VALID,
        )
        .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(domains = n, "DS records re-checked"),
            Err(e) => tracing::warn!(error = %e, "DS re-check failed"),
        }
        match crate::service::rdns::recheck_unknown(
            &pool,
            &checker.resolver,
            FCRDNS_RECHECK_UNKNOWN,
            FCRDNS_RECHECK_BATCH,
        )
        .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(ptrs = n, "FCrDNS of unknown PTRs re-checked"),
            Err(e) => tracing::warn!(error = %e, "FCrDNS re-check failed"),
        }
        match crate::primary::notify::sweep(&pool).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(checks = n, "secondaries asked which serials they serve"),
            Err(e) => tracing::warn!(error = %e, "sync check of the secondaries failed"),
        }
        if last_resign.elapsed() >= RESIGN_EVERY {
            last_resign = tokio::time::Instant::now();
            if let Err(e) = crate::service::dnssec::resign_all(&pool).await {
                tracing::warn!(error = %e, "re-signing failed");
            }
        }
    }
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
