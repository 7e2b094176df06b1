//! DS records submitted registrar-style, end to end: domains and who may hold them, the format
//! rules, the live check against a child zone that a real signer (Knot) signs, pending
//! pre-publications, publication at a delegation in a hosted parent zone (served by the engine
//! over real packets), re-checks, and another customer's view (404).

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{RData, RecordType};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::dns_live::Dns;
use crate::harness::{field_errors, Client, TestApp};
use crate::knot::SignedChild;

const ALICE: &str = "alice@example.org";
const BOB: &str = "bob@example.org";

/// The child zone Knot signs: its name server is 127.0.0.1, on Knot's port.
pub const CHILD_ZONE: &str = "@ 3600 SOA ns1 hostmaster 1 3600 600 86400 300
@ 3600 NS ns1
ns1 3600 A 127.0.0.1
www 3600 A 192.0.2.80";

/// A SHA-256 digest that matches no key.
const NO_MATCH: &str = "2BB183AF5F22588179A53B0A98631FAD1A292118C15F50A0D9D63C7D4CC5A4B3";

pub async fn start_child(zone: &'static str) -> SignedChild {
    tokio::task::spawn_blocking(move || SignedChild::start(zone, CHILD_ZONE))
        .await
        .unwrap()
}

/// `zone` for `who`, delegating `child` (a label) to `ns1.<child>.<zone>` at 127.0.0.1.
pub async fn parent_with_delegation(who: &mut Client, zone: &str, child: &str) {
    let r = who.post("/api/v1/zones", json!({ "name": zone })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let ns = format!("ns1.{child}.{zone}.");
    let r = who
        .patch(
            &format!("/api/v1/zones/{zone}/rrsets"),
            json!({"changes": [
                {"name": child, "type": "NS", "records": [ns]},
                {"name": format!("ns1.{child}"), "type": "A", "records": ["127.0.0.1"]},
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// The DS RDATA the engine serves for `name`, upper-case.
fn served_ds(answer: &Message) -> Vec<String> {
    answer
        .answers
        .iter()
        .filter(|r| r.record_type() == RecordType::DS)
        .map(|r| match &r.data {
            RData::DNSSEC(ds) => ds.to_string().to_uppercase(),
            other => other.to_string().to_uppercase(),
        })
        .collect()
}

fn normalize(rdata: &str) -> String {
    let fields: Vec<&str> = rdata.split_whitespace().collect();
    format!(
        "{} {} {} {}",
        fields[0],
        fields[1],
        fields[2],
        fields[3..].concat()
    )
    .to_uppercase()
}

#[tokio::test]
async fn ds_of_a_knot_signed_child_is_checked_live_and_published_at_the_delegation() {
    let knot = start_child("child.parent.test.").await;
    let app = TestApp::start_with_nameserver_port(knot.port).await;
    let mut alice = app.customer(ALICE).await;
    let mut bob = app.customer(BOB).await;
    parent_with_delegation(&mut alice, "parent.test", "child").await;

    let r = alice
        .post("/api/v1/domains", json!({"name": "Child.Parent.Test"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let domain = r.json();
    assert_eq!(domain["name"], "child.parent.test.");
    assert_eq!(domain["publication"], "parent");
    assert_eq!(domain["parent_zone"], "parent.test.");
    assert_eq!(domain["delegated"], true);

    let ds256 = knot.ksk_ds(2);
    let ds384 = knot.ksk_ds(4);
    let base = "/api/v1/domains/child.parent.test/ds";

    // The right DS, pasted as a zone-file line: valid, and served by the parent at once.
    let r = alice
        .post(
            base,
            json!({"ds": format!("child.parent.test. 3600 IN DS {ds256}")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let record = &r.json()["record"];
    assert_eq!(record["state"], "valid", "{record}");
    assert_eq!(record["published"], true);
    assert_eq!(
        record["line"],
        format!("child.parent.test. IN DS {}", normalize(&ds256))
    );
    let mut dns = Dns::new(app.dns_addr).await;
    let answer = dns
        .wait_for(
            "child.parent.test.",
            RecordType::DS,
            "the DS at the delegation",
            |a| served_ds(a) == [normalize(&ds256)],
        )
        .await;
    assert!(answer.metadata.authoritative);
    app.assert_published_as_built("parent.test.").await;

    // A wrong digest for the right key: mismatch, refused, nothing stored.
    let mut wrong = normalize(&ds256);
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    let r = alice.post(base, json!({ "ds": wrong })).await;
    let errors = field_errors(&r.problem(StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(errors[0].0, "ds");
    assert!(errors[0].1.starts_with("mismatch: "), "{errors:?}");
    assert_eq!(app.count("ds_record").await, 1);

    // A key tag nobody publishes, given as fields: no-key.
    let fields: Vec<&str> = ds256.split_whitespace().collect();
    let ksk_tag: i64 = fields[0].parse().unwrap();
    let absent = (0..)
        .map(|i| (ksk_tag + 1 + i) % 65536)
        .find(|t| *t != i64::from(knot.zsk_tag()));
    let r = alice
        .post(
            base,
            json!({"key_tag": absent.unwrap(), "algorithm": 13, "digest_type": 2, "digest": NO_MATCH}),
        )
        .await;
    let errors = field_errors(&r.problem(StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(errors[0].0, "digest");
    assert!(errors[0].1.starts_with("no-key: "), "{errors:?}");
    // The ZSK's tag: a key exists, but it is not a secure entry point.
    let r = alice
        .post(
            base,
            json!({"key_tag": knot.zsk_tag(), "algorithm": 13, "digest_type": 2, "digest": NO_MATCH}),
        )
        .await;
    let errors = field_errors(&r.problem(StatusCode::UNPROCESSABLE_ENTITY));
    assert!(errors[0].1.starts_with("no-key: "), "{errors:?}");
    assert_eq!(app.count("ds_record").await, 1);

    // The DS computed from the pasted DNSKEY equals Knot's own (a dry run stores nothing).
    let r = alice
        .post(base, json!({"dnskey": knot.ksk_dnskey(), "dry_run": true}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["dry_run"], true);
    assert_eq!(
        r.json()["record"]["line"],
        format!("child.parent.test. IN DS {}", normalize(&ds256))
    );
    assert_eq!(r.json()["record"]["state"], "valid");
    let r = alice
        .post(
            base,
            json!({"dnskey": knot.ksk_dnskey(), "dnskey_digest_type": 4, "dry_run": true}),
        )
        .await;
    assert_eq!(
        r.json()["record"]["line"],
        format!("child.parent.test. IN DS {}", normalize(&ds384)),
        "{}",
        r.body
    );
    assert_eq!(app.count("ds_record").await, 1);

    // SHA-384 as fields: valid too.
    let f384: Vec<&str> = ds384.split_whitespace().collect();
    let r = alice
        .post(
            base,
            json!({"key_tag": f384[0].parse::<i64>().unwrap(), "algorithm": 13, "digest_type": 4,
                   "digest": f384[3..].concat()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["record"]["state"], "valid");

    // The same DS again: conflict.
    let r = alice.post(base, json!({ "ds": ds256 })).await;
    r.problem(StatusCode::CONFLICT);

    // A pre-published DS of a key rollover: stored as pending, and published next to the
    // valid ones (Double-DS).
    let r = alice
        .post(base, json!({"ds": wrong, "pre_publish": true}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pending = r.json()["record"].clone();
    assert_eq!(pending["state"], "pending");
    assert_eq!(pending["published"], true);
    assert!(
        pending["reason"].as_str().unwrap().contains("rollover"),
        "{pending}"
    );
    dns.wait_for("child.parent.test.", RecordType::DS, "three DS", |a| {
        served_ds(a).len() == 3
    })
    .await;

    // The list, the export for the registrar, and the re-check (nothing changes).
    let r = alice.get(base).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let states: Vec<String> = r.json()["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(states, ["valid", "valid", "pending"]);
    assert_eq!(r.json()["domain"]["valid_count"], 2);
    let r = alice.get(&format!("{base}/export")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.lines().filter(|l| l.contains(" IN DS ")).count(), 3);
    let r = alice.post(&format!("{base}/check"), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let states: Vec<String> = r.json()["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(states, ["valid", "valid", "pending"]);

    // Another customer sees none of it.
    let id = pending["id"].as_i64().unwrap();
    assert_eq!(bob.get(base).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        bob.post(base, json!({ "ds": ds256 })).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.delete(&format!("{base}/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.post(&format!("{base}/check"), json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.count("ds_record").await, 3);

    // Deleting the pending one: the parent serves the two valid DS again.
    let r = alice.delete(&format!("{base}/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    dns.wait_for("child.parent.test.", RecordType::DS, "two DS", |a| {
        served_ds(a).len() == 2
    })
    .await;
    // Deleting the domain: no DS at all (NODATA from the parent).
    let r = alice.delete("/api/v1/domains/child.parent.test").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    dns.wait_for("child.parent.test.", RecordType::DS, "no DS", |a| {
        a.metadata.response_code == ResponseCode::NoError && served_ds(a).is_empty()
    })
    .await;
    assert_eq!(app.count("ds_record").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn domains_follow_zone_ownership_and_bad_ds_input_changes_nothing() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let mut alice = app.customer(ALICE).await;
    let mut bob = app.customer(BOB).await;
    let r = alice
        .post("/api/v1/zones", json!({"name": "parent.test"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // Names inside Alice's zone are hers to delegate; Bob is refused, with the reason.
    for name in ["x.parent.test", "parent.test", "deep.x.parent.test"] {
        let r = bob.post("/api/v1/domains", json!({ "name": name })).await;
        let p = r.problem(StatusCode::FORBIDDEN);
        assert!(
            p["detail"].as_str().unwrap().contains("parent.test."),
            "{p}"
        );
    }
    let r = alice
        .post("/api/v1/domains", json!({"name": "x.parent.test"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["publication"], "parent");
    assert_eq!(r.json()["delegated"], false);
    // Outside every hosted zone: the registrar hand-off, first come.
    let r = bob
        .post("/api/v1/domains", json!({"name": "elsewhere.test."}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["publication"], "registrar");
    assert_eq!(r.json()["parent_zone"], Value::Null);
    let r = alice
        .post("/api/v1/domains", json!({"name": "elsewhere.test"}))
        .await;
    r.problem(StatusCode::CONFLICT);
    // The operator assigns a name in Alice's zone to Bob (a registry-like zone).
    let r = admin
        .post(
            "/api/v1/domains",
            json!({"name": "y.parent.test", "owner": BOB}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["owner"], BOB);
    let r = bob
        .post(
            "/api/v1/domains",
            json!({"name": "z.parent.test", "owner": BOB}),
        )
        .await;
    r.problem(StatusCode::FORBIDDEN);
    let r = admin
        .post(
            "/api/v1/domains",
            json!({"name": "z.test", "owner": "nobody@example.org"}),
        )
        .await;
    assert_eq!(
        field_errors(&r.problem(StatusCode::UNPROCESSABLE_ENTITY))[0].0,
        "owner"
    );
    for bad in [
        "com",
        "co.uk",
        "1.0.10.in-addr.arpa",
        "<script>x</script>.test",
        "a..b",
        "",
    ] {
        let r = alice.post("/api/v1/domains", json!({ "name": bad })).await;
        let errors = field_errors(&r.problem(StatusCode::UNPROCESSABLE_ENTITY));
        assert_eq!(errors[0].0, "name", "{bad}: {errors:?}");
    }
    let names: Vec<String> = bob
        .get("/api/v1/domains")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["elsewhere.test.", "y.parent.test."]);
    assert_eq!(
        admin
            .get("/api/v1/domains")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(app.count("domain").await, 3);

    // A token scoped to zones has no business with domains.
    let r = alice
        .post(
            "/api/v1/tokens",
            json!({"name": "scoped", "zones": ["parent.test"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut scoped = app.with_token(r.json()["secret"].as_str().unwrap());
    scoped
        .get("/api/v1/domains")
        .await
        .problem(StatusCode::FORBIDDEN);
    scoped
        .post(
            "/api/v1/domains/x.parent.test/ds",
            json!({"ds": format!("1 13 2 {NO_MATCH}")}),
        )
        .await
        .problem(StatusCode::FORBIDDEN);

    // Every malformed submission is refused with its field; nothing is stored.
    let base = "/api/v1/domains/x.parent.test/ds";
    let full = |tag: i64, alg: i64, dt: i64, digest: &str| json!({"key_tag": tag, "algorithm": alg, "digest_type": dt, "digest": digest});
    let cases = [
        (json!({}), "ds", ""),
        (
            json!({"key_tag": 1, "ds": format!("1 13 2 {NO_MATCH}")}),
            "ds",
            "exactly one",
        ),
        (full(70000, 13, 2, NO_MATCH), "key_tag", "0–65535"),
        (full(-1, 13, 2, NO_MATCH), "key_tag", ""),
        (full(1, 5, 2, NO_MATCH), "algorithm", "deprecated"),
        (full(1, 12, 2, NO_MATCH), "algorithm", "deprecated"),
        (full(1, 99, 2, NO_MATCH), "algorithm", ""),
        (full(1, 13, 3, NO_MATCH), "digest_type", "GOST"),
        (full(1, 13, 9, NO_MATCH), "digest_type", ""),
        (full(1, 13, 2, "ABCD"), "digest", "32 octets"),
        (full(1, 13, 4, NO_MATCH), "digest", "48 octets"),
        (full(1, 13, 2, "XYZ"), "digest", "hexadecimal"),
        (json!({"key_tag": 1}), "algorithm", "required"),
        (
            json!({"ds": format!("other.test. IN DS 1 13 2 {NO_MATCH}")}),
            "ds",
            "other.test.",
        ),
        (json!({"ds": "DS 1 13"}), "ds", "4 fields"),
        (json!({"dnskey": "257 3 13 !!!not-base64!!!"}), "dnskey", ""),
        (
            json!({"dnskey": "257 3 13 AAAA", "dnskey_digest_type": 1}),
            "dnskey_digest_type",
            "",
        ),
    ];
    for (body, field, words) in cases {
        let r = alice.post(base, body.clone()).await;
        let errors = field_errors(&r.problem(StatusCode::UNPROCESSABLE_ENTITY));
        assert!(
            errors.iter().any(|(f, m)| f == field && m.contains(words)),
            "{body}: {errors:?}"
        );
    }
    // Malformed paths and bodies of the other endpoints: 4xx, nothing changed.
    let r = alice.delete(&format!("{base}/not-a-number")).await;
    assert!(r.status.is_client_error(), "{}", r.body);
    let r = alice.delete(&format!("{base}/999999")).await;
    r.problem(StatusCode::NOT_FOUND);
    let r = alice.post("/api/v1/domains", json!({"name": 5})).await;
    assert!(r.status.is_client_error(), "{}", r.body);
    let r = alice.post("/api/v1/domains", json!({})).await;
    assert!(r.status.is_client_error(), "{}", r.body);
    for body in [
        json!({"signed": "yes"}),
        json!({}),
        json!({"signed": true, "key": "x"}),
    ] {
        let r = alice
            .put("/api/v1/zones/parent.test/dnssec", body.clone())
            .await;
        assert!(r.status.is_client_error(), "{body}: {}", r.body);
    }
    assert_eq!(app.count("zone_key").await, 0);
    assert_eq!(app.count("domain").await, 3);
    let r = alice
        .post(
            base,
            json!({"ds": format!("1 13 2 {NO_MATCH}"), "colour": "red"}),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.body);
    assert_eq!(app.count("ds_record").await, 0);

    // A well-formed DS for a domain whose name servers cannot be found: stored as
    // unreachable (checked again later), not published.
    let r = alice
        .post(base, json!({"ds": format!("1 13 1 {}", "AB".repeat(20))}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let record = &r.json()["record"];
    assert_eq!(record["state"], "unreachable", "{record}");
    assert_eq!(record["published"], false);
    assert_eq!(
        record["warnings"].as_array().unwrap().len(),
        1,
        "SHA-1 warning: {record}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_zone_signed_here_is_a_valid_child_and_a_changed_key_unpublishes_its_ds() {
    // Name servers on the app's own DNS port: the child is served (and signed) here.
    let app = TestApp::start().await;
    let mut alice = app.customer(ALICE).await;
    let mut bob = app.customer(BOB).await;
    parent_with_delegation(&mut alice, "parent.test", "kid").await;
    let r = alice
        .post("/api/v1/zones", json!({"name": "kid.parent.test"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = alice.get("/api/v1/zones/kid.parent.test/dnssec").await;
    assert_eq!(r.json()["signed"], false, "{}", r.body);

    let r = alice
        .put(
            "/api/v1/zones/kid.parent.test/dnssec",
            json!({"signed": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let signing = r.json();
    assert_eq!(signing["signed"], true);
    assert_eq!(signing["algorithm"], 13);
    let ds_lines: Vec<String> = signing["ds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ds_lines.len(), 2, "{signing}");
    assert!(
        ds_lines[0].starts_with("kid.parent.test. IN DS "),
        "{ds_lines:?}"
    );
    assert_eq!(
        bob.get("/api/v1/zones/kid.parent.test/dnssec").await.status,
        StatusCode::NOT_FOUND
    );
    let mut dns = Dns::new(app.dns_addr).await;
    dns.wait_for("kid.parent.test.", RecordType::DNSKEY, "the DNSKEY", |a| {
        a.answers
            .iter()
            .any(|r| r.record_type() == RecordType::DNSKEY)
    })
    .await;

    let r = alice
        .post("/api/v1/domains", json!({"name": "kid.parent.test"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let base = "/api/v1/domains/kid.parent.test/ds";
    for line in &ds_lines {
        let r = alice.post(base, json!({ "ds": line })).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.json()["record"]["state"], "valid", "{}", r.body);
    }
    dns.wait_for("kid.parent.test.", RecordType::DS, "both DS", |a| {
        served_ds(a).len() == 2
    })
    .await;

    // The child stops signing (its key is gone): the re-check finds no key, and the parent
    // stops serving the DS rather than make the child bogus.
    let r = alice
        .put(
            "/api/v1/zones/kid.parent.test/dnssec",
            json!({"signed": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    dns.wait_for("kid.parent.test.", RecordType::DNSKEY, "no DNSKEY", |a| {
        a.answers.is_empty()
    })
    .await;
    let r = alice.post(&format!("{base}/check"), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for record in r.json()["records"].as_array().unwrap() {
        assert_eq!(record["state"], "no-key", "{record}");
        assert_eq!(record["published"], false);
    }
    dns.wait_for("kid.parent.test.", RecordType::DS, "no DS", |a| {
        served_ds(a).is_empty()
    })
    .await;

    // Signing again (a new key): the periodic re-check sees the old DS still without a key.
    let r = alice
        .put(
            "/api/v1/zones/kid.parent.test/dnssec",
            json!({"signed": true}),
        )
        .await;
    let new_ds = r.json()["ds"][0].as_str().unwrap().to_owned();
    assert_ne!(new_ds, ds_lines[0]);
    dns.wait_for(
        "kid.parent.test.",
        RecordType::DNSKEY,
        "the new DNSKEY",
        |a| !a.answers.is_empty(),
    )
    .await;
    let r = alice.post(base, json!({ "ds": new_ds })).await;
    assert_eq!(r.json()["record"]["state"], "valid", "{}", r.body);
    let checker = zonekeeper::service::ds::Checker {
        resolver: std::sync::Arc::new(zonekeeper::resolver::Resolver::new(
            Some(crate::resolver_stub::address()),
            std::time::Duration::from_millis(500),
        )),
        nameserver_port: app.dns_addr.port(),
        timeout: std::time::Duration::from_secs(2),
        allow_local_targets: true,
    };
    let checked = zonekeeper::service::ds::recheck_due(
        &app.pool,
        &checker,
        std::time::Duration::ZERO,
        std::time::Duration::ZERO,
    )
    .await
    .unwrap();
    assert_eq!(checked, 1);
    let states: Vec<String> = alice.get(base).await.json()["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(states, ["no-key", "no-key", "valid"]);
    app.stop().await;
}

#[tokio::test]
async fn ds_of_a_domain_hosted_elsewhere_is_recorded_for_the_registrar() {
    // `registrar.test.` is in no zone here; the resolver names its server (127.0.0.1), and
    // Knot serves it signed there.
    let knot = start_child("registrar.test.").await;
    let app = TestApp::start_with_nameserver_port(knot.port).await;
    let mut bob = app.customer(BOB).await;
    let r = bob
        .post("/api/v1/domains", json!({"name": "registrar.test"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["publication"], "registrar");
    let ds = knot.ksk_ds(2);
    let r = bob
        .post("/api/v1/domains/registrar.test/ds", json!({ "ds": ds }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["record"]["state"], "valid", "{}", r.body);
    assert_eq!(r.json()["record"]["published"], false);
    let r = bob.get("/api/v1/domains/registrar.test/ds/export").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains(&format!("registrar.test. IN DS {}", normalize(&ds))),
        "{}",
        r.body
    );
    app.stop().await;
}

/// A customer who claimed `kid.bobzone.example` before anyone hosted `bobzone.example` must not
/// get DS records served in Bob's zone once Bob creates it and delegates `kid`: only the parent
/// zone's owner, or an admin who assigns the domain, decides what that zone publishes.
#[tokio::test]
async fn ds_of_a_domain_claimed_below_another_accounts_zone_is_not_published_there() {
    let app = TestApp::start().await;
    let mut mallory = app.customer("mallory@example.com").await;
    let r = mallory
        .post("/api/v1/domains", json!({"name": "kid.bobzone.example"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Her DS, stored as a live check would have stored a valid one.
    sqlx::query(
        "insert into ds_record (domain_id, key_tag, algorithm, digest_type, digest, state, reason)
         select id, 31406, 13, 2, decode(repeat('ab', 32), 'hex'), 'valid', 'test'
           from domain where name = 'kid.bobzone.example.'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let mut bob = app.customer("bob@example.com").await;
    let r = bob
        .post("/api/v1/zones", json!({"name": "bobzone.example"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = bob
        .send(
            reqwest::Method::PUT,
            "/api/v1/zones/bobzone.example/rrsets/kid/NS",
            Some("application/json"),
            json!({"records": ["ns1.elsewhere.example."]})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut dns = Dns::new(app.dns_addr).await;
    dns.wait_for(
        "kid.bobzone.example.",
        RecordType::NS,
        "the delegation",
        |a| {
            a.authorities
                .iter()
                .any(|r| r.record_type() == RecordType::NS)
        },
    )
    .await;
    let answer = dns.query("kid.bobzone.example.", RecordType::DS).await;
    assert!(
        served_ds(&answer).is_empty(),
        "Mallory's DS is served in Bob's zone: {answer:?}"
    );

    // An admin assigning the domain is the operator's consent: then it is published.
    sqlx::query("update domain set assigned_by_admin = true where name = 'kid.bobzone.example.'")
        .execute(&app.pool)
        .await
        .unwrap();
    let r = bob
        .send(
            reqwest::Method::PUT,
            "/api/v1/zones/bobzone.example/rrsets/www/A",
            Some("application/json"),
            json!({"records": ["192.0.2.1"]}).to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    dns.wait_for(
        "kid.bobzone.example.",
        RecordType::DS,
        "the consented DS",
        |a| !served_ds(a).is_empty(),
    )
    .await;
    app.stop().await;
}

/// A customer's delegation may name servers anywhere, this machine's loopback and the
/// provider's private networks included: the DS check does not go there unless the operator
/// allows local targets. `registrar.test.`'s server is 127.0.0.1 (the resolver stub says so).
#[tokio::test]
async fn ds_checks_do_not_query_loopback_or_private_addresses_by_default() {
    let app = TestApp::start_without_local_targets().await;
    let mut bob = app.customer(BOB).await;
    let r = bob
        .post("/api/v1/domains", json!({"name": "registrar.test"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let ds = "12345 13 2 0000000000000000000000000000000000000000000000000000000000000000";
    let r = bob
        .post("/api/v1/domains/registrar.test/ds", json!({ "ds": ds }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let record = &r.json()["record"];
    assert_eq!(record["state"], "unreachable", "{record}");
    assert_eq!(record["published"], false, "{record}");
    let reason = record["reason"].as_str().unwrap();
    assert!(
        reason.contains("not queried from here") && reason.contains("127.0.0.1 (loopback)"),
        "{reason}"
    );
    app.stop().await;
}
