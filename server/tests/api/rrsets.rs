//! The records of a zone through the RRset API: rules per record, rules across the zone,
//! atomic batches, serials, ownership.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{Client, TestApp};

async fn with_zone(app: &TestApp, email: &str, zone: &str) -> Client {
    let mut c = app.customer(email).await;
    let r = c.post("/api/v1/zones", json!({ "name": zone })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    c
}

async fn serial(c: &mut Client, zone: &str) -> u64 {
    c.get(&format!("/api/v1/zones/{zone}")).await.json()["serial"].as_u64().unwrap()
}

async fn put(c: &mut Client, path: &str, body: Value) -> crate::harness::Reply {
    c.send(reqwest::Method::PUT, path, Some("application/json"), body.to_string().into_bytes())
        .await
}

#[tokio::test]
async fn put_get_delete_an_rrset() {
    let app = TestApp::start().await;
    let mut c = with_zone(&app, "sam@example.com", "sam.example").await;
    let s0 = serial(&mut c, "sam.example").await;

    let r = put(&mut c, "/api/v1/zones/sam.example/rrsets/www/A", json!({"ttl": 300, "records": ["192.0.2.1", "192.0.2.2"], "comment": "web"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let res = r.json();
    assert!(res["serial"].as_u64().unwrap() > s0);
    assert_eq!(res["rrsets"][0]["fqdn"], "www.sam.example.");
    assert_eq!(res["rrsets"][0]["name"], "www");
    assert_eq!(serial(&mut c, "sam.example").await, res["serial"].as_u64().unwrap());

    let got = c.get("/api/v1/zones/sam.example/rrsets/www/A").await.json();
    assert_eq!(got["ttl"], 300);
    let file = c.get("/api/v1/zones/sam.example/export").await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.headers["content-type"].to_str().unwrap().starts_with("text/dns"));
    assert!(file.body.starts_with("$ORIGIN sam.example.\n@\t3600\tIN\tSOA\t"), "{}", file.body);
    assert!(file.body.contains("www\t300\tIN\tA\t192.0.2.1\n"), "{}", file.body);
    app.customer("yves@example.com").await.get("/api/v1/zones/sam.example/export").await.problem(StatusCode::NOT_FOUND);
    assert_eq!(got["records"], json!(["192.0.2.1", "192.0.2.2"]));
    assert_eq!(got["comment"], "web");

    // Listing includes the SOA (read-only) and the apex NS from the settings.
    let all = c.get("/api/v1/zones/sam.example/rrsets").await.json();
    let kinds: Vec<(String, String, bool)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap().into(), r["type"].as_str().unwrap().into(), r["editable"].as_bool().unwrap()))
        .collect();
    assert!(kinds.contains(&("@".into(), "SOA".into(), false)), "{kinds:?}");
    assert!(kinds.contains(&("@".into(), "NS".into(), true)), "{kinds:?}");
    assert!(kinds.contains(&("www".into(), "A".into(), true)), "{kinds:?}");
    let only_a = c.get("/api/v1/zones/sam.example/rrsets?type=a").await.json();
    assert_eq!(only_a.as_array().unwrap().len(), 1);

    // Replace, then delete.
    let r = put(&mut c, "/api/v1/zones/sam.example/rrsets/www/A", json!({"records": ["192.0.2.3"]})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["rrsets"][0]["ttl"], 3600, "default TTL from the settings");
    assert_eq!(r.json()["rrsets"][0]["comment"], "web", "comment kept when not given");
    assert_eq!(c.delete("/api/v1/zones/sam.example/rrsets/www/A").await.status, StatusCode::OK);
    c.get("/api/v1/zones/sam.example/rrsets/www/A").await.problem(StatusCode::NOT_FOUND);
    c.delete("/api/v1/zones/sam.example/rrsets/www/A").await.problem(StatusCode::NOT_FOUND);

    let audit: i64 = sqlx::query_scalar("select count(*) from audit_log where object_type = 'rrset'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(audit, 3);
    app.stop().await;
}

#[tokio::test]
async fn record_and_zone_rules_reject_and_store_nothing() {
    let app = TestApp::start().await;
    let mut c = with_zone(&app, "tina@example.com", "tina.example").await;
    assert_eq!(put(&mut c, "/api/v1/zones/tina.example/rrsets/www/A", json!({"records": ["192.0.2.1"]})).await.status, StatusCode::OK);
    let s0 = serial(&mut c, "tina.example").await;
    let rows = app.count("record").await;

    let cases: Vec<(&str, Value, &str)> = vec![
        ("/api/v1/zones/tina.example/rrsets/www/A", json!({"records": ["999.1.1.1"]}), "records[0]"),
        ("/api/v1/zones/tina.example/rrsets/@/MX", json!({"records": ["10 192.0.2.1"]}), "records[0]"),
        ("/api/v1/zones/tina.example/rrsets/_sip._tcp/SRV", json!({"records": ["0 5 5060 192.0.2.1"]}), "records[0]"),
        ("/api/v1/zones/tina.example/rrsets/mail/A", json!({"records": ["192.0.2.1", "192.0.2.1"]}), "records"),
        ("/api/v1/zones/tina.example/rrsets/mail/A", json!({"ttl": 0, "records": ["192.0.2.1"]}), "ttl"),
        ("/api/v1/zones/tina.example/rrsets/mail/A", json!({"ttl": 2147483648i64, "records": ["192.0.2.1"]}), "ttl"),
        ("/api/v1/zones/tina.example/rrsets/@/CAA", json!({"records": ["0 is-sue \"ca.example\""]}), "records[0]"),
        ("/api/v1/zones/tina.example/rrsets/@/CAA", json!({"records": ["300 issue \"ca.example\""]}), "records[0]"),
        ("/api/v1/zones/tina.example/rrsets/sub/DS", json!({"records": ["12345 13 2 abcd"]}), "records[0]"),
        ("/api/v1/zones/tina.example/rrsets/a..b/A", json!({"records": ["192.0.2.1"]}), "name"),
        ("/api/v1/zones/tina.example/rrsets/w*w/A", json!({"records": ["192.0.2.1"]}), "name"),
        (&"/api/v1/zones/tina.example/rrsets/LONGLABEL/A", json!({"records": ["192.0.2.1"]}), "name"),
        ("/api/v1/zones/tina.example/rrsets/www.other.example./A", json!({"records": ["192.0.2.1"]}), "name"),
        ("/api/v1/zones/tina.example/rrsets/www/BOGUS", json!({"records": ["x"]}), "type"),
        ("/api/v1/zones/tina.example/rrsets/@/SOA", json!({"records": ["a. b. 1 2 3 4 5"]}), "type"),
        ("/api/v1/zones/tina.example/rrsets/mail/A", json!({"records": []}), "records"),
        // Zone rules: CNAME next to other data, CNAME at the apex.
        ("/api/v1/zones/tina.example/rrsets/www/CNAME", json!({"records": ["other.example."]}), "zone"),
        ("/api/v1/zones/tina.example/rrsets/@/CNAME", json!({"records": ["other.example."]}), "type"),
    ];
    let long = "a".repeat(64);
    for (path, body, field) in cases {
        let path = path.replace("LONGLABEL", &long);
        let p = put(&mut c, &path, body.clone()).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.iter().any(|f| f.starts_with(field)), "{path} {body}: wanted {field}, got {p}");
        assert!(p["errors"][0]["message"].as_str().unwrap().len() > 5, "{p}");
    }
    assert_eq!(app.count("record").await, rows, "nothing stored");
    assert_eq!(serial(&mut c, "tina.example").await, s0, "serial unchanged");

    // Wildcards as the whole leftmost label, underscore labels for services: accepted.
    assert_eq!(put(&mut c, "/api/v1/zones/tina.example/rrsets/*/A", json!({"records": ["192.0.2.9"]})).await.status, StatusCode::OK);
    assert_eq!(put(&mut c, "/api/v1/zones/tina.example/rrsets/_dmarc/TXT", json!({"records": ["v=DMARC1; p=none"]})).await.status, StatusCode::OK);
    let r = put(&mut c, "/api/v1/zones/tina.example/rrsets/@/CAA", json!({"records": ["0 issue \"letsencrypt.org\""]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = put(&mut c, "/api/v1/zones/tina.example/rrsets/_443._tcp.www/TLSA", json!({"records": ["3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.stop().await;
}

#[tokio::test]
async fn txt_is_split_and_kept_as_text() {
    let app = TestApp::start().await;
    let mut c = with_zone(&app, "uma@example.com", "uma.example").await;
    let long = "k".repeat(600);
    let r = put(&mut c, "/api/v1/zones/uma.example/rrsets/dkim/TXT", json!({"records": [long]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let stored = r.json()["rrsets"][0]["records"][0].as_str().unwrap().to_owned();
    // 600 octets become three quoted chunks of at most 255.
    assert_eq!(stored.matches('"').count(), 6, "{stored}");
    assert_eq!(stored.replace(['"', ' '], ""), long);
    let r = put(&mut c, "/api/v1/zones/uma.example/rrsets/xss/TXT", json!({"records": ["<script>alert(1)</script>"]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["rrsets"][0]["records"][0].as_str().unwrap().contains("<script>"));
    app.stop().await;
}

#[tokio::test]
async fn batches_are_all_or_nothing_and_warnings_do_not_block() {
    let app = TestApp::start().await;
    let mut c = with_zone(&app, "vic@example.com", "vic.example").await;
    let rows = app.count("record").await;
    let p = c
        .patch("/api/v1/zones/vic.example/rrsets", json!({"changes": [
            {"name": "a", "type": "A", "records": ["192.0.2.1"]},
            {"name": "b", "type": "MX", "records": ["10 192.0.2.1"]},
        ]}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "changes[1].records[0]", "{p}");
    assert_eq!(app.count("record").await, rows, "the valid item was not stored either");
    c.patch("/api/v1/zones/vic.example/rrsets", json!({"changes": []})).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    c.patch("/api/v1/zones/vic.example/rrsets", json!({"changes": [{"name": "a", "type": "A", "records": ["192.0.2.1"], "prio": 1}]}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);

    // A delegation with data below it, and an in-bailiwick NS without glue: stored, with warnings.
    let r = c
        .patch("/api/v1/zones/vic.example/rrsets", json!({"changes": [
            {"name": "sub", "type": "NS", "records": ["ns1.sub.vic.example."]},
            {"name": "www.sub", "type": "A", "records": ["192.0.2.5"]},
            {"name": "mail", "type": "MX", "records": ["10 mx.vic.example."]},
        ]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let warnings = r.json()["warnings"].as_array().unwrap().clone();
    assert!(warnings.len() >= 2, "{warnings:?}");
    assert_eq!(r.json()["rrsets"].as_array().unwrap().len(), 3);
    // DS is allowed at the delegation point.
    let r = put(&mut c, "/api/v1/zones/vic.example/rrsets/sub/DS", json!({"records": ["12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Deleting within a batch.
    let r = c
        .patch("/api/v1/zones/vic.example/rrsets", json!({"changes": [
            {"name": "www.sub", "type": "A", "changetype": "delete"},
            {"name": "mail", "type": "MX", "changetype": "delete"},
        ]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    c.get("/api/v1/zones/vic.example/rrsets/mail/MX").await.problem(StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn records_belong_to_the_zone_owner() {
    let app = TestApp::start().await;
    let mut owner = with_zone(&app, "wes@example.com", "wes.example").await;
    assert_eq!(put(&mut owner, "/api/v1/zones/wes.example/rrsets/www/A", json!({"records": ["192.0.2.1"]})).await.status, StatusCode::OK);
    let mut other = app.customer("xena@example.com").await;
    other.get("/api/v1/zones/wes.example/rrsets").await.problem(StatusCode::NOT_FOUND);
    other.get("/api/v1/zones/wes.example/rrsets/www/A").await.problem(StatusCode::NOT_FOUND);
    put(&mut other, "/api/v1/zones/wes.example/rrsets/www/A", json!({"records": ["198.51.100.1"]})).await.problem(StatusCode::NOT_FOUND);
    other.delete("/api/v1/zones/wes.example/rrsets/www/A").await.problem(StatusCode::NOT_FOUND);
    other
        .patch("/api/v1/zones/wes.example/rrsets", json!({"changes": [{"name": "www", "type": "A", "changetype": "delete"}]}))
        .await
        .problem(StatusCode::NOT_FOUND);
    let got = owner.get("/api/v1/zones/wes.example/rrsets/www/A").await.json();
    assert_eq!(got["records"], json!(["192.0.2.1"]));
    app.stop().await;
}

#[tokio::test]
async fn export_passes_named_checkzone() {
    let app = TestApp::start().await;
    let mut c = with_zone(&app, "zack@example.com", "zack.example").await;
    let r = c
        .patch("/api/v1/zones/zack.example/rrsets", json!({"changes": [
            {"name": "@", "type": "A", "records": ["192.0.2.1"]},
            {"name": "@", "type": "MX", "records": ["10 mail.zack.example."]},
            {"name": "@", "type": "TXT", "records": ["v=spf1 mx -all", "x".repeat(300)]},
            {"name": "@", "type": "CAA", "records": ["0 issue \"letsencrypt.org\""]},
            {"name": "mail", "type": "A", "records": ["192.0.2.2"]},
            {"name": "mail", "type": "AAAA", "records": ["2001:db8::2"]},
            {"name": "www", "type": "CNAME", "records": ["zack.example."]},
            {"name": "*.dev", "type": "A", "records": ["192.0.2.3"]},
            {"name": "_sip._tcp", "type": "SRV", "records": ["10 5 5060 sip.zack.example."]},
            {"name": "sip", "type": "A", "records": ["192.0.2.4"]},
            {"name": "sub", "type": "NS", "records": ["ns1.sub.zack.example."]},
            {"name": "ns1.sub", "type": "A", "records": ["192.0.2.53"]},
            {"name": "sub", "type": "DS", "records": ["12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]},
            {"name": "_443._tcp.www", "type": "TLSA", "records": ["3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]},
            {"name": "host", "type": "SSHFP", "records": ["4 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]},
            {"name": "host", "type": "A", "records": ["192.0.2.5"]},
        ]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let file = c.get("/api/v1/zones/zack.example/export").await.body;
    let path = std::env::temp_dir().join(format!("zk-export-{}.zone", std::process::id()));
    std::fs::write(&path, &file).unwrap();
    let out = std::process::Command::new("named-checkzone")
        .arg("zack.example")
        .arg(&path)
        .output()
        .expect("named-checkzone (Debian bind9-utils; ./zk test installs it)");
    let _ = std::fs::remove_file(&path);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "named-checkzone refused the export:\n{report}\n{file}");
    assert!(report.contains("OK"), "{report}");
    app.stop().await;
}
