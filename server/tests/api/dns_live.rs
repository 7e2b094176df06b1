//! Live DNS: what the store holds is what the engine serves, at start and within a bounded
//! time after each committed change (the change log and LISTEN/NOTIFY, see `dns_engine::store`).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::net::UdpSocket;
use zonekeeper::serve::{Running, Settings};
use zonekeeper::state::WebConfig;

use crate::harness::TestApp;

/// A UDP client of the engine under test.
pub struct Dns {
    sock: UdpSocket,
    server: SocketAddr,
    next_id: u16,
}

impl Dns {
    pub async fn new(server: SocketAddr) -> Dns {
        Dns {
            sock: UdpSocket::bind("127.0.0.1:0").await.unwrap(),
            server,
            next_id: 1,
        }
    }

    /// One query, one answer (replies to earlier, timed-out queries are skipped by id).
    pub async fn query(&mut self, name: &str, rtype: RecordType) -> Message {
        self.next_id = self.next_id.wrapping_add(1);
        let id = self.next_id;
        let mut q = Message::new(id, MessageType::Query, OpCode::Query);
        q.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
        self.sock
            .send_to(&q.to_vec().unwrap(), self.server)
            .await
            .unwrap();
        let mut buf = [0u8; 4096];
        loop {
            let (n, _) =
                tokio::time::timeout(Duration::from_secs(2), self.sock.recv_from(&mut buf))
                    .await
                    .expect("DNS answer in time")
                    .unwrap();
            let a = Message::from_vec(&buf[..n]).unwrap();
            if a.metadata.id == id {
                return a;
            }
        }
    }

    /// Polls every 20 ms, up to 5 s, until `ok` holds for the answer; returns that answer.
    pub async fn wait_for(
        &mut self,
        name: &str,
        rtype: RecordType,
        what: &str,
        ok: impl Fn(&Message) -> bool,
    ) -> Message {
        self.wait_for_within(name, rtype, what, Duration::from_secs(5), ok)
            .await
    }

