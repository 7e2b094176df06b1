//! Bad input: every malformed request gets a 4xx problem+json and changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::TestApp;

#[tokio::test]
async fn malformed_bodies_get_problems_and_store_nothing() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let accounts = app.count("account").await;
    let audit = app.count("audit_log").await;

    // Malformed JSON.
    let p = admin
        .send(
            Method::POST,
            "/api/v1/users",
            Some("application/json"),
            b"{\"email\": ".to_vec(),
        )
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert!(
        p["detail"].as_str().unwrap().contains("malformed JSON"),
        "{p}"
    );
    // Wrong Content-Type, and none at all.
    admin
        .send(
            Method::POST,
            "/api/v1/users",
            Some("text/plain"),
            json!({"email": "a@example.com", "role": "customer"})
                .to_string()
                .into_bytes(),
        )
        .await
        .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    admin
        .send(
            Method::POST,
            "/api/v1/users",
            None,
            json!({"email": "a@example.com", "role": "customer"})
                .to_string()
                .into_bytes(),
        )
        .await
        .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Oversized body (the cap is 64 KiB).
    let huge =
        json!({"email": "a@example.com", "role": "customer", "password": "x".repeat(100_000)});
    admin
        .post("/api/v1/users", huge)
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE);
    // Unknown field: named in the errors list.
    let p = admin
        .post(
            "/api/v1/users",
            json!({"email": "a@example.com", "role": "customer", "is_superuser": true}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "is_superuser");
    // Wrong type and bad enum value.
    let p = admin
        .post("/api/v1/users", json!({"email": 42, "role": "customer"}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!p["errors"].as_array().unwrap().is_empty());
    admin
        .post(
            "/api/v1/users",
            json!({"email": "a@example.com", "role": "root"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    // Field rules: named field, clear rule.
    let p = admin
        .post(
            "/api/v1/users",
            json!({"email": "not-an-email", "role": "customer"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "email");
    let p = admin
        .post(
            "/api/v1/users",
            json!({"email": "b@example.com", "role": "customer", "password": "short"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "password");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("12"));
    let p = admin
        .post("/api/v1/tokens", json!({"name": "  "}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "name");
    let p = admin
        .post("/api/v1/tokens", json!({"name": "x".repeat(101)}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "name");
    // Bad path parameters, unknown routes, wrong methods.
    admin
        .delete("/api/v1/tokens/not-a-number")
        .await
        .problem(StatusCode::BAD_REQUEST);
    admin
        .get("/api/v1/no-such-thing")
        .await
        .problem(StatusCode::NOT_FOUND);
    admin
        .send(
            Method::PUT,
            "/api/v1/me",
            Some("application/json"),
            b"{}".to_vec(),
        )
        .await
        .problem(StatusCode::METHOD_NOT_ALLOWED);
    // The login endpoint is as strict.
    app.browser()
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some("application/xml"),
            b"<login/>".to_vec(),
        )
        .await
        .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    app.browser()
        .post("/api/v1/auth/login", json!({"email": "a@example.com"}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);

    assert_eq!(app.count("account").await, accounts);
    assert_eq!(app.count("audit_log").await, audit);
    assert_eq!(app.count("api_token").await, 0);
    app.stop().await;
}
