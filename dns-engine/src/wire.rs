//! Wire handling: DNS messages as bytes, in and out.
//!
//! [`parse`] reads a request and decides whether it is a query that lookup should see, a request
//! that gets an error reply straight away, or something to drop without a word. [`answer`] and
//! [`reject`] build the response: header bits copied or set as RFC 1035 says, the question echoed
//! as the client spelled it, EDNS(0) as RFC 6891 says, and a size that fits the transport (TC set
//! when it does not). Every RCODE the engine sends is chosen in one place, `response_code`.
//! Lookup never sees any of this; the transport never looks inside a message.
//!
//! The COOKIE option (RFC 7873) is read here — a malformed one is FORMERR — and the cookie the
//! server decided on is written here ([`Extras`]); what a cookie proves is
//! [`crate::cookie`]'s business.

use hickory_proto::dnssec::rdata::DNSSECRData;
use hickory_proto::op::{
    Edns, Header, Message, MessageType, Metadata, OpCode, Query, ResponseCode,
};
use hickory_proto::rr::rdata::opt::EdnsOption;
use hickory_proto::rr::{DNSClass, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};
use tracing::{debug, warn};

use crate::cookie::{MalformedCookie, RequestCookie, ResponseCookie, COOKIE_OPTION};
use crate::lookup::Outcome;

/// The largest UDP response we send and the payload size we advertise in our OPT record.
///
/// 1232 bytes (DNS Flag Day 2020) fits the IPv6 minimum MTU of 1280 bytes after the IPv6 and UDP
/// headers, so no response depends on IP fragmentation, which is both lossy and spoofable.
/// Clients that offer more still get at most this; larger answers go over TCP after TC.
pub const UDP_PAYLOAD: u16 = 1232;

/// RFC 1035 §4.2.1: "Messages carried by UDP are restricted to 512 bytes (not counting the IP
/// or UDP headers)." RFC 6891 §6.2.5: advertised sizes below 512 are treated as 512.
const CLASSIC_UDP_PAYLOAD: u16 = 512;

/// RFC 1035 §4.1.1: the header is always 12 bytes.
const HEADER_LEN: usize = 12;

/// The EDNS version this engine implements (RFC 6891 §6.1.3).
const EDNS_VERSION: u8 = 0;

/// RFC 8914 §2: the EDNS option code of Extended DNS Errors.
pub(crate) const EDE_OPTION: u16 = 15;

/// RFC 8914 §4.21: "Not Authoritative", for questions about names in none of our zones.
const EDE_NOT_AUTHORITATIVE: u16 = 20;

/// The transport a request arrived on, which bounds the size of its response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Datagrams: 512 bytes, or the EDNS payload size up to [`UDP_PAYLOAD`].
    Udp,
    /// RFC 7766 framing: a two-byte length, so up to 65535 bytes.
    Tcp,
}

impl Transport {
    /// The largest response, in bytes, that may be sent to a client with `edns` over `self`.
    pub fn response_limit(self, edns: Option<ClientEdns>) -> usize {
        match (self, edns) {
            (Self::Tcp, _) => usize::from(u16::MAX),
            (Self::Udp, None) => usize::from(CLASSIC_UDP_PAYLOAD),
            (Self::Udp, Some(edns)) => {
                usize::from(edns.max_payload.clamp(CLASSIC_UDP_PAYLOAD, UDP_PAYLOAD))
            }
        }
    }
}

/// What a client said in its OPT record, reduced to what the response depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientEdns {
    /// The UDP payload size the client can receive.
    pub max_payload: u16,
    /// The DO bit (RFC 3225): the client wants DNSSEC records.
    pub dnssec_ok: bool,
    /// The COOKIE option (RFC 7873), if the client sent a well-formed one.
    pub cookie: Option<RequestCookie>,
}

impl ClientEdns {
    /// Reads `edns`; a malformed COOKIE option is an error (RFC 7873 §5.2.2).
    fn read(edns: &Edns) -> Result<Self, MalformedCookie> {
        let base = Self::without_cookie(edns);
        // Only the first COOKIE option counts; RFC 7873 gives a request one.
        let cookie = edns
            .options()
            .as_ref()
            .iter()
            .find_map(|(_, option)| match option {
                EdnsOption::Unknown(COOKIE_OPTION, data) => Some(data),
                _ => None,
            });
        Ok(Self {
            cookie: cookie.map(|data| RequestCookie::parse(data)).transpose()?,
            ..base
        })
    }

    /// Reads `edns`, leaving out the COOKIE option.
    fn without_cookie(edns: &Edns) -> Self {
        Self {
            max_payload: edns.max_payload(),
            dnssec_ok: edns.flags().dnssec_ok,
            cookie: None,
        }
    }
}

/// A query that passed every wire check: opcode QUERY, exactly one question, EDNS absent or
/// version 0. This is what lookup gets to see.
#[derive(Clone, Debug)]
pub struct Request {
    header: Metadata,
    question: Query,
    edns: Option<ClientEdns>,
}

impl Request {
    /// The single question, spelled as the client sent it.
    pub fn question(&self) -> &Query {
        &self.question
    }

