//! `/api/v1/tokens`: the caller's own API tokens. Every query is scoped to the caller's
//! account; there is no way to name another account's token here. A token scoped to some
//! zones cannot reach these endpoints at all ([`AccountWide`]): it cannot mint itself a
//! wider token.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use frontend::api::types::{ApiToken, CreateTokenRequest, CreatedToken, Problem};

use super::extract::{ApiJson, ApiPath};
use crate::auth::AccountWide;
use crate::error::ServiceError;
use crate::service::tokens;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list).post(create))
        .route("/tokens/{id}", delete(revoke))
}

/// List my live tokens (never their secrets), each with its scope.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses(
        (status = 200, body = Vec<ApiToken>),
        (status = 403, description = "Called with a token scoped to some zones", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
) -> Result<Json<Vec<ApiToken>>, ServiceError> {
    Ok(Json(tokens::list(&state.pool, who.account_id).await?))
}

/// Create a token. The secret is in this answer only. With `zones`, the token is scoped to
/// those of my zones: it lists, shows and edits them and their records, and every other zone
/// is "not found" to it; it cannot create zones nor manage tokens, users or the account (403).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens",
    request_body = CreateTokenRequest,
    responses(
        (status = 201, body = CreatedToken),
        (status = 403, description = "Called with a read-only token, or one scoped to some zones", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name or expiry, or `zones[i]` is not one of my zones", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    ApiJson(req): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<CreatedToken>), ServiceError> {
    let created = tokens::create(&state.pool, &who.actor(), who.account_id, &req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revoke one of my tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Called with a read-only token, or one scoped to some zones", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ServiceError> {
    tokens::revoke(&state.pool, &who.actor(), who.account_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
