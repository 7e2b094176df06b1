//! Login throttling, kept in the store so that it holds across restarts and across several
//! server nodes. Failures are counted in a sliding window, per account (stops guessing one
//! password from many addresses) and per source address (stops one address guessing many
//! accounts). A success clears the account's counter.

use std::net::IpAddr;

use sqlx::PgPool;

/// The window failures are counted in.
pub const WINDOW_MINUTES: i32 = 15;
/// Failures per account within the window before further attempts are refused.
pub const MAX_PER_ACCOUNT: i64 = 5;
/// Failures per source address within the window.
pub const MAX_PER_SOURCE: i64 = 20;

fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

fn source_key(ip: IpAddr) -> String {
    format!("ip:{ip}")
}

/// Whether another attempt for `email` from `source` is allowed now.
pub async fn allowed(pool: &PgPool, email: &str, source: Option<IpAddr>) -> sqlx::Result<bool> {
    let account = account_key(email);
    let source = source.map(source_key).unwrap_or_default();
    let row = sqlx::query!(
        r#"select
             count(*) filter (where key = $1) as "account!",
             count(*) filter (where key = $2) as "source!"
           from login_failure
           where key in ($1, $2)
             and created_at > now() - make_interval(mins => $3)"#,
        account,
        source,
        WINDOW_MINUTES,
    )
    .fetch_one(pool)
    .await?;
    Ok(row.account < MAX_PER_ACCOUNT && row.source < MAX_PER_SOURCE)
}

/// Count a failed attempt.
pub async fn record_failure(
    pool: &PgPool,
    email: &str,
    source: Option<IpAddr>,
) -> sqlx::Result<()> {
    let mut keys = vec![account_key(email)];
    if let Some(ip) = source {
        keys.push(source_key(ip));
    }
    sqlx::query!(
        "insert into login_failure (key) select unnest($1::text[])",
        &keys
    )
    .execute(pool)
    .await?;
    // Old rows are useless; trim them as we go, so the table never grows unbounded.
    sqlx::query!(
        "delete from login_failure where created_at < now() - make_interval(mins => $1)",
        WINDOW_MINUTES * 2
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Forget the account's failures after a successful login.
pub async fn clear_account(pool: &PgPool, email: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from login_failure where key = $1",
        account_key(email)
    )
    .execute(pool)
    .await?;
    Ok(())
}