    /// The client's EDNS parameters, if it sent an OPT record.
    pub fn edns(&self) -> Option<ClientEdns> {
        self.edns
    }

    /// The message ID, to be copied into the response.
    pub fn id(&self) -> u16 {
        self.header.id
    }

    /// The COOKIE option, if the client sent one.
    pub fn cookie(&self) -> Option<RequestCookie> {
        self.edns.and_then(|edns| edns.cookie)
    }
}

/// Why a request is answered with an error instead of being looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The header was readable but the rest of the message was not.
    #[error("malformed message")]
    Malformed,
    /// A query must carry exactly one question.
    #[error("{0} questions in a query; exactly one is allowed")]
    QuestionCount(u16),
    /// An opcode other than QUERY (NOTIFY, UPDATE, … are not implemented yet).
    #[error("opcode {0} is not implemented")]
    NotImplemented(OpCode),
    /// An EDNS version above the one we implement.
    #[error("EDNS version {0} is not supported")]
    BadEdnsVersion(u8),
    /// A COOKIE option of a length RFC 7873 does not allow.
    #[error(transparent)]
    MalformedCookie(#[from] MalformedCookie),
    /// Our own response could not be encoded: a bug, answered rather than hidden.
    #[error("the response could not be encoded")]
    Encode,
}

/// A request that gets an error reply without a lookup.
#[derive(Clone, Debug)]
pub struct Rejection {
    header: Metadata,
    question: Option<Query>,
    edns: Option<ClientEdns>,
    error: RequestError,
}

impl Rejection {
    /// Why the request is rejected.
    pub fn error(&self) -> RequestError {
        self.error
    }

    /// The message ID, to be copied into the response.
    pub fn id(&self) -> u16 {
        self.header.id
    }

    /// The COOKIE option, if the client sent a well-formed one.
    pub fn cookie(&self) -> Option<RequestCookie> {
        self.edns.and_then(|edns| edns.cookie)
    }
}

/// Why a packet is dropped without any reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// Shorter than a DNS header: there is not even an ID to answer to.
    TooShort,
    /// A response (QR=1). Answering responses lets two servers bounce errors at each other
    /// forever, and spoofed "responses" could aim our replies at a victim.
    Response,
}

/// What to do with one received packet.
#[derive(Clone, Debug)]
pub enum Parsed {
    /// Look it up and answer.
    Query(Request),
    /// Answer with an error straight away.
    Reject(Rejection),
    /// Send nothing.
    Drop(DropReason),
}

/// Reads one request packet.
pub fn parse(packet: &[u8]) -> Parsed {
    if packet.len() < HEADER_LEN {
        return Parsed::Drop(DropReason::TooShort);
    }
    let Ok(Header {
        metadata: header, ..
    }) = Header::read(&mut BinDecoder::new(packet))
    else {
        return Parsed::Drop(DropReason::TooShort);
    };
    if header.message_type == MessageType::Response {
        return Parsed::Drop(DropReason::Response);
    }

    let message = Message::from_vec(packet);
    let rejected = |question, edns, error| {
        Parsed::Reject(Rejection {
            header,
            question,
            edns,
            error,
        })
    };

    // RFC 1035 §4.1.1, RCODE 4: "The name server does not support the requested kind of
    // query." Checked before the body, whose format depends on the opcode; the OPT record is
    // still echoed when the body happens to be readable.
    if header.op_code != OpCode::Query {
        let edns = message.ok().and_then(|message| {
            let edns = message.edns.as_ref()?;
            Some(ClientEdns::read(edns).unwrap_or_else(|_| ClientEdns::without_cookie(edns)))
        });
        return rejected(None, edns, RequestError::NotImplemented(header.op_code));
    }

    let message = match message {
        Ok(message) => message,
        Err(err) => {
            debug!(id = header.id, %err, "undecodable request");
            return rejected(None, None, RequestError::Malformed);
        }
    };
    let mut queries = message.queries;
    let question = if queries.len() == 1 {
        queries.pop()
    } else {
        None
    };

    // RFC 6891 §6.1.3: "If a responder does not implement the VERSION level of the request,
    // then it MUST respond with RCODE=BADVERS." The options of a version we do not know are
    // not read.
    if let Some(opt) = message.edns.as_ref() {
        if opt.version() > EDNS_VERSION {
            let edns = Some(ClientEdns::without_cookie(opt));
            return rejected(question, edns, RequestError::BadEdnsVersion(opt.version()));
        }
    }
    // RFC 7873 §5.2.2: a malformed COOKIE option is FORMERR; it is not echoed.
    let edns = match message.edns.as_ref().map(ClientEdns::read).transpose() {
        Ok(edns) => edns,
        Err(malformed) => {
            let edns = message.edns.as_ref().map(ClientEdns::without_cookie);
            return rejected(question, edns, malformed.into());
        }
    };

    match question {
        Some(question) => Parsed::Query(Request {
            header,
            question,
            edns,
        }),
        None => {
            let count = u16::try_from(queries.len()).unwrap_or(u16::MAX);
            rejected(None, edns, RequestError::QuestionCount(count))
        }
    }
}

