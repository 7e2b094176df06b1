//! The one typed client of the REST API (`/api/v1`) that every page uses.
//!
//! The console can do nothing the public API cannot: each button ends in one of these calls.
//! Every function grabs what it needs from the reactive context *synchronously* (during SSR the
//! in-process transport and the visitor's cookie, see [`transport`]) and returns a `Send + 'static`
//! future, so it can feed `Resource::new` and `Action::new` in both the server and the browser.

// A failed call carries the whole problem document (title, code, detail, field errors) so
// that forms can place each error; it is made once per request, never in a loop, so its
// size does not matter more than boxing it everywhere would cost in clarity.
#![allow(clippy::result_large_err)]

pub mod ds;
pub mod primary;
pub mod rdns;
pub mod transport;
pub mod types;

use std::fmt;
use std::future::Future;

use http::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use transport::SsrTransport;
use transport::{ApiRequest, ApiResponse, Transport};
pub use types::*;

/// Why an API call failed: the HTTP status and the server's RFC 9457 problem document.
///
/// Transport failures (network down, unreadable answer) use status 0 so that pages can tell
/// them apart from answers the server gave on purpose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub status: u16,
    pub problem: Problem,
}

impl ApiError {
    /// A failure below HTTP: nothing (usable) came back from the server.
    pub fn transport(detail: impl Into<String>) -> Self {
        Self::from_status(0, "Could not reach the server", Some(detail.into()))
    }

    fn from_status(status: u16, title: &str, detail: Option<String>) -> Self {
        Self {
            status,
            problem: Problem {
                type_: "about:blank".into(),
                code: if status == 0 { "transport" } else { "http" }.into(),
                title: title.into(),
                status,
                detail,
                errors: Vec::new(),
            },
        }
    }

    /// Builds the error from a non-2xx answer. Servers in front of us (proxies) may answer
    /// with HTML, so a body that is not a problem document still yields a readable error.
    fn from_response(resp: &ApiResponse) -> Self {
        match serde_json::from_str::<Problem>(&resp.body) {
            Ok(problem) => Self {
                status: resp.status,
                problem,
            },
            Err(_) => {
                let title = http::StatusCode::from_u16(resp.status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Request failed");
                Self::from_status(resp.status, title, None)
            }
        }
    }

    pub fn is_unauthorized(&self) -> bool {
        self.status == 401
    }

    pub fn is_forbidden(&self) -> bool {
        self.status == 403
    }

    /// The messages the server gave for one field, joined; `None` if the field is fine.
    pub fn field(&self, name: &str) -> Option<String> {
        let messages: Vec<&str> = self
            .problem
            .errors
            .iter()
            .filter(|e| e.field == name)
            .map(|e| e.message.as_str())
            .collect();
        (!messages.is_empty()).then(|| messages.join(" "))
    }

    /// One sentence for the top of a form: the detail if the server gave one, else the title.
    pub fn message(&self) -> String {
        self.problem
            .detail
            .clone()
            .unwrap_or_else(|| self.problem.title.clone())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message(), self.status)
    }
}

impl std::error::Error for ApiError {}

/// The result of every call.
pub type ApiResult<T> = Result<T, ApiError>;

// ---------------------------------------------------------------------------------------------
// Request plumbing

fn request(
    method: Method,
    path: &str,
    body: Option<String>,
) -> impl Future<Output = ApiResult<ApiResponse>> + Send + 'static {
    request_as(method, path, body, "application/json")
}

/// [`request`] with a body of another media type than JSON.
fn request_as(
    method: Method,
    path: &str,
    body: Option<String>,
    content_type: &'static str,
) -> impl Future<Output = ApiResult<ApiResponse>> + Send + 'static {
    // `Transport::current` reads the reactive context, so it must run now, not inside the future.
    let transport = Transport::current();
    let req = ApiRequest {
        method,
        path: path.to_owned(),
        body,
        content_type,
    };
    async move {
        let resp = transport.send(req).await?;
        if (200..300).contains(&resp.status) {
            Ok(resp)
        } else {
            Err(ApiError::from_response(&resp))
        }
    }
}

