//! Login throttling, kept in the store so that it holds across restarts and across several
//! server nodes. Attempts are counted in a sliding window, per account (stops guessing one
//! password from many addresses) and per source address (stops one address guessing many
//! accounts). An attempt is counted *before* its password is checked, under a lock on its
//! keys, so concurrent guesses cannot all slip through between a check and a count; a
//! success takes its own count back and clears the account's.

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

/// One admitted attempt: the rows that count it, taken back if it succeeds.
#[derive(Debug)]
pub struct Attempt {
    ids: Vec<i64>,
}

/// Admits an attempt for `email` from `source` if the window allows one more, and counts it
/// at once. Checking and counting happen in one transaction holding advisory locks on the
/// account's and the source's keys (always in that order, so two attempts never deadlock), so
/// that N concurrent attempts are admitted at most up to the limits.
pub async fn admit(
    pool: &PgPool,
    email: &str,
    source: Option<IpAddr>,
) -> sqlx::Result<Option<Attempt>> {
    let account = account_key(email);
    let source = source.map(source_key);
    let mut keys = vec![account.clone()];
    keys.extend(source.clone());
    let mut tx = pool.begin().await?;
    for key in &keys {
        sqlx::query_scalar!(
            r#"select 1 as "locked!" from (select pg_advisory_xact_lock(hashtext($1))) as l"#,
            key
        )
        .fetch_one(&mut *tx)
        .await?;
    }
    let row = sqlx::query!(
        r#"select
             count(*) filter (where key = $1) as "account!",
             count(*) filter (where key = $2) as "source!"
           from login_failure
           where key in ($1, $2)
             and created_at > now() - make_interval(mins => $3)"#,
        account,
        source.clone().unwrap_or_default(),
        WINDOW_MINUTES,
    )
    .fetch_one(&mut *tx)
    .await?;
    if row.account >= MAX_PER_ACCOUNT || row.source >= MAX_PER_SOURCE {
        return Ok(None);
    }
    let ids = sqlx::query_scalar!(
        "insert into login_failure (key) select unnest($1::text[]) returning id",
        &keys
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    // Old rows are useless; trim them as we go, so the table never grows unbounded.
    sqlx::query!(
        "delete from login_failure where created_at < now() - make_interval(mins => $1)",
        WINDOW_MINUTES * 2
    )
    .execute(pool)
    .await?;
    Ok(Some(Attempt { ids }))
}

/// A successful attempt: its count is taken back and the account's failures forgotten.
pub async fn succeeded(pool: &PgPool, email: &str, attempt: Attempt) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from login_failure where id = any($1) or key = $2",
        &attempt.ids,
        account_key(email)
    )
    .execute(pool)
    .await?;
    Ok(())
}
