//! The fast path ([`dns_engine::fast`]) against the full path: wherever the fast path takes a
//! query, its response must be the full path's, octet for octet; and for the answers of an
//! unsigned zone it must allocate nothing once warmed up.
//!
//! The corpus is the Knot differential test's (every name of its rich zone × every type,
//! letter-case variants, EDNS sizes, DO, no EDNS, TCP), sent over both transports, plus message
//! IDs and RD variants; the zones are that test's as well, and a signed copy of them.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeMap;

use dns_engine::cookie::{unix_now, CookieSecret, COOKIE_OPTION};
use dns_engine::fast::{self, compiled::Writer};
use dns_engine::server::{respond_full, respond_full_as, respond_into};
use dns_engine::wire::Transport;
use dns_engine::{Catalog, ZoneKey};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::rdata::opt::EdnsOption;
use hickory_proto::rr::RecordType;

use crate::differential::{corpus, EXAMPLE, HOSTED, REVERSE};
use crate::harness::{cookie_of, query, with_edns, zone};

fn catalog() -> Catalog {
    Catalog::from_zones([
        zone("example.com.", EXAMPLE),
        zone("2.0.192.in-addr.arpa.", REVERSE),
        zone("hosted.example.com.", HOSTED),
    ])
}

/// What kind of answer a response is, for the coverage check.
fn kind(response: &Message) -> &'static str {
    let header = &response.metadata;
    match header.response_code {
        ResponseCode::NXDomain => "nxdomain",
        ResponseCode::NoError if !header.authoritative => "referral",
        ResponseCode::NoError if response.answers.is_empty() => "nodata",
        ResponseCode::NoError
            if response
                .answers
                .iter()
                .any(|r| r.record_type() == RecordType::CNAME) =>
        {
            "cname"
        }
        ResponseCode::NoError
            if !response
                .additionals
                .iter()
                .all(|r| r.record_type() == RecordType::OPT) =>
        {
            "answer with additional"
        }
        ResponseCode::NoError => "answer",
        _ => "other",
    }
}

/// Runs every probe through both paths; returns the mismatches and what the fast path took.
fn compare(
    catalog: &Catalog,
    packets: &[(String, Vec<u8>)],
) -> (Vec<String>, BTreeMap<&'static str, usize>) {
    let mut writer = Writer::new();
    let mut mismatches = Vec::new();
    let mut taken: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (label, packet) in packets {
        for transport in [Transport::Udp, Transport::Tcp] {
            let full = respond_full(catalog, packet, transport);
            if fast::respond(catalog, packet, transport, None, &mut writer).is_none() {
                continue;
            }
            let ours = writer.bytes();
            if full.as_deref() != Some(ours) {
                mismatches.push(format!(
                    "=== {label} over {transport:?}\n--- full path:\n{}\n--- fast path:\n{}",
                    full.as_deref().map_or_else(|| "(nothing)".into(), show),
                    show(ours)
                ));
                continue;
            }
            let response = Message::from_vec(ours).unwrap();
            *taken.entry(kind(&response)).or_default() += 1;
        }
    }
    (mismatches, taken)
}

fn show(bytes: &[u8]) -> String {
    match Message::from_vec(bytes) {
        Ok(message) => format!("{message}\n{bytes:02x?}"),
        Err(err) => format!("undecodable ({err}): {bytes:02x?}"),
    }
}

fn packets() -> Vec<(String, Vec<u8>)> {
    let mut packets: Vec<(String, Vec<u8>)> = corpus()
        .iter()
        .map(|probe| (probe.to_string(), probe.message().to_vec().unwrap()))
        .collect();
    // The header bits a response copies or ignores: IDs, RD, and a set CD and AD.
    for (id, rd) in [(0, false), (0xFFFF, true), (0x1234, true)] {
        let mut message = query("www.example.com.", RecordType::A);
        message.metadata.id = id;
        message.metadata.recursion_desired = rd;
        message.metadata.checking_disabled = true;
        message.metadata.authentic_data = true;
        packets.push((format!("id {id} rd {rd}"), message.to_vec().unwrap()));
    }
    // Payload sizes around the limits, with and without DO.
    for payload in [0, 511, 512, 1231, 1232, 1233, 65_535] {
        for dnssec_ok in [false, true] {
            let message = with_edns(
                query("mx-big.example.com.", RecordType::MX),
                0,
                payload,
                dnssec_ok,
            );
            packets.push((
                format!("mx-big payload {payload} do {dnssec_ok}"),
                message.to_vec().unwrap(),
            ));
        }
    }
    packets
}

