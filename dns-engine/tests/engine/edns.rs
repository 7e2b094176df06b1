//! EDNS(0), RFC 6891: an OPT in the request gets an OPT in the response (§6.1.1) with our
//! payload size and version; an unsupported version gets BADVERS (§6.1.3); the DO bit is copied
//! (RFC 3225 §3); no OPT in, no OPT out.

use dns_engine::wire::UDP_PAYLOAD;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;

use crate::harness::{query, udp_query, with_edns, TcpClient, TestServer};

#[tokio::test]
async fn opt_is_echoed_with_our_payload_size_over_udp_and_tcp() {
    let server = TestServer::start().await;
    let mut tcp = TcpClient::connect(server.addr).await;
    for (payload, dnssec_ok) in [(512, false), (1232, true), (4096, false), (65_535, true)] {
        let request = with_edns(query("example.com.", RecordType::A), 0, payload, dnssec_ok);
        for response in [
            udp_query(server.addr, &request).await,
            tcp.query(&request).await,
        ] {
            assert_eq!(response.metadata.id, request.metadata.id);
            assert_eq!(response.metadata.response_code, ResponseCode::Refused);
            let edns = response.edns.as_ref().expect("OPT echoed");
            assert_eq!(edns.version(), 0);
            assert_eq!(edns.max_payload(), UDP_PAYLOAD);
            assert_eq!(edns.flags().dnssec_ok, dnssec_ok, "DO copied");
            assert_eq!(edns.rcode_high(), 0);
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn no_opt_without_opt() {
    let server = TestServer::start().await;
    let response = udp_query(server.addr, &query("example.com.", RecordType::A)).await;
    assert!(response.edns.is_none());
    server.stop().await;
}

#[tokio::test]
async fn unsupported_version_is_badvers() {
    let server = TestServer::start().await;
    let mut tcp = TcpClient::connect(server.addr).await;
    for version in [1, 2, 255] {
        let request = with_edns(query("Example.COM.", RecordType::A), version, 1232, false);
        for response in [
            udp_query(server.addr, &request).await,
            tcp.query(&request).await,
        ] {
            assert_eq!(response.metadata.id, request.metadata.id);
            // 16 = BADVERS: high bits in the OPT TTL, low bits (0) in the header. hickory
            // decodes 16 as BADSIG (the same number, RFC 8945), so compare numbers.
            assert_eq!(
                u16::from(response.metadata.response_code),
                u16::from(ResponseCode::BADVERS),
                "v{version}"
            );
            let edns = response.edns.as_ref().expect("OPT in a BADVERS response");
            assert_eq!(
                edns.version(),
                0,
                "we answer with the highest version we implement"
            );
            assert_eq!(edns.rcode_high(), 1);
            assert!(!response.metadata.recursion_available);
        }
    }
    server.stop().await;
}
