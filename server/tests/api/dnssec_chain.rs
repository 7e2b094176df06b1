//! The chain of trust through a parent zone served by Zonekeeper, shown by real validators.
//!
//! Zonekeeper signs `parent.test.` and delegates `child.parent.test.` to Knot, which signs
//! the child with keys of its own. The only trust anchor is the parent's key, as Zonekeeper
//! shows it. A validating resolver (Unbound, told where both zones are served) answers for a
//! name in the child, and `delv` validates that answer itself from the same anchor:
//!
//! * without a DS at the parent the child is provably insecure (the parent's signed denial
//!   of a DS): an answer, but no AD bit, and delv says "unsigned answer";
//! * once the customer's DS is submitted, checked valid and published, the same question is
//!   answered with AD, and delv reports "fully validated".

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hickory_proto::rr::RecordType;
use reqwest::StatusCode;
use serde_json::json;

use crate::dns_live::Dns;
use crate::ds::{parent_with_delegation, start_child};
use crate::harness::TestApp;
use crate::knot::free_port;

const UNBOUND: &str = "/usr/sbin/unbound";
const DELV: &str = "/usr/bin/delv";
const DIG: &str = "/usr/bin/dig";

fn require(path: &str, package: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} not found: the chain-of-trust test needs it. Install the Debian `{package}` \
         package (`zk test` installs it)."
    );
}

/// Unbound on a loopback port, validating from one trust anchor, with stub zones pointing at
/// the servers of the parent and the child (ports other than 53 are why it needs stubs).
struct Unbound {
    port: u16,
    dir: PathBuf,
    child: Child,
}

