//! Whether a store has the schema this binary reads. A node never migrates: the panel owns
//! the schema (`zonekeeper serve`, like every `zonekeeper` command, migrates the store it
//! opens), and a node started against a store of another version says so and stops, rather
//! than misreading it.

use sqlx::PgPool;

/// The migrations this binary was built with (the workspace's `migrations/`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Why a store cannot be followed by this binary.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("the database has no Zonekeeper schema (no _sqlx_migrations table): start `zonekeeper serve` against it first (it migrates the store)")]
    Missing,
    #[error("the database's schema is at migration {store}, older than this binary's {binary}: start a newer `zonekeeper serve` against it first (it migrates the store)")]
    Older { store: i64, binary: i64 },
    #[error("the database's schema is at migration {store}, newer than this binary's {binary}: upgrade dns-engine")]
    Newer { store: i64, binary: i64 },
    #[error("cannot read the database's schema version: {0}")]
    Store(#[from] sqlx::Error),
}

/// The newest migration this binary knows.
pub fn binary_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Checks that the store's schema is exactly the one this binary reads; returns its version.
pub async fn check(pool: &PgPool) -> Result<i64, SchemaError> {
    // Not a checked query: the bookkeeping table is sqlx's own, not part of the schema the
    // queries are checked against.
    let exists: bool = sqlx::query_scalar("select to_regclass('_sqlx_migrations') is not null")
        .fetch_one(pool)
        .await?;
    if !exists {
        return Err(SchemaError::Missing);
    }
    let store: i64 =
        sqlx::query_scalar("select coalesce(max(version), 0) from _sqlx_migrations where success")
            .fetch_one(pool)
            .await?;
    let binary = binary_version();
    match store.cmp(&binary) {
        std::cmp::Ordering::Less => Err(SchemaError::Older { store, binary }),
        std::cmp::Ordering::Greater => Err(SchemaError::Newer { store, binary }),
        std::cmp::Ordering::Equal => Ok(store),
    }
}
