//! The running process: health, the DNS engine's listeners, the API description, the console.

use std::time::Duration;

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use reqwest::StatusCode;

use crate::harness::TestApp;

#[tokio::test]
async fn healthz_reports_database_and_dns() {
    let app = TestApp::start().await;
    let r = app.browser().get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["database"], "ok");
    assert_eq!(r.json()["dns"], "ok");
    // With the database gone (the server's pool is this same pool), health says so.
    app.pool.close().await;
    let r = app.browser().get("/healthz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.json()["database"], "down");
    assert_eq!(r.json()["dns"], "ok");
    assert_eq!(r.json()["status"], "down");
    app.stop().await;
}

#[tokio::test]
async fn dns_engine_refuses_names_it_does_not_serve() {
    let app = TestApp::start().await;
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut q = Message::new(4242, MessageType::Query, OpCode::Query);
    q.metadata.recursion_desired = true;
    q.add_query(Query::query(
        Name::from_ascii("WWW.Example.COM.").unwrap(),
        RecordType::A,
    ));
    sock.send_to(&q.to_vec().unwrap(), app.dns_addr)
        .await
        .unwrap();
    let mut buf = [0u8; 1500];
    let (n, _) = tokio::time::timeout(Duration::from_secs(2), sock.recv_from(&mut buf))
        .await
        .expect("answer in time")
        .unwrap();
    let a = Message::from_vec(&buf[..n]).unwrap();
    assert_eq!(a.metadata.id, 4242);
    assert_eq!(a.metadata.response_code, ResponseCode::Refused);
    assert!(!a.metadata.recursion_available);
    assert_eq!(a.queries[0].name().to_ascii(), "WWW.Example.COM.");
    app.stop().await;
}

#[tokio::test]
async fn openapi_and_docs_describe_the_api() {
    let app = TestApp::start().await;
    let mut c = app.browser();
    let doc = c.get("/api/v1/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc = doc.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/tokens",
        "/api/v1/users",
        "/healthz",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing");
    }
    let page = c.get("/api-docs").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<code>/api/v1/tokens</code>"));
    app.stop().await;
}

#[tokio::test]
async fn console_pages_render_on_the_server() {
    let app = TestApp::start().await;
    let mut anon = app.browser();
    let login = anon.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(
        login.body.contains("action=\"/api/v1/auth/login\""),
        "{}",
        login.body
    );
    // Logged in, the dashboard is rendered with the account's data before any wasm runs.
    let mut admin = app.admin().await;
    let home = admin.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains(crate::harness::ADMIN_EMAIL),
        "{}",
        home.body
    );
    app.stop().await;
}