impl Unbound {
    fn start(anchor: &str, stubs: &[(&str, u16)]) -> Unbound {
        require(UNBOUND, "unbound");
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("zonekeeper-unbound-{}-{port}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let d = dir.display();
        let mut config = format!(
            "server:\n  interface: 127.0.0.1\n  port: {port}\n  do-daemonize: no\n  \
             use-syslog: no\n  logfile: \"{d}/unbound.log\"\n  verbosity: 1\n  chroot: \"\"\n  \
             username: \"\"\n  directory: \"{d}\"\n  pidfile: \"\"\n  \
             do-not-query-localhost: no\n  module-config: \"validator iterator\"\n  \
             trust-anchor: \"{anchor}\"\n  val-log-level: 2\n  qname-minimisation: no\n  \
             harden-referral-path: no\n  access-control: 127.0.0.0/8 allow\n  \
             num-threads: 1\n  do-ip6: no\n  local-zone: \"test.\" nodefault\n"
        );
        for (zone, server_port) in stubs {
            write!(
                config,
                "stub-zone:\n  name: \"{zone}\"\n  stub-addr: 127.0.0.1@{server_port}\n"
            )
            .unwrap();
        }
        config.push_str("remote-control:\n  control-enable: no\n");
        fs::write(dir.join("unbound.conf"), config).unwrap();
        let child = Command::new(UNBOUND)
            .arg("-d")
            .arg("-c")
            .arg(dir.join("unbound.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {UNBOUND}: {e}"));
        let unbound = Unbound { port, dir, child };
        // Ready when it answers at all (a question for a name outside every stub is refused
        // or fails, but it is answered).
        let deadline = Instant::now() + Duration::from_secs(10);
        while unbound.dig(&["parent.test.", "SOA"]).is_err() {
            assert!(
                Instant::now() < deadline,
                "unbound did not start: {}",
                unbound.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        unbound
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.join("unbound.log")).unwrap_or_default()
    }

    /// `dig` through this resolver, DNSSEC records asked for; Err when it got no answer.
    fn dig(&self, args: &[&str]) -> Result<String, String> {
        require(DIG, "bind9-dnsutils");
        let out = Command::new(DIG)
            .args([
                "@127.0.0.1",
                "-p",
                &self.port.to_string(),
                "+dnssec",
                "+time=2",
                "+tries=1",
            ])
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() && text.contains("status:") {
            Ok(text)
        } else {
            Err(text)
        }
    }

    /// `delv` validating the answer itself, from `anchor_file`, asking this resolver.
    fn delv(&self, anchor_file: &Path, zone: &str, name: &str, rtype: &str) -> String {
        require(DELV, "bind9-dnsutils");
        let out = Command::new(DELV)
            .args(["@127.0.0.1", "-p", &self.port.to_string(), "-a"])
            .arg(anchor_file)
            .arg(format!("+root={zone}"))
            .args([name, rtype])
            .output()
            .unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
}

impl Drop for Unbound {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn flags(dig: &str) -> String {
    dig.lines()
        .find(|l| l.starts_with(";; flags:"))
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_chain_through_a_parent_served_here_validates_once_the_ds_is_valid() {
    let knot = start_child("child.parent.test.").await;
    let app = TestApp::start_with_nameserver_port(knot.port).await;
    let mut alice = app.customer("alice@example.org").await;
    parent_with_delegation(&mut alice, "parent.test", "child").await;
    let r = alice
        .put("/api/v1/zones/parent.test/dnssec", json!({"signed": true}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let dnskey = r.json()["dnskey"].as_str().unwrap().to_owned();
    // `parent.test. 3600 IN DNSKEY 257 3 13 <key>` → the anchor Unbound and delv start from.
    let fields: Vec<&str> = dnskey.split_whitespace().collect();
    assert_eq!(&fields[3..6], ["DNSKEY", "257", "3"], "{dnskey}");
    let anchor = format!("parent.test. DNSKEY {}", fields[4..].join(" "));
    let anchor_file = std::env::temp_dir().join(format!("zonekeeper-anchor-{}", knot.port));
    fs::write(
        &anchor_file,
        format!(
            "trust-anchors {{ parent.test. static-key {} {} {} \"{}\"; }};\n",
            fields[4],
            fields[5],
            fields[6],
            fields[7..].concat()
        ),
    )
    .unwrap();
    let mut dns = Dns::new(app.dns_addr).await;
    dns.wait_for(
        "parent.test.",
        RecordType::DNSKEY,
        "the parent's DNSKEY",
        |a| !a.answers.is_empty(),
    )
    .await;
    let engine_port = app.dns_addr.port();
    let stubs = [
        ("parent.test.", engine_port),
        ("child.parent.test.", knot.port),
    ];

    // No DS yet: the parent proves there is none, so the child is insecure, not bogus.
    let before = {
        let anchor = anchor.clone();
        let anchor_file = anchor_file.clone();
        tokio::task::spawn_blocking(move || {
            let unbound = Unbound::start(&anchor, &stubs);
            let dig = unbound.dig(&["www.child.parent.test.", "A"]);
            let delv = unbound.delv(&anchor_file, "parent.test.", "www.child.parent.test.", "A");
            let parent = unbound.dig(&["parent.test.", "SOA"]);
            (dig, delv, parent, unbound.log())
        })
        .await
        .unwrap()
    };
    let (dig, delv, parent, log) = before;
    let parent = parent.unwrap_or_else(|e| panic!("no answer for parent.test SOA: {e}\n{log}"));
    assert!(
        flags(&parent).contains(" ad"),
        "the signed parent validates: {parent}\n{log}"
    );
    let dig = dig.unwrap_or_else(|e| panic!("no answer: {e}\n{log}"));
    assert!(dig.contains("status: NOERROR"), "{dig}\n{log}");
    assert!(dig.contains("192.0.2.80"), "{dig}");
    assert!(!flags(&dig).contains(" ad"), "insecure child, no AD: {dig}");
    assert!(
        delv.contains("; unsigned answer"),
        "delv before the DS: {delv}\n{log}"
    );

    // The customer's DS (Knot's KSK), checked live and published at the delegation.
    let r = alice
        .post("/api/v1/domains", json!({"name": "child.parent.test"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = alice
        .post(
            "/api/v1/domains/child.parent.test/ds",
            json!({"ds": knot.ksk_ds(2)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["record"]["state"], "valid");
    dns.wait_for("child.parent.test.", RecordType::DS, "the DS", |a| {
        a.answers.iter().any(|r| r.record_type() == RecordType::DS)
    })
    .await;

    // A fresh resolver (nothing cached from before): the chain validates.
    let (dig, delv, log) = tokio::task::spawn_blocking(move || {
        let unbound = Unbound::start(&anchor, &stubs);
        let dig = unbound.dig(&["www.child.parent.test.", "A"]);
        let delv = unbound.delv(&anchor_file, "parent.test.", "www.child.parent.test.", "A");
        let _ = fs::remove_file(&anchor_file);
        (dig, delv, unbound.log())
    })
    .await
    .unwrap();
    let dig = dig.unwrap_or_else(|e| panic!("no answer: {e}\n{log}"));
    assert!(dig.contains("status: NOERROR"), "{dig}\n{log}");
    assert!(
        flags(&dig).contains(" ad"),
        "validated through the parent: {dig}\n{log}"
    );
    assert!(
        delv.contains("; fully validated"),
        "delv after the DS: {delv}\n{log}"
    );
    assert!(delv.contains("192.0.2.80"), "{delv}");
    app.stop().await;
}
