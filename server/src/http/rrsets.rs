//! `/api/v1/zones/{zone}/rrsets`: a zone's records, an RRset at a time. Names in paths are
//! relative to the zone, `@` for the apex.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use frontend::api::types::{
    ChangeType, ImportResult, Problem, PutRrSet, RrSet, RrSetChange, RrSetChangeResult, RrSetPatch,
};
use serde::Deserialize;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::auth::Principal;
use crate::error::ServiceError;
use crate::service::rrsets;
use crate::service::zones::zone_in_path;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/zones/{zone}/rrsets", get(list).patch(patch))
        .route(
            "/zones/{zone}/rrsets/{name}/{type}",
            get(show).put(put).delete(remove),
        )
        .route("/zones/{zone}/export", get(export))
        .route(
            "/zones/{zone}/import",
            axum::routing::post(import).layer(axum::extract::DefaultBodyLimit::max(
                rrsets::IMPORT_MAX_BYTES,
            )),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only this owner name (relative to the zone, `@` for the apex).
    pub name: Option<String>,
    /// Only this type.
    #[serde(rename = "type")]
    pub type_: Option<String>,
}

/// The zone's RRsets, the SOA included (read-only here).
#[utoipa::path(get, path = "/api/v1/zones/{zone}/rrsets", tag = "records",
    params(("zone" = String, Path, description = "Zone name"), ListParams),
    responses((status = 200, body = Vec<RrSet>), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(zone): ApiPath<String>,
    ApiQuery(q): ApiQuery<ListParams>,
) -> Result<Json<Vec<RrSet>>, ServiceError> {
    let zone = zone_in_path(&zone)?;
    Ok(Json(
        rrsets::list(
            &state.pool,
            &who,
            &zone,
            q.name.as_deref(),
            q.type_.as_deref(),
        )
        .await?,
    ))
}

/// One RRset.
#[utoipa::path(get, path = "/api/v1/zones/{zone}/rrsets/{name}/{type}", tag = "records",
    params(("zone" = String, Path), ("name" = String, Path, description = "Relative owner, `@` for the apex"), ("type" = String, Path)),
    responses((status = 200, body = RrSet), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<AppState>,
    who: Principal,
    ApiPath((zone, name, rtype)): ApiPath<(String, String, String)>,
) -> Result<Json<RrSet>, ServiceError> {
    let zone = zone_in_path(&zone)?;
    rrsets::list(&state.pool, &who, &zone, Some(&name), Some(&rtype))
        .await?
        .into_iter()
        .next()
        .map(Json)
        .ok_or(ServiceError::NotFound)
}

/// Create or replace one RRset. Warnings (e.g. occluded data, NS without glue) do not block.
#[utoipa::path(put, path = "/api/v1/zones/{zone}/rrsets/{name}/{type}", tag = "records",
    params(("zone" = String, Path), ("name" = String, Path), ("type" = String, Path)),
    request_body = PutRrSet,
    responses(
        (status = 200, body = RrSetChangeResult),
        (status = 422, description = "A record or zone rule is broken; nothing was stored", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put(
    State(state): State<AppState>,
    who: Principal,
    ApiPath((zone, name, rtype)): ApiPath<(String, String, String)>,
    ApiJson(body): ApiJson<PutRrSet>,
) -> Result<Json<RrSetChangeResult>, ServiceError> {
    let change = RrSetChange {
        name,
        type_: rtype,
        changetype: ChangeType::Replace,
        ttl: body.ttl,
        records: body.records,
        comment: body.comment,
    };
    let zone = zone_in_path(&zone)?;
    let result = rrsets::apply(&state.pool, &who, &zone, &[change], false).await?;
    state.followups.forward_changed(&zone);
    Ok(Json(result))
}

/// Delete one RRset.
#[utoipa::path(delete, path = "/api/v1/zones/{zone}/rrsets/{name}/{type}", tag = "records",
    params(("zone" = String, Path), ("name" = String, Path), ("type" = String, Path)),
    responses((status = 200, body = RrSetChangeResult), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn remove(
    State(state): State<AppState>,
    who: Principal,
    ApiPath((zone, name, rtype)): ApiPath<(String, String, String)>,
) -> Result<Json<RrSetChangeResult>, ServiceError> {
    let change = RrSetChange {
        name,
        type_: rtype,
        changetype: ChangeType::Delete,
        ttl: None,
        records: vec![],
        comment: None,
    };
    let zone = zone_in_path(&zone)?;
    let result = rrsets::apply(&state.pool, &who, &zone, &[change], false).await?;
    state.followups.forward_changed(&zone);
    Ok(Json(result))
}

/// Apply several RRset changes atomically: all of them, or (with per-item errors) none.
#[utoipa::path(patch, path = "/api/v1/zones/{zone}/rrsets", tag = "records",
    params(("zone" = String, Path)),
    request_body = RrSetPatch,
    responses(
        (status = 200, body = RrSetChangeResult),
        (status = 422, description = "Errors named `changes[i].field`; nothing was stored", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn patch(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(zone): ApiPath<String>,
    ApiJson(body): ApiJson<RrSetPatch>,
) -> Result<Json<RrSetChangeResult>, ServiceError> {
    let zone = zone_in_path(&zone)?;
    let result = rrsets::apply(&state.pool, &who, &zone, &body.changes, true).await?;
    state.followups.forward_changed(&zone);
    Ok(Json(result))
}

/// The zone as a BIND zone file (`text/dns`, RFC 4027), SOA first; `named-checkzone` reads it.
#[utoipa::path(get, path = "/api/v1/zones/{zone}/export", tag = "records",
    params(("zone" = String, Path)),
    responses((status = 200, description = "The zone file", content_type = "text/dns", body = String),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn export(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(zone): ApiPath<String>,
) -> Result<impl axum::response::IntoResponse, ServiceError> {
    let zone = zone_in_path(&zone)?;
    let text = rrsets::export(&state.pool, &who, &zone).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "text/dns; charset=utf-8")],
        text,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// Only compute and return what would change; store nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Replace the zone's records with a BIND zone file (body: `text/dns` or `text/plain`).
/// RRsets not in the file are deleted; the file's SOA is ignored (the SOA is managed here).
#[utoipa::path(post, path = "/api/v1/zones/{zone}/import", tag = "records",
    params(("zone" = String, Path), ImportParams),
    request_body(content = String, content_type = "text/dns", description = "A zone file (RFC 1035 §5); no $INCLUDE"),
    responses(
        (status = 200, body = ImportResult),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unreadable file or broken rules (field `zone_file`); nothing was stored", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn import(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(zone): ApiPath<String>,
    ApiQuery(params): ApiQuery<ImportParams>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<ImportResult>, ServiceError> {
    let media = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if !matches!(media.as_deref(), Some("text/dns" | "text/plain")) {
        return Err(ServiceError::UnsupportedMediaType(
            "send the zone file as `Content-Type: text/dns` (or text/plain)".into(),
        ));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ServiceError::field("zone_file", "must be UTF-8 text"))?;
    let zone = zone_in_path(&zone)?;
    let result = rrsets::import(&state.pool, &who, &zone, text, params.dry_run).await?;
    if !params.dry_run {
        state.followups.forward_changed(&zone);
    }
    Ok(Json(result))
}
