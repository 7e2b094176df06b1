//! Forward zones: creation rules, ownership, listing and deletion.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::TestApp;

#[tokio::test]
async fn create_list_show_delete() {
    let app = TestApp::start().await;
    let mut cust = app.customer("olga@example.com").await;
    let r = cust
        .post("/api/v1/zones", json!({"name": "Example.COM"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let z = r.json();
    assert_eq!(z["name"], "example.com.");
    assert_eq!(z["owner"], "olga@example.com");
    // SOA and NS come from the operator's settings: two NS records at the apex.
    assert_eq!(z["record_count"], 2);
    let serial = z["serial"].as_u64().unwrap();
    assert!(serial > 2026000000, "date-based serial: {serial}");
    let (rname, mname): (String, String) = sqlx::query_as("select soa_rname, soa_mname from zone")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rname, "hostmaster.zonekeeper.invalid.");
    assert_eq!(mname, "ns1.zonekeeper.invalid.");

    // IDN input is stored as A-labels and shown in Unicode.
    let r = cust
        .post("/api/v1/zones", json!({"name": "münchen.de"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["name"], "xn--mnchen-3ya.de.");
    assert_eq!(r.json()["display_name"], "münchen.de.");

    let all = cust.get("/api/v1/zones").await.json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    let found = cust.get("/api/v1/zones?search=m%C3%BCnchen").await.json();
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["name"], "xn--mnchen-3ya.de.");
    cust.get("/api/v1/zones?color=red")
        .await
        .problem(StatusCode::BAD_REQUEST);

    assert_eq!(
        cust.get("/api/v1/zones/example.com").await.json()["name"],
        "example.com."
    );
    assert_eq!(
        cust.get("/api/v1/zones/example.com.").await.status,
        StatusCode::OK
    );

    let audit: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'zone.create'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(audit, 2);

    assert_eq!(
        cust.delete("/api/v1/zones/example.com").await.status,
        StatusCode::NO_CONTENT
    );
    cust.get("/api/v1/zones/example.com")
        .await
        .problem(StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("record where name = 'example.com.'").await,
        0,
        "records go with the zone"
    );
    app.stop().await;
}

#[tokio::test]
async fn zone_names_are_validated() {
    let app = TestApp::start().await;
    let mut cust = app.customer("pete@example.com").await;
    for (name, rule) in [
        ("com", "top-level"),
        ("co.uk", "public suffix"),
        ("in-addr.arpa", "public suffix"),
        ("exa mple.com", "valid domain name"),
        ("a..example.com", "empty labels"),
        ("", "empty"),
    ] {
        let p = cust
            .post("/api/v1/zones", json!({"name": name}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(p["errors"][0]["field"], "name", "{name}");
        assert!(
            p["errors"][0]["message"].as_str().unwrap().contains(rule),
            "{name}: {p}"
        );
    }
    let long_label = format!("{}.example.com", "a".repeat(64));
    let p = cust
        .post("/api/v1/zones", json!({"name": long_label}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("63"));
    cust.post("/api/v1/zones", json!({"name": "example.org", "ttl": 5}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("zone").await, 0);
    assert_eq!(app.count("record").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn zones_belong_to_one_account() {
    let app = TestApp::start().await;
    let mut quinn = app.customer("quinn@example.com").await;
    let mut rita = app.customer("rita@example.com").await;
    assert_eq!(
        quinn
            .post("/api/v1/zones", json!({"name": "quinn.example"}))
            .await
            .status,
        StatusCode::CREATED
    );

    // The same zone, a zone inside it, or a zone above it: refused for anyone else.
    for name in ["quinn.example", "QUINN.example.", "www.quinn.example"] {
        let p = rita
            .post("/api/v1/zones", json!({"name": name}))
            .await
            .problem(StatusCode::CONFLICT);
        assert_eq!(p["errors"][0]["field"], "name");
    }
    // The owner may nest her own zones.
    assert_eq!(
        quinn
            .post("/api/v1/zones", json!({"name": "sub.quinn.example"}))
            .await
            .status,
        StatusCode::CREATED
    );
    quinn
        .post("/api/v1/zones", json!({"name": "quinn.example"}))
        .await
        .problem(StatusCode::CONFLICT);

    // Another customer's zone does not exist for rita: not listed, not shown, not deletable.
    assert_eq!(
        rita.get("/api/v1/zones")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let p1 = rita
        .get("/api/v1/zones/quinn.example")
        .await
        .problem(StatusCode::NOT_FOUND);
    let p2 = rita
        .get("/api/v1/zones/nothing-here.example")
        .await
        .problem(StatusCode::NOT_FOUND);
    assert_eq!(p1, p2);
    rita.delete("/api/v1/zones/quinn.example")
        .await
        .problem(StatusCode::NOT_FOUND);
    assert_eq!(app.count("zone").await, 2);

    // Admins see every zone, with its owner.
    let mut admin = app.admin().await;
    let all = admin.get("/api/v1/zones").await.json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[0]["owner"], "quinn@example.com");

    // A read-only token lists but cannot create.
    let r = quinn
        .post("/api/v1/tokens", json!({"name": "ro", "read_only": true}))
        .await;
    let mut ro = app.with_token(r.json()["secret"].as_str().unwrap());
    assert_eq!(
        ro.get("/api/v1/zones")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    ro.post("/api/v1/zones", json!({"name": "another.example"}))
        .await
        .problem(StatusCode::FORBIDDEN);
    ro.delete("/api/v1/zones/quinn.example")
        .await
        .problem(StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn soa_values_are_edited_through_the_zone() {
    let app = TestApp::start().await;
    let mut c = app.customer("ada@example.com").await;
    let z = c
        .post("/api/v1/zones", json!({"name": "ada.example"}))
        .await
        .json();
    let s0 = z["serial"].as_u64().unwrap();
    let r = c
        .patch(
            "/api/v1/zones/ada.example",
            json!({"rname": "dns@ada.example", "refresh": 3600, "minimum": 60}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["serial"].as_u64().unwrap() > s0);
    let soa = c.get("/api/v1/zones/ada.example/rrsets/@/SOA").await.json();
    let text = soa["records"][0].as_str().unwrap();
    assert!(text.contains(" dns.ada.example. "), "{text}");
    assert!(text.ends_with(" 3600 1800 1209600 60"), "{text}");

    let p = c
        .patch(
            "/api/v1/zones/ada.example",
            json!({"mname": "192.0.2.1", "retry": 0, "ttl": -5, "rname": "a.b@c.example"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["mname", "rname", "retry", "ttl"] {
        assert!(fields.contains(&f), "{f} missing: {p}");
    }
    c.patch("/api/v1/zones/ada.example", json!({"serial": 7}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    let mut other = app.customer("bob@example.com").await;
    other
        .patch("/api/v1/zones/ada.example", json!({"refresh": 60}))
        .await
        .problem(StatusCode::NOT_FOUND);
    let soa_after = c.get("/api/v1/zones/ada.example/rrsets/@/SOA").await.json();
    assert_eq!(
        soa_after["records"], soa["records"],
        "refused changes stored nothing"
    );
    app.stop().await;
}

#[tokio::test]
async fn operator_settings_shape_new_zones() {
    let app = TestApp::start().await;
    let mut cust = app.customer("cy@example.com").await;
    cust.get("/api/v1/settings")
        .await
        .problem(StatusCode::FORBIDDEN);
    let mut admin = app.admin().await;
    let mut s = admin.get("/api/v1/settings").await.json();
    assert_eq!(s["nameservers"][0], "ns1.zonekeeper.invalid.");

    let bad = json!({"nameservers": [], "hostmaster": "nobody", "soa_refresh": 0, "soa_retry": 1, "soa_expire": 1, "soa_minimum": -1, "default_ttl": 0});
    let p = admin
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings",
            Some("application/json"),
            bad.to_string().into_bytes(),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["errors"].as_array().unwrap().len() >= 5, "{p}");

    s["nameservers"] = json!(["a.ns.provider.example.", "b.ns.provider.example."]);
    s["hostmaster"] = json!("noc@provider.example");
    s["default_ttl"] = json!(1800);
    let r = admin
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings",
            Some("application/json"),
            s.to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["hostmaster"], "noc.provider.example.");
    cust.post("/api/v1/zones", json!({"name": "cy.example"}))
        .await;
    let ns = cust
        .get("/api/v1/zones/cy.example/rrsets/@/NS")
        .await
        .json();
    assert_eq!(
        ns["records"],
        json!(["a.ns.provider.example.", "b.ns.provider.example."])
    );
    assert_eq!(ns["ttl"], 1800);
    let soa = cust
        .get("/api/v1/zones/cy.example/rrsets/@/SOA")
        .await
        .json();
    assert!(soa["records"][0]
        .as_str()
        .unwrap()
        .starts_with("a.ns.provider.example. noc.provider.example. "));
    app.stop().await;
}

/// Who may create which zone: a customer creates registrable domains and subzones of their
/// own zones; the operator's names (default reverse names, name servers) are admins' alone; a
/// reverse zone is deleted only through its own endpoint.
#[tokio::test]
async fn squatting_and_the_operators_names_are_refused() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let mut mallory = app.customer("mallory@example.com").await;
    let mut olga = app.customer("olga@example.com").await;
    let conflict = |r: crate::harness::Reply, needle: &str| {
        let p = r.problem(StatusCode::CONFLICT);
        let fields = crate::harness::field_errors(&p);
        assert_eq!(fields[0].0, "name", "{p}");
        assert!(fields[0].1.contains(needle), "{needle}: {p}");
    };

    // Below a registrable domain nobody here holds: refused, so that the domain's owner can
    // still host it.
    let r = mallory
        .post("/api/v1/zones", json!({"name": "shop.example.com"}))
        .await;
    conflict(r, "below the domain example.com.");
    let r = olga
        .post("/api/v1/zones", json!({"name": "example.com"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = olga
        .post("/api/v1/zones", json!({"name": "shop.example.com"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Public Suffix List: example.co.uk. is registrable, co.uk. is not.
    let p = mallory
        .post("/api/v1/zones", json!({"name": "co.uk"}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        crate::harness::field_errors(&p)[0]
            .1
            .contains("public suffix"),
        "{p}"
    );
    let r = mallory
        .post("/api/v1/zones", json!({"name": "example.co.uk"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // The operator's default reverse names live under clients.provider.test.: a customer who
    // held provider.test. would answer for every customer's default PTR names.
    let r = admin
        .post(
            "/api/v1/reverse-zones",
            json!({"network": "203.0.0.0/16", "template": "static.{ip-reversed}.clients.provider.test"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for name in ["provider.test", "clients.provider.test"] {
        let r = mallory.post("/api/v1/zones", json!({ "name": name })).await;
        conflict(r, "default reverse names");
    }
    // The name servers of the settings (ns1.zonekeeper.invalid. by default).
    let r = mallory
        .post("/api/v1/zones", json!({"name": "zonekeeper.invalid"}))
        .await;
    conflict(r, "name server ns1.zonekeeper.invalid.");
    // Admins create them.
    let r = admin
        .post("/api/v1/zones", json!({"name": "provider.test"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // A reverse zone with a range is not deleted through /zones (this once was a 500).
    let r = admin
        .post(
            "/api/v1/ranges",
            json!({"network": "203.0.113.0/24", "owner": "olga@example.com"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = admin.delete("/api/v1/zones/0.203.in-addr.arpa").await;
    conflict(r, "/api/v1/reverse-zones/0.203.in-addr.arpa.");
    assert_eq!(app.count("reverse_zone").await, 1);
    app.stop().await;
}
