//! DNSSEC (RFC 4033–4035) with compact denial of existence (RFC 9824): a signed zone served by
//! the engine validates in a real validating resolver — Debian's unbound, started here on a
//! loopback port with the zone's key as its trust anchor — and a zone signed with another key
//! does not. Referrals and truncation are checked on the engine's own responses, their
//! signatures verified with hickory.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket as StdUdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dns_engine::zone::synth::{Network, Synth, SynthRule, Template};
use dns_engine::{Zone, ZoneKey};
use hickory_proto::dnssec::rdata::{DNSSECRData, DNSKEY, RRSIG};
use hickory_proto::dnssec::Verifier;
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use crate::harness::{query, serve, udp_exchange_within, udp_query, with_edns, zone, TcpClient};

/// How long unbound may take to start, and to answer one question (it may have to fetch keys,
/// DS records and denial proofs from the engine first).
const RESOLVER_WAIT: Duration = Duration::from_secs(10);

const UNBOUND: &str = "/usr/sbin/unbound";

/// The parent zone: positive data, a wildcard, an empty non-terminal (`b`), a CNAME, a DNAME, a
/// secure delegation (the child is signed and hosted here too; the DS is added per test run
/// since it names the child's fresh key) and an insecure one with glue.
const PARENT: &str = "
@              3600 SOA   ns1 hostmaster 1 7200 3600 1209600 300
@              3600 NS    ns1
@              3600 A     192.0.2.10
ns1            3600 A     127.0.0.1
www            300  A     192.0.2.1
www            300  A     192.0.2.2
mail           300  MX    10 www
*.wild         300  A     192.0.2.99
a.b            300  TXT   \"below an empty non-terminal\"
alias          300  CNAME www
moved          300  DNAME example.com.
secure         3600 NS    ns1
insecure       3600 NS    ns.insecure
ns.insecure    3600 A     127.0.0.1
";

/// The signed child of a secure delegation.
const SECURE_CHILD: &str = "
@              3600 SOA   ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
@              3600 NS    ns1.example.com.
www            300  A     192.0.2.20
";

/// The unsigned child of an insecure delegation.
const INSECURE_CHILD: &str = "
@              3600 SOA   ns.insecure.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
@              3600 NS    ns.insecure.example.com.
ns             3600 A     127.0.0.1
www            300  A     192.0.2.30
";

/// Another zone, signed with a key its trust anchor does not name.
const OTHER: &str = "
@              3600 SOA   ns1 hostmaster 1 7200 3600 1209600 300
@              3600 NS    ns1
ns1            3600 A     127.0.0.1
www            300  A     192.0.2.40
";

pub fn now() -> u32 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    u32::try_from(secs).unwrap()
}

fn name(text: &str) -> Name {
    Name::from_ascii(text).unwrap()
}

/// `text` as the parent zone with a DS for `child_key` at `secure`, signed with `key`.
fn parent(key: &Arc<ZoneKey>, child_key: &ZoneKey) -> Zone {
    let ds = child_key.ds_rdata(&name("secure.example.com."), 2).unwrap();
    let text = format!("{PARENT}\nsecure 3600 DS {ds}\n");
    // Default names for 192.0.2.0/24 under dyn.example.com, synthesized per query.
    let template = Template::parse("host-{a}-{b}-{c}-{d}.dyn.example.com.", true).unwrap();
    let synth = Synth::new(vec![SynthRule::Address {
        template: Arc::new(template),
        ranges: vec![Network::new([192, 0, 2, 0].into(), 24).unwrap()],
        ttl: 300,
    }]);
    zone("example.com.", &text)
        .with_synth(synth)
        .signed(Arc::clone(key), now())
        .unwrap()
}

/// A free loopback port for UDP and TCP (free when asked; unbound binds it right after).
fn free_port() -> u16 {
    loop {
        let udp = StdUdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
}

/// A validating unbound in the foreground, killed (and its directory removed) when dropped.
struct Unbound {
    addr: SocketAddr,
    dir: PathBuf,
    child: Child,
}

/// A zone unbound sends to the engine, trusting `anchor` (a DNSKEY's presentation data) for it.
struct Stub<'a> {
    zone: &'a str,
    anchor: String,
}