/// What the server adds to a response beyond what lookup or the request decided.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extras {
    /// The COOKIE option to send (RFC 7873 §5.2.3–§5.2.5): the client's cookie and our server
    /// cookie. Sent only if the request had an OPT record.
    pub cookie: Option<ResponseCookie>,
    /// Send the response truncated: TC set, the question and OPT but no records, so that the
    /// client retries over TCP. Rate limiting does this to the responses that slip.
    pub truncate: bool,
}

/// The response to a checked query, given what lookup made of it.
pub fn answer(request: &Request, outcome: &Outcome, transport: Transport) -> Vec<u8> {
    answer_with(request, outcome, transport, Extras::default())
}

/// [`answer`], with what the server adds.
pub fn answer_with(
    request: &Request,
    outcome: &Outcome,
    transport: Transport,
    extras: Extras,
) -> Vec<u8> {
    let mut message = response(
        &request.header,
        Some(&request.question),
        request.edns,
        Reply::Lookup(outcome),
        extras,
    );
    // RFC 1035 §4.1.1: AA "specifies that the responding name server is an authority for the
    // domain name in question section". A referral is not authoritative unless its answer
    // section already holds a CNAME from our zone; REFUSED is never authoritative.
    let sections = match outcome {
        Outcome::Refused => {
            // RFC 8914 §4.21, Extended DNS Error 20 "Not Authoritative": say why, to clients
            // that can hear it. Other classes are simply not served.
            let ours = matches!(request.question.query_class(), DNSClass::IN | DNSClass::ANY);
            if let Some(edns) = message.edns.as_mut().filter(|_| ours) {
                edns.options_mut().insert(EdnsOption::Unknown(
                    EDE_OPTION,
                    EDE_NOT_AUTHORITATIVE.to_be_bytes().to_vec(),
                ));
            }
            None
        }
        Outcome::Answer(sections)
        | Outcome::NoData(sections)
        | Outcome::NxDomain(sections)
        | Outcome::YxDomain(sections) => {
            message.metadata.authoritative = true;
            Some(sections)
        }
        Outcome::Referral(sections) => {
            message.metadata.authoritative = !sections.answers.is_empty();
            Some(sections)
        }
    };
    if let Some(sections) = sections.filter(|_| !extras.truncate) {
        message.answers.extend(sections.answers.iter().cloned());
        message
            .authorities
            .extend(sections.authority.iter().cloned());
        message
            .additionals
            .extend(sections.additional.iter().cloned());
    }
    // RFC 9471 §3: the glue of a referral is not optional, so it only goes with TC; the
    // addresses added to other answers are a courtesy that may be left out instead.
    let additional = if matches!(outcome, Outcome::Referral(_)) {
        Additional::Required
    } else {
        Additional::Optional
    };
    finish(message, transport.response_limit(request.edns), additional)
}

/// The error response to a rejected request.
pub fn reject(rejection: &Rejection, transport: Transport) -> Vec<u8> {
    reject_with(rejection, transport, Extras::default())
}

/// [`reject`], with what the server adds.
pub fn reject_with(rejection: &Rejection, transport: Transport, extras: Extras) -> Vec<u8> {
    let message = response(
        &rejection.header,
        rejection.question.as_ref(),
        rejection.edns,
        Reply::Error(rejection.error),
        extras,
    );
    finish(
        message,
        transport.response_limit(rejection.edns),
        Additional::Required,
    )
}

/// Everything that can decide a response's RCODE.
#[derive(Clone, Copy, Debug)]
enum Reply<'a> {
    Lookup(&'a Outcome),
    Error(RequestError),
}

/// The one place where the engine's results become RCODEs.
fn response_code(reply: Reply<'_>) -> ResponseCode {
    match reply {
        Reply::Lookup(Outcome::Refused) => ResponseCode::Refused,
        Reply::Lookup(Outcome::NxDomain(_)) => ResponseCode::NXDomain,
        // RFC 6672 §2.2: a DNAME substitution that would overflow a domain name is YXDOMAIN,
        // the RCODE borrowed from dynamic update (RFC 2136 §2.2, 6).
        Reply::Lookup(Outcome::YxDomain(_)) => ResponseCode::YXDomain,
        Reply::Lookup(Outcome::Answer(_) | Outcome::NoData(_) | Outcome::Referral(_)) => {
            ResponseCode::NoError
        }
        Reply::Error(
            RequestError::Malformed
            | RequestError::QuestionCount(_)
            | RequestError::MalformedCookie(_),
        ) => ResponseCode::FormErr,
        Reply::Error(RequestError::NotImplemented(_)) => ResponseCode::NotImp,
        // RFC 6891 §9: extended RCODE 16, carried partly in the OPT record.
        Reply::Error(RequestError::BadEdnsVersion(_)) => ResponseCode::BADVERS,
        Reply::Error(RequestError::Encode) => ResponseCode::ServFail,
    }
}

