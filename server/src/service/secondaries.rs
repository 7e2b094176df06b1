//! The operator's side of the hidden primary: TSIG keys, secondaries, the transfer allow-list
//! and the sync status of zones on the secondaries. Admin-only (the handlers take `Admin`),
//! audited, and each change tells the engines to re-read the transfer policy.

use base64::Engine as _;
use dns_engine::tsig::Algorithm;
use dns_engine::zone::synth::Network;
use frontend::api::primary::{
    CreateSecondary, CreateTransferNetwork, CreateTsigKey, CreatedTsigKey, PartialZone, Secondary,
    SecondarySync, TransferNetwork, TsigKey, ZoneSync,
};
use hickory_proto::rr::Name;
use rand::RngCore;
use sqlx::PgPool;

use super::audit::{Action, Actor, Change};
use super::change::{Write, TRANSFER_CHANGED};
use crate::auth::Principal;
use crate::error::{map_sqlx, ServiceError};

const SECRET_MIN: usize = 16;
const SECRET_MAX: usize = 128;

/// Audits `change` and commits `tx`, telling the engines to re-read the transfer policy:
/// every change here goes through the one write path like any other.
async fn commit(
    tx: sqlx::Transaction<'_, sqlx::Postgres>,
    actor: &Actor,
    change: Change,
) -> Result<(), ServiceError> {
    let mut write = Write::new(actor);
    write.audit(change).reload(TRANSFER_CHANGED);
    write.commit(tx).await?;
    Ok(())
}

fn key_name(input: &str) -> Result<String, ServiceError> {
    let text = input.trim();
    let bad = |why: &str| ServiceError::field("name", why.to_owned());
    if text.is_empty() {
        return Err(bad("is required"));
    }
    let mut name =
        Name::from_ascii(text).map_err(|e| bad(&format!("is not a domain name: {e}")))?;
    name.set_fqdn(true);
    let name = name.to_lowercase().to_ascii();
    if name.len() > 255
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
    {
        return Err(bad(
            "may hold letters, digits, '-', '_' and dots, up to 255 characters",
        ));
    }
    Ok(name)
}

fn to_key(id: i64, name: String, algorithm: String, created_at: time::OffsetDateTime) -> TsigKey {
    let deprecated = Algorithm::parse(&algorithm).is_some_and(Algorithm::is_deprecated);
    TsigKey {
        id,
        name,
        algorithm,
        deprecated,
        created_at,
    }
}

pub async fn list_keys(pool: &PgPool) -> Result<Vec<TsigKey>, ServiceError> {
    let rows = sqlx::query!("select id, name, algorithm, created_at from tsig_key order by name")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| to_key(r.id, r.name, r.algorithm, r.created_at))
        .collect())
}

/// Creates a key; its secret is in the answer and never again.
pub async fn create_key(
    pool: &PgPool,
    actor: &Actor,
    req: &CreateTsigKey,
) -> Result<CreatedTsigKey, ServiceError> {
    let name = key_name(&req.name)?;
    let algorithm = match req.algorithm.as_deref().map(str::trim) {
        None | Some("") => Algorithm::HmacSha256,
        Some(text) => Algorithm::parse(text).ok_or_else(|| {
            ServiceError::field(
                "algorithm",
                format!(
                    "must be one of {}",
                    frontend::api::primary::TSIG_ALGORITHMS.join(", ")
                ),
            )
        })?,
    };
    let secret = match req.secret.as_deref().map(str::trim) {
        None | Some("") => {
            let mut secret = vec![0u8; algorithm.mac_len()];
            rand::thread_rng().fill_bytes(&mut secret);
            secret
        }
        Some(text) => {
            let secret = base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| ServiceError::field("secret", "is not base64"))?;
            if !(SECRET_MIN..=SECRET_MAX).contains(&secret.len()) {
                return Err(ServiceError::field(
                    "secret",
                    format!(
                        "must be {SECRET_MIN} to {SECRET_MAX} octets (it is {})",
                        secret.len()
                    ),
                ));
            }
            secret
        }
    };
    let mut tx = pool.begin().await?;
    let row = sqlx::query!(
        "insert into tsig_key (name, algorithm, secret) values ($1, $2, $3)
         returning id, created_at",
        name,
        algorithm.as_str(),
        secret
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(map_sqlx)?;
    let key = to_key(
        row.id,
        name.clone(),
        algorithm.as_str().to_owned(),
        row.created_at,
    );
    commit(
        tx,
        actor,
        Change {
            action: Action::TsigKeyCreate,
            object_id: Some(name),
            before: None,
            // The listed form: never the secret.
            after: serde_json::to_value(&key).ok(),
        },
    )
    .await?;
    Ok(CreatedTsigKey {
        key,
        secret: base64::engine::general_purpose::STANDARD.encode(secret),
    })
}

