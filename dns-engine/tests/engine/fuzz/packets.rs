//! Target 1: the whole query path, `respond` without its panic guard, over UDP and TCP, against
//! a catalog of realistic zones — one signed (compact denial computed per query), wildcards,
//! empty non-terminals, delegations with and without DS, a hosted child zone, CNAME chains in
//! and out of the zone and a CNAME loop, DNAMEs (one whose substitution overflows), an RRset too
//! big for UDP, and default names synthesized forward and reverse.
//!
//! The seeds are real queries as stub resolvers and other servers send them (every RR type of
//! interest, EDNS with and without DO, odd payload sizes, cookies, padding, client subnet),
//! plus the messages a server receives without asking (NOTIFY, UPDATE, several questions,
//! compression pointers in the question).
//!
//! Invariants, checked on every response: a packet shorter than a header or with QR set gets
//! none, any other gets one; it is at most 65,535 octets, and over UDP at most the client's
//! advertised size (512 without EDNS) — truncated or not; its ID, opcode and RD are the query's
//! and QR is set; and hickory decodes it.

use std::sync::Arc;

use dns_engine::server::respond_uncaught;
use dns_engine::wire::Transport;
use dns_engine::zone::synth::{Network, Synth, SynthRule, Template};
use dns_engine::{Catalog, Zone, ZoneKey};
use hickory_proto::op::{Message, OpCode, Query};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use super::mutate::{mutate_bytes, Rng};
use super::runner::{feature, hex, Target};
use crate::harness::zone;

/// The main zone, unsigned.
const EXAMPLE_COM: &str = r#"
@            3600 SOA   ns1 hostmaster 2024010101 7200 3600 1209600 300
@            3600 NS    ns1
@            3600 NS    ns2.example.net.
@            300  A     192.0.2.10
@            300  MX    10 mail
@            300  MX    20 mail2
@            300  TXT   "v=spf1 mx -all"
@            300  CAA   0 issue "letsencrypt.org"
@            300  HTTPS 1 . alpn=h2,h3
ns1          3600 A     192.0.2.53
ns1          3600 AAAA  2001:db8::53
mail         300  A     192.0.2.25
mail2        300  AAAA  2001:db8::25
www          300  A     192.0.2.1
www          300  A     192.0.2.2
www          300  AAAA  2001:db8::1
alias        300  CNAME alias2
alias2       300  CNAME www
outside      300  CNAME www.example.org.
cross        300  CNAME www.example.net.
loop1        300  CNAME loop2
loop2        300  CNAME loop1
*.wild       300  A     192.0.2.99
*.wild       300  TXT   "wildcard"
*.cnamewild  300  CNAME www
sub.ent      300  A     192.0.2.7
child        3600 NS    ns.child
child        3600 NS    ns.elsewhere.example.
ns.child     3600 A     192.0.2.54
ns.child     3600 AAAA  2001:db8::54
secure       3600 NS    ns1
secure       3600 DS    12345 13 2 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855
hosted       3600 NS    ns1
old          600  DNAME new.example.net.
moved        600  DNAME example.net.
_sip._udp    300  SRV   0 5 5060 www
_sip._tcp    300  SRV   0 5 5060 mail
txt          300  TXT   "one" "two" "three"
ptr          300  PTR   www
"#;

/// A child of example.com hosted here too: it wins over the parent's delegation.
const HOSTED: &str = "
@            3600 SOA   ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
@            3600 NS    ns1.example.com.
www          300  A     192.0.2.40
";

/// The signed zone.
const EXAMPLE_NET: &str = r#"
@            3600 SOA   ns1.example.com. hostmaster.example.com. 7 7200 3600 1209600 300
@            3600 NS    ns1.example.com.
@            300  A     192.0.2.80
@            300  MX    10 www
www          300  A     192.0.2.81
www          300  AAAA  2001:db8::81
*.wild       300  A     192.0.2.82
alias        300  CNAME www
chain        300  CNAME alias.example.com.
a.b.ent      300  TXT   "below an empty non-terminal"
sub          3600 NS    ns.sub
ns.sub       3600 A     192.0.2.83
secure       3600 NS    ns1.example.com.
secure       3600 DS    54321 13 2 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855
dn           600  DNAME example.com.
host.new     300  A     192.0.2.84
"#;

