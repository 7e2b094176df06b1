//! The OpenAPI 3 description of the REST API, generated from the handlers' annotations
//! (`/api/v1/openapi.json`), and a plain HTML page that presents it for people (`/api-docs`).
//! The page is rendered here from the same document, with no script or CDN behind it.

use std::fmt::Write;

use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{PathItem, RefOr};
use utoipa::{Modify, OpenApi};

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Zonekeeper API",
        description = "REST API of Zonekeeper. Authenticate with `Authorization: Bearer <token>` (create tokens on the API tokens page) or with the console's session cookie. A token may be read-only, and may be scoped to some of the account's zones: a scoped token lists, reads and edits only those zones and their records (any other zone is 404, as if it did not exist) and is refused (403) on everything account-wide: creating zones, tokens, users, the account. Errors are RFC 9457 problem+json; validation failures list each field and the rule it broke."
    ),
    paths(
        super::auth::login,
        super::auth::logout,
        super::me::me,
        super::me::change_password,
        super::tokens::list,
        super::tokens::create,
        super::tokens::revoke,
        super::users::list,
        super::users::show,
        super::users::create,
        super::users::update,
        super::zones::list,
        super::zones::create,
        super::zones::show,
        super::zones::remove,
        super::zones::update,
        super::zones::show_settings,
        super::zones::put_settings,
        super::rrsets::list,
        super::rrsets::show,
        super::rrsets::put,
        super::rrsets::remove,
        super::rrsets::patch,
        super::rrsets::export,
        super::rrsets::import,
        super::rdns::list_reverse_zones,
        super::rdns::create_reverse_zone,
        super::rdns::show_reverse_zone,
        super::rdns::update_reverse_zone,
        super::rdns::delete_reverse_zone,
        super::rdns::list_ranges,
        super::rdns::assign_range,
        super::rdns::unassign_range,
        super::rdns::list_rdns,
        super::rdns::patch_rdns,
        super::rdns::show_rdns,
        super::rdns::put_rdns,
        super::rdns::delete_rdns,
        super::rdns::zone_reverse,
        super::domains::list_domains,
        super::domains::create_domain,
        super::domains::delete_domain,
        super::domains::list_ds,
        super::domains::submit_ds,
        super::domains::export_ds,
        super::domains::check_ds,
        super::domains::delete_ds,
        super::domains::zone_dnssec,
        super::domains::set_zone_dnssec,
        super::secondaries::list_keys,
        super::secondaries::create_key,
        super::secondaries::delete_key,
        super::secondaries::list_secondaries,
        super::secondaries::create_secondary,
        super::secondaries::delete_secondary,
        super::secondaries::coverage,
        super::secondaries::list_networks,
        super::secondaries::create_network,
        super::secondaries::delete_network,
        super::secondaries::zone_sync,
        super::secondaries::list_nodes,
        super::secondaries::delete_node,
        super::health::healthz,
    ),
    components(schemas(
        frontend::api::types::Role,
        frontend::api::types::User,
        frontend::api::types::LoginRequest,
        frontend::api::types::ChangePasswordRequest,
        frontend::api::types::ApiToken,
        frontend::api::types::CreateTokenRequest,
        frontend::api::types::CreatedToken,
        frontend::api::types::CreateUserRequest,
        frontend::api::types::CreatedUser,
        frontend::api::types::UpdateUserRequest,
        frontend::api::types::FieldError,
        frontend::api::types::Problem,
        frontend::api::types::Health,
        frontend::api::types::Zone,
        frontend::api::types::CreateZoneRequest,
        frontend::api::types::UpdateZoneRequest,
        frontend::api::types::SoaSettings,
        frontend::api::types::Settings,
        frontend::api::types::FcrdnsPolicy,
        frontend::api::types::RrSet,
        frontend::api::types::PutRrSet,
        frontend::api::types::RrSetChange,
        frontend::api::types::ChangeType,
        frontend::api::types::RrSetPatch,
        frontend::api::types::ZoneWarning,
        frontend::api::types::RrSetChangeResult,
        frontend::api::types::RrSetDiff,
        frontend::api::types::ImportResult,
        frontend::api::rdns::ReverseZone,
        frontend::api::rdns::CreateReverseZoneRequest,
        frontend::api::rdns::UpdateReverseZoneRequest,
        frontend::api::rdns::Range,
        frontend::api::rdns::AssignRangeRequest,
        frontend::api::rdns::Fcrdns,
        frontend::api::rdns::Rdns,
        frontend::api::rdns::RdnsPage,
        frontend::api::rdns::PutRdns,
        frontend::api::rdns::RdnsSaved,
        frontend::api::rdns::RdnsEntry,
        frontend::api::rdns::RdnsBatch,
        frontend::api::rdns::RdnsEntryResult,
        frontend::api::rdns::EntryStatus,
        frontend::api::rdns::RdnsBatchResult,
        frontend::api::rdns::ReverseStatus,
        frontend::api::ds::Domain,
        frontend::api::ds::CreateDomainRequest,
        frontend::api::ds::DsRecord,
        frontend::api::ds::DsState,
        frontend::api::ds::DsList,
        frontend::api::ds::SubmitDsRequest,
        frontend::api::ds::SubmitDsResponse,
        frontend::api::ds::ZoneDnssec,
        frontend::api::ds::SetZoneDnssecRequest,
        frontend::api::primary::TsigKey,
        frontend::api::primary::CreateTsigKey,
        frontend::api::primary::CreatedTsigKey,
        frontend::api::primary::Secondary,
        frontend::api::primary::CreateSecondary,
        frontend::api::primary::TransferNetwork,
        frontend::api::primary::CreateTransferNetwork,
        frontend::api::primary::ZoneSync,
        frontend::api::primary::SecondarySync,
        frontend::api::primary::EngineNode,
        frontend::api::primary::EngineNodeState,
        frontend::api::primary::PartialZone,
    )),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "auth", description = "Browser sessions"),
        (name = "account", description = "The caller's own account"),
        (name = "tokens", description = "API tokens, optionally read-only and scoped to some zones"),
        (name = "users", description = "Account administration (admin only)"),
        (name = "zones", description = "Forward zones"),
        (name = "records", description = "The RRsets of a zone"),
        (name = "settings", description = "Operator defaults for new zones (admin only)"),
        (name = "dnssec", description = "Domains and their DS records, checked against the child's live DNSKEY; signing of hosted zones"),
        (name = "secondaries", description = "The hidden primary: TSIG keys, secondaries that follow every zone by NOTIFY and IXFR/AXFR, networks allowed to transfer (admin only)"),
        (name = "health", description = "Liveness"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("id"))),
        );
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
}