/// The response message without records: header, question and OPT.
fn response(
    request: &Metadata,
    question: Option<&Query>,
    edns: Option<ClientEdns>,
    reply: Reply<'_>,
    extras: Extras,
) -> Message {
    // RFC 1035 §4.1.1: the ID is "copied the corresponding reply", the OPCODE is "copied into
    // the response", and RD "may be set in a query and is copied into the response". RA stays
    // clear: this server never recurses. CD is not copied: RFC 4035 §3.1.6 says an
    // authoritative server SHOULD clear it.
    let mut message = Message::response(request.id, request.op_code);
    message.metadata.recursion_desired = request.recursion_desired;
    message.metadata.response_code = response_code(reply);
    message.metadata.truncation = extras.truncate;
    if let Some(question) = question {
        message.add_query(question.clone());
    }
    if let Some(client) = edns {
        // RFC 6891 §6.1.1: "If an OPT record is present in a received request, compliant
        // responders MUST include an OPT record in their respective responses." Our payload
        // size, our version (§6.1.3), and the DO bit copied from the query (RFC 3225 §3).
        // hickory fills the OPT's extended-RCODE bits from the header's response code.
        let mut ours = Edns::new();
        ours.set_max_payload(UDP_PAYLOAD)
            .set_version(EDNS_VERSION)
            .set_dnssec_ok(client.dnssec_ok);
        if let Some(cookie) = extras.cookie {
            ours.options_mut().insert(EdnsOption::Unknown(
                COOKIE_OPTION,
                cookie.as_bytes().to_vec(),
            ));
        }
        message.set_edns(ours);
    }
    message
}

/// Whether the additional section of a response may be left out to make it fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Additional {
    /// Glue of a referral: without it the client may not be able to continue.
    Required,
    /// Addresses for NS, MX and SRV targets: the client can ask for them itself.
    Optional,
}

/// Encodes `message` in at most `limit` bytes.
///
/// RFC 2181 §9: when a response does not fit, TC is set and the client retries over TCP. We then
/// send the header, the question and the OPT record (RFC 6891 §7 keeps OPT in truncated
/// responses) and no records at all, which resolvers handle best. Optional additional data is
/// dropped first, RRset by RRset from the end, without TC (RFC 2181 §9: TC is only for data
/// that was required).
fn finish(mut message: Message, limit: usize, additional: Additional) -> Vec<u8> {
    loop {
        match message.to_vec() {
            Ok(bytes) if bytes.len() <= limit => return bytes,
            Ok(bytes) => debug!(
                id = message.metadata.id,
                len = bytes.len(),
                limit,
                "response does not fit"
            ),
            Err(err) => {
                warn!(id = message.metadata.id, %err, "response could not be encoded");
                return header_only(&message.metadata, Reply::Error(RequestError::Encode));
            }
        }
        if additional == Additional::Required || !drop_last_rrset(&mut message.additionals) {
            break;
        }
    }
    message.metadata.truncation = true;
    message.answers.clear();
    message.authorities.clear();
    message.additionals.clear();
    match message.to_vec() {
        Ok(bytes) if bytes.len() <= limit => bytes,
        // A question plus OPT always fits in 512 bytes (names are at most 255), so this is a bug.
        _ => {
            warn!(id = message.metadata.id, "truncated response does not fit");
            header_only(&message.metadata, Reply::Error(RequestError::Encode))
        }
    }
}

/// Removes the last RRset (the trailing records sharing a name and type) of `records`, together
/// with the RRSIGs that follow it; false if there was none.
///
/// RFC 4035 §3.1.1 lets a server drop the RRSIGs of additional data and keep the data; dropping
/// both keeps what is left simple: every RRset sent carries its signatures.
fn drop_last_rrset(records: &mut Vec<Record>) -> bool {
    let Some(last) = records.pop() else {
        return false;
    };
    let same = |r: &Record, rtype| r.record_type() == rtype && r.name == last.name;
    let mut rtype = last.record_type();
    if let Some(covered) = covered_type(&last) {
        while records.last().is_some_and(|r| same(r, RecordType::RRSIG)) {
            records.pop();
        }
        rtype = covered;
    }
    while records.last().is_some_and(|r| same(r, rtype)) {
        records.pop();
    }
    true
}

/// The type an RRSIG record covers; None for other records.
fn covered_type(record: &Record) -> Option<RecordType> {
    match &record.data {
        RData::DNSSEC(DNSSECRData::RRSIG(rrsig)) => Some(rrsig.input().type_covered),
        _ => None,
    }
}

