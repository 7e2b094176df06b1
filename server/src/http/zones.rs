//! `/api/v1/zones`: the caller's forward zones (admins: all zones).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use frontend::api::types::{CreateZoneRequest, Problem, Settings, UpdateZoneRequest, Zone};
use serde::Deserialize;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::auth::{AccountWide, Admin, Principal};
use crate::error::ServiceError;
use crate::service::{settings, zones};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/zones", get(list).post(create))
        .route("/zones/{zone}", get(show).delete(remove).patch(update))
        .route("/settings", get(show_settings).put(put_settings))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only zones whose name contains this text (Unicode or A-label spelling).
    pub search: Option<String>,
}

/// List zones, with record counts, serials and the time of the last change. A token scoped
/// to some zones lists those only.
#[utoipa::path(get, path = "/api/v1/zones", tag = "zones", params(ListParams),
    responses((status = 200, body = Vec<Zone>)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Vec<Zone>>, ServiceError> {
    Ok(Json(
        zones::list(&state.pool, &who, params.search.as_deref()).await?,
    ))
}

/// Create a zone. It gets its SOA and apex NS records from the operator's settings. A token
/// scoped to some zones manages the records of those only, and cannot create zones (403).
#[utoipa::path(post, path = "/api/v1/zones", tag = "zones",
    request_body = CreateZoneRequest,
    responses(
        (status = 201, body = Zone),
        (status = 403, description = "A read-only token, or one scoped to some zones", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The zone exists, or overlaps another account's zone", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name, or a public suffix", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    ApiJson(req): ApiJson<CreateZoneRequest>,
) -> Result<(StatusCode, Json<Zone>), ServiceError> {
    let zone = zones::create(&state.pool, &who, &req.name).await?;
    Ok((StatusCode::CREATED, Json(zone)))
}

/// One zone.
#[utoipa::path(get, path = "/api/v1/zones/{zone}", tag = "zones",
    params(("zone" = String, Path, description = "Zone name, e.g. example.com (trailing dot optional)")),
    responses((status = 200, body = Zone), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(zone): ApiPath<String>,
) -> Result<Json<Zone>, ServiceError> {
    Ok(Json(zones::get(&state.pool, &who, &zone).await?))
}

/// Delete a zone and all its records. The DNS engine stops answering for it at once.
#[utoipa::path(delete, path = "/api/v1/zones/{zone}", tag = "zones",
    params(("zone" = String, Path, description = "Zone name")),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn remove(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(zone): ApiPath<String>,
) -> Result<StatusCode, ServiceError> {
    zones::delete(&state.pool, &who, &zone).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change the zone's SOA values (MNAME, RNAME, timers, SOA TTL). The serial is bumped.
#[utoipa::path(patch, path = "/api/v1/zones/{zone}", tag = "zones",
    params(("zone" = String, Path, description = "Zone name")),
    request_body = UpdateZoneRequest,
    responses((status = 200, body = Zone),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(zone): ApiPath<String>,
    ApiJson(req): ApiJson<UpdateZoneRequest>,
) -> Result<Json<Zone>, ServiceError> {
    Ok(Json(
        settings::update_zone(&state.pool, &who, &zone, &req).await?,
    ))
}

/// The operator's defaults for new zones (admin).
#[utoipa::path(get, path = "/api/v1/settings", tag = "settings",
    responses((status = 200, body = Settings), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn show_settings(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<Settings>, ServiceError> {
    Ok(Json(settings::get(&state.pool).await?))
}

/// Replace the operator's defaults for new zones (admin). Existing zones keep their values.
#[utoipa::path(put, path = "/api/v1/settings", tag = "settings",
    request_body = Settings,
    responses((status = 200, body = Settings),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn put_settings(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiJson(req): ApiJson<Settings>,
) -> Result<Json<Settings>, ServiceError> {
    Ok(Json(settings::put(&state.pool, &who, &req).await?))
}
