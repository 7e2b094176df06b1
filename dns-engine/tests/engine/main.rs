//! Behaviour tests for the DNS engine: each module starts a real server on 127.0.0.1:0 and talks
//! to it with real UDP and TCP sockets. Every wait is bounded, so a broken engine fails a test
//! instead of hanging it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Counts each thread's allocations, for the fast path's allocation test (`fast.rs`).
#[global_allocator]
static ALLOCATOR: fast::Counting = fast::Counting;

mod answer;
mod case;
mod cname;
mod cookies;
mod delegation;
mod differential;
mod dname;
mod dnssec;
mod edns;
mod fast;
mod fuzz;
mod harness;
mod lifecycle;
mod malformed;
mod nodata;
mod nxdomain;
mod refused;
mod rrl;
mod tcp;
mod wildcard;
