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
//! there, signed when that zone is signed ([`dns_engine::store::keys::published_ds`], the engine's reading of the rule below).
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
    CreateDomainRequest, Domain, DsList, DsRecord, DsState, SubmitDsRequest, SubmitDsResponse,
};
use frontend::api::types::{FieldError, Role};
use hickory_proto::rr::Name;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::audit::{Action, Actor, Change};
use super::change::Write;
use super::dscheck::{self, CheckResult, CheckState, DsData};
use super::outbound::{special_purpose, DS_BUDGET, MAX_DS_SERVERS};
use super::zones::{canonical_zone_name, is_reverse_name};
use crate::auth::Principal;
use crate::error::{map_sqlx, ServiceError};
use crate::resolver::{Resolution, Resolver};

mod checker;
mod domains;
mod recheck;
mod records;

pub use domains::*;
pub use recheck::*;
pub use records::*;

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

/// The domain a URL names, if the caller may see it (admins see all); otherwise 404.
async fn domain_row(
    conn: &mut PgConnection,
    who: &Principal,
    input: &str,
) -> Result<DomainRow, ServiceError> {
    let name = canonical_zone_name(input).map_err(|_| ServiceError::NotFound)?;
    sqlx::query_as!(
        DomainRow,
        "select d.id, d.name, a.email as owner, d.created_at
           from domain d join account a on a.id = d.account_id
          where d.name = $1 and (d.account_id = $2 or $3)",
        name.as_str(),
        who.account_id,
        who.role == Role::Admin
    )
    .fetch_optional(conn)
    .await?
    .ok_or(ServiceError::NotFound)
}

async fn to_domain(conn: &mut PgConnection, row: &DomainRow) -> Result<Domain, ServiceError> {
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
