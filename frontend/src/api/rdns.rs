//! The wire types of reverse DNS: reverse zones, assigned ranges and the PTR of each address
//! (`/api/v1/reverse-zones`, `/api/v1/ranges`, `/api/v1/rdns`). Like [`super::types`], the one
//! definition both the server and the browser use.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

/// A reverse zone: the provider's IP space under in-addr.arpa or ip6.arpa.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct ReverseZone {
    /// The zone's name: `0.203.in-addr.arpa.`.
    pub name: String,
    /// The network it covers: `203.0.0.0/16`.
    pub network: String,
    /// The default name of addresses without a PTR, e.g. `static.{ip-reversed}.clients.example.net.`.
    pub template: String,
    /// The hosted zone the default names live in, when there is one; without it the default
    /// names do not resolve forward and fail FCrDNS.
    pub template_zone: Option<String>,
    pub serial: u32,
    /// Ranges of it assigned to customers.
    pub range_count: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `POST /api/v1/reverse-zones` (admin).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateReverseZoneRequest {
    /// A network whose prefix ends on a label boundary: /8, /16, /24 for IPv4; a multiple of 4
    /// for IPv6 (`2001:db8::/32`).
    pub network: String,
    /// Placeholders: `{ip}` (203-0-113-7; IPv6: 2001-0db8-0000-0000-0000-0000-0000-0007),
    /// `{ip-reversed}` (7.113.0.203; IPv6: 32 reversed nibbles), and for IPv4 `{a}`…`{d}`.
    pub template: String,
}

/// `PATCH /api/v1/reverse-zones/{zone}` (admin).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateReverseZoneRequest {
    pub template: String,
}

/// A range of addresses assigned to a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct Range {
    pub id: i64,
    /// `203.0.113.0/26`, `2001:db8:1::/48`, or a single `/32` / `/128`.
    pub network: String,
    pub reverse_zone: String,
    /// The customer's email.
    pub owner: String,
    /// RFC 2317 classless delegation: the customer's name servers for this range, if it is
    /// delegated (then PTRs are set on those servers, not here).
    pub delegate_ns: Option<Vec<String>>,
    /// How many addresses have a PTR of their own.
    pub ptr_count: i64,
    /// How many addresses the range holds, as a decimal string (a /48 holds 2^80).
    pub size: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `POST /api/v1/ranges` (admin): assign a range to a customer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignRangeRequest {
    pub network: String,
    /// The customer's email.
    pub owner: String,
    /// RFC 2317: delegate the range (IPv4, longer than /24) to these name servers.
    #[serde(default)]
    pub delegate_ns: Option<Vec<String>>,
}

/// `DELETE /api/v1/ranges?network=…` (admin).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema, IntoParams))]
#[serde(deny_unknown_fields)]
pub struct UnassignRangeParams {
    pub network: String,
}

/// The forward-confirmed reverse DNS state of a PTR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Fcrdns {
    /// The host name resolves to the address.
    Pass,
    /// It resolves elsewhere, or not at all.
    Fail,
    /// It could not be checked (timeout, server failure).
    Unknown,
}

impl Fcrdns {
    pub fn as_str(self) -> &'static str {
        match self {
            Fcrdns::Pass => "pass",
            Fcrdns::Fail => "fail",
            Fcrdns::Unknown => "unknown",
        }
    }
}

/// The reverse DNS of one address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct Rdns {
    pub ip: String,
    /// The PTR set for the address; `None` when it answers with its default name.
    pub ptr: Option<String>,
    /// The name served: the PTR, or the default name.
    pub name: String,
    pub ttl: u32,
    /// FCrDNS of the PTR (default names pass by construction).
    pub fcrdns: Fcrdns,
    #[serde(default)]
    pub fcrdns_detail: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub checked_at: Option<OffsetDateTime>,
    pub range: String,
}

/// `GET /api/v1/rdns?range=CIDR`: one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct RdnsPage {
    pub range: String,
    /// For IPv4 every address of the range; for IPv6 only addresses with a PTR.
    pub items: Vec<Rdns>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// Query of `GET /api/v1/rdns`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(deny_unknown_fields)]
pub struct RdnsQuery {
    /// One of the caller's ranges (`203.0.113.0/26`).
    pub range: String,
    /// Start after this address (from `next`).
    #[serde(default)]
    pub after: Option<String>,
    /// Page size, 1..=4096 (default 256).
    #[serde(default)]
    pub limit: Option<u32>,
    /// Only addresses or names containing this text.
    #[serde(default)]
    pub q: Option<String>,
}

/// `PUT /api/v1/rdns/{ip}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PutRdns {
    /// The host name, e.g. `mail.example.com.` (IDN accepted).
    pub ptr: String,
    /// 1..=2147483647; defaults to the operator's default TTL.
    #[serde(default)]
    pub ttl: Option<i64>,
}

/// The answer to a PTR save: the entry as stored, and warnings that did not block it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct RdnsSaved {
    #[serde(flatten)]
    pub rdns: Rdns,
    pub warnings: Vec<String>,
}

/// One entry of `PATCH /api/v1/rdns`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RdnsEntry {
    pub ip: String,
    /// The host name; `null` reverts the address to its default name.
    pub ptr: Option<String>,
    #[serde(default)]
    pub ttl: Option<i64>,
}

/// `PATCH /api/v1/rdns`: up to 65,536 entries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RdnsBatch {
    pub entries: Vec<RdnsEntry>,
}

/// Query of `PATCH /api/v1/rdns`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(deny_unknown_fields)]
pub struct RdnsBatchParams {
    /// Validate everything (FCrDNS included) and report, storing nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// `true` (default): all entries or none. `false`: store the valid entries, report the rest.
    #[serde(default)]
    pub atomic: Option<bool>,
}

/// Whether a batch entry passed its checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum EntryStatus {
    /// Valid: stored (or, in a dry run, would be).
    Ok,
    /// Refused (see `errors`); not stored.
    Error,
}

/// The result of one batch entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct RdnsEntryResult {
    pub ip: String,
    pub status: EntryStatus,
    pub ptr: Option<String>,
    pub fcrdns: Option<Fcrdns>,
    #[serde(default)]
    pub fcrdns_detail: String,
    /// Why the entry was refused (field-level messages).
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

/// The answer to `PATCH /api/v1/rdns`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct RdnsBatchResult {
    pub dry_run: bool,
    /// Whether anything was stored.
    pub applied: bool,
    pub stored: usize,
    pub failed: usize,
    pub results: Vec<RdnsEntryResult>,
}

/// `GET /api/v1/zones/{zone}/reverse`: for each A/AAAA record of the zone whose address is in a
/// range hosted here, what its reverse DNS says and whether it points back at the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct ReverseStatus {
    /// The record's owner name (absolute).
    pub name: String,
    pub address: String,
    /// The name the address's PTR serves: its own PTR, or the default name.
    pub ptr: String,
    /// Whether `ptr` is the range's default name (no PTR set).
    pub is_default: bool,
    /// Whether the PTR names this record's owner: forward and reverse agree (FCrDNS).
    pub matches: bool,
}
