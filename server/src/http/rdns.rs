//! Reverse DNS: `/api/v1/reverse-zones` (admin), `/api/v1/ranges` and `/api/v1/rdns`.
//!
//! Every endpoint is account-wide ([`AccountWide`]): a token scoped to some forward zones has no
//! business with the account's IP space. Customers reach only addresses in their own ranges;
//! anything else is 404, as if it did not exist.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use frontend::api::rdns::{
    AssignRangeRequest, CreateReverseZoneRequest, PutRdns, Range, Rdns, RdnsBatch, RdnsBatchParams,
    RdnsBatchResult, RdnsPage, RdnsQuery, RdnsSaved, ReverseStatus, ReverseZone,
    UnassignRangeParams, UpdateReverseZoneRequest,
};
use frontend::api::types::Problem;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::auth::{AccountWide, Admin, Principal};
use crate::error::ServiceError;
use crate::service::rdns;
use crate::state::AppState;

/// Largest body of `PATCH /api/v1/rdns`: 65,536 entries of a long IPv6 address and host name.
pub const BATCH_BODY_LIMIT: usize = 16 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/reverse-zones",
            get(list_reverse_zones).post(create_reverse_zone),
        )
        .route(
            "/reverse-zones/{zone}",
            get(show_reverse_zone)
                .patch(update_reverse_zone)
                .delete(delete_reverse_zone),
        )
        .route(
            "/ranges",
            get(list_ranges).post(assign_range).delete(unassign_range),
        )
        .route(
            "/rdns",
            get(list_rdns)
                .patch(patch_rdns)
                .layer(DefaultBodyLimit::max(BATCH_BODY_LIMIT)),
        )
        .route(
            "/rdns/{ip}",
            get(show_rdns).put(put_rdns).delete(delete_rdns),
        )
        .route("/zones/{zone}/reverse", get(zone_reverse))
}

