//! RFC 4592: a wildcard answers for names that do not exist below its closest encloser, with the
//! question's name as owner; existing names (empty non-terminals included) block it.

use hickory_proto::op::ResponseCode::{NXDomain, NoError};
use hickory_proto::rr::RecordType::{A, AAAA, MX, TXT};

use crate::harness::{run_table, zone, Case};

const ZONE: &str = "
@            3600 SOA   ns1 hostmaster 1 7200 3600 1209600 300
@            3600 NS    ns1
ns1          3600 A     192.0.2.53
*            300  A     192.0.2.99
*            300  MX    10 mail
mail         300  A     192.0.2.25
host1        300  A     192.0.2.1
sub.ent      300  A     192.0.2.7
*.alias      300  CNAME host1
";

const SOA: &str =
    "example.com. 300 SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300";

const CASES: &[Case] = &[
    // RFC 4592 §2.2.1: synthesized, with the question's name as owner.
    Case {
        qname: "anything.example.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &["anything.example.com. 300 A 192.0.2.99"],
        authority: &[],
        additional: &[],
    },
    Case {
        qname: "a.b.c.example.com.",
        qtype: MX,
        rcode: NoError,
        aa: true,
        answer: &["a.b.c.example.com. 300 MX 10 mail.example.com."],
        authority: &[],
        additional: &["mail.example.com. 300 A 192.0.2.25"],
    },
    // The wildcard exists but not with this type: NODATA.
    Case {
        qname: "anything.example.com.",
        qtype: AAAA,
        rcode: NoError,
        aa: true,
        answer: &[],
        authority: &[SOA],
        additional: &[],
    },
    // Existing names are not covered.
    Case {
        qname: "host1.example.com.",
        qtype: MX,
        rcode: NoError,
        aa: true,
        answer: &[],
        authority: &[SOA],
        additional: &[],
    },
    // Below an existing name, the closest encloser is that name, whose own wildcard is absent.
    Case {
        qname: "x.host1.example.com.",
        qtype: A,
        rcode: NXDomain,
        aa: true,
        answer: &[],
        authority: &[SOA],
        additional: &[],
    },
    // An empty non-terminal exists: no wildcard for it or below it (RFC 4592 §2.2.2).
    Case {
        qname: "ent.example.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &[],
        authority: &[SOA],
        additional: &[],
    },
    Case {
        qname: "other.ent.example.com.",
        qtype: A,
        rcode: NXDomain,
        aa: true,
        answer: &[],
        authority: &[SOA],
        additional: &[],
    },
    // The wildcard name asked literally.
    Case {
        qname: "*.example.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &["*.example.com. 300 A 192.0.2.99"],
        authority: &[],
        additional: &[],
    },
    // A wildcard CNAME is followed like any other.
    Case {
        qname: "x.alias.example.com.",
        qtype: A,
        rcode: NoError,
        aa: true,
        answer: &[
            "x.alias.example.com. 300 CNAME host1.example.com.",
            "host1.example.com. 300 A 192.0.2.1",
        ],
        authority: &[],
        additional: &[],
    },
    Case {
        qname: "x.alias.example.com.",
        qtype: TXT,
        rcode: NoError,
        aa: true,
        answer: &["x.alias.example.com. 300 CNAME host1.example.com."],
        authority: &[SOA],
        additional: &[],
    },
];

#[tokio::test]
async fn wildcards_follow_rfc_4592() {
    run_table(vec![zone("example.com.", ZONE)], CASES).await;
}