impl Unbound {
    async fn start(engine: SocketAddr, stubs: &[Stub<'_>]) -> Self {
        assert!(
            Path::new(UNBOUND).exists(),
            "{UNBOUND} is missing: the DNSSEC tests need Debian's unbound (apt-get install unbound) \
             as the validating resolver; they are not skipped without it"
        );
        static RUN: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "zonekeeper-unbound-{}-{}",
            std::process::id(),
            RUN.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let mut config = format!(
            "server:
    interface: 127.0.0.1
    port: {port}
    do-ip6: no
    do-daemonize: no
    use-syslog: no
    logfile: \"{log}\"
    verbosity: 1
    chroot: \"\"
    username: \"\"
    directory: \"{dir}\"
    pidfile: \"\"
    num-threads: 1
    outgoing-range: 64
    do-not-query-localhost: no
    module-config: \"validator iterator\"
    val-log-level: 2
    harden-referral-path: no
    qname-minimisation: no
    aggressive-nsec: no
    prefetch: no
    access-control: 127.0.0.0/8 allow
",
            log = dir.join("unbound.log").display(),
            dir = dir.display(),
        );
        for stub in stubs {
            writeln!(
                config,
                "    trust-anchor: \"{} DNSKEY {}\"",
                stub.zone, stub.anchor
            )
            .unwrap();
        }
        for stub in stubs {
            write!(
                config,
                "stub-zone:\n    name: \"{}\"\n    stub-addr: {}@{}\n",
                stub.zone,
                engine.ip(),
                engine.port()
            )
            .unwrap();
        }
        config.push_str("remote-control:\n    control-enable: no\n");
        let conf = dir.join("unbound.conf");
        std::fs::write(&conf, &config).unwrap();
        let child = Command::new(UNBOUND)
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {UNBOUND}: {err}"));
        let mut unbound = Self {
            addr: (Ipv4Addr::LOCALHOST, port).into(),
            dir,
            child,
        };
        unbound.wait_until_up().await;
        unbound
    }

    /// Polls with a question unbound answers itself (`id.server CH TXT`) until it does.
    async fn wait_until_up(&mut self) {
        let mut probe = query("id.server.", RecordType::TXT);
        probe.queries[0].set_query_class(DNSClass::CH);
        let probe = probe.to_vec().unwrap();
        let deadline = Instant::now() + RESOLVER_WAIT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("unbound exited ({status}) at start:\n{}", self.log());
            }
            if udp_exchange_within(self.addr, &probe, Duration::from_millis(200))
                .await
                .is_some()
            {
                return;
            }
        }
        panic!(
            "unbound did not answer within {RESOLVER_WAIT:?}:\n{}",
            self.log()
        );
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("unbound.log")).unwrap_or_default()
    }

    /// Asks unbound (RD and DO set) and returns its answer, which must come in time. Like a
    /// stub resolver, it asks again every 2 s until then: a busy machine (the test suite
    /// runs in parallel) once kept a single query unanswered past the deadline.
    async fn resolve(&self, qname: &str, qtype: RecordType) -> Message {
        let request = with_edns(query(qname, qtype), 0, 1232, true)
            .to_vec()
            .unwrap();
        let deadline = Instant::now() + RESOLVER_WAIT;
        while Instant::now() < deadline {
            let wait = (deadline - Instant::now()).min(Duration::from_secs(2));
            if let Some(reply) = udp_exchange_within(self.addr, &request, wait).await {
                return Message::from_vec(&reply).unwrap();
            }
        }
        panic!("unbound did not answer {qname} {qtype}:\n{}", self.log());
    }

    /// Resolves and checks the RCODE and the AD bit (RFC 4035 §3.2.3: set only when every
    /// RRset of the answer and authority sections validated).
    async fn expect(
        &self,
        qname: &str,
        qtype: RecordType,
        rcode: ResponseCode,
        ad: bool,
    ) -> Message {
        let response = self.resolve(qname, qtype).await;
        let what = format!("{qname} {qtype}");
        assert_eq!(
            (
                response.metadata.response_code,
                response.metadata.authentic_data
            ),
            (rcode, ad),
            "{what}: (rcode, AD); response:\n{response}\nunbound log:\n{}",
            self.log()
        );
        response
    }
}

