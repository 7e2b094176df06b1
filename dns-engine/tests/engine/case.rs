//! RFC 4343: names match whatever their letter case, and the answer echoes the question's
//! spelling — in the question section and as the owner of exactly matching records.

use hickory_proto::op::ResponseCode::{NXDomain, NoError};
use hickory_proto::rr::RecordType::{A, MX};

use crate::harness::{run_table, zone, Case};

const ZONE: &str = "
@      3600 SOA   ns1 hostmaster 1 7200 3600 1209600 300
@      3600 NS    ns1
ns1    3600 A     192.0.2.53
WWW    300  A     192.0.2.1
Alias  300  CNAME WWW
*.Wild 300  A     192.0.2.9
";

const CASES: &[Case] = &[
    Case {
        qname: "www.example.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &["www.example.com. 300 A 192.0.2.1"],
        authority: &[],
        additional: &[],
    },
    Case {
        qname: "wWw.ExAmPlE.cOm.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &["wWw.ExAmPlE.cOm. 300 A 192.0.2.1"],
        authority: &[],
        additional: &[],
    },
    // The chain's next owner is spelled as the CNAME spells its target.
    Case {
        qname: "ALIAS.example.COM.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &[
            "ALIAS.example.COM. 300 CNAME WWW.Example.com.",
            "WWW.Example.com. 300 A 192.0.2.1",
        ],
        authority: &[],
        additional: &[],
    },
    Case {
        qname: "X.wild.EXAMPLE.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &["X.wild.EXAMPLE.com. 300 A 192.0.2.9"],
        authority: &[],
        additional: &[],
    },
    Case {
        qname: "NOPE.Example.Com.",
        qtype: MX,
        rcode: NXDomain,
        aa: true,
        answer: &[],
        authority: &[
            "Example.com. 300 SOA ns1.Example.com. hostmaster.Example.com. 1 7200 3600 1209600 300",
        ],
        additional: &[],
    },
];

#[tokio::test]
async fn letter_case_is_preserved() {
    run_table(vec![zone("Example.com.", ZONE)], CASES).await;
}
