//! The live DS check against a child zone that Knot signs: the DS that Knot's `keymgr` gives
//! for the KSK is valid (SHA-256 and SHA-384), and every way a DS can be wrong — a changed
//! digest, the ZSK's tag, an unknown tag, another algorithm, an unsigned or tampered DNSKEY
//! RRset, an expired signature, no server answering — is told apart, within the time bound.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hickory_proto::dnssec::rdata::{DNSSECRData, RRSIG};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use zonekeeper::resolver::Resolver;
use zonekeeper::service::dscheck::{
    check, check_all, ds_from_dnskey, fetch_keys, CheckState, DsData, KeySet,
};

use crate::knot::{free_port, SignedChild};

const ZONE: &str = "child.parent.test.";

/// The child zone: a delegation below it too, for the referral case of `ns_names`.
const ZONE_TEXT: &str = "\
@        3600 SOA ns1 hostmaster 1 7200 3600 1209600 300
@        3600 NS  ns1
@        3600 NS  ns2.elsewhere.test.
ns1      3600 A   127.0.0.1
www       300 A   192.0.2.1
sub      3600 NS  ns.sub
ns.sub   3600 A   192.0.2.53
";

const TIMEOUT: Duration = Duration::from_secs(2);

fn zone() -> Name {
    Name::from_ascii(ZONE).unwrap()
}

fn now() -> u32 {
    u32::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// `29721 13 2 72931244…` → DsData.
fn parse_ds(rdata: &str) -> DsData {
    let f: Vec<&str> = rdata.split_whitespace().collect();
    assert_eq!(f.len(), 4, "DS RDATA: {rdata}");
    let hex = f[3];
    DsData {
        key_tag: f[0].parse().unwrap(),
        algorithm: f[1].parse().unwrap(),
        digest_type: f[2].parse().unwrap(),
        digest: (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect(),
    }
}

#[tokio::test]
async fn keymgr_ds_is_valid_and_a_changed_digest_is_not() {
    let knot = SignedChild::start(ZONE, ZONE_TEXT);
    let sha256 = parse_ds(&knot.ksk_ds(2));
    let sha384 = parse_ds(&knot.ksk_ds(4));
    assert_eq!(sha256.digest.len(), 32);
    assert_eq!(sha384.digest.len(), 48);
    let mut changed = sha256.clone();
    changed.digest[7] ^= 0x01;

    let results = check_all(
        &zone(),
        &[sha256.clone(), sha384.clone(), changed],
        &[knot.addr()],
        TIMEOUT,
        now(),
    )
    .await;
    assert_eq!(results[0].state, CheckState::Valid, "{}", results[0].reason);
    assert_eq!(results[1].state, CheckState::Valid, "{}", results[1].reason);
    let tag = sha256.key_tag.to_string();
    assert!(results[0].reason.contains(&tag), "{}", results[0].reason);
    assert!(
        results[0].reason.contains("SHA-256"),
        "{}",
        results[0].reason
    );
    assert!(
        results[1].reason.contains("SHA-384"),
        "{}",
        results[1].reason
    );
    let mismatch = &results[2];
    assert_eq!(mismatch.state, CheckState::Mismatch, "{}", mismatch.reason);
    assert!(mismatch.reason.contains(&tag), "{}", mismatch.reason);
    assert!(
        mismatch.reason.contains(&knot.addr().to_string()),
        "names the server: {}",
        mismatch.reason
    );
    let hex = |d: &[u8]| d.iter().map(|b| format!("{b:02X}")).collect::<String>();
    assert!(
        mismatch.reason.contains(&hex(&sha256.digest)),
        "names the real digest: {}",
        mismatch.reason
    );

    // The first server is down: the next one is asked.
    let down = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
    let results = check_all(&zone(), &[sha256], &[down, knot.addr()], TIMEOUT, now()).await;
    assert_eq!(results[0].state, CheckState::Valid, "{}", results[0].reason);
}

#[tokio::test]
async fn no_key_cases_say_why() {
    let knot = SignedChild::start(ZONE, ZONE_TEXT);
    let ksk = parse_ds(&knot.ksk_ds(2));
    let zsk_tag = knot.zsk_tag();
    assert_ne!(zsk_tag, ksk.key_tag);
    let keys = fetch_keys(&zone(), &[knot.addr()], TIMEOUT).await.unwrap();
    assert_eq!(keys.server(), knot.addr());

    // The ZSK (flags 256) is served, but a DS must point to a SEP key.
    let zsk = DsData {
        key_tag: zsk_tag,
        ..ksk.clone()
    };
    let result = check(&zone(), &zsk, &keys, now());
    assert_eq!(result.state, CheckState::NoKey, "{}", result.reason);
    assert!(result.reason.contains("not a SEP key"), "{}", result.reason);
    assert!(
        result.reason.contains(&zsk_tag.to_string()),
        "{}",
        result.reason
    );

    // No key has this tag.
    let unknown_tag = (0..=u16::MAX)
        .find(|t| *t != zsk_tag && *t != ksk.key_tag)
        .unwrap();
    let unknown = DsData {
        key_tag: unknown_tag,
        ..ksk.clone()
    };
    let result = check(&zone(), &unknown, &keys, now());
    assert_eq!(result.state, CheckState::NoKey, "{}", result.reason);
    assert!(
        result.reason.contains(&ksk.key_tag.to_string()),
        "lists the key-signing keys there are: {}",
        result.reason
    );

    // The KSK's tag, but another algorithm.
    let rsa = DsData {
        algorithm: 8,
        ..ksk.clone()
    };
    let result = check(&zone(), &rsa, &keys, now());
    assert_eq!(result.state, CheckState::NoKey, "{}", result.reason);
    assert!(result.reason.contains("algorithm 13"), "{}", result.reason);
}

#[tokio::test]
async fn the_dnskey_rrset_must_be_signed_by_the_key() {
    let knot = SignedChild::start(ZONE, ZONE_TEXT);
    let ds = parse_ds(&knot.ksk_ds(2));
    let keys = fetch_keys(&zone(), &[knot.addr()], TIMEOUT).await.unwrap();
    assert_eq!(check(&zone(), &ds, &keys, now()).state, CheckState::Valid);
    let records: Vec<Record> = keys.records().cloned().collect();
    let is_sig = |r: &Record| r.record_type() == RecordType::RRSIG;
    let sig: RRSIG = records
        .iter()
        .find_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::RRSIG(s)) => Some(s.clone()),
            _ => None,
        })
        .unwrap();
    let not_valid = |keys: &KeySet, now: u32, expected: &str| {
        let result = check(&zone(), &ds, keys, now);
        assert_eq!(result.state, CheckState::Mismatch, "{}", result.reason);
        assert!(result.reason.contains(expected), "{}", result.reason);
    };

    // Without the RRSIG.
    let unsigned = KeySet::from_records(
        &zone(),
        knot.addr(),
        records.iter().filter(|r| !is_sig(r)).cloned(),
    );
    not_valid(
        &unsigned,
        now(),
        &format!("the DNSKEY RRset is not signed by key {}", ds.key_tag),
    );

    // A signature with one bit flipped.
    let mut bytes = sig.sig().to_vec();
    bytes[10] ^= 0x04;
    let forged = Record::from_rdata(
        zone(),
        3600,
        RData::DNSSEC(DNSSECRData::RRSIG(RRSIG::from_sig(
            sig.input().clone(),
            bytes,
        ))),
    );
    let tampered = KeySet::from_records(
        &zone(),
        knot.addr(),
        records
            .iter()
            .filter(|r| !is_sig(r))
            .cloned()
            .chain([forged]),
    );
    not_valid(&tampered, now(), "not signed by key");

    // The RRSIG is genuine, but the RRset it covers is not the one signed (the ZSK dropped).
    let partial = KeySet::from_records(
        &zone(),
        knot.addr(),
        records
            .iter()
            .filter(|r| match &r.data {
                RData::DNSSEC(DNSSECRData::DNSKEY(k)) => k.secure_entry_point(),
                _ => true,
            })
            .cloned(),
    );
    not_valid(&partial, now(), "not signed by key");

    // Outside the signature's validity period.
    let expiration = sig.input().sig_expiration.get();
    let inception = sig.input().sig_inception.get();
    not_valid(&keys, expiration + 1, "expired");
    not_valid(&keys, inception - 1, "not valid before");
}