/// A bare 12-byte response header, written by hand so that it cannot fail: the last resort
/// when hickory cannot encode a response.
fn header_only(metadata: &Metadata, reply: Reply<'_>) -> Vec<u8> {
    let [id_high, id_low] = metadata.id.to_be_bytes();
    let qr = 0b1000_0000;
    let opcode = (u8::from(metadata.op_code) & 0b1111) << 3;
    let rd = u8::from(metadata.recursion_desired);
    vec![
        id_high,
        id_low,
        qr | opcode | rd,
        response_code(reply).low(),
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::net::Ipv4Addr;

    use hickory_proto::rr::rdata::A;
    use hickory_proto::rr::Name;

    use super::*;
    use crate::lookup::Sections;

    fn query(name: &str) -> Message {
        let mut message = Message::query();
        message.add_query(Query::query(Name::from_ascii(name).unwrap(), RecordType::A));
        message
    }

    fn with_edns(mut message: Message, version: u8, payload: u16, dnssec_ok: bool) -> Message {
        let mut edns = Edns::new();
        edns.set_version(version)
            .set_max_payload(payload)
            .set_dnssec_ok(dnssec_ok);
        message.set_edns(edns);
        message
    }

    /// Parses `packet`, runs an empty-catalog lookup, and decodes the response.
    fn respond(packet: &[u8], transport: Transport) -> Option<Message> {
        let bytes = match parse(packet) {
            Parsed::Query(request) => answer(&request, &Outcome::Refused, transport),
            Parsed::Reject(rejection) => reject(&rejection, transport),
            Parsed::Drop(_) => return None,
        };
        Some(Message::from_vec(&bytes).unwrap())
    }

    fn respond_udp(message: &Message) -> Message {
        respond(&message.to_vec().unwrap(), Transport::Udp).expect("a response")
    }

    #[test]
    fn packets_shorter_than_a_header_are_dropped() {
        let full = query("example.com.").to_vec().unwrap();
        for len in 0..HEADER_LEN {
            assert!(
                matches!(parse(&full[..len]), Parsed::Drop(DropReason::TooShort)),
                "{len} bytes"
            );
        }
    }

    #[test]
    fn responses_are_dropped() {
        let mut message = query("example.com.");
        message.metadata.message_type = MessageType::Response;
        assert!(matches!(
            parse(&message.to_vec().unwrap()),
            Parsed::Drop(DropReason::Response)
        ));
    }

    #[test]
    fn refused_copies_id_opcode_and_rd_and_echoes_the_question() {
        for rd in [true, false] {
            let mut request = query("WwW.ExAmPlE.CoM.");
            request.metadata.id = 0xBEEF;
            request.metadata.recursion_desired = rd;
            request.metadata.checking_disabled = true;
            let response = respond_udp(&request);

            assert_eq!(response.metadata.id, 0xBEEF);
            assert_eq!(response.metadata.message_type, MessageType::Response);
            assert_eq!(response.metadata.op_code, OpCode::Query);
            assert_eq!(response.metadata.recursion_desired, rd);
            assert!(!response.metadata.recursion_available);
            assert!(!response.metadata.authoritative);
            assert!(!response.metadata.truncation);
            assert!(!response.metadata.checking_disabled);
            assert_eq!(response.metadata.response_code, ResponseCode::Refused);
            assert_eq!(response.queries.len(), 1);
            assert!(response.queries[0]
                .name()
                .eq_case(request.queries[0].name()));
            assert_eq!(response.queries[0].query_type(), RecordType::A);
            assert!(response.answers.is_empty());
            assert!(response.edns.is_none(), "no OPT without OPT in the request");
        }
    }

    #[test]
    fn question_count_other_than_one_is_formerr() {
        let mut none = query("example.com.");
        none.queries.clear();
        let mut two = query("example.com.");
        two.add_query(Query::query(
            Name::from_ascii("example.net.").unwrap(),
            RecordType::A,
        ));
        for (request, count) in [(none, 0), (two, 2)] {
            let bytes = request.to_vec().unwrap();
            let Parsed::Reject(rejection) = parse(&bytes) else {
                panic!("{count} questions should be rejected");
            };
            assert_eq!(rejection.error(), RequestError::QuestionCount(count));
            let response = respond(&bytes, Transport::Udp).unwrap();
            assert_eq!(response.metadata.id, request.metadata.id);
            assert_eq!(response.metadata.response_code, ResponseCode::FormErr);
            assert!(response.queries.is_empty());
        }
    }

    #[test]
    fn undecodable_body_is_formerr_with_the_id() {
        // A header that promises one question, followed by a label running off the end.
        let mut packet = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        packet.extend_from_slice(&[7, b'e', b'x']);
        let response = respond(&packet, Transport::Udp).unwrap();
        assert_eq!(response.metadata.id, 0x1234);
        assert!(response.metadata.recursion_desired);
        assert_eq!(response.metadata.response_code, ResponseCode::FormErr);
        assert!(response.queries.is_empty());
    }

    #[test]
    fn duplicate_opt_is_formerr() {
        // RFC 6891 §6.1.1: more than one OPT RR → FORMERR.
        let mut bytes = with_edns(query("example.com."), 0, 1232, false)
            .to_vec()
            .unwrap();
        let opt = bytes[bytes.len() - 11..].to_vec();
        bytes.extend_from_slice(&opt);
        bytes[11] = 2; // ARCOUNT
        let response = respond(&bytes, Transport::Udp).unwrap();
        assert_eq!(response.metadata.response_code, ResponseCode::FormErr);
    }

    #[test]
    fn other_opcodes_are_notimp() {
        for op_code in [
            OpCode::Status,
            OpCode::Notify,
            OpCode::Update,
            OpCode::Unknown(9),
        ] {
            let mut request = with_edns(query("example.com."), 0, 4096, false);
            request.metadata.op_code = op_code;
            let response = respond_udp(&request);
            assert_eq!(
                response.metadata.response_code,
                ResponseCode::NotImp,
                "{op_code}"
            );
            assert_eq!(response.metadata.op_code, op_code);
            assert_eq!(response.metadata.id, request.metadata.id);
        }
        // An unknown opcode with an unreadable body is still NOTIMP.
        let packet = [0xAB, 0xCD, 0b0100_1000, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xFF];
        let response = respond(&packet, Transport::Udp).unwrap();
        assert_eq!(response.metadata.response_code, ResponseCode::NotImp);
        assert_eq!(response.metadata.op_code, OpCode::Unknown(9));
    }

    #[test]
    fn edns_is_echoed_with_our_payload_and_the_do_bit() {
        for dnssec_ok in [false, true] {
            let request = with_edns(query("example.com."), 0, 4096, dnssec_ok);
            let response = respond_udp(&request);
            let edns = response.edns.as_ref().expect("OPT in the response");
            assert_eq!(edns.max_payload(), UDP_PAYLOAD);
            assert_eq!(edns.version(), 0);
            assert_eq!(edns.flags().dnssec_ok, dnssec_ok);
            assert_eq!(response.metadata.response_code, ResponseCode::Refused);
        }
    }

    #[test]
    fn unsupported_edns_version_is_badvers() {
        let request = with_edns(query("example.com."), 1, 1232, false);
        let bytes = request.to_vec().unwrap();
        let Parsed::Reject(rejection) = parse(&bytes) else {
            panic!("EDNS version 1 should be rejected");
        };
        assert_eq!(rejection.error(), RequestError::BadEdnsVersion(1));
        let response = respond(&bytes, Transport::Udp).unwrap();
        // The decoder merges the OPT's high bits back into the full 12-bit RCODE. Code 16 is
        // both BADVERS and BADSIG (RFC 6891 §9, RFC 8945); hickory decodes it as BADSIG, so
        // compare numbers.
        assert_eq!(u16::from(response.metadata.response_code), 16);
        let edns = response.edns.as_ref().expect("OPT in the response");
        assert_eq!(edns.version(), 0, "we answer with the version we implement");
        assert_eq!(edns.rcode_high(), 1);
        assert_eq!(response.queries.len(), 1);
    }

    #[test]
    fn response_limits_follow_transport_and_edns() {
        let edns = |max_payload| {
            Some(ClientEdns {
                max_payload,
                dnssec_ok: false,
                cookie: None,
            })
        };
        assert_eq!(Transport::Udp.response_limit(None), 512);
        assert_eq!(Transport::Udp.response_limit(edns(100)), 512);
        assert_eq!(Transport::Udp.response_limit(edns(1000)), 1000);
        assert_eq!(Transport::Udp.response_limit(edns(4096)), 1232);
        assert_eq!(Transport::Tcp.response_limit(None), 65535);
        assert_eq!(Transport::Tcp.response_limit(edns(512)), 65535);
    }

    fn big_response(records: usize, edns: bool) -> Message {
        let name = Name::from_ascii("big.example.com.").unwrap();
        let mut message = Message::response(7, OpCode::Query);
        message.add_query(Query::query(name.clone(), RecordType::A));
        for i in 0..records {
            let octet = u8::try_from(i % 256).unwrap();
            message.add_answer(Record::from_rdata(
                name.clone(),
                300,
                RData::A(A(Ipv4Addr::new(192, 0, 2, octet))),
            ));
        }
        if edns {
            message.set_edns(Edns::new());
        }
        message
    }

    #[test]
    fn oversize_responses_are_truncated_with_tc() {
        for edns in [false, true] {
            let bytes = finish(big_response(100, edns), 512, Additional::Required);
            assert!(bytes.len() <= 512);
            let response = Message::from_vec(&bytes).unwrap();
            assert!(response.metadata.truncation);
            assert_eq!(response.metadata.id, 7);
            assert!(response.answers.is_empty());
            assert_eq!(response.queries.len(), 1);
            assert_eq!(response.edns.is_some(), edns, "OPT survives truncation");
        }
    }

    #[test]
    fn optional_additional_data_is_dropped_without_tc_but_glue_is_not() {
        // 20 answers fit in 512 bytes; 20 more records in additional do not.
        let mut message = big_response(20, false);
        let host = Name::from_ascii("host.example.com.").unwrap();
        for i in 0..20u8 {
            message.add_additional(Record::from_rdata(
                host.clone(),
                300,
                RData::A(A(Ipv4Addr::new(198, 51, 100, i))),
            ));
        }
        let bytes = finish(message.clone(), 512, Additional::Optional);
        let response = Message::from_vec(&bytes).unwrap();
        assert!(!response.metadata.truncation);
        assert_eq!(response.answers.len(), 20);
        assert!(response.additionals.is_empty(), "one RRset, dropped whole");

        let bytes = finish(message, 512, Additional::Required);
        let response = Message::from_vec(&bytes).unwrap();
        assert!(response.metadata.truncation);
        assert!(response.answers.is_empty());
    }

    #[test]
    fn an_rrset_is_dropped_with_its_signatures() {
        use hickory_proto::dnssec::rdata::{SigInput, RRSIG};
        use hickory_proto::dnssec::Algorithm;
        use hickory_proto::rr::SerialNumber;

        let host = Name::from_ascii("host.example.com.").unwrap();
        let address = |last| {
            Record::from_rdata(
                host.clone(),
                300,
                RData::A(A(Ipv4Addr::new(192, 0, 2, last))),
            )
        };
        let rrsig = |rtype| {
            let input = SigInput {
                type_covered: rtype,
                algorithm: Algorithm::ECDSAP256SHA256,
                num_labels: 3,
                original_ttl: 300,
                sig_expiration: SerialNumber::new(2),
                sig_inception: SerialNumber::new(1),
                key_tag: 1,
                signer_name: Name::from_ascii("example.com.").unwrap(),
            };
            Record::from_rdata(
                host.clone(),
                300,
                RData::DNSSEC(DNSSECRData::RRSIG(RRSIG::from_sig(input, vec![0; 64]))),
            )
        };
        let aaaa = Record::from_rdata(
            host.clone(),
            300,
            RData::AAAA("2001:db8::1".parse::<std::net::Ipv6Addr>().unwrap().into()),
        );
        let mut records = vec![
            address(1),
            address(2),
            rrsig(RecordType::A),
            aaaa,
            rrsig(RecordType::AAAA),
        ];
        assert!(drop_last_rrset(&mut records));
        assert_eq!(records.len(), 3, "the AAAA and its RRSIG");
        assert!(drop_last_rrset(&mut records));
        assert!(records.is_empty(), "the A RRset and its RRSIG");
        assert!(!drop_last_rrset(&mut records));
    }

    #[test]
    fn refused_says_why_in_an_extended_error_when_the_class_is_ours() {
        let code = |response: &Message| {
            response.edns.as_ref().and_then(|edns| {
                edns.options()
                    .as_ref()
                    .iter()
                    .find_map(|(_, option)| match option {
                        EdnsOption::Unknown(EDE_OPTION, data) => Some(data.clone()),
                        _ => None,
                    })
            })
        };
        let response = respond_udp(&with_edns(query("example.com."), 0, 1232, false));
        assert_eq!(code(&response), Some(vec![0, 20]));
        let mut chaos = with_edns(query("version.bind."), 0, 1232, false);
        chaos.queries[0].set_query_class(DNSClass::CH);
        let response = respond_udp(&chaos);
        assert_eq!(response.metadata.response_code, ResponseCode::Refused);
        assert_eq!(code(&response), None);
    }

    #[test]
    fn responses_that_fit_are_not_truncated() {
        let bytes = finish(big_response(10, false), 512, Additional::Required);
        let response = Message::from_vec(&bytes).unwrap();
        assert!(!response.metadata.truncation);
        assert_eq!(response.answers.len(), 10);
        // The same 100 records that do not fit in 512 bytes fit over TCP.
        let bytes = finish(
            big_response(100, false),
            Transport::Tcp.response_limit(None),
            Additional::Required,
        );
        let response = Message::from_vec(&bytes).unwrap();
        assert!(!response.metadata.truncation);
        assert_eq!(response.answers.len(), 100);
    }

    #[test]
    fn header_only_fallback_is_a_valid_servfail() {
        let mut metadata = Metadata::new(0x0102, MessageType::Query, OpCode::Query);
        metadata.recursion_desired = true;
        let bytes = header_only(&metadata, Reply::Error(RequestError::Encode));
        let response = Message::from_vec(&bytes).unwrap();
        assert_eq!(response.metadata.id, 0x0102);
        assert_eq!(response.metadata.message_type, MessageType::Response);
        assert!(response.metadata.recursion_desired);
        assert_eq!(response.metadata.response_code, ResponseCode::ServFail);
    }

    fn with_cookie(message: Message, option: &[u8]) -> Message {
        let mut message = with_edns(message, 0, 1232, false);
        let edns = message.edns.as_mut().unwrap();
        edns.options_mut()
            .insert(EdnsOption::Unknown(COOKIE_OPTION, option.to_vec()));
        message
    }

    fn cookie_of(response: &Message) -> Option<Vec<u8>> {
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

    #[test]
    fn cookie_options_are_read_and_malformed_ones_are_formerr() {
        // RFC 7873 §5.2.2: 8 octets, or 16 to 40.
        for len in [0, 1, 7, 9, 15, 41, 60] {
            let bytes = with_cookie(query("example.com."), &vec![1; len])
                .to_vec()
                .unwrap();
            let Parsed::Reject(rejection) = parse(&bytes) else {
                panic!("a {len}-octet cookie should be rejected");
            };
            assert_eq!(
                rejection.error(),
                RequestError::MalformedCookie(MalformedCookie(len))
            );
            assert!(rejection.cookie().is_none());
            let response = respond(&bytes, Transport::Udp).unwrap();
            assert_eq!(response.metadata.response_code, ResponseCode::FormErr);
            assert_eq!(response.queries.len(), 1, "the question is echoed");
            assert!(response.edns.is_some(), "OPT answered with OPT");
            assert_eq!(
                cookie_of(&response),
                None,
                "a malformed cookie is not echoed"
            );
        }
        for len in [8, 16, 24, 40] {
            let option: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let bytes = with_cookie(query("example.com."), &option)
                .to_vec()
                .unwrap();
            let Parsed::Query(request) = parse(&bytes) else {
                panic!("a {len}-octet cookie is well-formed");
            };
            let cookie = request.cookie().expect("the cookie");
            assert_eq!(cookie.client(), [0, 1, 2, 3, 4, 5, 6, 7]);
            assert_eq!(cookie.server(), &option[8..]);
        }
        // Without a server that makes cookies, a well-formed one is simply not answered.
        let response = respond_udp(&with_cookie(query("example.com."), &[9; 8]));
        assert_eq!(response.metadata.response_code, ResponseCode::Refused);
        assert_eq!(cookie_of(&response), None);
    }

    #[test]
    fn badvers_wins_over_a_malformed_cookie() {
        let mut request = with_cookie(query("example.com."), &[1; 3]);
        request.edns.as_mut().unwrap().set_version(1);
        let response = respond_udp(&request);
        assert_eq!(u16::from(response.metadata.response_code), 16);
    }

    #[test]
    fn extras_add_the_cookie_and_truncate() {
        let secret = crate::cookie::CookieSecret::new([5; 16]);
        let client: std::net::IpAddr = Ipv4Addr::new(192, 0, 2, 1).into();
        let cookie = secret.mint(&[7; 8], client, 1000);
        let bytes = with_cookie(query("example.com."), &[7; 8])
            .to_vec()
            .unwrap();
        let Parsed::Query(request) = parse(&bytes) else {
            panic!("a query");
        };
        let extras = Extras {
            cookie: Some(cookie),
            truncate: false,
        };
        let response = Message::from_vec(&answer_with(
            &request,
            &Outcome::Refused,
            Transport::Udp,
            extras,
        ))
        .unwrap();
        assert_eq!(cookie_of(&response).as_deref(), Some(cookie.as_bytes()));
        assert!(!response.metadata.truncation);

        let mut sections = Sections::default();
        sections.answers.push(Record::from_rdata(
            Name::from_ascii("example.com.").unwrap(),
            300,
            RData::A(A(Ipv4Addr::new(192, 0, 2, 1))),
        ));
        let outcome = Outcome::Answer(sections);
        let slipped = Extras {
            cookie: Some(cookie),
            truncate: true,
        };
        let response =
            Message::from_vec(&answer_with(&request, &outcome, Transport::Udp, slipped)).unwrap();
        assert!(response.metadata.truncation);
        assert!(response.metadata.authoritative);
        assert!(response.answers.is_empty());
        assert_eq!(response.queries.len(), 1);
        assert_eq!(response.metadata.response_code, ResponseCode::NoError);
        assert_eq!(cookie_of(&response).as_deref(), Some(cookie.as_bytes()));

        // Rejections carry them too.
        let mut bad = with_cookie(query("example.com."), &[7; 8]);
        bad.add_query(Query::query(
            Name::from_ascii("example.net.").unwrap(),
            RecordType::A,
        ));
        let bytes = bad.to_vec().unwrap();
        let Parsed::Reject(rejection) = parse(&bytes) else {
            panic!("two questions");
        };
        let response =
            Message::from_vec(&reject_with(&rejection, Transport::Udp, slipped)).unwrap();
        assert_eq!(response.metadata.response_code, ResponseCode::FormErr);
        assert!(response.metadata.truncation);
        assert_eq!(cookie_of(&response).as_deref(), Some(cookie.as_bytes()));
    }

    #[test]
    fn every_result_has_its_rcode() {
        let table = [
            (Reply::Lookup(&Outcome::Refused), ResponseCode::Refused),
            (
                Reply::Lookup(&Outcome::Answer(Sections::default())),
                ResponseCode::NoError,
            ),
            (
                Reply::Lookup(&Outcome::NoData(Sections::default())),
                ResponseCode::NoError,
            ),
            (
                Reply::Lookup(&Outcome::Referral(Sections::default())),
                ResponseCode::NoError,
            ),
            (
                Reply::Lookup(&Outcome::NxDomain(Sections::default())),
                ResponseCode::NXDomain,
            ),
            (
                Reply::Lookup(&Outcome::YxDomain(Sections::default())),
                ResponseCode::YXDomain,
            ),
            (Reply::Error(RequestError::Malformed), ResponseCode::FormErr),
            (
                Reply::Error(RequestError::MalformedCookie(MalformedCookie(3))),
                ResponseCode::FormErr,
            ),
            (
                Reply::Error(RequestError::QuestionCount(0)),
                ResponseCode::FormErr,
            ),
            (
                Reply::Error(RequestError::NotImplemented(OpCode::Update)),
                ResponseCode::NotImp,
            ),
            (
                Reply::Error(RequestError::BadEdnsVersion(1)),
                ResponseCode::BADVERS,
            ),
            (Reply::Error(RequestError::Encode), ResponseCode::ServFail),
        ];
        for (reply, rcode) in table {
            assert_eq!(response_code(reply), rcode, "{reply:?}");
        }
    }
}
