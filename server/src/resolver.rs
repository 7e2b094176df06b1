//! A minimal stub resolver: asks the configured recursive resolver one question and reports
//! what came back, bounded in time. FCrDNS uses it for host names that are not hosted here,
//! the DS check for the name servers of a domain.
//!
//! It sends one query with RD set over UDP (RFC 1035 §4.2.1), retries over TCP when the answer
//! is truncated, and gives up after the timeout: a slow or dead resolver yields
//! [`Resolution::Failed`], never a hang. Answers are matched to the query by ID and question
//! (RFC 5452 §9.1), so a stray datagram cannot pass for the answer.
//!
//! [`exchange`] is the same wire glue for any server and any way of asking: the DS check asks
//! a domain's authoritative servers directly, without RD, with EDNS(0) and the DO bit.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::Instant;

/// What the resolver said about a name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The addresses of the name (after any CNAMEs); possibly empty (NODATA).
    Addresses(Vec<IpAddr>),
    /// The name does not exist.
    NxDomain,
    /// No usable answer: timeout, SERVFAIL, REFUSED, garbage. The reason is for people.
    Failed(String),
}

/// Where and how long to ask.
#[derive(Debug, Clone)]
pub struct Resolver {
    server: Option<SocketAddr>,
    timeout: Duration,
}

impl Resolver {
    /// Ask `server` (or, when `None`, the first `nameserver` of /etc/resolv.conf, read on each
    /// use so that a changed system configuration is picked up), waiting at most `timeout`.
    pub fn new(server: Option<SocketAddr>, timeout: Duration) -> Self {
        Self { server, timeout }
    }

    fn server(&self) -> Option<SocketAddr> {
        self.server.or_else(system_resolver)
    }

    /// The A (IPv4) or AAAA (IPv6) records of `name`.
    pub async fn addresses(&self, name: &Name, v4: bool) -> Resolution {
        let rtype = if v4 { RecordType::A } else { RecordType::AAAA };
        match self.query(name, rtype).await {
            Ok(message) => match message.metadata.response_code {
                ResponseCode::NoError => Resolution::Addresses(
                    message
                        .answers
                        .iter()
                        .filter_map(|r| match &r.data {
                            RData::A(a) if v4 => Some(IpAddr::V4(a.0)),
                            RData::AAAA(a) if !v4 => Some(IpAddr::V6(a.0)),
                            _ => None,
                        })
                        .collect(),
                ),
                ResponseCode::NXDomain => Resolution::NxDomain,
                code => Resolution::Failed(format!("the resolver answered {code}")),
            },
            Err(reason) => Resolution::Failed(reason),
        }
    }

    /// Whether `name` exists at all (any answer but NXDOMAIN); `None` when unknown.
    pub async fn exists(&self, name: &Name) -> Option<bool> {
        match self.query(name, RecordType::SOA).await {
            Ok(m) if m.metadata.response_code == ResponseCode::NXDomain => Some(false),
            Ok(m) if m.metadata.response_code == ResponseCode::NoError => Some(true),
            _ => None,
        }
    }

    /// The names of the name servers of `domain`: its NS RRset from the answer section or,
    /// when the resolver answers with a referral, from the authority section (the parent's
    /// delegation, RFC 1034 §4.3.2). Never empty: no NS records is an error, in a sentence.
    pub async fn ns_names(&self, domain: &Name) -> Result<Vec<Name>, String> {
        let message = self.query(domain, RecordType::NS).await?;
        match message.metadata.response_code {
            ResponseCode::NoError => {}
            ResponseCode::NXDomain => return Err(format!("{domain} does not exist")),
            code => {
                return Err(format!(
                    "the resolver answered {code} for the NS of {domain}"
                ))
            }
        }
        let from = |records: &[hickory_proto::rr::Record]| -> Vec<Name> {
            let mut names: Vec<Name> = Vec::new();
            for record in records {
                if let RData::NS(ns) = &record.data {
                    if record.name == *domain && !names.contains(&ns.0) {
                        names.push(ns.0.clone());
                    }
                }
            }
            names
        };
        let mut names = from(&message.answers);
        if names.is_empty() {
            names = from(&message.authorities);
        }
        if names.is_empty() {
            Err(format!("{domain} has no NS records"))
        } else {
            Ok(names)
        }
    }

    async fn query(&self, name: &Name, rtype: RecordType) -> Result<Message, String> {
        let server = self
            .server()
            .ok_or_else(|| "no resolver is configured".to_owned())?;
        exchange(server, name, rtype, Ask::RECURSIVE, self.timeout)
            .await
            .map_err(|reason| format!("the resolver {server} {reason}"))
    }
}

/// The first `nameserver` line of /etc/resolv.conf, on port 53.
fn system_resolver() -> Option<SocketAddr> {
    let text = std::fs::read_to_string("/etc/resolv.conf").ok()?;
    text.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        (words.next() == Some("nameserver"))
            .then(|| words.next()?.split('%').next()?.parse::<IpAddr>().ok())
            .flatten()
            .map(|ip| SocketAddr::new(ip, 53))
    })
}

/// How a question is put to a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ask {
    /// RD (RFC 1035 §4.1.1): set for a recursive resolver, clear for an authoritative server.
    pub recursion_desired: bool,
    /// Send an OPT record (RFC 6891) advertising [`EDNS_PAYLOAD`] with the DO bit set
    /// (RFC 3225), so that an authoritative server includes the RRSIGs.
    pub dnssec_ok: bool,
    /// Retry over TCP when UDP fails or stays silent for half the time, not only when the
    /// answer is truncated: some servers drop UDP or large datagrams but answer over TCP.
    pub tcp_fallback: bool,
}

