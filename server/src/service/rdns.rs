//! Reverse DNS: the operator's reverse zones, ranges assigned to customers, and the one PTR
//! each address may have.
//!
//! * A **reverse zone** is an ordinary zone row (SOA, apex NS, records) plus the network it
//!   covers and the template of its default names ([`dns_engine::zone::synth`]).
//! * A **range** belongs to one customer; ranges never overlap (an exclusion constraint).
//! * A **PTR** is keyed by its address, so a second PTR for one address cannot exist. An
//!   address without one answers with its default name, synthesized by the engine, and so does
//!   the default name's forward address: nothing is stored per address for that.
//!
//! Every PTR save is checked for FCrDNS ([`super::fcrdns`]) and, under the `strict` policy,
//! refused when the host name resolves elsewhere. Every change bumps the reverse zone's serial
//! and notifies the engines in the transaction that makes it; customers reach only addresses
//! in their own ranges (anything else is "not found").

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use dns_engine::zone::synth::{Network, Template};
use frontend::api::rdns::{
    AssignRangeRequest, CreateReverseZoneRequest, Fcrdns, PutRdns, Range, Rdns, RdnsBatch,
    RdnsBatchParams, RdnsBatchResult, RdnsEntryResult, RdnsPage, RdnsQuery, RdnsSaved,
    ReverseStatus, ReverseZone, UpdateReverseZoneRequest,
};
use frontend::api::types::{FieldError, Role};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::audit::{self, Change};
use super::fcrdns::{self, Verdict};
use super::zones::{display_name, insert_zone, next_serial, notify_changed};
use crate::auth::Principal;
use crate::http::error::{map_sqlx, ApiError};
use crate::resolver::Resolver;

/// Most entries one `PATCH /api/v1/rdns` may carry: a whole /16.
pub const MAX_BATCH: usize = 65_536;

/// Page size of `GET /api/v1/rdns` when none is asked for, and the largest allowed.
const DEFAULT_PAGE: u32 = 256;
const MAX_PAGE: u32 = 4096;

/// IPv4 ranges up to this size list every address (with its default name); larger ones, and
/// all IPv6 ranges, list only the addresses that have a PTR.
const LIST_ALL_UP_TO: u128 = 1 << 18;

/// `strict` refuses PTRs that fail FCrDNS; `warn` stores them flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    Strict,
    Warn,
}

async fn policy(conn: &mut PgConnection) -> sqlx::Result<(Policy, i32)> {
    let row = sqlx::query!("select fcrdns_policy, default_ttl from setting")
        .fetch_one(conn)
        .await?;
    let policy = if row.fcrdns_policy == "warn" {
        Policy::Warn
    } else {
        Policy::Strict
    };
    Ok((policy, row.default_ttl))
}

// ---------------------------------------------------------------------------------------------
// Names and addresses as users type them.

/// A host name as users type it (`Mail.Example.com`, `münchen.de`) in canonical form: A-labels,
/// lower case, absolute. PTR targets are host names (RFC 1123 §2.1), not IP literals.
pub fn canonical_hostname(input: &str) -> Result<String, String> {
    let trimmed = input.trim();
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err("must not be empty".into());
    }
    if trimmed.parse::<IpAddr>().is_ok() {
        return Err("must be a host name, not an IP address".into());
    }
    if trimmed.split('.').any(str::is_empty) {
        return Err("must not contain empty labels (two dots in a row)".into());
    }
    let ascii = idna::domain_to_ascii_strict(trimmed).map_err(|_| {
        format!(
            "\"{trimmed}\" is not a valid host name: use letters, digits and hyphens in dot-separated labels"
        )
    })?;
    if let Some(label) = ascii.split('.').find(|l| l.len() > 63) {
        return Err(format!(
            "label \"{label}\" is {} octets long; at most 63 are allowed",
            label.len()
        ));
    }
    if ascii.len() + 2 > 255 {
        return Err("is longer than 255 octets".into());
    }
    if !ascii.contains('.') {
        return Err("must be a fully qualified name such as mail.example.com".into());
    }
    if ascii
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("the last label must not be all digits".into());
    }
    Ok(format!("{ascii}."))
}

fn parse_ip(field: &str, text: &str) -> Result<IpAddr, ApiError> {
    text.trim().parse::<IpAddr>().map_err(|_| {
        ApiError::field(
            field,
            format!("\"{}\" is not an IPv4 or IPv6 address", text.trim()),
        )
    })
}

fn parse_ttl(field: &str, ttl: Option<i64>, default: i32) -> Result<i32, ApiError> {
    match ttl {
        None => Ok(default),
        Some(t) if (1..=2_147_483_647).contains(&t) => Ok(t as i32),
        Some(_) => Err(ApiError::field(field, "must be between 1 and 2147483647")),
    }
}

/// The hosted zones among the suffixes of `domain` (where a template's names would live).
async fn hosted_suffixes(conn: &mut PgConnection, domain: &str) -> sqlx::Result<Vec<String>> {
    let trimmed = domain.trim_end_matches('.');
    let mut candidates = Vec::new();
    let mut rest = trimmed;
    loop {
        candidates.push(format!("{rest}."));
        match rest.split_once('.') {
            Some((_, tail)) => rest = tail,
            None => break,
        }
    }
    sqlx::query_scalar!(
        "select name from zone where name = any($1) order by length(name) desc",
        &candidates
    )
    .fetch_all(conn)
    .await
}

