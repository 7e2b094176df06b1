//! TCP per RFC 7766: many queries per connection, pipelining, and no way for a client to hang or
//! exhaust the server (broken frames, abrupt closes, idle clients, too many connections).

use std::time::Duration;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;

use crate::harness::{frame, query, udp_query, TcpClient, TestServer, TIMEOUT};

async fn assert_answers_on_new_connection(server: &TestServer) {
    let mut client = TcpClient::connect(server.addr).await;
    let request = query("fresh.example.", RecordType::A);
    let response = client.query(&request).await;
    assert_eq!(response.metadata.id, request.metadata.id);
    assert_eq!(response.metadata.response_code, ResponseCode::Refused);
}

#[tokio::test]
async fn many_queries_on_one_connection() {
    let server = TestServer::start().await;
    let mut client = TcpClient::connect(server.addr).await;
    for i in 0..100 {
        let request = query(&format!("q{i}.Example.com."), RecordType::A);
        let response = client.query(&request).await;
        assert_eq!(response.metadata.id, request.metadata.id);
        assert_eq!(response.metadata.response_code, ResponseCode::Refused);
        assert!(response.queries[0]
            .name()
            .eq_case(request.queries[0].name()));
    }
    server.stop().await;
}

#[tokio::test]
async fn pipelined_queries_are_all_answered() {
    let server = TestServer::start().await;
    let mut client = TcpClient::connect(server.addr).await;
    let requests: Vec<_> = (0..20)
        .map(|i| query(&format!("p{i}.example.net."), RecordType::AAAA))
        .collect();
    // All frames in one write: the server must find the message boundaries itself.
    let mut burst = Vec::new();
    for request in &requests {
        burst.extend(frame(&request.to_vec().unwrap()));
    }
    client.write_raw(&burst).await;
    let mut ids: Vec<_> = requests.iter().map(|r| r.metadata.id).collect();
    let mut answered = Vec::new();
    for _ in &requests {
        let response = client.recv().await.expect("an answer per query");
        assert_eq!(response.metadata.response_code, ResponseCode::Refused);
        answered.push(response.metadata.id);
    }
    ids.sort_unstable();
    answered.sort_unstable();
    assert_eq!(ids, answered);
    server.stop().await;
}

#[tokio::test]
async fn truncated_frames_and_abrupt_closes_do_not_hurt_the_server() {
    let server = TestServer::start().await;

    // Connect and close at once.
    drop(TcpClient::connect(server.addr).await);

    // Half a length prefix, then close.
    let mut client = TcpClient::connect(server.addr).await;
    client.write_raw(&[0]).await;
    drop(client);

    // A frame announcing 100 bytes that carries 10, then close.
    let mut client = TcpClient::connect(server.addr).await;
    let mut partial = 100u16.to_be_bytes().to_vec();
    partial.extend_from_slice(&[0xAA; 10]);
    client.write_raw(&partial).await;
    drop(client);

    // A query whose reply is never read, then close.
    let mut client = TcpClient::connect(server.addr).await;
    client.send(&query("unread.example.", RecordType::A)).await;
    drop(client);

    assert_answers_on_new_connection(&server).await;
    let response = udp_query(server.addr, &query("udp.example.", RecordType::A)).await;
    assert_eq!(response.metadata.response_code, ResponseCode::Refused);
    server.stop().await;
}

#[tokio::test]
async fn idle_and_stalled_connections_are_closed() {
    let idle_timeout = Duration::from_millis(200);
    let server = TestServer::start_with(|server| server.with_tcp_idle_timeout(idle_timeout)).await;

    // Idle after a query.
    let mut idle = TcpClient::connect(server.addr).await;
    idle.query(&query("idle.example.", RecordType::A)).await;
    assert!(idle.closed_within(TIMEOUT).await, "idle connection closed");

    // Stalled inside a frame.
    let mut stalled = TcpClient::connect(server.addr).await;
    stalled.write_raw(&[0, 40, 0x12]).await;
    assert!(
        stalled.closed_within(TIMEOUT).await,
        "stalled connection closed"
    );

    assert_answers_on_new_connection(&server).await;
    server.stop().await;
}

/// At the connection cap the idlest connection makes room (RFC 7766 §6.2.3); only when none
/// is idle (every one is inside a message) is the new connection the one closed.
#[tokio::test]
async fn at_the_cap_idle_connections_make_room_first() {
    use tokio::io::AsyncWriteExt;

    let server = TestServer::start_with(|server| server.with_max_tcp_connections(2)).await;
    let mut first = TcpClient::connect(server.addr).await;
    let mut second = TcpClient::connect(server.addr).await;
    // Both accepted and served; `first` has been idle longer.
    first.query(&query("one.example.", RecordType::A)).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    second.query(&query("two.example.", RecordType::A)).await;

    // A third client is served, and the idlest connection is closed for it.
    let mut third = TcpClient::connect(server.addr).await;
    third.query(&query("three.example.", RecordType::A)).await;
    assert!(
        first.closed_within(TIMEOUT).await,
        "the idlest connection was not closed"
    );
    second.query(&query("two.example.", RecordType::A)).await;
    udp_query(server.addr, &query("udp.example.", RecordType::A)).await;
    drop((second, third));

    // Two connections stalled inside a message are not idle: a new one is refused instead.
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    let stalled = loop {
        let mut a = TcpClient::connect(server.addr).await;
        let mut b = TcpClient::connect(server.addr).await;
        a.0.write_all(&[0, 100, 1]).await.unwrap();
        b.0.write_all(&[0, 100, 1]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut probe = TcpClient::connect(server.addr).await;
        probe.send(&query("probe.example.", RecordType::A)).await;
        if probe.recv().await.is_none() {
            break (a, b);
        }
        // The slots of the connections dropped above were not free yet; try again.
        assert!(
            tokio::time::Instant::now() < deadline,
            "a busy server took a new connection"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    // Once one of them goes, a new connection is served again.
    drop(stalled);
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let mut client = TcpClient::connect(server.addr).await;
        client.send(&query("again.example.", RecordType::A)).await;
        if client.recv().await.is_some() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "capacity never came back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await;
}

/// One client holding every slot once locked all others out: a source may hold only its share.
#[tokio::test]
async fn one_source_cannot_take_every_connection() {
    let server = TestServer::start_with(|server| {
        server
            .with_max_tcp_connections(8)
            .with_max_tcp_per_source(2)
    })
    .await;
    let mut first = TcpClient::connect(server.addr).await;
    let mut second = TcpClient::connect(server.addr).await;
    first.query(&query("one.example.", RecordType::A)).await;
    second.query(&query("two.example.", RecordType::A)).await;
    let mut third = TcpClient::connect(server.addr).await;
    assert!(
        third.closed_within(TIMEOUT).await,
        "a third from the same source is refused"
    );

    // Another source address is still served.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let stream = socket.connect(server.addr).await.unwrap();
    let mut other = TcpClient(stream);
    other.query(&query("other.example.", RecordType::A)).await;
    server.stop().await;
}
