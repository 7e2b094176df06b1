//! RFC 1034 §4.3.2 step 3b: names at or below a delegation get a referral — the child's NS in
//! authority, glue in additional, AA clear. The DS RRset at the cut is the parent's data and is
//! answered authoritatively (RFC 4035 §3.1.4.1), also when both zones are hosted here.

use hickory_proto::op::ResponseCode::NoError;
use hickory_proto::rr::RecordType::{self, A, DS, NS, SOA as SOA_TYPE, TXT};

use crate::harness::{run_table, zone, Case};

const ZONE: &str = "
@            3600 SOA   ns1 hostmaster 1 7200 3600 1209600 300
@            3600 NS    ns1
ns1          3600 A     192.0.2.53
child        3600 NS    ns1.child
child        3600 NS    ns.example.net.
child        3600 DS    12345 13 2 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
ns1.child    3600 A     192.0.2.80
ns1.child    3600 AAAA  2001:db8::80
unsigned     3600 NS    ns.example.net.
hosted       3600 NS    ns1
";

/// The child zone `hosted.example.com.`, served by the same engine.
const HOSTED: &str = "
@            3600 SOA   ns1.example.com. hostmaster.example.com. 5 7200 3600 1209600 300
@            3600 NS    ns1.example.com.
www          300  A     192.0.2.5
";

const SOA: &str =
    "example.com. 300 SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300";
const CHILD_NS: &[&str] = &[
    "child.example.com. 3600 NS ns1.child.example.com.",
    "child.example.com. 3600 NS ns.example.net.",
];
const GLUE: &[&str] = &[
    "ns1.child.example.com. 3600 A 192.0.2.80",
    "ns1.child.example.com. 3600 AAAA 2001:db8::80",
];
const DS_RECORD: &str = "child.example.com. 3600 DS 12345 13 2 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";

const fn referral(qname: &'static str, qtype: RecordType) -> Case {
    Case {
        qname,
        qtype,
        rcode: NoError,
        aa: false,
        answer: &[],
        authority: CHILD_NS,
        additional: GLUE,
    }
}

const CASES: &[Case] = &[
    referral("child.example.com.", A),
    referral("www.child.example.com.", A),
    referral("child.example.com.", NS),
    referral("deep.www.child.example.com.", TXT),
    // Glue below the cut is only served as glue.
    referral("ns1.child.example.com.", A),
    // The DS below the cut is the child's business; at the cut it is ours.
    referral("www.child.example.com.", DS),
    Case { qname: "child.example.com.", qtype: DS, rcode: NoError, aa: true,
        answer: &[DS_RECORD], authority: &[], additional: &[] },
    Case { qname: "unsigned.example.com.", qtype: DS, rcode: NoError, aa: true,
        answer: &[], authority: &[SOA], additional: &[] },
    // No glue for out-of-zone name servers.
    Case { qname: "x.unsigned.example.com.", qtype: A, rcode: NoError, aa: false,
        answer: &[], authority: &["unsigned.example.com. 3600 NS ns.example.net."], additional: &[] },
    // A child zone hosted here answers for itself, except for its DS, which the parent answers.
    Case { qname: "www.hosted.example.com.", qtype: A, rcode: NoError, aa: true,
        answer: &["www.hosted.example.com. 300 A 192.0.2.5"], authority: &[], additional: &[] },
    Case { qname: "hosted.example.com.", qtype: SOA_TYPE, rcode: NoError, aa: true,
        answer: &["hosted.example.com. 3600 SOA ns1.example.com. hostmaster.example.com. 5 7200 3600 1209600 300"],
        authority: &[], additional: &[] },
    Case { qname: "hosted.example.com.", qtype: DS, rcode: NoError, aa: true,
        answer: &[], authority: &[SOA], additional: &[] },
];

#[tokio::test]
async fn delegations_get_referrals_with_glue() {
    run_table(
        vec![
            zone("example.com.", ZONE),
            zone("hosted.example.com.", HOSTED),
        ],
        CASES,
    )
    .await;
}
