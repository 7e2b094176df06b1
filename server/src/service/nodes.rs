//! The engine nodes that report to the store (`engine_node`, their heartbeat rows; see
//! `dns_engine::store::node`): listed for admins with how far behind each one is, and
//! forgotten when decommissioned (a node that still runs writes its row again).

use frontend::api::primary::{EngineNode, EngineNodeState};
use sqlx::PgPool;

use super::audit::{Action, Actor, Change};
use super::change::Write;
use crate::error::ServiceError;

/// A node whose heartbeat is older than this is shown as not reporting (three heartbeats).
///
/// How far behind a node is counts the entries after its last applied one that it had time
/// to see: for a reporting node those committed before its last heartbeat (not the changes of
/// the seconds since), for one that stopped reporting every one.
const REPORTING_WITHIN_SECONDS: f64 = 15.0;

pub async fn list(pool: &PgPool) -> Result<Vec<EngineNode>, ServiceError> {
    let rows = sqlx::query!(
        r#"select n.name, n.dns_address, n.health_address, n.state, n.replica, n.version,
                  n.last_change_id, n.zones, n.records, n.started_at, n.seen_at,
                  extract(epoch from now() - n.seen_at)::float8 as "seen_ago!",
                  b.behind as "behind!", b.oldest_age
             from engine_node n
             cross join lateral (
                  select case when now() - n.seen_at > $1 * interval '1 second' then now()
                              else n.seen_at end as bound) t
             cross join lateral (
                  select count(*) as behind,
                         extract(epoch from t.bound - min(c.created_at))::float8 as oldest_age
                    from zone_change c
                   where c.id > n.last_change_id and c.created_at <= t.bound) b
            order by n.name"#,
        REPORTING_WITHIN_SECONDS
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| EngineNode {
            name: r.name,
            dns_address: r.dns_address,
            health_address: r.health_address,
            state: match r.state.as_str() {
                "loading" => EngineNodeState::Loading,
                "stale" => EngineNodeState::Stale,
                _ => EngineNodeState::Following,
            },
            replica: r.replica,
            version: r.version,
            last_change_id: r.last_change_id,
            changes_behind: r.behind,
            behind_seconds: r.oldest_age.map(|age| age.max(0.0)),
            zones: r.zones,
            records: r.records,
            started_at: r.started_at,
            seen_at: r.seen_at,
            reporting: r.seen_ago <= REPORTING_WITHIN_SECONDS,
        })
        .collect())
}

/// Forgets the heartbeat row of node `name` (audited).
pub async fn delete(pool: &PgPool, actor: &Actor, name: &str) -> Result<(), ServiceError> {
    let mut tx = pool.begin().await?;
    let gone = sqlx::query_scalar!(
        "delete from engine_node where name = $1 returning dns_address",
        name
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let mut write = Write::new(actor);
    write.audit(Change {
        action: Action::EngineNodeDelete,
        object_id: Some(name.to_owned()),
        before: Some(serde_json::json!({ "dns_address": gone })),
        after: None,
    });
    write.commit(tx).await?;
    Ok(())
}
