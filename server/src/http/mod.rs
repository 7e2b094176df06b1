//! The HTTP edge: one module per resource, each with its own `router()`, merged here under
//! `/api/v1`; the Leptos console on every other path; and the layers around both (sessions,
//! CSRF by Origin, body limits).

pub mod auth;
pub mod csrf;
pub mod domains;
pub mod error;
pub mod extract;
pub mod health;
pub mod listen;
pub mod me;
pub mod openapi;
pub mod principal;
pub mod rdns;
pub mod rrsets;
pub mod secondaries;
pub mod tokens;
pub mod users;
pub mod zones;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Request};
use axum::middleware;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceExt;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::error::ServiceError;
use crate::state::AppState;

/// Largest request body the API reads. Requests with a larger body get a 413 problem.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The REST API, relative to `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(me::router())
        .merge(tokens::router())
        .merge(users::router())
        .merge(zones::router())
        .merge(rrsets::router())
        .merge(rdns::router())
        .merge(domains::router())
        .merge(secondaries::router())
        .merge(openapi::router())
        .fallback(|| async { ServiceError::NotFound })
        .method_not_allowed_fallback(|method: Method| async move {
            error::problem_response(&frontend::api::types::Problem {
                type_: "about:blank".into(),
                code: "method-not-allowed".into(),
                title: "Method Not Allowed".into(),
                status: 405,
                detail: Some(format!("{method} is not allowed on this resource")),
                errors: vec![],
            })
        })
}

/// The session layer: an opaque id in an HttpOnly, SameSite=Strict cookie (Secure when the
/// console is served over HTTPS); the session itself lives in PostgreSQL and ends after the
/// idle timeout. The absolute timeout is checked by [`crate::auth::Principal`].
pub fn session_layer(state: &AppState) -> SessionManagerLayer<PostgresStore> {
    SessionManagerLayer::new(PostgresStore::new(state.pool.clone()))
        .with_name("zk_session")
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(state.web.secure_cookie)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(state.web.session_idle))
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let sessions = session_layer(&state);

    // The console renders with data from the same API it uses in the browser, dispatched
    // in-process during server-side rendering.
    let api_in_process: Router = Router::new()
        .nest("/api/v1", api_router())
        .layer(sessions.clone())
        .with_state(state.clone());
    let transport = frontend::api::SsrTransport(Arc::new(move |req: Request<String>| {
        let api = api_in_process.clone();
        Box::pin(async move {
            let res = match api.oneshot(req.map(Body::from)).await {
                Ok(res) => res,
                Err(never) => match never {},
            };
            let (parts, body) = res.into_parts();
            let bytes = axum::body::to_bytes(body, BODY_LIMIT * 64)
                .await
                .unwrap_or_default();
            Response::from_parts(parts, String::from_utf8_lossy(&bytes).into_owned())
        })
    }));

    let leptos_options = state.leptos_options.clone();
    let routes = generate_route_list(frontend::App);
    let router = Router::new()
        .nest("/api/v1", api_router())
        .route("/healthz", get(health::healthz))
        .route("/api-docs", get(openapi::docs_page))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(transport.clone()),
            {
                let options = leptos_options.clone();
                move || frontend::shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            frontend::shell,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            csrf::check_origin,
        ))
        .layer(sessions)
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    with_security_headers(router, state.web.secure_cookie).with_state(state)
}

/// Headers every response carries: no MIME sniffing, no framing (the console pages add a
/// CSP with `frame-ancestors 'none'` too), the Referer only within this site (the CSRF check
/// reads it when a browser sends no Origin), and HSTS when the console is served over HTTPS.
fn with_security_headers(router: Router<AppState>, https: bool) -> Router<AppState> {
    use axum::http::{header, HeaderValue};
    use tower_http::set_header::SetResponseHeaderLayer;
    let hsts = https.then(|| HeaderValue::from_static("max-age=31536000"));
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            move |_: &Response<Body>| hsts.clone(),
        ))
}