/// Bumps the serials of zones and tells the engines, in the caller's transaction.
pub(crate) async fn bump(conn: &mut PgConnection, zone_ids: &[i64]) -> sqlx::Result<()> {
    let rows = sqlx::query!(
        "select id, name, serial from zone where id = any($1) order by id for update",
        zone_ids
    )
    .fetch_all(&mut *conn)
    .await?;
    let today = OffsetDateTime::now_utc().date();
    for row in rows {
        let serial = next_serial(u32::try_from(row.serial).unwrap_or(0), today);
        sqlx::query!(
            "update zone set serial = $2, updated_at = now() where id = $1",
            row.id,
            i64::from(serial)
        )
        .execute(&mut *conn)
        .await?;
        notify_changed(conn, &row.name).await?;
    }
    Ok(())
}

/// Tells the engines serving the template's domain that the default names changed (a range
/// was assigned or unassigned, or the template edited).
async fn notify_template_zones(conn: &mut PgConnection, template: &str) -> sqlx::Result<()> {
    let domain = template
        .split('.')
        .rev()
        .skip(1)
        .take_while(|l| !l.contains('{'))
        .collect::<Vec<_>>();
    if domain.is_empty() {
        return Ok(());
    }
    let domain: Vec<&str> = domain.into_iter().rev().collect();
    for zone in hosted_suffixes(conn, &format!("{}.", domain.join("."))).await? {
        notify_changed(conn, &zone).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reverse zones (admin).

struct ReverseZoneRow {
    zone_id: i64,
    name: String,
    network: String,
    template: String,
    serial: i64,
    range_count: i64,
    created_at: OffsetDateTime,
}

async fn reverse_zone_rows(
    conn: &mut PgConnection,
    name: Option<&str>,
) -> sqlx::Result<Vec<ReverseZoneRow>> {
    sqlx::query_as!(
        ReverseZoneRow,
        r#"select rz.zone_id, z.name, rz.network::text as "network!", rz.template, z.serial,
                  rz.created_at, (select count(*) from ip_range r where r.zone_id = rz.zone_id) as "range_count!"
             from reverse_zone rz join zone z on z.id = rz.zone_id
            where $1::text is null or z.name = $1
            order by family(rz.network), rz.network"#,
        name
    )
    .fetch_all(conn)
    .await
}

async fn to_reverse_zone(
    conn: &mut PgConnection,
    row: ReverseZoneRow,
) -> sqlx::Result<ReverseZone> {
    let v4 = row.network.contains('.');
    let template_zone = match Template::parse(&row.template, v4) {
        Ok(t) => hosted_suffixes(conn, &t.domain().to_string())
            .await?
            .into_iter()
            .next(),
        Err(_) => None,
    };
    Ok(ReverseZone {
        name: row.name,
        network: row.network,
        template: row.template,
        template_zone,
        serial: u32::try_from(row.serial).unwrap_or(0),
        range_count: row.range_count,
        created_at: row.created_at,
    })
}

/// Every reverse zone (admin).
pub async fn list_reverse_zones(pool: &PgPool) -> Result<Vec<ReverseZone>, ApiError> {
    let mut conn = pool.acquire().await?;
    let rows = reverse_zone_rows(&mut conn, None).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(to_reverse_zone(&mut conn, row).await?);
    }
    Ok(out)
}

/// The reverse zone named in a URL (`0.203.in-addr.arpa`, trailing dot optional).
pub async fn get_reverse_zone(pool: &PgPool, name: &str) -> Result<ReverseZone, ApiError> {
    let mut conn = pool.acquire().await?;
    let name = absolute_lower(name);
    let row = reverse_zone_rows(&mut conn, Some(&name))
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)?;
    Ok(to_reverse_zone(&mut conn, row).await?)
}

fn absolute_lower(name: &str) -> String {
    let trimmed = name.trim().trim_end_matches('.').to_ascii_lowercase();
    format!("{trimmed}.")
}

fn parse_template(text: &str, v4: bool) -> Result<Template, ApiError> {
    Template::parse(text, v4).map_err(|e| ApiError::field("template", e.0))
}

/// Registers a reverse zone for `network`, with SOA and NS from the settings (admin).
pub async fn create_reverse_zone(
    pool: &PgPool,
    who: &Principal,
    req: &CreateReverseZoneRequest,
) -> Result<ReverseZone, ApiError> {
    let network: Network = req
        .network
        .parse()
        .map_err(|e: dns_engine::zone::synth::SynthError| ApiError::field("network", e.0))?;
    let min = if network.is_ipv4() { 8 } else { 16 };
    if network.prefix_len() < min {
        return Err(ApiError::field(
            "network",
            format!("a reverse zone covers at most a /{min}"),
        ));
    }
    let Some(zone_name) = network.reverse_zone() else {
        return Err(ApiError::field(
            "network",
            if network.is_ipv4() {
                "an IPv4 reverse zone is cut at /8, /16 or /24; register the enclosing /24 and assign smaller ranges in it"
            } else {
                "an IPv6 reverse zone is cut at a multiple of 4 bits (/32, /36, /48, …)"
            },
        ));
    };
    let template = parse_template(&req.template, network.is_ipv4())?;
    let zone_name = zone_name.to_ascii().to_ascii_lowercase();
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock(hashtext('zone.create'))")
        .execute(&mut *tx)
        .await?;
    let zone_id = insert_zone(&mut tx, who.account_id, &zone_name).await?;
    sqlx::query!(
        "insert into reverse_zone (zone_id, network, template) values ($1, $2::text::cidr, $3)",
        zone_id,
        network.to_string(),
        template.as_str()
    )
    .execute(&mut *tx)
    .await
    .map_err(map_sqlx)?;
    let row = reverse_zone_rows(&mut tx, Some(&zone_name))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("reverse zone vanished"))?;
    let zone = to_reverse_zone(&mut tx, row).await?;
    audit::record(
        &mut tx,
        &who.actor(),
        Change {
            action: "reverse_zone.create",
            object_type: "reverse_zone",
            object_id: Some(zone_name.clone()),
            before: None,
            after: serde_json::to_value(&zone).ok(),
        },
    )
    .await?;
    notify_changed(&mut tx, &zone_name).await?;
    tx.commit().await?;
    Ok(zone)
}

