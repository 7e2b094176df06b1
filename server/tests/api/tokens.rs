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

/// Create zones for a logged-in client, asserting success.
async fn add_zones(c: &mut crate::harness::Client, names: &[&str]) {
    for name in names {
        let r = c.post("/api/v1/zones", json!({ "name": name })).await;
        assert_eq!(r.status, StatusCode::CREATED, "{name}: {}", r.body);
    }
}

/// A new token of the logged-in client, with these request fields; returns (token, secret).
async fn new_token(
    c: &mut crate::harness::Client,
    body: serde_json::Value,
) -> (serde_json::Value, String) {
    let r = c.post("/api/v1/tokens", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let secret = r.json()["secret"].as_str().unwrap().to_owned();
    (r.json()["token"].clone(), secret)
}

async fn put_json(
    c: &mut crate::harness::Client,
    path: &str,
    body: serde_json::Value,
) -> crate::harness::Reply {
    c.send(
        reqwest::Method::PUT,
        path,
        Some("application/json"),
        body.to_string().into_bytes(),
    )
    .await
}

/// Every zone and RRset endpoint against `zone`, each answer's status and body.
async fn every_zone_endpoint(
    c: &mut crate::harness::Client,
    zone: &str,
) -> Vec<(String, crate::harness::Reply)> {
    let z = format!("/api/v1/zones/{zone}");
    let file = format!(
        "$ORIGIN {zone}.\n@ 3600 IN SOA ns. h. 1 2 3 4 5\n@ 3600 IN NS ns1.zonekeeper.invalid.\n"
    );
    let mut out = Vec::new();
    out.push(("show".to_owned(), c.get(&z).await));
    out.push((
        "patch zone".to_owned(),
        c.patch(&z, json!({"refresh": 600})).await,
    ));
    out.push((
        "list rrsets".to_owned(),
        c.get(&format!("{z}/rrsets")).await,
    ));
    out.push((
        "get rrset".to_owned(),
        c.get(&format!("{z}/rrsets/www/A")).await,
    ));
    out.push((
        "put rrset".to_owned(),
        put_json(
            c,
            &format!("{z}/rrsets/www/A"),
            json!({"records": ["192.0.2.9"]}),
        )
        .await,
    ));
    out.push((
        "patch rrsets".to_owned(),
        c.patch(
            &format!("{z}/rrsets"),
            json!({"changes": [{"name": "x", "type": "A", "records": ["192.0.2.8"]}]}),
        )
        .await,
    ));
    out.push((
        "delete rrset".to_owned(),
        c.delete(&format!("{z}/rrsets/www/A")).await,
    ));
    out.push(("export".to_owned(), c.get(&format!("{z}/export")).await));
    for query in ["?dry_run=true", ""] {
        out.push((
            format!("import{query}"),
            c.send(
                reqwest::Method::POST,
                &format!("{z}/import{query}"),
                Some("text/dns"),
                file.clone().into_bytes(),
            )
            .await,
        ));
    }
    out.push(("delete zone".to_owned(), c.delete(&z).await));
    out
}

#[tokio::test]
async fn scoped_token_sees_and_edits_only_its_zones() {
    let app = TestApp::start().await;
    let mut ivy = app.customer("ivy@example.com").await;
    add_zones(&mut ivy, &["a.example", "münchen.example", "b.example"]).await;
    let r = put_json(
        &mut ivy,
        "/api/v1/zones/b.example/rrsets/www/A",
        json!({"records": ["192.0.2.1"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut jack = app.customer("jack@example.com").await;
    add_zones(&mut jack, &["jack.example"]).await;

    // Names in any spelling; listed twice counts once; stored and shown canonical.
    let (token, secret) = new_token(
        &mut ivy,
        json!({"name": "dns-01", "zones": ["MÜNCHEN.example.", "a.example", "a.example."]}),
    )
    .await;
    assert_eq!(token["scoped"], true);
    assert_eq!(
        token["zones"],
        json!(["a.example.", "xn--mnchen-3ya.example."])
    );
    let listed = ivy.get("/api/v1/tokens").await.json();
    assert_eq!(listed[0]["zones"], token["zones"]);
    assert_eq!(listed[0]["scoped"], true);
    let (unscoped, _) = new_token(&mut ivy, json!({"name": "all"})).await;
    assert_eq!(unscoped["scoped"], false);
    assert_eq!(unscoped["zones"], json!([]));

    let mut api = app.with_token(&secret);
    let names: Vec<String> = api
        .get("/api/v1/zones")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["a.example.", "xn--mnchen-3ya.example."]);
    assert_eq!(api.get("/api/v1/zones?search=b.ex").await.json(), json!([]));

    // In scope: the records can be read and changed.
    assert_eq!(
        api.get("/api/v1/zones/münchen.example").await.status,
        StatusCode::OK
    );
    let r = put_json(
        &mut api,
        "/api/v1/zones/a.example/rrsets/www/A",
        json!({"records": ["192.0.2.7"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api
        .patch("/api/v1/zones/a.example", json!({"refresh": 900}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        api.get("/api/v1/zones/a.example/export").await.status,
        StatusCode::OK
    );

    // Outside the scope: the account's own zone answers exactly like another account's
    // zone, and like a zone that does not exist, on every endpoint; nothing changes.
    let records = app.count("record").await;
    let serial_b = ivy.get("/api/v1/zones/b.example").await.json()["serial"].clone();
    let own = every_zone_endpoint(&mut api, "b.example").await;
    let foreign = every_zone_endpoint(&mut api, "jack.example").await;
    let missing = every_zone_endpoint(&mut api, "nowhere.example").await;
    for ((what, own), ((_, foreign), (_, missing))) in own.iter().zip(foreign.iter().zip(&missing))
    {
        let p = own.problem(StatusCode::NOT_FOUND);
        assert_eq!(p, foreign.problem(StatusCode::NOT_FOUND), "{what}");
        assert_eq!(p, missing.problem(StatusCode::NOT_FOUND), "{what}");
    }
    assert_eq!(own.len(), 11);
    assert_eq!(app.count("record").await, records);
    assert_eq!(app.count("zone").await, 4);
    assert_eq!(
        ivy.get("/api/v1/zones/b.example").await.json()["serial"],
        serial_b
    );
    assert_eq!(
        ivy.get("/api/v1/zones/b.example/rrsets/www/A").await.json()["records"],
        json!(["192.0.2.1"])
    );

    // Nothing account-wide: no new zones, no tokens, no password change.
    let p = api
        .post("/api/v1/zones", json!({"name": "c.example"}))
        .await
        .problem(StatusCode::FORBIDDEN);
    assert!(p["detail"].as_str().unwrap().contains("scoped"), "{p}");
    assert_eq!(app.count("zone").await, 4);
    let tokens = app.count("api_token").await;
    api.get("/api/v1/tokens")
        .await
        .problem(StatusCode::FORBIDDEN);
    api.post("/api/v1/tokens", json!({"name": "wider"}))
        .await
        .problem(StatusCode::FORBIDDEN);
    api.post(
        "/api/v1/tokens",
        json!({"name": "same", "zones": ["a.example"]}),
    )
    .await
    .problem(StatusCode::FORBIDDEN);
    api.delete(&format!("/api/v1/tokens/{}", unscoped["id"]))
        .await
        .problem(StatusCode::FORBIDDEN);
    assert_eq!(app.count("api_token").await, tokens);
    api.post(
        "/api/v1/me/password",
        json!({"current_password": "customer password 1234", "new_password": "a brand new password"}),
    )
    .await
    .problem(StatusCode::FORBIDDEN);
    api.get("/api/v1/users")
        .await
        .problem(StatusCode::FORBIDDEN);
    // Who am I still answers.
    assert_eq!(
        api.get("/api/v1/me").await.json()["email"],
        "ivy@example.com"
    );
    app.stop().await;
}

#[tokio::test]
async fn scope_must_name_own_zones() {
    let app = TestApp::start().await;
    let mut kim = app.customer("kim@example.com").await;
    add_zones(&mut kim, &["kim.example"]).await;
    let mut lou = app.customer("lou@example.com").await;
    add_zones(&mut lou, &["lou.example"]).await;
    let (tokens, scopes, audit) = (
        app.count("api_token").await,
        app.count("api_token_zone").await,
        app.count("audit_log").await,
    );

    // Another account's zone and a zone that does not exist: the same answer.
    let p = kim
        .post(
            "/api/v1/tokens",
            json!({"name": "t", "zones": ["kim.example", "lou.example", "ghost.example", "no zone"]}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    let errors = p["errors"].as_array().unwrap();
    let fields: Vec<&str> = errors
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["zones[1]", "zones[2]", "zones[3]"], "{p}");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("not one of your zones"),
        "{p}"
    );
    assert_eq!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .replace("lou", "ghost"),
        errors[1]["message"].as_str().unwrap()
    );
    // A bad name and a bad zone are reported together.
    let p = kim
        .post("/api/v1/tokens", json!({"name": " ", "zones": ["com"]}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "name");
    assert_eq!(p["errors"][1]["field"], "zones[0]");
    // Unknown fields in the request are still refused.
    kim.post(
        "/api/v1/tokens",
        json!({"name": "t", "zone": ["kim.example"]}),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("api_token").await, tokens, "nothing stored");
    assert_eq!(app.count("api_token_zone").await, scopes);
    assert_eq!(app.count("audit_log").await, audit);

    // The audit log records the scope of a created token.
    let (token, _) = new_token(&mut kim, json!({"name": "t", "zones": ["kim.example"]})).await;
    let after: serde_json::Value = sqlx::query_scalar(
        "select after from audit_log where action = 'token.create' and object_id = $1",
    )
    .bind(token["id"].as_i64().unwrap().to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(after["zones"], json!(["kim.example."]));
    app.stop().await;
}

#[tokio::test]
async fn deleted_zones_shrink_the_scope_down_to_nothing() {
    let app = TestApp::start().await;
    let mut max = app.customer("max@example.com").await;
    add_zones(&mut max, &["one.example", "two.example", "three.example"]).await;
    let (both, both_secret) = new_token(
        &mut max,
        json!({"name": "both", "zones": ["one.example", "two.example"]}),
    )
    .await;
    let (_, one_secret) =
        new_token(&mut max, json!({"name": "one", "zones": ["one.example"]})).await;

    // The scoped token may delete a zone of its own scope.
    let mut one = app.with_token(&one_secret);
    assert_eq!(
        one.delete("/api/v1/zones/one.example").await.status,
        StatusCode::NO_CONTENT
    );
    // Its scope is now empty, and it stays scoped: it sees nothing, not everything.
    assert_eq!(one.get("/api/v1/zones").await.json(), json!([]));
    for zone in ["two.example", "three.example"] {
        one.get(&format!("/api/v1/zones/{zone}"))
            .await
            .problem(StatusCode::NOT_FOUND);
        one.get(&format!("/api/v1/zones/{zone}/rrsets"))
            .await
            .problem(StatusCode::NOT_FOUND);
    }
    one.post("/api/v1/zones", json!({"name": "one.example"}))
        .await
        .problem(StatusCode::FORBIDDEN);
    one.get("/api/v1/tokens")
        .await
        .problem(StatusCode::FORBIDDEN);

    // The other token keeps the rest of its scope.
    let mut api = app.with_token(&both_secret);
    let listed = api.get("/api/v1/zones").await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["name"], "two.example.");

    // A zone created again under the same name is a new zone: not in any old scope.
    add_zones(&mut max, &["one.example"]).await;
    one.get("/api/v1/zones/one.example")
        .await
        .problem(StatusCode::NOT_FOUND);
    assert_eq!(
        api.get("/api/v1/zones")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let tokens = max.get("/api/v1/tokens").await.json();
    let by_name = |n: &str| {
        tokens
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("one")["scoped"], true);
    assert_eq!(by_name("one")["zones"], json!([]));
    assert_eq!(by_name("both")["zones"], json!(["two.example."]));
    assert_eq!(by_name("both")["id"], both["id"]);
    app.stop().await;
}

#[tokio::test]
async fn read_only_scoped_token_reads_its_zones_only() {
    let app = TestApp::start().await;
    let mut nia = app.customer("nia@example.com").await;
    add_zones(&mut nia, &["mine.example", "other.example"]).await;
    let (token, secret) = new_token(
        &mut nia,
        json!({"name": "monitor", "read_only": true, "zones": ["mine.example"]}),
    )
    .await;
    assert_eq!(token["read_only"], true);
    assert_eq!(token["scoped"], true);
    let mut ro = app.with_token(&secret);
    assert_eq!(
        ro.get("/api/v1/zones/mine.example/rrsets").await.status,
        StatusCode::OK
    );
    assert_eq!(
        ro.get("/api/v1/zones/mine.example/export").await.status,
        StatusCode::OK
    );
    assert_eq!(
        ro.get("/api/v1/zones")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Writes are refused as read-only, in scope or not.
    let p = put_json(
        &mut ro,
        "/api/v1/zones/mine.example/rrsets/www/A",
        json!({"records": ["192.0.2.1"]}),
    )
    .await
    .problem(StatusCode::FORBIDDEN);
    assert!(p["detail"].as_str().unwrap().contains("read-only"), "{p}");
    ro.delete("/api/v1/zones/mine.example")
        .await
        .problem(StatusCode::FORBIDDEN);
    // Reads outside the scope are "not found".
    ro.get("/api/v1/zones/other.example")
        .await
        .problem(StatusCode::NOT_FOUND);
    ro.get("/api/v1/zones/other.example/export")
        .await
        .problem(StatusCode::NOT_FOUND);
    // And reads of account-wide things are refused for the scope.
    ro.get("/api/v1/tokens")
        .await
        .problem(StatusCode::FORBIDDEN);
    assert_eq!(app.count("zone").await, 2);
    app.stop().await;
}
