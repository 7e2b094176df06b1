//! The outside world, as far as FCrDNS tests need it: a small recursive-resolver stand-in on a
//! loopback UDP port, answering real DNS packets from a fixed table. The application under
//! test is configured to use it as `--resolver`.
//!
//! | name                          | answer                                    |
//! |-------------------------------|-------------------------------------------|
//! | `mail.external.test.`         | A 203.0.113.10, AAAA 2001:db8::10         |
//! | `elsewhere.external.test.`    | A 198.51.100.7                            |
//! | `nx.external.test.`           | NXDOMAIN                                  |
//! | `external.test.`              | SOA (the domain exists)                   |
//! | anything in `missing.test.`   | NXDOMAIN, the domain included             |
//! | `slow.external.test.` and every name below it | never answered (the resolver times out) |
//! | `garbage.external.test.`      | garbage, and an answer with the wrong ID  |
//! | `registrar.test.` NS          | `ns1.registrar.test.` (DS tests)          |
//! | `ns1.registrar.test.` A       | 127.0.0.1                                 |
//! | anything else                 | SERVFAIL                                  |

use std::net::{SocketAddr, UdpSocket};
use std::sync::OnceLock;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, SOA};
use hickory_proto::rr::{Name, RData, Record, RecordType};

static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();

/// The stub's address; started on first use, serving until the test process exits.
pub fn address() -> SocketAddr {
    *ADDRESS.get_or_init(|| {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind resolver stub");
        let addr = socket.local_addr().expect("stub address");
        std::thread::spawn(move || serve(&socket));
        addr
    })
}

fn serve(socket: &UdpSocket) {
    let mut buf = [0u8; 4096];
    loop {
        let Ok((n, peer)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let Ok(query) = Message::from_vec(&buf[..n]) else {
            continue;
        };
        if query
            .queries
            .first()
            .map(|q| q.name().to_ascii().to_ascii_lowercase())
            == Some("garbage.external.test.".into())
        {
            // Malformed bytes, then a well-formed answer to another ID: a stub resolver must
            // take neither for the answer (and then time out).
            let _ = socket.send_to(b"\x12\x34 not a DNS message", peer);
            let mut forged = query.clone();
            forged.metadata.id = query.metadata.id.wrapping_add(1);
            forged.metadata.message_type = MessageType::Response;
            forged.add_answer(Record::from_rdata(
                forged.queries[0].name().clone(),
                300,
                RData::A(A("203.0.113.14".parse().unwrap())),
            ));
            let _ = socket.send_to(&forged.to_vec().expect("encode"), peer);
            continue;
        }
        if let Some(reply) = answer(&query) {
            let _ = socket.send_to(&reply.to_vec().expect("encode"), peer);
        }
    }
}

fn answer(query: &Message) -> Option<Message> {
    let question = query.queries.first()?.clone();
    let name = question.name().to_ascii().to_ascii_lowercase();
    let rtype = question.query_type();
    if name == "slow.external.test." || name.ends_with(".slow.external.test.") {
        return None;
    }
    let mut reply = Message::response(query.metadata.id, query.metadata.op_code);
    reply.metadata.message_type = MessageType::Response;
    reply.metadata.recursion_desired = query.metadata.recursion_desired;
    reply.metadata.recursion_available = true;
    reply.add_query(question.clone());
    let owner = question.name().clone();
    let add = |reply: &mut Message, data: RData| {
        reply.add_answer(Record::from_rdata(owner.clone(), 300, data));
    };
    let v4 = |text: &str| RData::A(A(text.parse().unwrap()));
    let v6 = |text: &str| RData::AAAA(AAAA(text.parse().unwrap()));
    match (name.as_str(), rtype) {
        ("mail.external.test.", RecordType::A) => add(&mut reply, v4("203.0.113.10")),
        ("mail.external.test.", RecordType::AAAA) => add(&mut reply, v6("2001:db8::10")),
        ("elsewhere.external.test.", RecordType::A) => add(&mut reply, v4("198.51.100.7")),
        ("mail.external.test." | "elsewhere.external.test.", _) => {}
        ("external.test.", RecordType::SOA) => add(
            &mut reply,
            RData::SOA(SOA::new(
                Name::from_ascii("ns.external.test.").unwrap(),
                Name::from_ascii("hostmaster.external.test.").unwrap(),
                1,
                3600,
                600,
                86400,
                300,
            )),
        ),
        ("external.test.", _) => {}
        ("registrar.test.", RecordType::NS) => add(
            &mut reply,
            RData::NS(hickory_proto::rr::rdata::NS(
                Name::from_ascii("ns1.registrar.test.").unwrap(),
            )),
        ),
        ("ns1.registrar.test.", RecordType::A) => add(&mut reply, v4("127.0.0.1")),
        ("registrar.test." | "ns1.registrar.test.", _) => {}
        ("nx.external.test.", _) => reply.metadata.response_code = ResponseCode::NXDomain,
        (n, _) if n == "missing.test." || n.ends_with(".missing.test.") => {
            reply.metadata.response_code = ResponseCode::NXDomain;
        }
        _ => reply.metadata.response_code = ResponseCode::ServFail,
    }
    Some(reply)
}
