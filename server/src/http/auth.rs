//! `/api/v1/auth`: logging in and out with a browser session. Both endpoints take JSON (the
//! hydrated console) or an HTML form post (the console before its wasm has loaded), and
//! answer a form post with a 303 redirect instead of JSON.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Json, Router};
use frontend::api::types::{LoginRequest, Problem, User};
use time::OffsetDateTime;
use tower_sessions::Session;

use super::extract::{is_form, ClientAddr, JsonOrForm};
use crate::auth::{SessionAuth, SESSION_KEY};
use crate::error::ServiceError;
use crate::service::accounts::{self, LoginError};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
}

/// Log in: check the password (throttled per account and per address) and start a session
/// under a fresh id, so an id planted before login is worthless after it.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body(content = LoginRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = User),
        (status = 401, description = "Invalid email or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many logins are being checked at once; retry shortly", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(source): ClientAddr,
    session: Session,
    body: JsonOrForm<LoginRequest>,
) -> Result<Response, ServiceError> {
    let form = is_form(&body);
    let req = body.into_inner();
    match accounts::login(
        &state.pool,
        &state.hashes,
        &req.email,
        &req.password,
        source,
    )
    .await
    {
        Ok(account) => {
            session.cycle_id().await.map_err(ServiceError::internal)?;
            let now = OffsetDateTime::now_utc().unix_timestamp();
            session
                .insert(
                    SESSION_KEY,
                    SessionAuth {
                        account_id: account.id,
                        authenticated_at: now,
                        seen_at: now,
                    },
                )
                .await
                .map_err(ServiceError::internal)?;
            if form {
                return Ok(Redirect::to("/").into_response());
            }
            let user = accounts::get_user(&state.pool, account.id).await?;
            Ok(Json(user).into_response())
        }
        Err(LoginError::Invalid) if form => {
            Ok(Redirect::to("/login?error=invalid").into_response())
        }
        Err(LoginError::Throttled) if form => {
            Ok(Redirect::to("/login?error=throttled").into_response())
        }
        Err(LoginError::Invalid) => Err(ServiceError::InvalidLogin),
        Err(LoginError::Throttled) => Err(ServiceError::TooManyRequests(
            "too many failed login attempts; try again in a few minutes".into(),
        )),
        Err(LoginError::Busy) if form => Ok(Redirect::to("/login?error=busy").into_response()),
        Err(LoginError::Busy) => Err(ServiceError::Unavailable(
            "the server is busy checking other logins; try again in a moment".into(),
        )),
        Err(LoginError::Api(e)) => Err(e),
    }
}

/// Log out: the session is deleted on the server, not just forgotten by the browser. A form
/// post (`application/x-www-form-urlencoded`) is answered with a redirect to the login page.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Logged out")))]
pub async fn logout(session: Session, headers: HeaderMap) -> Result<Response, ServiceError> {
    session.flush().await.map_err(ServiceError::internal)?;
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form {
        return Ok(Redirect::to("/login").into_response());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
