//! Forward zones: creating one (name rules, IDN, public suffixes, who may hold it), listing,
//! showing and deleting. Every query is filtered by the caller: customers see their own zones,
//! admins see all. Every change bumps nothing half-way: it runs in one transaction with its
//! audit row and a `zone_changed` notification for the DNS engines.

use dns_engine::model::ZoneName;
use frontend::api::types::{Role, Zone};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::audit::{Action, Change};
use super::change::Write;
use crate::auth::Principal;
use crate::error::{map_sqlx, ServiceError};

/// The channel DNS engines LISTEN on; the payload is the zone's name.
pub use dns_engine::store::{soa_rdata, CHANGE_CHANNEL};

/// Turn what a user typed into the zone's canonical name ([`ZoneName::parse`]: trimmed, IDN
/// labels as A-labels, lower case, absolute), refusing public suffixes (`com`, `co.uk`):
/// nobody can register those here.
pub fn canonical_zone_name(input: &str) -> Result<ZoneName, ServiceError> {
    let name = ZoneName::parse(input).map_err(|m| ServiceError::field("name", m))?;
    let ascii = name.as_str().trim_end_matches('.');
    if let Some(suffix) = psl::suffix(ascii.as_bytes()) {
        if suffix.as_bytes().len() == ascii.len() {
            return Err(ServiceError::field(
                "name",
                format!("\"{ascii}\" is a public suffix; register a domain below it instead"),
            ));
        }
    }
    Ok(name)
}

/// The zone a URL names, in canonical form, if the caller may touch it: the gate that every
/// lookup of one zone by a caller passes. A name that cannot be a zone, or a zone outside a
/// scoped token's zones ([`Principal::may_touch_zone`]), is "not found", exactly like another
/// account's zone. Ownership is then checked by the query that loads the zone.
pub fn zone_for_principal(who: &Principal, input: &str) -> Result<ZoneName, ServiceError> {
    let name = zone_in_path(input)?;
    gate(who, &name)?;
    Ok(name)
}

/// The zone a URL names, in canonical form; a name that cannot be a zone is "not found".
/// The HTTP edge parses the path once with this and hands the services a [`ZoneName`].
pub fn zone_in_path(input: &str) -> Result<ZoneName, ServiceError> {
    canonical_zone_name(input).map_err(|_| ServiceError::NotFound)
}