fn json_body<B: Serialize>(body: &B) -> Option<String> {
    // Serializing our own plain structs cannot fail; an empty object is a safe fallback that
    // the server rejects with a readable 422 rather than a panic in the browser.
    Some(serde_json::to_string(body).unwrap_or_else(|_| "{}".into()))
}

fn decode<T: DeserializeOwned>(resp: ApiResponse) -> ApiResult<T> {
    serde_json::from_str(&resp.body)
        .map_err(|e| ApiError::transport(format!("unexpected answer from the server: {e}")))
}

fn get_json<T: DeserializeOwned>(
    path: &str,
) -> impl Future<Output = ApiResult<T>> + Send + 'static {
    let fut = request(Method::GET, path, None);
    async move { decode(fut.await?) }
}

fn send_json<B: Serialize, T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: &B,
) -> impl Future<Output = ApiResult<T>> + Send + 'static {
    let fut = request(method, path, json_body(body));
    async move { decode(fut.await?) }
}

/// For endpoints whose success carries nothing we need (204, or a body we ignore).
fn send_no_content(
    method: Method,
    path: &str,
    body: Option<String>,
) -> impl Future<Output = ApiResult<()>> + Send + 'static {
    let fut = request(method, path, body);
    async move { fut.await.map(|_| ()) }
}

// ---------------------------------------------------------------------------------------------
// Session and account

/// `GET /api/v1/me`: who is logged in (401 when nobody is).
pub fn me() -> impl Future<Output = ApiResult<User>> + Send + 'static {
    get_json("/api/v1/me")
}

/// `POST /api/v1/auth/login` with JSON. Success sets the session cookie; its body is not needed.
pub fn login(req: &LoginRequest) -> impl Future<Output = ApiResult<()>> + Send + 'static {
    send_no_content(Method::POST, "/api/v1/auth/login", json_body(req))
}

/// `POST /api/v1/auth/logout`: ends the session.
pub fn logout() -> impl Future<Output = ApiResult<()>> + Send + 'static {
    send_no_content(Method::POST, "/api/v1/auth/logout", None)
}

/// `POST /api/v1/me/password`
pub fn change_password(
    req: &ChangePasswordRequest,
) -> impl Future<Output = ApiResult<()>> + Send + 'static {
    send_no_content(Method::POST, "/api/v1/me/password", json_body(req))
}

// ---------------------------------------------------------------------------------------------
// API tokens

/// `GET /api/v1/tokens`: the caller's tokens (never their secrets).
pub fn list_tokens() -> impl Future<Output = ApiResult<Vec<ApiToken>>> + Send + 'static {
    get_json("/api/v1/tokens")
}

/// `POST /api/v1/tokens`: the answer holds the secret, the only time it is ever shown.
pub fn create_token(
    req: &CreateTokenRequest,
) -> impl Future<Output = ApiResult<CreatedToken>> + Send + 'static {
    send_json(Method::POST, "/api/v1/tokens", req)
}

/// `DELETE /api/v1/tokens/{id}`
pub fn revoke_token(id: i64) -> impl Future<Output = ApiResult<()>> + Send + 'static {
    send_no_content(Method::DELETE, &format!("/api/v1/tokens/{id}"), None)
}

// ---------------------------------------------------------------------------------------------
// The hidden primary (admin): TSIG keys, secondaries, transfer allow-list; a zone's sync status

/// `GET /api/v1/tsig-keys`
pub fn list_tsig_keys() -> impl Future<Output = ApiResult<Vec<primary::TsigKey>>> + Send + 'static {
    get_json("/api/v1/tsig-keys")
}

/// `POST /api/v1/tsig-keys`: the answer holds the secret, the only time it is shown.
pub fn create_tsig_key(
    req: &primary::CreateTsigKey,
) -> impl Future<Output = ApiResult<primary::CreatedTsigKey>> + Send + 'static {
    send_json(Method::POST, "/api/v1/tsig-keys", req)
}

