//! DNS Cookies, RFC 7873 with RFC 9018 server cookies: a client cookie gets our server cookie
//! back (§5.2.3), a valid one is kept (§5.2.5), a bad or stale one is replaced without any
//! fuss (§5.2.4), a malformed option is FORMERR (§5.2.2), and nodes sharing a secret accept
//! each other's cookies (RFC 9018 §3). `dig`, which speaks cookies, checks it from outside.

use std::net::{IpAddr, Ipv4Addr};
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dns_engine::cookie::CookieSecret;
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::RecordType;
use tokio::process::Command;
use tokio::time::timeout;

use crate::harness::{cookie_of, query, udp_query, with_cookie, with_edns, TcpClient, TestServer};

const CLIENT_COOKIE: [u8; 8] = [0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57];

/// `example.com. A` with a COOKIE option of these octets.
fn ask_with(cookie: &[u8]) -> Message {
    with_cookie(query("example.com.", RecordType::A), cookie)
}

fn now() -> u32 {
    u32::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// Checks that `cookie` is `client` followed by an RFC 9018 server cookie made about now.
fn assert_fresh_cookie(cookie: &[u8], client: &[u8]) {
    assert_eq!(cookie.len(), 24, "client cookie and 16-octet server cookie");
    assert_eq!(&cookie[..8], client, "the client cookie comes back");
    assert_eq!(cookie[8], 1, "version 1 (RFC 9018 §4.1)");
    assert_eq!(cookie[9..12], [0, 0, 0], "reserved octets are zero (§4.2)");
    let stamp = u32::from_be_bytes(cookie[12..16].try_into().unwrap());
    assert!(stamp.abs_diff(now()) <= 5, "timestamped now (§4.3)");
}

#[tokio::test]
async fn a_client_cookie_gets_a_server_cookie_over_udp_and_tcp() {
    let server = TestServer::start().await;
    let request = ask_with(&CLIENT_COOKIE);
    let mut tcp = TcpClient::connect(server.addr).await;
    for response in [
        udp_query(server.addr, &request).await,
        tcp.query(&request).await,
    ] {
        assert_eq!(response.metadata.response_code, ResponseCode::Refused);
        let cookie = cookie_of(&response).expect("a COOKIE option");
        assert_fresh_cookie(&cookie, &CLIENT_COOKIE);
    }
    server.stop().await;
}

#[tokio::test]
async fn a_valid_cookie_is_accepted_and_kept() {
    let server = TestServer::start().await;
    let first = udp_query(server.addr, &ask_with(&CLIENT_COOKIE)).await;
    let cookie = cookie_of(&first).unwrap();
    // RFC 9018 §4.3: younger than half an hour, so it is sent back as it came.
    let mut tcp = TcpClient::connect(server.addr).await;
    for response in [
        udp_query(server.addr, &ask_with(&cookie)).await,
        tcp.query(&ask_with(&cookie)).await,
    ] {
        assert_eq!(response.metadata.response_code, ResponseCode::Refused);
        assert_eq!(cookie_of(&response), Some(cookie.clone()));
    }
    server.stop().await;
}

#[tokio::test]
async fn malformed_cookie_options_are_formerr() {
    let server = TestServer::start().await;
    let mut tcp = TcpClient::connect(server.addr).await;
    // RFC 7873 §5.2.2: shorter than a client cookie, a server cookie under 8 or over 32.
    for len in [0, 1, 7, 9, 15, 41] {
        let request = ask_with(&vec![0x5A; len]);
        for response in [
            udp_query(server.addr, &request).await,
            tcp.query(&request).await,
        ] {
            assert_eq!(response.metadata.id, request.metadata.id);
            assert_eq!(
                response.metadata.response_code,
                ResponseCode::FormErr,
                "{len} octets"
            );
            assert!(response.edns.is_some(), "OPT answered with OPT");
            assert_eq!(cookie_of(&response), None, "nothing to echo");
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn a_bad_server_cookie_is_answered_with_a_fresh_one() {
    let secret = CookieSecret::new([7; 16]);
    let server = TestServer::start_with(|server| server.with_cookie_secret(secret.clone())).await;
    let good = cookie_of(&udp_query(server.addr, &ask_with(&CLIENT_COOKIE)).await).unwrap();

    let mut tampered = good.clone();
    tampered[23] ^= 0x01;
    // Ours, but older than the hour RFC 9018 §4.3 allows, or too far ahead.
    let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let stale = secret.mint(&CLIENT_COOKIE, localhost, now() - 3700);
    let ahead = secret.mint(&CLIENT_COOKIE, localhost, now() + 600);
    let (stale, ahead) = (stale.as_bytes().to_vec(), ahead.as_bytes().to_vec());
    // A cookie of another server's format: another length, another version.
    let mut foreign = good.clone();
    foreign.extend_from_slice(&[0xEE; 8]);
    let mut other_version = good.clone();
    other_version[8] = 2;

    for bad in [tampered, stale, ahead, foreign, other_version] {
        // RFC 7873 §5.2.4: answered as if only the client cookie had come.
        let response = udp_query(server.addr, &ask_with(&bad)).await;
        assert_eq!(response.metadata.response_code, ResponseCode::Refused);
        let fresh = cookie_of(&response).expect("a COOKIE option");
        assert_ne!(fresh, bad);
        assert_fresh_cookie(&fresh, &CLIENT_COOKIE);
        // … and the fresh one is good.
        let again = udp_query(server.addr, &ask_with(&fresh)).await;
        assert_eq!(cookie_of(&again), Some(fresh));
    }
    server.stop().await;
}

#[tokio::test]
async fn no_cookie_in_no_cookie_out() {
    let server = TestServer::start().await;
    let request = with_edns(query("example.com.", RecordType::A), 0, 1232, false);
    let response = udp_query(server.addr, &request).await;
    assert!(response.edns.is_some());
    assert_eq!(cookie_of(&response), None);
    server.stop().await;
}

#[tokio::test]
async fn nodes_sharing_a_secret_accept_each_others_cookies() {
    let secret = [0x42; 16];
    let a = TestServer::start_with(|server| server.with_cookie_secret(secret)).await;
    let b = TestServer::start_with(|server| server.with_cookie_secret(secret)).await;
    let other = TestServer::start().await;

    let cookie = cookie_of(&udp_query(a.addr, &ask_with(&CLIENT_COOKIE)).await).unwrap();
    // Exactly the RFC 9018 cookie for this client cookie, address and time.
    let stamp = u32::from_be_bytes(cookie[12..16].try_into().unwrap());
    let expected =
        CookieSecret::new(secret).mint(&CLIENT_COOKIE, IpAddr::V4(Ipv4Addr::LOCALHOST), stamp);
    assert_eq!(cookie, expected.as_bytes());

    let from_b = cookie_of(&udp_query(b.addr, &ask_with(&cookie)).await).unwrap();
    assert_eq!(from_b, cookie, "b knows a's cookie as its own");
    let from_other = cookie_of(&udp_query(other.addr, &ask_with(&cookie)).await).unwrap();
    assert_ne!(
        from_other, cookie,
        "a server with its own secret makes its own"
    );
    for server in [a, b, other] {
        server.stop().await;
    }
}

/// Runs `dig` with `args` against `server` and returns what it printed.
async fn dig(server: &TestServer, args: &[&str]) -> String {
    let output = Command::new("dig")
        .arg(format!("@{}", server.addr.ip()))
        .args(["-p", &server.addr.port().to_string()])
        .args(["+time=2", "+tries=1", "example.com", "A"])
        .args(args)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = timeout(Duration::from_secs(10), output)
        .await
        .expect("dig did not finish")
        .unwrap_or_else(|err| panic!("cannot run dig (bind9-dnsutils; ./zk setup): {err}"));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The cookie dig printed, which it marks "(good)" when the response carried its client
/// cookie back.
fn dig_cookie(output: &str) -> String {
    let line = output
        .lines()
        .find(|line| line.starts_with("; COOKIE: "))
        .unwrap_or_else(|| panic!("no COOKIE in dig's output:\n{output}"));
    assert!(line.ends_with(" (good)"), "{line}");
    assert!(
        !output.to_lowercase().contains("warning: client cookie"),
        "{output}"
    );
    line["; COOKIE: ".len()..line.len() - " (good)".len()].to_owned()
}

#[tokio::test]
async fn dig_gets_a_good_cookie_and_keeps_it() {
    let server = TestServer::start().await;
    let first = dig(&server, &["+cookie"]).await;
    assert!(first.contains("status: REFUSED"), "{first}");
    let cookie = dig_cookie(&first);
    assert_eq!(cookie.len(), 48, "24 octets in hex: {cookie}");

    let second = dig(&server, &[&format!("+cookie={cookie}")]).await;
    assert_eq!(dig_cookie(&second), cookie, "the server kept it:\n{second}");
    server.stop().await;
}
