//! Binding, health and shutdown: what the HTTP server relies on to embed the engine.

use std::net::{Ipv4Addr, SocketAddr};

use dns_engine::DnsServer;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;
use tokio::net::TcpStream;

use crate::harness::{query, udp_exchange_within, udp_query, TcpClient, TestServer, SILENCE};

#[tokio::test]
async fn udp_and_tcp_share_the_reported_port() {
    let server = TestServer::start().await;
    assert_eq!(server.addr.ip(), Ipv4Addr::LOCALHOST);
    assert_ne!(server.addr.port(), 0);
    let udp = udp_query(server.addr, &query("example.com.", RecordType::A)).await;
    let tcp = TcpClient::connect(server.addr)
        .await
        .query(&query("example.com.", RecordType::A))
        .await;
    assert_eq!(udp.metadata.response_code, ResponseCode::Refused);
    assert_eq!(tcp.metadata.response_code, ResponseCode::Refused);
    server.stop().await;
}

#[tokio::test]
async fn health_follows_the_listeners() {
    let server = DnsServer::bind((Ipv4Addr::LOCALHOST, 0).into()).unwrap();
    let health = server.health();
    assert!(!health.is_serving(), "not serving before run");

    let server = TestServer::start().await;
    let health = server.health.clone();
    assert!(health.is_serving());
    let addr: SocketAddr = server.addr;
    server.stop().await;
    assert!(!health.is_serving(), "not serving after shutdown");

    // And the sockets are really gone.
    let reply = udp_exchange_within(
        addr,
        &query("example.com.", RecordType::A).to_vec().unwrap(),
        SILENCE,
    )
    .await;
    assert!(reply.is_none());
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn binding_a_port_in_use_is_an_error() {
    let server = TestServer::start().await;
    assert!(DnsServer::bind(server.addr).is_err());
    server.stop().await;
}
