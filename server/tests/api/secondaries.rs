//! Real secondaries following Zonekeeper as their hidden primary: Knot 3.2 and BIND 9.18
//! learn the zones from the catalog zone (RFC 9432), NSD 4.6 (no catalog support) has the
//! zone in its configuration. Each runs on a free loopback port from a configuration written
//! here, is registered through the API with its TSIG key, and is then only ever told about
//! changes by NOTIFY: nobody touches its configuration again.

use std::fmt::Write as _;
use std::fs;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::TestApp;
use crate::knot::free_port;
use crate::transfers::{served, transfer_key, zone_serial, KEY_NAME};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// How long a secondary may take to follow a change (NOTIFY, SOA query, transfer).
const FOLLOW_TIMEOUT: Duration = Duration::from_secs(20);

/// A name server process on a loopback port, killed and cleaned up on drop.
pub struct Peer {
    pub name: &'static str,
    pub port: u16,
    child: Child,
    pub dir: PathBuf,
    log: PathBuf,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn require(path: &str, package: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} not found: the hidden-primary tests run real secondaries. Install the Debian \
         `{package}` package (`./zk test` installs it)."
    );
}

fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "zonekeeper-{what}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

impl Peer {
    fn spawn(name: &'static str, port: u16, dir: PathBuf, program: &str, args: &[&str]) -> Peer {
        let log = dir.join(format!("{name}.log"));
        let file = fs::File::create(&log).unwrap();
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|err| panic!("could not start {program}: {err}"));
        Peer {
            name,
            port,
            child,
            dir,
            log,
        }
    }

    /// Knot as a catalog consumer: the catalog zone from the primary, each member zone
    /// from the same primary, every transfer and NOTIFY with the key.
    pub fn knot(primary: SocketAddr, secret: &str) -> Peer {
        require("/usr/sbin/knotd", "knot");
        let dir = temp_dir("knot-secondary");
        let port = free_port();
        let d = dir.display();
        let p = primary.port();
        let mut config = String::new();
        write!(
            config,
            "server:\n    rundir: \"{d}\"\n    listen: 127.0.0.1@{port}\n    udp-workers: 1\n    \
             tcp-workers: 1\n    background-workers: 1\n\
             database:\n    storage: \"{d}\"\n\
             log:\n  - target: stderr\n    any: info\n\
             key:\n  - id: {KEY_NAME}\n    algorithm: hmac-sha256\n    secret: {secret}\n\
             remote:\n  - id: primary\n    address: 127.0.0.1@{p}\n    key: {KEY_NAME}\n\
             acl:\n  - id: notify\n    address: 127.0.0.1\n    key: {KEY_NAME}\n    action: notify\n\
             template:\n  - id: default\n    storage: \"{d}\"\n    zonefile-sync: -1\n    \
             zonefile-load: none\n    journal-content: changes\n  \
             - id: member\n    storage: \"{d}\"\n    master: primary\n    acl: notify\n    \
             zonefile-sync: -1\n    zonefile-load: none\n    journal-content: changes\n\
             zone:\n  - domain: catalog.invalid.\n    master: primary\n    acl: notify\n    \
             catalog-role: interpret\n    catalog-template: member\n"
        )
        .unwrap();
        fs::write(dir.join("knot.conf"), config).unwrap();
        let conf = dir.join("knot.conf");
        Peer::spawn(
            "knotd",
            port,
            dir,
            "/usr/sbin/knotd",
            &["--config", conf.to_str().unwrap()],
        )
    }

    /// BIND as a catalog consumer (`catalog-zones`, RFC 9432 version 2 since 9.18).
    pub fn bind(primary: SocketAddr, secret: &str) -> Peer {
        require("/usr/sbin/named", "bind9");
        let dir = temp_dir("bind-secondary");
        let port = free_port();
        let d = dir.display();
        let p = primary.port();
        let config = format!(
            "options {{\n  directory \"{d}\";\n  pid-file \"{d}/named.pid\";\n  \
             listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  \
             recursion no;\n  dnssec-validation no;\n  notify no;\n  \
             catalog-zones {{\n    zone \"catalog.invalid.\" default-primaries {{ 127.0.0.1 port {p} key \"{KEY_NAME}\"; }}\n      \
             zone-directory \"{d}\" in-memory yes;\n  }};\n}};\n\
             key \"{KEY_NAME}\" {{ algorithm hmac-sha256; secret \"{secret}\"; }};\n\
             controls {{ }};\n\
             zone \"catalog.invalid.\" {{\n  type secondary;\n  file \"{d}/catalog.db\";\n  \
             primaries {{ 127.0.0.1 port {p} key \"{KEY_NAME}\"; }};\n  allow-notify {{ 127.0.0.1; }};\n}};\n"
        );
        fs::write(dir.join("named.conf"), config).unwrap();
        let conf = dir.join("named.conf");
        Peer::spawn(
            "named",
            port,
            dir,
            "/usr/sbin/named",
            &["-g", "-n", "1", "-u", "root", "-c", conf.to_str().unwrap()],
        )
    }

    /// NSD with `zones` in its configuration (NSD 4.6 does not read catalog zones), each
    /// requested from the primary with the key, NOTIFY accepted with it.
    pub fn nsd(primary: SocketAddr, secret: &str, zones: &[&str]) -> Peer {
        require("/usr/sbin/nsd", "nsd");
        let dir = temp_dir("nsd-secondary");
        let port = free_port();
        let d = dir.display();
        let p = primary.port();
        let mut config = format!(
            "server:\n  ip-address: 127.0.0.1@{port}\n  zonesdir: \"{d}\"\n  database: \"\"\n  \
             pidfile: \"{d}/nsd.pid\"\n  xfrdfile: \"{d}/xfrd.state\"\n  zonelistfile: \"{d}/zone.list\"\n  \
             xfrdir: \"{d}\"\n  username: \"\"\n  chroot: \"\"\n  server-count: 1\n  verbosity: 2\n  \
             logfile: \"{d}/nsd-xfr.log\"\n  do-ip6: no\n\
             remote-control:\n  control-enable: no\n\
             key:\n  name: \"{KEY_NAME}\"\n  algorithm: hmac-sha256\n  secret: \"{secret}\"\n"
        );
        for zone in zones {
            write!(
                config,
                "zone:\n  name: \"{zone}\"\n  zonefile: \"{zone}zone\"\n  \
                 request-xfr: 127.0.0.1@{p} {KEY_NAME}\n  allow-notify: 127.0.0.1 {KEY_NAME}\n"
            )
            .unwrap();
        }
        fs::write(dir.join("nsd.conf"), config).unwrap();
        let conf = dir.join("nsd.conf");
        Peer::spawn(
            "nsd",
            port,
            dir,
            "/usr/sbin/nsd",
            &["-d", "-c", conf.to_str().unwrap()],
        )
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// Everything the peer logged (NSD's transfer log too).
    pub fn log(&self) -> String {
        let mut text = fs::read_to_string(&self.log).unwrap_or_default();
        text.push_str(&fs::read_to_string(self.dir.join("nsd-xfr.log")).unwrap_or_default());
        text
    }

    fn check_alive(&mut self) {
        if let Some(status) = self.child.try_wait().unwrap() {
            panic!("{} exited with {status}:\n{}", self.name, self.log());
        }
    }

    /// Waits until `check` holds for the peer's answer to `name`/`rtype`.
    pub async fn wait_for(
        &mut self,
        name: &str,
        rtype: RecordType,
        what: &str,
        check: impl Fn(&Message) -> bool,
    ) {
        let deadline = Instant::now() + FOLLOW_TIMEOUT;
        loop {
            self.check_alive();
            if let Some(answer) = ask(self.addr(), name, rtype) {
                if check(&answer) {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{} did not {what} within {FOLLOW_TIMEOUT:?}:\n{}",
                self.name,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// One UDP question; `None` without an answer within 300 ms.
pub fn ask(addr: SocketAddr, name: &str, rtype: RecordType) -> Option<Message> {
    let mut query = Message::query();
    query.add_query(Query::query(Name::from_ascii(name).ok()?, rtype));
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).ok()?;
    socket
        .set_read_timeout(Some(Duration::from_millis(300)))
        .ok()?;
    socket.send_to(&query.to_vec().ok()?, addr).ok()?;
    let mut buf = vec![0; 65_535];
    let n = socket.recv(&mut buf).ok()?;
    let answer = Message::from_vec(&buf[..n]).ok()?;
    (answer.metadata.id == query.metadata.id).then_some(answer)
}

fn soa_serial(answer: &Message) -> Option<u32> {
    answer.answers.iter().find_map(|r| match &r.data {
        RData::SOA(soa) if answer.metadata.authoritative => Some(soa.serial),
        _ => None,
    })
}

/// The answer section as sorted text, TTLs included: what two servers must agree on.
fn answer_text(answer: &Message) -> Vec<String> {
    let mut lines: Vec<String> = answer
        .answers
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r.name.to_ascii().to_lowercase(),
                r.ttl,
                r.record_type(),
                r.data
            )
        })
        .collect();
    lines.sort();
    lines
}

#[tokio::test]
async fn knot_bind_and_nsd_follow_the_hidden_primary() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let (secret, _) = transfer_key(&mut admin, KEY_NAME, "hmac-sha256").await;
    // NSD's zone exists before NSD starts (it is in NSD's configuration).
    let nsd_zone = "nsd.example.";
    let r = admin
        .post("/api/v1/zones", json!({ "name": nsd_zone }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let mut knot = Peer::knot(app.dns_addr, &secret);
    let mut bind = Peer::bind(app.dns_addr, &secret);
    let mut nsd = Peer::nsd(app.dns_addr, &secret, &[nsd_zone]);
    let mut ids = Vec::new();
    for (peer, catalog) in [(&knot, true), (&bind, true), (&nsd, false)] {
        let r = admin
            .post(
                "/api/v1/secondaries",
                json!({ "address": "127.0.0.1", "port": peer.port, "tsig_key": KEY_NAME,
                        "catalog": catalog, "comment": peer.name }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.json()["id"].as_i64().unwrap());
    }
    nsd.wait_for(
        nsd_zone,
        RecordType::SOA,
        "serve its configured zone",
        |m| soa_serial(m).is_some(),
    )
    .await;

    // A zone created in the console reaches both catalog consumers by itself.
    let zone = "fleet.example.";
    let r = admin.post("/api/v1/zones", json!({ "name": zone })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for peer in [&mut knot, &mut bind] {
        peer.wait_for(
            zone,
            RecordType::SOA,
            "serve a zone created after it started",
            |m| soa_serial(m).is_some(),
        )
        .await;
    }

    // A record change reaches every secondary by IXFR: the engine counts one incremental
    // answer per secondary (NSD and BIND do not log the kind of transfer at their usual
    // levels; Knot does, and is checked below too).
    let counters = app.catalog();
    let incremental = || {
        counters
            .transfer_counters()
            .ixfr_incremental
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    let before = incremental();
    for (name, target) in [(zone, "192.0.2.10"), (nsd_zone, "192.0.2.20")] {
        let r = admin
            .put(
                &format!("/api/v1/zones/{name}/rrsets/www/A"),
                json!({ "ttl": 300, "records": [target] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let www = format!("www.{zone}");
    for peer in [&mut knot, &mut bind] {
        peer.wait_for(&www, RecordType::A, "serve the changed record", |m| {
            m.answers.iter().any(|r| r.data.to_string() == "192.0.2.10")
        })
        .await;
    }
    let nsd_www = format!("www.{nsd_zone}");
    nsd.wait_for(&nsd_www, RecordType::A, "serve the changed record", |m| {
        m.answers.iter().any(|r| r.data.to_string() == "192.0.2.20")
    })
    .await;
    assert!(
        knot.log().contains(&format!("[{zone}] IXFR, incoming")),
        "Knot used IXFR:\n{}",
        knot.log()
    );
    assert!(
        incremental() >= before + 4,
        "four incremental transfers (Knot and BIND for {zone}, Knot and NSD for {nsd_zone}): {} → {}",
        before,
        incremental()
    );

    // A change older than the retained log: Knot misses two changes (it is not told), the log
    // keeps only the newest entry, and the next NOTIFY makes Knot ask for an IXFR from a
    // serial the log no longer reaches. The whole zone comes instead, and Knot converges.
    sqlx::query("update setting set changelog_versions = 1")
        .execute(&app.pool)
        .await
        .unwrap();
    let r = admin
        .delete(&format!("/api/v1/secondaries/{}", ids[0]))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    for (i, ip) in ["192.0.2.31", "192.0.2.32", "192.0.2.33"]
        .iter()
        .enumerate()
    {
        if i == 2 {
            let r = admin
                .post(
                    "/api/v1/secondaries",
                    json!({ "address": "127.0.0.1", "port": knot.port, "tsig_key": KEY_NAME, "catalog": true }),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        let r = admin
            .put(
                &format!("/api/v1/zones/{zone}/rrsets/missed{i}/A"),
                json!({ "ttl": 300, "records": [ip] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    knot.wait_for(
        &format!("missed0.{zone}"),
        RecordType::A,
        "converge after missing changes",
        |m| m.answers.iter().any(|r| r.data.to_string() == "192.0.2.31"),
    )
    .await;
    assert!(
        knot.log().contains(&format!(
            "[{zone}] IXFR, incoming, remote 127.0.0.1@{}, receiving AXFR-style IXFR",
            app.dns_addr.port()
        )),
        "Knot got the whole zone:\n{}",
        knot.log()
    );

    // The secondaries answer as the engine does, once they serve its serial.
    let current = zone_serial(&app, zone).await;
    served(&app, zone, current).await;
    for peer in [&mut knot, &mut bind] {
        peer.wait_for(zone, RecordType::SOA, "serve the latest serial", |m| {
            soa_serial(m) == Some(current)
        })
        .await;
    }
    let corpus = [
        (zone.to_owned(), RecordType::SOA),
        (zone.to_owned(), RecordType::NS),
        (www.clone(), RecordType::A),
    ];
    for (name, rtype) in &corpus {
        let ours = answer_text(&ask(app.dns_addr, name, *rtype).unwrap());
        for peer in [&knot, &bind] {
            let theirs = answer_text(&ask(peer.addr(), name, *rtype).unwrap());
            assert_eq!(
                ours, theirs,
                "{} answers {name} {rtype} as the engine does",
                peer.name
            );
        }
    }

    // Signed: the zone reaches the secondaries with its DNSKEY, signatures and NSEC chain, and
    // delv (BIND's validator, not our code) validates their answers — positive and negative —
    // from the zone's key alone.
    let r = admin
        .put(
            &format!("/api/v1/zones/{zone}/dnssec"),
            json!({ "signed": true }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let dnskey = r.json()["dnskey"].as_str().unwrap().to_owned();
    let fields: Vec<&str> = dnskey.split_whitespace().collect();
    assert_eq!(&fields[3..6], ["DNSKEY", "257", "3"], "{dnskey}");
    let anchor_file = knot.dir.join("anchor.conf");
    fs::write(
        &anchor_file,
        format!(
            "trust-anchors {{ {zone} static-key {} {} {} \"{}\"; }};\n",
            fields[4],
            fields[5],
            fields[6],
            fields[7..].concat()
        ),
    )
    .unwrap();
    for peer in [&mut knot, &mut bind] {
        peer.wait_for(zone, RecordType::DNSKEY, "serve the signed zone", |m| {
            m.answers
                .iter()
                .any(|r| r.record_type() == RecordType::DNSKEY)
        })
        .await;
        for name in [www.clone(), format!("no-such-name.{zone}")] {
            let out = Command::new("/usr/bin/delv")
                .args(["@127.0.0.1", "-p", &peer.port.to_string(), "-a"])
                .arg(&anchor_file)
                .arg(format!("+root={zone}"))
                .args([name.as_str(), "A"])
                .output()
                .expect("delv (bind9-dnsutils) runs");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                text.contains("fully validated"),
                "{}: delv {name}: {text}",
                peer.name
            );
        }
    }

    // The sync status says the fleet is in sync.
    let serial = zone_serial(&app, zone).await;
    served(&app, zone, serial).await;
    let deadline = Instant::now() + FOLLOW_TIMEOUT;
    loop {
        let r = admin.get(&format!("/api/v1/zones/{zone}/sync")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let sync = r.json();
        let catalog_ones: Vec<_> = sync["secondaries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["port"] != nsd.port)
            .collect();
        if catalog_ones.iter().all(|s| s["in_sync"] == true) {
            break;
        }
        assert!(Instant::now() < deadline, "not in sync: {sync}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A deleted zone disappears from the catalog consumers.
    let r = admin.delete(&format!("/api/v1/zones/{zone}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    for peer in [&mut knot, &mut bind] {
        peer.wait_for(zone, RecordType::SOA, "stop serving a deleted zone", |m| {
            m.metadata.response_code != ResponseCode::NoError || !m.metadata.authoritative
        })
        .await;
    }
    app.stop().await;
}