    /// [`Dns::wait_for`] with another bound (benchmarks that load big zones).
    pub async fn wait_for_within(
        &mut self,
        name: &str,
        rtype: RecordType,
        what: &str,
        within: Duration,
        ok: impl Fn(&Message) -> bool,
    ) -> Message {
        let deadline = Instant::now() + within;
        loop {
            let a = self.query(name, rtype).await;
            if ok(&a) {
                return a;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not seen within {within:?}; last answer to {name} {rtype}: {a:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn soa_serial(m: &Message) -> Option<u32> {
    m.answers.iter().find_map(|r| match &r.data {
        RData::SOA(soa) => Some(soa.serial),
        _ => None,
    })
}

pub fn a_addresses(m: &Message) -> Vec<String> {
    let mut v: Vec<String> = m
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(a.0.to_string()),
            _ => None,
        })
        .collect();
    v.sort();
    v
}

fn ns_names(m: &Message) -> Vec<String> {
    let mut v: Vec<String> = m
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::NS(ns) => Some(ns.0.to_ascii()),
            _ => None,
        })
        .collect();
    v.sort();
    v
}

/// Inserts one record row by hand, bumps the serial and notifies in the same transaction, as
/// a committed change of the RRset service does. Written outside the write path, the row is
/// not in what the zone published (`zone_rr`), so the zone is marked as not published: the
/// engine then builds it from its rows, and the next change through the write path publishes
/// it anew (RFC 1995 §4: IXFR from before then is a whole transfer).
async fn insert_record(pool: &sqlx::PgPool, zone: &str, name: &str, rtype: &str, content: &str) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query(
        "insert into record (zone_id, name, type, ttl, content)
         select id, $2, $3, 300, $4 from zone where name = $1",
    )
    .bind(zone)
    .bind(name)
    .bind(rtype)
    .bind(content)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query("update zone set serial = serial + 1, published = false where name = $1")
        .bind(zone)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("select pg_notify($1, $2)")
        .bind(zonekeeper::service::zones::CHANGE_CHANNEL)
        .bind(zone)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn zone_changes_are_served_live() {
    let app = TestApp::start().await;
    let mut dns = Dns::new(app.dns_addr).await;
    let mut cust = app.customer("live@example.com").await;

    // Not hosted yet: refused.
    let a = dns.query("live.example.", RecordType::SOA).await;
    assert_eq!(a.metadata.response_code, ResponseCode::Refused);

    // (a) A zone created through the API is served with the API's serial.
    let r = cust
        .post("/api/v1/zones", json!({"name": "live.example"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let serial = u32::try_from(r.json()["serial"].as_u64().unwrap()).unwrap();
    let soa = dns
        .wait_for("live.example.", RecordType::SOA, "new zone's SOA", |a| {
            a.metadata.response_code == ResponseCode::NoError && soa_serial(a).is_some()
        })
        .await;
    assert!(soa.metadata.authoritative);
    assert_eq!(soa_serial(&soa), Some(serial));
    let ns = dns.query("Live.Example.", RecordType::NS).await;
    assert!(ns.metadata.authoritative);
    assert_eq!(
        ns_names(&ns),
        ["ns1.zonekeeper.invalid.", "ns2.zonekeeper.invalid."]
    );
    let nx = dns.query("nothing.live.example.", RecordType::A).await;
    assert_eq!(nx.metadata.response_code, ResponseCode::NXDomain);
    assert!(nx.metadata.authoritative);
    assert!(
        nx.authorities
            .iter()
            .any(|r| r.record_type() == RecordType::SOA),
        "SOA in authority: {nx:?}"
    );

    // (b) Committed changes (rows + serial + notify in one transaction) appear.
    insert_record(
        &app.pool,
        "live.example.",
        "www.live.example.",
        "A",
        "192.0.2.1",
    )
    .await;
    insert_record(
        &app.pool,
        "live.example.",
        "www.live.example.",
        "A",
        "192.0.2.2",
    )
    .await;
    let www = dns
        .wait_for(
            "www.live.example.",
            RecordType::A,
            "inserted A records",
            |a| a_addresses(a) == ["192.0.2.1", "192.0.2.2"],
        )
        .await;
    assert!(www.metadata.authoritative);
    let soa = dns.query("live.example.", RecordType::SOA).await;
    assert_eq!(soa_serial(&soa), Some(serial + 2));

    // A row the engine cannot parse costs only its own RRset, not the zone.
    insert_record(
        &app.pool,
        "live.example.",
        "bad.live.example.",
        "A",
        "not-an-address",
    )
    .await;
    insert_record(
        &app.pool,
        "live.example.",
        "mail.live.example.",
        "A",
        "192.0.2.25",
    )
    .await;
    dns.wait_for(
        "mail.live.example.",
        RecordType::A,
        "record after a bad row",
        |a| a_addresses(a) == ["192.0.2.25"],
    )
    .await;
    let www = dns.query("www.live.example.", RecordType::A).await;
    assert_eq!(a_addresses(&www), ["192.0.2.1", "192.0.2.2"]);

    // (c) Deleting the zone through the API stops serving it.
    assert_eq!(
        cust.delete("/api/v1/zones/live.example").await.status,
        StatusCode::NO_CONTENT
    );
    dns.wait_for(
        "live.example.",
        RecordType::SOA,
        "deleted zone refused",
        |a| a.metadata.response_code == ResponseCode::Refused,
    )
    .await;
    let a = dns.query("www.live.example.", RecordType::A).await;
    assert_eq!(a.metadata.response_code, ResponseCode::Refused);
    app.stop().await;
}

#[tokio::test]
async fn bursts_are_applied_and_the_last_state_wins() {
    let app = TestApp::start().await;
    let mut dns = Dns::new(app.dns_addr).await;
    let mut cust = app.customer("burst@example.com").await;
    let r = cust
        .post("/api/v1/zones", json!({"name": "burst.example"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let serial = u32::try_from(r.json()["serial"].as_u64().unwrap()).unwrap();
    insert_record(
        &app.pool,
        "burst.example.",
        "many.burst.example.",
        "A",
        "192.0.2.1",
    )
    .await;
    // 50 committed changes in a row, each rewriting the record: however the notifications
    // are coalesced, the engine ends on the last committed state.
    for i in 2..=50 {
        let mut tx = app.pool.begin().await.unwrap();
        sqlx::query("update record set content = $1 where name = 'many.burst.example.'")
            .bind(format!("192.0.2.{i}"))
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("update zone set serial = serial + 1")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("select pg_notify('zone_changed', 'burst.example.')")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    dns.wait_for(
        "many.burst.example.",
        RecordType::A,
        "the last of 50 changes",
        |a| a_addresses(a) == ["192.0.2.50"],
    )
    .await;
    let soa = dns.query("burst.example.", RecordType::SOA).await;
    assert_eq!(soa_serial(&soa), Some(serial + 50));
    app.stop().await;
}

#[tokio::test]
async fn a_lost_listener_reconnects_and_catches_up_from_the_log() {
    let app = TestApp::start().await;
    let mut dns = Dns::new(app.dns_addr).await;
    let mut cust = app.customer("reconnect@example.com").await;
    let r = cust
        .post("/api/v1/zones", json!({"name": "again.example"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    dns.wait_for("again.example.", RecordType::SOA, "zone served", |a| {
        soa_serial(a).is_some()
    })
    .await;

    // A change whose notification is never delivered (as if sent while the listener was
    // down), then the listener's connection is killed as a Postgres restart would. The change
    // log has it, as the write path would have logged it. (Written by hand, the zone is
    // served from its rows: see `insert_record`.)
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query(
        "insert into record (zone_id, name, type, ttl, content)
         select id, 'missed.again.example.', 'A', 300, '192.0.2.77' from zone",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query("update zone set published = false")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "insert into zone_change (zone_id, zone_name, kind)
         select id, name, 'reload' from zone where name = 'again.example.'",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let killed: Vec<bool> = sqlx::query_scalar(
        "select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and query ilike 'listen%'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(killed, [true], "exactly one LISTEN connection");

    // Still serving from the last snapshot meanwhile, then the missed change after reconnect.
    let a = dns.query("again.example.", RecordType::SOA).await;
    assert_eq!(a.metadata.response_code, ResponseCode::NoError);
    dns.wait_for(
        "missed.again.example.",
        RecordType::A,
        "missed change",
        |a| a_addresses(a) == ["192.0.2.77"],
    )
    .await;

    // And live updates work again on the new connection.
    insert_record(
        &app.pool,
        "again.example.",
        "later.again.example.",
        "A",
        "192.0.2.78",
    )
    .await;
    dns.wait_for(
        "later.again.example.",
        RecordType::A,
        "change after reconnect",
        |a| a_addresses(a) == ["192.0.2.78"],
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn zones_in_the_store_are_served_from_the_first_query() {
    let app = TestApp::start().await;
    let mut cust = app.customer("restart@example.com").await;
    let r = cust
        .post("/api/v1/zones", json!({"name": "restart.example"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let serial = u32::try_from(r.json()["serial"].as_u64().unwrap()).unwrap();
    let pool = app.pool.clone();
    app.stop().await;

    // A second instance on the same store: no waiting, the first query is answered.
    let running = Running::start(
        pool,
        Settings {
            http_addr: "127.0.0.1:0".parse().unwrap(),
            dns_addr: "127.0.0.1:0".parse().unwrap(),
            web: WebConfig::from_public_url(None, 30, 12),
            resolver: zonekeeper::resolver::Resolver::new(
                Some(crate::resolver_stub::address()),
                std::time::Duration::from_millis(500),
            ),
            nameserver_port: 0,
            login_concurrency: 4,
            allow_local_targets: true,
            http_limits: Default::default(),
            rrl: dns_engine::rrl::RrlConfig::off(),
            cookie_secret: None,
            dns_workers: 2,
            catalog_zone: zonekeeper::primary::DEFAULT_CATALOG_ZONE.into(),
            // Loopback answers at once; a lost NOTIFY is retried sooner than in production.
            notify_first_wait: std::time::Duration::from_millis(100),
            leptos_options: leptos::config::LeptosOptions::builder()
                .output_name("zonekeeper")
                .build(),
        },
    )
    .await
    .expect("second start");
    let mut dns = Dns::new(running.dns_addr).await;
    let soa = dns.query("restart.example.", RecordType::SOA).await;
    assert_eq!(soa.metadata.response_code, ResponseCode::NoError);
    assert!(soa.metadata.authoritative);
    assert_eq!(soa_serial(&soa), Some(serial));
    running.stop().await.expect("clean stop");
}

/// The benchmark: from an API PUT of an RRset to the first DNS answer carrying the
/// new data. Run with
/// `cargo test -p server --test api bench_put -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "benchmark; run explicitly"]
async fn bench_put_to_answer_latency() {
    const CHANGES: usize = 1000;
    let app = TestApp::start().await;
    let mut dns = Dns::new(app.dns_addr).await;
    let mut cust = app.customer("bench@example.com").await;
    let r = cust
        .post("/api/v1/zones", json!({"name": "bench.example"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let path = "/api/v1/zones/bench.example/rrsets/www/A";
    let mut samples = Vec::with_capacity(CHANGES);
    for i in 0..CHANGES {
        // Consecutive changes always differ: 192.0.2.1 ..= 192.0.2.250, cycling.
        let address = format!("192.0.2.{}", i % 250 + 1);
        let body = json!({"ttl": 300, "records": [address]}).to_string();
        let started = Instant::now();
        let r = cust
            .send(
                Method::PUT,
                path,
                Some("application/json"),
                body.into_bytes(),
            )
            .await;
        assert!(
            r.status.is_success(),
            "PUT {path} answered {}: {} (is the RRset endpoint there yet?)",
            r.status,
            r.body
        );
        let deadline = started + Duration::from_secs(5);
        loop {
            let a = dns.query("www.bench.example.", RecordType::A).await;
            if a_addresses(&a) == [address.as_str()] {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "change {i} not served within 5 s"
            );
            tokio::task::yield_now().await;
        }
        samples.push(started.elapsed());
    }
    samples.sort();
    let pct = |p: usize| samples[(samples.len() * p / 100).min(samples.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "p50={:.2}ms p99={:.2}ms n={}",
        ms(pct(50)),
        ms(pct(99)),
        samples.len()
    );
    app.stop().await;
}
