//! Zonekeeper's web console: a Leptos app rendered on the server (feature `ssr`, linked into
//! the `zonekeeper` binary) and hydrated in the browser (feature `hydrate`, built to wasm).
//!
//! Everything it shows and changes goes through [`api`], the typed client of the public REST
//! API, so the console can never do more than an API user can.

#![recursion_limit = "256"]
pub mod api;
pub mod app;
pub mod components;
pub mod pages;
pub mod validation;

pub use api::SsrTransport;
pub use app::{shell, App};

/// Entry point of the wasm bundle: takes over the server-rendered `<body>`.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