#[tokio::test]
async fn ds_from_the_served_dnskey_equals_keymgr() {
    let knot = SignedChild::start(ZONE, ZONE_TEXT);
    let line = knot.ksk_dnskey();
    for digest_type in [2, 4] {
        let ours = ds_from_dnskey(&zone(), &line, digest_type).unwrap();
        assert_eq!(ours, parse_ds(&knot.ksk_ds(digest_type)), "{line}");
        // The RDATA alone, the base64 split in two.
        let rdata: Vec<&str> = line.split_whitespace().skip(4).collect();
        let key = rdata[3];
        let split = format!(
            "{} {} {} {} {}",
            rdata[0],
            rdata[1],
            rdata[2],
            &key[..20],
            &key[20..]
        );
        assert_eq!(ds_from_dnskey(&zone(), &split, digest_type).unwrap(), ours);
    }

    let zsk = knot.zsk_dnskey();
    let err = ds_from_dnskey(&zone(), &zsk, 2).unwrap_err();
    assert!(err.contains("flags 256"), "{err}");

    let garbage = format!("{ZONE} 3600 IN DNSKEY 257 3 13 not*base64!");
    let err = ds_from_dnskey(&zone(), &garbage, 2).unwrap_err();
    assert!(err.contains("not valid base64"), "{err}");

    let wrong_owner = line.replacen(ZONE, "shop.parent.test.", 1);
    let err = ds_from_dnskey(&zone(), &wrong_owner, 2).unwrap_err();
    assert!(
        err.contains("the DNSKEY's owner shop.parent.test. is not the domain child.parent.test."),
        "{err}"
    );
}

