//! RFC 6672: a DNAME redirects every name below its owner. The answer holds the DNAME, the CNAME
//! synthesized from it (the question's name to the substituted one, with the DNAME's TTL) and
//! whatever the new name leads to inside the zone; at the owner itself the DNAME is ordinary
//! data; a substitution too long for a domain name is YXDOMAIN. In a signed zone the DNAME
//! carries its signature and the synthesized CNAME none (RFC 6672 §5.3.1).

use std::sync::Arc;

use dns_engine::ZoneKey;
use hickory_proto::op::ResponseCode::{NXDomain, NoError, YXDomain};
use hickory_proto::rr::RecordType::{A, CNAME, DNAME, TXT};
use hickory_proto::rr::{RData, RecordType};

use crate::harness::{check, query, run_table, serve, udp_query, with_edns, zone, Case};

const ZONE: &str = "
@        3600 SOA   ns1 hostmaster 1 7200 3600 1209600 300
@        3600 NS    ns1
ns1      3600 A     192.0.2.53
old      600  DNAME new
old      600  TXT   \"moved to new\"
host.new 300  A     192.0.2.20
older    600  DNAME Old
to-old   300  CNAME host.old
away     300  DNAME example.net.
to-wild  600  DNAME wild
*.wild   300  A     192.0.2.99
loop-a   300  DNAME loop-b
loop-b   300  DNAME loop-a
";

const SOA: &str =
    "example.com. 300 SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300";

const OLD: &str = "old.example.com. 600 DNAME new.example.com.";

const CASES: &[Case] = &[
    // RFC 6672 §3.2 step 3c: the DNAME, the CNAME synthesized with the DNAME's TTL (§3.1),
    // and the new name followed inside the zone.
    Case {
        qname: "host.old.example.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &[
            OLD,
            "host.old.example.com. 600 CNAME host.new.example.com.",
            "host.new.example.com. 300 A 192.0.2.20",
        ],
        authority: &[],
        additional: &[],
    },
    // RFC 6604 §2.1: the RCODE is about the last name, the substituted one.
    Case {
        qname: "x.host.old.example.com.",
        qtype: A,
        rcode: NXDomain,
        aa: true,
        answer: &[
            OLD,
            "x.host.old.example.com. 600 CNAME x.host.new.example.com.",
        ],
        authority: &[SOA],
        additional: &[],
    },
    // RFC 6672 §2.3: the owner itself is not redirected; the DNAME is data there.
    Case {
        qname: "old.example.com.",
        qtype: DNAME,
        rcode: NoError,
        aa: true,
        answer: &[OLD],
        authority: &[],
        additional: &[],
    },
    Case {
        qname: "old.example.com.",
        qtype: TXT,
        rcode: NoError,
        aa: true,
        answer: &["old.example.com. 600 TXT moved to new"],
        authority: &[],
        additional: &[],
    },
    Case {
        qname: "old.example.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &[],
        authority: &[SOA],
        additional: &[],
    },
    // Asked for the CNAME, the synthesized one is the answer and is not followed.
    Case {
        qname: "host.old.example.com.",
        qtype: CNAME,
        rcode: NoError,
        aa: true,
        answer: &[OLD, "host.old.example.com. 600 CNAME host.new.example.com."],
        authority: &[],
        additional: &[],
    },
    // A DNAME question below the owner is redirected like any other; the new name has none.
    Case {
        qname: "host.old.example.com.",
        qtype: DNAME,
        rcode: NoError,
        aa: true,
        answer: &[OLD, "host.old.example.com. 600 CNAME host.new.example.com."],
        authority: &[SOA],
        additional: &[],
    },
    // Out of the zone: the resolver follows the CNAME.
    Case {
        qname: "www.away.example.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &[
            "away.example.com. 300 DNAME example.net.",
            "www.away.example.com. 300 CNAME www.example.net.",
        ],
        authority: &[],
        additional: &[],
    },
    // RFC 4343 §4.1: the CNAME's owner, and the labels of its target that come from the
    // question, keep the question's spelling; the DNAME and its target keep the zone's.
    Case {
        qname: "HoSt.OlD.eXaMpLe.CoM.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &[
            OLD,
            "HoSt.OlD.eXaMpLe.CoM. 600 CNAME HoSt.new.example.com.",
            "HoSt.new.example.com. 300 A 192.0.2.20",
        ],
        authority: &[],
        additional: &[],
    },
    // A DNAME whose target is below another DNAME, and a CNAME whose target is below one:
    // each redirection is one more link of the chain. (A DNAME's target is sent in lower case,
    // the form DNSSEC signs it in, RFC 4034 §6.2, and the synthesized CNAME follows it.)
    Case {
        qname: "host.older.example.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &[
            "older.example.com. 600 DNAME old.example.com.",
            "host.older.example.com. 600 CNAME host.old.example.com.",
            OLD,
            "host.old.example.com. 600 CNAME host.new.example.com.",
            "host.new.example.com. 300 A 192.0.2.20",
        ],
        authority: &[],
        additional: &[],
    },
    Case {
        qname: "to-old.example.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &[
            "to-old.example.com. 300 CNAME host.old.example.com.",
            OLD,
            "host.old.example.com. 600 CNAME host.new.example.com.",
            "host.new.example.com. 300 A 192.0.2.20",
        ],
        authority: &[],
        additional: &[],
    },
    // The new name is looked up like any other, wildcards included.
    Case {
        qname: "a.to-wild.example.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &[
            "to-wild.example.com. 600 DNAME wild.example.com.",
            "a.to-wild.example.com. 600 CNAME a.wild.example.com.",
            "a.wild.example.com. 300 A 192.0.2.99",
        ],
        authority: &[],
        additional: &[],
    },
    // RFC 1034 §3.6.2: two DNAMEs redirecting into each other end where the chain comes back
    // to a name it has been at; each link is sent once.
    Case {
        qname: "x.loop-a.example.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &[
            "loop-a.example.com. 300 DNAME loop-b.example.com.",
            "x.loop-a.example.com. 300 CNAME x.loop-b.example.com.",
            "loop-b.example.com. 300 DNAME loop-a.example.com.",
            "x.loop-b.example.com. 300 CNAME x.loop-a.example.com.",
        ],
        authority: &[],
        additional: &[],
    },
];

