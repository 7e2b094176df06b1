//! API tokens: bearer authentication, revocation, expiry, read-only scope.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{TestApp, ADMIN_EMAIL};

#[tokio::test]
async fn token_lifecycle() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let r = admin
        .post("/api/v1/tokens", json!({"name": "ci deploy"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let secret = r.json()["secret"].as_str().unwrap().to_owned();
    let id = r.json()["token"]["id"].as_i64().unwrap();
    assert!(secret.starts_with("zk_"));

    // The secret is stored only as a hash.
    let stored: i64 = sqlx::query_scalar(
        "select count(*) from api_token where secret_hash = sha256(convert_to($1, 'UTF8'))",
    )
    .bind(&secret)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored, 1);

    // A valid token authenticates, with no cookie and no Origin; last use is recorded.
    let mut api = app.with_token(&secret);
    let me = api.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["email"], ADMIN_EMAIL);
    let listed = admin.get("/api/v1/tokens").await.json();
    assert_eq!(listed[0]["name"], "ci deploy");
    assert!(listed[0]["last_used_at"].is_string(), "{listed}");
    assert!(listed[0].get("secret").is_none());
    // ...and may write (read-write is the default).
    let r = api
        .post("/api/v1/tokens", json!({"name": "made by token"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);

    // A wrong or malformed token is refused.
    app.with_token("zk_not-a-real-token")
        .get("/api/v1/me")
        .await
        .problem(StatusCode::UNAUTHORIZED);
    app.with_token("")
        .get("/api/v1/me")
        .await
        .problem(StatusCode::UNAUTHORIZED);

    // Revoked: refused from then on, and gone from the list.
    let r = admin.delete(&format!("/api/v1/tokens/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    api.get("/api/v1/me")
        .await
        .problem(StatusCode::UNAUTHORIZED);
    let names: Vec<String> = admin
        .get("/api/v1/tokens")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, vec!["made by token"]);
    admin
        .delete(&format!("/api/v1/tokens/{id}"))
        .await
        .problem(StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn expired_token_is_refused() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let p = admin
        .post(
            "/api/v1/tokens",
            json!({"name": "old", "expires_at": "2001-01-01T00:00:00Z"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "expires_at");
    let r = admin
        .post(
            "/api/v1/tokens",
            json!({"name": "soon", "expires_at": "2999-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["token"]["expires_at"], "2999-01-01T00:00:00Z");
    let secret = r.json()["secret"].as_str().unwrap().to_owned();
    let mut api = app.with_token(&secret);
    assert_eq!(api.get("/api/v1/me").await.status, StatusCode::OK);
    sqlx::query("update api_token set expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    api.get("/api/v1/me")
        .await
        .problem(StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn read_only_token_is_refused_on_writes() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let r = admin
        .post(
            "/api/v1/tokens",
            json!({"name": "monitoring", "read_only": true}),
        )
        .await;
    assert_eq!(r.json()["token"]["read_only"], true);
    let mut ro = app.with_token(r.json()["secret"].as_str().unwrap());
    assert_eq!(ro.get("/api/v1/tokens").await.status, StatusCode::OK);
    assert_eq!(
        ro.get("/api/v1/users").await.status,
        StatusCode::OK,
        "reads are fine"
    );
    let before = app.count("account").await;
    let p = ro
        .post(
            "/api/v1/users",
            json!({"email": "x@example.com", "role": "customer"}),
        )
        .await
        .problem(StatusCode::FORBIDDEN);
    assert!(p["detail"].as_str().unwrap().contains("read-only"), "{p}");
    ro.post("/api/v1/tokens", json!({"name": "escalate"}))
        .await
        .problem(StatusCode::FORBIDDEN);
    ro.delete("/api/v1/tokens/1")
        .await
        .problem(StatusCode::FORBIDDEN);
    assert_eq!(app.count("account").await, before);
    assert_eq!(app.count("api_token").await, 1);
    app.stop().await;
}