#[tokio::test]
async fn unreachable_servers_are_reported_within_the_timeout() {
    let ds = DsData {
        key_tag: 1,
        algorithm: 13,
        digest_type: 2,
        digest: vec![0; 32],
    };
    // A closed port: refused at once.
    let closed = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
    // A silent server: takes the datagram, never answers, accepts no TCP.
    let silent = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let timeout = Duration::from_millis(600);

    let started = Instant::now();
    let results = check_all(
        &zone(),
        &[ds.clone(), ds],
        &[closed, silent_addr],
        timeout,
        now(),
    )
    .await;
    let elapsed = started.elapsed();
    assert!(
        elapsed < 2 * timeout + Duration::from_millis(500),
        "bounded by the timeout per server: {elapsed:?}"
    );
    assert_eq!(results.len(), 2);
    for result in &results {
        assert_eq!(result.state, CheckState::Unreachable, "{}", result.reason);
        assert!(
            result.reason.contains(&closed.to_string()),
            "{}",
            result.reason
        );
        assert!(
            result.reason.contains(&silent_addr.to_string()),
            "{}",
            result.reason
        );
    }
    assert!(check_all(&zone(), &[], &[], timeout, now())
        .await
        .is_empty());
    drop(silent);
}

#[tokio::test]
async fn servers_that_do_not_serve_the_zone_give_no_keys() {
    let knot = SignedChild::start(ZONE, ZONE_TEXT);
    // Knot refuses a zone it does not serve: no AA NOERROR, so no key set.
    let other = Name::from_ascii("other.test.").unwrap();
    let err = fetch_keys(&other, &[knot.addr()], TIMEOUT)
        .await
        .err()
        .unwrap();
    assert!(err.contains("REFUSED") || err.contains("Refused"), "{err}");
    assert!(err.contains(&knot.addr().to_string()), "{err}");

    // A name below a delegation: a referral, not authoritative.
    let below = Name::from_ascii("sub.child.parent.test.").unwrap();
    let err = fetch_keys(&below, &[knot.addr()], TIMEOUT)
        .await
        .err()
        .unwrap();
    assert!(err.contains("not authoritative"), "{err}");
}

#[tokio::test]
async fn ns_names_from_answer_and_referral() {
    let knot = SignedChild::start(ZONE, ZONE_TEXT);
    // Knot is no recursive resolver, but answers NS authoritatively, or with a referral.
    let resolver = Resolver::new(Some(knot.addr()), TIMEOUT);
    let mut names = resolver.ns_names(&zone()).await.unwrap();
    names.sort();
    // Sorted in DNSSEC canonical order (RFC 4034 §6.1), as `Name` sorts.
    let expected = |list: &[&str]| -> Vec<Name> {
        let mut names: Vec<Name> = list.iter().map(|n| Name::from_ascii(n).unwrap()).collect();
        names.sort();
        names
    };
    assert_eq!(
        names,
        expected(&["ns1.child.parent.test.", "ns2.elsewhere.test."])
    );
    let sub = Name::from_ascii("sub.child.parent.test.").unwrap();
    assert_eq!(
        resolver.ns_names(&sub).await.unwrap(),
        expected(&["ns.sub.child.parent.test."])
    );
    let www = Name::from_ascii("www.child.parent.test.").unwrap();
    let err = resolver.ns_names(&www).await.unwrap_err();
    assert!(err.contains("no NS records"), "{err}");
    let nx = Name::from_ascii("nope.child.parent.test.").unwrap();
    let err = resolver.ns_names(&nx).await.unwrap_err();
    assert!(err.contains("does not exist"), "{err}");
}

/// A server whose UDP answers are all truncated: the key set comes over TCP (RFC 7766 §5).
#[tokio::test]
async fn truncated_answers_are_retried_over_tcp() {
    use hickory_proto::op::{Message, MessageType};
    let knot = SignedChild::start(ZONE, ZONE_TEXT);
    let ds = parse_ds(&knot.ksk_ds(2));
    let port = free_port();
    let front = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let udp = tokio::net::UdpSocket::bind(front).await.unwrap();
    let tcp = tokio::net::TcpListener::bind(front).await.unwrap();
    let backend = knot.addr();
    let udp_task = tokio::spawn(async move {
        let mut buf = vec![0; 4096];
        loop {
            let (n, peer) = udp.recv_from(&mut buf).await.unwrap();
            let query = Message::from_vec(&buf[..n]).unwrap();
            let mut reply = Message::response(query.metadata.id, query.metadata.op_code);
            reply.metadata.message_type = MessageType::Response;
            reply.metadata.authoritative = true;
            reply.metadata.truncation = true;
            reply.queries = query.queries.clone();
            udp.send_to(&reply.to_vec().unwrap(), peer).await.unwrap();
        }
    });
    let tcp_task = tokio::spawn(async move {
        loop {
            let (mut inbound, _) = tcp.accept().await.unwrap();
            let mut outbound = tokio::net::TcpStream::connect(backend).await.unwrap();
            tokio::spawn(async move {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            });
        }
    });
    let keys = fetch_keys(&zone(), &[front], TIMEOUT).await.unwrap();
    let result = check(&zone(), &ds, &keys, now());
    assert_eq!(result.state, CheckState::Valid, "{}", result.reason);
    udp_task.abort();
    tcp_task.abort();
}
