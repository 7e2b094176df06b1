//! Authentication and authorization. Who is calling ([`principal::Principal`], from an API
//! token or a browser session), what they may do (read-only tokens, the admin role), and the
//! guards around that: CSRF by Origin, and login throttling.

pub mod csrf;
pub mod password;
pub mod principal;
pub mod ratelimit;
pub mod token;

pub use principal::{Admin, Principal, SessionAuth, SESSION_KEY};
