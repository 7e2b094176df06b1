//! The operator's settings (defaults for new zones) and the per-zone SOA values, with the
//! rules they share: host names for name servers, a mailbox for the RNAME, and timer ranges.

use dns_engine::model::{parse_name, NameRole};
use frontend::api::types::{
    FcrdnsPolicy, FieldError, Settings, SoaSettings, UpdateZoneRequest, Zone,
};
use hickory_proto::rr::Name;
use sqlx::PgPool;

use super::audit::{Action, Change};
use super::change::Write;
use super::zones::zone_for_principal;
use crate::auth::Principal;
use crate::error::ServiceError;

/// RFC 2181 §8: TTLs and SOA timers are 31-bit.
const MAX_SECONDS: i32 = i32::MAX;

fn host(field: &str, text: &str, errors: &mut Vec<FieldError>) -> String {
    match parse_name(text, &Name::root(), NameRole::Host) {
        Ok(n) if !n.is_root() && text.trim().ends_with('.') => n.to_lowercase().to_ascii(),
        Ok(_) => {
            errors.push(field_error(
                field,
                format!("\"{text}\" must be an absolute host name ending in a dot"),
            ));
            String::new()
        }
        Err(m) => {
            errors.push(field_error(field, m));
            String::new()
        }
    }
}

/// RFC 1035 §8: the mailbox `hostmaster@example.net` is written `hostmaster.example.net.`.
fn mailbox(field: &str, text: &str, errors: &mut Vec<FieldError>) -> String {
    let t = text.trim();
    let as_name = match t.split_once('@') {
        Some((local, domain)) if !local.contains('.') => {
            format!("{local}.{}.", domain.trim_end_matches('.'))
        }
        Some(_) => {
            errors.push(field_error(
                field,
                "a mailbox whose local part contains a dot cannot be written as an RNAME here",
            ));
            return String::new();
        }
        None => t.to_owned(),
    };
    match parse_name(&as_name, &Name::root(), NameRole::Target) {
        Ok(n) if n.num_labels() >= 2 && as_name.ends_with('.') => n.to_lowercase().to_ascii(),
        Ok(_) => {
            errors.push(field_error(field, format!("\"{text}\" must be a mailbox such as hostmaster@example.net or hostmaster.example.net.")));
            String::new()
        }
        Err(m) => {
            errors.push(field_error(field, m));
            String::new()
        }
    }
}

fn seconds(field: &str, value: i32, min: i32, errors: &mut Vec<FieldError>) {
    if !(min..=MAX_SECONDS).contains(&value) {
        errors.push(field_error(
            field,
            format!("must be between {min} and {MAX_SECONDS} seconds"),
        ));
    }
}

fn field_error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
    }
}

pub async fn get(pool: &PgPool) -> Result<Settings, ServiceError> {
    let r = sqlx::query!(
        "select nameservers, hostmaster, soa_refresh, soa_retry, soa_expire, soa_minimum, default_ttl,
                fcrdns_policy from setting"
    )
    .fetch_one(pool)
    .await?;
    Ok(Settings {
        nameservers: r.nameservers,
        hostmaster: r.hostmaster,
        soa_refresh: r.soa_refresh,
        soa_retry: r.soa_retry,
        soa_expire: r.soa_expire,
        soa_minimum: r.soa_minimum,
        default_ttl: r.default_ttl,
        fcrdns_policy: if r.fcrdns_policy == "warn" {
            FcrdnsPolicy::Warn
        } else {
            FcrdnsPolicy::Strict
        },
    })
}

