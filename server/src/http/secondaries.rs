//! `/api/v1/tsig-keys`, `/api/v1/secondaries`, `/api/v1/transfer-allow`, `/api/v1/engine-nodes`:
//! the hidden primary's operator surface (admins only), and `/api/v1/zones/{zone}/sync`, which tells a
//! zone's owner whether the latest change has reached every secondary.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use frontend::api::primary::{
    CreateSecondary, CreateTransferNetwork, CreateTsigKey, CreatedTsigKey, EngineNode, PartialZone,
    Secondary, TransferNetwork, TsigKey, ZoneSync,
};
use frontend::api::types::Problem;

use super::extract::{ApiJson, ApiPath};
use crate::auth::{Admin, Principal};
use crate::error::ServiceError;
use crate::service::{nodes, secondaries};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tsig-keys", get(list_keys).post(create_key))
        .route("/tsig-keys/{name}", delete(delete_key))
        .route("/secondaries", get(list_secondaries).post(create_secondary))
        .route("/secondaries/{id}", delete(delete_secondary))
        .route("/secondaries/coverage", get(coverage))
        .route("/transfer-allow", get(list_networks).post(create_network))
        .route("/transfer-allow/{id}", delete(delete_network))
        .route("/zones/{zone}/sync", get(zone_sync))
        .route("/engine-nodes", get(list_nodes))
        .route("/engine-nodes/{name}", delete(delete_node))
}

