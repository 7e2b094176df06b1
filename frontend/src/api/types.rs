//! The wire types of the REST API (`/api/v1`). The server serializes exactly these, the
//! browser deserializes exactly these: one definition, so the two can never drift apart.
//! Database rows never appear here; secrets appear only in the one response that shows them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[cfg(feature = "ssr")]
use utoipa::ToSchema;

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask for 12).
pub const PASSWORD_MIN_CHARS: usize = 12;
/// Longest password accepted: long passphrases are welcome, megabyte bodies to hash are not.
pub const PASSWORD_MAX_CHARS: usize = 1024;

/// Why a password is not acceptable, in words for the user (`None`: it is). The one rule:
/// the server enforces it, the console shows it while typing.
pub fn password_problem(password: &str) -> Option<String> {
    let len = password.chars().count();
    if len < PASSWORD_MIN_CHARS {
        Some(format!(
            "must be at least {PASSWORD_MIN_CHARS} characters long"
        ))
    } else if len > PASSWORD_MAX_CHARS {
        Some(format!(
            "must be at most {PASSWORD_MAX_CHARS} characters long"
        ))
    } else {
        None
    }
}

/// Account role. Admins manage users, IP ranges and settings; customers see their own objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Customer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Customer => "customer",
        }
    }
}

/// A user account as the API shows it (never the password hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `POST /api/v1/auth/login`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// `POST /api/v1/me/password`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
    /// Also revoke every API token of the account (other browser sessions always end).
    #[serde(default)]
    pub revoke_tokens: bool,
}

/// An API token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub read_only: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Whether the token is limited to `zones`. An unscoped token acts for the whole account.
    /// A scoped token whose zones have all been deleted stays scoped, and sees no zone.
    #[serde(default)]
    pub scoped: bool,
    /// The zones a scoped token may touch, as absolute A-label names (`xn--mnchen-3ya.de.`),
    /// in name order; empty for an unscoped token.
    #[serde(default)]
    pub zones: Vec<String>,
}

/// `POST /api/v1/tokens`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    pub name: String,
    #[serde(default)]
    pub read_only: bool,
    /// Optional expiry (RFC 3339). Must lie in the future.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Limit the token to these zones, each one of your own (any spelling: IDN, upper case
    /// and a trailing dot are fine). A scoped token sees and edits only these zones and
    /// their records; it cannot create zones, nor manage tokens, users or the account.
    /// Empty or absent: the token acts for the whole account.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(example = json!(["example.com", "münchen.de"])))]
    pub zones: Vec<String>,
}

/// The answer to `POST /api/v1/tokens`: the only time the secret is shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct CreatedToken {
    pub token: ApiToken,
    /// The bearer secret (`zk_...`). Stored only as a hash; shown once.
    pub secret: String,
}

/// `POST /api/v1/users` (admin)
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub email: String,
    pub role: Role,
    /// Optional; when absent a password is generated and returned once.
    #[serde(default)]
    pub password: Option<String>,
}

/// The answer to `POST /api/v1/users`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct CreatedUser {
    pub user: User,
    /// Present only when the server generated the password; shown once.
    pub generated_password: Option<String>,
}

/// `PATCH /api/v1/users/{id}` (admin)
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// One broken rule on one field of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct FieldError {
    /// The field, as a JSON pointer-like path (`email`, `records/2`).
    pub field: String,
    /// The rule that was broken, in words a user can act on.
    pub message: String,
}

/// RFC 9457 problem details: the one error format of the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    /// The stable, machine-readable kind of problem (`validation`, `not-found`,
    /// `ds-mismatch`, …): clients branch on it, not on the English of `title` or `detail`.
    #[serde(default)]
    pub code: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Field-level validation errors (422).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// `GET /healthz`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct Health {
    /// `ok` or `down`
    pub status: String,
    pub database: String,
    pub dns: String,
}

/// A forward zone as listed and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct Zone {
    /// Absolute name in A-label form, with the trailing dot (`xn--mnchen-3ya.de.`).
    pub name: String,
    /// The same name for people, IDN labels in Unicode (`münchen.de.`).
    pub display_name: String,
    /// The owner's email (shown to admins, who see every zone).
    pub owner: String,
    pub serial: u32,
    /// Number of records, not counting the SOA.
    pub record_count: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The last change to the zone or any of its records.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `POST /api/v1/zones`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateZoneRequest {
    /// The zone's name; Unicode (IDN) names are converted to A-labels.
    pub name: String,
}