#[test]
fn the_fast_path_answers_as_the_full_path_does() {
    let catalog = catalog();
    let packets = packets();
    let (mismatches, taken) = compare(&catalog, &packets);
    assert!(
        mismatches.is_empty(),
        "{} responses differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    // It must really answer, and every kind it claims: a fast path that declines everything
    // would pass the comparison above.
    for kind in [
        "answer",
        "answer with additional",
        "cname",
        "nodata",
        "nxdomain",
        "referral",
    ] {
        assert!(
            taken.get(kind).copied().unwrap_or(0) >= 3,
            "the fast path took too few of kind {kind:?}: {taken:?}"
        );
    }
    let total: usize = taken.values().sum();
    println!(
        "the fast path took {total} of {} queries: {taken:?}",
        2 * packets.len()
    );
    assert!(
        total * 2 >= packets.len(),
        "the fast path took only {total} of {} queries: {taken:?}",
        2 * packets.len()
    );
}

#[test]
fn a_signed_zone_is_answered_fast_with_and_without_do() {
    let (key, _) = ZoneKey::generate().unwrap();
    let key = std::sync::Arc::new(key);
    let signed = zone("example.com.", EXAMPLE)
        .signed(key, 1_700_000_000)
        .unwrap();
    let catalog = Catalog::from_zones([signed]);
    let (mismatches, taken) = compare(&catalog, &packets());
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(taken.values().sum::<usize>() > 100, "{taken:?}");
    // Signing adds the DNSKEY RRset at the apex; a client without DO gets it like any data.
    let dnskey = with_edns(query("example.com.", RecordType::DNSKEY), 0, 1232, false);
    let (mismatches, taken) = compare(&catalog, &[("DNSKEY".into(), dnskey.to_vec().unwrap())]);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert_eq!(taken.get("answer"), Some(&2), "{taken:?}");

    // With DO, every question of the corpus again: data at existing names goes out with its
    // stored RRSIG from the fast path, octet for octet as the full path sends it; denials,
    // wildcards and referrals (signed per query, or carrying proofs) are the full path's.
    let with_do: Vec<(String, Vec<u8>)> = corpus()
        .iter()
        .map(|probe| {
            let message = with_edns(probe.message(), 0, 4096, true);
            (format!("{probe} DO"), message.to_vec().unwrap())
        })
        .chain([(
            "DNSKEY DO".into(),
            with_edns(query("example.com.", RecordType::DNSKEY), 0, 1232, true)
                .to_vec()
                .unwrap(),
        )])
        .collect();
    let (mismatches, taken) = compare(&catalog, &with_do);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    println!(
        "with DO the fast path took {taken:?} of {} queries",
        2 * with_do.len()
    );
    // Mutated DO packets: answered alike by both paths, or declined.
    let (mismatches, _) = compare(&catalog, &mutations(&with_do, 5_000));
    let shown: Vec<String> = mismatches.iter().take(5).cloned().collect();
    assert!(mismatches.is_empty(), "{}", shown.join("\n"));
    for kind in ["answer", "answer with additional", "cname"] {
        assert!(
            taken.get(kind).copied().unwrap_or(0) >= 2,
            "{kind}: {taken:?}"
        );
    }
    for kind in ["nodata", "nxdomain", "referral"] {
        assert_eq!(taken.get(kind), None, "{kind} taken with DO: {taken:?}");
    }
    let mut writer = Writer::new();
    let message = with_edns(query("www.example.com.", RecordType::A), 0, 1232, true);
    let packet = message.to_vec().unwrap();
    assert!(respond_into(&catalog, &packet, Transport::Udp, &mut writer).is_some());
    // Answered without allocating, as unsigned answers are.
    ALLOCATIONS.with(|count| count.set(0));
    assert!(fast::respond(&catalog, &packet, Transport::Udp, None, &mut writer).is_some());
    assert_eq!(
        ALLOCATIONS.with(Cell::get),
        0,
        "allocations for a signed answer"
    );
    let response = Message::from_vec(writer.bytes()).unwrap();
    let types: Vec<RecordType> = response.answers.iter().map(|r| r.record_type()).collect();
    assert!(types.contains(&RecordType::RRSIG), "{types:?}");
    assert!(response
        .edns
        .as_ref()
        .is_some_and(|edns| edns.flags().dnssec_ok));
}

thread_local! {
    /// Allocations made by this thread since the count was last reset.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// The system allocator, counting each thread's allocations (a thread-local count, so tests
/// running beside this one do not disturb it).
pub struct Counting;

fn count() {
    let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
}

// SAFETY: every call goes straight to the system allocator with the same arguments; the count
// is a thread-local Cell, which neither allocates nor locks.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[test]
fn answers_of_an_unsigned_zone_allocate_nothing() {
    let catalog = catalog();
    // Answers (with additional addresses), a CNAME chain, NODATA, an empty non-terminal,
    // NXDOMAIN, a referral with glue, a PTR, ANY, wildcard answers (also after a CNAME and
    // as additional addresses); with and without EDNS, and mixed case.
    let questions = [
        ("www.example.com.", RecordType::A),
        ("Www.Example.COM.", RecordType::AAAA),
        ("example.com.", RecordType::MX),
        ("mx-many.example.com.", RecordType::MX),
        ("_sip._tcp.example.com.", RecordType::SRV),
        ("chain.example.com.", RecordType::A),
        ("mail.example.com.", RecordType::SRV),
        ("b.ent.example.com.", RecordType::A),
        ("nope.hosted.example.com.", RecordType::A),
        ("nope.example.com.", RecordType::A),
        ("host.wild.example.com.", RecordType::TXT),
        ("a.b.wild.example.com.", RecordType::A),
        ("to-wild.example.com.", RecordType::A),
        ("mx-wild.example.com.", RecordType::MX),
        ("9.9.2.0.192.in-addr.arpa.", RecordType::PTR),
        ("a.b.sub.example.com.", RecordType::A),
        ("1.2.0.192.in-addr.arpa.", RecordType::PTR),
        ("example.com.", RecordType::ANY),
    ];
    let mut packets = Vec::new();
    for (name, rtype) in questions {
        packets.push(query(name, rtype).to_vec().unwrap());
        packets.push(
            with_edns(query(name, rtype), 0, 1232, false)
                .to_vec()
                .unwrap(),
        );
    }
    let mut writer = Writer::new();
    // Warm-up: whatever is made once (thread-locals of the panic guard, …) is made here.
    for packet in &packets {
        assert!(respond_into(&catalog, packet, Transport::Udp, &mut writer).is_some());
    }
    for packet in &packets {
        let request = Message::from_vec(packet).unwrap();
        ALLOCATIONS.with(|count| count.set(0));
        let answered = respond_into(&catalog, packet, Transport::Udp, &mut writer).is_some();
        let allocations = ALLOCATIONS.with(Cell::get);
        assert!(answered);
        assert!(
            fast::respond(&catalog, packet, Transport::Udp, None, &mut writer).is_some(),
            "not taken by the fast path: {}",
            request.queries[0]
        );
        assert_eq!(allocations, 0, "allocations for {}", request.queries[0]);
    }
}

/// Mutated packets: wherever the fast path still takes one, the full path must agree. This
/// is where a question the fast path reads differently from hickory (a length, a count, an
/// option) would show.
/// `count` packets made from `seeds` by one to three random edits each (bit flips, cuts,
/// insertions, octets that mean something to a parser, appended garbage): deterministic, so
/// a failure replays.
fn mutations(seeds: &[(String, Vec<u8>)], count: usize) -> Vec<(String, Vec<u8>)> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut mutated = Vec::new();
    for _ in 0..count {
        let (label, seed) = &seeds[(next() % seeds.len() as u64) as usize];
        let mut packet = seed.clone();
        for _ in 0..1 + next() % 3 {
            let at = (next() % packet.len().max(1) as u64) as usize;
            match next() % 5 {
                0 => {
                    if let Some(byte) = packet.get_mut(at) {
                        *byte ^= 1 << (next() % 8);
                    }
                }
                1 => packet.truncate(at),
                2 => packet.insert(at.min(packet.len()), next() as u8),
                3 => {
                    if let Some(byte) = packet.get_mut(at) {
                        *byte = [0, 1, 0x3F, 0x40, 0xC0, 0xFF][(next() % 6) as usize];
                    }
                }
                _ => packet.push(next() as u8),
            }
        }
        mutated.push((format!("mutated {label}"), packet));
    }
    mutated
}

#[test]
fn mutated_packets_are_answered_alike_or_declined() {
    let catalog = catalog();
    let mutated = mutations(&packets(), 20_000);
    let (mismatches, taken) = compare(&catalog, &mutated);
    assert!(
        mismatches.is_empty(),
        "{} of the mutated packets differ:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        taken.values().sum::<usize>() > 500,
        "too few taken: {taken:?}"
    );
}

/// DNS Cookies on the fast path: a client cookie alone, a valid server cookie, a stale or
/// forged one — the same octets as the full path's (both made in the same second, since the
/// server cookie holds the time).
#[test]
fn cookies_are_answered_as_the_full_path_answers_them() {
    let catalog = catalog();
    let secret = CookieSecret::from([7; 16]);
    let ip = std::net::IpAddr::from([192, 0, 2, 9]);
    let with_cookie = |cookie: &[u8]| {
        let mut message = with_edns(query("www.example.com.", RecordType::A), 0, 1232, false);
        let edns = message.edns.as_mut().unwrap();
        edns.options_mut()
            .insert(EdnsOption::Unknown(COOKIE_OPTION, cookie.to_vec()));
        message.to_vec().unwrap()
    };
    let client = [1, 2, 3, 4, 5, 6, 7, 8];
    // A valid server cookie: the full path's reply to a client cookie alone.
    let first =
        respond_full_as(&catalog, &with_cookie(&client), Transport::Udp, ip, &secret).unwrap();
    let first = Message::from_vec(&first).unwrap();
    let valid = cookie_of(&first).expect("a server cookie");
    let mut forged = valid.clone();
    forged[12] ^= 0xFF;
    let mut writer = Writer::new();
    for (what, cookie) in [
        ("client cookie", client.to_vec()),
        ("valid", valid),
        ("forged", forged),
    ] {
        let packet = with_cookie(&cookie);
        loop {
            let before = unix_now();
            let full = respond_full_as(&catalog, &packet, Transport::Udp, ip, &secret).unwrap();
            let taken = fast::respond(
                &catalog,
                &packet,
                Transport::Udp,
                Some((&secret, ip)),
                &mut writer,
            );
            if unix_now() != before {
                continue;
            }
            let answered = taken.unwrap_or_else(|| panic!("{what}: not taken"));
            assert_eq!(writer.bytes(), &full[..], "{what}");
            assert_eq!(answered.proven(), what == "valid", "{what}");
            break;
        }
    }
    // A malformed COOKIE option is FORMERR: the full path's.
    assert!(fast::respond(
        &catalog,
        &with_cookie(&[1, 2, 3]),
        Transport::Udp,
        Some((&secret, ip)),
        &mut writer
    )
    .is_none());
}

/// Record types whose data hickory writes from parsed fields (CAA's iodef URL, TXT strings)
/// are compiled too: the fast path answers them.
#[test]
fn caa_iodef_and_txt_are_answered_fast() {
    let catalog = Catalog::from_zones([zone(
        "example.org.",
        r#"
@ 3600 SOA ns1 hostmaster 1 7200 3600 1209600 300
@ 3600 NS ns1
@ 3600 CAA 0 issue "letsencrypt.org"
@ 3600 CAA 0 iodef "mailto:security@example.org"
@ 3600 TXT "v=spf1 -all"
"#,
    )]);
    let mut writer = Writer::new();
    for rtype in [RecordType::CAA, RecordType::TXT] {
        let packet = with_edns(query("example.org.", rtype), 0, 4096, false)
            .to_vec()
            .unwrap();
        let full = respond_full(&catalog, &packet, Transport::Udp).unwrap();
        assert!(
            fast::respond(&catalog, &packet, Transport::Udp, None, &mut writer).is_some(),
            "{rtype} not taken"
        );
        assert_eq!(writer.bytes(), &full[..]);
    }
}

/// Default reverse names and their addresses (`zone::synth`): the fast path answers them
/// as the full path does — a synthesized PTR, NODATA for another type, an empty
/// non-terminal above them, NXDOMAIN outside the range, and the forward address.
#[test]
fn synthesized_names_are_answered_as_the_full_path_answers_them() {
    use dns_engine::zone::synth::{Network, Synth, SynthRule, Template};
    use std::sync::Arc;
    let template =
        Arc::new(Template::parse("static.{ip-reversed}.clients.example.net", true).unwrap());
    let range: Network = "203.0.113.0/26".parse().unwrap();
    let reverse = zone(
        "113.0.203.in-addr.arpa.",
        "@ 3600 SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 300\n\
         @ 3600 NS ns1.example.net.\n\
         5 3600 PTR mail.example.net.\n",
    )
    .with_synth(Synth::new(vec![SynthRule::Ptr {
        range,
        template: template.clone(),
        ttl: 3600,
    }]));
    let forward = zone(
        "example.net.",
        "@ 3600 SOA ns1 hostmaster 1 7200 3600 1209600 300\n\
         @ 3600 NS ns1\n\
         ns1 3600 A 192.0.2.53\n",
    )
    .with_synth(Synth::new(vec![SynthRule::Address {
        template,
        ranges: vec![range],
        ttl: 600,
    }]));
    // An IPv6 /48 zone whose default names cover one /64 of it.
    let template6 = Arc::new(Template::parse("v6-{ip}.clients.example.net", false).unwrap());
    let reverse6 = zone(
        "4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.",
        "@ 3600 SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 300\n\
         @ 3600 NS ns1.example.net.\n\
         1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 3600 PTR gw.example.net.\n",
    )
    .with_synth(Synth::new(vec![SynthRule::Ptr {
        range: "2001:db8:1234:5::/64".parse().unwrap(),
        template: template6,
        ttl: 3600,
    }]));
    let catalog = Catalog::from_zones([reverse, forward, reverse6]);
    let mut packets = Vec::new();
    for (name, rtype) in [
        // In the /64: synthesized; above it: empty non-terminals; outside it: NXDOMAIN.
        (
            "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.0.0.0.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.",
            RecordType::PTR,
        ),
        (
            "0.0.0.5.0.0.0.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.",
            RecordType::PTR,
        ),
        (
            "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.0.0.0.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.",
            RecordType::PTR,
        ),
        (
            "f.f.f.f.6.0.0.0.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.",
            RecordType::PTR,
        ),
        (
            "x.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.",
            RecordType::PTR,
        ),
        ("7.113.0.203.in-addr.arpa.", RecordType::PTR),
        ("7.113.0.203.IN-ADDR.arpa.", RecordType::PTR),
        ("7.113.0.203.in-addr.arpa.", RecordType::A),
        ("7.113.0.203.in-addr.arpa.", RecordType::ANY),
        ("5.113.0.203.in-addr.arpa.", RecordType::PTR),
        ("64.113.0.203.in-addr.arpa.", RecordType::PTR),
        ("static.7.113.0.203.clients.example.net.", RecordType::A),
        ("static.7.113.0.203.clients.example.net.", RecordType::AAAA),
        ("113.0.203.clients.example.net.", RecordType::A),
        ("static.99.113.0.203.clients.example.net.", RecordType::A),
    ] {
        for edns in [false, true] {
            let message = query(name, rtype);
            let message = if edns {
                with_edns(message, 0, 1232, false)
            } else {
                message
            };
            packets.push((
                format!("{name} {rtype} edns {edns}"),
                message.to_vec().unwrap(),
            ));
        }
    }
    let (mismatches, taken) = compare(&catalog, &packets);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(taken.values().sum::<usize>() >= 46, "{taken:?}");
    // A name outside every range of a reverse zone is NXDOMAIN without a name being built.
    let mut writer = Writer::new();
    for name in [
        "64.113.0.203.in-addr.arpa.",
        "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.0.0.0.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.",
    ] {
        let packet = query(name, RecordType::PTR).to_vec().unwrap();
        assert!(respond_into(&catalog, &packet, Transport::Udp, &mut writer).is_some());
        ALLOCATIONS.with(|count| count.set(0));
        assert!(fast::respond(&catalog, &packet, Transport::Udp, None, &mut writer).is_some());
        assert_eq!(ALLOCATIONS.with(Cell::get), 0, "allocations for {name}");
        assert_eq!(writer.bytes()[3] & 0x0F, 3, "NXDOMAIN for {name}");
    }
    // Default PTRs, and the empty non-terminals above them, of a reverse zone are answered
    // without allocating too: the target is written from the template. (The forward zone's
    // addresses of default names still build hickory names.)
    for (name, rtype, rcode, answers) in [
        ("7.113.0.203.in-addr.arpa.", RecordType::PTR, 0, 1),
        ("7.113.0.203.in-addr.arpa.", RecordType::ANY, 0, 1),
        ("7.113.0.203.in-addr.arpa.", RecordType::A, 0, 0),
        (
            "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.0.0.0.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.",
            RecordType::PTR,
            0,
            1,
        ),
        (
            "0.0.0.5.0.0.0.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.",
            RecordType::PTR,
            0,
            0,
        ),
    ] {
        let packet = query(name, rtype).to_vec().unwrap();
        assert!(respond_into(&catalog, &packet, Transport::Udp, &mut writer).is_some());
        ALLOCATIONS.with(|count| count.set(0));
        assert!(fast::respond(&catalog, &packet, Transport::Udp, None, &mut writer).is_some());
        assert_eq!(
            ALLOCATIONS.with(Cell::get),
            0,
            "allocations for {name} {rtype}"
        );
        let bytes = writer.bytes();
        assert_eq!(bytes[3] & 0x0F, rcode, "RCODE for {name} {rtype}");
        assert_eq!(
            u16::from_be_bytes([bytes[6], bytes[7]]),
            answers,
            "answers for {name} {rtype}"
        );
    }
}
