//! Authorization: roles, ownership, CSRF, and the audit trail of changes.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::TestApp;

#[tokio::test]
async fn anonymous_requests_are_refused() {
    let app = TestApp::start().await;
    let mut anon = app.browser();
    for path in ["/api/v1/me", "/api/v1/tokens", "/api/v1/users"] {
        anon.get(path).await.problem(StatusCode::UNAUTHORIZED);
    }
    app.stop().await;
}

#[tokio::test]
async fn customer_cannot_reach_admin_endpoints() {
    let app = TestApp::start().await;
    let mut cust = app.customer("dave@example.com").await;
    cust.get("/api/v1/users")
        .await
        .problem(StatusCode::FORBIDDEN);
    cust.get("/api/v1/users/1")
        .await
        .problem(StatusCode::FORBIDDEN);
    let before = app.count("account").await;
    cust.post(
        "/api/v1/users",
        json!({"email": "mallory@example.com", "role": "admin"}),
    )
    .await
    .problem(StatusCode::FORBIDDEN);
    let me = cust.get("/api/v1/me").await.json();
    cust.patch(
        &format!("/api/v1/users/{}", me["id"]),
        json!({"role": "admin"}),
    )
    .await
    .problem(StatusCode::FORBIDDEN);
    assert_eq!(app.count("account").await, before);
    assert_eq!(cust.get("/api/v1/me").await.json()["role"], "customer");
    app.stop().await;
}

#[tokio::test]
async fn customers_cannot_see_or_touch_each_others_tokens() {
    let app = TestApp::start().await;
    let mut erin = app.customer("erin@example.com").await;
    let mut frank = app.customer("frank@example.com").await;
    let r = erin.post("/api/v1/tokens", json!({"name": "erin's"})).await;
    let erin_token = r.json()["token"]["id"].as_i64().unwrap();
    frank
        .post("/api/v1/tokens", json!({"name": "frank's"}))
        .await;

    let listed = frank.get("/api/v1/tokens").await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["name"], "frank's");
    // Another account's token is "not found", exactly like a token that does not exist.
    let p1 = frank
        .delete(&format!("/api/v1/tokens/{erin_token}"))
        .await
        .problem(StatusCode::NOT_FOUND);
    let p2 = frank
        .delete("/api/v1/tokens/999999")
        .await
        .problem(StatusCode::NOT_FOUND);
    assert_eq!(p1, p2);
    let r = erin.get("/api/v1/tokens").await.json();
    assert_eq!(r[0]["name"], "erin's", "erin's token is untouched");
    // Not even the admin's session can revoke a customer's token through the API.
    let mut admin = app.admin().await;
    admin
        .delete(&format!("/api/v1/tokens/{erin_token}"))
        .await
        .problem(StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn cookie_requests_need_our_origin() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let before = app.count("api_token").await;
    admin.origin = Some("http://evil.example".into());
    admin
        .post("/api/v1/tokens", json!({"name": "csrf"}))
        .await
        .problem(StatusCode::FORBIDDEN);
    admin.origin = None;
    admin
        .post("/api/v1/tokens", json!({"name": "csrf"}))
        .await
        .problem(StatusCode::FORBIDDEN);
    // Reads are not state-changing and need no Origin.
    assert_eq!(admin.get("/api/v1/tokens").await.status, StatusCode::OK);
    assert_eq!(app.count("api_token").await, before);
    admin.origin = Some(app.base.clone());
    assert_eq!(
        admin
            .post("/api/v1/tokens", json!({"name": "ok"}))
            .await
            .status,
        StatusCode::CREATED
    );
    app.stop().await;
}