/// `DELETE /api/v1/tsig-keys/{name}`
pub fn delete_tsig_key(name: &str) -> impl Future<Output = ApiResult<()>> + Send + 'static {
    send_no_content(
        Method::DELETE,
        &format!("/api/v1/tsig-keys/{}", encode_component(name)),
        None,
    )
}

/// `GET /api/v1/secondaries`
pub fn list_secondaries(
) -> impl Future<Output = ApiResult<Vec<primary::Secondary>>> + Send + 'static {
    get_json("/api/v1/secondaries")
}

/// `POST /api/v1/secondaries`
pub fn create_secondary(
    req: &primary::CreateSecondary,
) -> impl Future<Output = ApiResult<primary::Secondary>> + Send + 'static {
    send_json(Method::POST, "/api/v1/secondaries", req)
}

/// `DELETE /api/v1/secondaries/{id}`
pub fn delete_secondary(id: i64) -> impl Future<Output = ApiResult<()>> + Send + 'static {
    send_no_content(Method::DELETE, &format!("/api/v1/secondaries/{id}"), None)
}

/// `GET /api/v1/engine-nodes`
pub fn list_engine_nodes(
) -> impl Future<Output = ApiResult<Vec<primary::EngineNode>>> + Send + 'static {
    get_json("/api/v1/engine-nodes")
}

/// `DELETE /api/v1/engine-nodes/{name}`
pub fn delete_engine_node(name: &str) -> impl Future<Output = ApiResult<()>> + Send + 'static {
    send_no_content(
        Method::DELETE,
        &format!("/api/v1/engine-nodes/{}", encode_component(name)),
        None,
    )
}

/// `GET /api/v1/secondaries/coverage`
pub fn secondary_coverage(
) -> impl Future<Output = ApiResult<Vec<primary::PartialZone>>> + Send + 'static {
    get_json("/api/v1/secondaries/coverage")
}

/// `GET /api/v1/transfer-allow`
pub fn list_transfer_networks(
) -> impl Future<Output = ApiResult<Vec<primary::TransferNetwork>>> + Send + 'static {
    get_json("/api/v1/transfer-allow")
}

/// `POST /api/v1/transfer-allow`
pub fn create_transfer_network(
    req: &primary::CreateTransferNetwork,
) -> impl Future<Output = ApiResult<primary::TransferNetwork>> + Send + 'static {
    send_json(Method::POST, "/api/v1/transfer-allow", req)
}

/// `DELETE /api/v1/transfer-allow/{id}`
pub fn delete_transfer_network(id: i64) -> impl Future<Output = ApiResult<()>> + Send + 'static {
    send_no_content(
        Method::DELETE,
        &format!("/api/v1/transfer-allow/{id}"),
        None,
    )
}

/// `GET /api/v1/zones/{zone}/sync`
pub fn zone_sync(
    zone: &str,
) -> impl Future<Output = ApiResult<primary::ZoneSync>> + Send + 'static {
    get_json(&format!("{}/sync", zone_path(zone)))
}

// ---------------------------------------------------------------------------------------------
// Users (admin)

/// `GET /api/v1/users` (admin; 403 for customers)
pub fn list_users() -> impl Future<Output = ApiResult<Vec<User>>> + Send + 'static {
    get_json("/api/v1/users")
}

/// `POST /api/v1/users` (admin)
pub fn create_user(
    req: &CreateUserRequest,
) -> impl Future<Output = ApiResult<CreatedUser>> + Send + 'static {
    send_json(Method::POST, "/api/v1/users", req)
}

/// `PATCH /api/v1/users/{id}` (admin): role and/or disabled flag.
pub fn update_user(
    id: i64,
    req: &UpdateUserRequest,
) -> impl Future<Output = ApiResult<User>> + Send + 'static {
    send_json(Method::PATCH, &format!("/api/v1/users/{id}"), req)
}

