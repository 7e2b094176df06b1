//! A signed child zone served by Knot DNS: the outside world of a DS check. `knotd` (Debian
//! package `knot`) runs on a free loopback port from a temporary directory, signs the zone
//! itself (ECDSA P-256, a separate KSK and ZSK), and `keymgr` — Knot's own tool, not our code —
//! says what the KSK's DS is.
//!
//! Knot is required: without it the tests fail and say how to install it, because a DS check
//! tested only against our own signatures would prove nothing.

use std::fmt::Write as _;
use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use hickory_proto::op::{Edns, Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};

/// Where Debian's `knot` package installs the server and its key manager.
const KNOTD: &str = "/usr/sbin/knotd";
const KEYMGR: &str = "/usr/sbin/keymgr";
/// Debian's `knot-dnsutils`: the DNSKEY lines "as served", printed by a tool other than ours.
const KDIG: &str = "/usr/bin/kdig";

/// How long Knot may take to start, generate keys and sign.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

static NEXT: AtomicU32 = AtomicU32::new(0);

/// `knotd` serving one zone that it signs itself; killed and cleaned up on drop.
pub struct SignedChild {
    pub port: u16,
    pub zone: Name,
    child: Child,
    dir: PathBuf,
}

impl Drop for SignedChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A loopback port that is free for both UDP and TCP right now.
pub fn free_port() -> u16 {
    for _ in 0..20 {
        let udp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port for Knot");
}

fn require(path: &str, package: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} not found: the DS check tests need Knot DNS to serve a signed zone. \
         Install the Debian `{package}` package (`apt-get install {package}`, or `zk` installs it)."
    );
}

