//! Who is calling. Handlers that touch anything take a [`Principal`] (or [`Admin`]) argument;
//! without one they have no identity to hand to the services, whose every query filters by
//! it. So a forgotten check is a compile error, not a hole:
//!
//! * a request without valid credentials never reaches the handler (401);
//! * a read-only token never reaches a handler of a state-changing method (403) — the rule
//!   lives here, once, not in each handler;
//! * [`Admin`] refuses every role but admin (403);
//! * a token scoped to some zones carries its [`ZoneScope`]: [`Principal::may_touch_zone`] is
//!   the one answer to "may this caller touch zone X", which every zone lookup asks (a zone
//!   outside the scope is "not found", like another account's), and [`AccountWide`] (and
//!   [`Admin`]) refuse scoped tokens (403) on everything that is not a zone's content:
//!   creating zones, tokens, users, the account.
//!
//! These are the types; reading them from a request (token or session) is the HTTP edge's
//! work, in `http::principal`.

use std::collections::BTreeSet;
use std::net::IpAddr;

use frontend::api::types::Role;
use serde::{Deserialize, Serialize};

use crate::service::audit::Actor;

/// The session key under which the logged-in account is kept.
pub const SESSION_KEY: &str = "auth";

/// What a browser session remembers about its login.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionAuth {
    pub account_id: i64,
    /// When the password was checked; the absolute session timeout counts from here.
    pub authenticated_at: i64,
    /// When the session was last used, as far as the store knows (see `http::principal`).
    #[serde(default)]
    pub seen_at: i64,
}

/// Which zones a caller may touch, among those its account (or role) can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneScope {
    /// All of them: browser sessions and unscoped tokens.
    All,
    /// Only these (absolute A-label names, as stored). Possibly none: a scoped token whose
    /// zones were all deleted sees nothing rather than everything.
    Only(BTreeSet<String>),
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account_id: i64,
    pub email: String,
    pub role: Role,
    /// The API token used, when the call did not come from a browser session.
    pub token_id: Option<i64>,
    pub source: Option<IpAddr>,
    /// The zones this caller is limited to (a scoped token's); [`ZoneScope::All`] otherwise.
    pub scope: ZoneScope,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the caller's credentials are limited to some zones.
    pub fn is_scoped(&self) -> bool {
        self.scope != ZoneScope::All
    }

    /// May this caller touch the zone with this canonical name (`example.com.`)? Only the
    /// scope is judged here; ownership (the account, or the admin role) is the job of the
    /// query that loads the zone. Every zone lookup asks this, through
    /// [`crate::service::zones::zone_for_principal`] or the zone list.
    pub fn may_touch_zone(&self, canonical_name: &str) -> bool {
        match &self.scope {
            ZoneScope::All => true,
            ZoneScope::Only(zones) => zones.contains(canonical_name),
        }
    }

    /// The audit log's view of this caller.
    pub fn actor(&self) -> Actor {
        Actor {
            account_id: Some(self.account_id),
            token_id: self.token_id,
            source: self.source.map(|ip| ip.to_string()),
        }
    }
}

/// A caller whose credentials are not limited to some zones: a browser session or an
/// unscoped token. Handlers of account-wide things (new zones, tokens, the account) take
/// this instead of [`Principal`], so a scoped token is refused (403) before they run.
#[derive(Debug, Clone)]
pub struct AccountWide(pub Principal);

/// A caller with the admin role, and not limited to some zones (a scoped admin token only
/// manages its zones' records).
#[derive(Debug, Clone)]
pub struct Admin(pub Principal);

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(scope: ZoneScope) -> Principal {
        Principal {
            account_id: 1,
            email: "a@example.com".into(),
            role: Role::Customer,
            token_id: Some(1),
            source: None,
            scope,
        }
    }

    #[test]
    fn the_scope_decides_which_zones_a_caller_may_touch() {
        let all = caller(ZoneScope::All);
        assert!(!all.is_scoped());
        assert!(all.may_touch_zone("example.com."));

        let some = caller(ZoneScope::Only(["example.com.".to_owned()].into()));
        assert!(some.is_scoped());
        assert!(some.may_touch_zone("example.com."));
        assert!(!some.may_touch_zone("example.net."));
        // A zone below one in scope is another zone: not covered.
        assert!(!some.may_touch_zone("sub.example.com."));

        // An emptied scope is still a scope: nothing, not everything.
        let none = caller(ZoneScope::Only(BTreeSet::new()));
        assert!(none.is_scoped());
        assert!(!none.may_touch_zone("example.com."));
    }
}
