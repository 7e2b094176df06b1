//! RFC 1034 §4.3.2 step 3a: a name with data of the type asked gets it, authoritatively.

use hickory_proto::op::ResponseCode::NoError;
use hickory_proto::rr::RecordType::{self, A, AAAA, ANY, MX, NS, SOA, TXT};

use crate::harness::{run_table, zone, Case};

const ZONE: &str = r#"
@      3600 SOA ns1 hostmaster 2024010101 7200 3600 1209600 300
@      3600 NS  ns1
@      3600 NS  ns2.example.net.
@      3600 MX  10 mail
ns1    3600 A   192.0.2.53
www    300  A   192.0.2.1
www    300  A   192.0.2.2
www    300  AAAA 2001:db8::1
mail   300  A   192.0.2.25
_dmarc 300  TXT "v=DMARC1; p=reject"
"#;

const fn ok(qname: &'static str, qtype: RecordType, answer: &'static [&'static str]) -> Case {
    Case {
        qname,
        qtype,
        rcode: NoError,
        aa: true,
        answer,
        authority: &[],
        additional: &[],
    }
}

const fn with_additional(case: Case, additional: &'static [&'static str]) -> Case {
    Case { additional, ..case }
}

const CASES: &[Case] = &[
    ok("www.example.com.", A, &["www.example.com. 300 A 192.0.2.1", "www.example.com. 300 A 192.0.2.2"]),
    ok("www.example.com.", AAAA, &["www.example.com. 300 AAAA 2001:db8::1"]),
    // RFC 1035 §3.3.9 and §3.3.11: the addresses of in-zone MX and NS hosts come along in
    // additional; hosts in other zones are the resolver's to look up.
    with_additional(ok("example.com.", MX, &["example.com. 3600 MX 10 mail.example.com."]), &["mail.example.com. 300 A 192.0.2.25"]),
    with_additional(ok("example.com.", NS, &["example.com. 3600 NS ns1.example.com.", "example.com. 3600 NS ns2.example.net."]), &["ns1.example.com. 3600 A 192.0.2.53"]),
    ok("example.com.", SOA, &["example.com. 3600 SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300"]),
    ok("_dmarc.example.com.", TXT, &["_dmarc.example.com. 300 TXT v=DMARC1; p=reject"]),
    // RFC 8482 §4.1: ANY gets one RRset, the one of the lowest type number (as Knot does).
    ok("www.example.com.", ANY, &["www.example.com. 300 A 192.0.2.1", "www.example.com. 300 A 192.0.2.2"]),
];

#[tokio::test]
async fn answers_are_authoritative() {
    run_table(vec![zone("example.com.", ZONE)], CASES).await;
}

/// An answer too big for 512 bytes is truncated over UDP without EDNS and sent whole over TCP.
#[tokio::test]
async fn big_answers_are_truncated_over_udp_and_whole_over_tcp() {
    let mut text = String::from(ZONE);
    for i in 1..=60 {
        text.push_str(&format!("big 300 A 198.51.100.{i}\n"));
    }
    let server = crate::harness::serve(vec![zone("example.com.", &text)]).await;
    let request = crate::harness::query("big.example.com.", A);
    let udp = crate::harness::udp_query(server.addr, &request).await;
    assert!(udp.metadata.truncation);
    assert!(udp.answers.is_empty());
    assert_eq!(udp.metadata.response_code, NoError);
    let mut tcp = crate::harness::TcpClient::connect(server.addr).await;
    let whole = tcp.query(&request).await;
    assert!(!whole.metadata.truncation);
    assert!(whole.metadata.authoritative);
    assert_eq!(whole.answers.len(), 60);
    server.stop().await;
}