#[tokio::test]
async fn admin_manages_users_and_cannot_lock_out_the_last_admin() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let r = admin
        .post(
            "/api/v1/users",
            json!({"email": "Grace@Example.com", "role": "customer"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let generated = r.json()["generated_password"].as_str().unwrap().to_owned();
    assert!(generated.len() >= 12);
    assert_eq!(r.json()["user"]["email"], "grace@example.com");
    app.login("grace@example.com", &generated).await;
    let p = admin
        .post(
            "/api/v1/users",
            json!({"email": "GRACE@example.com", "role": "admin"}),
        )
        .await
        .problem(StatusCode::CONFLICT);
    assert_eq!(p["errors"][0]["field"], "email");

    let me = admin.get("/api/v1/me").await.json();
    let p = admin
        .patch(
            &format!("/api/v1/users/{}", me["id"]),
            json!({"role": "customer"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("own admin"),
        "{p}"
    );
    let users = admin.get("/api/v1/users").await.json();
    assert_eq!(users.as_array().unwrap().len(), 2);
    let grace = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "grace@example.com")
        .unwrap()
        .clone();
    let r = admin
        .patch(
            &format!("/api/v1/users/{}", grace["id"]),
            json!({"role": "admin"}),
        )
        .await;
    assert_eq!(r.json()["role"], "admin");
    admin
        .get("/api/v1/users/424242")
        .await
        .problem(StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn changes_write_the_audit_log() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let r = admin
        .post(
            "/api/v1/users",
            json!({"email": "heidi@example.com", "role": "customer"}),
        )
        .await;
    let id = r.json()["user"]["id"].as_i64().unwrap();
    admin
        .patch(&format!("/api/v1/users/{id}"), json!({"disabled": true}))
        .await;
    // action, account_id, source, before, after
    type Row = (
        String,
        Option<i64>,
        Option<String>,
        Option<serde_json::Value>,
        Option<serde_json::Value>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "select action, account_id, source, before, after from audit_log where object_type = 'account' and object_id = $1 order by id",
    )
    .bind(id.to_string())
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    let admin_id = admin.get("/api/v1/me").await.json()["id"].as_i64();
    assert_eq!(rows[0].0, "account.create");
    assert_eq!(rows[0].1, admin_id);
    assert_eq!(rows[0].2.as_deref(), Some("127.0.0.1"));
    assert!(rows[0].3.is_none());
    assert_eq!(rows[0].4.as_ref().unwrap()["email"], "heidi@example.com");
    assert_eq!(rows[1].0, "account.update");
    assert_eq!(rows[1].3.as_ref().unwrap()["disabled"], false);
    assert_eq!(rows[1].4.as_ref().unwrap()["disabled"], true);
    let text: String =
        sqlx::query_scalar("select string_agg(coalesce(after::text, ''), ' ') from audit_log")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        !text.contains("argon2"),
        "no password hashes in the audit log"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_scoped_admin_token_is_no_admin() {
    let app = TestApp::start().await;
    let mut cust = app.customer("olga@example.com").await;
    let r = cust
        .post("/api/v1/zones", json!({"name": "olga.example"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut admin = app.admin().await;
    let r = admin
        .post("/api/v1/zones", json!({"name": "ops.example"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // The scope is the caller's own zones, even for an admin.
    let p = admin
        .post(
            "/api/v1/tokens",
            json!({"name": "t", "zones": ["olga.example"]}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "zones[0]");
    let r = admin
        .post(
            "/api/v1/tokens",
            json!({"name": "ops", "zones": ["ops.example"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut scoped = app.with_token(r.json()["secret"].as_str().unwrap());

    let zones = scoped.get("/api/v1/zones").await.json();
    assert_eq!(zones.as_array().unwrap().len(), 1, "{zones}");
    assert_eq!(zones[0]["name"], "ops.example.");
    scoped
        .get("/api/v1/zones/olga.example")
        .await
        .problem(StatusCode::NOT_FOUND);
    for path in ["/api/v1/users", "/api/v1/users/1", "/api/v1/settings"] {
        let p = scoped.get(path).await.problem(StatusCode::FORBIDDEN);
        assert!(p["detail"].as_str().unwrap().contains("scoped"), "{p}");
    }
    scoped
        .post(
            "/api/v1/users",
            json!({"email": "p@example.com", "role": "admin"}),
        )
        .await
        .problem(StatusCode::FORBIDDEN);

    // The admin's session still sees every zone.
    let all = admin.get("/api/v1/zones").await.json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    app.stop().await;
}

/// Login CSRF: a cross-site form that posts the attacker's credentials to the login would log
/// the victim's browser into the attacker's account. A login that names another origin is
/// refused, and no session is set; a script that names no origin still logs in.
#[tokio::test]
async fn a_cross_site_login_is_refused() {
    let app = TestApp::start().await;
    let mut browser = app.browser();
    browser.origin = Some("http://evil.example".into());
    let body = format!(
        "email={}&password={}",
        crate::harness::ADMIN_EMAIL.replace('@', "%40"),
        crate::harness::ADMIN_PASSWORD.replace(' ', "+")
    );
    let reply = browser
        .send(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            Some("application/x-www-form-urlencoded"),
            body.clone().into_bytes(),
        )
        .await;
    reply.problem(StatusCode::FORBIDDEN);
    assert!(
        browser.cookie.is_none(),
        "no session for a cross-site login"
    );
    let mut script = app.browser();
    script.origin = None;
    let reply = script
        .post(
            "/api/v1/auth/login",
            json!({"email": crate::harness::ADMIN_EMAIL, "password": crate::harness::ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    app.stop().await;
}
