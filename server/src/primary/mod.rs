//! Zonekeeper as the hidden primary of a fleet of standard secondaries (Knot, NSD, BIND).
//!
//! The engine answers the transfers ([`dns_engine::xfr`]) with the policy and catalog zone its
//! store follower reads ([`dns_engine::store::policy`]); this module tells the fleet about
//! changes: [`notify::Notifier`] sends NOTIFY (RFC 1996) to every secondary after the engine
//! serves a new serial, and asks each one which serial it serves, for the sync status.
//!
//! Every secondary follows every hosted zone: a fleet serves the provider's whole name space,
//! as deSEC's and most hosters' do. A secondary that consumes the catalog learns the zones
//! from it; one that does not (NSD 4.6) is configured with the zones by its operator.

pub mod notify;

pub use dns_engine::store::policy::{member_label, DEFAULT_CATALOG_ZONE};
