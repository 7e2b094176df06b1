//! DNSSEC: `/api/v1/domains` (domains and their DS records, submitted registrar-style) and
//! `/api/v1/zones/{zone}/dnssec` (signing a hosted zone).
//!
//! Domains are account-wide ([`AccountWide`]): a token scoped to some zones gets 403. Another
//! account's domain is 404, as if it did not exist. Zone signing follows the zone's own rules:
//! a scoped token may sign the zones in its scope.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use frontend::api::ds::{
    CreateDomainRequest, Domain, DsList, SetZoneDnssecRequest, SubmitDsRequest, SubmitDsResponse,
    ZoneDnssec,
};
use frontend::api::types::Problem;

use super::extract::{ApiJson, ApiPath};
use crate::auth::{AccountWide, Principal};
use crate::error::ServiceError;
use crate::service::{dnssec, ds};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/domains", get(list_domains).post(create_domain))
        .route("/domains/{domain}", delete(delete_domain))
        .route("/domains/{domain}/ds", get(list_ds).post(submit_ds))
        .route("/domains/{domain}/ds/export", get(export_ds))
        .route("/domains/{domain}/ds/check", post(check_ds))
        .route("/domains/{domain}/ds/{id}", delete(delete_ds))
        .route(
            "/zones/{zone}/dnssec",
            get(zone_dnssec).put(set_zone_dnssec),
        )
}

/// The caller's domains (every domain for admins).
#[utoipa::path(get, path = "/api/v1/domains", tag = "dnssec",
    responses((status = 200, body = Vec<Domain>), (status = 403, description = "Scoped token", body = Problem, content_type = "application/problem+json")))]
pub async fn list_domains(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
) -> Result<Json<Vec<Domain>>, ServiceError> {
    Ok(Json(ds::list_domains(&state.pool, &who).await?))
}

