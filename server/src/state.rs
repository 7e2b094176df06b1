//! The state every handler receives: the pool, the settings of the HTTP edge, and a view of
//! the DNS engine's health. Passed explicitly (axum `State` + `FromRef`), never global.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub pool: PgPool,
    pub web: Arc<WebConfig>,
    pub dns: dns_engine::EngineHealth,
    /// The embedded engine's catalog: what it serves, and zones it could not sign.
    pub catalog: dns_engine::SharedCatalog,
    /// The recursive resolver FCrDNS asks about host names not hosted here.
    pub resolver: Arc<crate::resolver::Resolver>,
    /// How DS submissions reach the child zones' name servers.
    pub ds: Arc<crate::service::ds::Checker>,
    /// Admission of requests that make lookups on a customer's behalf (FCrDNS, DS checks).
    pub checks: crate::service::outbound::CheckGate,
    /// Work after a commit that the request does not wait for (FCrDNS re-checks).
    pub followups: crate::service::followup::Followups,
    pub leptos_options: LeptosOptions,
    /// Bounds the password hashes computed at once (memory under a login flood).
    pub hashes: crate::auth::password::HashGate,
}

/// Settings of the HTTP edge, derived from the command line at start.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The origin (`scheme://host[:port]`) that state-changing browser requests must come
    /// from. `None`: the request's own `Host` (same-origin).
    pub origin: Option<String>,
    /// Mark the session cookie `Secure` (the console is served over HTTPS).
    pub secure_cookie: bool,
    /// Absolute lifetime of a browser session, however active.
    pub session_max: time::Duration,
    /// Idle timeout of a browser session.
    pub session_idle: time::Duration,
}

impl WebConfig {
    pub fn from_public_url(public_url: Option<&str>, idle_minutes: u32, max_hours: u32) -> Self {
        let origin = public_url.map(|u| {
            // The origin is the URL up to (not including) the first '/' after "://".
            let u = u.trim_end_matches('/');
            match u.find("://") {
                Some(i) => match u[i + 3..].find('/') {
                    Some(j) => u[..i + 3 + j].to_ascii_lowercase(),
                    None => u.to_ascii_lowercase(),
                },
                None => u.to_ascii_lowercase(),
            }
        });
        WebConfig {
            secure_cookie: origin.as_deref().is_some_and(|o| o.starts_with("https://")),
            origin,
            session_max: time::Duration::hours(i64::from(max_hours)),
            session_idle: time::Duration::minutes(i64::from(idle_minutes)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_from_public_url() {
        let c = WebConfig::from_public_url(Some("https://DNS.example.net/console/"), 30, 12);
        assert_eq!(c.origin.as_deref(), Some("https://dns.example.net"));
        assert!(c.secure_cookie);
        let c = WebConfig::from_public_url(Some("http://127.0.0.1:8080"), 30, 12);
        assert_eq!(c.origin.as_deref(), Some("http://127.0.0.1:8080"));
        assert!(!c.secure_cookie);
        assert!(WebConfig::from_public_url(None, 30, 12).origin.is_none());
    }
}