const REVERSE_V4: &str = "
@            3600 SOA   ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
@            3600 NS    ns1.example.com.
1            300  PTR   www.example.com.
";

const REVERSE_V6: &str = "
@            3600 SOA   ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
@            3600 NS    ns1.example.com.
";

/// Query names: one of each kind of answer, and some that are not ours.
const NAMES: &[&str] = &[
    "example.com.",
    "www.example.com.",
    "WwW.ExAmPlE.cOm.",
    "alias.example.com.",
    "outside.example.com.",
    "cross.example.com.",
    "loop1.example.com.",
    "x.wild.example.com.",
    "a.b.wild.example.com.",
    "x.cnamewild.example.com.",
    "ent.example.com.",
    "sub.ent.example.com.",
    "child.example.com.",
    "www.child.example.com.",
    "ns.child.example.com.",
    "secure.example.com.",
    "x.secure.example.com.",
    "hosted.example.com.",
    "www.hosted.example.com.",
    "nx.hosted.example.com.",
    "old.example.com.",
    "host.old.example.com.",
    "www.moved.example.com.",
    // Its DNAME substitution overflows 255 octets: YXDOMAIN.
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.long.example.com.",
    "_sip._udp.example.com.",
    "big.example.com.",
    "txt.example.com.",
    "nx.example.com.",
    "host-192-0-2-7.dyn.example.com.",
    "host-192-0-3-7.dyn.example.com.",
    "dyn.example.com.",
    "2001-0db8-0000-0000-0000-0000-0000-0007.v6.example.com.",
    "2001-0db8-0001-0000-0000-0000-0000-0007.v6.example.com.",
    "7.2.0.192.in-addr.arpa.",
    "1.2.0.192.in-addr.arpa.",
    "2.0.192.in-addr.arpa.",
    "0.192.in-addr.arpa.",
    "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
    "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
    "example.net.",
    "www.example.net.",
    "nx.example.net.",
    "x.wild.example.net.",
    "chain.example.net.",
    "b.ent.example.net.",
    "a.b.ent.example.net.",
    "sub.example.net.",
    "x.sub.example.net.",
    "secure.example.net.",
    "x.dn.example.net.",
    "host.new.example.net.",
    "example.org.",
    "com.",
    ".",
];

const TYPES: &[RecordType] = &[
    RecordType::A,
    RecordType::AAAA,
    RecordType::MX,
    RecordType::NS,
    RecordType::SOA,
    RecordType::TXT,
    RecordType::CNAME,
    RecordType::DNAME,
    RecordType::PTR,
    RecordType::SRV,
    RecordType::CAA,
    RecordType::HTTPS,
    RecordType::DS,
    RecordType::DNSKEY,
    RecordType::RRSIG,
    RecordType::NSEC,
    RecordType::NSEC3PARAM,
    RecordType::ANY,
    RecordType::AXFR,
    RecordType::IXFR,
    RecordType::OPT,
    RecordType::TSIG,
    RecordType::Unknown(65534),
    RecordType::Unknown(0),
];

/// Client EDNS as it is seen on the wire: payload size, DO, version, options (code, data).
struct Opt {
    payload: u16,
    dnssec_ok: bool,
    version: u8,
    options: &'static [(u16, &'static [u8])],
}

const COOKIE: &[u8] = &[1, 2, 3, 4, 5, 6, 7, 8];
const COOKIE_WITH_SERVER: &[u8] = &[
    1, 2, 3, 4, 5, 6, 7, 8, 1, 0, 0, 0, 0x65, 0x4f, 0x1a, 0x2b, 0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe,
    0xba, 0xbe,
];
const SUBNET: &[u8] = &[0, 1, 24, 0, 192, 0, 2];

