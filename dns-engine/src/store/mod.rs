//! Keeping an engine's catalog equal to the PostgreSQL store (the `postgres` feature).
//!
//! The store is the truth; the engine serves immutable per-zone snapshots. Every engine node
//! — the one embedded in `zonekeeper serve` and each standalone `dns-engine` — runs the same
//! [`Follower`]:
//!
//! * at start it loads every zone ([`load::load_all`]) in one repeatable-read snapshot, and
//!   notes the change log's position in that same snapshot;
//! * from then on it applies the change log (`zone_change`, written by the panel's one write
//!   path) in id order, re-reading only the zones the new entries name ([`load::reload_zone`]:
//!   one snapshot per zone, so never half a change);
//! * on the primary it LISTENs on [`CHANGE_CHANNEL`] to wake up at once; on a hot-standby
//!   replica, where LISTEN is not allowed, it polls the log at an interval;
//! * after a lost connection it catches up from its last id, and loads everything again only
//!   when the log cannot say what it missed ([`follow`]);
//! * with a state directory ([`state`]) it keeps the rows it serves and its position on disk,
//!   so that a restart builds the zones from there and catches up from its last id.
//!
//! The pure part — rows to [`crate::Zone`] — is `load::build_zone` and `reverse`, with
//! unit tests; the rest is I/O. A row the engine cannot parse costs only its RRset (logged and
//! skipped); a zone that cannot be built at all (no valid SOA) keeps its previous snapshot.
//! Nothing here panics, and no lock is held across an `.await`.

pub mod follow;
pub mod keys;
pub mod load;
pub mod node;
pub mod policy;
mod reverse;
pub mod schema;
pub mod state;

pub use follow::{FollowConfig, Follower, NodeState, NodeStatus, Served};
pub use load::{load_all, reload_zone, LoadStats, ZoneData, ZoneReload};

use hickory_proto::rr::Name;

/// The channel of the change notifications: the payload is the name of a zone to re-read, or
/// [`TRANSFER_CHANGED`]. Sent by the write path at commit; a wake-up only — the change log is
/// what nodes follow.
pub const CHANGE_CHANNEL: &str = "zone_changed";

/// The notification payload and change log `zone_name` that say the transfer policy or the
/// catalog zone changed. Zone names never start with `#`.
pub const TRANSFER_CHANGED: &str = "#transfer";

/// A zone's SOA RDATA in presentation format, from its columns (RFC 1035 §3.3.13): the SOA is
/// not a record row.
pub fn soa_rdata(
    mname: &str,
    rname: &str,
    serial: i64,
    [refresh, retry, expire, minimum]: [i32; 4],
) -> String {
    format!("{mname} {rname} {serial} {refresh} {retry} {expire} {minimum}")
}

fn parse_origin(name: &str) -> Option<Name> {
    let mut origin = Name::from_ascii(name).ok()?;
    origin.set_fqdn(true);
    Some(origin)
}

fn unix_now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
        .unwrap_or(0)
}

fn join(errors: &[crate::FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