#[tokio::test]
async fn names_below_a_dname_are_redirected() {
    run_table(vec![zone("example.com.", ZONE)], CASES).await;
}

/// Three 63-octet labels and `example.net.`: a 205-octet DNAME target, so that a name below
/// `long.example.com.` (18 octets) with a first label of 49 octets becomes exactly 255 octets,
/// and one of 50 octets one too many.
fn long_target() -> String {
    let label = |c: &str| c.repeat(63);
    format!("{}.{}.{}.example.net.", label("a"), label("b"), label("c"))
}

/// RFC 6672 §2.2: a substitution longer than 255 octets is YXDOMAIN, the DNAME in the answer
/// and nothing else, no SOA; one octet shorter is an ordinary redirection out of the zone.
#[tokio::test]
async fn overlong_substitutions_are_yxdomain() {
    let target = long_target();
    let text = format!("{ZONE}\nlong 300 DNAME {target}\n");
    let server = serve(vec![zone("example.com.", &text)]).await;
    let dname: &'static str = format!("long.example.com. 300 DNAME {target}").leak();
    let fits: &'static str = format!("{}.long.example.com.", "x".repeat(49)).leak();
    let too_long: &'static str = format!("{}.long.example.com.", "x".repeat(50)).leak();
    let cname: &'static str = format!("{fits} 300 CNAME {}.{target}", "x".repeat(49)).leak();
    let cases = [
        Case {
            qname: fits,
            qtype: A,
            rcode: NoError,
            aa: true,
            answer: Vec::leak(vec![dname, cname]),
            authority: &[],
            additional: &[],
        },
        Case {
            qname: too_long,
            qtype: A,
            rcode: YXDomain,
            aa: true,
            answer: Vec::leak(vec![dname]),
            authority: &[],
            additional: &[],
        },
    ];
    for case in &cases {
        // Two names of about 255 octets do not fit in 512: EDNS.
        let request = with_edns(query(case.qname, case.qtype), 0, 1232, false);
        let response = udp_query(server.addr, &request).await;
        check(case, &request, &response, "UDP");
    }
    server.stop().await;
}

/// RFC 6672 §5.3.1: with DO, the DNAME comes with its RRSIG, the synthesized CNAME without one
/// (validators check it against the DNAME), the data it leads to with its own. YXDOMAIN keeps
/// the DNAME's signature too.
#[tokio::test]
async fn signed_dnames_are_signed_and_synthesized_cnames_are_not() {
    let (key, _) = ZoneKey::generate().unwrap();
    let dnskey = key.dnskey().clone();
    let text = format!("{ZONE}\nlong 300 DNAME {}\n", long_target());
    let signed = zone("example.com.", &text)
        .signed(Arc::new(key), crate::dnssec::now())
        .unwrap();
    let server = serve(vec![signed]).await;

    let request = with_edns(query("HoSt.old.example.com.", A), 0, 1232, true);
    let response = udp_query(server.addr, &request).await;
    assert_eq!(response.metadata.response_code, NoError);
    crate::dnssec::assert_signed(&dnskey, &response.answers, "old.example.com.", DNAME);
    crate::dnssec::assert_signed(&dnskey, &response.answers, "host.new.example.com.", A);
    let covered: Vec<RecordType> = response
        .answers
        .iter()
        .filter_map(|record| match &record.data {
            RData::DNSSEC(hickory_proto::dnssec::rdata::DNSSECRData::RRSIG(rrsig)) => {
                Some(rrsig.input().type_covered)
            }
            _ => None,
        })
        .collect();
    assert_eq!(covered, [DNAME, A], "no RRSIG over the synthesized CNAME");
    assert!(response
        .answers
        .iter()
        .any(|record| record.record_type() == CNAME && record.ttl == 600));

    let qname = format!("{}.long.example.com.", "x".repeat(50));
    let request = with_edns(query(&qname, A), 0, 1232, true);
    let response = udp_query(server.addr, &request).await;
    assert_eq!(response.metadata.response_code, YXDomain);
    crate::dnssec::assert_signed(&dnskey, &response.answers, "long.example.com.", DNAME);
    assert_eq!(response.answers.len(), 2, "{:?}", response.answers);

    // Without DO, no DNSSEC records.
    let response = udp_query(server.addr, &query("host.old.example.com.", A)).await;
    assert!(
        !response
            .answers
            .iter()
            .any(|record| matches!(record.data, RData::DNSSEC(_))),
        "{:?}",
        response.answers
    );
    server.stop().await;
}
