//! RFC 2308 §2.2: a name that exists without data of the type asked gets NOERROR with an empty
//! answer and the SOA in authority. An empty non-terminal (RFC 4592 §2.2.2) exists.

use hickory_proto::op::ResponseCode::NoError;
use hickory_proto::rr::RecordType::{self, A, AAAA, CNAME, MX, TXT};

use crate::harness::{run_table, zone, Case};

const ZONE: &str = "
@          3600 SOA ns1 hostmaster 1 7200 3600 1209600 300
@          3600 NS  ns1
ns1        3600 A   192.0.2.53
www        300  A   192.0.2.1
a.b.c      300  TXT deep
_443._tcp  300  TLSA 3 1 1 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
";

const SOA: &str =
    "example.com. 300 SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300";

const fn nodata(qname: &'static str, qtype: RecordType) -> Case {
    Case {
        qname,
        qtype,
        rcode: NoError,
        aa: true,
        answer: &[],
        authority: &[SOA],
        additional: &[],
    }
}

const CASES: &[Case] = &[
    nodata("www.example.com.", AAAA),
    nodata("www.example.com.", MX),
    nodata("www.example.com.", CNAME),
    nodata("example.com.", A),
    // Empty non-terminals: they exist, so NODATA rather than NXDOMAIN.
    nodata("c.example.com.", A),
    nodata("b.c.example.com.", TXT),
    nodata("_tcp.example.com.", A),
];

#[tokio::test]
async fn names_without_the_type_are_nodata() {
    run_table(vec![zone("example.com.", ZONE)], CASES).await;
}
