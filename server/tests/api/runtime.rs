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

/// Slow or idle HTTP clients cannot hold the console: a connection that does not send its
/// request head in time is closed, and past the connection cap new clients wait for a slot
/// instead of piling up (here: a cap of 2, a 1 s header timeout).
#[tokio::test]
async fn slow_http_clients_are_cut_off_and_connections_are_capped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::start_with_http_limits(zonekeeper::http::listen::HttpLimits {
        max_connections: 2,
        header_read_timeout: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    // Two connections take both slots: one trickles a request head and never ends it, the
    // other sends nothing.
    let mut trickle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    trickle
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let closed_at = |mut stream: tokio::net::TcpStream| {
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            // The server closes it (EOF, or a reset); 10 s is the test's own bound.
            let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await;
            assert!(
                matches!(read, Ok(Ok(0)) | Ok(Err(_))),
                "the connection was not closed: {read:?}"
            );
            std::time::Instant::now()
        })
    };
    let trickle_closed = closed_at(trickle);
    let silent_closed = closed_at(silent);
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A third client is served once a slot is free, i.e. after a slow one was cut off.
    let r = app.browser().get("/healthz").await;
    let served_at = std::time::Instant::now();
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let first_closed = trickle_closed
        .await
        .unwrap()
        .min(silent_closed.await.unwrap());
    assert!(
        served_at >= first_closed,
        "the third connection was served while both slots were taken"
    );
    app.stop().await;
}
