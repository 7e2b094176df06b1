//! RFC 1034 §4.3.2 step 3a and RFC 6604: CNAMEs are followed inside the zone; the RCODE and
//! authority section describe the last name of the chain; a chain leaving the zone or looping
//! stops where it must.

use hickory_proto::op::ResponseCode::{NXDomain, NoError};
use hickory_proto::rr::RecordType::{A, AAAA, CNAME};

use crate::harness::{run_table, zone, Case};

const ZONE: &str = "
@        3600 SOA   ns1 hostmaster 1 7200 3600 1209600 300
@        3600 NS    ns1
ns1      3600 A     192.0.2.53
www      300  A     192.0.2.1
alias    300  CNAME www
chain    300  CNAME alias
away     300  CNAME www.example.net.
dangling 300  CNAME nowhere
loop1    300  CNAME loop2
loop2    300  CNAME loop1
";

const SOA: &str =
    "example.com. 300 SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300";

const CASES: &[Case] = &[
    Case {
        qname: "alias.example.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &[
            "alias.example.com. 300 CNAME www.example.com.",
            "www.example.com. 300 A 192.0.2.1",
        ],
        authority: &[],
        additional: &[],
    },
    Case {
        qname: "chain.example.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &[
            "chain.example.com. 300 CNAME alias.example.com.",
            "alias.example.com. 300 CNAME www.example.com.",
            "www.example.com. 300 A 192.0.2.1",
        ],
        authority: &[],
        additional: &[],
    },
    // Asking for the CNAME itself does not follow it.
    Case {
        qname: "alias.example.com.",
        qtype: CNAME,
        rcode: NoError,
        aa: true,
        answer: &["alias.example.com. 300 CNAME www.example.com."],
        authority: &[],
        additional: &[],
    },
    // The target exists without the type: NODATA after the chain.
    Case {
        qname: "alias.example.com.",
        qtype: AAAA,
        rcode: NoError,
        aa: true,
        answer: &["alias.example.com. 300 CNAME www.example.com."],
        authority: &[SOA],
        additional: &[],
    },
    // RFC 6604 §2.1: the RCODE is about the last name in the chain.
    Case {
        qname: "dangling.example.com.",
        qtype: A,
        rcode: NXDomain,
        aa: true,
        answer: &["dangling.example.com. 300 CNAME nowhere.example.com."],
        authority: &[SOA],
        additional: &[],
    },
    // Out of the zone: the resolver follows it.
    Case {
        qname: "away.example.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &["away.example.com. 300 CNAME www.example.net."],
        authority: &[],
        additional: &[],
    },
];

#[tokio::test]
async fn cnames_are_followed_inside_the_zone() {
    run_table(vec![zone("example.com.", ZONE)], CASES).await;
}

/// RFC 1034 §3.6.2: a loop is answered with each of its links once, NOERROR.
#[tokio::test]
async fn cname_loops_end() {
    let server = crate::harness::serve(vec![zone("example.com.", ZONE)]).await;
    let request = crate::harness::query("loop1.example.com.", A);
    let response = crate::harness::udp_query(server.addr, &request).await;
    assert_eq!(response.metadata.response_code, NoError);
    assert!(response.metadata.authoritative);
    let owners: Vec<String> = response
        .answers
        .iter()
        .map(|r| r.name.to_string())
        .collect();
    assert_eq!(owners, ["loop1.example.com.", "loop2.example.com."]);
    assert!(response.answers.iter().all(|r| r.record_type() == CNAME));
    server.stop().await;
}

/// An answer holds at most `MAX_CNAME_CHAIN` CNAMEs; the data right after the last one still
/// comes along.
#[tokio::test]
async fn long_chains_are_cut() {
    let limit = dns_engine::lookup::MAX_CNAME_CHAIN;
    let mut text = String::from(ZONE);
    for i in 0..limit + 2 {
        text.push_str(&format!("c{i} 300 CNAME c{}\n", i + 1));
    }
    text.push_str(&format!("c{} 300 A 192.0.2.200\n", limit + 2));
    let server = crate::harness::serve(vec![zone("example.com.", &text)]).await;
    for (start, cnames, data) in [(0, limit, 0), (2, limit, 1)] {
        let request = crate::harness::query(&format!("c{start}.example.com."), A);
        let response = crate::harness::udp_query(server.addr, &request).await;
        assert_eq!(response.metadata.response_code, NoError);
        assert!(response.metadata.authoritative);
        let count = |rtype| {
            response
                .answers
                .iter()
                .filter(|r| r.record_type() == rtype)
                .count()
        };
        assert_eq!((count(CNAME), count(A)), (cnames, data), "from c{start}");
    }
    server.stop().await;
}
