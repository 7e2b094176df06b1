//! Opening the store: the external server named by `DATABASE_URL`, or the private cluster in
//! the data directory (created and started on demand). Migrations run on every open, so
//! every binary that touches the store agrees with the schema in `migrations/`.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::config::DatabaseArgs;
use crate::pg::{Cluster, ClusterError};

/// How often `serve` checks that its private cluster still runs.
pub const WATCH_EVERY: Duration = Duration::from_secs(2);
/// Failed restarts in a row after which `serve` gives up and exits.
pub const MAX_RESTART_FAILURES: u32 = 3;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("private PostgreSQL: {0}")]
    Cluster(#[from] ClusterError),
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("DATABASE_URL is not a valid PostgreSQL URL: {0}")]
    BadUrl(sqlx::Error),
}

/// An open store. When it started the private cluster, it remembers to stop it.
pub struct Store {
    pub pool: PgPool,
    /// The private cluster, and whether this process started it (and so must stop it).
    cluster: Option<(Cluster, bool)>,
}

impl Store {
    /// Open the store described by `args`, starting the private cluster when needed, and
    /// apply pending migrations. `owner` is true for `serve`: the cluster lives and dies with
    /// it, even when it found the cluster already running (left over from a crash). An admin
    /// command stops the cluster only if it started it, so it works while `serve` runs.
    pub async fn open(
        args: &DatabaseArgs,
        max_connections: u32,
        owner: bool,
    ) -> Result<Store, OpenError> {
        let (options, cluster) = match &args.database_url {
            Some(url) => {
                let opts: PgConnectOptions = url.expose().parse().map_err(OpenError::BadUrl)?;
                (opts, None)
            }
            None => {
                let cluster = Cluster::in_data_dir(&args.data_dir)?;
                if cluster.init()? {
                    tracing::info!(dir = %args.data_dir.display(), "created the private PostgreSQL cluster");
                }
                let started = cluster.start()?;
                cluster.ensure_database(crate::pg::DATABASE).await?;
                (
                    cluster.connect_options(crate::pg::DATABASE),
                    Some((cluster, started || owner)),
                )
            }
        };
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Store { pool, cluster })
    }

    /// Keeps the private cluster running while `serve` runs, when this process owns it: a
    /// check every [`WATCH_EVERY`], a restart when it stopped (a crash, the OOM killer, a
    /// stray `pg_ctl stop`). Meanwhile the API answers 503 and the DNS engine serves its last
    /// snapshots; once the cluster is back the pool reconnects by itself. When
    /// [`MAX_RESTART_FAILURES`] restarts in a row fail, the task ends with the reason, and
    /// `serve` exits non-zero with it rather than answer 503 forever. `None` for an external
    /// database (its operator keeps it alive).
    pub fn watch_cluster(&self) -> Option<tokio::task::JoinHandle<String>> {
        let Some((cluster, true)) = self.cluster.clone() else {
            return None;
        };
        Some(tokio::spawn(async move {
            let mut failures = 0;
            loop {
                tokio::time::sleep(WATCH_EVERY).await;
                let probe = cluster.clone();
                if tokio::task::spawn_blocking(move || probe.is_running())
                    .await
                    .unwrap_or(true)
                {
                    failures = 0;
                    continue;
                }
                tracing::warn!("the private PostgreSQL cluster is not running; restarting it");
                let starter = cluster.clone();
                match tokio::task::spawn_blocking(move || starter.start()).await {
                    Ok(Ok(_)) => {
                        failures = 0;
                        tracing::info!("restarted the private PostgreSQL cluster");
                    }
                    Ok(Err(e)) => {
                        failures += 1;
                        tracing::error!(error = %e, attempt = failures, "restarting the private PostgreSQL cluster failed");
                        if failures >= MAX_RESTART_FAILURES {
                            return format!(
                                "the private PostgreSQL cluster stopped and could not be restarted \
                                 ({failures} attempts): {e}; see {}",
                                cluster.log_path().display()
                            );
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "restarting the private PostgreSQL cluster")
                    }
                }
            }
        }))
    }

    /// Close the pool and stop the private cluster if this process started it.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some((cluster, true)) = self.cluster {
            match tokio::task::spawn_blocking(move || cluster.stop()).await {
                Ok(Ok(())) => tracing::info!("stopped the private PostgreSQL cluster"),
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "stopping the private PostgreSQL cluster")
                }
                Err(e) => tracing::error!(error = %e, "stopping the private PostgreSQL cluster"),
            }
        }
    }
}
