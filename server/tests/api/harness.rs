//! The test harness: one private PostgreSQL cluster per test run (the same code the server
//! uses for its own), a fresh database per test cloned from a migrated template, and the
//! real application started on free loopback ports.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use zonekeeper::pg::Cluster;
use zonekeeper::serve::{Running, Settings};
use zonekeeper::state::WebConfig;

struct Shared {
    cluster: Cluster,
}

static SHARED: OnceLock<Shared> = OnceLock::new();
static NEXT_DB: AtomicU32 = AtomicU32::new(0);
const TEMPLATE: &str = "zk_template";

/// The cluster of this test run, created on first use. A watchdog process stops it and
/// removes its directory once this test process has exited, however it exits.
fn shared() -> &'static Shared {
    SHARED.get_or_init(|| {
        let dir = PathBuf::from(format!("/tmp/zk-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create test cluster dir");
        let cluster = Cluster::in_data_dir(&dir).expect("test cluster");
        cluster.init().expect("initdb");
        cluster.start().expect("pg_ctl start");
        let watchdog = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; \
             if [ \"$(id -u)\" = 0 ]; then runuser -u postgres -- {bin}/pg_ctl -D {dir}/postgres stop -m immediate; \
             else {bin}/pg_ctl -D {dir}/postgres stop -m immediate; fi >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            bin = cluster.bin_dir().display(),
            dir = dir.display(),
        );
        // Deliberately not waited for: it outlives this process to clean up after it.
        #[allow(clippy::zombie_processes)]
        std::process::Command::new("sh")
            .args(["-c", &watchdog])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn watchdog");
        // Migrate a template once; each test's database is a cheap copy of it. (On a thread
        // of its own: we are inside some test's runtime, which must not be blocked on.)
        let c = cluster.clone();
        std::thread::spawn(move || {
            let cluster = c;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
            cluster.ensure_database(TEMPLATE).await.expect("template db");
            let pool = PgPool::connect_with(cluster.connect_options(TEMPLATE))
                .await
                .expect("connect template");
            zonekeeper::db::MIGRATOR.run(&pool).await.expect("migrate template");
            pool.close().await;
            })
        })
        .join()
        .expect("template migration");
        Shared { cluster }
    })
}

/// A fresh, migrated database of its own.
pub async fn fresh_database() -> (PgPool, String) {
    let shared = shared();
    let name = format!("t_{}", NEXT_DB.fetch_add(1, Ordering::SeqCst));
    let admin = PgPool::connect_with(shared.cluster.connect_options("postgres"))
        .await
        .expect("connect");
    sqlx::query(&format!("drop database if exists {name}"))
        .execute(&admin)
        .await
        .expect("drop");
    sqlx::query(&format!("create database {name} template {TEMPLATE}"))
        .execute(&admin)
        .await
        .expect("create from template");
    admin.close().await;
    let pool = PgPool::connect_with(shared.cluster.connect_options(&name))
        .await
        .expect("connect test db");
    (pool, shared.cluster.url(&name))
}

/// The application on free ports, with its own database.
pub struct TestApp {
    pub pool: PgPool,
    pub database_url: String,
    pub base: String,
    pub dns_addr: SocketAddr,
    running: Option<Running>,
}

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin password 1234";

impl TestApp {
    /// Start the app with one admin account (ADMIN_EMAIL / ADMIN_PASSWORD).
    pub async fn start() -> TestApp {
        TestApp::start_with(WebConfig::from_public_url(None, 30, 12)).await
    }

    /// The same, with chosen settings of the HTTP edge (timeouts, origin).
    pub async fn start_with(web: WebConfig) -> TestApp {
        TestApp::start_full(web, 0, true, Default::default()).await
    }

    /// The app on a store of the test's own (a cluster it made, e.g. with a replica).
    pub async fn start_on(pool: PgPool, database_url: String) -> TestApp {
        TestApp::start_full_on(
            (pool, database_url),
            WebConfig::from_public_url(None, 30, 12),
            0,
            true,
            Default::default(),
        )
        .await
    }

