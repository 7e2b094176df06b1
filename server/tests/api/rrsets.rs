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
    c.get(&format!("/api/v1/zones/{zone}")).await.json()["serial"]
        .as_u64()
        .unwrap()
}

async fn put(c: &mut Client, path: &str, body: Value) -> crate::harness::Reply {
    c.send(
        reqwest::Method::PUT,
        path,
        Some("application/json"),
        body.to_string().into_bytes(),
    )
    .await
}

#[tokio::test]
async fn put_get_delete_an_rrset() {
    let app = TestApp::start().await;
    let mut c = with_zone(&app, "sam@example.com", "sam.example").await;
    let s0 = serial(&mut c, "sam.example").await;

    let r = put(
        &mut c,
        "/api/v1/zones/sam.example/rrsets/www/A",
        json!({"ttl": 300, "records": ["192.0.2.1", "192.0.2.2"], "comment": "web"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let res = r.json();
    assert!(res["serial"].as_u64().unwrap() > s0);
    assert_eq!(res["rrsets"][0]["fqdn"], "www.sam.example.");
    assert_eq!(res["rrsets"][0]["name"], "www");
    assert_eq!(
        serial(&mut c, "sam.example").await,
        res["serial"].as_u64().unwrap()
    );

    let got = c.get("/api/v1/zones/sam.example/rrsets/www/A").await.json();
    assert_eq!(got["ttl"], 300);
    let file = c.get("/api/v1/zones/sam.example/export").await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/dns"));
    assert!(
        file.body
            .starts_with("$ORIGIN sam.example.\n@\t3600\tIN\tSOA\t"),
        "{}",
        file.body
    );
    assert!(
        file.body.contains("www\t300\tIN\tA\t192.0.2.1\n"),
        "{}",
        file.body
    );
    app.customer("yves@example.com")
        .await
        .get("/api/v1/zones/sam.example/export")
        .await
        .problem(StatusCode::NOT_FOUND);
    assert_eq!(got["records"], json!(["192.0.2.1", "192.0.2.2"]));
    assert_eq!(got["comment"], "web");

    // Listing includes the SOA (read-only) and the apex NS from the settings.
    let all = c.get("/api/v1/zones/sam.example/rrsets").await.json();
    let kinds: Vec<(String, String, bool)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().into(),
                r["type"].as_str().unwrap().into(),
                r["editable"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("@".into(), "SOA".into(), false)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("@".into(), "NS".into(), true)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("www".into(), "A".into(), true)),
        "{kinds:?}"
    );
    let only_a = c
        .get("/api/v1/zones/sam.example/rrsets?type=a")
        .await
        .json();
    assert_eq!(only_a.as_array().unwrap().len(), 1);

    // Replace, then delete.
    let r = put(
        &mut c,
        "/api/v1/zones/sam.example/rrsets/www/A",
        json!({"records": ["192.0.2.3"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json()["rrsets"][0]["ttl"],
        3600,
        "default TTL from the settings"
    );
    assert_eq!(
        r.json()["rrsets"][0]["comment"],
        "web",
        "comment kept when not given"
    );
    assert_eq!(
        c.delete("/api/v1/zones/sam.example/rrsets/www/A")
            .await
            .status,
        StatusCode::OK
    );
    c.get("/api/v1/zones/sam.example/rrsets/www/A")
        .await
        .problem(StatusCode::NOT_FOUND);
    c.delete("/api/v1/zones/sam.example/rrsets/www/A")
        .await
        .problem(StatusCode::NOT_FOUND);

    let audit: i64 =
        sqlx::query_scalar("select count(*) from audit_log where object_type = 'rrset'")
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
    assert_eq!(
        put(
            &mut c,
            "/api/v1/zones/tina.example/rrsets/www/A",
            json!({"records": ["192.0.2.1"]})
        )
        .await
        .status,
        StatusCode::OK
    );
    let s0 = serial(&mut c, "tina.example").await;
    let rows = app.count("record").await;

    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "/api/v1/zones/tina.example/rrsets/www/A",
            json!({"records": ["999.1.1.1"]}),
            "records[0]",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/@/MX",
            json!({"records": ["10 192.0.2.1"]}),
            "records[0]",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/_sip._tcp/SRV",
            json!({"records": ["0 5 5060 192.0.2.1"]}),
            "records[0]",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/mail/A",
            json!({"records": ["192.0.2.1", "192.0.2.1"]}),
            "records",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/mail/A",
            json!({"ttl": 0, "records": ["192.0.2.1"]}),
            "ttl",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/mail/A",
            json!({"ttl": 2147483648i64, "records": ["192.0.2.1"]}),
            "ttl",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/@/CAA",
            json!({"records": ["0 is-sue \"ca.example\""]}),
            "records[0]",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/@/CAA",
            json!({"records": ["300 issue \"ca.example\""]}),
            "records[0]",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/sub/DS",
            json!({"records": ["12345 13 2 abcd"]}),
            "records[0]",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/a..b/A",
            json!({"records": ["192.0.2.1"]}),
            "name",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/w*w/A",
            json!({"records": ["192.0.2.1"]}),
            "name",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/LONGLABEL/A",
            json!({"records": ["192.0.2.1"]}),
            "name",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/www.other.example./A",
            json!({"records": ["192.0.2.1"]}),
            "name",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/www/BOGUS",
            json!({"records": ["x"]}),
            "type",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/@/SOA",
            json!({"records": ["a. b. 1 2 3 4 5"]}),
            "type",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/mail/A",
            json!({"records": []}),
            "records",
        ),
        // Zone rules: CNAME next to other data, CNAME at the apex.
        (
            "/api/v1/zones/tina.example/rrsets/www/CNAME",
            json!({"records": ["other.example."]}),
            "zone",
        ),
        (
            "/api/v1/zones/tina.example/rrsets/@/CNAME",
            json!({"records": ["other.example."]}),
            "type",
        ),
    ];
    let long = "a".repeat(64);
    for (path, body, field) in cases {
        let path = path.replace("LONGLABEL", &long);
        let p = put(&mut c, &path, body.clone())
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.iter().any(|f| f.starts_with(field)),
            "{path} {body}: wanted {field}, got {p}"
        );
        assert!(p["errors"][0]["message"].as_str().unwrap().len() > 5, "{p}");
    }
    assert_eq!(app.count("record").await, rows, "nothing stored");
    assert_eq!(serial(&mut c, "tina.example").await, s0, "serial unchanged");

    // Wildcards as the whole leftmost label, underscore labels for services: accepted.
    assert_eq!(
        put(
            &mut c,
            "/api/v1/zones/tina.example/rrsets/*/A",
            json!({"records": ["192.0.2.9"]})
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        put(
            &mut c,
            "/api/v1/zones/tina.example/rrsets/_dmarc/TXT",
            json!({"records": ["v=DMARC1; p=none"]})
        )
        .await
        .status,
        StatusCode::OK
    );
    let r = put(
        &mut c,
        "/api/v1/zones/tina.example/rrsets/@/CAA",
        json!({"records": ["0 issue \"letsencrypt.org\""]}),
    )
    .await;
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
    let r = put(
        &mut c,
        "/api/v1/zones/uma.example/rrsets/dkim/TXT",
        json!({"records": [long]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let stored = r.json()["rrsets"][0]["records"][0]
        .as_str()
        .unwrap()
        .to_owned();
    // 600 octets become three quoted chunks of at most 255.
    assert_eq!(stored.matches('"').count(), 6, "{stored}");
    assert_eq!(stored.replace(['"', ' '], ""), long);
    let r = put(
        &mut c,
        "/api/v1/zones/uma.example/rrsets/xss/TXT",
        json!({"records": ["<script>alert(1)</script>"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["rrsets"][0]["records"][0]
        .as_str()
        .unwrap()
        .contains("<script>"));
    app.stop().await;
}

#[tokio::test]
async fn batches_are_all_or_nothing_and_warnings_do_not_block() {
    let app = TestApp::start().await;
    let mut c = with_zone(&app, "vic@example.com", "vic.example").await;
    let rows = app.count("record").await;
    let p = c
        .patch(
            "/api/v1/zones/vic.example/rrsets",
            json!({"changes": [
                {"name": "a", "type": "A", "records": ["192.0.2.1"]},
                {"name": "b", "type": "MX", "records": ["10 192.0.2.1"]},
            ]}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "changes[1].records[0]", "{p}");
    assert_eq!(
        app.count("record").await,
        rows,
        "the valid item was not stored either"
    );
    c.patch("/api/v1/zones/vic.example/rrsets", json!({"changes": []}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    c.patch(
        "/api/v1/zones/vic.example/rrsets",
        json!({"changes": [{"name": "a", "type": "A", "records": ["192.0.2.1"], "prio": 1}]}),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY);

    // A delegation with data below it, and an in-bailiwick NS without glue: stored, with warnings.
    let r = c
        .patch(
            "/api/v1/zones/vic.example/rrsets",
            json!({"changes": [
                {"name": "sub", "type": "NS", "records": ["ns1.sub.vic.example."]},
                {"name": "www.sub", "type": "A", "records": ["192.0.2.5"]},
                {"name": "mail", "type": "MX", "records": ["10 mx.vic.example."]},
            ]}),
        )
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
        .patch(
            "/api/v1/zones/vic.example/rrsets",
            json!({"changes": [
                {"name": "www.sub", "type": "A", "changetype": "delete"},
                {"name": "mail", "type": "MX", "changetype": "delete"},
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    c.get("/api/v1/zones/vic.example/rrsets/mail/MX")
        .await
        .problem(StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn records_belong_to_the_zone_owner() {
    let app = TestApp::start().await;
    let mut owner = with_zone(&app, "wes@example.com", "wes.example").await;
    assert_eq!(
        put(
            &mut owner,
            "/api/v1/zones/wes.example/rrsets/www/A",
            json!({"records": ["192.0.2.1"]})
        )
        .await
        .status,
        StatusCode::OK
    );
    let mut other = app.customer("xena@example.com").await;
    other
        .get("/api/v1/zones/wes.example/rrsets")
        .await
        .problem(StatusCode::NOT_FOUND);
    other
        .get("/api/v1/zones/wes.example/rrsets/www/A")
        .await
        .problem(StatusCode::NOT_FOUND);
    put(
        &mut other,
        "/api/v1/zones/wes.example/rrsets/www/A",
        json!({"records": ["198.51.100.1"]}),
    )
    .await
    .problem(StatusCode::NOT_FOUND);
    other
        .delete("/api/v1/zones/wes.example/rrsets/www/A")
        .await
        .problem(StatusCode::NOT_FOUND);
    other
        .patch(
            "/api/v1/zones/wes.example/rrsets",
            json!({"changes": [{"name": "www", "type": "A", "changetype": "delete"}]}),
        )
        .await
        .problem(StatusCode::NOT_FOUND);
    let got = owner
        .get("/api/v1/zones/wes.example/rrsets/www/A")
        .await
        .json();
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
    assert!(
        out.status.success(),
        "named-checkzone refused the export:\n{report}\n{file}"
    );
    assert!(report.contains("OK"), "{report}");
    app.stop().await;
}

async fn import(c: &mut Client, zone: &str, query: &str, text: &str) -> crate::harness::Reply {
    c.send(
        reqwest::Method::POST,
        &format!("/api/v1/zones/{zone}/import{query}"),
        Some("text/dns"),
        text.as_bytes().to_vec(),
    )
    .await
}

#[tokio::test]
async fn import_previews_then_replaces() {
    let app = TestApp::start().await;
    let mut c = with_zone(&app, "yara@example.com", "yara.example").await;
    assert_eq!(
        put(
            &mut c,
            "/api/v1/zones/yara.example/rrsets/old/A",
            json!({"records": ["192.0.2.99"]})
        )
        .await
        .status,
        StatusCode::OK
    );
    let file = "$ORIGIN yara.example.\n$TTL 600\n\
        @ IN SOA ns.elsewhere. admin.elsewhere. 1 2 3 4 5\n\
        @ 3600 IN NS ns1.zonekeeper.invalid.\n\
        @ 3600 IN NS ns2.zonekeeper.invalid.\n\
        www 300 IN A 192.0.2.1\n\
        www 300 IN A 192.0.2.2\n\
        @ IN MX 10 mail\n\
        mail IN A 192.0.2.3\n\
        @ IN TXT \"v=spf1 mx -all\"\n\
        shop IN NS ns1.shop.elsewhere.\n\
        shop IN DS 31406 13 2 2BB183AF5F22588179A53B0A98631FAD1A292118C15F50A0D9D63C7D4CC5A4B3\n";
    let s0 = serial(&mut c, "yara.example").await;
    let rows = app.count("record").await;

    // Dry run: the diff, and nothing stored.
    let r = import(&mut c, "yara.example", "?dry_run=true", file).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let diff = r.json();
    assert_eq!(diff["dry_run"], true);
    let changes = diff["changes"].as_array().unwrap();
    let summary: Vec<String> = changes
        .iter()
        .map(|d| {
            let side = if d["before"].is_null() {
                "add"
            } else if d["after"].is_null() {
                "delete"
            } else {
                "change"
            };
            let rr = if d["after"].is_null() {
                &d["before"]
            } else {
                &d["after"]
            };
            format!(
                "{side} {} {}",
                rr["name"].as_str().unwrap(),
                rr["type"].as_str().unwrap()
            )
        })
        .collect();
    for want in [
        "add www A",
        "add @ MX",
        "add mail A",
        "add @ TXT",
        "add shop NS",
        "add shop DS",
        "delete old A",
    ] {
        assert!(
            summary.contains(&want.to_string()),
            "{want} missing from {summary:?}"
        );
    }
    assert!(
        !summary.iter().any(|s| s.contains("@ NS")),
        "unchanged NS is no change: {summary:?}"
    );
    assert!(
        !summary.iter().any(|s| s.contains("SOA")),
        "the file's SOA is ignored: {summary:?}"
    );
    assert_eq!(app.count("record").await, rows);
    assert_eq!(serial(&mut c, "yara.example").await, s0);

    // For real.
    let r = import(&mut c, "yara.example", "", file).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["serial"].as_u64().unwrap() > s0);
    let mx = c.get("/api/v1/zones/yara.example/rrsets/@/MX").await.json();
    assert_eq!(mx["records"], json!(["10 mail.yara.example."]));
    assert_eq!(mx["ttl"], 600);
    c.get("/api/v1/zones/yara.example/rrsets/old/A")
        .await
        .problem(StatusCode::NOT_FOUND);

    // Importing the export changes nothing.
    let exported = c.get("/api/v1/zones/yara.example/export").await.body;
    let again = import(&mut c, "yara.example", "?dry_run=true", &exported)
        .await
        .json();
    assert_eq!(again["changes"], json!([]), "{again}");
    app.stop().await;
}

#[tokio::test]
async fn bad_zone_files_are_refused_whole() {
    let app = TestApp::start().await;
    let mut c = with_zone(&app, "zoe@example.com", "zoe.example").await;
    let rows = app.count("record").await;
    let cases = [
        (
            "www IN A 999.1.1.1\n@ IN NS ns1.zonekeeper.invalid.\n",
            "zone_file",
        ),
        (
            "www IN A 192.0.2.1\nwww IN CNAME x.example.\n@ IN NS ns1.zonekeeper.invalid.\n",
            "zone_file",
        ),
        (
            "@ IN MX 10 192.0.2.1.\n@ IN NS ns1.zonekeeper.invalid.\n",
            "zone_file",
        ),
        // A file without the apex NS would leave the zone undelegatable.
        ("www IN A 192.0.2.1\n", "zone_file"),
        ("$INCLUDE /etc/passwd\n", "zone_file"),
        ("www.other.example. IN A 192.0.2.1\n", "zone_file"),
        ("this is not a zone file ((((\n", "zone_file"),
    ];
    for (text, field) in cases {
        let p = import(
            &mut c,
            "zoe.example",
            "",
            &format!("$ORIGIN zoe.example.\n$TTL 300\n{text}"),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
        let first = p["errors"][0]["field"].as_str().unwrap_or_default();
        assert!(first.starts_with(field), "{text}: {p}");
    }
    c.send(
        reqwest::Method::POST,
        "/api/v1/zones/zoe.example/import",
        Some("application/json"),
        b"{}".to_vec(),
    )
    .await
    .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.count("record").await, rows);
    app.customer("zed@example.com").await;
    let mut other = app.login("zed@example.com", "customer password 1234").await;
    import(&mut other, "zoe.example", "", "www IN A 192.0.2.1\n")
        .await
        .problem(StatusCode::NOT_FOUND);
    app.stop().await;
}
