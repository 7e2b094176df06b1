//! Authentication and authorization. Who is calling ([`principal::Principal`], from an API
//! token or a browser session), what they may do (read-only tokens, tokens scoped to some
//! zones, the admin role), and login throttling. Reading callers from requests and the CSRF
//! check by Origin are the HTTP edge's (`http::principal`, `http::csrf`).

pub mod password;
pub mod principal;
pub mod ratelimit;
pub mod token;

pub use principal::{AccountWide, Admin, Principal, SessionAuth, ZoneScope, SESSION_KEY};