    /// The app with chosen bounds of the HTTP edge (connection cap, header timeout).
    pub async fn start_with_http_limits(limits: zonekeeper::http::listen::HttpLimits) -> TestApp {
        TestApp::start_full(WebConfig::from_public_url(None, 30, 12), 0, true, limits).await
    }

    /// The app as deployed: DS checks do not ask name servers at loopback or private
    /// addresses (no `--allow-local-targets`).
    pub async fn start_without_local_targets() -> TestApp {
        TestApp::start_full(
            WebConfig::from_public_url(None, 30, 12),
            0,
            false,
            Default::default(),
        )
        .await
    }

    /// The app asking authoritative name servers on `port` during DS checks (0: its own DNS
    /// port, so zones served here can be checked; otherwise, e.g., a Knot signer's port).
    pub async fn start_with_nameserver_port(port: u16) -> TestApp {
        TestApp::start_full(
            WebConfig::from_public_url(None, 30, 12),
            port,
            true,
            Default::default(),
        )
        .await
    }

    async fn start_full(
        web: WebConfig,
        nameserver_port: u16,
        allow_local_targets: bool,
        http_limits: zonekeeper::http::listen::HttpLimits,
    ) -> TestApp {
        let store = fresh_database().await;
        TestApp::start_full_on(
            store,
            web,
            nameserver_port,
            allow_local_targets,
            http_limits,
        )
        .await
    }

    async fn start_full_on(
        (pool, database_url): (PgPool, String),
        web: WebConfig,
        nameserver_port: u16,
        allow_local_targets: bool,
        http_limits: zonekeeper::http::listen::HttpLimits,
    ) -> TestApp {
        zonekeeper::service::accounts::ensure_admin(
            &pool,
            ADMIN_EMAIL,
            Some(ADMIN_PASSWORD.into()),
        )
        .await
        .expect("admin");
        let leptos_options = leptos::config::LeptosOptions::builder()
            .output_name("zonekeeper")
            .build();
        let running = Running::start(
            pool.clone(),
            Settings {
                http_addr: "127.0.0.1:0".parse().unwrap(),
                dns_addr: "127.0.0.1:0".parse().unwrap(),
                web,
                resolver: zonekeeper::resolver::Resolver::new(
                    Some(crate::resolver_stub::address()),
                    std::time::Duration::from_millis(500),
                ),
                nameserver_port,
                login_concurrency: 4,
                // Every peer of the tests listens on loopback.
                allow_local_targets,
                http_limits,
                // The tests send bursts from 127.0.0.1; the engine's own tests cover RRL.
                rrl: dns_engine::rrl::RrlConfig::off(),
                cookie_secret: None,
                dns_workers: 2,
                catalog_zone: zonekeeper::primary::DEFAULT_CATALOG_ZONE.into(),
                // Loopback answers at once; a lost NOTIFY is retried sooner than in production.
                notify_first_wait: std::time::Duration::from_millis(100),
                leptos_options,
            },
        )
        .await
        .expect("start app");
        TestApp {
            pool,
            database_url,
            base: format!("http://{}", running.http_addr),
            dns_addr: running.dns_addr,
            running: Some(running),
        }
    }

