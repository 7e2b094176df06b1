//! `/api/v1/me`: the caller's own account.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use frontend::api::types::{ChangePasswordRequest, Problem, User};

use super::extract::ApiJson;
use crate::auth::{AccountWide, Principal};
use crate::error::ServiceError;
use crate::service::accounts;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/me/password", post(change_password))
}

/// The account the request is authenticated as.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses(
        (status = 200, body = User),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(State(state): State<AppState>, who: Principal) -> Result<Json<User>, ServiceError> {
    Ok(Json(accounts::get_user(&state.pool, who.account_id).await?))
}

/// Change one's own password (the current one is required). Not with a token scoped to
/// some zones (403).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "account",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    session: tower_sessions::Session,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, ServiceError> {
    accounts::change_password(
        &state.pool,
        &state.hashes,
        &who.actor(),
        who.account_id,
        &req.current_password,
        &req.new_password,
        req.revoke_tokens,
    )
    .await?;
    // The change ended every session that logged in before it; the caller's own session has
    // just proved the password and goes on, as if it had logged in now.
    if let Some(mut auth) = session
        .get::<crate::auth::SessionAuth>(crate::auth::SESSION_KEY)
        .await
        .map_err(ServiceError::internal)?
    {
        auth.authenticated_at = time::OffsetDateTime::now_utc().unix_timestamp();
        session
            .insert(crate::auth::SESSION_KEY, auth)
            .await
            .map_err(ServiceError::internal)?;
    }
    Ok(StatusCode::NO_CONTENT)
}
