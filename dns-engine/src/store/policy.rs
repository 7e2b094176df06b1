//! What an engine needs from the store to answer transfers ([`crate::xfr`]): the TSIG keys,
//! the transfer allow-list and the secondaries, as the engine's [`TransferPolicy`], with the
//! catalog zone (RFC 9432) built from the zone list.

use std::sync::Arc;

use hickory_proto::rr::Name;
use sqlx::PgConnection;

use crate::model::validate_rrset;
use crate::tsig::{Algorithm, Key, Keyring};
use crate::xfr::TransferPolicy;
use crate::zone::synth::Network;
use crate::{SharedCatalog, Zone};

/// The catalog zone's name unless configured (`--catalog-zone`): RFC 9432 §3 suggests a name
/// below `invalid.`, which no resolver will ever ask for.
pub const DEFAULT_CATALOG_ZONE: &str = "catalog.invalid.";

/// RFC 9432 §3: the catalog's SOA and NS are not used for anything but must be there; the NS
/// is conventionally `invalid.`. The timers make a consumer check the catalog each minute even
/// when a NOTIFY is lost.
const CATALOG_SOA_TIMERS: &str = "60 60 2419200 60";
const CATALOG_TTL: i64 = 60;

/// The label a member zone gets below `zones.` (RFC 9432 §4.1: unique and stable; a zone
/// deleted and created again gets a new one, so a consumer drops the old zone's data).
pub fn member_label(zone_id: i64) -> String {
    format!("z{zone_id}")
}

/// Reads the transfer policy and the zone list through `conn` and installs them in the
/// engine's catalog.
pub async fn load_policy(
    conn: &mut PgConnection,
    catalog: &SharedCatalog,
    catalog_zone: &Name,
) -> Result<(), sqlx::Error> {
    let keys = sqlx::query!("select name, algorithm, secret from tsig_key order by name")
        .fetch_all(&mut *conn)
        .await?;
    let mut keyring = Vec::with_capacity(keys.len());
    for key in keys {
        let (Ok(name), Some(algorithm)) = (
            Name::from_ascii(&key.name),
            Algorithm::parse(&key.algorithm),
        ) else {
            tracing::warn!(key = %key.name, "unusable TSIG key in the store skipped");
            continue;
        };
        keyring.push(Key::new(&name, algorithm, &key.secret));
    }
    let mut networks: Vec<Network> = Vec::new();
    let allowed = sqlx::query_scalar!(
        r#"select network::text as "network!" from transfer_allow
           union all
           select host(address) || case when family(address) = 4 then '/32' else '/128' end
             from secondary where tsig_key_id is null"#
    )
    .fetch_all(&mut *conn)
    .await?;
    for text in allowed {
        match text.parse::<Network>() {
            Ok(network) => networks.push(network),
            Err(e) => {
                tracing::warn!(network = %text, error = %e, "unusable transfer network skipped")
            }
        }
    }
    let zones = sqlx::query!("select id, name from zone order by id")
        .fetch_all(&mut *conn)
        .await?;
    let serial: i64 = sqlx::query_scalar!("select serial from catalog_zone")
        .fetch_one(&mut *conn)
        .await?;
    let members: Vec<(i64, String)> = zones.into_iter().map(|z| (z.id, z.name)).collect();
    let zone = catalog_zone_of(catalog_zone, u32::try_from(serial).unwrap_or(0), &members);
    catalog.update_transfer_policy(|policy| {
        *policy = TransferPolicy {
            keys: Keyring::new(keyring),
            networks,
            catalog: zone.map(Arc::new),
        };
    });
    Ok(())
}

/// The catalog zone (RFC 9432 §4): SOA, NS `invalid.`, `version` TXT "2", and one PTR per
/// member below `zones.`.
pub fn catalog_zone_of(origin: &Name, serial: u32, members: &[(i64, String)]) -> Option<Zone> {
    let apex = origin.to_ascii();
    let mut rrsets = Vec::with_capacity(members.len() + 3);
    let soa = format!("invalid. invalid. {serial} {CATALOG_SOA_TIMERS}");
    let fixed = [
        (apex.clone(), "SOA", soa),
        (apex.clone(), "NS", "invalid.".to_owned()),
        (format!("version.{apex}"), "TXT", "\"2\"".to_owned()),
    ];
    for (owner, rtype, data) in fixed {
        match validate_rrset(origin, &owner, rtype, CATALOG_TTL, &[data]) {
            Ok(rrset) => rrsets.push(rrset),
            Err(errors) => {
                tracing::error!(catalog = %apex, ?errors, "catalog zone cannot be built");
                return None;
            }
        }
    }
    for (id, name) in members {
        let owner = format!("{}.zones.{apex}", member_label(*id));
        match validate_rrset(origin, &owner, "PTR", CATALOG_TTL, &[name]) {
            Ok(rrset) => rrsets.push(rrset),
            Err(errors) => tracing::warn!(zone = %name, ?errors, "zone left out of the catalog"),
        }
    }
    Zone::new(origin, rrsets)
        .map_err(|e| tracing::error!(catalog = %apex, error = %e, "catalog zone cannot be built"))
        .ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_lists_every_member_with_a_stable_label() {
        let origin = Name::from_ascii(DEFAULT_CATALOG_ZONE).unwrap();
        let members = vec![
            (7, "example.com.".to_owned()),
            (9, "2.0.192.in-addr.arpa.".to_owned()),
        ];
        let zone = catalog_zone_of(&origin, 2026120100, &members).unwrap();
        assert_eq!(zone.serial(), 2026120100);
        let text: Vec<String> = zone.transfer_records().map(|r| r.to_string()).collect();
        assert!(
            text.iter()
                .any(|r| r.starts_with("version.catalog.invalid.") && r.contains("TXT")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|r| r.starts_with("z7.zones.catalog.invalid.") && r.ends_with("example.com.")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|r| r.starts_with("z9.zones.catalog.invalid.")
                    && r.ends_with("2.0.192.in-addr.arpa.")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|r| r.contains("NS") && r.ends_with("invalid.")),
            "{text:?}"
        );
    }
}