const OPTS: &[Opt] = &[
    Opt {
        payload: 1232,
        dnssec_ok: false,
        version: 0,
        options: &[],
    },
    Opt {
        payload: 1232,
        dnssec_ok: true,
        version: 0,
        options: &[],
    },
    Opt {
        payload: 4096,
        dnssec_ok: true,
        version: 0,
        options: &[(10, COOKIE)],
    },
    Opt {
        payload: 512,
        dnssec_ok: false,
        version: 0,
        options: &[(10, COOKIE_WITH_SERVER)],
    },
    Opt {
        payload: 0,
        dnssec_ok: false,
        version: 0,
        options: &[],
    },
    Opt {
        payload: 511,
        dnssec_ok: true,
        version: 0,
        options: &[(12, &[0; 16])],
    },
    Opt {
        payload: 65535,
        dnssec_ok: true,
        version: 0,
        options: &[(8, SUBNET), (3, &[])],
    },
    Opt {
        payload: 1400,
        dnssec_ok: false,
        version: 1,
        options: &[],
    },
    Opt {
        payload: 1232,
        dnssec_ok: false,
        version: 0,
        options: &[(10, &[1, 2, 3, 4, 5])],
    },
    Opt {
        payload: 1232,
        dnssec_ok: true,
        version: 0,
        options: &[(11, &[]), (15, &[0, 20]), (65001, b"x")],
    },
];

/// The OPT record (RFC 6891 §6.1.2) for `opt`, owner root.
fn opt_record(opt: &Opt) -> Vec<u8> {
    let mut rdata = Vec::new();
    for (code, data) in opt.options {
        rdata.extend_from_slice(&code.to_be_bytes());
        rdata.extend_from_slice(&(data.len() as u16).to_be_bytes());
        rdata.extend_from_slice(data);
    }
    let mut record = vec![0];
    record.extend_from_slice(&41u16.to_be_bytes());
    record.extend_from_slice(&opt.payload.to_be_bytes());
    record.extend_from_slice(&[0, opt.version, if opt.dnssec_ok { 0x80 } else { 0 }, 0]);
    record.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    record.extend_from_slice(&rdata);
    record
}

/// `packet` with `record` appended to the additional section.
fn with_additional(mut packet: Vec<u8>, record: &[u8]) -> Vec<u8> {
    let count = u16::from_be_bytes([packet[10], packet[11]]).wrapping_add(1);
    packet[10..12].copy_from_slice(&count.to_be_bytes());
    packet.extend_from_slice(record);
    packet
}

fn name(text: &str) -> Name {
    Name::from_ascii(text).unwrap()
}

fn query(id: u16, qname: &str, qtype: RecordType, rd: bool) -> Vec<u8> {
    let mut message = Message::query();
    message.metadata.id = id;
    message.metadata.recursion_desired = rd;
    message.add_query(Query::query(name(qname), qtype));
    message.to_vec().unwrap()
}