/// Add a domain whose DS records you manage. Customers may add names inside their own zones
/// (delegated subdomains) or outside every zone hosted here (registrar hand-off); admins may
/// add any name for any account (`owner`).
#[utoipa::path(post, path = "/api/v1/domains", tag = "dnssec",
    request_body = CreateDomainRequest,
    responses(
        (status = 201, body = Domain),
        (status = 403, description = "The name lies in another account's zone, or `owner` without being admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The domain is already managed here", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a valid domain name, or unknown owner", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_domain(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    ApiJson(req): ApiJson<CreateDomainRequest>,
) -> Result<(StatusCode, Json<Domain>), ServiceError> {
    let domain = ds::create_domain(&state.pool, &who, &req).await?;
    Ok((StatusCode::CREATED, Json(domain)))
}

/// Remove a domain and all its DS records (a hosted parent stops serving them).
#[utoipa::path(delete, path = "/api/v1/domains/{domain}", tag = "dnssec",
    params(("domain" = String, Path, description = "Domain name")),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_domain(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    ApiPath(domain): ApiPath<String>,
) -> Result<StatusCode, ServiceError> {
    ds::delete_domain(&state.pool, &who, &domain).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The domain's DS records with their validation state; for a registry integration, this is
/// the hand-off list.
#[utoipa::path(get, path = "/api/v1/domains/{domain}/ds", tag = "dnssec",
    params(("domain" = String, Path, description = "Domain name")),
    responses((status = 200, body = DsList), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn list_ds(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    ApiPath(domain): ApiPath<String>,
) -> Result<Json<DsList>, ServiceError> {
    Ok(Json(ds::list_ds(&state.pool, &who, &domain).await?))
}

/// Submit a DS record: as its four fields, as a DS line (`ds`), or as a DNSKEY (`dnskey`) from
/// which the DS is computed. The format is checked, then the DS is compared with the DNSKEY
/// RRset the domain's name servers publish (UDP and TCP, DO set), whose self-signature must
/// verify. `mismatch` and `no-key` are refused (422) unless `pre_publish` confirms a key
/// rollover (stored as `pending`); `unreachable` is stored and checked again later.
#[utoipa::path(post, path = "/api/v1/domains/{domain}/ds", tag = "dnssec",
    params(("domain" = String, Path, description = "Domain name")),
    request_body = SubmitDsRequest,
    responses(
        (status = 201, description = "Stored (200 for a dry run)", body = SubmitDsResponse),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The same DS is already submitted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Format error, or the DS does not match the published keys (`mismatch: …`, `no-key: …`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "This account already runs its share of requests that check names", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit_ds(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    ApiPath(domain): ApiPath<String>,
    ApiJson(req): ApiJson<SubmitDsRequest>,
) -> Result<(StatusCode, Json<SubmitDsResponse>), ServiceError> {
    let _slot = state.checks.admit(who.account_id).await?;
    let saved = ds::submit(&state.pool, &state.ds, &who, &domain, &req).await?;
    let status = if saved.dry_run {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(saved)))
}

/// The published DS records (valid ones, and pending ones next to a valid one) as zone-file
/// lines, to hand to a registrar.
#[utoipa::path(get, path = "/api/v1/domains/{domain}/ds/export", tag = "dnssec",
    params(("domain" = String, Path, description = "Domain name")),
    responses((status = 200, description = "DS lines", content_type = "text/dns", body = String),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn export_ds(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    ApiPath(domain): ApiPath<String>,
) -> Result<impl axum::response::IntoResponse, ServiceError> {
    let text = ds::export(&state.pool, &who, &domain).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "text/dns; charset=utf-8")],
        text,
    ))
}

/// Re-run the live check of every DS of the domain now.
#[utoipa::path(post, path = "/api/v1/domains/{domain}/ds/check", tag = "dnssec",
    params(("domain" = String, Path, description = "Domain name")),
    responses((status = 200, body = DsList), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn check_ds(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    ApiPath(domain): ApiPath<String>,
) -> Result<Json<DsList>, ServiceError> {
    let _slot = state.checks.admit(who.account_id).await?;
    Ok(Json(
        ds::check(&state.pool, &state.ds, &who, &domain).await?,
    ))
}

/// Remove one DS record.
#[utoipa::path(delete, path = "/api/v1/domains/{domain}/ds/{id}", tag = "dnssec",
    params(("domain" = String, Path, description = "Domain name"), ("id" = i64, Path, description = "DS record id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_ds(
    State(state): State<AppState>,
    AccountWide(who): AccountWide,
    ApiPath((domain, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ServiceError> {
    ds::delete_ds(&state.pool, &who, &domain, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether Zonekeeper signs the zone, with its DNSKEY and the DS lines for the parent.
#[utoipa::path(get, path = "/api/v1/zones/{zone}/dnssec", tag = "dnssec",
    params(("zone" = String, Path, description = "Zone name")),
    responses((status = 200, body = ZoneDnssec), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn zone_dnssec(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(zone): ApiPath<String>,
) -> Result<Json<ZoneDnssec>, ServiceError> {
    let mut view = dnssec::get(&state.pool, &who, &zone).await?;
    view.signing_error = signing_error(&state, &view);
    Ok(Json(view))
}

/// What the embedded engine reports about signing the zone's latest version.
fn signing_error(state: &AppState, view: &ZoneDnssec) -> Option<String> {
    let origin = hickory_proto::rr::Name::from_ascii(&view.zone).ok()?;
    state.catalog.signing_failure(&origin)
}

/// Start signing the zone (a new ECDSA P-256 key, algorithm 13) or stop (the key is deleted:
/// remove the DS at the parent first, or validating resolvers fail the zone).
#[utoipa::path(put, path = "/api/v1/zones/{zone}/dnssec", tag = "dnssec",
    params(("zone" = String, Path, description = "Zone name")),
    request_body = SetZoneDnssecRequest,
    responses((status = 200, body = ZoneDnssec), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn set_zone_dnssec(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(zone): ApiPath<String>,
    ApiJson(req): ApiJson<SetZoneDnssecRequest>,
) -> Result<Json<ZoneDnssec>, ServiceError> {
    let mut view = dnssec::set(&state.pool, &who, &zone, req.signed).await?;
    view.signing_error = signing_error(&state, &view);
    Ok(Json(view))
}
