//! Zonekeeper's server: configuration, the store (with its private PostgreSQL cluster),
//! authentication, the services, the HTTP edge that hosts the REST API and the Leptos
//! console, and the process that runs them together with the DNS engine.

// The console's view types are deeply nested generics; rendering them on the server needs
// more room than the default.
#![recursion_limit = "512"]

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod pg;
pub mod primary;
pub mod resolver;
pub mod secret;
pub mod serve;
pub mod service;
pub mod state;
