//! Starting a server and exchanging messages with it.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use dns_engine::{check_zone, validate_rrset, DnsServer, EngineHealth, Zone};
use hickory_proto::op::{Edns, Message, Query, ResponseCode};
use hickory_proto::rr::rdata::opt::EdnsOption;
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::timeout;

/// The longest any single wait in these tests may take.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// How long to listen before concluding that no answer is coming.
pub const SILENCE: Duration = Duration::from_millis(300);

/// A server running on 127.0.0.1 with an OS-chosen port.
pub struct TestServer {
    pub addr: SocketAddr,
    pub health: EngineHealth,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|server| server).await
    }

    /// Starts a server after letting `configure` adjust it.
    pub async fn start_with(configure: impl FnOnce(DnsServer) -> DnsServer) -> Self {
        let server = DnsServer::bind((Ipv4Addr::LOCALHOST, 0).into()).unwrap();
        let server = configure(server);
        let addr = server.local_addr();
        let health = server.health();
        let (shutdown, stop) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = stop.await;
        }));
        timeout(TIMEOUT, async {
            while !health.is_serving() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("server did not come up");
        Self {
            addr,
            health,
            shutdown,
            task,
        }
    }

    /// Asks the server to stop and waits until it has.
    pub async fn stop(self) {
        self.shutdown.send(()).unwrap();
        timeout(TIMEOUT, self.task)
            .await
            .expect("server did not stop")
            .unwrap()
            .unwrap();
    }
}

/// A query for `name`/`rtype` with RD set, as a stub resolver would send it.
pub fn query(name: &str, rtype: RecordType) -> Message {
    let mut message = Message::query();
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
    message
}

/// `message` with an OPT record of the given version, payload size and DO bit.
pub fn with_edns(mut message: Message, version: u8, payload: u16, dnssec_ok: bool) -> Message {
    let mut edns = Edns::new();
    edns.set_version(version)
        .set_max_payload(payload)
        .set_dnssec_ok(dnssec_ok);
    message.set_edns(edns);
    message
}

/// Sends `packet` from a fresh UDP socket and returns the first reply, if one arrives within
/// `wait`.
pub async fn udp_exchange_within(
    addr: SocketAddr,
    packet: &[u8],
    wait: Duration,
) -> Option<Vec<u8>> {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    socket.send_to(packet, addr).await.unwrap();
    let mut buf = vec![0; 65_535];
    match timeout(wait, socket.recv_from(&mut buf)).await {
        Ok(received) => {
            let (len, from) = received.unwrap();
            assert_eq!(from, addr, "reply from the server's address");
            buf.truncate(len);
            Some(buf)
        }
        Err(_) => None,
    }
}

/// Sends `message` over UDP and decodes the reply, which must arrive.
pub async fn udp_query(addr: SocketAddr, message: &Message) -> Message {
    let reply = udp_exchange_within(addr, &message.to_vec().unwrap(), TIMEOUT)
        .await
        .expect("no UDP reply");
    Message::from_vec(&reply).unwrap()
}

/// A client TCP connection speaking RFC 7766 framing.
pub struct TcpClient(pub TcpStream);

impl TcpClient {
    pub async fn connect(addr: SocketAddr) -> Self {
        let stream = timeout(TIMEOUT, TcpStream::connect(addr))
            .await
            .expect("TCP connect timed out")
            .unwrap();
        Self(stream)
    }

    /// Writes raw bytes, framing included or not: the caller decides.
    pub async fn write_raw(&mut self, bytes: &[u8]) {
        timeout(TIMEOUT, self.0.write_all(bytes))
            .await
            .expect("TCP write timed out")
            .unwrap();
    }

    /// Writes one message with its two-byte length.
    pub async fn send(&mut self, message: &Message) {
        self.write_raw(&frame(&message.to_vec().unwrap())).await;
    }

    /// Reads one framed message; `None` if the server closed the connection.
    pub async fn recv(&mut self) -> Option<Message> {
        let mut length = [0; 2];
        let read = timeout(TIMEOUT, self.0.read_exact(&mut length))
            .await
            .expect("TCP read timed out");
        if read.is_err() {
            return None;
        }
        let mut body = vec![0; usize::from(u16::from_be_bytes(length))];
        timeout(TIMEOUT, self.0.read_exact(&mut body))
            .await
            .expect("TCP read timed out")
            .unwrap();
        Some(Message::from_vec(&body).unwrap())
    }

    /// Sends `message` and reads the reply, which must arrive.
    pub async fn query(&mut self, message: &Message) -> Message {
        self.send(message).await;
        self.recv().await.expect("TCP connection closed")
    }

    /// True if the server closes the connection within `wait` (reads EOF or a reset).
    pub async fn closed_within(&mut self, wait: Duration) -> bool {
        let mut byte = [0; 1];
        matches!(
            timeout(wait, self.0.read(&mut byte)).await,
            Ok(Ok(0) | Err(_))
        )
    }
}

/// `body` with its RFC 7766 two-byte length prefix.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut framed = u16::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    framed.extend_from_slice(body);
    framed
}