/// Whether the caller may touch `zone` at all: a zone outside a scoped token's zones
/// ([`Principal::may_touch_zone`]) is "not found", like another account's zone.
pub fn gate(who: &Principal, zone: &ZoneName) -> Result<(), ServiceError> {
    if who.may_touch_zone(zone.as_str()) {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}

/// Whether a canonical name lies in the reverse trees (in-addr.arpa or ip6.arpa).
pub fn is_reverse_name(name: &str) -> bool {
    name.ends_with(".in-addr.arpa.") || name.ends_with(".ip6.arpa.")
}

/// The zone's name for people: A-labels shown in Unicode.
pub fn display_name(name: &str) -> String {
    let (unicode, result) = idna::domain_to_unicode(name.trim_end_matches('.'));
    match result {
        Ok(()) => format!("{unicode}."),
        Err(_) => name.to_owned(),
    }
}

/// The serial after a change (RFC 1982 arithmetic): today's `YYYYMMDD00` if that lies ahead
/// of the current serial, otherwise the current serial plus one (wrapping at 2^32).
pub fn next_serial(current: u32, today: time::Date) -> u32 {
    let dated = date_serial(today);
    if serial_gt(dated, current) {
        dated
    } else {
        current.wrapping_add(1)
    }
}

/// `YYYYMMDD00` for a date.
pub fn date_serial(date: time::Date) -> u32 {
    let y = u32::try_from(date.year()).unwrap_or(0);
    (y * 10_000 + u32::from(u8::from(date.month())) * 100 + u32::from(date.day())) * 100
}

pub use dns_engine::model::serial_gt;

#[derive(Debug)]
struct ZoneRow {
    name: String,
    owner: String,
    serial: i64,
    record_count: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl ZoneRow {
    fn into_zone(self) -> Zone {
        Zone {
            display_name: display_name(&self.name),
            name: self.name,
            owner: self.owner,
            serial: u32::try_from(self.serial).unwrap_or(0),
            record_count: self.record_count,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// Tell the DNS engines that a zone changed; delivered when the transaction commits.
pub async fn notify_changed(conn: &mut PgConnection, zone: &str) -> sqlx::Result<()> {
    sqlx::query!("select pg_notify($1, $2)", CHANGE_CHANNEL, zone)
        .execute(conn)
        .await?;
    Ok(())
}

/// Create a zone for the caller, with SOA and apex NS from the operator's settings.
pub async fn create(pool: &PgPool, who: &Principal, input: &str) -> Result<Zone, ServiceError> {
    let name = canonical_zone_name(input)?;
    if is_reverse_name(name.as_str()) {
        return Err(ServiceError::field(
            "name",
            "reverse zones (in-addr.arpa, ip6.arpa) are registered by the operator under \
             /api/v1/reverse-zones; PTRs are set per address under /api/v1/rdns",
        ));
    }
    let mut tx = pool.begin().await?;
    // Serialize zone creation so the "another account's zone above or below" rule cannot be
    // raced past by two concurrent creations.
    sqlx::query!("select pg_advisory_xact_lock(hashtext('zone.create'))")
        .execute(&mut *tx)
        .await?;
    // A zone inside or above another account's zone would let one customer answer for
    // another's names (or shadow them): refused. Nesting one's own zones is fine.
    let clash = sqlx::query_scalar!(
        "select name from zone
          where account_id <> $2
            and ($1 like '%.' || name or name like '%.' || $1)
          limit 1",
        name.as_str(),
        who.account_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if clash.is_some() {
        return Err(ServiceError::Conflict(frontend::api::types::FieldError {
            field: "name".into(),
            message: "overlaps a zone held by another account".into(),
        }));
    }
    if !who.is_admin() {
        customer_may_create(&mut tx, who, name.as_str()).await?;
    }
    insert_zone(&mut tx, who.account_id, name.as_str()).await?;
    let zone = fetch(&mut tx, who, name.as_str()).await?;
    let mut write = Write::new(&who.actor());
    write.audit(Change {
        action: Action::ZoneCreate,
        object_id: Some(name.to_string()),
        before: None,
        after: serde_json::to_value(&zone).ok(),
    });
    write.created(name.as_str());
    write.commit(tx).await?;
    Ok(zone)
}

/// The rules for zones a customer creates (admins create any zone that no one else holds).
///
/// * **The operator's names are reserved.** The domains of the default reverse names (each
///   reverse zone's template tail, e.g. `clients.provider.test.`) and the name servers of the
///   settings: whoever held a zone at or above them would answer for every customer's default
///   PTR names, or for the delegations of every zone here.
/// * **No squatting below a registrable domain.** A customer creates a registrable domain
///   (one label below a public suffix, by the Public Suffix List: `example.com.`,
///   `example.co.uk.`), or a subzone of a zone their own account already holds. Otherwise
///   the first customer to create `shop.example.com.` would block the real owner of
///   `example.com.` from hosting it (the overlap rule above refuses nesting across
///   accounts). A registrable domain itself is first come; a dispute about one is for an
///   admin, who can delete the squatted zone (as registrars resolve them, on proof of the
///   registration), since a delegation alone is no proof before the zone exists here.
async fn customer_may_create(
    tx: &mut PgConnection,
    who: &Principal,
    name: &str,
) -> Result<(), ServiceError> {
    let refuse = |message: String| {
        Err(ServiceError::Conflict(frontend::api::types::FieldError {
            field: "name".into(),
            message,
        }))
    };
    let at_or_above = |reserved: &str| reserved == name || reserved.ends_with(&format!(".{name}"));
    let templates =
        sqlx::query!(r#"select template, family(network) = 4 as "v4!" from reverse_zone"#)
            .fetch_all(&mut *tx)
            .await?;
    for t in templates {
        if let Ok(template) = dns_engine::zone::synth::Template::parse(&t.template, t.v4) {
            let domain = template.domain().to_ascii().to_ascii_lowercase();
            if at_or_above(&domain) {
                return refuse(format!(
                    "{name} holds the operator's default reverse names ({domain}); only an \
                     admin can create it"
                ));
            }
        }
    }
    let nameservers = sqlx::query_scalar!("select nameservers from setting")
        .fetch_one(&mut *tx)
        .await?;
    if let Some(ns) = nameservers
        .iter()
        .find(|ns| at_or_above(&ns.to_ascii_lowercase()))
    {
        return refuse(format!(
            "{name} holds the operator's name server {ns}; only an admin can create it"
        ));
    }
    let bare = name.trim_end_matches('.');
    match psl::domain_str(bare) {
        None => refuse(format!(
            "{name} is a public suffix (like com. or co.uk.); create a domain registered \
             under it"
        )),
        Some(registrable) if registrable == bare => Ok(()),
        Some(registrable) => {
            let own_parent = sqlx::query_scalar!(
                "select name from zone where account_id = $1 and $2 like '%.' || name limit 1",
                who.account_id,
                name
            )
            .fetch_optional(&mut *tx)
            .await?;
            match own_parent {
                Some(_) => Ok(()),
                None => refuse(format!(
                    "{name} is below the domain {registrable}.; create {registrable}. first (a \
                     subzone belongs to the account that holds its domain here)"
                )),
            }
        }
    }
}

/// Inserts the zone row `name` (canonical) for `account_id`, with SOA values and apex NS from
/// the operator's settings. Returns the zone's id. The caller checks who may hold the name.
pub(crate) async fn insert_zone(
    tx: &mut PgConnection,
    account_id: i64,
    name: &str,
) -> Result<i64, ServiceError> {
    let settings = sqlx::query!(
        "select nameservers, hostmaster, soa_refresh, soa_retry, soa_expire, soa_minimum, default_ttl
           from setting"
    )
    .fetch_one(&mut *tx)
    .await?;
    let serial = i64::from(date_serial(OffsetDateTime::now_utc().date()) + 1);
    let zone_id = sqlx::query_scalar!(
        "insert into zone (account_id, name, serial, soa_mname, soa_rname, soa_refresh, soa_retry,
                           soa_expire, soa_minimum, soa_ttl)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         returning id",
        account_id,
        name,
        serial,
        settings.nameservers.first().cloned().unwrap_or_default(),
        settings.hostmaster,
        settings.soa_refresh,
        settings.soa_retry,
        settings.soa_expire,
        settings.soa_minimum,
        settings.default_ttl,
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(map_sqlx)?;
    sqlx::query!(
        "insert into record (zone_id, name, type, ttl, content)
         select $1, $2, 'NS', $3, unnest($4::text[])",
        zone_id,
        name,
        settings.default_ttl,
        &settings.nameservers,
    )
    .execute(&mut *tx)
    .await?;
    Ok(zone_id)
}

/// One zone, if the caller may see it. Someone else's zone is "not found", like a zone that
/// does not exist.
pub(crate) async fn fetch(
    conn: &mut PgConnection,
    who: &Principal,
    name: &str,
) -> Result<Zone, ServiceError> {
    if !who.may_touch_zone(name) {
        return Err(ServiceError::NotFound);
    }
    let row = sqlx::query_as!(
        ZoneRow,
        r#"select z.name, a.email as owner, z.serial, z.created_at,
                  greatest(z.updated_at, max(r.updated_at)) as "updated_at!",
                  count(r.id) as "record_count!"
             from zone z
             join account a on a.id = z.account_id
             left join record r on r.zone_id = z.id
            where z.name = $1 and (z.account_id = $2 or $3)
            group by z.id, a.email"#,
        name,
        who.account_id,
        who.role == Role::Admin,
    )
    .fetch_optional(conn)
    .await?
    .ok_or(ServiceError::NotFound)?;
    Ok(row.into_zone())
}

/// The zone named in a URL (any spelling the user might use), if the caller may see it.
pub async fn get(pool: &PgPool, who: &Principal, name: &str) -> Result<Zone, ServiceError> {
    let name = zone_for_principal(who, name)?;
    let mut conn = pool.acquire().await?;
    fetch(&mut conn, who, name.as_str()).await
}

/// The caller's zones (all zones for admins; a scoped token's zones only), optionally
/// filtered by a substring of the name, in name order.
pub async fn list(
    pool: &PgPool,
    who: &Principal,
    search: Option<&str>,
) -> Result<Vec<Zone>, ServiceError> {
    // Search in both spellings: typing "münchen" finds "xn--mnchen-3ya.de.".
    let needle = search.map(str::trim).filter(|s| !s.is_empty()).map(|s| {
        let lowered = s.to_lowercase();
        let ascii = idna::domain_to_ascii(&lowered).unwrap_or_else(|_| lowered.clone());
        (lowered, ascii)
    });
    let (unicode, ascii) = needle.unwrap_or_default();
    let rows = sqlx::query_as!(
        ZoneRow,
        r#"select z.name, a.email as owner, z.serial, z.created_at,
                  greatest(z.updated_at, max(r.updated_at)) as "updated_at!",
                  count(r.id) as "record_count!"
             from zone z
             join account a on a.id = z.account_id
             left join record r on r.zone_id = z.id
            where (z.account_id = $1 or $2)
              and ($3 = '' or strpos(z.name, $3) > 0 or strpos(z.name, $4) > 0)
            group by z.id, a.email
            order by z.name"#,
        who.account_id,
        who.role == Role::Admin,
        ascii,
        unicode,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|z| who.may_touch_zone(&z.name))
        .map(ZoneRow::into_zone)
        .collect())
}

/// Delete a zone and all its records. It leaves the scope of every token that had it (the
/// foreign key cascades); such a token stays scoped, to its remaining zones if any.
pub async fn delete(pool: &PgPool, who: &Principal, name: &str) -> Result<(), ServiceError> {
    let name = zone_for_principal(who, name)?;
    let mut tx = pool.begin().await?;
    let zone = fetch(&mut tx, who, name.as_str()).await?;
    // A reverse zone has its ranges and PTRs: it goes through its own endpoint, which
    // refuses while ranges are assigned (once, this path failed on the foreign key with 500).
    if is_reverse_name(name.as_str()) {
        let registered = sqlx::query_scalar!(
            r#"select count(*) as "n!" from reverse_zone rz join zone z on z.id = rz.zone_id
                where z.name = $1"#,
            name.as_str()
        )
        .fetch_one(&mut *tx)
        .await?;
        if registered > 0 {
            return Err(ServiceError::Conflict(frontend::api::types::FieldError {
                field: "name".into(),
                message: format!(
                    "{name} is a reverse zone; delete it under /api/v1/reverse-zones/{name} \
                     once its ranges are unassigned"
                ),
            }));
        }
    }
    sqlx::query!("delete from zone where name = $1", name.as_str())
        .execute(&mut *tx)
        .await?;
    let mut write = Write::new(&who.actor());
    write.audit(Change {
        action: Action::ZoneDelete,
        object_id: Some(name.to_string()),
        before: serde_json::to_value(&zone).ok(),
        after: None,
    });
    write.deleted(name.as_str());
    write.commit(tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_message(r: Result<ZoneName, ServiceError>) -> String {
        match r {
            Err(ServiceError::Validation(v)) => {
                assert_eq!(v[0].field, "name");
                v[0].message.clone()
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn zone_names() {
        assert_eq!(
            canonical_zone_name(" Example.COM. ").unwrap().as_str(),
            "example.com."
        );
        assert_eq!(
            canonical_zone_name("münchen.de").unwrap().as_str(),
            "xn--mnchen-3ya.de."
        );
        assert_eq!(
            canonical_zone_name("0.203.in-addr.arpa").unwrap().as_str(),
            "0.203.in-addr.arpa."
        );
        assert!(field_message(canonical_zone_name("com")).contains("top-level"));
        assert!(field_message(canonical_zone_name("co.uk")).contains("public suffix"));
        assert!(field_message(canonical_zone_name("in-addr.arpa")).contains("public suffix"));
        assert!(
            field_message(canonical_zone_name(&format!("{}.com", "a".repeat(64)))).contains("63")
        );
        assert!(field_message(canonical_zone_name(&format!(
            "{}com",
            "abcdefghi.".repeat(26)
        )))
        .contains("255"));
        field_message(canonical_zone_name("exa mple.com"));
        field_message(canonical_zone_name("exa_mple.com"));
        field_message(canonical_zone_name("a..com"));
        field_message(canonical_zone_name(""));
        field_message(canonical_zone_name("<script>.com"));
        assert_eq!(display_name("xn--mnchen-3ya.de."), "münchen.de.");
    }

    #[test]
    fn serial_arithmetic() {
        let day = time::macros::date!(2026 - 11 - 21);
        assert_eq!(date_serial(day), 2026112100);
        // Behind today's date: jump to it.
        assert_eq!(next_serial(2025010105, day), 2026112100);
        // Already today (or ahead): count up.
        assert_eq!(next_serial(2026112100, day), 2026112101);
        assert_eq!(next_serial(2026112199, day), 2026112200);
        // A serial ahead of the date in serial space (RFC 1982) keeps counting.
        assert_eq!(next_serial(3_000_000_000, day), 3_000_000_001);
        assert!(serial_gt(0, u32::MAX));
        assert!(serial_gt(5, 3));
        assert!(!serial_gt(3, 5));
        assert!(!serial_gt(7, 7));
    }
}
