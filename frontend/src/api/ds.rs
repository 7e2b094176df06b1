//! The wire types of DNSSEC: domains whose DS records a customer submits registrar-style
//! (`/api/v1/domains`, `/api/v1/domains/{domain}/ds`), and the signing of hosted zones
//! (`/api/v1/zones/{zone}/dnssec`). Like [`super::types`], the one definition both the server
//! and the browser use.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[cfg(feature = "ssr")]
use utoipa::ToSchema;

/// A domain whose DS records this account manages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct Domain {
    /// `shop.example.net.`
    pub name: String,
    /// The customer's email.
    pub owner: String,
    /// Where valid DS records go: `parent` (a zone hosted here, which serves them at the
    /// delegation) or `registrar` (recorded for the hand-off to the registrar).
    pub publication: String,
    /// The hosted parent zone, when `publication` is `parent`.
    pub parent_zone: Option<String>,
    /// For `parent`: whether the parent zone delegates the domain (NS records at its name).
    /// DS records are only served at a delegation.
    pub delegated: bool,
    pub ds_count: i64,
    /// DS records in state `valid`.
    pub valid_count: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `POST /api/v1/domains`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateDomainRequest {
    pub name: String,
    /// Admins only: the customer (email) the domain is assigned to. Default: yourself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// What the last check of a DS record found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum DsState {
    /// The child publishes a key this DS matches, and the key signs the DNSKEY RRset.
    Valid,
    /// Pre-published for a key rollover: re-checked until its key appears.
    Pending,
    /// No published key matches (or its self-signature is missing, broken or expired).
    Mismatch,
    /// No key with this tag and algorithm (or only a ZSK) is published.
    NoKey,
    /// The child's name servers could not be asked.
    Unreachable,
}

impl DsState {
    /// The name in the API and the store (`valid`, `no-key`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            DsState::Valid => "valid",
            DsState::Pending => "pending",
            DsState::Mismatch => "mismatch",
            DsState::NoKey => "no-key",
            DsState::Unreachable => "unreachable",
        }
    }

    /// The state named `text`, as the store spells it.
    pub fn parse(text: &str) -> Option<DsState> {
        [
            DsState::Valid,
            DsState::Pending,
            DsState::Mismatch,
            DsState::NoKey,
            DsState::Unreachable,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Whether the live keys refuse the record (the case a pre-publication may confirm).
    pub fn is_key_refusal(self) -> bool {
        matches!(self, DsState::Mismatch | DsState::NoKey)
    }

    /// Whether a record in this state belongs in the parent's DS RRset, given whether any
    /// record of the domain is valid: valid ones, and pending ones next to a valid one. That is
    /// RFC 7583's Double-DS rollover (§3.3.2); a pending DS alone would leave no DS matching
    /// the key in use, and the domain bogus.
    pub fn is_published(self, any_valid: bool) -> bool {
        self == DsState::Valid || (self == DsState::Pending && any_valid)
    }
}

/// One submitted DS record and what its last check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct DsRecord {
    pub id: i64,
    pub key_tag: u16,
    pub algorithm: u8,
    pub digest_type: u8,
    /// Upper-case hexadecimal.
    pub digest: String,
    /// The record as a zone-file line: `shop.example.net. 3600 IN DS 12345 13 2 ABCD…`.
    pub line: String,
    pub state: DsState,
    /// Why the state is what it is, in words.
    pub reason: String,
    /// Non-blocking advice (SHA-1 digest, RSA/SHA-256 algorithm, …).
    pub warnings: Vec<String>,
    /// Whether the DS is served in the parent zone right now (only for `parent` domains).
    pub published: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub checked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `GET /api/v1/domains/{domain}/ds` and the answer of `POST …/ds/check`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct DsList {
    pub domain: Domain,
    pub records: Vec<DsRecord>,
}

/// `POST /api/v1/domains/{domain}/ds`: a DS record given in one of three forms. Exactly one
/// form must be used: the four fields, `ds` (a pasted DS line or its data), or `dnskey` (a
/// pasted DNSKEY line or data, from which the DS is computed).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubmitDsRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_tag: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest_type: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// `shop.example.net. IN DS 12345 13 2 ABCD…`, or just `12345 13 2 ABCD…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ds: Option<String>,
    /// `shop.example.net. IN DNSKEY 257 3 13 base64…`, or just `257 3 13 base64…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnskey: Option<String>,
    /// With `dnskey`: the digest to compute, 2 (SHA-256, the default) or 4 (SHA-384).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnskey_digest_type: Option<i64>,
    /// Confirms a pre-publication during a key rollover: a DS whose key is not (yet) published
    /// is stored as `pending` instead of being refused.
    #[serde(default)]
    pub pre_publish: bool,
    /// Check only: nothing is stored, the answer says what would be.
    #[serde(default)]
    pub dry_run: bool,
}

/// The answer to `POST /api/v1/domains/{domain}/ds`: the record as stored (or, for a dry run,
/// as it would be; then `id` is 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct SubmitDsResponse {
    pub record: DsRecord,
    pub dry_run: bool,
}

/// `GET /api/v1/zones/{zone}/dnssec`: whether Zonekeeper signs the zone, and what the parent
/// needs to know about its key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct ZoneDnssec {
    pub zone: String,
    pub signed: bool,
    /// The key's algorithm number (13, ECDSA P-256 with SHA-256) when signed.
    pub algorithm: Option<u8>,
    pub key_tag: Option<u16>,
    /// `example.net. 3600 IN DNSKEY 257 3 13 …`
    pub dnskey: Option<String>,
    /// The DS lines to hand to the parent: SHA-256, then SHA-384.
    pub ds: Vec<String>,
    /// Set when the zone's latest version could not be signed: the engine keeps serving the
    /// last good signed version (never the zone unsigned) until this is resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_error: Option<String>,
}

/// `PUT /api/v1/zones/{zone}/dnssec`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetZoneDnssecRequest {
    pub signed: bool,
}
