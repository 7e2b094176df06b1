//! Malformed input gets FORMERR (or NOTIMP, or nothing), and the server keeps answering.
//! RFC 1035 §4.1.1 RCODEs 1 and 4; responses (QR=1) and headerless scraps are never answered.

use hickory_proto::op::{Message, OpCode, ResponseCode};
use hickory_proto::rr::RecordType;

use crate::harness::{
    frame, query, udp_exchange_within, udp_query, TcpClient, TestServer, SILENCE, TIMEOUT,
};

/// The reply to `packet` over UDP, decoded, or `None` if none came.
async fn udp_reply(server: &TestServer, packet: &[u8]) -> Option<Message> {
    // Headerless scraps and responses get no answer: listen only briefly for those.
    let dropped = packet.len() < 12 || packet[2] & 0x80 != 0;
    let wait = if dropped { SILENCE } else { TIMEOUT };
    udp_exchange_within(server.addr, packet, wait)
        .await
        .map(|reply| Message::from_vec(&reply).unwrap())
}

async fn still_answers(server: &TestServer) {
    let request = query("still.example.", RecordType::A);
    let response = udp_query(server.addr, &request).await;
    assert_eq!(response.metadata.id, request.metadata.id);
    assert_eq!(response.metadata.response_code, ResponseCode::Refused);
}

#[tokio::test]
async fn garbage_gets_formerr_or_silence_and_the_server_survives() {
    let server = TestServer::start().await;
    let mut long_label = vec![0x42, 0x42, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 63];
    long_label.extend_from_slice(&[b'a'; 10]);
    let mut pointer_loop = vec![0x43, 0x43, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    pointer_loop.extend_from_slice(&[0xC0, 12, 0, 1, 0, 1]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("one byte", vec![0]),
        ("eleven bytes", vec![0xFF; 11]),
        (
            "header promising a question",
            vec![0x41, 0x41, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0],
        ),
        ("label past the end", long_label),
        ("compression pointer loop", pointer_loop),
        ("all ones", vec![0xFF; 600]),
        (
            "huge counts",
            vec![
                0x44, 0x44, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0,
            ],
        ),
    ];
    for (what, packet) in cases {
        if let Some(reply) = udp_reply(&server, &packet).await {
            assert_eq!(
                reply.metadata.response_code,
                ResponseCode::FormErr,
                "{what}"
            );
            assert_eq!(&reply.metadata.id.to_be_bytes()[..], &packet[..2], "{what}");
            assert!(packet.len() >= 12, "{what}: headerless packets are dropped");
        } else {
            assert!(
                packet.len() < 12 || packet[2] & 0x80 != 0,
                "{what}: expected FORMERR"
            );
        }
        still_answers(&server).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn responses_are_never_answered() {
    let server = TestServer::start().await;
    let mut response = query("example.com.", RecordType::A);
    response.metadata.message_type = hickory_proto::op::MessageType::Response;
    let reply = udp_exchange_within(server.addr, &response.to_vec().unwrap(), SILENCE).await;
    assert!(reply.is_none(), "a response must not be answered");
    still_answers(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn question_count_other_than_one_is_formerr() {
    let server = TestServer::start().await;
    let mut none = query("example.com.", RecordType::A);
    none.queries.clear();
    let mut two = query("example.com.", RecordType::A);
    two.add_query(query("example.org.", RecordType::MX).queries.remove(0));
    for request in [none, two] {
        let response = udp_query(server.addr, &request).await;
        assert_eq!(response.metadata.id, request.metadata.id);
        assert_eq!(response.metadata.response_code, ResponseCode::FormErr);
        assert!(!response.metadata.recursion_available);
    }
    still_answers(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn other_opcodes_are_notimp() {
    let server = TestServer::start().await;
    for op_code in [OpCode::Status, OpCode::Update, OpCode::Unknown(15)] {
        let mut request = query("example.com.", RecordType::SOA);
        request.metadata.op_code = op_code;
        let response = udp_query(server.addr, &request).await;
        assert_eq!(response.metadata.id, request.metadata.id, "{op_code}");
        assert_eq!(response.metadata.op_code, op_code, "{op_code}");
        assert_eq!(
            response.metadata.response_code,
            ResponseCode::NotImp,
            "{op_code}"
        );
    }
    server.stop().await;
}

/// RFC 1996 §3.7 as a primary hears it: the question echoed, NOTAUTH for a zone it does not
/// hold (this bare server holds none; the server's tests cover REFUSED to strangers).
#[tokio::test]
async fn notify_is_answered_with_its_question() {
    let server = TestServer::start().await;
    for (zone, rcode) in [
        ("example.com.", ResponseCode::NotAuth),
        ("not-hosted.test.", ResponseCode::NotAuth),
    ] {
        let mut request = query(zone, RecordType::SOA);
        request.metadata.op_code = OpCode::Notify;
        let response = udp_query(server.addr, &request).await;
        assert_eq!(response.metadata.id, request.metadata.id);
        assert_eq!(response.metadata.op_code, OpCode::Notify);
        assert_eq!(response.queries, request.queries, "{zone}");
        assert_eq!(response.metadata.response_code, rcode, "{zone}");
    }
    still_answers(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn garbage_over_tcp_gets_formerr_and_the_connection_goes_on() {
    let server = TestServer::start().await;
    let mut client = TcpClient::connect(server.addr).await;
    client
        .write_raw(&frame(&[
            0x51, 0x51, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xFF,
        ]))
        .await;
    let reply = client.recv().await.expect("FORMERR over TCP");
    assert_eq!(reply.metadata.id, 0x5151);
    assert_eq!(reply.metadata.response_code, ResponseCode::FormErr);

    // A scrap too short to answer is skipped without closing the connection.
    client.write_raw(&frame(&[1, 2, 3])).await;
    let request = query("after.garbage.example.", RecordType::A);
    let response = client.query(&request).await;
    assert_eq!(response.metadata.id, request.metadata.id);
    assert_eq!(response.metadata.response_code, ResponseCode::Refused);
    server.stop().await;
}