impl Ask {
    /// A recursive resolver: RD, no EDNS, TCP only after truncation.
    pub const RECURSIVE: Ask = Ask {
        recursion_desired: true,
        dnssec_ok: false,
        tcp_fallback: false,
    };
    /// An authoritative server, for DNSSEC data: no RD, EDNS with DO, TCP on any UDP failure.
    pub const AUTHORITATIVE_DNSSEC: Ask = Ask {
        recursion_desired: false,
        dnssec_ok: true,
        tcp_fallback: true,
    };
}

/// The EDNS UDP payload size we advertise: 1232 bytes avoids IP fragmentation on nearly every
/// path (the DNS Flag Day 2020 recommendation).
pub const EDNS_PAYLOAD: u16 = 1232;

fn request(name: &Name, rtype: RecordType, ask: Ask) -> Message {
    // A random ID (`Message::query`) is half of the defence against forged answers.
    let mut message = Message::query();
    message.metadata.recursion_desired = ask.recursion_desired;
    message.add_query(Query::query(name.clone(), rtype));
    if ask.dnssec_ok {
        let mut edns = Edns::new();
        edns.set_max_payload(EDNS_PAYLOAD).set_dnssec_ok(true);
        message.set_edns(edns);
    }
    message
}

/// Whether `answer` answers `question` (same ID, a response, same question).
fn matches(question: &Message, answer: &Message) -> bool {
    answer.metadata.id == question.metadata.id
        && answer.metadata.message_type == MessageType::Response
        && answer.queries == question.queries
}

/// Asks `server` one question and returns the matching answer, whatever its RCODE, within
/// `timeout` in all. Errors are predicates of the server for people ("did not answer within
/// 500 ms"), so that a caller can put the server's name or role in front.
pub async fn exchange(
    server: SocketAddr,
    name: &Name,
    rtype: RecordType,
    ask: Ask,
    timeout: Duration,
) -> Result<Message, String> {
    let deadline = Instant::now() + timeout;
    let question = request(name, rtype, ask);
    let bytes = question
        .to_vec()
        .map_err(|e| format!("cannot be asked about {name}: {e}"))?;
    let udp_wait = if ask.tcp_fallback {
        timeout / 2
    } else {
        timeout
    };
    let udp_failure = match tokio::time::timeout(udp_wait, udp(server, &question, &bytes)).await {
        Ok(Ok(answer)) if !answer.metadata.truncation => return Ok(answer),
        // RFC 7766 §5: a truncated UDP answer is retried over TCP.
        Ok(Ok(_)) => None,
        Ok(Err(reason)) => Some(reason),
        Err(_) if ask.tcp_fallback => Some(format!(
            "did not answer over UDP within {} ms",
            udp_wait.as_millis()
        )),
        Err(_) => Some(format!("did not answer within {} ms", udp_wait.as_millis())),
    };
    if let Some(reason) = &udp_failure {
        if !ask.tcp_fallback {
            return Err(reason.clone());
        }
    }
    let tcp_result = match tokio::time::timeout_at(deadline, tcp(&question, server, &bytes)).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "did not answer over TCP within {} ms",
            timeout.as_millis()
        )),
    };
    tcp_result.map_err(|tcp_reason| match udp_failure {
        Some(udp_reason) => format!("{udp_reason}, and {tcp_reason}"),
        None => tcp_reason,
    })
}

/// An I/O error for people: "Connection refused", without the " (os error 111)".
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// One UDP exchange; unbounded in time (the caller bounds it).
pub(crate) async fn udp(
    server: SocketAddr,
    question: &Message,
    bytes: &[u8],
) -> Result<Message, String> {
    let bind: SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let unreachable = |e: std::io::Error| format!("cannot be reached over UDP: {}", io_reason(&e));
    let socket = UdpSocket::bind(bind).await.map_err(unreachable)?;
    socket.connect(server).await.map_err(unreachable)?;
    socket.send(bytes).await.map_err(unreachable)?;
    let mut buf = vec![0u8; 65_535];
    loop {
        let n = socket.recv(&mut buf).await.map_err(unreachable)?;
        // Anything that does not parse or does not match is ignored; the timeout bounds this.
        if let Ok(answer) = Message::from_vec(&buf[..n]) {
            if matches(question, &answer) {
                return Ok(answer);
            }
        }
    }
}

/// One TCP exchange (RFC 1035 §4.2.2: two-byte length prefix); unbounded in time.
async fn tcp(question: &Message, server: SocketAddr, bytes: &[u8]) -> Result<Message, String> {
    let unreachable = |e: std::io::Error| format!("cannot be reached over TCP: {}", io_reason(&e));
    let mut stream = TcpStream::connect(server).await.map_err(unreachable)?;
    let length = u16::try_from(bytes.len())
        .map_err(|_| "cannot be asked: the query is too long".to_owned())?;
    let mut framed = length.to_be_bytes().to_vec();
    framed.extend_from_slice(bytes);
    stream.write_all(&framed).await.map_err(unreachable)?;
    let length = stream.read_u16().await.map_err(unreachable)?;
    let mut buf = vec![0u8; usize::from(length)];
    stream.read_exact(&mut buf).await.map_err(unreachable)?;
    let answer =
        Message::from_vec(&buf).map_err(|e| format!("sent a malformed TCP answer: {e}"))?;
    if matches(question, &answer) {
        Ok(answer)
    } else {
        Err("sent a TCP answer that does not match the question".into())
    }
}
