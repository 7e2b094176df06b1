//! Zonekeeper's authoritative DNS engine.
//!
//! The engine is split along the path of one query: [`wire`] turns bytes into a checked request
//! (or an error reply), [`lookup`] answers the question from an immutable [`catalog`] snapshot
//! without any I/O, [`wire`] turns the outcome back into bytes sized for the transport, and
//! [`server`] moves those bytes over UDP and TCP. [`model`] holds the DNS data types and the
//! validation rules that the rest (and the server's API) share; [`zone`] turns validated RRsets
//! into the indexed snapshot lookup answers from. Keeping lookup pure and the snapshot immutable is what lets the hot path later
//! run without locks or allocation, one socket per core.
//!
//! [`dnssec`] signs hosted zones: the zone key, the signatures precomputed into each snapshot,
//! and the ones (with compact denial of existence) computed per query.
//!
//! [`store`] keeps a catalog equal to the PostgreSQL store: it loads every zone and follows
//! the change log by id, for the engine embedded in the panel and for standalone nodes alike.
//!
//! The serving half (catalog, dnssec, lookup, wire, server) sits behind the default `server`
//! feature, the store follower behind the default `postgres` feature.
//! Built with `default-features = false` the crate is only [`model`] and [`zone`]: no tokio, no
//! sockets, so it compiles to `wasm32-unknown-unknown` and the console checks records in the
//! browser with exactly the rules the API applies.

#[cfg(feature = "server")]
pub mod args;
#[cfg(feature = "server")]
pub mod catalog;
#[cfg(feature = "server")]
pub mod cookie;
#[cfg(feature = "server")]
pub mod dnssec;
#[cfg(feature = "server")]
pub mod fast;
#[cfg(feature = "server")]
pub mod lookup;
pub mod model;
#[cfg(feature = "server")]
pub mod rrl;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "postgres")]
pub mod store;
#[cfg(feature = "server")]
pub mod tsig;
#[cfg(feature = "server")]
pub mod wire;
#[cfg(feature = "server")]
pub mod xfr;
pub mod zone;

#[cfg(feature = "server")]
pub use catalog::{Catalog, SharedCatalog};
#[cfg(feature = "server")]
pub use dnssec::{DnssecError, ZoneKey};
#[cfg(feature = "server")]
pub use lookup::{Outcome, Sections};
pub use model::{check_zone, validate_rrset, FieldError, Rrset, ZoneIssue, ZoneReport};
#[cfg(feature = "server")]
pub use server::{DnsServer, EngineHealth};
pub use zone::{Zone, ZoneError};