impl Drop for Unbound {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn types(records: &[Record]) -> Vec<RecordType> {
    records.iter().map(Record::record_type).collect()
}

#[tokio::test]
async fn a_validating_resolver_authenticates_the_signed_zone() {
    let (key, _) = ZoneKey::generate().unwrap();
    let key = Arc::new(key);
    let (child_key, _) = ZoneKey::generate().unwrap();
    let child_key = Arc::new(child_key);
    let zones = vec![
        parent(&key, &child_key),
        zone("secure.example.com.", SECURE_CHILD)
            .signed(Arc::clone(&child_key), now())
            .unwrap(),
        zone("insecure.example.com.", INSECURE_CHILD),
    ];
    let server = serve(zones).await;
    let unbound = Unbound::start(
        server.addr,
        &[Stub {
            zone: "example.com.",
            anchor: key.dnskey_rdata(),
        }],
    )
    .await;
    use hickory_proto::op::ResponseCode::NoError;
    use RecordType::{A, AAAA, DNSKEY as DNSKEY_TYPE, MX, TXT};

    let www = unbound.expect("www.example.com.", A, NoError, true).await;
    assert_eq!(
        www.answers.iter().filter(|r| r.record_type() == A).count(),
        2
    );
    unbound
        .expect("example.com.", DNSKEY_TYPE, NoError, true)
        .await;
    unbound.expect("example.com.", A, NoError, true).await;
    unbound.expect("mail.example.com.", MX, NoError, true).await;
    // A wildcard expansion, signed as if the name existed.
    let wild = unbound
        .expect("anything.wild.example.com.", A, NoError, true)
        .await;
    assert!(wild
        .answers
        .iter()
        .any(|r| r.name == name("anything.wild.example.com.")));
    // A synthesized default name.
    unbound
        .expect("host-192-0-2-7.dyn.example.com.", A, NoError, true)
        .await;
    // RFC 9824: a name that does not exist is NOERROR (with the NXNAME NSEC), authenticated.
    let missing = unbound.expect("nope.example.com.", A, NoError, true).await;
    assert!(missing.answers.is_empty());
    unbound
        .expect("deeper.nope.example.com.", TXT, NoError, true)
        .await;
    // NODATA, at a name with data and at an empty non-terminal.
    unbound
        .expect("www.example.com.", AAAA, NoError, true)
        .await;
    unbound.expect("b.example.com.", A, NoError, true).await;
    unbound
        .expect("anything.wild.example.com.", TXT, NoError, true)
        .await;
    // A CNAME and its target.
    let alias = unbound.expect("alias.example.com.", A, NoError, true).await;
    assert!(types(&alias.answers).contains(&RecordType::CNAME));
    // RFC 6672 §5.3.1: a DNAME, signed, and the CNAME synthesized from it, not signed, which
    // the validator derives from the DNAME; and a redirection to a name that does not exist.
    let moved = unbound
        .expect("www.moved.example.com.", A, NoError, true)
        .await;
    assert!(types(&moved.answers).contains(&RecordType::DNAME));
    assert!(types(&moved.answers).contains(&A));
    unbound
        .expect("nope.moved.example.com.", A, NoError, true)
        .await;
    // A secure delegation: the child's answer validates through the parent's signed DS.
    unbound
        .expect("www.secure.example.com.", A, NoError, true)
        .await;
    unbound
        .expect("secure.example.com.", RecordType::DS, NoError, true)
        .await;
    // An insecure one: the parent's signed NSEC proves there is no DS, so the unsigned child's
    // answer is accepted (NOERROR), just not authenticated. Without that proof it is bogus.
    unbound
        .expect("www.insecure.example.com.", A, NoError, false)
        .await;
    unbound
        .expect("insecure.example.com.", RecordType::DS, NoError, true)
        .await;

    drop(unbound);
    server.stop().await;
}

#[tokio::test]
async fn a_zone_signed_with_another_key_fails_validation() {
    let (anchor, _) = ZoneKey::generate().unwrap();
    let (other, _) = ZoneKey::generate().unwrap();
    let server = serve(vec![zone("example.net.", OTHER)
        .signed(Arc::new(other), now())
        .unwrap()])
    .await;
    let unbound = Unbound::start(
        server.addr,
        &[Stub {
            zone: "example.net.",
            anchor: anchor.dnskey_rdata(),
        }],
    )
    .await;
    unbound
        .expect(
            "www.example.net.",
            RecordType::A,
            ResponseCode::ServFail,
            false,
        )
        .await;
    drop(unbound);
    server.stop().await;
}

/// The RRSIG data of `record`.
fn rrsig(record: &Record) -> &RRSIG {
    match &record.data {
        RData::DNSSEC(DNSSECRData::RRSIG(rrsig)) => rrsig,
        other => panic!("not an RRSIG: {other}"),
    }
}

/// Checks that `records` holds `rtype` at `owner`, with an RRSIG that `key` verifies.
pub fn assert_signed(key: &DNSKEY, records: &[Record], owner: &str, rtype: RecordType) {
    let owner = name(owner);
    let rrset: Vec<Record> = records
        .iter()
        .filter(|r| r.record_type() == rtype && r.name == owner)
        .cloned()
        .collect();
    assert!(!rrset.is_empty(), "no {owner} {rtype} in {records:?}");
    let sig = records
        .iter()
        .filter(|r| r.record_type() == RecordType::RRSIG && r.name == owner)
        .map(rrsig)
        .find(|sig| sig.input().type_covered == rtype)
        .unwrap_or_else(|| panic!("no RRSIG over {owner} {rtype}"));
    key.verify_rrsig(&owner, DNSClass::IN, sig, rrset.iter())
        .unwrap_or_else(|err| panic!("{owner} {rtype}: {err}"));
}

#[tokio::test]
async fn referrals_carry_the_signed_ds_or_the_nsec_denying_it() {
    let (key, _) = ZoneKey::generate().unwrap();
    let key = Arc::new(key);
    let (child_key, _) = ZoneKey::generate().unwrap();
    let dnskey = key.dnskey().clone();
    // Only the parent is hosted: questions below its cuts get referrals.
    let server = serve(vec![parent(&key, &child_key)]).await;
    let ask = |qname: &str, qtype| with_edns(query(qname, qtype), 0, 1232, true);

    let response = udp_query(server.addr, &ask("www.secure.example.com.", RecordType::A)).await;
    assert_eq!(response.metadata.response_code, ResponseCode::NoError);
    assert!(!response.metadata.authoritative);
    assert_signed(
        &dnskey,
        &response.authorities,
        "secure.example.com.",
        RecordType::DS,
    );
    // RFC 4035 §2.2: the parent does not sign the child's NS.
    assert!(!response
        .authorities
        .iter()
        .any(|r| r.record_type() == RecordType::RRSIG
            && rrsig(r).input().type_covered == RecordType::NS));

    let response = udp_query(
        server.addr,
        &ask("www.insecure.example.com.", RecordType::A),
    )
    .await;
    assert!(!response.metadata.authoritative);
    assert_signed(
        &dnskey,
        &response.authorities,
        "insecure.example.com.",
        RecordType::NSEC,
    );
    let nsec = response
        .authorities
        .iter()
        .find_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::NSEC(nsec)) => Some(nsec.clone()),
            _ => None,
        })
        .unwrap();
    let mut bitmap: Vec<RecordType> = nsec.type_bit_maps().collect();
    bitmap.sort();
    assert_eq!(
        bitmap,
        [RecordType::NS, RecordType::RRSIG, RecordType::NSEC]
    );
    // Glue is additional data the zone does not sign.
    assert_eq!(types(&response.additionals), [RecordType::A]);

    // Without DO, the referral is as it always was.
    let plain = udp_query(
        server.addr,
        &query("www.insecure.example.com.", RecordType::A),
    )
    .await;
    assert_eq!(types(&plain.authorities), [RecordType::NS]);
    server.stop().await;
}