/// One RRset of a zone: every record of one name and type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct RrSet {
    /// Owner name relative to the zone; `@` is the apex.
    pub name: String,
    /// The absolute owner name, with the trailing dot.
    pub fqdn: String,
    /// Record type mnemonic (`A`, `MX`, ...).
    #[serde(rename = "type")]
    pub type_: String,
    pub ttl: u32,
    /// The records' data in canonical presentation format.
    pub records: Vec<String>,
    #[serde(default)]
    pub comment: String,
    /// Whether the RRset can be edited here (the SOA is edited through the zone's settings).
    pub editable: bool,
}

/// `PUT /api/v1/zones/{zone}/rrsets/{name}/{type}`: replaces the whole RRset.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PutRrSet {
    /// 1..=2147483647; defaults to the operator's default TTL.
    #[serde(default)]
    pub ttl: Option<i64>,
    /// The records' data in presentation format, e.g. `"10 mail.example.com."` for an MX.
    pub records: Vec<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// One change of a `PATCH /api/v1/zones/{zone}/rrsets` batch.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RrSetChange {
    /// Owner name relative to the zone (`@` for the apex).
    pub name: String,
    #[serde(rename = "type")]
    pub type_: String,
    /// `replace` (the default) sets the RRset to `records`; `delete` removes it.
    #[serde(default)]
    pub changetype: ChangeType,
    #[serde(default)]
    pub ttl: Option<i64>,
    #[serde(default)]
    pub records: Vec<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ChangeType {
    #[default]
    Replace,
    Delete,
}

/// `PATCH /api/v1/zones/{zone}/rrsets`: applied all or nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RrSetPatch {
    pub changes: Vec<RrSetChange>,
}

/// A problem that does not block a save (e.g. data below a delegation, NS without glue).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct ZoneWarning {
    /// Absolute owner name the warning is about.
    pub name: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    pub message: String,
    /// The line of the zone file the warning is about (imports only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// The answer to a successful RRset change: the zone's new serial, the RRsets as stored
/// (absent ones were deleted), and the warnings of the zone as it now stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct RrSetChangeResult {
    pub serial: u32,
    pub rrsets: Vec<RrSet>,
    pub warnings: Vec<ZoneWarning>,
}

/// One RRset as it was and as it will be (absent: created / deleted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct RrSetDiff {
    pub before: Option<RrSet>,
    pub after: Option<RrSet>,
}

/// The answer to `POST /api/v1/zones/{zone}/import`: what changed, or with `dry_run=true`
/// what would change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct ImportResult {
    pub dry_run: bool,
    /// The zone's serial after the import (unchanged for a dry run or when nothing changed).
    pub serial: u32,
    pub changes: Vec<RrSetDiff>,
    pub warnings: Vec<ZoneWarning>,
}

/// The SOA values of a zone that people edit (the serial is managed by Zonekeeper).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct SoaSettings {
    /// MNAME: the primary name server (absolute host name).
    pub mname: String,
    /// RNAME: the responsible mailbox, as a name (`hostmaster.example.net.`); an email
    /// address (`hostmaster@example.net`) is accepted and converted.
    pub rname: String,
    pub refresh: i32,
    pub retry: i32,
    pub expire: i32,
    /// Negative-caching TTL (RFC 2308).
    pub minimum: i32,
    /// TTL of the SOA record itself.
    pub ttl: i32,
}

/// `PATCH /api/v1/zones/{zone}`: change the zone's SOA values; absent fields keep theirs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateZoneRequest {
    #[serde(default)]
    pub mname: Option<String>,
    #[serde(default)]
    pub rname: Option<String>,
    #[serde(default)]
    pub refresh: Option<i32>,
    #[serde(default)]
    pub retry: Option<i32>,
    #[serde(default)]
    pub expire: Option<i32>,
    #[serde(default)]
    pub minimum: Option<i32>,
    #[serde(default)]
    pub ttl: Option<i32>,
}

/// The operator's defaults for new zones (`GET`/`PUT /api/v1/settings`, admin).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Name servers put at the apex of every new zone; the first is the SOA MNAME.
    pub nameservers: Vec<String>,
    /// SOA RNAME of new zones (a name, or an email address that is converted).
    pub hostmaster: String,
    pub soa_refresh: i32,
    pub soa_retry: i32,
    pub soa_expire: i32,
    pub soa_minimum: i32,
    /// TTL of new records without one, and of new zones' SOA and apex NS.
    pub default_ttl: i32,
    /// What a PTR that fails FCrDNS gets: refused (`strict`, the default when omitted) or
    /// stored and flagged (`warn`).
    #[serde(default)]
    pub fcrdns_policy: FcrdnsPolicy,
}

/// The policy for PTRs whose host name does not resolve back to their address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum FcrdnsPolicy {
    /// Refuse the save, saying why.
    #[default]
    Strict,
    /// Store the PTR, marked as failing.
    Warn,
}

impl FcrdnsPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            FcrdnsPolicy::Strict => "strict",
            FcrdnsPolicy::Warn => "warn",
        }
    }
}