    /// The embedded engine's catalog.
    pub fn catalog(&self) -> dns_engine::SharedCatalog {
        self.running.as_ref().expect("running").catalog.clone()
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.expect("clean stop");
        }
    }

    /// A browser-like client: keeps the session cookie, sends our Origin.
    pub fn browser(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.base.clone(),
            cookie: None,
            bearer: None,
            origin: Some(self.base.clone()),
        }
    }

    /// An API client authenticated by a bearer token (no cookie, no Origin).
    pub fn with_token(&self, token: &str) -> Client {
        Client {
            bearer: Some(token.to_owned()),
            origin: None,
            ..self.browser()
        }
    }

    /// Log in a new browser client, asserting success.
    pub async fn login(&self, email: &str, password: &str) -> Client {
        let mut c = self.browser();
        let r = c
            .post(
                "/api/v1/auth/login",
                serde_json::json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {email}: {}", r.body);
        c
    }

    pub async fn admin(&self) -> Client {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Create a customer (through the API, as the admin) and return a logged-in client.
    pub async fn customer(&self, email: &str) -> Client {
        let mut admin = self.admin().await;
        let pw = "customer password 1234";
        let r = admin
            .post(
                "/api/v1/users",
                serde_json::json!({"email": email, "role": "customer", "password": pw}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        self.login(email, pw).await
    }

    /// Asserts that zone `name` (absolute), built from what it published (`zone_rr`: what the
    /// engine serves), is the zone its rows build: the same records, spelled alike, in the
    /// same order.
    pub async fn assert_published_as_built(&self, name: &str) {
        use dns_engine::store::ZoneData;
        let mut conn = self.pool.acquire().await.unwrap();
        let rows = ZoneData::read(&mut conn, name).await.unwrap().unwrap();
        let published = ZoneData::read_served(&mut conn, name)
            .await
            .unwrap()
            .unwrap();
        assert!(published.is_published(), "{name} has published its records");
        let records = |data: &ZoneData| -> Vec<Vec<u8>> {
            let zone = data.build_unsigned().expect("the zone builds");
            let mut all: Vec<Vec<u8>> = zone
                .soa_record()
                .iter()
                .map(dns_engine::xfr::encode_record)
                .collect();
            all.extend(
                zone.transfer_records()
                    .map(|r| dns_engine::xfr::encode_record(&r)),
            );
            assert_eq!(
                all.len(),
                zone.record_count(),
                "{name}: every record is transferred"
            );
            all
        };
        let (from_rows, from_published) = (records(&rows), records(&published));
        assert!(from_rows.len() > 1, "{name} has records besides its SOA");
        assert_eq!(
            from_rows, from_published,
            "{name}: built from its rows and from what it published"
        );
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// Assert a problem+json answer with this status; returns the document.
    pub fn problem(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(
            self.headers.get(CONTENT_TYPE).map(|v| v.to_str().unwrap()),
            Some("application/problem+json"),
            "content type of {}",
            self.body
        );
        let p = self.json();
        assert_eq!(p["status"], status.as_u16(), "{p}");
        assert!(p["title"].is_string(), "{p}");
        p
    }
}

/// Clones share the connection pool and carry the same session or token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    pub base: String,
    /// The session cookie (`zk_session=...`), as the server last set it.
    pub cookie: Option<String>,
    pub bearer: Option<String>,
    pub origin: Option<String>,
}

impl Client {
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(c) = &self.cookie {
            req = req.header(COOKIE, c.as_str());
        }
        if let Some(t) = &self.bearer {
            req = req.bearer_auth(t);
        }
        if let Some(o) = &self.origin {
            req = req.header(ORIGIN, o.as_str());
        }
        if let Some(ct) = content_type {
            req = req.header(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        }
        let res = req.body(body).send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        for sc in headers.get_all(SET_COOKIE) {
            let sc = sc.to_str().unwrap();
            let pair = sc.split(';').next().unwrap().trim().to_owned();
            if let Some(v) = pair.strip_prefix("zk_session=") {
                self.cookie = (!v.is_empty() && !sc.contains("Max-Age=0")).then_some(pair.clone());
            }
        }
        let body = res.text().await.unwrap_or_default();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, None, vec![]).await
    }

    pub async fn post(&mut self, path: &str, json: Value) -> Reply {
        self.send(
            Method::POST,
            path,
            Some("application/json"),
            json.to_string().into_bytes(),
        )
        .await
    }

    pub async fn put(&mut self, path: &str, json: Value) -> Reply {
        self.send(
            Method::PUT,
            path,
            Some("application/json"),
            json.to_string().into_bytes(),
        )
        .await
    }

    pub async fn patch(&mut self, path: &str, json: Value) -> Reply {
        self.send(
            Method::PATCH,
            path,
            Some("application/json"),
            json.to_string().into_bytes(),
        )
        .await
    }

    pub async fn delete(&mut self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, vec![]).await
    }
}

/// The `errors` of a problem+json answer as (field, message) pairs.
pub fn field_errors(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}
