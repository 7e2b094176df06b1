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

/// Inputs that once got a 500: a NUL in an RRset comment (PostgreSQL text cannot hold it), a
/// record text longer than a btree index entry, and an RRset past the size limits (4,000 MX
/// records made every query for it cost seconds).
#[tokio::test]
async fn rrset_input_that_once_broke_the_server_gets_4xx_or_is_stored() {
    let app = TestApp::start().await;
    let mut c = app.customer("bounds@example.com").await;
    let r = c
        .post("/api/v1/zones", json!({ "name": "bounds.example" }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rows = app.count("record").await;
    let put = |body: serde_json::Value| body.to_string().into_bytes();
    let p = c
        .send(
            Method::PUT,
            "/api/v1/zones/bounds.example/rrsets/www/A",
            Some("application/json"),
            put(json!({"records": ["192.0.2.1"], "comment": "a\u{0}b"})),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "comment", "{p}");
    let many: Vec<String> = (0..4092)
        .map(|i| format!("10.0.{}.{}", i / 256, i % 256))
        .collect();
    let p = c
        .send(
            Method::PUT,
            "/api/v1/zones/bounds.example/rrsets/many/A",
            Some("application/json"),
            put(json!({ "records": many })),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p["errors"].to_string().contains("at most 4091 records"),
        "{p}"
    );
    assert_eq!(app.count("record").await, rows);
    // A 4 kB TXT record is valid DNS and is stored (the unique index is over a digest).
    let long = "x".repeat(4000);
    let r = c
        .send(
            Method::PUT,
            "/api/v1/zones/bounds.example/rrsets/long/TXT",
            Some("application/json"),
            put(json!({ "records": [long] })),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        &r.body[..r.body.len().min(500)]
    );
    app.stop().await;
}
