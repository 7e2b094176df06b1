//! Domains and their DS records, taken registrar-style: the customer submits the DS of a key
//! that lives with whoever signs the child zone, and Zonekeeper checks it against the DNSKEY
//! RRset the child really publishes before anyone relies on it.
//!
//! **Who may manage a domain's DS.** A domain row belongs to one account. A customer may add a
//! domain when the closest zone hosted here at or above the name is their own (they delegate a
//! part of their zone), or when no hosted zone covers the name (registrar hand-off). A name
//! inside another account's zone — a registry-like zone the operator runs — can only be given
//! to a customer by an admin (`owner` in the request). Reverse names have no DS here.
//!
//! **Where DS records go.** When the closest hosted zone strictly above the domain delegates it
//! (NS records at the domain's name), the engine serves the domain's published DS records
//! there, signed when that zone is signed ([`published_ds`], read by [`crate::dnssync`]).
//! Otherwise they are recorded for the registrar: the list, its export, and this API.
//!
//! **States and what is published.** Each submission is checked live ([`super::dscheck`]):
//! `valid` is stored and published; `mismatch` and `no-key` are refused, unless the owner
//! confirms a pre-publication (a key rollover) — then the record is stored as `pending`;
//! `unreachable` is stored, not published, and checked again later. A `pending` record is
//! published only next to a `valid` one: that is the Double-DS rollover of RFC 7583 §3.3.2,
//! where the new DS goes to the parent before the new key signs. Published alone it would make
//! the zone bogus. Re-checks ([`recheck_due`], [`check`]) move records between states; a
//! record that stops matching its key is unpublished, and a failed re-check (the child's
//! servers unreachable) keeps the state it had rather than flapping the parent.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use frontend::api::ds::{
    CreateDomainRequest, Domain, DsList, DsRecord, SubmitDsRequest, SubmitDsResponse,
};
use frontend::api::types::{FieldError, Role};
use hickory_proto::rr::Name;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::audit::{self, Change};
use super::dscheck::{self, CheckResult, CheckState, DsData};
use super::zones::{canonical_zone_name, is_reverse_name};
use crate::auth::Principal;
use crate::http::error::{map_sqlx, ApiError};
use super::outbound::{special_purpose, DS_BUDGET, MAX_DS_SERVERS};
use crate::resolver::{Resolution, Resolver};

/// How the live check reaches a domain's name servers.
#[derive(Debug, Clone)]
pub struct Checker {
    /// The recursive resolver: NS names of domains whose parent is not hosted here, and the
    /// addresses of name servers without an address in the store.
    pub resolver: Arc<Resolver>,
    /// The port authoritative servers are asked on: 53, except in tests and unusual setups.
    pub nameserver_port: u16,
    /// How long each name server gets to answer.
    pub timeout: Duration,
    /// Ask name servers at special-purpose addresses too (loopback, private networks): only
    /// for tests and lab setups (`--allow-local-targets`).
    pub allow_local_targets: bool,
}

/// A domain row with what the API shows about it.
#[derive(Debug, Clone)]
struct DomainRow {
    id: i64,
    name: String,
    owner: String,
    created_at: OffsetDateTime,
}

/// The closest hosted zone above `name` (strictly), its id and whether it delegates `name`.
struct Parent {
    id: i64,
    name: String,
    delegated: bool,
    ns: Vec<String>,
}

async fn parent_zone(conn: &mut PgConnection, name: &str) -> sqlx::Result<Option<Parent>> {
    let Some(row) = sqlx::query!(
        "select id, name from zone where $1 like '%.' || name order by length(name) desc limit 1",
        name
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let ns = sqlx::query_scalar!(
        "select content from record where zone_id = $1 and name = $2 and type = 'NS' order by id",
        row.id,
        name
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(Parent {
        id: row.id,
        name: row.name,
        delegated: !ns.is_empty(),
        ns,
    }))
}

/// Most DS records one domain may hold (registries take a handful: the key, its successor
/// during a rollover, two digest types each).
pub const MAX_DS_PER_DOMAIN: i64 = 8;

/// The records of a domain that the parent serves, by the rule in the module docs.
const PUBLISHED: &str = "(r.state = 'valid' or (r.state = 'pending' and exists
    (select 1 from ds_record v where v.domain_id = r.domain_id and v.state = 'valid')))";

