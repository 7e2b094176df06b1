//! The axum extractors of the callers ([`Principal`], [`AccountWide`], [`Admin`]): an API
//! token (`Authorization: Bearer …`) or the browser session, checked on every request. The
//! rules they enforce are described with the types in `auth::principal`.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use time::OffsetDateTime;
use tower_sessions::Session;

use crate::auth::{AccountWide, Admin, Principal, SessionAuth, ZoneScope, SESSION_KEY};
use crate::error::ServiceError;
use crate::http::extract::ClientAddr;
use crate::service::{accounts, tokens};
use crate::state::AppState;

/// How stale `seen_at` may get before a request writes the session again. The store only
/// pushes the idle expiry forward when the session is written, so activity must write it —
/// but not on every request: a quarter of the idle timeout (at most a minute) keeps an
/// active session alive at the cost of at most one write a minute.
fn touch_interval(idle: time::Duration) -> i64 {
    (idle.whole_seconds() / 4).clamp(0, 60)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ServiceError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ServiceError> {
        let ClientAddr(source) = ClientAddr::from_request_parts(parts, state)
            .await
            .unwrap_or_default();

        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            // A request that presents a token is judged by the token alone, never by a
            // cookie that happens to come along.
            let secret = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or(ServiceError::Unauthorized)?;
            let found = tokens::authenticate(&state.pool, secret)
                .await?
                .ok_or(ServiceError::Unauthorized)?;
            if found.read_only && !parts.method.is_safe() {
                return Err(ServiceError::Forbidden(
                    "this API token is read-only; use a read-write token to make changes".into(),
                ));
            }
            return Ok(Principal {
                account_id: found.account_id,
                email: found.email,
                role: found.role,
                token_id: Some(found.token_id),
                source,
                scope: match found.zones {
                    Some(zones) => ZoneScope::Only(zones.into_iter().collect()),
                    None => ZoneScope::All,
                },
            });
        }

        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| ServiceError::internal(msg))?;
        let mut auth: SessionAuth = session
            .get(SESSION_KEY)
            .await
            .map_err(ServiceError::internal)?
            .ok_or(ServiceError::Unauthorized)?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let age = now - auth.authenticated_at;
        if age > state.web.session_max.whole_seconds() || age < 0 {
            session.flush().await.map_err(ServiceError::internal)?;
            return Err(ServiceError::Unauthorized);
        }
        let Some((account, password_changed_at)) =
            accounts::get_active_since(&state.pool, auth.account_id).await?
        else {
            // Deleted or disabled since login: the session ends here.
            session.flush().await.map_err(ServiceError::internal)?;
            return Err(ServiceError::Unauthorized);
        };
        // Logged in before the password last changed: a session the owner did not renew.
        if password_changed_at
            .is_some_and(|changed| auth.authenticated_at < changed.unix_timestamp())
        {
            session.flush().await.map_err(ServiceError::internal)?;
            return Err(ServiceError::Unauthorized);
        }
        if now - auth.seen_at >= touch_interval(state.web.session_idle) {
            auth.seen_at = now;
            session
                .insert(SESSION_KEY, auth)
                .await
                .map_err(ServiceError::internal)?;
        }
        Ok(Principal {
            account_id: account.id,
            email: account.email,
            role: account.role,
            token_id: None,
            source,
            scope: ZoneScope::All,
        })
    }
}

/// The message for a scoped token on an account-wide endpoint.
const SCOPED_REFUSAL: &str = "this API token is scoped to some zones: it can only read and \
    change those zones and their records. Creating zones and managing tokens, users or the \
    account need the console or an unscoped token";

impl FromRequestParts<AppState> for AccountWide {
    type Rejection = ServiceError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ServiceError> {
        let p = Principal::from_request_parts(parts, state).await?;
        if p.is_scoped() {
            Err(ServiceError::Forbidden(SCOPED_REFUSAL.into()))
        } else {
            Ok(AccountWide(p))
        }
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ServiceError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ServiceError> {
        let AccountWide(p) = AccountWide::from_request_parts(parts, state).await?;
        if p.is_admin() {
            Ok(Admin(p))
        } else {
            Err(ServiceError::Forbidden("this needs the admin role".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_written_at_most_once_a_minute() {
        assert_eq!(touch_interval(time::Duration::minutes(30)), 60);
        assert_eq!(touch_interval(time::Duration::minutes(2)), 30);
    }
}