// ---------------------------------------------------------------------------------------------
// Zones and their RRsets

/// Percent-encodes one path segment or query value: everything but RFC 3986's unreserved
/// characters (`A-Z a-z 0-9 - . _ ~`). Zone names travel as A-labels, so they are ASCII
/// already; owner names may hold `*` or `_`, and a typed search may hold anything.
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn zone_path(zone: &str) -> String {
    format!("/api/v1/zones/{}", encode_component(zone))
}

fn rrset_path(zone: &str, name: &str, type_: &str) -> String {
    format!(
        "{}/rrsets/{}/{}",
        zone_path(zone),
        encode_component(name),
        encode_component(type_)
    )
}

/// `GET /api/v1/zones?search=TEXT`: the zones the caller may see (all of them for admins).
pub fn list_zones(search: &str) -> impl Future<Output = ApiResult<Vec<Zone>>> + Send + 'static {
    let search = search.trim();
    if search.is_empty() {
        get_json("/api/v1/zones")
    } else {
        get_json(&format!(
            "/api/v1/zones?search={}",
            encode_component(search)
        ))
    }
}

/// `POST /api/v1/zones` (201 with the new zone).
pub fn create_zone(
    req: &CreateZoneRequest,
) -> impl Future<Output = ApiResult<Zone>> + Send + 'static {
    send_json(Method::POST, "/api/v1/zones", req)
}

/// `GET /api/v1/zones/{zone}`
pub fn get_zone(zone: &str) -> impl Future<Output = ApiResult<Zone>> + Send + 'static {
    get_json(&zone_path(zone))
}

/// `DELETE /api/v1/zones/{zone}`: the zone and all its records (204).
pub fn delete_zone(zone: &str) -> impl Future<Output = ApiResult<()>> + Send + 'static {
    send_no_content(Method::DELETE, &zone_path(zone), None)
}

/// `GET /api/v1/zones/{zone}/rrsets`: every RRset, the SOA included, by name then type.
pub fn list_rrsets(zone: &str) -> impl Future<Output = ApiResult<Vec<RrSet>>> + Send + 'static {
    get_json(&format!("{}/rrsets", zone_path(zone)))
}

/// `PUT /api/v1/zones/{zone}/rrsets/{name}/{type}`: creates or replaces one RRset. `name` is
/// relative to the zone, `@` for the apex.
pub fn put_rrset(
    zone: &str,
    name: &str,
    type_: &str,
    req: &PutRrSet,
) -> impl Future<Output = ApiResult<RrSetChangeResult>> + Send + 'static {
    send_json(Method::PUT, &rrset_path(zone, name, type_), req)
}

/// `DELETE /api/v1/zones/{zone}/rrsets/{name}/{type}`
pub fn delete_rrset(
    zone: &str,
    name: &str,
    type_: &str,
) -> impl Future<Output = ApiResult<RrSetChangeResult>> + Send + 'static {
    let fut = request(Method::DELETE, &rrset_path(zone, name, type_), None);
    async move { decode(fut.await?) }
}

/// `PATCH /api/v1/zones/{zone}/rrsets`: several changes, applied all or nothing.
pub fn patch_rrsets(
    zone: &str,
    patch: &RrSetPatch,
) -> impl Future<Output = ApiResult<RrSetChangeResult>> + Send + 'static {
    send_json(Method::PATCH, &format!("{}/rrsets", zone_path(zone)), patch)
}

/// `POST /api/v1/zones/{zone}/import[?dry_run=true]`: replaces the zone's records with those
/// of a BIND zone file (sent as `text/dns`). A dry run stores nothing and returns the diff.
pub fn import_zone(
    zone: &str,
    zone_file: String,
    dry_run: bool,
) -> impl Future<Output = ApiResult<ImportResult>> + Send + 'static {
    let query = if dry_run { "?dry_run=true" } else { "" };
    let fut = request_as(
        Method::POST,
        &format!("{}/import{query}", zone_path(zone)),
        Some(zone_file),
        "text/dns; charset=utf-8",
    );
    async move { decode(fut.await?) }
}