/// The seed corpus.
fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    let mut id = 0x1000u16;
    let mut next_id = || {
        id = id.wrapping_add(0x0101);
        id
    };
    // Every name with A, plain and with DO; then the types in turn, with the EDNS variants in
    // turn, so that each name, type and variant appears.
    for (i, qname) in NAMES.iter().enumerate() {
        seeds.push(query(next_id(), qname, RecordType::A, true));
        seeds.push(with_additional(
            query(next_id(), qname, RecordType::A, false),
            &opt_record(&OPTS[1]),
        ));
        let qtype = TYPES[i % TYPES.len()];
        let opt = &OPTS[i % OPTS.len()];
        seeds.push(with_additional(
            query(next_id(), qname, qtype, i % 2 == 0),
            &opt_record(opt),
        ));
    }
    for (i, qtype) in TYPES.iter().enumerate() {
        let qname = NAMES[(i * 7) % NAMES.len()];
        seeds.push(query(next_id(), qname, *qtype, false));
        seeds.push(with_additional(
            query(next_id(), "example.net.", *qtype, true),
            &opt_record(&OPTS[2]),
        ));
    }
    for opt in OPTS {
        seeds.push(with_additional(
            query(next_id(), "big.example.com.", RecordType::A, true),
            &opt_record(opt),
        ));
        seeds.push(with_additional(
            query(next_id(), "nx.example.net.", RecordType::A, true),
            &opt_record(opt),
        ));
    }

    // Other opcodes: NOTIFY with the SOA in the answer (RFC 1996 §3.7), UPDATE with a zone and
    // an update section (RFC 2136 §2), STATUS, IQUERY, an unassigned one.
    let mut notify = Message::query();
    notify.metadata.id = next_id();
    notify.metadata.op_code = OpCode::Notify;
    notify.metadata.authoritative = true;
    notify.add_query(Query::query(name("example.com."), RecordType::SOA));
    notify.add_answer(Record::from_rdata(
        name("example.com."),
        3600,
        RData::SOA(hickory_proto::rr::rdata::SOA::new(
            name("ns1.example.com."),
            name("hostmaster.example.com."),
            2024010102,
            7200,
            3600,
            1_209_600,
            300,
        )),
    ));
    seeds.push(notify.to_vec().unwrap());
    let mut update = Message::query();
    update.metadata.id = next_id();
    update.metadata.op_code = OpCode::Update;
    update.add_query(Query::query(name("example.com."), RecordType::SOA));
    update.add_authority(Record::from_rdata(
        name("new.example.com."),
        300,
        RData::A("192.0.2.77".parse::<std::net::Ipv4Addr>().unwrap().into()),
    ));
    seeds.push(update.to_vec().unwrap());
    for op_code in [OpCode::Status, OpCode::Unknown(1), OpCode::Unknown(15)] {
        let mut message = Message::query();
        message.metadata.id = next_id();
        message.metadata.op_code = op_code;
        message.add_query(Query::query(name("example.com."), RecordType::A));
        seeds.push(with_additional(
            message.to_vec().unwrap(),
            &opt_record(&OPTS[0]),
        ));
    }

    // Question counts other than one; the second question compressed against the first.
    let mut none = Message::query();
    none.metadata.id = next_id();
    seeds.push(none.to_vec().unwrap());
    let mut two = query(next_id(), "www.example.com.", RecordType::A, true);
    two[5] = 2;
    two.extend_from_slice(&[3, b'f', b't', b'p', 0xC0, 12, 0, 28, 0, 1]);
    seeds.push(two);

    // Classes: CH (version.bind), HS, ANY, NONE.
    for class in [DNSClass::CH, DNSClass::HS, DNSClass::ANY, DNSClass::NONE] {
        let mut message = Message::query();
        message.metadata.id = next_id();
        let mut question = Query::query(name("version.bind."), RecordType::TXT);
        question.set_query_class(class);
        message.add_query(question);
        seeds.push(message.to_vec().unwrap());
        let mut ours = Query::query(name("www.example.com."), RecordType::A);
        ours.set_query_class(class);
        let mut message = Message::query();
        message.metadata.id = next_id();
        message.add_query(ours);
        seeds.push(message.to_vec().unwrap());
    }

    // Header bits a query should not carry or that are copied: AD, CD, TC, Z, AA, RCODE.
    for (byte, bit) in [
        (3, 0x20),
        (3, 0x10),
        (2, 0x02),
        (3, 0x40),
        (2, 0x04),
        (3, 0x05),
    ] {
        let mut packet = query(next_id(), "www.example.net.", RecordType::A, true);
        packet[byte] |= bit;
        seeds.push(with_additional(packet, &opt_record(&OPTS[1])));
    }

    // Two OPT records; an OPT in the answer section; an OPT not owned by the root; a TSIG-like
    // record after the OPT.
    let doubled = with_additional(
        with_additional(
            query(next_id(), "www.example.com.", RecordType::A, true),
            &opt_record(&OPTS[0]),
        ),
        &opt_record(&OPTS[1]),
    );
    seeds.push(doubled);
    let mut in_answer = query(next_id(), "www.example.com.", RecordType::A, true);
    in_answer[7] = 1;
    in_answer.extend_from_slice(&opt_record(&OPTS[0]));
    seeds.push(in_answer);
    let mut owned = opt_record(&OPTS[0]);
    owned.splice(0..1, [0xC0, 12]);
    seeds.push(with_additional(
        query(next_id(), "www.example.com.", RecordType::A, true),
        &owned,
    ));
    let mut tsig = vec![0xC0, 12, 0, 250, 0, 255, 0, 0, 0, 0, 0, 8];
    tsig.extend_from_slice(&[
        0x0b, b'h', b'm', b'a', b'c', b'-', b's', b'h', b'a', b'2', b'5', b'6',
    ]);
    seeds.push(with_additional(
        with_additional(
            query(next_id(), "www.example.com.", RecordType::A, true),
            &opt_record(&OPTS[0]),
        ),
        &tsig,
    ));

    // Names at the limits: 63-octet labels, a 255-octet name, a label with a dot and a NUL.
    let label = "a".repeat(63);
    let longest = format!("{label}.{label}.{label}.{}.example.com.", "b".repeat(49));
    seeds.push(query(next_id(), &longest, RecordType::A, true));
    let deep = format!("{}example.com.", "x.".repeat(100));
    seeds.push(query(next_id(), &deep, RecordType::A, true));
    let mut odd = vec![0x77, 0x77, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    odd.extend_from_slice(&[
        3, b'a', b'.', 0, 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e',
    ]);
    odd.extend_from_slice(&[3, b'c', b'o', b'm', 0, 0, 1, 0, 1]);
    seeds.push(odd);

    // Malformed ones, as the behaviour tests send them.
    let mut pointer_loop = vec![0x43, 0x43, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    pointer_loop.extend_from_slice(&[0xC0, 12, 0, 1, 0, 1]);
    seeds.push(pointer_loop);
    seeds.push(vec![
        0x44, 0x44, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0,
    ]);
    seeds.push(vec![0x41, 0x41, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    // A response, which is dropped.
    let mut response = query(next_id(), "www.example.com.", RecordType::A, true);
    response[2] |= 0x80;
    seeds.push(response);
    seeds
}

/// Where the question's name ends (the QTYPE starts), if the message has a readable one.
fn question_end(packet: &[u8]) -> Option<usize> {
    let mut at = 12;
    loop {
        let len = *packet.get(at)?;
        match len {
            0 => return Some(at + 1),
            0xC0..=0xFF => return Some(at + 2).filter(|end| *end <= packet.len()),
            _ => at += 1 + usize::from(len),
        }
    }
}

/// `text` as wire labels, each letter's case flipped once in `flip` times.
fn encode_name(rng: &mut Rng, text: &str, flip: usize) -> Vec<u8> {
    let mut wire = Vec::new();
    for label in text.split('.').filter(|l| !l.is_empty()) {
        wire.push(label.len().min(255) as u8);
        for byte in label.bytes() {
            wire.push(if rng.one_in(flip) { byte ^ 0x20 } else { byte });
        }
    }
    wire.push(0);
    wire
}

/// Labels put in front of a query name: a wildcard match, a name below a cut or a DNAME, odd
/// octets, a name too long.
const PREFIXES: &[&[u8]] = &[
    b"\x01*",
    b"\x01x",
    b"\x03www",
    b"\x04_tcp",
    b"\x01\x00",
    b"\x01.",
    b"\x02X-",
    b"\x3faaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

/// Changes the question or the EDNS of a readable message: another name (maybe below a label
/// of interest), type or class, or another OPT record in place of everything after the
/// question. False when the message has no question to change.
fn mutate_question(rng: &mut Rng, packet: &mut Vec<u8>) -> bool {
    let Some(end) = question_end(packet).filter(|end| end + 4 <= packet.len()) else {
        return false;
    };
    match rng.below(5) {
        // Another name of the catalog's (or outside it).
        0 => {
            let text = *rng.pick(NAMES);
            let name = encode_name(rng, text, 16);
            packet.splice(12..end, name);
        }
        // A label in front of the name.
        1 => {
            let label = *rng.pick(PREFIXES);
            packet.splice(12..12, label.iter().copied());
        }
        // Another type.
        2 => {
            let qtype = if rng.one_in(4) {
                rng.next_u64() as u16
            } else {
                u16::from(*rng.pick(TYPES))
            };
            packet[end..end + 2].copy_from_slice(&qtype.to_be_bytes());
        }
        // Another class: IN mostly, else CH, HS, NONE, ANY or anything.
        3 => {
            let class = *rng.pick(&[1u16, 1, 1, 3, 4, 254, 255, 0, 2, 0xffff]);
            packet[end + 2..end + 4].copy_from_slice(&class.to_be_bytes());
        }
        // Everything after the question replaced by an OPT record, or by nothing.
        _ => {
            packet.truncate(end + 4);
            packet[6..12].fill(0);
            if !rng.one_in(4) {
                let opt = rng.pick(OPTS);
                let record = opt_record(opt);
                *packet = with_additional(std::mem::take(packet), &record);
            }
        }
    }
    true
}

/// The catalog every input is answered from.
fn catalog() -> Catalog {
    let mut example_com = EXAMPLE_COM.to_owned();
    // An RRset too big for any UDP answer, and a DNAME whose substitutions overflow.
    for i in 1..=120 {
        example_com.push_str(&format!("big 300 A 192.0.2.{i}\n"));
    }
    let label = |c: &str| c.repeat(63);
    example_com.push_str(&format!(
        "long 300 DNAME {}.{}.{}.example.net.\n",
        label("a"),
        label("b"),
        label("c")
    ));
    let v4 = Arc::new(Template::parse("host-{a}-{b}-{c}-{d}.dyn.example.com.", true).unwrap());
    let v6 = Arc::new(Template::parse("{ip}.v6.example.com.", false).unwrap());
    let v4_range = Network::new([192, 0, 2, 0].into(), 24).unwrap();
    let v6_range = Network::new("2001:db8::".parse().unwrap(), 64).unwrap();
    let forward = Synth::new(vec![
        SynthRule::Address {
            template: Arc::clone(&v4),
            ranges: vec![v4_range],
            ttl: 300,
        },
        SynthRule::Address {
            template: Arc::clone(&v6),
            ranges: vec![v6_range],
            ttl: 300,
        },
    ]);
    let (key, _) = ZoneKey::generate().unwrap();
    let zones: Vec<Zone> = vec![
        zone("example.com.", &example_com).with_synth(forward),
        zone("hosted.example.com.", HOSTED),
        zone("example.net.", EXAMPLE_NET)
            .signed(Arc::new(key), crate::dnssec::now())
            .expect("example.net. signs"),
        zone("2.0.192.in-addr.arpa.", REVERSE_V4).with_synth(Synth::new(vec![SynthRule::Ptr {
            range: v4_range,
            template: v4,
            ttl: 3600,
        }])),
        zone("8.b.d.0.1.0.0.2.ip6.arpa.", REVERSE_V6).with_synth(Synth::new(vec![
            SynthRule::Ptr {
                range: v6_range,
                template: v6,
                ttl: 3600,
            },
        ])),
    ];
    Catalog::from_zones(zones)
}

/// The query path as a fuzz target.
pub struct Packets {
    catalog: Catalog,
}

impl Packets {
    pub fn new() -> Self {
        Self { catalog: catalog() }
    }
}

/// The largest UDP response `packet` allows: the payload size of its OPT record as hickory
/// reads it (never below 512, RFC 6891 §6.2.5), or 512 without one (RFC 1035 §4.2.1).
fn udp_limit(packet: &[u8]) -> usize {
    Message::from_vec(packet)
        .ok()
        .and_then(|message| message.edns.map(|edns| usize::from(edns.max_payload())))
        .unwrap_or(512)
        .max(512)
}

/// Checks the response to `packet` over `transport`, and notes what kind of response it was.
fn check(
    packet: &[u8],
    transport: Transport,
    response: Option<&[u8]>,
    features: &mut Vec<u64>,
) -> Result<(), String> {
    let udp = transport == Transport::Udp;
    let is_query = packet.len() >= 12 && packet[2] & 0x80 == 0;
    let Some(response) = response else {
        if is_query {
            return Err(format!("{transport:?}: no response to a query"));
        }
        features.push(feature((udp, "dropped")));
        return Ok(());
    };
    if !is_query {
        return Err(format!(
            "{transport:?}: answered a packet that is not a query (shorter than a header, or QR \
             set)"
        ));
    }
    let len = response.len();
    if len > 65_535 {
        return Err(format!("{transport:?}: a response of {len} octets"));
    }
    if len < 12 {
        return Err(format!(
            "{transport:?}: a response of {len} octets, shorter than a header"
        ));
    }
    if response[..2] != packet[..2] {
        return Err(format!(
            "{transport:?}: response ID {} is not the query's",
            hex(&response[..2], 2)
        ));
    }
    if response[2] & 0x80 == 0 {
        return Err(format!("{transport:?}: QR is not set in the response"));
    }
    if response[2] & 0x79 != packet[2] & 0x79 {
        return Err(format!(
            "{transport:?}: opcode or RD not copied: query {:08b}, response {:08b}",
            packet[2], response[2]
        ));
    }
    let truncated = response[2] & 0x02 != 0;
    if transport == Transport::Udp && len > 512 {
        let limit = udp_limit(packet);
        if len > limit {
            return Err(format!(
                "UDP: a response of {len} octets to a client that takes {limit} (TC {})",
                if truncated { "set" } else { "clear" }
            ));
        }
    }
    let message = Message::from_vec(response)
        .map_err(|err| format!("{transport:?}: hickory cannot decode the response: {err}"))?;
    let meta = &message.metadata;
    features.push(feature((
        udp,
        u16::from(meta.response_code),
        meta.authoritative,
        meta.truncation,
        message.answers.len().min(4),
        message.authorities.len().min(4),
        message.additionals.len().min(4),
        message.edns.is_some(),
    )));
    let types = |records: &[Record]| -> Vec<u16> {
        let mut types: Vec<u16> = records.iter().map(|r| u16::from(r.record_type())).collect();
        types.dedup();
        types.truncate(4);
        types
    };
    features.push(feature((
        udp,
        types(&message.answers),
        types(&message.authorities),
        types(&message.additionals),
    )));
    // Types outside the seeds' list count as one: a random QTYPE is not new behaviour.
    let qtype = message
        .queries
        .first()
        .map(|q| q.query_type())
        .filter(|qtype| TYPES.contains(qtype))
        .map(u16::from);
    features.push(feature((
        udp,
        qtype,
        u16::from(meta.response_code),
        len.min(4096) / 256,
    )));
    Ok(())
}

impl Target for Packets {
    fn name(&self) -> &'static str {
        "packets"
    }

    fn extension(&self) -> &'static str {
        "bin"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        seeds()
    }

    fn mutate(&self, rng: &mut Rng, input: &mut Vec<u8>, other: &[u8]) {
        // Blind byte mutations mostly end in FORMERR; the structured ones keep the message
        // readable so that lookup sees it.
        if rng.one_in(2) || !mutate_question(rng, input) {
            mutate_bytes(rng, input, other, true);
        }
    }

    fn max_len(&self) -> usize {
        65_535
    }

    fn run(&self, input: &[u8], features: &mut Vec<u64>) -> Result<(), String> {
        for transport in [Transport::Udp, Transport::Tcp] {
            let response = respond_uncaught(&self.catalog, input, transport);
            check(input, transport, response.as_deref(), features)?;
        }
        Ok(())
    }

    fn show(&self, input: &[u8]) -> String {
        hex(input, 1024)
    }
}

#[test]
fn the_seeds_reach_every_kind_of_answer() {
    let target = Packets::new();
    let mut rcodes = std::collections::BTreeSet::new();
    let (mut truncated, mut signed, mut synthesized) = (false, false, false);
    for seed in seeds() {
        let Some(response) = respond_uncaught(&target.catalog, &seed, Transport::Udp) else {
            continue;
        };
        let message = Message::from_vec(&response).unwrap();
        rcodes.insert(u16::from(message.metadata.response_code));
        truncated |= message.metadata.truncation;
        signed |= message
            .answers
            .iter()
            .chain(&message.authorities)
            .any(|r| r.record_type() == RecordType::RRSIG);
        synthesized |= message.answers.iter().any(|r| {
            r.name.to_ascii().starts_with("host-192-0-2-7.dyn") && r.record_type() == RecordType::A
        });
    }
    // NOERROR, FORMERR, NXDOMAIN, NOTIMP, REFUSED, YXDOMAIN, BADVERS.
    for rcode in [0, 1, 3, 4, 5, 6, 16] {
        assert!(
            rcodes.contains(&rcode),
            "no seed gets RCODE {rcode}: {rcodes:?}"
        );
    }
    assert!(
        truncated && signed && synthesized,
        "TC {truncated}, RRSIG {signed}, synthesized {synthesized}"
    );
}
