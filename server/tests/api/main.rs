//! API integration tests: the real application against a real PostgreSQL, one fresh
//! database per test. One test binary for the crate (link time on small machines); one
//! module per concern.

// Test code: a failed expectation is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;
mod knot;
mod resolver_stub;

mod authz;
mod bad_input;
mod cli;
mod dns_live;
mod dnssec_chain;
mod ds;
mod dscheck;
mod login;
mod nodes;
mod pages;
mod rdns;
mod rrsets;
mod runtime;
mod secondaries;
mod tokens;
mod transfers;
mod zonefile;
mod zones;
