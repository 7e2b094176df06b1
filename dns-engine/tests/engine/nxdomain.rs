//! RFC 2308 §2.1 and §3: a name that does not exist gets NXDOMAIN, authoritatively, with the
//! zone's SOA in authority at TTL min(SOA TTL, SOA MINIMUM).

use hickory_proto::op::ResponseCode::{NXDomain, NoError};
use hickory_proto::rr::RecordType::{A, AAAA, MX};

use crate::harness::{run_table, zone, Case};

const ZONE: &str = "
@      3600 SOA ns1 hostmaster 1 7200 3600 1209600 300
@      3600 NS  ns1
ns1    3600 A   192.0.2.53
www    300  A   192.0.2.1
";

/// A zone whose SOA TTL is below its MINIMUM: the SOA TTL wins.
const LOW_TTL_ZONE: &str = "
@      60   SOA ns1 hostmaster 1 7200 3600 1209600 86400
@      3600 NS  ns1
ns1    3600 A   192.0.2.53
";

const SOA: &str =
    "example.com. 300 SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300";
const SOA_NET: &str =
    "example.net. 60 SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 86400";

const fn nx(qname: &'static str, authority: &'static [&'static str]) -> Case {
    Case {
        qname,
        qtype: A,
        rcode: NXDomain,
        aa: true,
        answer: &[],
        authority,
        additional: &[],
    }
}

const CASES: &[Case] = &[
    nx("nope.example.com.", &[SOA]),
    nx("deep.below.nope.example.com.", &[SOA]),
    nx("a.www.example.com.", &[SOA]),
    Case {
        qname: "nope.example.com.",
        qtype: MX,
        rcode: NXDomain,
        aa: true,
        answer: &[],
        authority: &[SOA],
        additional: &[],
    },
    nx("nope.example.net.", &[SOA_NET]),
    // The name exists: not NXDOMAIN, whatever the type.
    Case {
        qname: "www.example.com.",
        qtype: AAAA,
        rcode: NoError,
        aa: true,
        answer: &[],
        authority: &[SOA],
        additional: &[],
    },
];

#[tokio::test]
async fn missing_names_are_nxdomain_with_the_soa() {
    run_table(
        vec![
            zone("example.com.", ZONE),
            zone("example.net.", LOW_TTL_ZONE),
        ],
        CASES,
    )
    .await;
}
