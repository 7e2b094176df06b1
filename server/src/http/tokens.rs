//! `/api/v1/tokens`: the caller's own API tokens. Every query is scoped to the caller's
//! account; there is no way to name another account's token here.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use frontend::api::types::{ApiToken, CreateTokenRequest, CreatedToken, Problem};

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use crate::auth::Principal;
use crate::service::tokens;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list).post(create))
        .route("/tokens/{id}", delete(revoke))
}

/// List my live tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses((status = 200, body = Vec<ApiToken>)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    Ok(Json(tokens::list(&state.pool, who.account_id).await?))
}

/// Create a token. The secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens",
    request_body = CreateTokenRequest,
    responses(
        (status = 201, body = CreatedToken),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(req): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let created = tokens::create(&state.pool, &who.actor(), who.account_id, &req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revoke one of my tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    tokens::revoke(&state.pool, &who.actor(), who.account_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
