//! Standalone engine nodes (`dns-engine`, the binary) on the panel's store: they serve what the
//! panel commits, on the primary and on a real streaming replica, keep answering while the
//! store is down and converge when it is back, and refuse stores they cannot read.
//!
//! The binary is the one `cargo test --workspace` builds beside this test binary
//! (`target/<profile>/dns-engine`).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, OpCode, ResponseCode};
use hickory_proto::rr::RecordType;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use zonekeeper::pg::Cluster;

use crate::dns_live::{a_addresses, Dns};
use crate::harness::TestApp;
use crate::transfers;

fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/api-… → target/<profile>/dns-engine
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target dir")
        .join("dns-engine");
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo test --workspace` (or `cargo build -p dns-engine` first)",
        bin.display()
    );
    bin
}

/// A running `dns-engine` process; killed when dropped.
struct Node {
    child: Child,
    dns: SocketAddr,
    health: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Node {
    /// Starts a node on `database_url` and waits until it serves (its "serving" log line).
    fn start(name: &str, database_url: &str, extra: &[&str]) -> Node {
        let mut child = Command::new(binary())
            .args(["--database-url", database_url, "--node-name", name])
            .args(["--dns-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0"])
            .args(["--rrl-ratelimit", "0", "--connect-timeout", "5"])
            .args(extra)
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info")
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn dns-engine");
        let log = Arc::new(Mutex::new(String::new()));
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = log.lock().unwrap().clone();
            if let Some(line) = text.lines().find(|l| l.contains(" serving")) {
                let dns = field(line, "dns=").parse().expect("dns address");
                let health = field(line, "health=Some(")
                    .trim_end_matches(')')
                    .parse()
                    .expect("health address");
                return Node {
                    child,
                    dns,
                    health,
                    log,
                };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("node {name} exited with {status} before serving:\n{text}");
            }
            assert!(
                Instant::now() < deadline,
                "node {name} not serving:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn output(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    async fn status(&self) -> Value {
        reqwest::get(format!("http://{}/status", self.health))
            .await
            .expect("health port")
            .json()
            .await
            .expect("status JSON")
    }

    /// Waits until the node reports `state` (on its health port).
    async fn wait_state(&self, state: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let status = self.status().await;
            if status["state"] == state {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "node never {state}: {status}\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The text after `key` in a log line, up to the next space.
fn field<'a>(line: &'a str, key: &str) -> &'a str {
    let start = line.find(key).map(|i| i + key.len()).unwrap_or(line.len());
    line[start..].split(' ').next().unwrap_or("")
}

async fn put_a(cust: &mut crate::harness::Client, zone: &str, label: &str, address: &str) {
    let path = format!("/api/v1/zones/{zone}/rrsets/{label}/A");
    let body = json!({"ttl": 300, "records": [address]}).to_string();
    let r = cust
        .send(
            Method::PUT,
            &path,
            Some("application/json"),
            body.into_bytes(),
        )
        .await;
    assert!(r.status.is_success(), "PUT {path}: {} {}", r.status, r.body);
}

/// The `q`-quantile of sorted `samples`, in milliseconds.
fn quantile(samples: &[Duration], q: f64) -> f64 {
    let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
    samples[i].as_secs_f64() * 1000.0
}

#[tokio::test]
async fn two_nodes_and_the_embedded_engine_serve_every_change() {
    const CHANGES: usize = 500;
    let app = TestApp::start().await;
    let mut cust = app.customer("nodes@example.com").await;
    let r = cust
        .post("/api/v1/zones", json!({"name": "nodes.example"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let a = Node::start("node-a", &app.database_url, &[]);
    // node-b with the least role the README documents (dist/engine-node-role.sql).
    let db: String = sqlx::query_scalar("select current_database()")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let role = format!("zk_node_{db}");
    sqlx::raw_sql(&include_str!("../../../dist/engine-node-role.sql").replace("zk_node", &role))
        .execute(&app.pool)
        .await
        .expect("dist/engine-node-role.sql");
    let (user, rest) = app.database_url.split_once('@').unwrap();
    assert!(user.starts_with("postgres://"), "{user}");
    let b = Node::start("node-b", &format!("postgres://{role}@{rest}"), &[]);
    let mut servers = vec![
        ("embedded", Dns::new(app.dns_addr).await),
        ("node-a", Dns::new(a.dns).await),
        ("node-b", Dns::new(b.dns).await),
    ];
    for (who, dns) in &mut servers {
        let soa = dns
            .wait_for("nodes.example.", RecordType::SOA, who, |m| {
                m.metadata.response_code == ResponseCode::NoError
            })
            .await;
        assert!(soa.metadata.authoritative, "{who}");
    }

    // Change after change; each is timed until every server answers with it.
    let mut latency: Vec<Vec<Duration>> = vec![Vec::with_capacity(CHANGES); servers.len()];
    for i in 0..CHANGES {
        let address = format!("192.0.2.{}", i % 250 + 1);
        let started = Instant::now();
        put_a(&mut cust, "nodes.example", "www", &address).await;
        for (k, (who, dns)) in servers.iter_mut().enumerate() {
            let deadline = started + Duration::from_secs(5);
            loop {
                let a = dns.query("www.nodes.example.", RecordType::A).await;
                if a_addresses(&a) == [address.as_str()] {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "{who}: change {i} not served: {a:?}"
                );
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            latency[k].push(started.elapsed());
        }
    }
    for (k, (who, _)) in servers.iter().enumerate() {
        let samples = &mut latency[k];
        samples.sort();
        eprintln!(
            "change → served on {who}: p50 {:.1} ms, p99 {:.1} ms over {CHANGES} changes (PUT included)",
            quantile(samples, 0.5),
            quantile(samples, 0.99)
        );
    }

    // A new zone and a deleted one reach the nodes too.
    let r = cust
        .post("/api/v1/zones", json!({"name": "second.example"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for (who, dns) in &mut servers {
        dns.wait_for("second.example.", RecordType::SOA, who, |m| {
            m.metadata.response_code == ResponseCode::NoError
        })
        .await;
    }
    let r = cust.delete("/api/v1/zones/nodes.example").await;
    assert!(r.status.is_success(), "{}", r.body);
    for (who, dns) in &mut servers {
        dns.wait_for("nodes.example.", RecordType::SOA, who, |m| {
            m.metadata.response_code == ResponseCode::Refused
        })
        .await;
    }

    // Each node applied the log by id, without loading everything again, and reports where
    // it stands on its health port and in its heartbeat row.
    let head: i64 = sqlx::query_scalar("select max(id) from zone_change")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    for node in [&a, &b] {
        let deadline = Instant::now() + Duration::from_secs(5);
        let status = loop {
            let status = node.status().await;
            if status["last_change_id"] == head || Instant::now() > deadline {
                break status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(status["last_change_id"], head, "{status}");
        assert_eq!(status["state"], "following", "{status}");
        assert_eq!(status["replica"], false, "{status}");
        assert_eq!(status["full_loads"], 1, "{status}");
        assert_eq!(status["zones"], 1, "{status}");
        let ready = reqwest::get(format!("http://{}/readyz", node.health))
            .await
            .unwrap();
        assert_eq!(ready.status(), StatusCode::OK);
    }
    let deadline = Instant::now() + Duration::from_secs(12);
    loop {
        let rows: Vec<(String, i64, String)> = sqlx::query_as(
            "select case when name like 'panel@%' then 'panel' else name end, last_change_id,
                    state
               from engine_node order by 1",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap();
        let expected = vec![
            ("node-a".to_owned(), head, "following".to_owned()),
            ("node-b".to_owned(), head, "following".to_owned()),
            ("panel".to_owned(), head, "following".to_owned()),
        ];
        if rows == expected {
            break;
        }
        assert!(Instant::now() < deadline, "heartbeats: {rows:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The admin console's list: every engine with how far behind it is; admins only.
    let mut admin = app.admin().await;
    let r = admin.get("/api/v1/engine-nodes").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let listed = r.json();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 3, "{listed:?}");
    for node in listed {
        assert_eq!(node["state"], "following", "{node}");
        assert_eq!(node["changes_behind"], 0, "{node}");
        assert_eq!(node["behind_seconds"], Value::Null, "{node}");
        assert_eq!(node["reporting"], true, "{node}");
        assert_eq!(node["last_change_id"], head, "{node}");
    }
    assert_eq!(listed[0]["name"], "node-a");
    assert_eq!(listed[0]["dns_address"], a.dns.to_string());
    assert_eq!(listed[0]["health_address"], a.health.to_string());
    let r = cust.get("/api/v1/engine-nodes").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // A stopped node falls behind in the list once it no longer reports (its heartbeat made
    // old here, rather than waiting for it); forgetting it is audited.
    drop(b);
    sqlx::query(
        "update engine_node set seen_at = now() - interval '1 minute' where name = 'node-b'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    put_a(&mut cust, "second.example", "late", "192.0.2.99").await;
    let r = admin.get("/api/v1/engine-nodes").await;
    let node_b = r.json()[1].clone();
    assert_eq!(node_b["name"], "node-b");
    assert_eq!(node_b["changes_behind"], 1, "{node_b}");
    assert_eq!(node_b["reporting"], false, "{node_b}");
    assert!(
        node_b["behind_seconds"].as_f64().unwrap() >= 0.0,
        "{node_b}"
    );
    let r = admin.delete("/api/v1/engine-nodes/node-b").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = admin.delete("/api/v1/engine-nodes/node-b").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'engine_node.delete' and object_id = 'node-b'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    drop(a);
    app.stop().await;
}

/// A primary cluster and its hot standby, private to one test; both stopped and removed when
/// dropped.
struct Replicated {
    dir: PathBuf,
    primary: Cluster,
    standby: Cluster,
}

impl Replicated {
    async fn new(tag: &str) -> Replicated {
        let dir = PathBuf::from(format!("/tmp/zk-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let primary = Cluster::in_data_dir(&dir.join("primary")).expect("primary");
        primary.init().expect("initdb");
        primary.start().expect("start primary");
        primary.ensure_database("zk").await.expect("database");
        let pool = PgPool::connect_with(primary.connect_options("zk"))
            .await
            .expect("connect primary");
        zonekeeper::db::MIGRATOR.run(&pool).await.expect("migrate");
        pool.close().await;
        let standby = Cluster::in_data_dir(&dir.join("standby")).expect("standby");
        standby.init_standby_of(&primary).expect("pg_basebackup -R");
        standby.start().expect("start standby");
        Replicated {
            dir,
            primary,
            standby,
        }
    }
}

impl Drop for Replicated {
    fn drop(&mut self) {
        let _ = self.standby.stop();
        let _ = self.primary.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn a_node_on_a_streaming_replica_follows_and_every_node_outlives_the_store() {
    let clusters = Replicated::new("replica").await;
    let pool = PgPool::connect_with(clusters.primary.connect_options("zk"))
        .await
        .unwrap();
    zonekeeper::service::accounts::ensure_admin(
        &pool,
        crate::harness::ADMIN_EMAIL,
        Some(crate::harness::ADMIN_PASSWORD.into()),
    )
    .await
    .unwrap();
    let app = TestApp::start_on(pool.clone(), clusters.primary.url("zk")).await;
    let mut cust = app.customer("replica@example.com").await;
    let r = cust
        .post("/api/v1/zones", json!({"name": "replica.example"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // The standby node reads the replica; its heartbeat goes to the primary.
    let standby_node = Node::start(
        "standby-node",
        &clusters.standby.url("zk"),
        &[
            "--poll-interval-ms",
            "100",
            "--heartbeat-database-url",
            &clusters.primary.url("zk"),
        ],
    );
    let primary_node = Node::start("primary-node", &clusters.primary.url("zk"), &[]);
    let status = standby_node.status().await;
    assert_eq!(status["replica"], true, "{status}");
    let mut on_standby = Dns::new(standby_node.dns).await;
    let mut on_primary = Dns::new(primary_node.dns).await;
    let mut embedded = Dns::new(app.dns_addr).await;
    on_standby
        .wait_for(
            "replica.example.",
            RecordType::SOA,
            "zone on the replica",
            |m| m.metadata.response_code == ResponseCode::NoError,
        )
        .await;

    // Changes reach the replica node through replication and its polling.
    let mut latency = Vec::new();
    for i in 1..=50 {
        let address = format!("198.51.100.{i}");
        let started = Instant::now();
        put_a(&mut cust, "replica.example", "www", &address).await;
        on_standby
            .wait_for(
                "www.replica.example.",
                RecordType::A,
                "change on the replica",
                |m| a_addresses(m) == [address.as_str()],
            )
            .await;
        latency.push(started.elapsed());
    }
    latency.sort();
    eprintln!(
        "change → served on the replica node (replication + 100 ms poll): p50 {:.1} ms, p99 {:.1} ms over 50 changes",
        quantile(&latency, 0.5),
        quantile(&latency, 0.99)
    );
    let deadline = Instant::now() + Duration::from_secs(12);
    loop {
        let seen: Option<bool> =
            sqlx::query_scalar("select replica from engine_node where name = 'standby-node'")
                .fetch_optional(&pool)
                .await
                .unwrap();
        if seen == Some(true) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no heartbeat of the standby node"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The store goes away: every engine keeps answering from its snapshots, and the nodes
    // say they are stale.
    clusters.standby.stop().expect("stop standby");
    clusters.primary.stop().expect("stop primary");
    for node in [&standby_node, &primary_node] {
        node.wait_state("stale", Duration::from_secs(15)).await;
    }
    for dns in [&mut on_standby, &mut on_primary, &mut embedded] {
        let a = dns.query("www.replica.example.", RecordType::A).await;
        assert_eq!(a_addresses(&a), ["198.51.100.50"], "stale answer: {a:?}");
    }

    // Back again: they catch up with the change made after it returned.
    clusters.primary.start().expect("restart primary");
    clusters.standby.start().expect("restart standby");
    for node in [&standby_node, &primary_node] {
        node.wait_state("following", Duration::from_secs(30)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = cust
            .send(
                Method::PUT,
                "/api/v1/zones/replica.example/rrsets/after/A",
                Some("application/json"),
                json!({"ttl": 300, "records": ["203.0.113.9"]})
                    .to_string()
                    .into_bytes(),
            )
            .await;
        if r.status.is_success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the panel did not recover: {} {}",
            r.status,
            r.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for (who, dns) in [
        ("standby node", &mut on_standby),
        ("primary node", &mut on_primary),
        ("embedded", &mut embedded),
    ] {
        dns.wait_for_within(
            "after.replica.example.",
            RecordType::A,
            who,
            Duration::from_secs(30),
            |m| a_addresses(m) == ["203.0.113.9"],
        )
        .await;
    }
    for node in [&standby_node, &primary_node] {
        let status = node.status().await;
        assert_eq!(status["full_loads"], 1, "caught up, not reloaded: {status}");
        assert!(
            node.output().contains("caught up with the change log"),
            "{}",
            node.output()
        );
    }
    drop((standby_node, primary_node));
    app.stop().await;
    pool.close().await;
}

#[tokio::test]
async fn a_change_committed_after_a_newer_one_is_still_applied() {
    let app = TestApp::start().await;
    let mut cust = app.customer("reorder@example.com").await;
    for zone in ["early.example", "late.example"] {
        let r = cust.post("/api/v1/zones", json!({"name": zone})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let node = Node::start("reorder-node", &app.database_url, &[]);
    let mut dns = Dns::new(node.dns).await;
    dns.wait_for("late.example.", RecordType::SOA, "zones served", |m| {
        m.metadata.response_code == ResponseCode::NoError
    })
    .await;

    // Entry N is taken by a transaction that stays open; entry N+1 commits first. No
    // notifications: only the log tells the node, as on a replica.
    let change = |zone: &'static str, label: &'static str, address: &'static str| {
        let pool = app.pool.clone();
        async move {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query(
                "insert into record (zone_id, name, type, ttl, content)
                 select id, $2 || '.' || name, 'A', 300, $3 from zone where name = $1",
            )
            .bind(zone)
            .bind(label)
            .bind(address)
            .execute(&mut *tx)
            .await
            .unwrap();
            // Written by hand, not published: the zone is served from its rows.
            sqlx::query("update zone set published = false where name = $1")
                .bind(zone)
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query(
                "insert into zone_change (zone_id, zone_name, kind)
                 select id, name, 'reload' from zone where name = $1",
            )
            .bind(zone)
            .execute(&mut *tx)
            .await
            .unwrap();
            tx
        }
    };
    let early = change("early.example.", "www", "192.0.2.10").await;
    let late = change("late.example.", "www", "192.0.2.20").await;
    late.commit().await.unwrap();
    dns.wait_for("www.late.example.", RecordType::A, "the newer entry", |m| {
        a_addresses(m) == ["192.0.2.20"]
    })
    .await;
    // Polls go by meanwhile, the node's position is past the open entry…
    tokio::time::sleep(Duration::from_millis(600)).await;
    let a = dns.query("www.early.example.", RecordType::A).await;
    assert_eq!(a.metadata.response_code, ResponseCode::NXDomain, "{a:?}");
    // …and the entry is applied when it commits.
    early.commit().await.unwrap();
    dns.wait_for(
        "www.early.example.",
        RecordType::A,
        "the older entry",
        |m| a_addresses(m) == ["192.0.2.10"],
    )
    .await;
    let status = node.status().await;
    assert_eq!(status["reordered"], 1, "{status}");
    assert!(
        node.output().contains("change committed after a newer one"),
        "{}",
        node.output()
    );
    drop(node);
    app.stop().await;
}

/// The parts of an answer two servers must agree on.
fn answer_of(m: &Message) -> (ResponseCode, bool, Vec<String>, Vec<String>) {
    let mut answers: Vec<String> = m.answers.iter().map(ToString::to_string).collect();
    let mut authority: Vec<String> = m.authorities.iter().map(ToString::to_string).collect();
    answers.sort();
    authority.sort();
    (
        m.metadata.response_code,
        m.metadata.authoritative,
        answers,
        authority,
    )
}

#[tokio::test]
async fn a_restarted_node_catches_up_from_its_last_change() {
    let app = TestApp::start().await;
    let mut cust = app.customer("restart-node@example.com").await;
    // A transfer key, so that IXFR shows the journal each start joined to the zones.
    let mut admin = app.admin().await;
    let (_, key) = transfers::transfer_key(&mut admin, "node-ixfr.", "hmac-sha256").await;
    for zone in ["kept.example", "gone.example"] {
        let r = cust.post("/api/v1/zones", json!({"name": zone})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let created = transfers::zone_serial(&app, "kept.example.").await;
    put_a(&mut cust, "kept.example", "www", "192.0.2.1").await;
    let with_www = transfers::zone_serial(&app, "kept.example.").await;
    let ixfr_from = |dns: SocketAddr, serial: u32| {
        transfers::records(&transfers::tcp(
            dns,
            &transfers::request(
                "kept.example.",
                RecordType::IXFR,
                OpCode::Query,
                Some(serial),
                Some((&key, transfers::now())),
            ),
        ))
    };
    let state = PathBuf::from(format!("/tmp/zk-node-state-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let state_arg = state.display().to_string();
    let node = Node::start(
        "restart-node",
        &app.database_url,
        &["--state-dir", &state_arg],
    );
    let mut dns = Dns::new(node.dns).await;
    dns.wait_for("www.kept.example.", RecordType::A, "first start", |m| {
        a_addresses(m) == ["192.0.2.1"]
    })
    .await;
    let first = node.status().await;
    assert_eq!(first["full_loads"], 1, "{first}");
    assert_eq!(first["restored"], false, "{first}");
    // The full load joined the journal: IXFR from the zone's first serial is the one change
    // (SOA new, SOA old, SOA new, the A, SOA new), not the whole zone.
    let diff = ixfr_from(node.dns, created);
    assert_eq!(diff.len(), 5, "{diff:?}");
    assert!(diff[1].contains(&format!(" {created} ")), "{diff:?}");
    assert!(
        diff[3].starts_with("www.kept.example. A 192.0.2.1"),
        "{diff:?}"
    );

    // Killed (no shutdown of its own); 100 changes while it is away, a zone deleted and one
    // created among them.
    drop(node);
    for i in 0..100 {
        put_a(
            &mut cust,
            "kept.example",
            &format!("h{i}"),
            &format!("198.51.100.{}", i % 250 + 1),
        )
        .await;
    }
    let r = cust.delete("/api/v1/zones/gone.example").await;
    assert!(r.status.is_success(), "{}", r.body);
    let r = cust
        .post("/api/v1/zones", json!({"name": "new.example"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    put_a(&mut cust, "new.example", "www", "203.0.113.7").await;
    let head: i64 = sqlx::query_scalar("select max(id) from zone_change")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    let node = Node::start(
        "restart-node",
        &app.database_url,
        &["--state-dir", &state_arg],
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        let status = node.status().await;
        if status["last_change_id"] == head || Instant::now() > deadline {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status["last_change_id"], head, "{status}");
    assert_eq!(status["restored"], true, "{status}");
    // The restore joined the journal too: the 100 changes since the www record, condensed (the
    // change log keeps the newest 100 entries by default, so the first change is gone).
    let diff = ixfr_from(node.dns, with_www);
    assert!(
        diff[1].contains(&format!(" {with_www} ")),
        "incremental: {diff:?}"
    );
    assert_eq!(
        diff.iter().filter(|r| r.contains(" A ")).count(),
        100,
        "{diff:?}"
    );
    assert_eq!(
        status["full_loads"],
        0,
        "not loaded again: {status}\n{}",
        node.output()
    );
    let log = node.output();
    assert!(
        log.contains("restored the zones from the state directory"),
        "{log}"
    );
    assert!(log.contains("caught up with the change log"), "{log}");
    assert!(!log.contains("DNS engine loaded all zones"), "{log}");

    // It serves exactly what the panel's own engine serves, for a corpus of questions.
    let mut on_node = Dns::new(node.dns).await;
    let mut embedded = Dns::new(app.dns_addr).await;
    let mut corpus: Vec<(String, RecordType)> = (0..100)
        .map(|i| (format!("h{i}.kept.example."), RecordType::A))
        .collect();
    corpus.extend([
        ("www.kept.example.".to_owned(), RecordType::A),
        ("kept.example.".to_owned(), RecordType::SOA),
        ("kept.example.".to_owned(), RecordType::NS),
        ("nothing.kept.example.".to_owned(), RecordType::A),
        ("www.kept.example.".to_owned(), RecordType::AAAA),
        ("gone.example.".to_owned(), RecordType::SOA),
        ("new.example.".to_owned(), RecordType::SOA),
        ("www.new.example.".to_owned(), RecordType::A),
    ]);
    embedded
        .wait_for("www.new.example.", RecordType::A, "embedded", |m| {
            a_addresses(m) == ["203.0.113.7"]
        })
        .await;
    for (name, rtype) in &corpus {
        let a = answer_of(&on_node.query(name, *rtype).await);
        let b = answer_of(&embedded.query(name, *rtype).await);
        assert_eq!(a, b, "{name} {rtype}");
    }
    drop(node);
    let _ = std::fs::remove_dir_all(&state);
    app.stop().await;
}

/// Runs the binary to its exit (bounded); its status and output.
fn run_to_exit(args: &[&str]) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(binary())
        .args(args)
        .args(["--dns-addr", "127.0.0.1:0", "--connect-timeout", "1"])
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dns-engine");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("dns-engine {args:?} did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (status, text)
}

#[tokio::test]
async fn a_node_refuses_stores_it_cannot_follow() {
    // Nothing listens there.
    let (status, out) = run_to_exit(&["--database-url", "postgres://nobody@127.0.0.1:9/none"]);
    assert!(!status.success(), "{out}");
    assert!(
        out.contains("cannot connect to the store (--database-url)"),
        "{out}"
    );

    // A database without the schema, and one whose schema is newer than the binary.
    let (pool, url) = crate::harness::fresh_database().await;
    sqlx::query("drop table _sqlx_migrations")
        .execute(&pool)
        .await
        .unwrap();
    let (status, out) = run_to_exit(&["--database-url", &url]);
    assert!(!status.success(), "{out}");
    assert!(out.contains("has no Zonekeeper schema"), "{out}");

    let (pool, url) = crate::harness::fresh_database().await;
    sqlx::query(
        "insert into _sqlx_migrations (version, description, success, checksum, execution_time)
         values (99991231000000, 'from the future', true, '\\x00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let (status, out) = run_to_exit(&["--database-url", &url]);
    assert!(!status.success(), "{out}");
    assert!(out.contains("newer than this binary"), "{out}");
    assert!(out.contains("upgrade dns-engine"), "{out}");

    // Not a URL at all.
    let (status, out) = run_to_exit(&["--database-url", "not a url"]);
    assert!(!status.success(), "{out}");
    assert!(
        out.contains("--database-url is not a PostgreSQL URL"),
        "{out}"
    );
    let (status, out) = run_to_exit(&[
        "--database-url",
        &url,
        "--heartbeat-database-url",
        "not a url either",
    ]);
    assert!(!status.success(), "{out}");
    assert!(
        out.contains("--heartbeat-database-url is not a PostgreSQL URL"),
        "{out}"
    );
    pool.close().await;
}

/// Catch-up figures for the closing note: a node with a state directory, killed, `missed`
/// changes spread over 100 zones, restarted; the time from its start until it has applied the
/// last one. Run: `cargo test --release -p server --test api -- --ignored bench_node_catch_up
/// --nocapture` (needs `target/release/dns-engine`).
#[tokio::test]
#[ignore = "a benchmark; run it explicitly"]
async fn bench_node_catch_up() {
    const ZONES: usize = 100;
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    for z in 0..ZONES {
        let r = admin
            .post(
                "/api/v1/zones",
                json!({"name": format!("z{z}.catchup.example")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let state = PathBuf::from(format!("/tmp/zk-node-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let state_arg = state.display().to_string();
    drop(Node::start(
        "bench-node",
        &app.database_url,
        &["--state-dir", &state_arg],
    ));
    let mut change = 0usize;
    for missed in [100usize, 10_000] {
        for _ in 0..missed {
            let zone = format!("z{}.catchup.example", change % ZONES);
            let address = format!("192.0.2.{}", change % 250 + 1);
            put_a(&mut admin, &zone, &format!("h{}", change % 50), &address).await;
            change += 1;
        }
        let head: i64 = sqlx::query_scalar("select max(id) from zone_change")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        let started = Instant::now();
        let node = Node::start(
            "bench-node",
            &app.database_url,
            &["--state-dir", &state_arg],
        );
        let serving = started.elapsed();
        loop {
            let status = node.status().await;
            if status["last_change_id"] == head {
                assert_eq!(status["full_loads"], 0, "{status}");
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(120), "{status}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        eprintln!(
            "catch-up after {missed} missed changes over {ZONES} zones: serving (restored) after {:.0} ms, caught up after {:.0} ms",
            serving.as_secs_f64() * 1000.0,
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    let _ = std::fs::remove_dir_all(&state);
    app.stop().await;
}

/// A node role made before the engines read what zones published (`zone_rr`, missing from
/// dist/engine-node-role.sql then) may read it once the store is migrated: migration 0012
/// grants it to every role that may read the zones.
#[tokio::test]
async fn node_roles_made_before_may_read_what_zones_published_after_the_migration() {
    let app = TestApp::start().await;
    let db: String = sqlx::query_scalar("select current_database()")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let role = format!("zk_old_node_{db}");
    let old_script = include_str!("../../../dist/engine-node-role.sql")
        .replace("zk_node", &role)
        .replace("zone, zone_rr,", "zone,");
    assert!(!old_script.contains("zone_rr"));
    sqlx::raw_sql(&old_script).execute(&app.pool).await.unwrap();
    let may_read = || async {
        sqlx::query_scalar::<_, bool>("select has_table_privilege($1, 'zone_rr', 'select')")
            .bind(&role)
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    assert!(!may_read().await, "the old role cannot read zone_rr");
    sqlx::raw_sql(include_str!(
        "../../../migrations/0012_engines_read_zone_rr.sql"
    ))
    .execute(&app.pool)
    .await
    .unwrap();
    assert!(may_read().await, "the migration lets it");
    app.stop().await;
}
