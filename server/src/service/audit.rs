//! The audit log: one row for every change — who, what, when, from where, before and after —
//! written in the transaction of the change itself, so the two commit or fail together.

use serde_json::Value;
use sqlx::PgConnection;

/// Who made a change.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub account_id: Option<i64>,
    pub token_id: Option<i64>,
    /// Client address; `None` for the command line.
    pub source: Option<String>,
}

impl Actor {
    /// The command line or the server itself (first-start bootstrap).
    pub fn system() -> Actor {
        Actor::default()
    }
}

/// What changed.
pub struct Change<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

pub async fn record(
    conn: &mut PgConnection,
    actor: &Actor,
    change: Change<'_>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into audit_log (account_id, token_id, action, object_type, object_id, source, before, after)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        actor.account_id,
        actor.token_id,
        change.action,
        change.object_type,
        change.object_id,
        actor.source,
        change.before,
        change.after,
    )
    .execute(conn)
    .await?;
    Ok(())
}
