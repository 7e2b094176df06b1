//! Zonekeeper's authoritative DNS engine.
//!
//! The engine is split along the path of one query: [`wire`] turns bytes into a checked request
//! (or an error reply), [`lookup`] answers the question from an immutable [`catalog`] snapshot
//! without any I/O, [`wire`] turns the outcome back into bytes sized for the transport, and
//! [`server`] moves those bytes over UDP and TCP. [`model`] holds the DNS data types and the
//! validation rules that the rest (and the server's API) share; [`zone`] turns validated RRsets
//! into the indexed snapshot lookup answers from. Keeping lookup pure and the snapshot immutable is what lets the hot path later
//! run without locks or allocation, one socket per core.

pub mod catalog;
pub mod lookup;
pub mod model;
pub mod server;
pub mod wire;
pub mod zone;

pub use catalog::{Catalog, SharedCatalog};
pub use lookup::{Outcome, Sections};
pub use model::{check_zone, validate_rrset, FieldError, Rrset, ZoneIssue, ZoneReport};
pub use server::{DnsServer, EngineHealth};
pub use zone::{Zone, ZoneError};
