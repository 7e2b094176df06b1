//! The hidden primary on the wire: the change log, AXFR and IXFR with TSIG, the transfer
//! policy, NOTIFY received, and the catalog zone — asked with real packets on loopback, and
//! checked by `dig`, whose TSIG verification is not ours.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use dns_engine::tsig::{self, Algorithm, Key};
use hickory_proto::op::{Edns, Message, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::SOA;
use hickory_proto::rr::{Name, RData, Record, RecordType};
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{Client, TestApp};

pub const KEY_NAME: &str = "xfr-key.";

/// Creates the transfer key through the API; its secret as base64 and as a [`Key`].
pub async fn transfer_key(admin: &mut Client, name: &str, algorithm: &str) -> (String, Key) {
    let r = admin
        .post(
            "/api/v1/tsig-keys",
            json!({ "name": name, "algorithm": algorithm }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let secret = r.json()["secret"].as_str().unwrap().to_owned();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&secret)
        .unwrap();
    let key = Key::new(
        &Name::from_ascii(name).unwrap(),
        Algorithm::parse(algorithm).unwrap(),
        &bytes,
    );
    (secret, key)
}

pub fn now() -> u64 {
    u64::from(dns_engine::cookie::unix_now())
}

/// A transfer (or other) request for `zone`, signed with `key` at `time` when given.
pub fn request(
    zone: &str,
    rtype: RecordType,
    opcode: OpCode,
    client_serial: Option<u32>,
    key: Option<(&Key, u64)>,
) -> Vec<u8> {
    let mut message = Message::query();
    message.metadata.id = 4711;
    message.metadata.op_code = opcode;
    let name = Name::from_ascii(zone).unwrap();
    message.add_query(Query::query(name.clone(), rtype));
    if let Some(serial) = client_serial {
        let soa = SOA::new(
            Name::from_ascii("ns.").unwrap(),
            Name::from_ascii("h.").unwrap(),
            serial,
            1,
            1,
            1,
            1,
        );
        message.add_authority(Record::from_rdata(name, 0, RData::SOA(soa)));
    }
    let mut edns = Edns::new();
    edns.set_max_payload(1232);
    message.set_edns(edns);
    let mut bytes = message.to_vec().unwrap();
    if let Some((key, time)) = key {
        tsig::sign_request(key, &mut bytes, time);
    }
    bytes
}

/// Sends `bytes` over TCP and reads the messages of the answer: the first within 5 s, each
/// further one until 300 ms pass without one (the server keeps the connection open).
pub fn tcp(addr: SocketAddr, bytes: &[u8]) -> Vec<Message> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut framed = (bytes.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(bytes);
    stream.write_all(&framed).unwrap();
    let mut out: Vec<Message> = Vec::new();
    loop {
        let mut len = [0u8; 2];
        if stream.read_exact(&mut len).is_err() {
            break;
        }
        let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut buf).unwrap();
        out.push(Message::from_vec(&buf).unwrap());
        stream
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
    }
    assert!(!out.is_empty(), "no answer over TCP");
    out
}

fn serial(record: &Record) -> Option<u32> {
    match &record.data {
        RData::SOA(soa) => Some(soa.serial),
        _ => None,
    }
}

pub fn udp(addr: SocketAddr, bytes: &[u8]) -> Message {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    socket.send_to(bytes, addr).unwrap();
    let mut buf = vec![0u8; 65_535];
    let n = socket.recv(&mut buf).unwrap();
    Message::from_vec(&buf[..n]).unwrap()
}

pub fn records(messages: &[Message]) -> Vec<String> {
    messages
        .iter()
        .flat_map(|m| &m.answers)
        .map(|r| {
            format!(
                "{} {} {}",
                r.name.to_ascii().to_lowercase(),
                r.record_type(),
                r.data
            )
        })
        .collect()
}

fn tsig_error(message: &Message) -> Option<u16> {
    message
        .signature
        .as_ref()
        .map(|s| s.data.error.map_or(0, u16::from))
}

/// The serial the store holds for `zone`.
pub async fn zone_serial(app: &TestApp, zone: &str) -> u32 {
    let serial: i64 = sqlx::query_scalar("select serial from zone where name = $1")
        .bind(zone)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    serial as u32
}

/// Waits until the engine serves `serial` for `zone` (the reload follows the commit).
pub async fn served(app: &TestApp, zone: &str, serial: u32) {
    for _ in 0..200 {
        let answer = udp(
            app.dns_addr,
            &request(zone, RecordType::SOA, OpCode::Query, None, None),
        );
        if answer.answers.iter().any(|r| serial_of(r) == Some(serial)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the engine did not serve serial {serial} of {zone}");
}

fn serial_of(record: &Record) -> Option<u32> {
    serial(record)
}

#[tokio::test]
async fn transfers_follow_the_change_log_and_the_policy() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let (_, key) = transfer_key(&mut admin, KEY_NAME, "hmac-sha256").await;
    // The secret is shown once: the list has none.
    let listed = admin.get("/api/v1/tsig-keys").await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(!listed.body.contains("secret"), "{}", listed.body);

    let zone = "xfr.example.";
    let r = admin.post("/api/v1/zones", json!({ "name": zone })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let s0 = zone_serial(&app, zone).await;
    served(&app, zone, s0).await;
    let addr = app.dns_addr;

    // No key, no allowed address: REFUSED with Extended DNS Error 18 (Prohibited).
    let refused = tcp(
        addr,
        &request(zone, RecordType::AXFR, OpCode::Query, None, None),
    );
    assert_eq!(refused[0].metadata.response_code, ResponseCode::Refused);
    let ede = refused[0]
        .edns
        .as_ref()
        .unwrap()
        .options()
        .as_ref()
        .iter()
        .any(|(code, _)| u16::from(*code) == 15);
    assert!(
        ede,
        "REFUSED carries an Extended DNS Error: {:?}",
        refused[0]
    );

    // Signed: the whole zone, SOA first and last, each message signed.
    let axfr = tcp(
        addr,
        &request(
            zone,
            RecordType::AXFR,
            OpCode::Query,
            None,
            Some((&key, now())),
        ),
    );
    let all = records(&axfr);
    assert!(all.first().unwrap().contains(" SOA "), "{all:?}");
    assert!(all.last().unwrap().contains(" SOA "), "{all:?}");
    assert!(all.iter().any(|r| r.contains(" NS ")), "{all:?}");
    assert!(
        axfr.iter().all(|m| tsig_error(m) == Some(0)),
        "every message is signed"
    );

    // One change: IXFR from s0 is the condensed difference.
    let r = admin
        .put(
            &format!("/api/v1/zones/{zone}/rrsets/www/A"),
            json!({ "ttl": 300, "records": ["192.0.2.1"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let s1 = zone_serial(&app, zone).await;
    assert_ne!(s0, s1);
    served(&app, zone, s1).await;
    let ixfr = tcp(
        addr,
        &request(
            zone,
            RecordType::IXFR,
            OpCode::Query,
            Some(s0),
            Some((&key, now())),
        ),
    );
    let diff = records(&ixfr);
    assert_eq!(
        diff.len(),
        5,
        "SOA s1, SOA s0, SOA s1, the A, SOA s1: {diff:?}"
    );
    assert!(diff[1].contains(&format!(" {s0} ")), "{diff:?}");
    assert!(
        diff[3].starts_with("www.xfr.example. A 192.0.2.1"),
        "{diff:?}"
    );

    // Current: the single SOA. Unknown old serial: the whole zone (RFC 1995 §4).
    let current = tcp(
        addr,
        &request(
            zone,
            RecordType::IXFR,
            OpCode::Query,
            Some(s1),
            Some((&key, now())),
        ),
    );
    assert_eq!(records(&current).len(), 1);
    let old = tcp(
        addr,
        &request(
            zone,
            RecordType::IXFR,
            OpCode::Query,
            Some(s0.wrapping_sub(5)),
            Some((&key, now())),
        ),
    );
    let old = records(&old);
    assert!(
        old.len() > 3 && !old[1].contains(" SOA "),
        "AXFR-style: {old:?}"
    );

    // IXFR over UDP: the single SOA, which sends the client to TCP.
    let udp_ixfr = udp(
        addr,
        &request(
            zone,
            RecordType::IXFR,
            OpCode::Query,
            Some(s0),
            Some((&key, now())),
        ),
    );
    assert_eq!(udp_ixfr.answers.len(), 1);
    assert_eq!(udp_ixfr.answers[0].record_type(), RecordType::SOA);

    // Bad input, each answered as the RFCs say.
    let axfr_udp = udp(
        addr,
        &request(
            zone,
            RecordType::AXFR,
            OpCode::Query,
            None,
            Some((&key, now())),
        ),
    );
    assert_eq!(
        axfr_udp.metadata.response_code,
        ResponseCode::FormErr,
        "AXFR over UDP"
    );
    let stranger = Key::new(
        &Name::from_ascii("other.").unwrap(),
        Algorithm::HmacSha256,
        b"0123456789abcdef",
    );
    let badkey = tcp(
        addr,
        &request(
            zone,
            RecordType::AXFR,
            OpCode::Query,
            None,
            Some((&stranger, now())),
        ),
    );
    assert_eq!(badkey[0].metadata.response_code, ResponseCode::NotAuth);
    assert_eq!(tsig_error(&badkey[0]), Some(17), "BADKEY");
    assert!(badkey[0].answers.is_empty());
    let forged = Key::new(
        key.name(),
        Algorithm::HmacSha256,
        b"not the secret, not at all",
    );
    let badsig = tcp(
        addr,
        &request(
            zone,
            RecordType::AXFR,
            OpCode::Query,
            None,
            Some((&forged, now())),
        ),
    );
    assert_eq!(badsig[0].metadata.response_code, ResponseCode::NotAuth);
    assert_eq!(tsig_error(&badsig[0]), Some(16), "BADSIG");
    let stale = tcp(
        addr,
        &request(
            zone,
            RecordType::AXFR,
            OpCode::Query,
            None,
            Some((&key, now() - 3600)),
        ),
    );
    assert_eq!(stale[0].metadata.response_code, ResponseCode::NotAuth);
    assert_eq!(tsig_error(&stale[0]), Some(18), "BADTIME");
    let no_soa = tcp(
        addr,
        &request(
            zone,
            RecordType::IXFR,
            OpCode::Query,
            None,
            Some((&key, now())),
        ),
    );
    assert_eq!(
        no_soa[0].metadata.response_code,
        ResponseCode::FormErr,
        "IXFR without the client's SOA"
    );
    let elsewhere = tcp(
        addr,
        &request(
            "not-hosted.example.",
            RecordType::AXFR,
            OpCode::Query,
            None,
            Some((&key, now())),
        ),
    );
    assert_eq!(elsewhere[0].metadata.response_code, ResponseCode::NotAuth);
    let notify = udp(
        addr,
        &request(zone, RecordType::SOA, OpCode::Notify, None, None),
    );
    assert_eq!(
        notify.metadata.response_code,
        ResponseCode::Refused,
        "NOTIFY from a stranger"
    );
    assert_eq!(notify.queries.len(), 1, "the question is echoed");
    let notify = udp(
        addr,
        &request(
            zone,
            RecordType::SOA,
            OpCode::Notify,
            None,
            Some((&key, now())),
        ),
    );
    assert_eq!(
        notify.metadata.response_code,
        ResponseCode::NoError,
        "NOTIFY with the key"
    );
    let notify = udp(
        addr,
        &request(
            "not-hosted.example.",
            RecordType::SOA,
            OpCode::Notify,
            None,
            Some((&key, now())),
        ),
    );
    assert_eq!(notify.metadata.response_code, ResponseCode::NotAuth);
    // The engine still serves.
    served(&app, zone, s1).await;

    // The catalog zone: refused to everyone else, transferred to the key holder.
    let catalog = "catalog.invalid.";
    let soa = udp(
        addr,
        &request(catalog, RecordType::SOA, OpCode::Query, None, None),
    );
    assert_eq!(soa.metadata.response_code, ResponseCode::Refused);
    let soa = udp(
        addr,
        &request(
            catalog,
            RecordType::SOA,
            OpCode::Query,
            None,
            Some((&key, now())),
        ),
    );
    assert_eq!(soa.metadata.response_code, ResponseCode::NoError);
    let members = records(&tcp(
        addr,
        &request(
            catalog,
            RecordType::AXFR,
            OpCode::Query,
            None,
            Some((&key, now())),
        ),
    ));
    assert!(
        members.iter().any(|r| r.contains(" PTR xfr.example.")),
        "{members:?}"
    );
    assert!(
        members
            .iter()
            .any(|r| r.starts_with("version.catalog.invalid. TXT")),
        "{members:?}"
    );

    // dig checks the TSIG of every message of the transfer itself.
    let secret = {
        let r = sqlx::query_scalar::<_, Vec<u8>>("select secret from tsig_key where name = $1")
            .bind(KEY_NAME)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        base64::engine::general_purpose::STANDARD.encode(r)
    };
    let out = Command::new("dig")
        .args([
            "@127.0.0.1",
            "-p",
            &addr.port().to_string(),
            "-y",
            &format!("hmac-sha256:{KEY_NAME}:{secret}"),
            zone,
            "AXFR",
        ])
        .output()
        .expect("dig (bind9-dnsutils) runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("failure") && !text.contains("Transfer failed"),
        "{text}"
    );
    assert!(text.contains("www.xfr.example."), "{text}");

    // The change log: a create and an update, serials in a chain.
    let log: Vec<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "select kind, old_serial, new_serial from zone_change where zone_name = $1 order by id",
    )
    .bind(zone)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(log[0].0, "create");
    assert_eq!(
        log[1],
        ("update".into(), Some(i64::from(s0)), Some(i64::from(s1)))
    );

    // Retention: with one entry kept, an IXFR from before it is the whole zone (RFC 1995 §4),
    // and from the newest entry's start it is still incremental.
    sqlx::query("update setting set changelog_versions = 1")
        .execute(&app.pool)
        .await
        .unwrap();
    let mut serials = vec![s1];
    for (i, ip) in ["192.0.2.2", "192.0.2.3"].iter().enumerate() {
        let r = admin
            .put(
                &format!("/api/v1/zones/{zone}/rrsets/host{i}/A"),
                json!({ "ttl": 300, "records": [ip] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        serials.push(zone_serial(&app, zone).await);
    }
    let s3 = *serials.last().unwrap();
    served(&app, zone, s3).await;
    let kept: i64 = sqlx::query_scalar("select count(*) from zone_change where zone_name = $1")
        .bind(zone)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept, 1, "one entry kept");
    let whole = records(&tcp(
        addr,
        &request(
            zone,
            RecordType::IXFR,
            OpCode::Query,
            Some(s1),
            Some((&key, now())),
        ),
    ));
    assert!(
        whole.len() > 3 && !whole[1].contains(" SOA "),
        "AXFR-style: {whole:?}"
    );
    assert!(
        whole
            .iter()
            .any(|r| r.starts_with("host1.xfr.example. A 192.0.2.3")),
        "{whole:?}"
    );
    let last = records(&tcp(
        addr,
        &request(
            zone,
            RecordType::IXFR,
            OpCode::Query,
            Some(serials[1]),
            Some((&key, now())),
        ),
    ));
    assert_eq!(last.len(), 5, "incremental from the kept entry: {last:?}");
    app.stop().await;
}

/// A record larger than a btree index entry (about 2.7 kB) once made every change of its
/// zone fail on the change log's index: a 4,000-octet TXT of random text is stored, logged and
/// transferred, and so is the next change.
#[tokio::test]
async fn records_larger_than_an_index_entry_are_logged_and_transferred() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let (_, key) = transfer_key(&mut admin, KEY_NAME, "hmac-sha256").await;
    let zone = "large.example.";
    let r = admin.post("/api/v1/zones", json!({ "name": zone })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let s0 = zone_serial(&app, zone).await;
    // Random letters do not compress, so the index entry could not be made smaller.
    let mut state = 0x2026_1201_u64;
    let strings: Vec<String> = (0..16)
        .map(|_| {
            let text: String = (0..250)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    char::from(b'a' + u8::try_from(state % 26).unwrap())
                })
                .collect();
            format!("\"{text}\"")
        })
        .collect();
    let r = admin
        .put(
            &format!("/api/v1/zones/{zone}/rrsets/big/TXT"),
            json!({ "records": [strings.join(" ")] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = admin
        .put(
            &format!("/api/v1/zones/{zone}/rrsets/www/A"),
            json!({ "records": ["192.0.2.1"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let s2 = zone_serial(&app, zone).await;
    served(&app, zone, s2).await;
    let diff = records(&tcp(
        app.dns_addr,
        &request(
            zone,
            RecordType::IXFR,
            OpCode::Query,
            Some(s0),
            Some((&key, now())),
        ),
    ));
    assert!(
        diff.iter()
            .any(|r| r.starts_with("big.large.example. TXT") && r.contains(&strings[15][1..200])),
        "{diff:?}"
    );
    assert!(
        diff.iter()
            .any(|r| r.starts_with("www.large.example. A 192.0.2.1")),
        "{diff:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn parallel_writers_never_share_a_serial_and_rollbacks_leave_no_entry() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let zone = "busy.example.";
    let r = admin.post("/api/v1/zones", json!({ "name": zone })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut writers = Vec::new();
    for i in 0..12 {
        let mut c = admin.clone();
        writers.push(tokio::spawn(async move {
            let r = c
                .put(
                    &format!("/api/v1/zones/busy.example./rrsets/host{i}/A"),
                    json!({ "ttl": 300, "records": [format!("192.0.2.{}", i + 1)] }),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    // A refused change (a CNAME beside the A) commits nothing and logs nothing.
    let before = app.count("zone_change").await;
    let r = admin
        .put(
            &format!("/api/v1/zones/{zone}/rrsets/host1/CNAME"),
            json!({ "ttl": 300, "records": ["elsewhere.example."] }),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.body);
    assert_eq!(app.count("zone_change").await, before);

    // kind, old serial, new serial, the RRs added
    type Entry = (String, Option<i64>, Option<i64>, Vec<Vec<u8>>);
    let log: Vec<Entry> = sqlx::query_as(
        "select kind, old_serial, new_serial, added from zone_change where zone_name = $1 order by id",
    )
    .bind(zone)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(log.len(), 13, "the create and one entry per change");
    let mut serials = std::collections::HashSet::new();
    for pair in log.windows(2) {
        assert_eq!(
            pair[1].1, pair[0].2,
            "each change starts at the serial the one before ended at"
        );
    }
    for entry in &log[1..] {
        assert!(serials.insert(entry.2), "serial {:?} twice", entry.2);
        assert_eq!(entry.0, "update");
        assert_eq!(entry.3.len(), 1, "one A record added per change");
    }
    app.stop().await;
}

/// A signed zone goes out whole, with its DNSKEY, every RRSIG and a complete NSEC chain:
/// BIND's `dnssec-verify` (not our code) checks the transferred zone as a secondary gets it.
#[tokio::test]
async fn a_signed_zone_transfers_with_a_chain_that_dnssec_verify_accepts() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let (secret, key) = transfer_key(&mut admin, KEY_NAME, "hmac-sha512").await;
    let zone = "signed-xfr.example.";
    let r = admin.post("/api/v1/zones", json!({ "name": zone })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for (name, rtype, data) in [
        ("www", "A", "192.0.2.1"),
        ("mail", "MX", "10 mx.signed-xfr.example."),
        ("mx", "AAAA", "2001:db8::25"),
        ("sub", "NS", "ns.elsewhere.example."),
        ("deep.below.empty", "TXT", "\"an empty non-terminal above\""),
    ] {
        let r = admin
            .put(
                &format!("/api/v1/zones/{zone}/rrsets/{name}/{rtype}"),
                json!({ "ttl": 300, "records": [data] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{name} {rtype}: {}", r.body);
    }
    let r = admin
        .put(
            &format!("/api/v1/zones/{zone}/dnssec"),
            json!({ "signed": true }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let serial = zone_serial(&app, zone).await;
    served(&app, zone, serial).await;
    // The snapshot is signed once the engine serves a DNSKEY.
    for _ in 0..200 {
        let answer = udp(
            app.dns_addr,
            &request(zone, RecordType::DNSKEY, OpCode::Query, None, None),
        );
        if !answer.answers.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // IXFR of a signed zone is always the whole zone.
    let whole = records(&tcp(
        app.dns_addr,
        &request(
            zone,
            RecordType::IXFR,
            OpCode::Query,
            Some(serial.wrapping_sub(1)),
            Some((&key, now())),
        ),
    ));
    assert!(whole.iter().any(|r| r.contains(" NSEC ")), "{whole:?}");

    let out = Command::new("dig")
        .args([
            "@127.0.0.1",
            "-p",
            &app.dns_addr.port().to_string(),
            "-y",
            &format!("hmac-sha512:{KEY_NAME}:{secret}"),
            "+nocmd",
            "+nostats",
            "+nocomments",
            zone,
            "AXFR",
        ])
        .output()
        .expect("dig (bind9-dnsutils) runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !text.contains("failure") && text.contains("RRSIG") && text.contains("NSEC"),
        "{text}"
    );
    let file =
        std::env::temp_dir().join(format!("zonekeeper-signed-xfr-{}.zone", std::process::id()));
    // The zone as a secondary stores it: dig also prints each message's TSIG record.
    let zone_text: String = text
        .lines()
        .filter(|l| l.split_whitespace().nth(3) != Some("TSIG"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&file, &zone_text).unwrap();
    let verify = Command::new("dnssec-verify")
        // -z: the zone has one combined key (flags 257) that signs everything, no ZSK.
        .args(["-z", "-o", zone, file.to_str().unwrap()])
        .output()
        .expect("dnssec-verify (bind9-utils) runs");
    let _ = std::fs::remove_file(&file);
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(
        verify.status.success(),
        "dnssec-verify refused the transferred zone:\n{report}\n{text}"
    );
    assert!(report.contains("Zone fully signed"), "{report}");
    app.stop().await;
}

/// The operator surface refuses what would make the NOTIFY sender a way to send datagrams
/// where nobody asked, and every refusal names its field and stores nothing.
#[tokio::test]
async fn secondaries_and_keys_are_validated_field_by_field() {
    // A global unicast address: only registered, never sent anything (no zone changes here).
    const GLOBAL: &str = "1.2.3.4";
    let app = TestApp::start_without_local_targets().await;
    let mut admin = app.admin().await;
    let (_, _) = transfer_key(&mut admin, KEY_NAME, "hmac-sha1").await;
    let keys = admin.get("/api/v1/tsig-keys").await.json();
    assert_eq!(
        keys[0]["deprecated"], true,
        "hmac-sha1 is accepted and flagged: {keys}"
    );
    for (body, field) in [
        (
            json!({ "address": "127.0.0.1", "tsig_key": KEY_NAME }),
            "address",
        ),
        (json!({ "address": "fe80::1" }), "address"),
        (json!({ "address": "224.0.0.1" }), "address"),
        (json!({ "address": "0.0.0.0" }), "address"),
        (json!({ "address": "192.0.2.300" }), "address"),
        (json!({ "address": "198.51.100.53" }), "address"),
        (json!({ "address": GLOBAL, "port": 0 }), "port"),
        (
            json!({ "address": GLOBAL, "tsig_key": "no-such-key." }),
            "tsig_key",
        ),
    ] {
        let r = admin.post("/api/v1/secondaries", body.clone()).await;
        let problem = r.problem(StatusCode::UNPROCESSABLE_ENTITY);
        let fields = crate::harness::field_errors(&problem);
        assert_eq!(fields[0].0, field, "{body}: {problem}");
    }
    for (body, field) in [
        (json!({ "name": "" }), "name"),
        (
            json!({ "name": "k.", "algorithm": "hmac-md5" }),
            "algorithm",
        ),
        (json!({ "name": "k.", "secret": "not base64!" }), "secret"),
        (json!({ "name": "k.", "secret": "c2hvcnQ=" }), "secret"),
    ] {
        let r = admin.post("/api/v1/tsig-keys", body.clone()).await;
        let problem = r.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            crate::harness::field_errors(&problem)[0].0,
            field,
            "{body}: {problem}"
        );
    }
    let r = admin
        .post(
            "/api/v1/transfer-allow",
            json!({ "network": "10.0.0.0/33" }),
        )
        .await;
    r.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("secondary").await, 0);
    assert_eq!(app.count("transfer_allow").await, 0);
    // A global address is fine; the same one twice is a conflict.
    let ok = json!({ "address": GLOBAL, "tsig_key": KEY_NAME });
    assert_eq!(
        admin.post("/api/v1/secondaries", ok.clone()).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        admin.post("/api/v1/secondaries", ok).await.status,
        StatusCode::CONFLICT
    );
    // A key in use cannot go; customers see none of this.
    assert_eq!(
        admin
            .delete(&format!("/api/v1/tsig-keys/{KEY_NAME}"))
            .await
            .status,
        StatusCode::CONFLICT
    );
    let mut customer = app.customer("someone@example.com").await;
    // Another account's zone has no sync status for this customer: it does not exist to them.
    let r = admin
        .post("/api/v1/zones", json!({ "name": "admins-own.example." }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    customer
        .get("/api/v1/zones/admins-own.example./sync")
        .await
        .problem(StatusCode::NOT_FOUND);
    for path in [
        "/api/v1/tsig-keys",
        "/api/v1/secondaries",
        "/api/v1/transfer-allow",
        "/api/v1/secondaries/coverage",
    ] {
        assert_eq!(
            customer.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action in ('tsig_key.create', 'secondary.create')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, 2);
    app.stop().await;
}

/// A secondary that never answers: saves go on as before, it gets the NOTIFY exactly
/// `ATTEMPTS` times (retries with doubling waits, RFC 1996 §3.6), then nothing more, and its
/// sync status says why.
#[tokio::test]
async fn notify_to_a_dead_secondary_is_bounded_and_does_not_hold_saves() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    // A socket that reads and never answers: a secondary that is down.
    let silent = tokio::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap();
    let port = silent.local_addr().unwrap().port();
    let r = admin
        .post(
            "/api/v1/secondaries",
            json!({ "address": "127.0.0.1", "port": port }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let zone = "dead-secondary.example.";
    let r = admin.post("/api/v1/zones", json!({ "name": zone })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for i in 0..3 {
        let r = admin
            .put(
                &format!("/api/v1/zones/{zone}/rrsets/h{i}/A"),
                json!({ "ttl": 300, "records": ["192.0.2.1"] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "saves go on: {}", r.body);
    }
    // Count the NOTIFY messages for the zone until the secondary has been silent for longer
    // than the whole retry schedule (0.1 + 0.2 + 0.4 + 0.8 + 1.6 s in the tests).
    let mut notifies = 0;
    let mut buf = vec![0u8; 4096];
    while let Ok(Ok((n, _))) =
        tokio::time::timeout(Duration::from_secs(5), silent.recv_from(&mut buf)).await
    {
        let message = Message::from_vec(&buf[..n]).unwrap();
        assert_eq!(message.metadata.op_code, OpCode::Notify);
        if message.queries[0].name().to_ascii() == zone {
            notifies += 1;
        }
    }
    // Three changes while the first NOTIFY was still being retried: one more round at most.
    let attempts = zonekeeper::primary::notify::ATTEMPTS as usize;
    assert!(
        (attempts..=2 * attempts).contains(&notifies),
        "{notifies} NOTIFY messages for {attempts} attempts per round"
    );
    let sync = admin
        .get(&format!("/api/v1/zones/{zone}/sync"))
        .await
        .json();
    let error = sync["secondaries"][0]["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.contains("did not answer"), "{sync}");
    assert_eq!(sync["in_sync"], false);
    app.stop().await;
}
