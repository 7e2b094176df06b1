//! One module per page of the console; the routes in `app.rs` map URLs onto them.

pub mod account;
pub mod admin_rdns;
pub mod admin_secondaries;
pub mod dashboard;
pub mod domain;
pub mod domains;
pub mod login;
pub mod not_found;
pub mod rdns;
pub mod rdns_bulk;
pub mod settings;
pub mod tokens;
pub mod users;
pub mod zone;
pub mod zone_import;
pub mod zone_sync;
pub mod zones;