// ---------------------------------------------------------------------------------------------
// Settings (admin)

/// `GET /api/v1/settings` (admin): the defaults new zones get.
pub fn get_settings() -> impl Future<Output = ApiResult<Settings>> + Send + 'static {
    get_json("/api/v1/settings")
}

/// `PUT /api/v1/settings` (admin): answers with the settings as stored (names canonical).
pub fn put_settings(
    settings: &Settings,
) -> impl Future<Output = ApiResult<Settings>> + Send + 'static {
    send_json(Method::PUT, "/api/v1/settings", settings)
}

// ---------------------------------------------------------------------------------------------
// Reverse DNS: reverse zones and ranges (admin), the PTRs of the caller's ranges

use rdns::{
    AssignRangeRequest, CreateReverseZoneRequest, PutRdns, Range, RdnsBatch, RdnsBatchResult,
    RdnsPage, RdnsSaved, ReverseStatus, ReverseZone, UpdateReverseZoneRequest,
};

fn reverse_zone_path(zone: &str) -> String {
    format!("/api/v1/reverse-zones/{}", encode_component(zone))
}

fn rdns_path(ip: &str) -> String {
    format!("/api/v1/rdns/{}", encode_component(ip))
}

/// `GET /api/v1/reverse-zones` (admin)
pub fn list_reverse_zones() -> impl Future<Output = ApiResult<Vec<ReverseZone>>> + Send + 'static {
    get_json("/api/v1/reverse-zones")
}

/// `POST /api/v1/reverse-zones` (admin; 201 with the new zone)
pub fn create_reverse_zone(
    req: &CreateReverseZoneRequest,
) -> impl Future<Output = ApiResult<ReverseZone>> + Send + 'static {
    send_json(Method::POST, "/api/v1/reverse-zones", req)
}

/// `GET /api/v1/reverse-zones/{zone}` (admin)
pub fn get_reverse_zone(
    zone: &str,
) -> impl Future<Output = ApiResult<ReverseZone>> + Send + 'static {
    get_json(&reverse_zone_path(zone))
}

/// `PATCH /api/v1/reverse-zones/{zone}` (admin): a new template for the default names.
pub fn update_reverse_zone(
    zone: &str,
    req: &UpdateReverseZoneRequest,
) -> impl Future<Output = ApiResult<ReverseZone>> + Send + 'static {
    send_json(Method::PATCH, &reverse_zone_path(zone), req)
}

/// `DELETE /api/v1/reverse-zones/{zone}` (admin; 409 while ranges of it are assigned)
pub fn delete_reverse_zone(zone: &str) -> impl Future<Output = ApiResult<()>> + Send + 'static {
    send_no_content(Method::DELETE, &reverse_zone_path(zone), None)
}

/// `GET /api/v1/ranges`: the caller's ranges (every range for admins).
pub fn list_ranges() -> impl Future<Output = ApiResult<Vec<Range>>> + Send + 'static {
    get_json("/api/v1/ranges")
}

/// `POST /api/v1/ranges` (admin): assigns a range to a customer.
pub fn assign_range(
    req: &AssignRangeRequest,
) -> impl Future<Output = ApiResult<Range>> + Send + 'static {
    send_json(Method::POST, "/api/v1/ranges", req)
}

/// `DELETE /api/v1/ranges?network=CIDR` (admin)
pub fn unassign_range(network: &str) -> impl Future<Output = ApiResult<()>> + Send + 'static {
    send_no_content(
        Method::DELETE,
        &format!("/api/v1/ranges?network={}", encode_component(network)),
        None,
    )
}

