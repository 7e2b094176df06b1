//! `/api/v1/users`: account administration. Every handler takes [`Admin`], so a customer is
//! refused (403) before any of them runs.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use frontend::api::types::{CreateUserRequest, CreatedUser, Problem, UpdateUserRequest, User};

use super::extract::{ApiJson, ApiPath};
use crate::auth::Admin;
use crate::error::ServiceError;
use crate::service::accounts;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{id}", get(show).patch(update))
}

/// All accounts.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses(
        (status = 200, body = Vec<User>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<Vec<User>>, ServiceError> {
    Ok(Json(accounts::list(&state.pool).await?))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = User), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<User>, ServiceError> {
    Ok(Json(accounts::get_user(&state.pool, id).await?))
}

/// Create an account. Without a password, one is generated and returned once.
#[utoipa::path(post, path = "/api/v1/users", tag = "users",
    request_body = CreateUserRequest,
    responses(
        (status = 201, body = CreatedUser),
        (status = 409, description = "Email taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiJson(req): ApiJson<CreateUserRequest>,
) -> Result<(StatusCode, Json<CreatedUser>), ServiceError> {
    let password = req.password.filter(|p| !p.is_empty());
    let (user, generated_password) = accounts::create(
        &state.pool,
        &state.hashes,
        &who.actor(),
        &req.email,
        req.role,
        password,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            user,
            generated_password,
        }),
    ))
}

/// Change an account's role or disable/enable it. Disabling ends its sessions and tokens at
/// their next use.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "Account id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, body = User),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateUserRequest>,
) -> Result<Json<User>, ServiceError> {
    let user = accounts::update(
        &state.pool,
        &who.actor(),
        who.account_id,
        id,
        req.role,
        req.disabled,
    )
    .await?;
    Ok(Json(user))
}