/// Changes the default-name template of a reverse zone (admin).
pub async fn update_reverse_zone(
    pool: &PgPool,
    who: &Principal,
    name: &str,
    req: &UpdateReverseZoneRequest,
) -> Result<ReverseZone, ApiError> {
    let name = absolute_lower(name);
    let mut tx = pool.begin().await?;
    let before = reverse_zone_rows(&mut tx, Some(&name))
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)?;
    let template = parse_template(&req.template, before.network.contains('.'))?;
    sqlx::query!(
        "update reverse_zone set template = $2, updated_at = now() where zone_id = $1",
        before.zone_id,
        template.as_str()
    )
    .execute(&mut *tx)
    .await?;
    bump(&mut tx, &[before.zone_id]).await?;
    notify_template_zones(&mut tx, &before.template).await?;
    notify_template_zones(&mut tx, template.as_str()).await?;
    let old_template = before.template.clone();
    let row = reverse_zone_rows(&mut tx, Some(&name))
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)?;
    let after = to_reverse_zone(&mut tx, row).await?;
    audit::record(
        &mut tx,
        &who.actor(),
        Change {
            action: "reverse_zone.update",
            object_type: "reverse_zone",
            object_id: Some(name.clone()),
            before: Some(serde_json::json!({ "template": old_template })),
            after: serde_json::to_value(&after).ok(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes a reverse zone that has no ranges assigned in it (admin).
pub async fn delete_reverse_zone(
    pool: &PgPool,
    who: &Principal,
    name: &str,
) -> Result<(), ApiError> {
    let name = absolute_lower(name);
    let mut tx = pool.begin().await?;
    let row = reverse_zone_rows(&mut tx, Some(&name))
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)?;
    if row.range_count > 0 {
        return Err(ApiError::Conflict(FieldError {
            field: "name".into(),
            message: format!(
                "{} range(s) are assigned in this zone; unassign them first",
                row.range_count
            ),
        }));
    }
    sqlx::query!("delete from zone where id = $1", row.zone_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &who.actor(),
        Change {
            action: "reverse_zone.delete",
            object_type: "reverse_zone",
            object_id: Some(name.clone()),
            before: Some(serde_json::json!({ "network": row.network, "template": row.template })),
            after: None,
        },
    )
    .await?;
    notify_changed(&mut tx, &name).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Ranges.

/// A range with what serving and checking it needs.
#[derive(Debug, Clone)]
struct RangeRow {
    id: i64,
    network: String,
    zone_id: i64,
    zone_name: String,
    template: String,
    owner: String,
    delegate_ns: Option<Vec<String>>,
    ptr_count: i64,
    created_at: OffsetDateTime,
}

impl RangeRow {
    fn net(&self) -> Result<Network, ApiError> {
        self.network
            .parse()
            .map_err(|e: dns_engine::zone::synth::SynthError| ApiError::internal(e.0))
    }

    fn template(&self) -> Option<Template> {
        Template::parse(&self.template, self.network.contains('.')).ok()
    }

    fn to_api(&self) -> Range {
        let size = self
            .network
            .parse::<Network>()
            .map(|n| n.size().to_string())
            .unwrap_or_default();
        Range {
            id: self.id,
            network: self.network.clone(),
            reverse_zone: display_name(&self.zone_name),
            owner: self.owner.clone(),
            delegate_ns: self.delegate_ns.clone(),
            ptr_count: self.ptr_count,
            size,
            created_at: self.created_at,
        }
    }
}

/// Ranges visible to `who` (admins: all); with `network`, only that exact range; with
/// `containing`, only the range holding that address.
async fn range_rows(
    conn: &mut PgConnection,
    who: &Principal,
    network: Option<&str>,
    containing: Option<IpAddr>,
) -> sqlx::Result<Vec<RangeRow>> {
    sqlx::query_as!(
        RangeRow,
        r#"select r.id, r.network::text as "network!", r.zone_id, z.name as zone_name, rz.template,
                  a.email as owner, r.delegate_ns, r.created_at,
                  (select count(*) from ptr p where p.range_id = r.id) as "ptr_count!"
             from ip_range r
             join reverse_zone rz on rz.zone_id = r.zone_id
             join zone z on z.id = r.zone_id
             join account a on a.id = r.account_id
            where (r.account_id = $1 or $2)
              and ($3::text is null or r.network = $3::text::cidr)
              and ($4::text is null or r.network >>= $4::text::inet)
            order by family(r.network), r.network"#,
        who.account_id,
        who.role == Role::Admin,
        network,
        containing.map(|ip| ip.to_string()),
    )
    .fetch_all(conn)
    .await
}

/// The caller's ranges (admins: every range).
pub async fn list_ranges(pool: &PgPool, who: &Principal) -> Result<Vec<Range>, ApiError> {
    let mut conn = pool.acquire().await?;
    Ok(range_rows(&mut conn, who, None, None)
        .await?
        .iter()
        .map(RangeRow::to_api)
        .collect())
}

/// Assigns a range to a customer (admin).
pub async fn assign_range(
    pool: &PgPool,
    who: &Principal,
    req: &AssignRangeRequest,
) -> Result<Range, ApiError> {
    let network: Network = req
        .network
        .parse()
        .map_err(|e: dns_engine::zone::synth::SynthError| ApiError::field("network", e.0))?;
    let delegate_ns = match &req.delegate_ns {
        None => None,
        Some(names) => {
            if !network.is_ipv4() || !(25..=31).contains(&network.prefix_len()) {
                return Err(ApiError::field(
                    "delegate_ns",
                    "RFC 2317 classless delegation is for IPv4 ranges from /25 to /31",
                ));
            }
            if names.is_empty() || names.len() > 13 {
                return Err(ApiError::field(
                    "delegate_ns",
                    "give between 1 and 13 name servers",
                ));
            }
            let mut canonical = Vec::with_capacity(names.len());
            for (i, name) in names.iter().enumerate() {
                canonical.push(
                    canonical_hostname(name)
                        .map_err(|m| ApiError::field(&format!("delegate_ns[{i}]"), m))?,
                );
            }
            canonical.dedup();
            Some(canonical)
        }
    };
    let mut tx = pool.begin().await?;
    let owner = sqlx::query!(
        "select id, disabled from account where lower(email) = lower($1)",
        req.owner.trim()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| ApiError::field("owner", "no account has this email"))?;
    if owner.disabled {
        return Err(ApiError::field("owner", "this account is disabled"));
    }
    let zone = sqlx::query!(
        r#"select rz.zone_id, rz.template from reverse_zone rz
            where rz.network >>= $1::text::cidr"#,
        network.to_string()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| {
        ApiError::field(
            "network",
            "is not inside any reverse zone; register the reverse zone first",
        )
    })?;
    let overlap = sqlx::query!(
        r#"select r.network::text as "network!", a.email from ip_range r join account a on a.id = r.account_id
            where r.network && $1::text::cidr limit 1"#,
        network.to_string()
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(o) = overlap {
        return Err(ApiError::Conflict(FieldError {
            field: "network".into(),
            message: format!("overlaps {} (assigned to {})", o.network, o.email),
        }));
    }
    let id = sqlx::query_scalar!(
        "insert into ip_range (zone_id, account_id, network, delegate_ns)
         values ($1, $2, $3::text::cidr, $4) returning id",
        zone.zone_id,
        owner.id,
        network.to_string(),
        delegate_ns.as_deref()
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(map_sqlx)?;
    bump(&mut tx, &[zone.zone_id]).await?;
    notify_template_zones(&mut tx, &zone.template).await?;
    let range = range_rows(&mut tx, who, Some(&network.to_string()), None)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ApiError::internal("range vanished"))?
        .to_api();
    audit::record(
        &mut tx,
        &who.actor(),
        Change {
            action: "range.assign",
            object_type: "range",
            object_id: Some(network.to_string()),
            before: None,
            after: serde_json::to_value(&range).ok(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(range)
}

/// Takes a range back (admin); its PTRs go with it.
pub async fn unassign_range(pool: &PgPool, who: &Principal, network: &str) -> Result<(), ApiError> {
    let network: Network = network
        .parse()
        .map_err(|e: dns_engine::zone::synth::SynthError| ApiError::field("network", e.0))?;
    let mut tx = pool.begin().await?;
    let range = range_rows(&mut tx, who, Some(&network.to_string()), None)
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)?;
    sqlx::query!("delete from ip_range where id = $1", range.id)
        .execute(&mut *tx)
        .await?;
    bump(&mut tx, &[range.zone_id]).await?;
    notify_template_zones(&mut tx, &range.template).await?;
    audit::record(
        &mut tx,
        &who.actor(),
        Change {
            action: "range.unassign",
            object_type: "range",
            object_id: Some(network.to_string()),
            before: serde_json::to_value(range.to_api()).ok(),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// PTRs.

struct PtrRow {
    address: String,
    hostname: String,
    ttl: i32,
    fcrdns: String,
    fcrdns_detail: String,
    checked_at: Option<OffsetDateTime>,
}

fn fcrdns_state(text: &str) -> Fcrdns {
    match text {
        "pass" => Fcrdns::Pass,
        "fail" => Fcrdns::Fail,
        _ => Fcrdns::Unknown,
    }
}

fn from_row(row: PtrRow, range: &str) -> Rdns {
    Rdns {
        ip: row.address,
        name: row.hostname.clone(),
        ptr: Some(row.hostname),
        ttl: u32::try_from(row.ttl).unwrap_or(0),
        fcrdns: fcrdns_state(&row.fcrdns),
        fcrdns_detail: row.fcrdns_detail,
        checked_at: row.checked_at,
        range: range.to_owned(),
    }
}

/// The entry of an address without a PTR: its default name.
fn default_entry(addr: IpAddr, range: &RangeRow, template_hosted: bool, ttl: i32) -> Rdns {
    let name = range
        .template()
        .and_then(|t| t.render(addr))
        .map(|n| n.to_string())
        .unwrap_or_default();
    let (fcrdns, detail) = if template_hosted {
        (
            Fcrdns::Pass,
            "default name; it resolves to the address".to_owned(),
        )
    } else {
        (
            Fcrdns::Unknown,
            "default name; its domain is not hosted here, so it may not resolve forward".to_owned(),
        )
    };
    Rdns {
        ip: addr.to_string(),
        ptr: None,
        name,
        ttl: u32::try_from(ttl).unwrap_or(0),
        fcrdns,
        fcrdns_detail: detail,
        checked_at: None,
        range: range.network.clone(),
    }
}

async fn template_hosted(conn: &mut PgConnection, range: &RangeRow) -> sqlx::Result<bool> {
    Ok(match range.template() {
        Some(t) => !hosted_suffixes(conn, &t.domain().to_string())
            .await?
            .is_empty(),
        None => false,
    })
}

/// The range that holds `addr`, if it is the caller's.
async fn owning_range(
    conn: &mut PgConnection,
    who: &Principal,
    addr: IpAddr,
) -> Result<RangeRow, ApiError> {
    range_rows(conn, who, None, Some(addr))
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)
}

/// One page of the reverse DNS of a range.
pub async fn list_rdns(
    pool: &PgPool,
    who: &Principal,
    query: &RdnsQuery,
) -> Result<RdnsPage, ApiError> {
    let network: Network = query
        .range
        .parse()
        .map_err(|e: dns_engine::zone::synth::SynthError| ApiError::field("range", e.0))?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    let after = match &query.after {
        Some(text) => Some(parse_ip("after", text)?),
        None => None,
    };
    let needle = query
        .q
        .as_deref()
        .map(str::trim)
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut conn = pool.acquire().await?;
    let range = range_rows(&mut conn, who, Some(&network.to_string()), None)
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)?;
    let (_, default_ttl) = policy(&mut conn).await?;
    let hosted = template_hosted(&mut conn, &range).await?;
    let rows = sqlx::query_as!(
        PtrRow,
        r#"select host(address) as "address!", hostname, ttl, fcrdns, fcrdns_detail, checked_at
             from ptr where range_id = $1 order by address"#,
        range.id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut items = Vec::new();
    let mut next = None;
    let matches =
        |e: &Rdns| needle.is_empty() || e.ip.contains(&needle) || e.name.contains(&needle);
    if network.is_ipv4() && network.size() <= LIST_ALL_UP_TO {
        let mut by_addr: HashMap<IpAddr, PtrRow> = rows
            .into_iter()
            .filter_map(|r| Some((r.address.parse().ok()?, r)))
            .collect();
        let IpAddr::V4(first) = network.addr() else {
            return Err(ApiError::internal("IPv4 range without an IPv4 address"));
        };
        let first = u32::from(first);
        let start = match after {
            Some(IpAddr::V4(a)) => u32::from(a).saturating_add(1).max(first),
            _ => first,
        };
        let last = first + u32::try_from(network.size() - 1).unwrap_or(0);
        let mut value = start;
        while value <= last && value >= first {
            let addr = IpAddr::V4(value.into());
            let entry = match by_addr.remove(&addr) {
                Some(row) => from_row(row, &range.network),
                None => default_entry(addr, &range, hosted, default_ttl),
            };
            if matches(&entry) {
                if items.len() == limit as usize {
                    next = items.last().map(|e: &Rdns| e.ip.clone());
                    break;
                }
                items.push(entry);
            }
            if value == u32::MAX {
                break;
            }
            value += 1;
        }
    } else {
        for row in rows {
            let Ok(addr) = row.address.parse::<IpAddr>() else {
                continue;
            };
            if after.is_some_and(|a| addr <= a) {
                continue;
            }
            let entry = from_row(row, &range.network);
            if matches(&entry) {
                if items.len() == limit as usize {
                    next = items.last().map(|e: &Rdns| e.ip.clone());
                    break;
                }
                items.push(entry);
            }
        }
    }
    Ok(RdnsPage {
        range: range.network,
        items,
        next,
    })
}

/// The reverse DNS of one address of the caller's.
pub async fn get_rdns(pool: &PgPool, who: &Principal, ip: &str) -> Result<Rdns, ApiError> {
    let addr = parse_ip("ip", ip)?;
    let mut conn = pool.acquire().await?;
    let range = owning_range(&mut conn, who, addr).await?;
    let row = sqlx::query_as!(
        PtrRow,
        r#"select host(address) as "address!", hostname, ttl, fcrdns, fcrdns_detail, checked_at
             from ptr where address = $1::text::inet"#,
        addr.to_string()
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(row) => from_row(row, &range.network),
        None => {
            let (_, ttl) = policy(&mut conn).await?;
            let hosted = template_hosted(&mut conn, &range).await?;
            default_entry(addr, &range, hosted, ttl)
        }
    })
}

/// Sets the PTR of one address.
pub async fn put_rdns(
    pool: &PgPool,
    resolver: &Arc<Resolver>,
    who: &Principal,
    ip: &str,
    req: &PutRdns,
) -> Result<RdnsSaved, ApiError> {
    let batch = RdnsBatch {
        entries: vec![frontend::api::rdns::RdnsEntry {
            ip: ip.to_owned(),
            ptr: Some(req.ptr.clone()),
            ttl: req.ttl,
        }],
    };
    let params = RdnsBatchParams {
        dry_run: false,
        atomic: Some(true),
    };
    let result = apply(pool, resolver, who, &batch, &params, Single::Yes).await?;
    let warnings = result
        .results
        .into_iter()
        .next()
        .map(|r| r.warnings)
        .unwrap_or_default();
    Ok(RdnsSaved {
        rdns: get_rdns(pool, who, ip).await?,
        warnings,
    })
}

/// Reverts one address to its default name.
pub async fn delete_rdns(
    pool: &PgPool,
    resolver: &Arc<Resolver>,
    who: &Principal,
    ip: &str,
) -> Result<(), ApiError> {
    let batch = RdnsBatch {
        entries: vec![frontend::api::rdns::RdnsEntry {
            ip: ip.to_owned(),
            ptr: None,
            ttl: None,
        }],
    };
    let params = RdnsBatchParams {
        dry_run: false,
        atomic: Some(true),
    };
    apply(pool, resolver, who, &batch, &params, Single::Yes).await?;
    Ok(())
}

/// The bulk endpoint.
pub async fn patch_rdns(
    pool: &PgPool,
    resolver: &Arc<Resolver>,
    who: &Principal,
    batch: &RdnsBatch,
    params: &RdnsBatchParams,
) -> Result<RdnsBatchResult, ApiError> {
    apply(pool, resolver, who, batch, params, Single::No).await
}

/// Whether the batch is one address of `PUT`/`DELETE /rdns/{ip}`: its errors then name the
/// request's own fields (`ip`, `ptr`, `ttl`) instead of `entries[0].…`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Single {
    Yes,
    No,
}

/// One entry on its way through validation.
struct Pending {
    addr: Option<IpAddr>,
    host: Option<String>,
    ttl: i32,
    range: Option<usize>,
    errors: Vec<FieldError>,
    verdict: Option<Verdict>,
}

/// Validates every entry (syntax, ownership, duplicates, FCrDNS) and stores them all, or none
/// when any is refused (unless `atomic=false`), in one transaction.
async fn apply(
    pool: &PgPool,
    resolver: &Arc<Resolver>,
    who: &Principal,
    batch: &RdnsBatch,
    params: &RdnsBatchParams,
    single: Single,
) -> Result<RdnsBatchResult, ApiError> {
    if batch.entries.len() > MAX_BATCH {
        return Err(ApiError::field(
            "entries",
            format!(
                "at most {MAX_BATCH} entries per request (got {})",
                batch.entries.len()
            ),
        ));
    }
    let atomic = params.atomic.unwrap_or(true);
    let field = |i: usize, name: &str| match single {
        Single::Yes => name.to_owned(),
        Single::No => format!("entries[{i}].{name}"),
    };
    let mut conn = pool.acquire().await?;
    let (policy, default_ttl) = policy(&mut conn).await?;
    // Every range of the caller, sorted, to find each address's range by binary search.
    let ranges = range_rows(&mut conn, who, None, None).await?;
    let mut nets: Vec<(Network, usize)> = Vec::with_capacity(ranges.len());
    for (i, r) in ranges.iter().enumerate() {
        nets.push((r.net()?, i));
    }
    nets.sort_by_key(|(n, _)| (n.is_ipv4(), n.addr()));
    let find_range = |addr: IpAddr| -> Option<usize> {
        let key = (addr.is_ipv4(), addr);
        let idx = nets.partition_point(|(n, _)| (n.is_ipv4(), n.addr()) <= key);
        idx.checked_sub(1)
            .map(|i| nets[i])
            .filter(|(n, _)| n.contains(addr))
            .map(|(_, r)| r)
    };

    let mut seen: HashMap<IpAddr, usize> = HashMap::with_capacity(batch.entries.len());
    let mut pending: Vec<Pending> = Vec::with_capacity(batch.entries.len());
    for (i, entry) in batch.entries.iter().enumerate() {
        let (mut addr_ok, mut range, mut host, mut ttl) = (None, None, None, default_ttl);
        let mut errors: Vec<FieldError> = Vec::new();
        let mut refuse = |name: &str, message: String| {
            errors.push(FieldError {
                field: field(i, name),
                message,
            });
        };
        match entry.ip.trim().parse::<IpAddr>() {
            Err(_) => refuse(
                "ip",
                format!("\"{}\" is not an IPv4 or IPv6 address", entry.ip.trim()),
            ),
            Ok(addr) => {
                if let Some(first) = seen.insert(addr, i) {
                    refuse(
                        "ip",
                        format!("{addr} appears twice in the batch (also entries[{first}])"),
                    );
                }
                match find_range(addr) {
                    None => refuse("ip", format!("{addr} is not in any of your ranges")),
                    Some(r) => {
                        if let Some(ns) = &ranges[r].delegate_ns {
                            refuse(
                                "ip",
                                format!(
                                    "{} is delegated to {} (RFC 2317); set its PTRs on those name servers",
                                    ranges[r].network,
                                    ns.join(", ")
                                ),
                            );
                        }
                        range = Some(r);
                    }
                }
                addr_ok = Some(addr);
            }
        }
        if let Some(ptr) = &entry.ptr {
            match canonical_hostname(ptr) {
                Ok(h) => host = Some(h),
                Err(message) => refuse("ptr", message),
            }
        }
        match parse_ttl("ttl", entry.ttl, default_ttl) {
            Ok(t) => ttl = t,
            Err(_) => refuse("ttl", "must be between 1 and 2147483647".into()),
        }
        let p = Pending {
            addr: addr_ok,
            host,
            ttl,
            range,
            errors,
            verdict: None,
        };
        pending.push(p);
    }
    // A single address outside the caller's ranges is "not found", like someone else's object.
    if single == Single::Yes {
        if let Some(p) = pending.first() {
            if p.addr.is_some() && p.range.is_none() {
                return Err(ApiError::NotFound);
            }
        }
    }

    // FCrDNS, for every entry that is otherwise fine and sets a name.
    let to_check: Vec<(usize, (IpAddr, String))> = pending
        .iter()
        .enumerate()
        .filter(|(_, p)| p.errors.is_empty())
        .filter_map(|(i, p)| Some((i, (p.addr?, p.host.clone()?))))
        .collect();
    let items: Vec<(IpAddr, String)> = to_check.iter().map(|(_, item)| item.clone()).collect();
    // No pooled connection while the names are resolved (service::outbound).
    drop(conn);
    let verdicts = fcrdns::check(pool, resolver, &items).await?;
    for ((i, _), verdict) in to_check.into_iter().zip(verdicts) {
        if policy == Policy::Strict && verdict.state == Fcrdns::Fail {
            pending[i].errors.push(FieldError {
                field: field(i, "ptr"),
                message: format!("FCrDNS fails: {}", verdict.detail),
            });
        }
        pending[i].verdict = Some(verdict);
    }

    let failed = pending.iter().filter(|p| !p.errors.is_empty()).count();
    if failed > 0 && atomic && !params.dry_run {
        return Err(ApiError::Validation(
            pending.into_iter().flat_map(|p| p.errors).collect(),
        ));
    }
    let results: Vec<RdnsEntryResult> = pending
        .iter()
        .zip(&batch.entries)
        .map(|(p, entry)| RdnsEntryResult {
            ip: p.addr.map_or_else(|| entry.ip.clone(), |a| a.to_string()),
            status: if p.errors.is_empty() { "ok" } else { "error" }.into(),
            ptr: p.host.clone(),
            fcrdns: p.verdict.as_ref().map(|v| v.state),
            fcrdns_detail: p
                .verdict
                .as_ref()
                .map(|v| v.detail.clone())
                .unwrap_or_default(),
            errors: p
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect(),
            warnings: p
                .verdict
                .as_ref()
                .map(|v| v.warnings.clone())
                .unwrap_or_default(),
        })
        .collect();
    let stored = pending.len() - failed;
    if params.dry_run || stored == 0 {
        return Ok(RdnsBatchResult {
            dry_run: params.dry_run,
            applied: false,
            stored: 0,
            failed,
            results,
        });
    }

    // Store: one statement for the deletions, one for the upserts.
    let mut deletes: Vec<String> = Vec::new();
    let (mut addrs, mut range_ids, mut hosts, mut ttls, mut states, mut details) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let mut zone_ids: HashSet<i64> = HashSet::new();
    for p in pending.iter().filter(|p| p.errors.is_empty()) {
        let (Some(addr), Some(r)) = (p.addr, p.range) else {
            continue;
        };
        zone_ids.insert(ranges[r].zone_id);
        match (&p.host, &p.verdict) {
            (Some(host), Some(v)) => {
                addrs.push(addr.to_string());
                range_ids.push(ranges[r].id);
                hosts.push(host.clone());
                ttls.push(p.ttl);
                states.push(v.state.as_str().to_owned());
                details.push(v.detail.clone());
            }
            _ => deletes.push(addr.to_string()),
        }
    }
    let mut tx = pool.begin().await?;
    // The ranges were read before the (slow) FCrDNS step: each must still be the caller's and
    // not delegated, locked until the commit so that it cannot change hands meanwhile. Every
    // statement below is scoped to these ranges.
    let used: Vec<i64> = {
        let mut ids: Vec<i64> = pending
            .iter()
            .filter(|p| p.errors.is_empty())
            .filter_map(|p| Some(ranges[p.range?].id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let still_held = sqlx::query_scalar!(
        "select id from ip_range
          where id = any($1) and (account_id = $2 or $3) and delegate_ns is null
          order by id for share",
        &used,
        who.account_id,
        who.is_admin(),
    )
    .fetch_all(&mut *tx)
    .await?;
    if still_held != used {
        return Err(ApiError::Conflict(FieldError {
            field: field(0, "ip"),
            message: "a range of this request changed (reassigned, delegated or removed) \
                      while its names were checked; nothing was stored — send the request again"
                .into(),
        }));
    }
    let deleted = sqlx::query!(
        "delete from ptr where address = any($1::text[]::inet[]) and range_id = any($2)",
        &deletes,
        &used
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query!(
        "insert into ptr (address, range_id, hostname, ttl, fcrdns, fcrdns_detail, checked_at)
         select a::inet, r, h, t, s, d, now()
           from unnest($1::text[], $2::int8[], $3::text[], $4::int4[], $5::text[], $6::text[])
                as u(a, r, h, t, s, d)
         on conflict (address) do update
            set range_id = excluded.range_id, hostname = excluded.hostname, ttl = excluded.ttl,
                fcrdns = excluded.fcrdns, fcrdns_detail = excluded.fcrdns_detail,
                checked_at = excluded.checked_at, updated_at = now()",
        &addrs,
        &range_ids,
        &hosts,
        &ttls,
        &states,
        &details,
    )
    .execute(&mut *tx)
    .await?;
    if !addrs.is_empty() || deleted > 0 {
        let zone_ids: Vec<i64> = zone_ids.into_iter().collect();
        bump(&mut tx, &zone_ids).await?;
    }
    let summary: Vec<serde_json::Value> = addrs
        .iter()
        .zip(&hosts)
        .map(|(a, h)| serde_json::json!([a, h]))
        .chain(deletes.iter().map(|a| serde_json::json!([a, null])))
        .collect();
    audit::record(
        &mut tx,
        &who.actor(),
        Change {
            action: "rdns.set",
            object_type: "rdns",
            object_id: (summary.len() == 1).then(|| {
                addrs
                    .first()
                    .or(deletes.first())
                    .cloned()
                    .unwrap_or_default()
            }),
            before: None,
            // [address, host name or null (reverted to the default)] per entry.
            after: Some(serde_json::Value::Array(summary)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(RdnsBatchResult {
        dry_run: false,
        applied: true,
        stored,
        failed,
        results,
    })
}

/// After a committed change to the forward records of `zone` (as named in a URL), re-evaluates
/// FCrDNS of every PTR whose host name lies in it. The change itself is done: a failure here
/// is logged, the states are refreshed on the next change or save.
pub async fn recheck_zone(pool: &PgPool, resolver: &Arc<Resolver>, zone: &str) {
    let Ok(zone) = super::zones::canonical_zone_name(zone) else {
        return;
    };
    let names = match sqlx::query_scalar!(
        "select distinct hostname from ptr where hostname = $1 or hostname like '%.' || $1",
        zone
    )
    .fetch_all(pool)
    .await
    {
        Ok(names) => names,
        Err(e) => {
            tracing::warn!(zone = %zone, error = %e, "cannot find the PTRs to re-check");
            return;
        }
    };
    match recheck(pool, resolver, &names).await {
        Ok(n) if n > 0 => {
            tracing::info!(zone = %zone, ptrs = n, "FCrDNS re-checked after a forward change")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(zone = %zone, error = ?e, "FCrDNS re-check failed"),
    }
}

/// The periodic job for PTRs whose FCrDNS is `unknown` (the resolver timed out or failed when
/// they were saved): re-checks those not checked for `older_than`, at most `limit` host names
/// per run, oldest first. Returns how many PTRs were re-checked.
pub async fn recheck_unknown(
    pool: &PgPool,
    resolver: &Arc<Resolver>,
    older_than: std::time::Duration,
    limit: i64,
) -> Result<usize, ApiError> {
    let names = sqlx::query_scalar!(
        r#"select hostname as "hostname!" from ptr
            where fcrdns = 'unknown'
              and (checked_at is null or checked_at < now() - make_interval(secs => $1))
            group by hostname
            order by min(checked_at) nulls first
            limit $2"#,
        older_than.as_secs_f64(),
        limit
    )
    .fetch_all(pool)
    .await?;
    recheck(pool, resolver, &names).await
}

/// Re-evaluates FCrDNS of the PTRs pointing at `names` (absolute, lower case) after their
/// forward records changed; their owners see the new state in the rDNS table.
pub async fn recheck(
    pool: &PgPool,
    resolver: &Arc<Resolver>,
    names: &[String],
) -> Result<usize, ApiError> {
    if names.is_empty() {
        return Ok(0);
    }
    let mut conn = pool.acquire().await?;
    let rows = sqlx::query!(
        r#"select host(address) as "address!", hostname from ptr where hostname = any($1)"#,
        names
    )
    .fetch_all(&mut *conn)
    .await?;
    let items: Vec<(IpAddr, String)> = rows
        .into_iter()
        .filter_map(|r| Some((r.address.parse().ok()?, r.hostname)))
        .collect();
    if items.is_empty() {
        return Ok(0);
    }
    drop(conn);
    let verdicts = fcrdns::check(pool, resolver, &items).await?;
    let addrs: Vec<String> = items.iter().map(|(a, _)| a.to_string()).collect();
    let states: Vec<String> = verdicts
        .iter()
        .map(|v| v.state.as_str().to_owned())
        .collect();
    let details: Vec<String> = verdicts.iter().map(|v| v.detail.clone()).collect();
    let hosts: Vec<String> = items.iter().map(|(_, h)| h.clone()).collect();
    // Only PTRs that still name the host that was checked: one saved meanwhile has its own
    // (newer) verdict.
    sqlx::query!(
        "update ptr set fcrdns = u.s, fcrdns_detail = u.d, checked_at = now()
           from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as u(a, s, d, h)
          where ptr.address = u.a::inet and ptr.hostname = u.h",
        &addrs,
        &states,
        &details,
        &hosts
    )
    .execute(pool)
    .await?;
    Ok(items.len())
}

/// For the forward zone editor: the reverse DNS of every address record of `zone` whose
/// address lies in a range served here (whoever holds the range: PTRs are public data).
pub async fn reverse_status(
    pool: &PgPool,
    who: &Principal,
    zone: &str,
) -> Result<Vec<ReverseStatus>, ApiError> {
    let zone = super::zones::get(pool, who, zone).await?;
    let rows = sqlx::query!(
        r#"select r.name, r.content, p.hostname as "hostname?", rz.template,
                  family(rz.network) = 4 as "v4!"
             from record r
             join zone z on z.id = r.zone_id
             join ip_range ir on ir.network >>= r.content::inet and ir.delegate_ns is null
             join reverse_zone rz on rz.zone_id = ir.zone_id
             left join ptr p on p.address = r.content::inet
            where z.name = $1 and r.type in ('A', 'AAAA')
            order by r.name, r.content"#,
        zone.name
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let addr: IpAddr = row.content.parse().ok()?;
            let (ptr, is_default) = match row.hostname {
                Some(host) => (host, false),
                None => (
                    Template::parse(&row.template, row.v4)
                        .ok()?
                        .render(addr)?
                        .to_ascii(),
                    true,
                ),
            };
            Some(ReverseStatus {
                matches: ptr.eq_ignore_ascii_case(&row.name),
                name: row.name,
                address: addr.to_string(),
                ptr,
                is_default,
            })
        })
        .collect())
}