/// A DS RRset member to serve: in zone `zone_id`, at `name`, with the TTL of the NS there.
#[derive(Debug, Clone, sqlx::FromRow)]
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
        format!(
            "{} {} {} {}",
            self.key_tag,
            self.algorithm,
            self.digest_type,
            upper_hex(&self.digest)
        )
    }
}

/// Every DS record a hosted zone serves at its delegations (of one zone, or of all).
pub async fn published_ds(
    conn: &mut PgConnection,
    zone_id: Option<i64>,
) -> sqlx::Result<Vec<PublishedDs>> {
    sqlx::query_as(&format!(
        "select p.zone_id, d.name, p.ttl, r.key_tag, r.algorithm, r.digest_type, r.digest
           from ds_record r
           join domain d on d.id = r.domain_id
           join lateral (
                select z.id as zone_id, z.account_id,
                       (select min(n.ttl) from record n
                         where n.zone_id = z.id and n.name = d.name and n.type = 'NS') as ttl
                  from zone z
                 where d.name like '%.' || z.name
                 order by length(z.name) desc limit 1) p on true
          where p.ttl is not null and ($1::bigint is null or p.zone_id = $1) and {PUBLISHED}
            -- Only the parent zone's owner (or an admin, who assigned the domain) decides
            -- what is published in it.
            and (p.account_id = d.account_id or d.assigned_by_admin)
          order by p.zone_id, d.name, r.id"
    ))
    .bind(zone_id)
    .fetch_all(conn)
    .await
}

fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The domain a URL names, if the caller may see it (admins see all); otherwise 404.
async fn domain_row(
    conn: &mut PgConnection,
    who: &Principal,
    input: &str,
) -> Result<DomainRow, ApiError> {
    let name = canonical_zone_name(input).map_err(|_| ApiError::NotFound)?;
    sqlx::query_as!(
        DomainRow,
        "select d.id, d.name, a.email as owner, d.created_at
           from domain d join account a on a.id = d.account_id
          where d.name = $1 and (d.account_id = $2 or $3)",
        name,
        who.account_id,
        who.role == Role::Admin
    )
    .fetch_optional(conn)
    .await?
    .ok_or(ApiError::NotFound)
}

async fn to_domain(conn: &mut PgConnection, row: &DomainRow) -> Result<Domain, ApiError> {
    let parent = parent_zone(conn, &row.name).await?;
    let counts = sqlx::query!(
        r#"select count(*) as "all!", count(*) filter (where state = 'valid') as "valid!"
             from ds_record where domain_id = $1"#,
        row.id
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Domain {
        name: row.name.clone(),
        owner: row.owner.clone(),
        publication: if parent.is_some() {
            "parent"
        } else {
            "registrar"
        }
        .into(),
        parent_zone: parent.as_ref().map(|p| p.name.clone()),
        delegated: parent.as_ref().is_some_and(|p| p.delegated),
        ds_count: counts.all,
        valid_count: counts.valid,
        created_at: row.created_at,
    })
}

/// The caller's domains (every domain for admins), by name.
pub async fn list_domains(pool: &PgPool, who: &Principal) -> Result<Vec<Domain>, ApiError> {
    let mut conn = pool.acquire().await?;
    let rows = sqlx::query_as!(
        DomainRow,
        "select d.id, d.name, a.email as owner, d.created_at
           from domain d join account a on a.id = d.account_id
          where d.account_id = $1 or $2
          order by d.name",
        who.account_id,
        who.role == Role::Admin
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(to_domain(&mut conn, row).await?);
    }
    Ok(out)
}

