//! A minimal stub resolver: asks the configured recursive resolver one question and reports
//! what came back, bounded in time. FCrDNS uses it for host names that are not hosted here.
//!
//! It sends one query with RD set over UDP (RFC 1035 §4.2.1), retries over TCP when the answer
//! is truncated, and gives up after the timeout: a slow or dead resolver yields
//! [`Resolution::Failed`], never a hang. Answers are matched to the query by ID and question
//! (RFC 5452 §9.1), so a stray datagram cannot pass for the answer.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

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

    async fn query(&self, name: &Name, rtype: RecordType) -> Result<Message, String> {
        let server = self
            .server()
            .ok_or_else(|| "no resolver is configured".to_owned())?;
        match tokio::time::timeout(self.timeout, exchange(server, name, rtype)).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "the resolver {server} did not answer within {} ms",
                self.timeout.as_millis()
            )),
        }
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

fn request(name: &Name, rtype: RecordType) -> Message {
    // A random ID (`Message::query`) is half of the defence against forged answers.
    let mut message = Message::query();
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(name.clone(), rtype));
    message
}

/// Whether `answer` answers `question` (same ID, a response, same question).
fn matches(question: &Message, answer: &Message) -> bool {
    answer.metadata.id == question.metadata.id
        && answer.metadata.message_type == MessageType::Response
        && answer.queries == question.queries
}

async fn exchange(server: SocketAddr, name: &Name, rtype: RecordType) -> Result<Message, String> {
    let question = request(name, rtype);
    let bytes = question.to_vec().map_err(|e| e.to_string())?;
    let bind: SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(bind).await.map_err(|e| e.to_string())?;
    socket.connect(server).await.map_err(|e| e.to_string())?;
    socket.send(&bytes).await.map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 4096];
    let answer = loop {
        let n = socket
            .recv(&mut buf)
            .await
            .map_err(|e| format!("the resolver {server} cannot be reached: {e}"))?;
        // Anything that does not parse or does not match is ignored; the timeout bounds this.
        if let Ok(answer) = Message::from_vec(&buf[..n]) {
            if matches(&question, &answer) {
                break answer;
            }
        }
    };
    if !answer.metadata.truncation {
        return Ok(answer);
    }
    // RFC 7766 §5: a truncated UDP answer is retried over TCP.
    let mut stream = TcpStream::connect(server)
        .await
        .map_err(|e| e.to_string())?;
    let length = u16::try_from(bytes.len()).map_err(|e| e.to_string())?;
    let mut framed = length.to_be_bytes().to_vec();
    framed.extend_from_slice(&bytes);
    stream.write_all(&framed).await.map_err(|e| e.to_string())?;
    let length = stream.read_u16().await.map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; usize::from(length)];
    stream
        .read_exact(&mut buf)
        .await
        .map_err(|e| e.to_string())?;
    let answer = Message::from_vec(&buf).map_err(|e| e.to_string())?;
    if matches(&question, &answer) {
        Ok(answer)
    } else {
        Err("the resolver's TCP answer does not match the question".into())
    }
}