/// The engine nodes that report to the store, with how far behind each one is.
#[utoipa::path(get, path = "/api/v1/engine-nodes", tag = "secondaries",
    responses((status = 200, body = Vec<EngineNode>),
              (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json")))]
pub async fn list_nodes(
    State(state): State<AppState>,
    Admin(_): Admin,
) -> Result<Json<Vec<EngineNode>>, ServiceError> {
    Ok(Json(nodes::list(&state.pool).await?))
}

/// Forget a decommissioned node (one that still runs reports again with its next heartbeat).
#[utoipa::path(delete, path = "/api/v1/engine-nodes/{name}", tag = "secondaries",
    params(("name" = String, Path, description = "Node name")),
    responses((status = 204, description = "Forgotten"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_node(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiPath(name): ApiPath<String>,
) -> Result<StatusCode, ServiceError> {
    nodes::delete(&state.pool, &who.actor(), &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List the TSIG keys (never their secrets).
#[utoipa::path(get, path = "/api/v1/tsig-keys", tag = "secondaries",
    responses((status = 200, body = Vec<TsigKey>),
              (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json")))]
pub async fn list_keys(
    State(state): State<AppState>,
    Admin(_): Admin,
) -> Result<Json<Vec<TsigKey>>, ServiceError> {
    Ok(Json(secondaries::list_keys(&state.pool).await?))
}

/// Create a TSIG key (RFC 8945). Without `secret` one is generated; the secret is in this
/// answer only.
#[utoipa::path(post, path = "/api/v1/tsig-keys", tag = "secondaries", request_body = CreateTsigKey,
    responses((status = 201, body = CreatedTsigKey),
              (status = 409, description = "A key with this name exists", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "Invalid name, algorithm or secret", body = Problem, content_type = "application/problem+json")))]
pub async fn create_key(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiJson(req): ApiJson<CreateTsigKey>,
) -> Result<(StatusCode, Json<CreatedTsigKey>), ServiceError> {
    let created = secondaries::create_key(&state.pool, &who.actor(), &req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Delete a TSIG key that no secondary uses.
#[utoipa::path(delete, path = "/api/v1/tsig-keys/{name}", tag = "secondaries",
    params(("name" = String, Path, description = "Key name")),
    responses((status = 204, description = "Deleted"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "A secondary uses the key", body = Problem, content_type = "application/problem+json")))]
pub async fn delete_key(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiPath(name): ApiPath<String>,
) -> Result<StatusCode, ServiceError> {
    secondaries::delete_key(&state.pool, &who.actor(), &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List the secondaries.
#[utoipa::path(get, path = "/api/v1/secondaries", tag = "secondaries",
    responses((status = 200, body = Vec<Secondary>),
              (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json")))]
pub async fn list_secondaries(
    State(state): State<AppState>,
    Admin(_): Admin,
) -> Result<Json<Vec<Secondary>>, ServiceError> {
    Ok(Json(secondaries::list_secondaries(&state.pool).await?))
}

/// Add a secondary: it gets NOTIFY for every change and may transfer every zone (signed with
/// its key, or from its address when it has none).
#[utoipa::path(post, path = "/api/v1/secondaries", tag = "secondaries", request_body = CreateSecondary,
    responses((status = 201, body = Secondary),
              (status = 409, description = "Already configured", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "Invalid or special-purpose address, unknown key", body = Problem, content_type = "application/problem+json")))]
pub async fn create_secondary(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiJson(req): ApiJson<CreateSecondary>,
) -> Result<(StatusCode, Json<Secondary>), ServiceError> {
    let created = secondaries::create_secondary(
        &state.pool,
        &who.actor(),
        &req,
        state.ds.allow_local_targets,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Remove a secondary.
#[utoipa::path(delete, path = "/api/v1/secondaries/{id}", tag = "secondaries",
    params(("id" = i64, Path, description = "Secondary id")),
    responses((status = 204, description = "Removed"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_secondary(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ServiceError> {
    secondaries::delete_secondary(&state.pool, &who.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The zones a secondary cannot serve completely, and why: default reverse names are made up
/// per query and are not transferred.
#[utoipa::path(get, path = "/api/v1/secondaries/coverage", tag = "secondaries",
    responses((status = 200, body = Vec<PartialZone>),
              (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json")))]
pub async fn coverage(
    State(state): State<AppState>,
    Admin(_): Admin,
) -> Result<Json<Vec<PartialZone>>, ServiceError> {
    Ok(Json(secondaries::coverage(&state.pool).await?))
}

/// List the networks that may transfer zones without TSIG.
#[utoipa::path(get, path = "/api/v1/transfer-allow", tag = "secondaries",
    responses((status = 200, body = Vec<TransferNetwork>),
              (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json")))]
pub async fn list_networks(
    State(state): State<AppState>,
    Admin(_): Admin,
) -> Result<Json<Vec<TransferNetwork>>, ServiceError> {
    Ok(Json(secondaries::list_networks(&state.pool).await?))
}

/// Allow a network to transfer zones without TSIG.
#[utoipa::path(post, path = "/api/v1/transfer-allow", tag = "secondaries", request_body = CreateTransferNetwork,
    responses((status = 201, body = TransferNetwork),
              (status = 409, description = "Already allowed", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "Not a network", body = Problem, content_type = "application/problem+json")))]
pub async fn create_network(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiJson(req): ApiJson<CreateTransferNetwork>,
) -> Result<(StatusCode, Json<TransferNetwork>), ServiceError> {
    let created = secondaries::create_network(&state.pool, &who.actor(), &req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Stop allowing a network.
#[utoipa::path(delete, path = "/api/v1/transfer-allow/{id}", tag = "secondaries",
    params(("id" = i64, Path, description = "Entry id")),
    responses((status = 204, description = "Removed"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_network(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ServiceError> {
    secondaries::delete_network(&state.pool, &who.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether the zone's serial has reached every secondary: each one's serial, as asked after
/// the last change, and since when it is behind.
#[utoipa::path(get, path = "/api/v1/zones/{zone}/sync", tag = "zones",
    params(("zone" = String, Path, description = "Zone name")),
    responses((status = 200, body = ZoneSync),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn zone_sync(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(zone): ApiPath<String>,
) -> Result<Json<ZoneSync>, ServiceError> {
    Ok(Json(
        secondaries::zone_sync(&state.pool, &who, &zone).await?,
    ))
}