/// HTML-escapes text for the docs page (the console's own escaping).
use frontend::app::escape_html as esc;

fn operations(item: &PathItem) -> Vec<(&'static str, &utoipa::openapi::path::Operation)> {
    [
        ("GET", item.get.as_ref()),
        ("POST", item.post.as_ref()),
        ("PUT", item.put.as_ref()),
        ("PATCH", item.patch.as_ref()),
        ("DELETE", item.delete.as_ref()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}

fn schema_name(r: &RefOr<utoipa::openapi::schema::Schema>) -> String {
    match r {
        RefOr::Ref(r) => r.ref_location.rsplit('/').next().unwrap_or("").to_owned(),
        RefOr::T(utoipa::openapi::schema::Schema::Array(a)) => match &a.items {
            utoipa::openapi::schema::ArrayItems::RefOrSchema(inner) => {
                format!("array of {}", schema_name(inner))
            }
            utoipa::openapi::schema::ArrayItems::False => "array".into(),
        },
        RefOr::T(_) => "object".into(),
    }
}

/// `GET /api-docs`: the API for people.
pub async fn docs_page() -> Html<String> {
    let doc = ApiDoc::openapi();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Zonekeeper API</title><link rel=\"stylesheet\" href=\"/pkg/zonekeeper.css\"></head><body class=\"api-docs\"><main class=\"content\"><h1>{}</h1><p>{}</p><p>Machine-readable: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> (OpenAPI {}). Back to the <a href=\"/\">console</a>.</p>",
        esc(&doc.info.title),
        esc(doc.info.description.as_deref().unwrap_or("")),
        esc(&serde_json::to_value(&doc.openapi).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()),
    );
    for (path, item) in &doc.paths.paths {
        for (method, op) in operations(item) {
            let _ = write!(
                h,
                "<section class=\"card endpoint\"><h2><code class=\"method\">{method}</code> <code>{}</code></h2>",
                esc(path)
            );
            if let Some(s) = &op.summary {
                let _ = write!(h, "<p>{}</p>", esc(s));
            }
            if let Some(d) = &op.description {
                let _ = write!(h, "<p>{}</p>", esc(d));
            }
            if let Some(body) = &op.request_body {
                let names: Vec<String> = body
                    .content
                    .iter()
                    .map(|(ct, c)| {
                        format!(
                            "{} ({})",
                            c.schema.as_ref().map(schema_name).unwrap_or_default(),
                            ct
                        )
                    })
                    .collect();
                let _ = write!(
                    h,
                    "<p><strong>Body:</strong> {}</p>",
                    esc(&names.join(", "))
                );
            }
            h.push_str("<table><thead><tr><th>Status</th><th>Meaning</th><th>Body</th></tr></thead><tbody>");
            for (status, resp) in &op.responses.responses {
                let (desc, body) = match resp {
                    RefOr::T(r) => (
                        r.description.clone(),
                        r.content
                            .values()
                            .next()
                            .and_then(|c| c.schema.as_ref().map(schema_name))
                            .unwrap_or_default(),
                    ),
                    RefOr::Ref(r) => (r.ref_location.clone(), String::new()),
                };
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(status),
                    esc(&desc),
                    esc(&body)
                );
            }
            h.push_str("</tbody></table></section>");
        }
    }
    if let Some(components) = &doc.components {
        h.push_str("<h2>Schemas</h2>");
        for (name, schema) in &components.schemas {
            let json = serde_json::to_string_pretty(schema).unwrap_or_default();
            let _ = write!(
                h,
                "<section class=\"card\" id=\"{0}\"><h3>{0}</h3><pre>{1}</pre></section>",
                esc(name),
                esc(&json)
            );
        }
    }
    h.push_str("</main></body></html>");
    Html(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_lists_the_api() {
        let doc = ApiDoc::openapi();
        for p in [
            "/api/v1/auth/login",
            "/api/v1/tokens",
            "/api/v1/tokens/{id}",
            "/api/v1/users/{id}",
            "/healthz",
        ] {
            assert!(doc.paths.paths.contains_key(p), "{p} missing");
        }
        let json = serde_json::to_value(&doc).unwrap();
        assert!(json["openapi"].as_str().unwrap().starts_with("3."));
        assert!(json["components"]["schemas"]["Problem"].is_object());
    }

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
