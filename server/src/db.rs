//! Opening the store: the external server named by `DATABASE_URL`, or the private cluster in
//! the data directory (created and started on demand). Migrations run on every open, so
//! every binary that touches the store agrees with the schema in `migrations/`.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::config::DatabaseArgs;
use crate::pg::{Cluster, ClusterError};

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