/// The query string of `GET /api/v1/rdns`; empty `after` and `q` are left out.
fn rdns_list_path(range: &str, after: Option<&str>, limit: Option<u32>, q: &str) -> String {
    let mut path = format!("/api/v1/rdns?range={}", encode_component(range));
    if let Some(after) = after.filter(|a| !a.is_empty()) {
        path.push_str(&format!("&after={}", encode_component(after)));
    }
    if let Some(limit) = limit {
        path.push_str(&format!("&limit={limit}"));
    }
    let q = q.trim();
    if !q.is_empty() {
        path.push_str(&format!("&q={}", encode_component(q)));
    }
    path
}

/// `GET /api/v1/rdns?range=&after=&limit=&q=`: one page of a range's reverse DNS.
pub fn list_rdns(
    range: &str,
    after: Option<&str>,
    limit: Option<u32>,
    q: &str,
) -> impl Future<Output = ApiResult<RdnsPage>> + Send + 'static {
    get_json(&rdns_list_path(range, after, limit, q))
}

/// `GET /api/v1/rdns/{ip}`
pub fn get_rdns(ip: &str) -> impl Future<Output = ApiResult<rdns::Rdns>> + Send + 'static {
    get_json(&rdns_path(ip))
}

/// `PUT /api/v1/rdns/{ip}`: sets the address's PTR (checked for FCrDNS).
pub fn put_rdns(
    ip: &str,
    req: &PutRdns,
) -> impl Future<Output = ApiResult<RdnsSaved>> + Send + 'static {
    send_json(Method::PUT, &rdns_path(ip), req)
}

/// `DELETE /api/v1/rdns/{ip}`: back to the default name.
pub fn delete_rdns(ip: &str) -> impl Future<Output = ApiResult<()>> + Send + 'static {
    send_no_content(Method::DELETE, &rdns_path(ip), None)
}

/// `PATCH /api/v1/rdns?dry_run=&atomic=`: many PTRs at once, with a result per entry.
pub fn patch_rdns(
    batch: &RdnsBatch,
    dry_run: bool,
    atomic: bool,
) -> impl Future<Output = ApiResult<RdnsBatchResult>> + Send + 'static {
    send_json(
        Method::PATCH,
        &format!("/api/v1/rdns?dry_run={dry_run}&atomic={atomic}"),
        batch,
    )
}

// ---------------------------------------------------------------------------------------------
// DNSSEC: domains and their DS records (registrar-style), signing of hosted zones

use ds::{
    CreateDomainRequest, Domain, DsList, SetZoneDnssecRequest, SubmitDsRequest, SubmitDsResponse,
    ZoneDnssec,
};

fn domain_path(domain: &str) -> String {
    format!("/api/v1/domains/{}", encode_component(domain))
}

/// `GET /api/v1/domains`: the caller's domains (every domain for admins).
pub fn list_domains() -> impl Future<Output = ApiResult<Vec<Domain>>> + Send + 'static {
    get_json("/api/v1/domains")
}

/// `POST /api/v1/domains` (201 with the new domain)
pub fn create_domain(
    req: &CreateDomainRequest,
) -> impl Future<Output = ApiResult<Domain>> + Send + 'static {
    send_json(Method::POST, "/api/v1/domains", req)
}

/// `DELETE /api/v1/domains/{domain}`: the domain and all its DS records.
pub fn delete_domain(domain: &str) -> impl Future<Output = ApiResult<()>> + Send + 'static {
    send_no_content(Method::DELETE, &domain_path(domain), None)
}

/// `GET /api/v1/domains/{domain}/ds`
pub fn list_ds(domain: &str) -> impl Future<Output = ApiResult<DsList>> + Send + 'static {
    get_json(&format!("{}/ds", domain_path(domain)))
}

/// `POST /api/v1/domains/{domain}/ds`: validates (format, then live against the child's
/// DNSKEY) and stores; with `dry_run` only validates.
pub fn submit_ds(
    domain: &str,
    req: &SubmitDsRequest,
) -> impl Future<Output = ApiResult<SubmitDsResponse>> + Send + 'static {
    send_json(Method::POST, &format!("{}/ds", domain_path(domain)), req)
}