impl SignedChild {
    /// Serves `zone` (e.g. `child.parent.test.`) from `text` (zone-file lines, relative to the
    /// zone; an SOA and NS are needed) with automatic signing, and waits until the DNSKEY
    /// RRset is served with its RRSIG.
    pub fn start(zone: &str, text: &str) -> Self {
        require(KNOTD, "knot");
        require(KEYMGR, "knot");
        let dir = std::env::temp_dir().join(format!(
            "zonekeeper-signed-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let d = dir.display();
        // Keys (KASP database and PEM key store) live in `storage`, i.e. the temp dir. Signing
        // policy: ECDSA P-256 with a KSK and a ZSK (`single-type-signing: off`), so that the
        // served RRset also holds a flags-256 key a DS must not count as a SEP key.
        let mut config = format!(
            "server:\n    rundir: \"{d}\"\n    listen: 127.0.0.1@{port}\n    \
             udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n\
             database:\n    storage: \"{d}\"\n\
             log:\n  - target: stderr\n    any: warning\n\
             policy:\n  - id: child\n    algorithm: ecdsap256sha256\n    \
             single-type-signing: off\n\
             template:\n  - id: default\n    storage: \"{d}\"\n    zonefile-sync: -1\n    \
             journal-content: none\n\
             zone:\n"
        );
        let file = format!("{zone}zone");
        fs::write(dir.join(&file), format!("$ORIGIN {zone}\n{text}\n")).unwrap();
        writeln!(
            config,
            "  - domain: {zone}\n    file: \"{file}\"\n    dnssec-signing: on\n    \
             dnssec-policy: child"
        )
        .unwrap();
        fs::write(dir.join("knot.conf"), config).unwrap();
        let log = fs::File::create(dir.join("knotd.log")).unwrap();
        let child = Command::new(KNOTD)
            .arg("--config")
            .arg(dir.join("knot.conf"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|err| panic!("could not start {KNOTD}: {err}"));
        let mut this = Self {
            port,
            zone: Name::from_ascii(zone).unwrap(),
            child,
            dir,
        };
        this.wait_signed();
        this
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.join("knotd.log")).unwrap_or_default()
    }

    /// Waits until Knot answers the zone's DNSKEY query authoritatively, with an RRSIG.
    fn wait_signed(&mut self) {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("knotd exited with {status} before serving:\n{}", self.log());
            }
            if let Some(answer) = self.ask(RecordType::DNSKEY) {
                if answer.metadata.response_code == ResponseCode::NoError
                    && answer.metadata.authoritative
                    && answer
                        .answers
                        .iter()
                        .any(|r| r.record_type() == RecordType::RRSIG)
                {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "knotd did not serve a signed {} within {STARTUP_TIMEOUT:?}:\n{}",
                self.zone,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// One UDP question with DO set; `None` without a (matching) answer within 200 ms.
    pub fn ask(&self, rtype: RecordType) -> Option<Message> {
        let mut query = Message::query();
        query.add_query(Query::query(self.zone.clone(), rtype));
        let mut edns = Edns::new();
        edns.set_max_payload(1232).set_dnssec_ok(true);
        query.set_edns(edns);
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).ok()?;
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .ok()?;
        socket.send_to(&query.to_vec().unwrap(), self.addr()).ok()?;
        let mut buf = vec![0; 65_535];
        let n = socket.recv(&mut buf).ok()?;
        let answer = Message::from_vec(&buf[..n]).ok()?;
        (answer.metadata.id == query.metadata.id).then_some(answer)
    }

    fn run(&self, program: &str, args: &[&str]) -> String {
        let Output {
            status,
            stdout,
            stderr,
        } = Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|err| panic!("could not run {program}: {err}"));
        assert!(
            status.success(),
            "{program} {args:?} failed ({status}): {}",
            String::from_utf8_lossy(&stderr)
        );
        String::from_utf8(stdout).unwrap()
    }

    /// The DS RDATA (`29721 13 2 7293…`) of the KSK with `digest_type` (2 or 4), as Knot's
    /// `keymgr <zone> ds` prints it.
    pub fn ksk_ds(&self, digest_type: u8) -> String {
        let config = self.dir.join("knot.conf");
        let zone = self.zone.to_ascii();
        let out = self.run(KEYMGR, &["-c", config.to_str().unwrap(), &zone, "ds"]);
        // `child.parent.test. DS 29721 13 2 72931244…`, one line per digest type.
        let lines: Vec<Vec<&str>> = out
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|f| f.len() == 6 && f[1] == "DS")
            .collect();
        let line = lines
            .iter()
            .find(|f| f[4] == digest_type.to_string())
            .unwrap_or_else(|| panic!("keymgr printed no DS of digest type {digest_type}:\n{out}"));
        line[2..].join(" ")
    }

    /// The key tag of the ZSK, from `keymgr <zone> list`.
    pub fn zsk_tag(&self) -> u16 {
        let config = self.dir.join("knot.conf");
        let zone = self.zone.to_ascii();
        let out = self.run(KEYMGR, &["-c", config.to_str().unwrap(), &zone, "list"]);
        // `5b9a07d4… 44364 ZSK ECDSAP256SHA256 publish=… active=…`
        let tags: Vec<u16> = out
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|f| f.len() > 2 && f[2] == "ZSK")
            .map(|f| f[1].parse().unwrap())
            .collect();
        assert_eq!(tags.len(), 1, "keymgr lists one ZSK:\n{out}");
        tags[0]
    }

    /// The DNSKEY lines as served (`child.parent.test. 3600 IN DNSKEY 257 3 13 …`), printed
    /// by `kdig`.
    pub fn dnskeys(&self) -> Vec<String> {
        require(KDIG, "knot-dnsutils");
        let out = self.run(
            KDIG,
            &[
                "@127.0.0.1",
                "-p",
                &self.port.to_string(),
                "+noall",
                "+answer",
                "+nomultiline",
                &self.zone.to_ascii(),
                "DNSKEY",
            ],
        );
        let lines: Vec<String> = out
            .lines()
            .filter(|l| l.split_whitespace().nth(3) == Some("DNSKEY"))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        assert!(!lines.is_empty(), "kdig printed no DNSKEY:\n{out}");
        lines
    }

    /// The served DNSKEY line of the KSK (flags 257).
    pub fn ksk_dnskey(&self) -> String {
        self.dnskey_with_flags(257)
    }

    /// The served DNSKEY line of the ZSK (flags 256).
    pub fn zsk_dnskey(&self) -> String {
        self.dnskey_with_flags(256)
    }

    fn dnskey_with_flags(&self, flags: u16) -> String {
        let keys = self.dnskeys();
        let mut matching = keys
            .iter()
            .filter(|l| l.split_whitespace().nth(4) == Some(flags.to_string().as_str()));
        let key = matching
            .next()
            .unwrap_or_else(|| panic!("no DNSKEY with flags {flags} served: {keys:?}"))
            .clone();
        assert!(
            matching.next().is_none(),
            "several keys with flags {flags}: {keys:?}"
        );
        key
    }
}
