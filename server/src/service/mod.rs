//! The services: the rules of each resource and the transactions that apply them. Handlers
//! call these with an authenticated caller; every query filters by that caller, and every
//! change writes its audit row in the same transaction.

pub mod accounts;
pub mod audit;
pub mod change;
pub mod changelog;
pub mod dnssec;
pub mod ds;
pub mod dscheck;
pub mod fcrdns;
pub mod followup;
pub mod nodes;
pub mod outbound;
pub mod rdns;
pub mod rrsets;
pub mod secondaries;
pub mod settings;
pub mod tokens;
pub mod zones;
