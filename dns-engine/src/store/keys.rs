//! What a zone serves besides its rows: its signing key, and the DS records of its
//! customers' delegated domains.

use std::sync::Arc;

use sqlx::PgConnection;

use crate::dnssec::ZoneKey;

/// The signing keys of the zones (of one zone, or of all): zone id and PKCS#8 document, as
/// stored; [`parse_key`] reads one.
pub async fn load_keys(
    conn: &mut PgConnection,
    zone_id: Option<i64>,
) -> sqlx::Result<Vec<(i64, Vec<u8>)>> {
    let rows = sqlx::query!(
        "select zone_id, private_key from zone_key where $1::bigint is null or zone_id = $1",
        zone_id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.zone_id, row.private_key))
        .collect())
}

/// The key of a PKCS#8 document. A key that cannot be read is logged and left out: its zone
/// is served unsigned rather than not at all.
pub fn parse_key(zone: &str, pkcs8: &[u8]) -> Option<Arc<ZoneKey>> {
    match ZoneKey::from_pkcs8(pkcs8) {
        Ok(key) => Some(Arc::new(key)),
        Err(e) => {
            tracing::error!(zone, error = %e, "unreadable zone key; zone served unsigned");
            None
        }
    }
}

/// A DS RRset member to serve: in zone `zone_id`, at `name`, with the TTL of the NS there.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PublishedDs {
    pub zone_id: i64,
    pub name: String,
    pub ttl: i32,
    pub key_tag: i32,
    pub algorithm: i16,
    pub digest_type: i16,
    pub digest: Vec<u8>,
}

impl PublishedDs {
    /// The record data in presentation format.
    pub fn rdata(&self) -> String {
        // The store's columns are wider than the fields; out-of-range values cannot be stored
        // (the submission parsed them into the fields first).
        crate::model::ds::DsFields {
            key_tag: u16::try_from(self.key_tag).unwrap_or_default(),
            algorithm: u8::try_from(self.algorithm).unwrap_or_default(),
            digest_type: u8::try_from(self.digest_type).unwrap_or_default(),
            digest: self.digest.clone(),
        }
        .rdata()
    }
}

/// Every DS record a hosted zone serves at its delegations (of one zone, or of all).
///
/// Which records a domain's parent serves (the panel's DS rule): the valid ones, and pending
/// ones only while a valid one exists (a key rollover: the new DS is published beside the
/// old: the Double-DS rollover of RFC 7583 §3.3.2). Only the parent zone's owner — or an admin, who assigned the domain
/// — decides what is published in it.
pub async fn published_ds(
    conn: &mut PgConnection,
    zone_id: Option<i64>,
) -> sqlx::Result<Vec<PublishedDs>> {
    sqlx::query_as!(
        PublishedDs,
        r#"select p.zone_id as "zone_id!", d.name, p.ttl as "ttl!", r.key_tag, r.algorithm,
                  r.digest_type, r.digest
             from ds_record r
             join domain d on d.id = r.domain_id
             join lateral (
                  select z.id as zone_id, z.account_id,
                         (select min(n.ttl) from record n
                           where n.zone_id = z.id and n.name = d.name and n.type = 'NS') as ttl
                    from zone z
                   where d.name like '%.' || z.name
                   order by length(z.name) desc limit 1) p on true
            where p.ttl is not null and ($1::bigint is null or p.zone_id = $1)
              and (r.state = 'valid' or (r.state = 'pending' and exists
                   (select 1 from ds_record v where v.domain_id = r.domain_id and v.state = 'valid')))
              and (p.account_id = d.account_id or d.assigned_by_admin)
            order by p.zone_id, d.name, r.id"#,
        zone_id
    )
    .fetch_all(conn)
    .await
}