pub async fn delete_key(pool: &PgPool, actor: &Actor, name: &str) -> Result<(), ServiceError> {
    let name = key_name(name).map_err(|_| ServiceError::NotFound)?;
    let mut tx = pool.begin().await?;
    let used = sqlx::query_scalar!(
        r#"select count(*) as "n!" from secondary s join tsig_key k on k.id = s.tsig_key_id where k.name = $1"#,
        name
    )
    .fetch_one(&mut *tx)
    .await?;
    if used > 0 {
        return Err(ServiceError::Conflict(frontend::api::types::FieldError {
            field: "name".into(),
            message: format!(
                "{used} secondary(ies) use this key; delete them or give them another key first"
            ),
        }));
    }
    let gone = sqlx::query!(
        "delete from tsig_key where name = $1 returning id, algorithm, created_at",
        name
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    commit(
        tx,
        actor,
        Change {
            action: Action::TsigKeyDelete,
            object_id: Some(name.clone()),
            before: serde_json::to_value(to_key(gone.id, name, gone.algorithm, gone.created_at))
                .ok(),
            after: None,
        },
    )
    .await?;
    Ok(())
}

pub async fn list_secondaries(pool: &PgPool) -> Result<Vec<Secondary>, ServiceError> {
    let rows = sqlx::query!(
        r#"select s.id, host(s.address) as "address!", s.port, k.name as "tsig_key?", s.catalog,
                  s.comment, s.created_at,
                  (select count(*) from secondary_sync y
                    where y.secondary_id = s.id
                      and (y.behind_since is not null or y.error is not null)) as "behind!",
                  (select max(y.checked_at) from secondary_sync y where y.secondary_id = s.id) as last_checked
             from secondary s left join tsig_key k on k.id = s.tsig_key_id
            order by s.id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Secondary {
            id: r.id,
            address: r.address,
            port: u16::try_from(r.port).unwrap_or(53),
            tsig_key: r.tsig_key,
            catalog: r.catalog,
            comment: r.comment,
            created_at: r.created_at,
            zones_behind: u32::try_from(r.behind).unwrap_or(u32::MAX),
            last_checked: r.last_checked,
        })
        .collect())
}

/// Adds a secondary. Its address must be a global unicast address unless the operator allows
/// local targets (`--allow-local-targets`): NOTIFY must not become a way to make the server
/// send datagrams into the provider's own networks.
pub async fn create_secondary(
    pool: &PgPool,
    actor: &Actor,
    req: &CreateSecondary,
    allow_local_targets: bool,
) -> Result<Secondary, ServiceError> {
    let ip: std::net::IpAddr = req
        .address
        .trim()
        .parse()
        .map_err(|_| ServiceError::field("address", "is not an IPv4 or IPv6 address"))?;
    if let Some(kind) = super::outbound::special_purpose(ip).filter(|_| !allow_local_targets) {
        return Err(ServiceError::field(
            "address",
            format!("is a {kind} address; secondaries must have global addresses"),
        ));
    }
    let port = req.port.unwrap_or(53);
    if port == 0 {
        return Err(ServiceError::field("port", "must be 1 to 65535"));
    }
    let comment = req.comment.clone().unwrap_or_default();
    if comment.chars().count() > 200 {
        return Err(ServiceError::field(
            "comment",
            "must be at most 200 characters",
        ));
    }
    let mut tx = pool.begin().await?;
    let key_id = match req
        .tsig_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        None => None,
        Some(key) => {
            let name =
                key_name(key).map_err(|_| ServiceError::field("tsig_key", "is not a key name"))?;
            Some(
                sqlx::query_scalar!("select id from tsig_key where name = $1", name)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::field("tsig_key", format!("no TSIG key is called {name}"))
                    })?,
            )
        }
    };
    let catalog = req.catalog.unwrap_or(true);
    let network: sqlx::types::ipnetwork::IpNetwork = ip.into();
    let row = sqlx::query!(
        "insert into secondary (address, port, tsig_key_id, catalog, comment)
         values ($1, $2, $3, $4, $5) returning id",
        network,
        i32::from(port),
        key_id,
        catalog,
        comment
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(map_sqlx)?;
    let secondary = Secondary {
        id: row.id,
        address: ip.to_string(),
        port,
        tsig_key: req
            .tsig_key
            .clone()
            .filter(|k| !k.trim().is_empty())
            .map(|k| key_name(&k).unwrap_or(k)),
        catalog,
        comment,
        created_at: time::OffsetDateTime::now_utc(),
        zones_behind: 0,
        last_checked: None,
    };
    commit(
        tx,
        actor,
        Change {
            action: Action::SecondaryCreate,
            object_id: Some(row.id.to_string()),
            before: None,
            after: serde_json::to_value(&secondary).ok(),
        },
    )
    .await?;
    Ok(secondary)
}

