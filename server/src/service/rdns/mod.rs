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

use dns_engine::model::HostName;
use dns_engine::zone::synth::{Network, Template};
use frontend::api::rdns::{
    AssignRangeRequest, CreateReverseZoneRequest, EntryStatus, Fcrdns, PutRdns, Range, Rdns,
    RdnsBatch, RdnsBatchParams, RdnsBatchResult, RdnsEntryResult, RdnsPage, RdnsQuery, RdnsSaved,
    ReverseStatus, ReverseZone, UpdateReverseZoneRequest,
};
use frontend::api::types::{FieldError, Role};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::audit::{Action, Change};
use super::change::Write;
use super::fcrdns::{self, Verdict};
use super::zones::{display_name, insert_zone};
use crate::auth::Principal;
use crate::error::{map_sqlx, ServiceError};
use crate::resolver::Resolver;

mod ptrs;
mod ranges;
mod recheck;
mod reverse_zones;

pub use ptrs::*;
pub use ranges::*;
pub use recheck::*;
pub use reverse_zones::*;

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

/// A host name as users type it (`Mail.Example.com`, `münchen.de`) in canonical form
/// ([`HostName::parse`]): A-labels, lower case, absolute. PTR targets are host names
/// (RFC 1123 §2.1), not IP literals.
pub fn canonical_hostname(input: &str) -> Result<String, String> {
    HostName::parse(input).map(String::from)
}

fn parse_ip(field: &str, text: &str) -> Result<IpAddr, ServiceError> {
    text.trim().parse::<IpAddr>().map_err(|_| {
        ServiceError::field(
            field,
            format!("\"{}\" is not an IPv4 or IPv6 address", text.trim()),
        )
    })
}

fn parse_ttl(field: &str, ttl: Option<i64>, default: i32) -> Result<i32, ServiceError> {
    match ttl {
        None => Ok(default),
        Some(t) if (1..=2_147_483_647).contains(&t) => Ok(t as i32),
        Some(_) => Err(ServiceError::field(
            field,
            "must be between 1 and 2147483647",
        )),
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

/// The hosted zones that serve the template's domain: their engines re-read them when the
/// default names change (a range assigned or unassigned, the template edited).
async fn template_zones(conn: &mut PgConnection, template: &str) -> sqlx::Result<Vec<String>> {
    let domain = template
        .split('.')
        .rev()
        .skip(1)
        .take_while(|l| !l.contains('{'))
        .collect::<Vec<_>>();
    if domain.is_empty() {
        return Ok(Vec::new());
    }
    let domain: Vec<&str> = domain.into_iter().rev().collect();
    hosted_suffixes(conn, &format!("{}.", domain.join("."))).await
}

/// Marks the zones of a template's default names for reloading on `write`.
async fn reload_template_zones(
    conn: &mut PgConnection,
    write: &mut Write,
    template: &str,
) -> sqlx::Result<()> {
    for zone in template_zones(conn, template).await? {
        write.reload(&zone);
    }
    Ok(())
}
