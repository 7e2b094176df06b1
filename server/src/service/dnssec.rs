//! Signing hosted zones: the zone's key in the store, switched on and off by its owner.
//!
//! Zonekeeper signs a zone with one combined signing key (a CSK: DNSKEY flags 257, the SEP bit
//! set), ECDSA P-256 with SHA-256 (algorithm 13). One key instead of a KSK/ZSK pair keeps the
//! parent's DS and the zone's signatures tied to a single key, which is what RFC 6781 §3.1.4
//! recommends when the key is not kept offline anyway; algorithm 13 is RFC 8624's
//! recommendation and keeps responses small. The engine signs each snapshot as it builds it
//! ([`dns_engine::store`]) and answers negative questions with compact denial (RFC 9824), so there
//! is no NSEC chain to walk.
//!
//! What the parent must publish (the DS lines) is shown to the owner; turning signing off
//! removes the key at once, so the owner is warned to remove the DS at the parent first.

use dns_engine::dnssec::ZoneKey;
use dns_engine::model::ZoneName;
use frontend::api::ds::ZoneDnssec;
use hickory_proto::rr::Name;
use sqlx::{PgConnection, PgPool};

use super::audit::{Action, Change};
use super::change::Write;
use super::zones::{fetch, zone_for_principal};
use crate::auth::Principal;
use crate::error::ServiceError;

/// TTL of the DNSKEY line shown to the owner: the zone's SOA TTL, as the engine serves it.
async fn view(conn: &mut PgConnection, zone: &ZoneName) -> Result<ZoneDnssec, ServiceError> {
    let row = sqlx::query!(
        "select z.soa_ttl, k.private_key as \"private_key?\"
           from zone z left join zone_key k on k.zone_id = z.id
          where z.name = $1",
        zone.as_str()
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let Some(der) = row.private_key else {
        return Ok(ZoneDnssec {
            zone: zone.to_string(),
            signed: false,
            algorithm: None,
            key_tag: None,
            dnskey: None,
            ds: vec![],
            signing_error: None,
        });
    };
    let key = ZoneKey::from_pkcs8(&der).map_err(ServiceError::internal)?;
    let origin = Name::from_ascii(zone.as_str()).map_err(ServiceError::internal)?;
    let ds = [2u8, 4]
        .into_iter()
        .map(|digest| {
            key.ds_rdata(&origin, digest)
                .map(|rdata| format!("{zone} IN DS {rdata}"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(ServiceError::internal)?;
    Ok(ZoneDnssec {
        zone: zone.to_string(),
        signed: true,
        algorithm: Some(key.algorithm()),
        key_tag: Some(key.key_tag()),
        dnskey: Some(format!(
            "{zone} {} IN DNSKEY {}",
            row.soa_ttl,
            key.dnskey_rdata()
        )),
        ds,
        signing_error: None,
    })
}

/// Whether the zone is signed, and its key's DNSKEY and DS lines.
pub async fn get(pool: &PgPool, who: &Principal, zone: &str) -> Result<ZoneDnssec, ServiceError> {
    let name = zone_for_principal(who, zone)?;
    let mut conn = pool.acquire().await?;
    fetch(&mut conn, who, name.as_str()).await?;
    view(&mut conn, &name).await
}

/// Starts signing the zone (a new key, unless it has one) or stops it (the key is deleted).
/// Either way the serial is bumped and the engines reload the zone.
pub async fn set(
    pool: &PgPool,
    who: &Principal,
    zone: &str,
    signed: bool,
) -> Result<ZoneDnssec, ServiceError> {
    let name = zone_for_principal(who, zone)?;
    let mut tx = pool.begin().await?;
    fetch(&mut tx, who, name.as_str()).await?;
    let zone_id = sqlx::query_scalar!(
        "select id from zone where name = $1 for update",
        name.as_str()
    )
    .fetch_one(&mut *tx)
    .await?;
    let had_key = sqlx::query_scalar!(
        "select exists (select 1 from zone_key where zone_id = $1) as \"exists!\"",
        zone_id
    )
    .fetch_one(&mut *tx)
    .await?;
    if had_key == signed {
        // Nothing to do: the state asked for is the state it is in.
        let view = view(&mut tx, &name).await?;
        tx.commit().await?;
        return Ok(view);
    }
    let before = view(&mut tx, &name).await?;
    if signed {
        // Key generation draws from the system's RNG: cheap, but not async work.
        let (_key, der) = tokio::task::spawn_blocking(ZoneKey::generate)
            .await
            .map_err(ServiceError::internal)?
            .map_err(ServiceError::internal)?;
        sqlx::query!(
            "insert into zone_key (zone_id, algorithm, private_key) values ($1, 13, $2)",
            zone_id,
            der
        )
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query!("delete from zone_key where zone_id = $1", zone_id)
            .execute(&mut *tx)
            .await?;
    }
    let after = view(&mut tx, &name).await?;
    let mut write = Write::new(&who.actor());
    write.changed(zone_id);
    write.audit(Change {
        action: if signed {
            Action::ZoneDnssecEnable
        } else {
            Action::ZoneDnssecDisable
        },
        object_id: Some(name.to_string()),
        // The public parts only: the private key never leaves the key table.
        before: serde_json::to_value(&before).ok(),
        after: serde_json::to_value(&after).ok(),
    });
    write.commit(tx).await?;
    Ok(after)
}

/// Rebuilds the signed zones, which signs them afresh: called well before the signatures of
/// the current snapshots expire. Each gets a new serial (through the one write path, so the
/// change log has it), or a secondary would keep serving the old signatures until they expire.
pub async fn resign_all(pool: &sqlx::PgPool) -> Result<usize, crate::error::ServiceError> {
    let mut tx = pool.begin().await?;
    let ids: Vec<i64> = sqlx::query_scalar!("select zone_id from zone_key order by zone_id")
        .fetch_all(&mut *tx)
        .await?;
    let mut write = super::change::Write::new(&super::audit::Actor::system());
    for id in &ids {
        write.changed(*id);
    }
    write.commit(tx).await?;
    Ok(ids.len())
}