pub async fn delete_secondary(pool: &PgPool, actor: &Actor, id: i64) -> Result<(), ServiceError> {
    let mut tx = pool.begin().await?;
    let gone = sqlx::query!(
        r#"delete from secondary where id = $1 returning host(address) as "address!", port"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    commit(
        tx,
        actor,
        Change {
            action: Action::SecondaryDelete,
            object_id: Some(id.to_string()),
            before: Some(serde_json::json!({ "address": gone.address, "port": gone.port })),
            after: None,
        },
    )
    .await?;
    Ok(())
}

pub async fn list_networks(pool: &PgPool) -> Result<Vec<TransferNetwork>, ServiceError> {
    let rows = sqlx::query!(
        r#"select id, network::text as "network!", comment, created_at from transfer_allow order by network"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| TransferNetwork {
            id: r.id,
            network: r.network,
            comment: r.comment,
            created_at: r.created_at,
        })
        .collect())
}

pub async fn create_network(
    pool: &PgPool,
    actor: &Actor,
    req: &CreateTransferNetwork,
) -> Result<TransferNetwork, ServiceError> {
    let net: Network = req
        .network
        .trim()
        .parse()
        .map_err(|e| ServiceError::field("network", format!("{e}")))?;
    let comment = req.comment.clone().unwrap_or_default();
    if comment.chars().count() > 200 {
        return Err(ServiceError::field(
            "comment",
            "must be at most 200 characters",
        ));
    }
    let text = net.to_string();
    let mut tx = pool.begin().await?;
    let row = sqlx::query!(
        r#"insert into transfer_allow (network, comment) values ($1::text::cidr, $2)
           returning id, network::text as "network!", created_at"#,
        text,
        comment
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(map_sqlx)?;
    let created = TransferNetwork {
        id: row.id,
        network: row.network,
        comment,
        created_at: row.created_at,
    };
    commit(
        tx,
        actor,
        Change {
            action: Action::TransferAllowCreate,
            object_id: Some(created.network.clone()),
            before: None,
            after: serde_json::to_value(&created).ok(),
        },
    )
    .await?;
    Ok(created)
}

pub async fn delete_network(pool: &PgPool, actor: &Actor, id: i64) -> Result<(), ServiceError> {
    let mut tx = pool.begin().await?;
    let gone = sqlx::query_scalar!(
        r#"delete from transfer_allow where id = $1 returning network::text as "network!""#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    commit(
        tx,
        actor,
        Change {
            action: Action::TransferAllowDelete,
            object_id: Some(gone.clone()),
            before: Some(serde_json::json!({ "network": gone })),
            after: None,
        },
    )
    .await?;
    Ok(())
}

/// The zones a secondary cannot serve as Zonekeeper's engine does: default reverse names are
/// made up per query, they are not zone data and are not transferred. (Signed zones are
/// complete: they go out with an NSEC chain.)
pub async fn coverage(pool: &PgPool) -> Result<Vec<PartialZone>, ServiceError> {
    let reverse = sqlx::query!(
        r#"select z.name, count(r.id) as "served!"
             from reverse_zone rz join zone z on z.id = rz.zone_id
             join ip_range r on r.zone_id = rz.zone_id and r.delegate_ns is null
            group by z.name order by z.name"#
    )
    .fetch_all(pool)
    .await?;
    let mut out: Vec<PartialZone> = reverse
        .into_iter()
        .map(|r| PartialZone {
            zone: r.name,
            reason: format!(
                "default reverse names of {} assigned range(s) are answered only by Zonekeeper; \
                 secondaries serve the PTRs that are set",
                r.served
            ),
        })
        .collect();
    out.sort_by(|a, b| a.zone.cmp(&b.zone));
    Ok(out)
}

/// What each secondary serves of zone `name`, as last asked (checked against the caller:
/// a customer sees the status of their own zones).
pub async fn zone_sync(
    pool: &PgPool,
    who: &Principal,
    name: &str,
) -> Result<ZoneSync, ServiceError> {
    let zone = super::zones::get(pool, who, name).await?;
    let rows = sqlx::query!(
        r#"select s.id, host(s.address) as "address!", s.port,
                  y.serial as "serial?", y.error as "error?", y.checked_at as "checked_at?",
                  y.behind_since as "behind_since?"
             from secondary s
             left join secondary_sync y on y.secondary_id = s.id and y.zone_name = $1
            order by s.id"#,
        zone.name
    )
    .fetch_all(pool)
    .await?;
    let serial = zone.serial;
    let secondaries: Vec<SecondarySync> = rows
        .into_iter()
        .map(|r| {
            let theirs = r.serial.and_then(|s| u32::try_from(s).ok());
            SecondarySync {
                secondary_id: r.id,
                address: r.address,
                port: u16::try_from(r.port).unwrap_or(53),
                serial: theirs,
                in_sync: theirs.is_some_and(|t| !dns_engine::model::serial_gt(serial, t)),
                behind_since: r.behind_since,
                checked_at: r.checked_at,
                error: r.error,
            }
        })
        .collect();
    Ok(ZoneSync {
        in_sync: secondaries.iter().all(|s| s.in_sync),
        zone: zone.name,
        serial,
        secondaries,
    })
}