#[tokio::test]
async fn answers_verify_and_clients_without_do_see_no_dnssec_records() {
    let (key, _) = ZoneKey::generate().unwrap();
    let key = Arc::new(key);
    let (child_key, _) = ZoneKey::generate().unwrap();
    let dnskey = key.dnskey().clone();
    let server = serve(vec![parent(&key, &child_key)]).await;
    let signed = |qname: &str, qtype| with_edns(query(qname, qtype), 0, 1232, true);

    let response = udp_query(server.addr, &signed("WWW.example.com.", RecordType::A)).await;
    assert_signed(
        &dnskey,
        &response.answers,
        "www.example.com.",
        RecordType::A,
    );
    let response = udp_query(server.addr, &signed("mail.example.com.", RecordType::MX)).await;
    assert_signed(
        &dnskey,
        &response.answers,
        "mail.example.com.",
        RecordType::MX,
    );
    assert_signed(
        &dnskey,
        &response.additionals,
        "www.example.com.",
        RecordType::A,
    );
    let response = udp_query(server.addr, &signed("x.wild.example.com.", RecordType::A)).await;
    assert_signed(
        &dnskey,
        &response.answers,
        "x.wild.example.com.",
        RecordType::A,
    );
    let response = udp_query(server.addr, &signed("nope.example.com.", RecordType::A)).await;
    assert_eq!(response.metadata.response_code, ResponseCode::NoError);
    assert_signed(
        &dnskey,
        &response.authorities,
        "example.com.",
        RecordType::SOA,
    );
    assert_signed(
        &dnskey,
        &response.authorities,
        "nope.example.com.",
        RecordType::NSEC,
    );

    // The same questions without DO (or without EDNS): no DNSSEC records, NXDOMAIN as before.
    for request in [
        query("nope.example.com.", RecordType::A),
        with_edns(query("nope.example.com.", RecordType::A), 0, 1232, false),
    ] {
        let response = udp_query(server.addr, &request).await;
        assert_eq!(response.metadata.response_code, ResponseCode::NXDomain);
        assert_eq!(types(&response.authorities), [RecordType::SOA]);
    }
    for (qname, qtype) in [
        ("www.example.com.", RecordType::A),
        ("x.wild.example.com.", RecordType::A),
        ("www.example.com.", RecordType::AAAA),
    ] {
        let response = udp_query(server.addr, &query(qname, qtype)).await;
        let all = [&response.answers[..], &response.authorities[..]].concat();
        assert!(
            !all.iter().any(|r| matches!(r.data, RData::DNSSEC(_))),
            "{qname} {qtype}: {all:?}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn signed_answers_too_big_for_udp_are_truncated_whole() {
    let (key, _) = ZoneKey::generate().unwrap();
    let mut text = String::from(
        "@ 3600 SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 3600 NS ns1\nns1 3600 A 127.0.0.1\n",
    );
    // Twelve TXT records and their signature: more than 512 bytes, less than 1232.
    for i in 0..12 {
        writeln!(
            text,
            "big 300 TXT \"record {i:02} padding padding padding pad\""
        )
        .unwrap();
    }
    let zone = zone("example.org.", &text)
        .signed(Arc::new(key), now())
        .unwrap();
    let server = serve(vec![zone]).await;
    let request = with_edns(query("big.example.org.", RecordType::TXT), 0, 512, true);
    let response = udp_query(server.addr, &request).await;
    assert!(response.metadata.truncation);
    assert!(response.answers.is_empty() && response.authorities.is_empty());
    // Over TCP the whole signed RRset comes.
    let mut tcp = TcpClient::connect(server.addr).await;
    let response = tcp.query(&request).await;
    assert!(!response.metadata.truncation);
    assert_eq!(response.answers.len(), 13);
    server.stop().await;
}

/// The cost of signing, in figures (not a pass/fail test): building the signed snapshot of a
/// zone with 50,000 A RRsets, and answering from it with DO set — precomputed signatures for
/// data, one ECDSA signature per query for compact denial.
/// `cargo test -p dns-engine --release --test engine bench_signing -- --ignored --nocapture`
#[test]
#[ignore = "benchmark: prints figures"]
fn bench_signing() {
    use dns_engine::catalog::Catalog;
    use dns_engine::lookup::lookup_dnssec;
    use hickory_proto::op::Query;

    const NAMES: usize = 50_000;
    let mut text =
        String::from("@ 3600 SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 3600 NS ns1\n");
    for i in 0..NAMES {
        writeln!(text, "h{i} 300 A 192.0.2.{}", i % 250 + 1).unwrap();
    }
    let unsigned = zone("bench.example.", &text);
    let (key, _) = ZoneKey::generate().unwrap();
    let key = Arc::new(key);
    let started = Instant::now();
    let signed = unsigned.clone().signed(Arc::clone(&key), now()).unwrap();
    let sign_time = started.elapsed();
    println!(
        "signing {NAMES} RRsets (+ apex): {sign_time:.2?} = {:.1} µs per RRset",
        sign_time.as_secs_f64() * 1e6 / NAMES as f64
    );

    let plain = Catalog::from_zones([unsigned]);
    let secure = Catalog::from_zones([signed]);
    let queries = 20_000;
    let run = |catalog: &Catalog, prefix: &str, dnssec_ok: bool| {
        let started = Instant::now();
        for i in 0..queries {
            let q = Query::query(
                name(&format!("{prefix}{}.bench.example.", i % NAMES)),
                RecordType::A,
            );
            std::hint::black_box(lookup_dnssec(catalog, &q, dnssec_ok));
        }
        queries as f64 / started.elapsed().as_secs_f64()
    };
    println!("lookups per second on one core (lookup only, no wire encoding):");
    println!(
        "  existing name, unsigned zone:        {:>9.0}",
        run(&plain, "h", false)
    );
    println!(
        "  existing name, signed zone, DO:      {:>9.0}",
        run(&secure, "h", true)
    );
    println!(
        "  missing name, unsigned zone:         {:>9.0}",
        run(&plain, "nx", false)
    );
    println!(
        "  missing name, signed zone, DO:       {:>9.0}",
        run(&secure, "nx", true)
    );

    // Whole responses, as a UDP worker makes them (`respond_into`: the fast path where it
    // answers, else parse, lookup and encode): the packets are made first, so only the
    // answering is timed.
    use dns_engine::fast::compiled::Writer;
    use dns_engine::server::respond_into;
    use dns_engine::wire::Transport;
    let packets = |prefix: &str, dnssec_ok: bool| -> Vec<Vec<u8>> {
        (0..queries)
            .map(|i| {
                let name = format!("{prefix}{}.bench.example.", i % NAMES);
                with_edns(query(&name, RecordType::A), 0, 1232, dnssec_ok)
                    .to_vec()
                    .unwrap()
            })
            .collect()
    };
    let respond = |catalog: &Catalog, packets: &[Vec<u8>]| {
        let mut writer = Writer::new();
        let started = Instant::now();
        for round in 0..5 {
            for packet in packets {
                std::hint::black_box(respond_into(catalog, packet, Transport::Udp, &mut writer));
            }
            let _ = round;
        }
        (5 * packets.len()) as f64 / started.elapsed().as_secs_f64()
    };
    let plain_answers = respond(&plain, &packets("h", false));
    let signed_answers = respond(&secure, &packets("h", true));
    println!("responses per second on one core (respond_into, as the UDP workers answer):");
    println!("  existing name, unsigned zone:        {plain_answers:>9.0}");
    println!(
        "  existing name, signed zone, DO:      {signed_answers:>9.0} ({:.0} % of unsigned)",
        100.0 * signed_answers / plain_answers
    );
    println!(
        "  missing name, unsigned zone:         {:>9.0}",
        respond(&plain, &packets("nx", false))
    );
    println!(
        "  missing name, signed zone, DO:       {:>9.0} (compact denial, signed per query)",
        respond(&secure, &packets("nx", true))
    );
}
