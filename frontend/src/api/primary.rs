//! The wire types of the hidden primary's operator surface: TSIG keys, secondaries, the
//! transfer allow-list (`/api/v1/tsig-keys`, `/api/v1/secondaries`, `/api/v1/transfer-allow`)
//! and the sync status of a zone on the secondaries (`/api/v1/zones/{zone}/sync`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[cfg(feature = "ssr")]
use utoipa::ToSchema;

/// The TSIG algorithms accepted (RFC 8945 §6); `hmac-sha1` is accepted and flagged deprecated.
pub const TSIG_ALGORITHMS: [&str; 4] = ["hmac-sha256", "hmac-sha512", "hmac-sha384", "hmac-sha1"];

/// A TSIG key as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct TsigKey {
    pub id: i64,
    /// Absolute, lower case (`transfer-key.`).
    pub name: String,
    pub algorithm: String,
    /// RFC 8945 advises against the algorithm (hmac-sha1).
    pub deprecated: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `POST /api/v1/tsig-keys`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTsigKey {
    pub name: String,
    /// One of `hmac-sha256` (default), `hmac-sha384`, `hmac-sha512`, `hmac-sha1`.
    #[serde(default)]
    pub algorithm: Option<String>,
    /// The secret, base64, 16 to 128 octets; generated (as long as the MAC) when absent.
    #[serde(default)]
    pub secret: Option<String>,
}

/// The answer to creating a key: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct CreatedTsigKey {
    #[serde(flatten)]
    pub key: TsigKey,
    /// Base64, as Knot, NSD and BIND configurations take it.
    pub secret: String,
}

/// A secondary name server that follows every hosted zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct Secondary {
    pub id: i64,
    pub address: String,
    pub port: u16,
    /// The name of the TSIG key it signs with (and NOTIFY is signed with); none: it may
    /// transfer from its address.
    pub tsig_key: Option<String>,
    /// Whether it learns the zones from the catalog zone (RFC 9432).
    pub catalog: bool,
    pub comment: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Zones it serves an older serial of (or did not answer for) when last asked; the zone
    /// pages say which (`GET /api/v1/zones/{zone}/sync`).
    #[serde(default)]
    pub zones_behind: u32,
    /// When it was last asked about any zone.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_checked: Option<OffsetDateTime>,
}

/// `POST /api/v1/secondaries`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateSecondary {
    /// An IPv4 or IPv6 address.
    pub address: String,
    /// 53 when absent.
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub tsig_key: Option<String>,
    /// True when absent.
    #[serde(default)]
    pub catalog: Option<bool>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A network allowed to transfer zones without TSIG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct TransferNetwork {
    pub id: i64,
    pub network: String,
    pub comment: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `POST /api/v1/transfer-allow`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTransferNetwork {
    pub network: String,
    #[serde(default)]
    pub comment: Option<String>,
}

/// Whether a zone's latest serial has reached every secondary (`GET /api/v1/zones/{zone}/sync`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct ZoneSync {
    pub zone: String,
    /// The serial Zonekeeper serves.
    pub serial: u32,
    /// True when every secondary serves `serial` (or there are none).
    pub in_sync: bool,
    pub secondaries: Vec<SecondarySync>,
}

/// What one secondary serves of a zone, as last asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct SecondarySync {
    pub secondary_id: i64,
    pub address: String,
    pub port: u16,
    /// The serial it answered; none when it did not (see `error`) or was not asked yet.
    pub serial: Option<u32>,
    pub in_sync: bool,
    /// Since when it serves an older serial.
    #[serde(with = "time::serde::rfc3339::option")]
    pub behind_since: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub checked_at: Option<OffsetDateTime>,
    pub error: Option<String>,
}

/// A zone a secondary cannot serve completely, and why (`GET /api/v1/secondaries/coverage`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct PartialZone {
    pub zone: String,
    pub reason: String,
}

/// What an engine node is doing, as its heartbeat says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum EngineNodeState {
    /// Loading every zone; not answering yet.
    Loading,
    /// Keeping up with the change log.
    Following,
    /// Cannot read the store; answering from its last snapshots.
    Stale,
}

/// An engine node that reports to the store (`GET /api/v1/engine-nodes`): a standalone
/// `dns-engine` or the engine embedded in the panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct EngineNode {
    pub name: String,
    /// Where it serves DNS (`host:port`), and its health port.
    pub dns_address: String,
    pub health_address: Option<String>,
    pub state: EngineNodeState,
    /// Whether it reads a streaming replica (and polls the change log).
    pub replica: bool,
    pub version: String,
    /// The last change log entry it applied.
    pub last_change_id: i64,
    /// Change log entries committed after that one, as of its last heartbeat.
    pub changes_behind: i64,
    /// How long the oldest of those has waited, in seconds; none when it is in sync.
    pub behind_seconds: Option<f64>,
    pub zones: i32,
    pub records: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// Its last heartbeat, and whether that is recent (within three heartbeats); a node not
    /// reporting may be down or cut off from the primary.
    #[serde(with = "time::serde::rfc3339")]
    pub seen_at: OffsetDateTime,
    pub reporting: bool,
}
