//! Response rate limiting over real sockets: a flood from one client network gets the limit
//! answered, about every second response over it truncated (slip 2) and the rest dropped,
//! while other networks, TCP, exempt networks and queries with a valid server cookie are
//! answered in full. The exact accounting is unit-tested with a fake clock (`src/rrl.rs`);
//! these bounds allow for a burst that straddles a second and for a slow machine.

use std::net::{Ipv4Addr, SocketAddr};

use dns_engine::rrl::RrlConfig;
use dns_engine::DnsServer;
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::RecordType;
use tokio::net::{TcpSocket, UdpSocket};
use tokio::time::timeout;

use crate::harness::{
    cookie_of, query, with_cookie, zone, TcpClient, TestServer, SILENCE, TIMEOUT,
};

/// The limit the tests run with: small, so that a flood is a few dozen packets.
const LIMIT: u32 = 10;

fn example() -> dns_engine::Zone {
    zone(
        "example.com.",
        "@ 300 SOA ns1 hostmaster 1 3600 600 86400 60
         @ 300 NS ns1
         ns1 300 A 192.0.2.53
         www 300 A 192.0.2.1",
    )
}

/// A server for example.com with rate limiting at [`LIMIT`], slip 2, and `exempt`.
async fn limited(exempt: &[&str]) -> TestServer {
    let config = RrlConfig {
        ratelimit: LIMIT,
        slip: 2,
        exempt: exempt.iter().map(|net| net.parse().unwrap()).collect(),
        buckets: 4096,
        ..RrlConfig::default()
    };
    TestServer::start_with(move |server: DnsServer| {
        server.catalog().insert_zone(example());
        server.with_rrl(config)
    })
    .await
}

/// A UDP client socket with source address `ip`.
async fn client_at(ip: [u8; 4]) -> UdpSocket {
    UdpSocket::bind((Ipv4Addr::from(ip), 0)).await.unwrap()
}

/// What came back from a flood.
#[derive(Debug, Default)]
struct Tally {
    /// Responses sent in full (TC clear).
    answered: usize,
    /// Truncated responses (TC set).
    truncated: usize,
    /// Queries without any response.
    silent: usize,
    /// The COOKIE option of every response, in arrival order.
    cookies: Vec<Option<Vec<u8>>>,
}

/// Sends `count` copies of `request` (with fresh IDs) from `socket` back to back, then
/// collects responses until none has come for [`SILENCE`].
async fn flood(socket: &UdpSocket, server: SocketAddr, request: &Message, count: usize) -> Tally {
    let mut request = request.clone();
    for id in 0..count {
        request.metadata.id = u16::try_from(id).unwrap();
        socket
            .send_to(&request.to_vec().unwrap(), server)
            .await
            .unwrap();
    }
    let mut tally = Tally::default();
    let mut buf = vec![0; 65_535];
    while let Ok(received) = timeout(SILENCE, socket.recv_from(&mut buf)).await {
        let (len, from) = received.unwrap();
        assert_eq!(from, server);
        let response = Message::from_vec(&buf[..len]).unwrap();
        assert_eq!(response.queries.len(), 1, "the question is always echoed");
        if response.metadata.truncation {
            // A slipped response: no records, so that it amplifies nothing.
            assert!(response.answers.is_empty() && response.authorities.is_empty());
            tally.truncated += 1;
        } else {
            tally.answered += 1;
        }
        tally.cookies.push(cookie_of(&response));
    }
    tally.silent = count - tally.answered - tally.truncated;
    tally
}

fn www() -> Message {
    query("www.example.com.", RecordType::A)
}

/// The limit is answered; a burst that happens to straddle a second of the limiter's clock
/// can get it twice, never more (the second second starts with half the first's count).
fn assert_limited(tally: &Tally, sent: usize) {
    let limit = LIMIT as usize;
    assert!(
        (limit..=2 * limit).contains(&tally.answered),
        "answered about the limit: {tally:?}"
    );
    // Slip 2: every second response over the limit is truncated, the others dropped.
    let over = sent - tally.answered;
    assert!(
        tally.truncated.abs_diff(over / 2) <= 2,
        "about half the excess truncated: {tally:?}"
    );
    assert!(
        tally.silent.abs_diff(over / 2) <= 2,
        "about half dropped: {tally:?}"
    );
}

