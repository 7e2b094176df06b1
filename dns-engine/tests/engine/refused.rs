//! RFC 1035 §4.1.1: a server that is authoritative for nothing asked refuses, over UDP and TCP,
//! never offers recursion, copies ID and RD, and echoes the question exactly as it was spelled.

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::RecordType;

use crate::harness::{query, udp_query, TcpClient, TestServer};

const QUESTIONS: &[(&str, RecordType)] = &[
    ("example.com.", RecordType::A),
    ("WwW.ExAmPlE.CoM.", RecordType::AAAA),
    (".", RecordType::SOA),
    ("1.2.0.192.IN-ADDR.ARPA.", RecordType::PTR),
    ("_sip._tcp.Example.Org.", RecordType::SRV),
    ("example.net.", RecordType::ANY),
];

fn assert_refused(request: &Message, response: &Message) {
    let what = request.queries[0].to_string();
    assert_eq!(response.metadata.id, request.metadata.id, "{what}");
    assert_eq!(
        response.metadata.message_type,
        MessageType::Response,
        "{what}"
    );
    assert_eq!(response.metadata.op_code, OpCode::Query, "{what}");
    assert_eq!(
        response.metadata.response_code,
        ResponseCode::Refused,
        "{what}"
    );
    assert_eq!(
        response.metadata.recursion_desired, request.metadata.recursion_desired,
        "RD is copied: {what}"
    );
    assert!(
        !response.metadata.recursion_available,
        "RA never set: {what}"
    );
    assert!(!response.metadata.authoritative, "AA clear: {what}");
    assert!(!response.metadata.truncation, "{what}");
    assert_eq!(response.queries.len(), 1, "{what}");
    let (asked, echoed) = (&request.queries[0], &response.queries[0]);
    assert!(
        echoed.name().eq_case(asked.name()),
        "case preserved: {what} → {echoed}"
    );
    assert_eq!(echoed.query_type(), asked.query_type(), "{what}");
    assert_eq!(echoed.query_class(), asked.query_class(), "{what}");
    assert!(response.answers.is_empty(), "{what}");
    assert!(response.authorities.is_empty(), "{what}");
    assert!(response.additionals.is_empty(), "{what}");
}

#[tokio::test]
async fn refused_over_udp() {
    let server = TestServer::start().await;
    for rd in [true, false] {
        for &(name, rtype) in QUESTIONS {
            let mut request = query(name, rtype);
            request.metadata.recursion_desired = rd;
            let response = udp_query(server.addr, &request).await;
            assert_refused(&request, &response);
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn refused_over_tcp() {
    let server = TestServer::start().await;
    let mut client = TcpClient::connect(server.addr).await;
    for rd in [true, false] {
        for &(name, rtype) in QUESTIONS {
            let mut request = query(name, rtype);
            request.metadata.recursion_desired = rd;
            let response = client.query(&request).await;
            assert_refused(&request, &response);
        }
    }
    server.stop().await;
}
