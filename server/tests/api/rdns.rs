//! Reverse DNS end to end: reverse zones and ranges (admin), one PTR per address with FCrDNS
//! on save, the bulk endpoint, ownership, and the engine serving PTRs, default names and their
//! forward addresses over real DNS packets.

use std::time::{Duration, Instant};

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{RData, RecordType};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::dns_live::Dns;
use crate::harness::{field_errors, Client, TestApp};

const CUSTOMER: &str = "alice@example.org";
const OTHER: &str = "bob@example.org";

/// The operator's setup: a hosted zone for default names, an IPv4 /16 and an IPv6 /32 reverse
/// zone, and a range of each assigned to Alice.
async fn provider(app: &TestApp) -> (Client, Client) {
    let mut admin = app.admin().await;
    let alice = app.customer(CUSTOMER).await;
    let r = admin
        .post("/api/v1/zones", json!({"name": "example.net"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = admin
        .post(
            "/api/v1/reverse-zones",
            json!({"network": "203.0.0.0/16", "template": "static.{ip-reversed}.clients.example.net"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["name"], "0.203.in-addr.arpa.");
    assert_eq!(r.json()["template_zone"], "example.net.");
    let r = admin
        .post(
            "/api/v1/reverse-zones",
            json!({"network": "2001:db8::/32", "template": "{ip}.v6.example.net"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["name"], "8.b.d.0.1.0.0.2.ip6.arpa.");
    for network in ["203.0.113.0/26", "2001:db8:1::/48"] {
        let r = admin
            .post(
                "/api/v1/ranges",
                json!({"network": network, "owner": CUSTOMER}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    (admin, alice)
}

/// Alice's own forward zone with `mail` at 203.0.113.5 and 2001:db8:1::25.
async fn alice_zone(alice: &mut Client) {
    let r = alice
        .post("/api/v1/zones", json!({"name": "alice.test"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = alice
        .patch(
            "/api/v1/zones/alice.test/rrsets",
            json!({"changes": [
                {"name": "mail", "type": "A", "records": ["203.0.113.5"]},
                {"name": "mail", "type": "AAAA", "records": ["2001:db8:1::25"]},
                {"name": "203-0-113-20", "type": "A", "records": ["203.0.113.20"]},
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn reverse_zones_and_ranges_are_admin_only_validated_and_never_overlap() {
    let app = TestApp::start().await;
    let (mut admin, mut alice) = provider(&app).await;
    let zones_before = app.count("zone").await;
    let ranges_before = app.count("ip_range").await;

    // Customers can neither register IP space nor hand it out, nor sneak a reverse zone in
    // through the forward-zone endpoint.
    alice
        .post(
            "/api/v1/reverse-zones",
            json!({"network": "198.51.100.0/24", "template": "h{ip}.example.net"}),
        )
        .await
        .problem(StatusCode::FORBIDDEN);
    alice
        .post(
            "/api/v1/ranges",
            json!({"network": "203.0.113.64/26", "owner": CUSTOMER}),
        )
        .await
        .problem(StatusCode::FORBIDDEN);
    let p = alice
        .post("/api/v1/zones", json!({"name": "1.203.in-addr.arpa"}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_errors(&p)[0].1.contains("reverse-zones"), "{p}");

    for (body, field, rule) in [
        (
            json!({"network": "203.1.0.1/16", "template": "h-{ip}.example.net"}),
            "network",
            "host bits",
        ),
        (
            json!({"network": "203.1.0.0/20", "template": "h-{ip}.example.net"}),
            "network",
            "/24",
        ),
        (
            json!({"network": "banana", "template": "h-{ip}.example.net"}),
            "network",
            "not an IPv4",
        ),
        (
            json!({"network": "198.51.100.0/24", "template": "static.example.net"}),
            "template",
            "no placeholder",
        ),
        (
            json!({"network": "198.51.100.0/24", "template": "{a}-{b}.example.net"}),
            "template",
            "whole address",
        ),
        (
            json!({"network": "198.51.100.0/24", "template": "h_{ip}.example.net"}),
            "template",
            "not allowed",
        ),
    ] {
        let p = admin
            .post("/api/v1/reverse-zones", body.clone())
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        let errors = field_errors(&p);
        assert_eq!(errors[0].0, field, "{body}: {p}");
        assert!(errors[0].1.contains(rule), "{body}: {p}");
    }
    // A network inside an existing reverse zone is a conflict.
    let p = admin
        .post(
            "/api/v1/reverse-zones",
            json!({"network": "203.0.113.0/24", "template": "h-{ip}.example.net"}),
        )
        .await
        .problem(StatusCode::CONFLICT);
    assert_eq!(field_errors(&p)[0].0, "network", "{p}");

    // Ranges: overlapping, outside every reverse zone, for nobody, bad delegation.
    let p = admin
        .post(
            "/api/v1/ranges",
            json!({"network": "203.0.113.32/27", "owner": OTHER}),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    app.customer(OTHER).await;
    let p = admin
        .post(
            "/api/v1/ranges",
            json!({"network": "203.0.113.32/27", "owner": OTHER}),
        )
        .await
        .problem(StatusCode::CONFLICT);
    assert!(field_errors(&p)[0].1.contains(CUSTOMER), "{p}");
    for (body, field) in [
        (
            json!({"network": "198.51.100.0/24", "owner": OTHER}),
            "network",
        ),
        (
            json!({"network": "203.0.114.0/24", "owner": "nobody@example.org"}),
            "owner",
        ),
        (
            json!({"network": "203.0.114.0/24", "owner": OTHER, "delegate_ns": ["ns1.bob.test"]}),
            "delegate_ns",
        ),
        (
            json!({"network": "203.0.114.0/26", "owner": OTHER, "delegate_ns": ["not a name"]}),
            "delegate_ns[0]",
        ),
    ] {
        let p = admin
            .post("/api/v1/ranges", body.clone())
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_errors(&p)[0].0, field, "{body}: {p}");
    }
    assert_eq!(app.count("zone").await, zones_before, "nothing stored");
    assert_eq!(app.count("ip_range").await, ranges_before, "nothing stored");

    // Each customer sees their own ranges; the admin sees all.
    let mine = alice.get("/api/v1/ranges").await.json();
    let networks: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["network"].as_str().unwrap())
        .collect();
    assert_eq!(networks, ["203.0.113.0/26", "2001:db8:1::/48"]);
    assert_eq!(mine[0]["size"], "64");
    assert_eq!(mine[1]["size"], (1u128 << 80).to_string());
    let mut bob = app.login(OTHER, "customer password 1234").await;
    assert_eq!(bob.get("/api/v1/ranges").await.json(), json!([]));
    assert_eq!(
        admin
            .get("/api/v1/ranges")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Listing and showing reverse zones (admin only).
    let list = admin.get("/api/v1/reverse-zones").await.json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["0.203.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa."]);
    assert_eq!(list[0]["range_count"], 1);
    let one = admin
        .get("/api/v1/reverse-zones/0.203.in-addr.arpa")
        .await
        .json();
    assert_eq!(one["network"], "203.0.0.0/16");
    alice
        .get("/api/v1/reverse-zones")
        .await
        .problem(StatusCode::FORBIDDEN);
    admin
        .get("/api/v1/reverse-zones/9.203.in-addr.arpa")
        .await
        .problem(StatusCode::NOT_FOUND);
    let p = admin
        .patch(
            "/api/v1/reverse-zones/0.203.in-addr.arpa",
            json!({"template": "{d}.example.net"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&p)[0].0, "template", "{p}");

    // PTRs never enter a reverse zone as plain records: that would be a second, unchecked PTR.
    let p = admin
        .put(
            "/api/v1/zones/0.203.in-addr.arpa/rrsets/7.113/PTR",
            json!({"records": ["www.example.net."]}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_errors(&p)[0].1.contains("/api/v1/rdns"), "{p}");

    // A reverse zone with ranges cannot be deleted; unassigning frees it.
    admin
        .delete("/api/v1/reverse-zones/0.203.in-addr.arpa")
        .await
        .problem(StatusCode::CONFLICT);
    let r = admin.delete("/api/v1/ranges?network=203.0.113.0/26").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    alice
        .delete("/api/v1/ranges?network=2001:db8:1::/48")
        .await
        .problem(StatusCode::FORBIDDEN);
    let r = admin
        .delete("/api/v1/reverse-zones/0.203.in-addr.arpa")
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    app.stop().await;
}

#[tokio::test]
async fn one_ptr_per_address_checked_for_fcrdns_and_for_its_owner() {
    let app = TestApp::start().await;
    let (mut admin, mut alice) = provider(&app).await;
    alice_zone(&mut alice).await;

    // Hosted name resolving to the address: pass.
    let r = alice
        .put(
            "/api/v1/rdns/203.0.113.5",
            json!({"ptr": "Mail.Alice.test"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let saved = r.json();
    assert_eq!(saved["ptr"], "mail.alice.test.");
    assert_eq!(saved["fcrdns"], "pass", "{saved}");
    assert_eq!(saved["warnings"], json!([]));
    // IPv6 too, entered as an address, never nibbles.
    let r = alice
        .put(
            "/api/v1/rdns/2001:db8:1::25",
            json!({"ptr": "mail.alice.test.", "ttl": 600}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["fcrdns"], "pass");
    assert_eq!(r.json()["ttl"], 600);

    // Strict policy (the default): a name that resolves elsewhere is refused, with why.
    let before = app.count("ptr").await;
    let p = alice
        .put(
            "/api/v1/rdns/203.0.113.6",
            json!({"ptr": "mail.alice.test"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_errors(&p),
        [(
            "ptr".to_owned(),
            "FCrDNS fails: mail.alice.test. resolves to 203.0.113.5, not 203.0.113.6".to_owned()
        )]
    );
    // Names outside the hosted zones go through the resolver.
    let r = alice
        .put(
            "/api/v1/rdns/203.0.113.10",
            json!({"ptr": "mail.external.test"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["fcrdns"], "pass");
    let p = alice
        .put(
            "/api/v1/rdns/203.0.113.11",
            json!({"ptr": "elsewhere.external.test"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        field_errors(&p)[0]
            .1
            .contains("resolves to 198.51.100.7, not 203.0.113.11"),
        "{p}"
    );
    let p = alice
        .put(
            "/api/v1/rdns/203.0.113.12",
            json!({"ptr": "nx.external.test"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_errors(&p)[0].1.contains("does not exist"), "{p}");
    // A resolver that does not answer gives "unknown" within the timeout, never a hang.
    let started = Instant::now();
    let r = alice
        .put(
            "/api/v1/rdns/203.0.113.13",
            json!({"ptr": "slow.external.test"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["fcrdns"], "unknown", "{}", r.body);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(app.count("ptr").await, before + 2);

    // Bad input: the field and the rule, nothing stored.
    let before = app.count("ptr").await;
    for (ip, body, field) in [
        ("203.0.113.300", json!({"ptr": "mail.alice.test"}), "ip"),
        ("203.0.113.7", json!({"ptr": "bad_name!.alice.test"}), "ptr"),
        ("203.0.113.7", json!({"ptr": "203.0.113.7"}), "ptr"),
        (
            "203.0.113.7",
            json!({"ptr": "mail.alice.test", "ttl": 0}),
            "ttl",
        ),
    ] {
        let p = alice
            .put(&format!("/api/v1/rdns/{ip}"), body.clone())
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_errors(&p)[0].0, field, "{body}: {p}");
    }
    alice
        .put(
            "/api/v1/rdns/203.0.113.7",
            json!({"ptr": "mail.alice.test", "extra": 1}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("ptr").await, before);

    // Garbage and a forged answer (wrong ID) from the resolver are not an answer: unknown.
    let r = alice
        .put(
            "/api/v1/rdns/203.0.113.14",
            json!({"ptr": "garbage.external.test"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["fcrdns"], "unknown", "{}", r.body);
    sqlx::query("delete from ptr where address = '203.0.113.14'")
        .execute(&app.pool)
        .await
        .unwrap();

    // Malformed queries of the listing and of unassigning: the field and the rule.
    for (path, field) in [
        ("/api/v1/rdns?range=banana", "range"),
        ("/api/v1/rdns?range=203.0.113.1/26", "range"),
        ("/api/v1/rdns?range=203.0.113.0/26&limit=0", "limit"),
        ("/api/v1/rdns?range=203.0.113.0/26&limit=5000", "limit"),
        ("/api/v1/rdns?range=203.0.113.0/26&after=nope", "after"),
    ] {
        let p = alice
            .get(path)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_errors(&p)[0].0, field, "{path}: {p}");
    }
    alice
        .get("/api/v1/rdns?range=203.0.113.0/26&bogus=1")
        .await
        .problem(StatusCode::BAD_REQUEST);
    let p = admin
        .delete("/api/v1/ranges?network=203.0.113.0/33")
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&p)[0].0, "network", "{p}");
    admin
        .delete("/api/v1/ranges?network=198.51.100.0/24")
        .await
        .problem(StatusCode::NOT_FOUND);

    // Ownership: outside Alice's ranges, or another customer, is "not found".
    alice
        .put(
            "/api/v1/rdns/203.0.113.200",
            json!({"ptr": "mail.alice.test"}),
        )
        .await
        .problem(StatusCode::NOT_FOUND);
    let mut bob = app.customer(OTHER).await;
    bob.get("/api/v1/rdns/203.0.113.5")
        .await
        .problem(StatusCode::NOT_FOUND);
    bob.put(
        "/api/v1/rdns/203.0.113.5",
        json!({"ptr": "mail.external.test"}),
    )
    .await
    .problem(StatusCode::NOT_FOUND);
    bob.delete("/api/v1/rdns/203.0.113.5")
        .await
        .problem(StatusCode::NOT_FOUND);
    bob.get("/api/v1/rdns?range=203.0.113.0/26")
        .await
        .problem(StatusCode::NOT_FOUND);
    let r = bob
        .patch(
            "/api/v1/rdns",
            json!({"entries": [{"ip": "203.0.113.5", "ptr": null}]}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        field_errors(&r)[0].1.contains("not in any of your ranges"),
        "{r}"
    );
    assert_eq!(
        alice.get("/api/v1/rdns/203.0.113.5").await.json()["ptr"],
        "mail.alice.test."
    );

    // Warn policy: a failing PTR is stored, flagged, with its reason; warnings do not block.
    let mut settings = admin.get("/api/v1/settings").await.json();
    assert_eq!(settings["fcrdns_policy"], "strict", "the default");
    settings["fcrdns_policy"] = json!("warn");
    let r = admin.put("/api/v1/settings", settings).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = alice
        .put(
            "/api/v1/rdns/203.0.113.5",
            json!({"ptr": "mail.external.test"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["fcrdns"], "fail", "{}", r.body);
    assert_eq!(
        r.json()["fcrdns_detail"],
        "mail.external.test. resolves to 203.0.113.10, not 203.0.113.5"
    );
    // One PTR per address: the second PUT replaced the first.
    let n: i64 = sqlx::query_scalar("select count(*) from ptr where address = '203.0.113.5'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let r = alice
        .put(
            "/api/v1/rdns/203.0.113.20",
            json!({"ptr": "203-0-113-20.alice.test"}),
        )
        .await;
    assert_eq!(r.json()["fcrdns"], "pass", "{}", r.body);
    assert!(
        r.json()["warnings"][0]
            .as_str()
            .unwrap()
            .contains("auto-generated"),
        "{}",
        r.body
    );
    let r = alice
        .put(
            "/api/v1/rdns/203.0.113.21",
            json!({"ptr": "mail.missing.test"}),
        )
        .await;
    assert_eq!(r.json()["fcrdns"], "fail", "{}", r.body);
    assert!(
        r.json()["warnings"][0]
            .as_str()
            .unwrap()
            .contains("missing.test. does not exist"),
        "{}",
        r.body
    );

    // The range's table: every IPv4 address, PTR or default name, paged.
    let page = alice
        .get("/api/v1/rdns?range=203.0.113.0/26&limit=8")
        .await
        .json();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 8);
    assert_eq!(items[0]["ip"], "203.0.113.0");
    assert_eq!(items[0]["ptr"], Value::Null);
    assert_eq!(items[0]["name"], "static.0.113.0.203.clients.example.net.");
    assert_eq!(items[0]["fcrdns"], "pass");
    assert_eq!(items[5]["ptr"], "mail.external.test.");
    assert_eq!(page["next"], "203.0.113.7");
    let page = alice
        .get("/api/v1/rdns?range=203.0.113.0/26&after=203.0.113.7&limit=100")
        .await
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 64 - 8);
    assert_eq!(page["next"], Value::Null);
    let found = alice
        .get("/api/v1/rdns?range=203.0.113.0/26&q=external")
        .await
        .json();
    assert_eq!(found["items"].as_array().unwrap().len(), 3, "{found}");
    // IPv6: only the addresses that have a PTR.
    let v6 = alice.get("/api/v1/rdns?range=2001:db8:1::/48").await.json();
    assert_eq!(v6["items"].as_array().unwrap().len(), 1, "{v6}");
    assert_eq!(v6["items"][0]["ip"], "2001:db8:1::25");

    // DELETE reverts to the default name.
    let r = alice.delete("/api/v1/rdns/203.0.113.5").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let entry = alice.get("/api/v1/rdns/203.0.113.5").await.json();
    assert_eq!(entry["ptr"], Value::Null);
    assert_eq!(entry["name"], "static.5.113.0.203.clients.example.net.");
    app.stop().await;
}

#[tokio::test]
async fn bulk_edits_are_atomic_by_default_with_per_item_results() {
    let app = TestApp::start().await;
    let (_admin, mut alice) = provider(&app).await;
    alice_zone(&mut alice).await;
    let entries = json!({"entries": [
        {"ip": "203.0.113.5", "ptr": "mail.alice.test"},
        {"ip": "203.0.113.6", "ptr": "mail.alice.test"},
        {"ip": "2001:db8:1::25", "ptr": "mail.alice.test"},
        {"ip": "203.0.113.99", "ptr": "mail.alice.test"},
    ]});

    // Dry run: every entry validated (FCrDNS included), nothing stored.
    let r = alice
        .patch("/api/v1/rdns?dry_run=true", entries.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let result = r.json();
    assert_eq!(result["applied"], false);
    let statuses: Vec<&str> = result["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["ok", "error", "ok", "error"]);
    assert_eq!(result["results"][0]["fcrdns"], "pass");
    assert!(result["results"][1]["errors"][0]
        .as_str()
        .unwrap()
        .contains("resolves to 203.0.113.5"));
    assert_eq!(app.count("ptr").await, 0);

    // Atomic (the default): one bad entry, nothing stored, every failure named by index.
    let p = alice
        .patch("/api/v1/rdns", entries.clone())
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = field_errors(&p).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["entries[1].ptr", "entries[3].ip"]);
    assert_eq!(app.count("ptr").await, 0);

    // Not atomic: the good ones are stored.
    let r = alice
        .patch("/api/v1/rdns?atomic=false", entries.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["stored"], 2);
    assert_eq!(r.json()["failed"], 2);
    assert_eq!(app.count("ptr").await, 2);

    // Duplicates in one batch, and null reverting.
    let p = alice
        .patch(
            "/api/v1/rdns",
            json!({"entries": [
                {"ip": "203.0.113.5", "ptr": null},
                {"ip": "203.0.113.5", "ptr": "mail.alice.test"},
            ]}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_errors(&p)[0].1.contains("appears twice"), "{p}");
    let r = alice
        .patch(
            "/api/v1/rdns",
            json!({"entries": [{"ip": "203.0.113.5", "ptr": null}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.count("ptr").await, 1);

    // More than 65,536 entries is refused as a whole.
    let many: Vec<Value> = (0..65_537u32)
        .map(|i| json!({"ip": std::net::Ipv4Addr::from(0xCB00_0000 + i).to_string(), "ptr": null}))
        .collect();
    let p = alice
        .patch("/api/v1/rdns", json!({ "entries": many }))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&p)[0].0, "entries", "{p}");
    app.stop().await;
}

fn ptr_target(m: &Message) -> Option<String> {
    m.answers.iter().find_map(|r| match &r.data {
        RData::PTR(ptr) => Some(ptr.0.to_ascii()),
        _ => None,
    })
}

fn address(m: &Message) -> Option<String> {
    m.answers.iter().find_map(|r| match &r.data {
        RData::A(a) => Some(a.0.to_string()),
        RData::AAAA(a) => Some(a.0.to_string()),
        _ => None,
    })
}

#[tokio::test]
async fn the_engine_serves_ptrs_default_names_their_addresses_and_classless_delegations() {
    let app = TestApp::start().await;
    let (mut admin, mut alice) = provider(&app).await;
    alice_zone(&mut alice).await;
    let mut dns = Dns::new(app.dns_addr).await;

    // Default names both ways, for IPv4 and for IPv6 (synthesized: no rows for a /48).
    let a = dns
        .wait_for(
            "7.113.0.203.in-addr.arpa.",
            RecordType::PTR,
            "default PTR",
            |m| ptr_target(m).is_some(),
        )
        .await;
    assert!(a.metadata.authoritative);
    assert_eq!(
        ptr_target(&a).unwrap(),
        "static.7.113.0.203.clients.example.net."
    );
    // Each zone is reloaded on its own notification: wait for each, not just the first.
    let a = dns
        .wait_for(
            "static.7.113.0.203.clients.example.net.",
            RecordType::A,
            "default name's address",
            |m| address(m).is_some(),
        )
        .await;
    assert_eq!(address(&a).as_deref(), Some("203.0.113.7"));
    let v6_ptr = "d.c.b.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.";
    let a = dns
        .wait_for(v6_ptr, RecordType::PTR, "IPv6 default PTR", |m| {
            ptr_target(m).is_some()
        })
        .await;
    assert_eq!(
        ptr_target(&a).as_deref(),
        Some("2001-0db8-0001-0000-0000-0000-0000-abcd.v6.example.net.")
    );
    let a = dns
        .wait_for(
            "2001-0db8-0001-0000-0000-0000-0000-abcd.v6.example.net.",
            RecordType::AAAA,
            "IPv6 default name's address",
            |m| address(m).is_some(),
        )
        .await;
    assert_eq!(address(&a).as_deref(), Some("2001:db8:1::abcd"));
    // Outside the assigned ranges: nothing. Above the default names: empty non-terminals.
    let a = dns
        .query("100.113.0.203.in-addr.arpa.", RecordType::PTR)
        .await;
    assert_eq!(a.metadata.response_code, ResponseCode::NXDomain);
    let a = dns
        .query("static.100.113.0.203.clients.example.net.", RecordType::A)
        .await;
    assert_eq!(a.metadata.response_code, ResponseCode::NXDomain);
    for ent in [
        "113.0.203.in-addr.arpa.",
        "7.113.0.203.clients.example.net.",
        "clients.example.net.",
    ] {
        let a = dns.query(ent, RecordType::A).await;
        assert_eq!(a.metadata.response_code, ResponseCode::NoError, "{ent}");
        assert!(a.answers.is_empty(), "{ent}");
    }

    // A new template changes every default name, both ways, at once.
    let r = admin
        .patch(
            "/api/v1/reverse-zones/0.203.in-addr.arpa",
            json!({"template": "host-{a}-{b}-{c}-{d}.example.net"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    dns.wait_for(
        "7.113.0.203.in-addr.arpa.",
        RecordType::PTR,
        "new template",
        |m| ptr_target(m).as_deref() == Some("host-203-0-113-7.example.net."),
    )
    .await;
    dns.wait_for(
        "host-203-0-113-7.example.net.",
        RecordType::A,
        "new default name's address",
        |m| address(m).as_deref() == Some("203.0.113.7"),
    )
    .await;
    let a = dns
        .query("static.7.113.0.203.clients.example.net.", RecordType::A)
        .await;
    assert_eq!(a.metadata.response_code, ResponseCode::NXDomain);
    let r = admin
        .patch(
            "/api/v1/reverse-zones/0.203.in-addr.arpa",
            json!({"template": "static.{ip-reversed}.clients.example.net"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // A PTR set through the API is served at once (the serial moves on).
    let r = alice
        .put(
            "/api/v1/rdns/203.0.113.5",
            json!({"ptr": "mail.alice.test"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    dns.wait_for(
        "5.113.0.203.in-addr.arpa.",
        RecordType::PTR,
        "PTR set",
        |m| ptr_target(m).as_deref() == Some("mail.alice.test."),
    )
    .await;
    let r = alice.delete("/api/v1/rdns/203.0.113.5").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    dns.wait_for(
        "5.113.0.203.in-addr.arpa.",
        RecordType::PTR,
        "PTR reverted",
        |m| ptr_target(m).as_deref() == Some("static.5.113.0.203.clients.example.net."),
    )
    .await;

    // RFC 2317: a /26 delegated to Bob's name servers gets CNAMEs and NS in the parent.
    app.customer(OTHER).await;
    let r = admin
        .post(
            "/api/v1/ranges",
            json!({"network": "203.0.113.64/26", "owner": OTHER, "delegate_ns": ["ns1.bob.test", "ns2.bob.test"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let a = dns
        .wait_for(
            "65.113.0.203.in-addr.arpa.",
            RecordType::PTR,
            "RFC 2317 CNAME",
            |m| !m.answers.is_empty(),
        )
        .await;
    match &a.answers[0].data {
        RData::CNAME(c) => assert_eq!(c.0.to_ascii(), "65.64-26.113.0.203.in-addr.arpa."),
        other => panic!("expected a CNAME, got {other:?}"),
    }
    let a = dns
        .query("64-26.113.0.203.in-addr.arpa.", RecordType::NS)
        .await;
    assert!(!a.metadata.authoritative, "a referral");
    assert_eq!(a.authorities.len(), 2, "{a:?}");
    // Bob cannot set PTRs here: the range is delegated.
    let mut bob = app.login(OTHER, "customer password 1234").await;
    let p = bob
        .put(
            "/api/v1/rdns/203.0.113.65",
            json!({"ptr": "mail.external.test"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_errors(&p)[0].1.contains("RFC 2317"), "{p}");
    // What the engine served here is what the reverse zones published: PTRs, the RFC 2317
    // CNAMEs and NS, built as their rows build them.
    app.assert_published_as_built("0.203.in-addr.arpa.").await;
    app.assert_published_as_built("8.b.d.0.1.0.0.2.ip6.arpa.")
        .await;
    app.stop().await;
}

#[tokio::test]
async fn a_forward_change_rechecks_the_ptrs_that_point_at_it() {
    let app = TestApp::start().await;
    let (_admin, mut alice) = provider(&app).await;
    alice_zone(&mut alice).await;
    let r = alice
        .put(
            "/api/v1/rdns/203.0.113.5",
            json!({"ptr": "mail.alice.test"}),
        )
        .await;
    assert_eq!(r.json()["fcrdns"], "pass");
    // mail moves to another address: the PTR of the old one now fails FCrDNS.
    let r = alice
        .put(
            "/api/v1/zones/alice.test/rrsets/mail/A",
            json!({"records": ["203.0.113.9"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The re-check runs after the commit, in the background: the change does not wait for it.
    let started = Instant::now();
    let entry = loop {
        let entry = alice.get("/api/v1/rdns/203.0.113.5").await.json();
        if entry["fcrdns"] == "fail" || started.elapsed() > Duration::from_secs(10) {
            break entry;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(entry["fcrdns"], "fail", "{entry}");
    // The zone editor's view: which address records have a matching reverse.
    let r = alice
        .put(
            "/api/v1/rdns/203.0.113.9",
            json!({"ptr": "mail.alice.test"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let reverse = alice.get("/api/v1/zones/alice.test/reverse").await.json();
    assert_eq!(
        reverse,
        json!([
            {"name": "203-0-113-20.alice.test.", "address": "203.0.113.20",
             "ptr": "static.20.113.0.203.clients.example.net.", "is_default": true, "matches": false},
            {"name": "mail.alice.test.", "address": "2001:db8:1::25",
             "ptr": "2001-0db8-0001-0000-0000-0000-0000-0025.v6.example.net.", "is_default": true, "matches": false},
            {"name": "mail.alice.test.", "address": "203.0.113.9",
             "ptr": "mail.alice.test.", "is_default": false, "matches": true},
        ]),
        "{reverse}"
    );
    assert_eq!(
        entry["fcrdns_detail"],
        "mail.alice.test. resolves to 203.0.113.9, not 203.0.113.5"
    );

    // The periodic job asks again about PTRs whose FCrDNS stayed undecided: one that the
    // resolver could not answer an hour ago is decided now; a recent one is left alone.
    let r = alice
        .put(
            "/api/v1/rdns/203.0.113.10",
            json!({"ptr": "mail.external.test"}),
        )
        .await;
    assert_eq!(r.json()["fcrdns"], "pass", "{}", r.body);
    let r = alice
        .put(
            "/api/v1/rdns/203.0.113.11",
            json!({"ptr": "slow.external.test"}),
        )
        .await;
    assert_eq!(r.json()["fcrdns"], "unknown", "{}", r.body);
    sqlx::query(
        "update ptr set fcrdns = 'unknown', checked_at = now() - interval '2 hours'
          where address = '203.0.113.10'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let resolver = std::sync::Arc::new(zonekeeper::resolver::Resolver::new(
        Some(crate::resolver_stub::address()),
        Duration::from_millis(300),
    ));
    let rechecked = zonekeeper::service::rdns::recheck_unknown(
        &app.pool,
        &resolver,
        Duration::from_secs(3600),
        100,
    )
    .await
    .unwrap();
    assert_eq!(rechecked, 1, "only the PTR unknown for more than an hour");
    let entry = alice.get("/api/v1/rdns/203.0.113.10").await.json();
    assert_eq!(entry["fcrdns"], "pass", "{entry}");
    let entry = alice.get("/api/v1/rdns/203.0.113.11").await.json();
    assert_eq!(entry["fcrdns"], "unknown", "{entry}");
    app.stop().await;
}

/// Resident and peak memory of this process (the whole application runs in it), in MiB.
fn memory_mib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            / 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Sets up `count` hosts in Alice's zone `bulk.test`, each with an address record (written
/// straight to the store: setup, not what is measured; the zone is then served from its rows,
/// not from what it published), and waits until the engine serves them.
async fn bulk_hosts(app: &TestApp, dns: &mut Dns, addrs: &[std::net::IpAddr]) -> Vec<String> {
    let names: Vec<String> = (0..addrs.len())
        .map(|i| format!("host-{i}.bulk.test."))
        .collect();
    let types: Vec<&str> = addrs
        .iter()
        .map(|a| if a.is_ipv4() { "A" } else { "AAAA" })
        .collect();
    let contents: Vec<String> = addrs.iter().map(ToString::to_string).collect();
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query(
        "insert into record (zone_id, name, type, ttl, content)
         select (select id from zone where name = 'bulk.test.'), n, t, 3600, c
           from unnest($1::text[], $2::text[], $3::text[]) as u(n, t, c)",
    )
    .bind(&names)
    .bind(&types)
    .bind(&contents)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query("update zone set published = false where name = 'bulk.test.'")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("select pg_notify('zone_changed', 'bulk.test.')")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let last = names.last().unwrap().clone();
    let rtype = if addrs[addrs.len() - 1].is_ipv4() {
        RecordType::A
    } else {
        RecordType::AAAA
    };
    dns.wait_for_within(
        &last,
        rtype,
        "bulk hosts loaded",
        Duration::from_secs(120),
        |m| address(m).is_some(),
    )
    .await;
    names
}

/// One bulk PATCH of `addrs` → `names`, timed from the request until the engine answers the
/// last address's PTR with its new name.
async fn bulk_run(
    app: &TestApp,
    alice: &mut Client,
    dns: &mut Dns,
    what: &str,
    addrs: &[std::net::IpAddr],
    names: &[String],
) {
    let entries: Vec<Value> = addrs
        .iter()
        .zip(names)
        .map(|(a, n)| json!({"ip": a.to_string(), "ptr": n}))
        .collect();
    let body = json!({ "entries": entries });
    let (rss_before, _) = memory_mib();
    let started = Instant::now();
    let r = alice.patch("/api/v1/rdns", body).await;
    let http = started.elapsed();
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        &r.body[..r.body.len().min(2000)]
    );
    let result = r.json();
    assert_eq!(result["stored"], addrs.len());
    assert!(result["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["fcrdns"] == "pass"));
    let last = addrs.last().unwrap();
    let rev = hickory_proto::rr::Name::from(*last).to_ascii();
    let expected = names.last().unwrap().clone();
    dns.wait_for_within(
        &rev,
        RecordType::PTR,
        "bulk PTRs served",
        Duration::from_secs(120),
        |m| ptr_target(m).as_deref() == Some(expected.as_str()),
    )
    .await;
    let served = started.elapsed();
    // Spot-check a few more: every one of them is served.
    for i in [0, addrs.len() / 3, addrs.len() / 2] {
        let rev = hickory_proto::rr::Name::from(addrs[i]).to_ascii();
        let a = dns.query(&rev, RecordType::PTR).await;
        assert_eq!(ptr_target(&a).as_deref(), Some(names[i].as_str()));
    }
    let (rss_after, peak) = memory_mib();
    println!(
        "{what}: {} PTRs; request answered after {:.2} s, every answer served after {:.2} s; \
         RSS {rss_before} → {rss_after} MiB (peak {peak} MiB, whole test process: app, engine, client); \
         {} ptr rows",
        addrs.len(),
        http.as_secs_f64(),
        served.as_secs_f64(),
        app.count("ptr").await,
    );
}

/// The figures: a bulk PATCH of 65,536 PTRs covering a /16 and of 10,000 PTRs in an
/// IPv6 /48, host names in a hosted zone whose address records match, timed until served.
/// `cargo test -p server --release --test api bench_bulk -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; run explicitly"]
async fn bench_bulk_rdns() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let mut alice = app.customer(CUSTOMER).await;
    for (network, template) in [
        ("10.0.0.0/8", "static.{ip-reversed}.clients.example.net"),
        ("2001:db8::/32", "{ip}.v6.example.net"),
    ] {
        let r = admin
            .post(
                "/api/v1/reverse-zones",
                json!({"network": network, "template": template}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    for network in ["10.1.0.0/16", "2001:db8:2::/48"] {
        let r = admin
            .post(
                "/api/v1/ranges",
                json!({"network": network, "owner": CUSTOMER}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let r = alice
        .post("/api/v1/zones", json!({"name": "bulk.test"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut dns = Dns::new(app.dns_addr).await;

    let v4: Vec<std::net::IpAddr> = (0..65_536u32)
        .map(|i| std::net::IpAddr::V4(std::net::Ipv4Addr::from(0x0A01_0000 + i)))
        .collect();
    let v6: Vec<std::net::IpAddr> = (0..10_000u128)
        .map(|i| {
            std::net::IpAddr::V6(std::net::Ipv6Addr::from(
                0x2001_0db8_0002_0000_0000_0000_0000_0000u128 + i * 7919,
            ))
        })
        .collect();
    let mut all = v4.clone();
    all.extend(&v6);
    let names = bulk_hosts(&app, &mut dns, &all).await;
    bulk_run(
        &app,
        &mut alice,
        &mut dns,
        "IPv4 /16",
        &v4,
        &names[..v4.len()],
    )
    .await;
    bulk_run(
        &app,
        &mut alice,
        &mut dns,
        "IPv6 /48",
        &v6,
        &names[v4.len()..],
    )
    .await;
    app.stop().await;
}

/// Lookups that wait on silent name servers hold no pooled connection, one account runs at
/// most its share of them, and everybody else is served meanwhile: once, 16 such requests held
/// the whole pool, and other customers got 503 and `/healthz` reported the database down.
#[tokio::test]
async fn silent_name_servers_starve_neither_the_pool_nor_other_customers() {
    let app = TestApp::start().await;
    let (_admin, alice) = provider(&app).await;
    let mut bob = app.customer(OTHER).await;
    // 40 names per request, none answered: each request waits for its lookups (two rounds
    // of the resolver's timeout) while holding, before the fix, a pooled connection.
    let batch = |n: usize| {
        json!({"entries": (0..40).map(|i| json!({
            "ip": format!("203.0.113.{i}"),
            "ptr": format!("h{i}-{n}.slow.external.test"),
        })).collect::<Vec<_>>()})
    };
    let requests: Vec<_> = (0..16)
        .map(|n| {
            let mut alice = alice.clone();
            let body = batch(n);
            tokio::spawn(async move { alice.patch("/api/v1/rdns", body).await })
        })
        .collect();
    // The refusals come at once; the admitted requests are still waiting on the resolver.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let health = app.browser().get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK, "{}", health.body);
    assert_eq!(health.json()["database"], "ok", "{}", health.body);
    let zones = bob.get("/api/v1/zones").await;
    assert_eq!(zones.status, StatusCode::OK, "{}", zones.body);
    let r = bob.post("/api/v1/zones", json!({"name": "bob.test"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let still_waiting = requests.iter().filter(|h| !h.is_finished()).count();
    assert!(
        still_waiting >= 1,
        "the other customers were served only after the slow requests had finished"
    );

    let mut ok = 0;
    let mut refused = 0;
    for handle in requests {
        let r = handle.await.unwrap();
        match r.status {
            StatusCode::OK => {
                ok += 1;
                let results = r.json()["results"].as_array().unwrap().clone();
                assert_eq!(results.len(), 40);
                assert!(
                    results.iter().all(|e| e["fcrdns"] == "unknown"),
                    "{}",
                    r.body
                );
            }
            StatusCode::TOO_MANY_REQUESTS => {
                refused += 1;
                let p = r.problem(StatusCode::TOO_MANY_REQUESTS);
                assert!(
                    p["detail"].as_str().unwrap().contains("already running"),
                    "{p}"
                );
            }
            other => panic!("unexpected {other}: {}", r.body),
        }
    }
    let share = zonekeeper::service::outbound::PER_ACCOUNT;
    assert!(ok >= 1 && ok <= share, "{ok} admitted");
    assert_eq!(ok + refused, 16);
}