#[tokio::test]
async fn a_flood_from_one_network_is_limited_but_not_other_networks_nor_tcp() {
    let server = limited(&[]).await;
    let flooder = client_at([127, 0, 1, 2]).await;
    let tally = flood(&flooder, server.addr, &www(), 100).await;
    assert_limited(&tally, 100);

    // The rest of the flooded /24 is held back too: the rate needs seconds to decay.
    let neighbour = client_at([127, 0, 1, 3]).await;
    let tally = flood(&neighbour, server.addr, &www(), 1).await;
    assert_eq!(tally.answered, 0, "{tally:?}");

    // Another /24 is another bucket, answered in full up to the limit.
    let other = client_at([127, 0, 2, 2]).await;
    let tally = flood(&other, server.addr, &www(), LIMIT as usize).await;
    assert_eq!(tally.answered, LIMIT as usize, "{tally:?}");

    // So is another kind of response to the flooded network: NXDOMAIN is counted apart.
    let nope = query("nope.example.com.", RecordType::A);
    let nx = flood(&flooder, server.addr, &nope, 1).await;
    assert_eq!(nx.answered, 1, "{nx:?}");

    // TCP proves the source and is never limited, even from the flooded address.
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.1.2:0".parse().unwrap()).unwrap();
    let stream = timeout(TIMEOUT, socket.connect(server.addr))
        .await
        .unwrap()
        .unwrap();
    let mut tcp = TcpClient(stream);
    for _ in 0..3 {
        let response = tcp.query(&www()).await;
        assert!(!response.metadata.truncation);
        assert_eq!(response.metadata.response_code, ResponseCode::NoError);
        assert_eq!(response.answers.len(), 1);
    }
    server.stop().await;
}

#[tokio::test]
async fn exempt_networks_are_never_limited() {
    let server = limited(&["127.0.3.0/24", "127.0.6.6"]).await;
    for ip in [[127, 0, 3, 2], [127, 0, 6, 6]] {
        let monitor = client_at(ip).await;
        let tally = flood(&monitor, server.addr, &www(), 60).await;
        assert_eq!(tally.answered, 60, "{ip:?}: {tally:?}");
    }
    // The exemption is exactly the networks given.
    let next_door = client_at([127, 0, 6, 7]).await;
    let tally = flood(&next_door, server.addr, &www(), 60).await;
    assert_limited(&tally, 60);
    server.stop().await;
}

#[tokio::test]
async fn a_valid_server_cookie_exempts_and_slipped_responses_carry_one() {
    let server = limited(&[]).await;
    let client = client_at([127, 0, 4, 2]).await;
    let client_cookie = [0xC0, 0x0C, 0x1E, 1, 2, 3, 4, 5];

    // Learn a server cookie (this response counts against the limit like any other).
    let first = flood(&client, server.addr, &with_cookie(www(), &client_cookie), 1).await;
    let cookie = first.cookies[0].clone().expect("a COOKIE in the response");
    assert_eq!(cookie.len(), 24);

    // With it, the source is proven: no limit.
    let tally = flood(&client, server.addr, &with_cookie(www(), &cookie), 60).await;
    assert_eq!(tally.answered, 60, "{tally:?}");
    assert!(tally
        .cookies
        .iter()
        .all(|c| c.as_deref() == Some(&cookie[..])));

    // Without it, the same client is limited as usual, and every response it gets — the
    // truncated ones too — offers it a server cookie to come back with.
    let tally = flood(
        &client,
        server.addr,
        &with_cookie(www(), &client_cookie),
        60,
    )
    .await;
    let limit = LIMIT as usize;
    assert!(tally.answered <= 2 * limit, "{tally:?}");
    assert!(
        tally.truncated + 2 >= (60 - tally.answered) / 2,
        "{tally:?}"
    );
    for cookie in &tally.cookies {
        let cookie = cookie.as_deref().expect("a COOKIE in every response");
        assert_eq!(cookie.len(), 24);
        assert_eq!(cookie[..8], client_cookie);
    }
    server.stop().await;
}

#[tokio::test]
async fn a_bare_server_does_not_limit() {
    let server = TestServer::start_with(|server| {
        server.catalog().insert_zone(example());
        server
    })
    .await;
    let client = client_at([127, 0, 5, 2]).await;
    let tally = flood(&client, server.addr, &www(), 100).await;
    assert_eq!(tally.answered, 100, "{tally:?}");
    server.stop().await;
}