/// Builds a zone through the public API from lines of `owner ttl TYPE data` (owners relative to
/// `origin`; records of the same owner and type form one RRset). Panics with the validation
/// errors if the zone is not valid, so a typo in a test zone is loud.
pub fn zone(origin: &str, text: &str) -> Zone {
    let origin = Name::from_ascii(origin).unwrap();
    let mut groups: Vec<(String, String, i64, Vec<String>)> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut rest = line;
        let mut field = || {
            let (head, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            rest = tail.trim_start();
            head
        };
        let (owner, ttl, rtype) = (field(), field().parse::<i64>().unwrap(), field());
        let data = rest.trim();
        match groups
            .iter_mut()
            .find(|(o, t, _, _)| o.eq_ignore_ascii_case(owner) && t.eq_ignore_ascii_case(rtype))
        {
            Some(group) => group.3.push(data.to_owned()),
            None => groups.push((owner.into(), rtype.into(), ttl, vec![data.to_owned()])),
        }
    }
    let rrsets: Vec<_> = groups
        .iter()
        .map(|(owner, rtype, ttl, records)| {
            validate_rrset(&origin, owner, rtype, *ttl, records)
                .unwrap_or_else(|errors| panic!("{owner} {rtype}: {errors:?}"))
        })
        .collect();
    let report = check_zone(&origin, &rrsets);
    assert!(report.is_ok(), "{:?}", report.errors);
    Zone::new(&origin, rrsets).unwrap()
}

/// Starts a server whose catalog holds `zones`.
pub async fn serve(zones: Vec<Zone>) -> TestServer {
    TestServer::start_with(|server| {
        for zone in zones {
            server.catalog().insert_zone(zone);
        }
        server
    })
    .await
}

/// One row of a behaviour table: a question and the response expected for it. Records are
/// written `owner ttl TYPE data`, owners with the exact letter case expected.
pub struct Case {
    pub qname: &'static str,
    pub qtype: RecordType,
    pub rcode: ResponseCode,
    pub aa: bool,
    pub answer: &'static [&'static str],
    pub authority: &'static [&'static str],
    pub additional: &'static [&'static str],
}

fn render(records: &[Record]) -> Vec<String> {
    let mut lines: Vec<String> = records
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r.name,
                r.ttl,
                r.record_type(),
                rdata_text(&r.data)
            )
        })
        .collect();
    lines.sort();
    lines
}

/// Record data as the test tables write it: hickory's presentation format. The tests build
/// with the `server` feature, so hickory knows the DNSSEC types (DS prints as `tag algorithm
/// digest-type HEX`, RFC 4034 §5.3).
///
/// hickory has no typed DNAME and would print its data as base64; it is one uncompressed name
/// (RFC 6672 §2.1, §2.5), printed as such.
pub fn rdata_text(data: &RData) -> String {
    match data {
        RData::Unknown {
            code: RecordType::DNAME,
            rdata,
        } => {
            let mut decoder = BinDecoder::new(&rdata.anything);
            match Name::read(&mut decoder) {
                Ok(target) if decoder.is_empty() => target.to_string(),
                _ => format!("undecodable DNAME data {:02x?}", rdata.anything),
            }
        }
        _ => data.to_string(),
    }
}

fn sorted(lines: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    lines.sort();
    lines
}

/// Checks one response against its table row.
pub fn check(case: &Case, request: &Message, response: &Message, transport: &str) {
    let what = format!("{} {} over {transport}", case.qname, case.qtype);
    assert_eq!(response.metadata.id, request.metadata.id, "{what}");
    assert_eq!(response.metadata.response_code, case.rcode, "rcode: {what}");
    assert_eq!(response.metadata.authoritative, case.aa, "AA: {what}");
    assert!(!response.metadata.recursion_available, "RA: {what}");
    assert!(!response.metadata.truncation, "TC: {what}");
    assert!(
        response.queries[0]
            .name()
            .eq_case(request.queries[0].name()),
        "question echoed: {what}"
    );
    assert_eq!(
        render(&response.answers),
        sorted(case.answer),
        "answer: {what}"
    );
    assert_eq!(
        render(&response.authorities),
        sorted(case.authority),
        "authority: {what}"
    );
    assert_eq!(
        render(&response.additionals),
        sorted(case.additional),
        "additional: {what}"
    );
}

/// Serves `zones` and runs every case over UDP and over one TCP connection.
pub async fn run_table(zones: Vec<Zone>, cases: &[Case]) {
    let server = serve(zones).await;
    let mut tcp = TcpClient::connect(server.addr).await;
    for case in cases {
        let request = query(case.qname, case.qtype);
        let response = udp_query(server.addr, &request).await;
        check(case, &request, &response, "UDP");
        let response = tcp.query(&request).await;
        check(case, &request, &response, "TCP");
    }
    server.stop().await;
}

/// The EDNS option code of DNS Cookies (RFC 7873 §4).
pub const COOKIE_OPTION: u16 = 10;

/// `message` with EDNS (1232 octets, no DO) and a COOKIE option of exactly these octets (a
/// client cookie, or client and server cookie, or something malformed on purpose).
pub fn with_cookie(message: Message, cookie: &[u8]) -> Message {
    let mut message = with_edns(message, 0, 1232, false);
    message
        .edns
        .as_mut()
        .unwrap()
        .options_mut()
        .insert(EdnsOption::Unknown(COOKIE_OPTION, cookie.to_vec()));
    message
}

/// The COOKIE option of a response, if it carries one.
pub fn cookie_of(response: &Message) -> Option<Vec<u8>> {
    response.edns.as_ref().and_then(|edns| {
        edns.options()
            .as_ref()
            .iter()
            .find_map(|(_, option)| match option {
                EdnsOption::Unknown(COOKIE_OPTION, data) => Some(data.clone()),
                _ => None,
            })
    })
}