/// Replace the settings (admin). Existing zones keep their values; new zones get these.
pub async fn put(pool: &PgPool, who: &Principal, s: &Settings) -> Result<Settings, ServiceError> {
    let mut errors = Vec::new();
    if s.nameservers.is_empty() {
        errors.push(field_error(
            "nameservers",
            "must list at least one name server",
        ));
    }
    let nameservers: Vec<String> = s
        .nameservers
        .iter()
        .enumerate()
        .map(|(i, n)| host(&format!("nameservers[{i}]"), n, &mut errors))
        .collect();
    let hostmaster = mailbox("hostmaster", &s.hostmaster, &mut errors);
    seconds("soa_refresh", s.soa_refresh, 1, &mut errors);
    seconds("soa_retry", s.soa_retry, 1, &mut errors);
    seconds("soa_expire", s.soa_expire, 1, &mut errors);
    seconds("soa_minimum", s.soa_minimum, 0, &mut errors);
    seconds("default_ttl", s.default_ttl, 1, &mut errors);
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let before = get(pool).await?;
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "update setting set nameservers = $1, hostmaster = $2, soa_refresh = $3, soa_retry = $4,
                soa_expire = $5, soa_minimum = $6, default_ttl = $7, fcrdns_policy = $8,
                updated_at = now()",
        &nameservers,
        hostmaster,
        s.soa_refresh,
        s.soa_retry,
        s.soa_expire,
        s.soa_minimum,
        s.default_ttl,
        s.fcrdns_policy.as_str()
    )
    .execute(&mut *tx)
    .await?;
    let after = Settings {
        nameservers,
        hostmaster,
        ..s.clone()
    };
    let mut write = Write::new(&who.actor());
    write.audit(Change {
        action: Action::SettingsUpdate,
        object_id: None,
        before: serde_json::to_value(&before).ok(),
        after: serde_json::to_value(&after).ok(),
    });
    write.commit(tx).await?;
    Ok(after)
}

/// Change a zone's SOA values; bumps the serial and tells the engines.
pub async fn update_zone(
    pool: &PgPool,
    who: &Principal,
    zone: &str,
    req: &UpdateZoneRequest,
) -> Result<Zone, ServiceError> {
    let name = zone_for_principal(who, zone)?;
    let mut tx = pool.begin().await?;
    let cur = sqlx::query!(
        "select id, serial, soa_mname, soa_rname, soa_refresh, soa_retry, soa_expire, soa_minimum, soa_ttl
           from zone where name = $1 and (account_id = $2 or $3) for update",
        name.as_str(),
        who.account_id,
        who.is_admin()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let before = SoaSettings {
        mname: cur.soa_mname.clone(),
        rname: cur.soa_rname.clone(),
        refresh: cur.soa_refresh,
        retry: cur.soa_retry,
        expire: cur.soa_expire,
        minimum: cur.soa_minimum,
        ttl: cur.soa_ttl,
    };
    let mut errors = Vec::new();
    let after = SoaSettings {
        mname: match &req.mname {
            Some(m) => host("mname", m, &mut errors),
            None => before.mname.clone(),
        },
        rname: match &req.rname {
            Some(r) => mailbox("rname", r, &mut errors),
            None => before.rname.clone(),
        },
        refresh: req.refresh.unwrap_or(before.refresh),
        retry: req.retry.unwrap_or(before.retry),
        expire: req.expire.unwrap_or(before.expire),
        minimum: req.minimum.unwrap_or(before.minimum),
        ttl: req.ttl.unwrap_or(before.ttl),
    };
    seconds("refresh", after.refresh, 1, &mut errors);
    seconds("retry", after.retry, 1, &mut errors);
    seconds("expire", after.expire, 1, &mut errors);
    seconds("minimum", after.minimum, 0, &mut errors);
    seconds("ttl", after.ttl, 1, &mut errors);
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    sqlx::query!(
        "update zone set soa_mname = $2, soa_rname = $3, soa_refresh = $4, soa_retry = $5,
                soa_expire = $6, soa_minimum = $7, soa_ttl = $8
          where id = $1",
        cur.id,
        after.mname,
        after.rname,
        after.refresh,
        after.retry,
        after.expire,
        after.minimum,
        after.ttl,
    )
    .execute(&mut *tx)
    .await?;
    let mut write = Write::new(&who.actor());
    write.audit(Change {
        action: Action::ZoneUpdate,
        object_id: Some(name.to_string()),
        before: serde_json::to_value(&before).ok(),
        after: serde_json::to_value(&after).ok(),
    });
    write.changed(cur.id);
    write.commit(tx).await?;
    super::zones::get(pool, who, name.as_str()).await
}