/// Adds a domain to the caller's account (or, for admins, to the account named by `owner`).
pub async fn create_domain(
    pool: &PgPool,
    who: &Principal,
    req: &CreateDomainRequest,
) -> Result<Domain, ApiError> {
    let name = canonical_zone_name(&req.name)?;
    if is_reverse_name(&name) {
        return Err(ApiError::field(
            "name",
            "reverse zones (in-addr.arpa, ip6.arpa) have no DS submitted here",
        ));
    }
    let mut tx = pool.begin().await?;
    let owner_id = match req
        .owner
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        None => who.account_id,
        Some(_) if !who.is_admin() => {
            return Err(ApiError::Forbidden(
                "only admins can add a domain to another account".into(),
            ))
        }
        Some(email) => sqlx::query_scalar!(
            "select id from account where lower(email) = lower($1)",
            email
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::field("owner", format!("no account has the email {email}")))?,
    };
    if !who.is_admin() {
        // The closest hosted zone at or above the name decides: another account's zone means
        // the name is theirs to delegate (or the operator's, in a registry-like zone).
        let holder = sqlx::query!(
            "select name, account_id from zone
              where $1 = name or $1 like '%.' || name
              order by length(name) desc limit 1",
            name
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(zone) = holder.filter(|z| z.account_id != who.account_id) {
            return Err(ApiError::Forbidden(format!(
                "{name} is inside the zone {}, which another account hosts; the operator can \
                 assign the domain to you",
                zone.name
            )));
        }
    }
    let id = sqlx::query_scalar!(
        "insert into domain (account_id, name, assigned_by_admin) values ($1, $2, $3) returning id",
        owner_id,
        name,
        who.is_admin()
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(map_sqlx)?;
    let row = sqlx::query_as!(
        DomainRow,
        "select d.id, d.name, a.email as owner, d.created_at
           from domain d join account a on a.id = d.account_id where d.id = $1",
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    let domain = to_domain(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        &who.actor(),
        Change {
            action: "domain.create",
            object_type: "domain",
            object_id: Some(name),
            before: None,
            after: serde_json::to_value(&domain).ok(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(domain)
}

/// Removes a domain and its DS records; the parent stops serving them.
pub async fn delete_domain(pool: &PgPool, who: &Principal, input: &str) -> Result<(), ApiError> {
    let mut tx = pool.begin().await?;
    let row = domain_row(&mut tx, who, input).await?;
    let before = to_domain(&mut tx, &row).await?;
    let republish = published_parent(&mut tx, &row).await?;
    sqlx::query!("delete from domain where id = $1", row.id)
        .execute(&mut *tx)
        .await?;
    if let Some(zone_id) = republish {
        super::rdns::bump(&mut tx, &[zone_id]).await?;
    }
    audit::record(
        &mut tx,
        &who.actor(),
        Change {
            action: "domain.delete",
            object_type: "domain",
            object_id: Some(row.name.clone()),
            before: serde_json::to_value(&before).ok(),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The hosted parent zone that serves this domain's DS records, if it delegates the domain.
async fn published_parent(conn: &mut PgConnection, row: &DomainRow) -> sqlx::Result<Option<i64>> {
    let Some(parent) = parent_zone(conn, &row.name).await?.filter(|p| p.delegated) else {
        return Ok(None);
    };
    // Only the parent zone's owner (or an admin) decides what is published in it.
    let consented = sqlx::query_scalar!(
        r#"select exists (select 1 from domain d, zone z
                           where d.id = $1 and z.id = $2
                             and (d.account_id = z.account_id or d.assigned_by_admin)) as "ok!""#,
        row.id,
        parent.id
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(consented.then_some(parent.id))
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct DsRow {
    id: i64,
    key_tag: i32,
    algorithm: i16,
    digest_type: i16,
    digest: Vec<u8>,
    state: String,
    reason: String,
    warnings: Vec<String>,
    checked_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
}

impl DsRow {
    fn data(&self) -> DsData {
        DsData {
            key_tag: u16::try_from(self.key_tag).unwrap_or_default(),
            algorithm: u8::try_from(self.algorithm).unwrap_or_default(),
            digest_type: u8::try_from(self.digest_type).unwrap_or_default(),
            digest: self.digest.clone(),
        }
    }
}

fn to_record(domain: &str, row: &DsRow, published: bool) -> DsRecord {
    let rdata = format!(
        "{} {} {} {}",
        row.key_tag,
        row.algorithm,
        row.digest_type,
        upper_hex(&row.digest)
    );
    DsRecord {
        id: row.id,
        key_tag: u16::try_from(row.key_tag).unwrap_or_default(),
        algorithm: u8::try_from(row.algorithm).unwrap_or_default(),
        digest_type: u8::try_from(row.digest_type).unwrap_or_default(),
        digest: upper_hex(&row.digest),
        line: format!("{domain} IN DS {rdata}"),
        state: row.state.clone(),
        reason: row.reason.clone(),
        warnings: row.warnings.clone(),
        published,
        checked_at: row.checked_at,
        created_at: row.created_at,
    }
}

async fn ds_rows(conn: &mut PgConnection, domain_id: i64) -> sqlx::Result<Vec<DsRow>> {
    sqlx::query_as(
        "select id, key_tag, algorithm, digest_type, digest, state, reason, warnings, checked_at,
                created_at
           from ds_record where domain_id = $1 order by id",
    )
    .bind(domain_id)
    .fetch_all(conn)
    .await
}

async fn list_of(conn: &mut PgConnection, row: &DomainRow) -> Result<DsList, ApiError> {
    let domain = to_domain(conn, row).await?;
    let rows = ds_rows(conn, row.id).await?;
    let any_valid = rows.iter().any(|r| r.state == "valid");
    let served = domain.publication == "parent" && domain.delegated;
    let records = rows
        .iter()
        .map(|r| {
            let published = served && (r.state == "valid" || (r.state == "pending" && any_valid));
            to_record(&row.name, r, published)
        })
        .collect();
    Ok(DsList { domain, records })
}

/// A domain and its DS records.
pub async fn list_ds(pool: &PgPool, who: &Principal, input: &str) -> Result<DsList, ApiError> {
    let mut conn = pool.acquire().await?;
    let row = domain_row(&mut conn, who, input).await?;
    list_of(&mut conn, &row).await
}

/// The domain's DS records as zone-file lines, for the registrar: the published set (valid
/// records, and pending ones next to a valid one).
pub async fn export(pool: &PgPool, who: &Principal, input: &str) -> Result<String, ApiError> {
    let mut conn = pool.acquire().await?;
    let row = domain_row(&mut conn, who, input).await?;
    let rows = ds_rows(&mut conn, row.id).await?;
    let any_valid = rows.iter().any(|r| r.state == "valid");
    let mut out = format!("; DS records of {} for the parent zone\n", row.name);
    for r in rows
        .iter()
        .filter(|r| r.state == "valid" || (r.state == "pending" && any_valid))
    {
        out.push_str(&to_record(&row.name, r, false).line);
        out.push('\n');
    }
    Ok(out)
}

/// What the request asks to add, and the field a refusal is reported on.
fn parse_request(
    domain: &Name,
    domain_text: &str,
    req: &SubmitDsRequest,
) -> Result<(DsData, Vec<String>, &'static str), ApiError> {
    let by_fields = req.key_tag.is_some()
        || req.algorithm.is_some()
        || req.digest_type.is_some()
        || req.digest.is_some();
    let forms =
        usize::from(by_fields) + usize::from(req.ds.is_some()) + usize::from(req.dnskey.is_some());
    if forms != 1 {
        return Err(ApiError::field(
            "ds",
            "give the DS in exactly one form: its fields (key_tag, algorithm, digest_type, \
             digest), a DS line (ds), or a DNSKEY to compute it from (dnskey)",
        ));
    }
    let to_api = |errors: Vec<dns_engine::FieldError>| {
        ApiError::Validation(
            errors
                .into_iter()
                .map(|e| FieldError {
                    field: e.field,
                    message: e.message,
                })
                .collect(),
        )
    };
    let (fields, warnings, field) = if by_fields {
        let mut missing = Vec::new();
        for (name, present) in [
            ("key_tag", req.key_tag.is_some()),
            ("algorithm", req.algorithm.is_some()),
            ("digest_type", req.digest_type.is_some()),
            ("digest", req.digest.is_some()),
        ] {
            if !present {
                missing.push(FieldError {
                    field: name.into(),
                    message: "is required".into(),
                });
            }
        }
        if !missing.is_empty() {
            return Err(ApiError::Validation(missing));
        }
        let (f, w) = dns_engine::model::ds::check_ds(
            req.key_tag.unwrap_or_default(),
            req.algorithm.unwrap_or_default(),
            req.digest_type.unwrap_or_default(),
            req.digest.as_deref().unwrap_or_default(),
        )
        .map_err(to_api)?;
        (f, w, "digest")
    } else if let Some(text) = &req.ds {
        let (f, w) = dns_engine::model::ds::parse_ds_line(domain_text, text).map_err(to_api)?;
        (f, w, "ds")
    } else {
        let text = req.dnskey.as_deref().unwrap_or_default();
        let digest_type = match req.dnskey_digest_type.unwrap_or(2) {
            2 => 2,
            4 => 4,
            other => {
                return Err(ApiError::field(
                    "dnskey_digest_type",
                    format!(
                        "{other} is not offered: compute the DS with 2 (SHA-256) or 4 (SHA-384)"
                    ),
                ))
            }
        };
        let data = dscheck::ds_from_dnskey(domain, text, digest_type)
            .map_err(|why| ApiError::field("dnskey", why))?;
        // The computed DS passes the same rules (a deprecated algorithm is refused here too).
        let (f, w) = dns_engine::model::ds::check_ds(
            i64::from(data.key_tag),
            i64::from(data.algorithm),
            i64::from(data.digest_type),
            &upper_hex(&data.digest),
        )
        .map_err(|errors| {
            ApiError::Validation(
                errors
                    .into_iter()
                    .map(|e| FieldError {
                        field: "dnskey".into(),
                        message: e.message,
                    })
                    .collect(),
            )
        })?;
        (f, w, "dnskey")
    };
    Ok((
        DsData {
            key_tag: fields.key_tag,
            algorithm: fields.algorithm,
            digest_type: fields.digest_type,
            digest: fields.digest,
        },
        warnings,
        field,
    ))
}

fn now_unix() -> u32 {
    u32::try_from(OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(u32::MAX)
}

impl Checker {
    /// The addresses of the domain's authoritative servers: the NS at the delegation when the
    /// parent is hosted here, otherwise the NS the resolver finds; each server's addresses
    /// from the store when a hosted zone has them (glue included), otherwise the resolver's.
    ///
    /// The store is read with a connection that is returned before any query goes out, and
    /// special-purpose addresses (loopback, private, …) are not asked unless the operator
    /// allows local targets: a customer's glue must not make this server probe its own
    /// networks (see [`super::outbound`]). At most [`MAX_DS_SERVERS`] addresses are asked.
    async fn nameservers(&self, pool: &PgPool, domain: &str) -> Result<Vec<SocketAddr>, String> {
        let from_parent = {
            let mut conn = pool.acquire().await.map_err(|e| e.to_string())?;
            parent_zone(&mut conn, domain)
                .await
                .map_err(|e| e.to_string())?
                .filter(|p| p.delegated)
                .map(|p| p.ns)
        };
        let hosts: Vec<String> = match from_parent {
            Some(ns) => ns,
            None => {
                let name = Name::from_ascii(domain).map_err(|e| e.to_string())?;
                self.resolver
                    .ns_names(&name)
                    .await
                    .map_err(|why| format!("the name servers of {domain} are unknown: {why}"))?
                    .iter()
                    .map(|n| n.to_ascii())
                    .collect()
            }
        };
        if hosts.is_empty() {
            return Err(format!("{domain} has no NS records"));
        }
        let hosts: Vec<String> = hosts
            .into_iter()
            .map(|h| {
                let mut h = h.to_lowercase();
                if !h.ends_with('.') {
                    h.push('.');
                }
                h
            })
            .collect();
        let stored = sqlx::query!(
            "select name, content from record where name = any($1) and type in ('A', 'AAAA')
              order by name, type, id",
            &hosts
        )
        .fetch_all(pool)
        .await
        .map_err(|e| e.to_string())?;
        let mut found: Vec<IpAddr> = Vec::new();
        for host in &hosts {
            let mut of_host: Vec<IpAddr> = stored
                .iter()
                .filter(|r| &r.name == host)
                .filter_map(|r| r.content.parse().ok())
                .collect();
            if of_host.is_empty() {
                if let Ok(name) = Name::from_ascii(host) {
                    for v4 in [true, false] {
                        if let Resolution::Addresses(a) = self.resolver.addresses(&name, v4).await {
                            of_host.extend(a);
                        }
                    }
                }
            }
            found.extend(of_host);
        }
        found.dedup();
        let mut refused: Vec<String> = Vec::new();
        let mut addrs: Vec<SocketAddr> = Vec::new();
        for ip in found {
            match special_purpose(ip).filter(|_| !self.allow_local_targets) {
                Some(kind) => refused.push(format!("{ip} ({kind})")),
                None if addrs.len() < MAX_DS_SERVERS => {
                    addrs.push(SocketAddr::new(ip, self.nameserver_port))
                }
                None => {}
            }
        }
        if addrs.is_empty() {
            return Err(if refused.is_empty() {
                format!(
                    "no address found for the name servers of {domain} ({})",
                    hosts.join(", ")
                )
            } else {
                format!(
                    "the name servers of {domain} have only addresses that are not queried from \
                     here: {}",
                    refused.join(", ")
                )
            });
        }
        Ok(addrs)
    }

    /// The live check of `ds` against the domain's servers, one result per record, within
    /// [`DS_BUDGET`] in all.
    async fn check(&self, pool: &PgPool, domain: &str, ds: &[DsData]) -> Vec<CheckResult> {
        let unreachable = |reason: String| {
            ds.iter()
                .map(|_| CheckResult {
                    state: CheckState::Unreachable,
                    reason: reason.clone(),
                })
                .collect()
        };
        let name = match Name::from_ascii(domain) {
            Ok(n) => n,
            Err(e) => return unreachable(e.to_string()),
        };
        let work = async {
            match self.nameservers(pool, domain).await {
                Ok(servers) => {
                    dscheck::check_all(&name, ds, &servers, self.timeout, now_unix()).await
                }
                Err(why) => unreachable(why),
            }
        };
        match tokio::time::timeout(DS_BUDGET, work).await {
            Ok(results) => results,
            Err(_) => unreachable(format!(
                "the name servers of {domain} did not answer within the {} s a check may take",
                DS_BUDGET.as_secs()
            )),
        }
    }
}

/// Validates a DS (format, then live) and stores it, or with `dry_run` only says what would
/// be stored.
pub async fn submit(
    pool: &PgPool,
    checker: &Checker,
    who: &Principal,
    input: &str,
    req: &SubmitDsRequest,
) -> Result<SubmitDsResponse, ApiError> {
    let row = {
        let mut conn = pool.acquire().await?;
        domain_row(&mut conn, who, input).await?
    };
    let name = Name::from_ascii(&row.name).map_err(ApiError::internal)?;
    let (data, warnings, field) = parse_request(&name, &row.name, req)?;
    let result = checker
        .check(pool, &row.name, std::slice::from_ref(&data))
        .await
        .pop()
        .unwrap_or(CheckResult {
            state: CheckState::Unreachable,
            reason: "no check was made".into(),
        });
    let (state, reason) = match result.state {
        CheckState::Valid => ("valid", result.reason),
        CheckState::Unreachable => ("unreachable", result.reason),
        refused @ (CheckState::Mismatch | CheckState::NoKey) => {
            if req.pre_publish {
                (
                    "pending",
                    format!(
                        "pre-published for a key rollover; checked again until the key is \
                         published. Last check: {}",
                        result.reason
                    ),
                )
            } else {
                return Err(ApiError::Validation(vec![FieldError {
                    field: field.into(),
                    message: format!(
                        "{}: {} — nothing was stored. A DS pre-published for a key rollover \
                         is stored as pending once the pre-publication is confirmed \
                         (pre_publish)",
                        refused.as_str(),
                        result.reason
                    ),
                }]));
            }
        }
    };
    let now = OffsetDateTime::now_utc();
    let draft = DsRow {
        id: 0,
        key_tag: i32::from(data.key_tag),
        algorithm: i16::from(data.algorithm),
        digest_type: i16::from(data.digest_type),
        digest: data.digest.clone(),
        state: state.into(),
        reason,
        warnings,
        checked_at: Some(now),
        created_at: now,
    };
    if req.dry_run {
        return Ok(SubmitDsResponse {
            record: to_record(&row.name, &draft, false),
            dry_run: true,
        });
    }
    let mut tx = pool.begin().await?;
    // The domain may have gone meanwhile (the check takes time): read it again, locked.
    sqlx::query_scalar!("select id from domain where id = $1 for update", row.id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(ApiError::NotFound)?;
    // A DS RRset is small in practice (a key and its successor, two digests each); a flood of
    // pending records once made the parent's signing fail.
    let held = sqlx::query_scalar!(
        r#"select count(*) as "n!" from ds_record where domain_id = $1"#,
        row.id
    )
    .fetch_one(&mut *tx)
    .await?;
    if held >= MAX_DS_PER_DOMAIN {
        return Err(ApiError::field(
            "ds",
            format!(
                "a domain may have at most {MAX_DS_PER_DOMAIN} DS records; delete old ones first"
            ),
        ));
    }
    let id = sqlx::query_scalar!(
        "insert into ds_record (domain_id, key_tag, algorithm, digest_type, digest, state, reason,
                                warnings, checked_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, now()) returning id",
        row.id,
        draft.key_tag,
        draft.algorithm,
        draft.digest_type,
        draft.digest,
        draft.state,
        draft.reason,
        &draft.warnings
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(map_sqlx)?;
    if draft.state == "valid" || draft.state == "pending" {
        if let Some(zone_id) = published_parent(&mut tx, &row).await? {
            super::rdns::bump(&mut tx, &[zone_id]).await?;
        }
    }
    let list = list_of(&mut tx, &row).await?;
    let record = list
        .records
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ApiError::internal("stored DS vanished"))?;
    audit::record(
        &mut tx,
        &who.actor(),
        Change {
            action: "ds.create",
            object_type: "domain",
            object_id: Some(row.name.clone()),
            before: None,
            after: serde_json::to_value(&record).ok(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(SubmitDsResponse {
        record,
        dry_run: false,
    })
}

/// Removes one DS record of a domain.
pub async fn delete_ds(
    pool: &PgPool,
    who: &Principal,
    input: &str,
    id: i64,
) -> Result<(), ApiError> {
    let mut tx = pool.begin().await?;
    let row = domain_row(&mut tx, who, input).await?;
    let before = list_of(&mut tx, &row)
        .await?
        .records
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(ApiError::NotFound)?;
    sqlx::query!(
        "delete from ds_record where id = $1 and domain_id = $2",
        id,
        row.id
    )
    .execute(&mut *tx)
    .await?;
    if before.published {
        if let Some(zone_id) = published_parent(&mut tx, &row).await? {
            super::rdns::bump(&mut tx, &[zone_id]).await?;
        }
    }
    audit::record(
        &mut tx,
        &who.actor(),
        Change {
            action: "ds.delete",
            object_type: "domain",
            object_id: Some(row.name.clone()),
            before: serde_json::to_value(&before).ok(),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The state a record moves to after a re-check, and why.
fn next_state(previous: &str, result: &CheckResult) -> (String, String) {
    match (result.state, previous) {
        (CheckState::Valid, _) => ("valid".into(), result.reason.clone()),
        (CheckState::Unreachable, kept @ ("valid" | "pending")) => (
            kept.into(),
            format!(
                "still {kept} from an earlier check; the last check could not reach the name \
                 servers: {}",
                result.reason
            ),
        ),
        (CheckState::Mismatch | CheckState::NoKey, "pending") => (
            "pending".into(),
            format!(
                "pre-published for a key rollover; checked again until the key is published. \
                 Last check: {}",
                result.reason
            ),
        ),
        (state, _) => (state.as_str().into(), result.reason.clone()),
    }
}

/// Re-runs the live check of every DS of one domain and stores the outcome; the parent zone is
/// re-published when the set it serves changed.
async fn recheck_domain(pool: &PgPool, checker: &Checker, row: &DomainRow) -> Result<(), ApiError> {
    let rows = {
        let mut conn = pool.acquire().await?;
        ds_rows(&mut conn, row.id).await?
    };
    if rows.is_empty() {
        return Ok(());
    }
    let data: Vec<DsData> = rows.iter().map(DsRow::data).collect();
    let results = checker.check(pool, &row.name, &data).await;
    let mut tx = pool.begin().await?;
    let before = list_of(&mut tx, row).await?;
    for (r, result) in rows.iter().zip(&results) {
        let (state, reason) = next_state(&r.state, result);
        sqlx::query!(
            "update ds_record set state = $2, reason = $3, checked_at = now() where id = $1",
            r.id,
            state,
            reason
        )
        .execute(&mut *tx)
        .await?;
    }
    let after = list_of(&mut tx, row).await?;
    let published = |list: &DsList| -> Vec<i64> {
        list.records
            .iter()
            .filter(|r| r.published)
            .map(|r| r.id)
            .collect()
    };
    if published(&before) != published(&after) {
        if let Some(zone_id) = published_parent(&mut tx, row).await? {
            super::rdns::bump(&mut tx, &[zone_id]).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// `POST …/ds/check`: re-checks every DS of the domain now.
pub async fn check(
    pool: &PgPool,
    checker: &Checker,
    who: &Principal,
    input: &str,
) -> Result<DsList, ApiError> {
    let row = {
        let mut conn = pool.acquire().await?;
        domain_row(&mut conn, who, input).await?
    };
    recheck_domain(pool, checker, &row).await?;
    let mut conn = pool.acquire().await?;
    list_of(&mut conn, &row).await
}

/// The periodic re-check: domains with a record that is not valid and was not checked for
/// `not_valid_after`, or whose valid records were last checked more than `valid_after` ago.
/// Returns how many domains were checked.
pub async fn recheck_due(
    pool: &PgPool,
    checker: &Checker,
    not_valid_after: Duration,
    valid_after: Duration,
) -> Result<usize, ApiError> {
    let rows = sqlx::query_as!(
        DomainRow,
        "select d.id, d.name, a.email as owner, d.created_at
           from domain d join account a on a.id = d.account_id
          where exists (
                select 1 from ds_record r
                 where r.domain_id = d.id
                   and (r.checked_at is null
                        or (r.state <> 'valid' and r.checked_at < now() - make_interval(secs => $1))
                        or (r.state = 'valid' and r.checked_at < now() - make_interval(secs => $2))))
          order by d.id",
        not_valid_after.as_secs_f64(),
        valid_after.as_secs_f64()
    )
    .fetch_all(pool)
    .await?;
    for row in &rows {
        if let Err(e) = recheck_domain(pool, checker, row).await {
            tracing::warn!(domain = %row.name, error = %e, "DS re-check failed");
        }
    }
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(state: CheckState) -> CheckResult {
        CheckResult {
            state,
            reason: "why".into(),
        }
    }

    #[test]
    fn rechecks_keep_state_when_unreachable_and_pending_until_the_key_appears() {
        assert_eq!(
            next_state("valid", &result(CheckState::Unreachable)).0,
            "valid"
        );
        assert_eq!(
            next_state("pending", &result(CheckState::Unreachable)).0,
            "pending"
        );
        assert_eq!(
            next_state("mismatch", &result(CheckState::Unreachable)).0,
            "unreachable"
        );
        assert_eq!(
            next_state("pending", &result(CheckState::NoKey)).0,
            "pending"
        );
        assert_eq!(next_state("pending", &result(CheckState::Valid)).0, "valid");
        // A record that stops matching its key is no longer valid (and so unpublished).
        assert_eq!(
            next_state("valid", &result(CheckState::Mismatch)).0,
            "mismatch"
        );
        assert_eq!(
            next_state("unreachable", &result(CheckState::Valid)).0,
            "valid"
        );
    }
}