/// The reverse DNS of the zone's A/AAAA records whose addresses are hosted here, and whether
/// each points back at its record (the zone editor's FCrDNS column).
#[utoipa::path(get, path = "/api/v1/zones/{zone}/reverse", tag = "records",
    params(("zone" = String, Path, description = "Zone name")),
    responses((status = 200, body = Vec<ReverseStatus>), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn zone_reverse(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(zone): ApiPath<String>,
) -> Result<Json<Vec<ReverseStatus>>, ServiceError> {
    Ok(Json(rdns::reverse_status(&state.pool, &who, &zone).await?))
}

/// Every reverse zone (admin).
#[utoipa::path(get, path = "/api/v1/reverse-zones", tag = "reverse dns",
    responses((status = 200, body = Vec<ReverseZone>), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list_reverse_zones(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<Vec<ReverseZone>>, ServiceError> {
    Ok(Json(rdns::list_reverse_zones(&state.pool).await?))
}

/// Register the provider's IP space as a reverse zone (admin). It gets SOA and NS from the
/// settings like any zone; its addresses answer with the template's default names once ranges
/// are assigned.
#[utoipa::path(post, path = "/api/v1/reverse-zones", tag = "reverse dns",
    request_body = CreateReverseZoneRequest,
    responses(
        (status = 201, body = ReverseZone),
        (status = 409, description = "The zone exists, or its network overlaps another reverse zone", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad network or template", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_reverse_zone(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiJson(req): ApiJson<CreateReverseZoneRequest>,
) -> Result<(StatusCode, Json<ReverseZone>), ServiceError> {
    let zone = rdns::create_reverse_zone(&state.pool, &who, &req).await?;
    Ok((StatusCode::CREATED, Json(zone)))
}

/// One reverse zone (admin).
#[utoipa::path(get, path = "/api/v1/reverse-zones/{zone}", tag = "reverse dns",
    params(("zone" = String, Path, description = "Zone name, e.g. 0.203.in-addr.arpa")),
    responses((status = 200, body = ReverseZone), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show_reverse_zone(
    State(state): State<AppState>,
    _: Admin,
    ApiPath(zone): ApiPath<String>,
) -> Result<Json<ReverseZone>, ServiceError> {
    Ok(Json(rdns::get_reverse_zone(&state.pool, &zone).await?))
}

/// Change a reverse zone's default-name template (admin).
#[utoipa::path(patch, path = "/api/v1/reverse-zones/{zone}", tag = "reverse dns",
    params(("zone" = String, Path, description = "Zone name")),
    request_body = UpdateReverseZoneRequest,
    responses((status = 200, body = ReverseZone),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update_reverse_zone(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiPath(zone): ApiPath<String>,
    ApiJson(req): ApiJson<UpdateReverseZoneRequest>,
) -> Result<Json<ReverseZone>, ServiceError> {
    Ok(Json(
        rdns::update_reverse_zone(&state.pool, &who, &zone, &req).await?,
    ))
}

/// Delete a reverse zone without assigned ranges (admin).
#[utoipa::path(delete, path = "/api/v1/reverse-zones/{zone}", tag = "reverse dns",
    params(("zone" = String, Path, description = "Zone name")),
    responses((status = 204, description = "Deleted"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Ranges are assigned in it", body = Problem, content_type = "application/problem+json")))]
pub async fn delete_reverse_zone(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiPath(zone): ApiPath<String>,
) -> Result<StatusCode, ServiceError> {
    rdns::delete_reverse_zone(&state.pool, &who, &zone).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// My ranges (admins: every range).
#[utoipa::path(get, path = "/api/v1/ranges", tag = "reverse dns",
    responses((status = 200, body = Vec<Range>)))]
pub async fn list_ranges(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
) -> Result<Json<Vec<Range>>, ServiceError> {
    Ok(Json(rdns::list_ranges(&state.pool, &who).await?))
}

/// Assign a range to a customer (admin). Ranges never overlap.
#[utoipa::path(post, path = "/api/v1/ranges", tag = "reverse dns",
    request_body = AssignRangeRequest,
    responses((status = 201, body = Range),
              (status = 409, description = "Overlaps an assigned range", body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn assign_range(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiJson(req): ApiJson<AssignRangeRequest>,
) -> Result<(StatusCode, Json<Range>), ServiceError> {
    let range = rdns::assign_range(&state.pool, &who, &req).await?;
    Ok((StatusCode::CREATED, Json(range)))
}

/// Take a range back (admin); its PTRs are deleted with it.
#[utoipa::path(delete, path = "/api/v1/ranges", tag = "reverse dns",
    params(UnassignRangeParams),
    responses((status = 204, description = "Unassigned"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn unassign_range(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiQuery(params): ApiQuery<UnassignRangeParams>,
) -> Result<StatusCode, ServiceError> {
    rdns::unassign_range(&state.pool, &who, &params.network).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The reverse DNS of one of my ranges, a page at a time. IPv4 ranges list every address (with
/// its default name when it has no PTR); IPv6 ranges list the addresses that have a PTR.
#[utoipa::path(get, path = "/api/v1/rdns", tag = "reverse dns",
    params(RdnsQuery),
    responses((status = 200, body = RdnsPage), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn list_rdns(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    ApiQuery(query): ApiQuery<RdnsQuery>,
) -> Result<Json<RdnsPage>, ServiceError> {
    Ok(Json(rdns::list_rdns(&state.pool, &who, &query).await?))
}

/// Set or revert many PTRs at once (up to 65,536): validated together, FCrDNS included; all or
/// nothing unless `atomic=false`; `dry_run=true` reports without storing.
#[utoipa::path(patch, path = "/api/v1/rdns", tag = "reverse dns",
    params(RdnsBatchParams),
    request_body = RdnsBatch,
    responses((status = 200, body = RdnsBatchResult),
              (status = 422, description = "Entries refused (each named by its index); nothing stored", body = Problem, content_type = "application/problem+json"),
              (status = 429, description = "This account already runs its share of requests that check names", body = Problem, content_type = "application/problem+json")))]
pub async fn patch_rdns(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    ApiQuery(params): ApiQuery<RdnsBatchParams>,
    ApiJson(batch): ApiJson<RdnsBatch>,
) -> Result<Json<RdnsBatchResult>, ServiceError> {
    let _slot = state.checks.admit(who.account_id).await?;
    Ok(Json(
        rdns::patch_rdns(&state.pool, &state.resolver, &who, &batch, &params).await?,
    ))
}

/// The reverse DNS of one of my addresses.
#[utoipa::path(get, path = "/api/v1/rdns/{ip}", tag = "reverse dns",
    params(("ip" = String, Path, description = "IPv4 or IPv6 address")),
    responses((status = 200, body = Rdns), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show_rdns(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    ApiPath(ip): ApiPath<String>,
) -> Result<Json<Rdns>, ServiceError> {
    Ok(Json(rdns::get_rdns(&state.pool, &who, &ip).await?))
}

/// Set the PTR of one of my addresses. Checked for FCrDNS: under the `strict` policy a host
/// name that resolves elsewhere is refused.
#[utoipa::path(put, path = "/api/v1/rdns/{ip}", tag = "reverse dns",
    params(("ip" = String, Path, description = "IPv4 or IPv6 address")),
    request_body = PutRdns,
    responses((status = 200, body = RdnsSaved),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn put_rdns(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    ApiPath(ip): ApiPath<String>,
    ApiJson(req): ApiJson<PutRdns>,
) -> Result<Json<RdnsSaved>, ServiceError> {
    let _slot = state.checks.admit(who.account_id).await?;
    Ok(Json(
        rdns::put_rdns(&state.pool, &state.resolver, &who, &ip, &req).await?,
    ))
}

/// Revert one of my addresses to its default name.
#[utoipa::path(delete, path = "/api/v1/rdns/{ip}", tag = "reverse dns",
    params(("ip" = String, Path, description = "IPv4 or IPv6 address")),
    responses((status = 204, description = "Reverted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_rdns(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    ApiPath(ip): ApiPath<String>,
) -> Result<StatusCode, ServiceError> {
    rdns::delete_rdns(&state.pool, &state.resolver, &who, &ip).await?;
    Ok(StatusCode::NO_CONTENT)
}