/// `DELETE /api/v1/domains/{domain}/ds/{id}`
pub fn delete_ds(domain: &str, id: i64) -> impl Future<Output = ApiResult<()>> + Send + 'static {
    send_no_content(
        Method::DELETE,
        &format!("{}/ds/{id}", domain_path(domain)),
        None,
    )
}

/// `POST /api/v1/domains/{domain}/ds/check`: re-runs the live check of every DS of the domain.
pub fn check_ds(domain: &str) -> impl Future<Output = ApiResult<DsList>> + Send + 'static {
    send_json(
        Method::POST,
        &format!("{}/ds/check", domain_path(domain)),
        &serde_json::json!({}),
    )
}

/// `GET /api/v1/zones/{zone}/dnssec`
pub fn zone_dnssec(zone: &str) -> impl Future<Output = ApiResult<ZoneDnssec>> + Send + 'static {
    get_json(&format!("{}/dnssec", zone_path(zone)))
}

/// `PUT /api/v1/zones/{zone}/dnssec`: starts (or stops) signing the zone.
pub fn set_zone_dnssec(
    zone: &str,
    req: &SetZoneDnssecRequest,
) -> impl Future<Output = ApiResult<ZoneDnssec>> + Send + 'static {
    send_json(Method::PUT, &format!("{}/dnssec", zone_path(zone)), req)
}

/// `GET /api/v1/zones/{zone}/reverse`: the reverse DNS of the zone's hosted A/AAAA records.
pub fn zone_reverse(
    zone: &str,
) -> impl Future<Output = ApiResult<Vec<ReverseStatus>>> + Send + 'static {
    get_json(&format!("{}/reverse", zone_path(zone)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> ApiResponse {
        ApiResponse {
            status,
            body: body.into(),
        }
    }

    #[test]
    fn problem_bodies_keep_their_field_errors() {
        let e = ApiError::from_response(&resp(
            422,
            r#"{"type":"about:blank","title":"Invalid request","status":422,
                "errors":[{"field":"email","message":"is not an email address"},
                          {"field":"email","message":"is taken"}]}"#,
        ));
        assert_eq!(e.status, 422);
        assert_eq!(
            e.field("email").as_deref(),
            Some("is not an email address is taken")
        );
        assert_eq!(e.field("password"), None);
        assert_eq!(e.message(), "Invalid request");
    }

    #[test]
    fn non_problem_bodies_still_give_a_message() {
        let e = ApiError::from_response(&resp(502, "<html>bad gateway</html>"));
        assert_eq!(e.status, 502);
        assert_eq!(e.message(), "Bad Gateway");
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(encode_component("example.com."), "example.com.");
        assert_eq!(encode_component("xn--mnchen-3ya.de."), "xn--mnchen-3ya.de.");
        assert_eq!(encode_component("*.a b/c"), "%2A.a%20b%2Fc");
        assert_eq!(encode_component("ü"), "%C3%BC");
        assert_eq!(
            rrset_path("example.com.", "@", "A"),
            "/api/v1/zones/example.com./rrsets/%40/A"
        );
    }

    #[test]
    fn rdns_queries_leave_out_empty_parts() {
        assert_eq!(
            rdns_list_path("203.0.113.0/28", None, None, " "),
            "/api/v1/rdns?range=203.0.113.0%2F28"
        );
        assert_eq!(
            rdns_list_path("2001:db8::/48", Some("2001:db8::5"), Some(50), "mail x"),
            "/api/v1/rdns?range=2001%3Adb8%3A%3A%2F48&after=2001%3Adb8%3A%3A5&limit=50&q=mail%20x"
        );
    }

    #[test]
    fn detail_wins_over_title() {
        let e = ApiError::from_response(&resp(
            409,
            r#"{"type":"about:blank","title":"Conflict","status":409,"detail":"That email is taken."}"#,
        ));
        assert_eq!(e.message(), "That email is taken.");
    }
}
