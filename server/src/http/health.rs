//! `GET /healthz`: whether the store answers and the DNS engine's listeners are up. 200 when
//! both are, 503 otherwise — for load balancers and process supervisors.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use frontend::api::types::Health;

use crate::state::AppState;

#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let db_ok = tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query_scalar!("select 1 as \"one!\"").fetch_one(&state.pool),
    )
    .await
    .is_ok_and(|r| r.is_ok());
    let dns_ok = state.dns.is_serving();
    let word = |ok: bool| if ok { "ok" } else { "down" }.to_owned();
    let status = if db_ok && dns_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Health {
            status: word(db_ok && dns_ok),
            database: word(db_ok),
            dns: word(dns_ok),
        }),
    )
}
