//! The hidden primary's side of the DNS protocol: zone transfers out (AXFR, RFC 5936; IXFR,
//! RFC 1995), NOTIFY received (RFC 1996), TSIG-signed queries (RFC 8945), and the catalog
//! zone (RFC 9432), which only secondaries may see.
//!
//! [`is_special`] picks these messages out of the stream by their header and question (and a
//! TSIG record at the end), without decoding anything else, so ordinary queries pay a few
//! comparisons; [`respond`] answers them. What a client may do is the operator's
//! [`TransferPolicy`]: a request signed with one of its keys, or from one of its networks, may
//! transfer any zone; everyone else is REFUSED (with Extended DNS Error 18, "Prohibited").
//!
//! A transfer is built from the one zone snapshot taken when the request arrived, so it is
//! consistent however the zone changes meanwhile (RFC 5936 §6). IXFR answers come from the
//! snapshot's [`Journal`] — the zone's change log as it was loaded with the snapshot —
//! condensed into one difference (RFC 1995 §3 allows this); when the journal does not reach
//! back to the client's serial, the whole zone is sent instead (RFC 1995 §4).

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::opt::EdnsOption;
use hickory_proto::rr::rdata::SOA;
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinEncodable, BinEncoder, NameEncoding};
use tracing::{debug, info};

use crate::catalog::Catalog;
use crate::model::{serial_gt, LowerName};
use crate::tsig::{self, Keyring, ResponseSigner, Verified};
use crate::wire::{Transport, EDE_OPTION, UDP_PAYLOAD};
use crate::zone::synth::Network;
use crate::zone::Zone;

/// RFC 8914 §4.19: Extended DNS Error 18, "Prohibited".
const EDE_PROHIBITED: u16 = 18;

/// How many octets of records go into one transfer message before it is closed. Counted
/// uncompressed, so the message itself (compressed) is smaller; the rest of the 65,535 octets
/// a TCP message may have is room for the header, the question and the TSIG record.
const MESSAGE_BUDGET: usize = 60_000;

/// Who may transfer zones, and the catalog zone that only they may see.
#[derive(Clone, Debug, Default)]
pub struct TransferPolicy {
    /// Keys that authorize a transfer (and sign NOTIFY and the responses).
    pub keys: Keyring,
    /// Networks that may transfer without TSIG.
    pub networks: Vec<Network>,
    /// The catalog zone (RFC 9432), answered only to clients the policy allows.
    pub catalog: Option<Arc<Zone>>,
}

impl TransferPolicy {
    fn allows(&self, peer: IpAddr, verified: &Verified) -> bool {
        matches!(verified, Verified::Signed(_)) || self.networks.iter().any(|n| n.contains(peer))
    }

    /// Whether `name` is the catalog zone or below it.
    pub fn is_catalog_name(&self, name: &Name) -> bool {
        self.catalog
            .as_ref()
            .is_some_and(|zone| zone.origin().zone_of(name))
    }
}

/// How many transfers went out, by kind: for the operator's logs and metrics, and for tests
/// that must know a secondary got an incremental transfer.
#[derive(Debug, Default)]
pub struct TransferCounters {
    /// AXFR answers.
    pub axfr: AtomicU64,
    /// IXFR answered with the difference from the journal.
    pub ixfr_incremental: AtomicU64,
    /// IXFR answered with the whole zone (the journal did not reach back, or a signed zone).
    pub ixfr_full: AtomicU64,
    /// IXFR from a client that was current: the single SOA.
    pub ixfr_current: AtomicU64,
}

impl TransferCounters {
    fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// One change of a zone: from serial `from` to `to`, these records removed and these added
/// (the SOA excluded), in the change log's wire form.
#[derive(Clone, Debug)]
pub struct Delta {
    pub from: u32,
    pub to: u32,
    pub removed: WireRecords,
    pub added: WireRecords,
}

/// Records in the change log's encoding ([`encode_record`]: uncompressed, RFC 1035 §4.1.3),
/// one after another in one allocation.
///
/// The journal is kept in this form rather than decoded: a zone imported in one change has
/// all its records in that change, and as hickory `Record`s the journal of the bench workload
/// (1,005 zones, 308,019 records, each imported once) took more memory than the served zones
/// themselves. Records are decoded only when an IXFR needs them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WireRecords {
    octets: Box<[u8]>,
}

impl WireRecords {
    /// The records of `rrs`, each one whole record; `None` when one is not (a truncated or
    /// overlong entry), so that the journal ends there.
    pub fn new(rrs: &[Vec<u8>]) -> Option<Self> {
        let mut octets = Vec::with_capacity(rrs.iter().map(Vec::len).sum());
        for rr in rrs {
            if record_len(rr) != Some(rr.len()) {
                return None;
            }
            octets.extend_from_slice(rr);
        }
        Some(Self {
            octets: octets.into_boxed_slice(),
        })
    }

    /// How many records it holds.
    pub fn count(&self) -> usize {
        self.iter().count()
    }

    /// Each record's octets, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut rest = &self.octets[..];
        std::iter::from_fn(move || {
            // `new` checked the framing, so every length is there.
            let len = record_len(rest)?;
            let (record, tail) = rest.split_at(len);
            rest = tail;
            Some(record)
        })
    }
}

/// The length of the uncompressed record at the start of `octets`: its owner name (labels
/// only, no pointer), type, class, TTL, RDLENGTH and the data (RFC 1035 §4.1.3).
fn record_len(octets: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        let len = usize::from(*octets.get(at)?);
        if len == 0 {
            at += 1;
            break;
        }
        if len > 63 {
            return None;
        }
        at += 1 + len;
    }
    let rdlength = octets.get(at + 8..at + 10)?;
    let end = at + 10 + usize::from(u16::from_be_bytes([rdlength[0], rdlength[1]]));
    (end <= octets.len()).then_some(end)
}

/// The recent changes of a zone, oldest first, as loaded with its snapshot.
#[derive(Clone, Debug, Default)]
pub struct Journal {
    deltas: Vec<Delta>,
}

impl Journal {
    /// A journal of `deltas`, oldest first.
    pub fn new(deltas: Vec<Delta>) -> Self {
        Self { deltas }
    }

    /// How many changes it holds.
    pub fn len(&self) -> usize {
        self.deltas.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.deltas.is_empty()
    }

    /// The newest changes whose records, removed and added, number at most `records` (the
    /// zone's own count): an IXFR from further back would carry more than the whole zone, so
    /// it is answered with the whole zone (RFC 1995 §4), and the journal need not keep those
    /// changes — the change log in the store still does. This is BIND's `max-ixfr-ratio` of
    /// 100 %, its default; it matters most for a zone imported in one change, whose journal
    /// would otherwise hold it twice.
    #[must_use]
    pub fn bounded(mut self, records: usize) -> Self {
        let mut total = 0usize;
        let keep = self
            .deltas
            .iter()
            .rev()
            .take_while(|delta| {
                total = total.saturating_add(delta.removed.count() + delta.added.count());
                total <= records
            })
            .count();
        let drop = self.deltas.len() - keep;
        self.deltas.drain(..drop);
        self.deltas.shrink_to_fit();
        self
    }

    /// The condensed difference from serial `from` to serial `to`: the records to remove and
    /// the records to add, or `None` when the journal holds no unbroken chain between them (or
    /// a record of it cannot be read back).
    pub fn between(&self, from: u32, to: u32) -> Option<(Vec<Record>, Vec<Record>)> {
        let start = self.deltas.iter().rposition(|d| d.from == from)?;
        // Keyed by wire form, which is what makes two records the same one.
        let mut removed: HashSet<&[u8]> = HashSet::new();
        let mut added: HashSet<&[u8]> = HashSet::new();
        let mut serial = from;
        for delta in &self.deltas[start..] {
            if delta.from != serial {
                return None;
            }
            // A record added and then removed again is no change; so is the reverse.
            for record in delta.removed.iter() {
                if !added.remove(record) {
                    removed.insert(record);
                }
            }
            for record in delta.added.iter() {
                if !removed.remove(record) {
                    added.insert(record);
                }
            }
            serial = delta.to;
            if serial == to {
                let decode = |set: HashSet<&[u8]>| -> Option<Vec<Record>> {
                    let mut records = set
                        .into_iter()
                        .map(decode_record)
                        .collect::<Option<Vec<Record>>>()?;
                    records.sort_by_key(|r| (r.name.to_lowercase(), u16::from(r.record_type())));
                    Some(records)
                };
                return Some((decode(removed)?, decode(added)?));
            }
        }
        None
    }
}

/// Whether `packet` is for [`respond`] rather than for ordinary lookup: a NOTIFY, an AXFR or
/// IXFR question, or a TSIG-signed message. Reads the header and the question only (and skips
/// over the records to see whether the last one is a TSIG).
pub fn is_special(packet: &[u8]) -> bool {
    let Some(&flags) = packet.get(2) else {
        return false;
    };
    // QR clear (a request), and the opcode.
    if flags & 0x80 != 0 {
        return false;
    }
    let opcode = (flags >> 3) & 0x0F;
    if opcode == u8::from(OpCode::Notify) {
        return true;
    }
    if opcode == u8::from(OpCode::Query) {
        if let Some(at) = tsig::skip_name(packet, 12) {
            if let (Some(&hi), Some(&lo)) = (packet.get(at), packet.get(at + 1)) {
                let qtype = u16::from_be_bytes([hi, lo]);
                if qtype == u16::from(RecordType::AXFR) || qtype == u16::from(RecordType::IXFR) {
                    return true;
                }
            }
        }
    }
    tsig::has_tsig(packet)
}

/// Answers a query as lookup does (the ordinary path of the server), from a catalog.
pub type Ordinary<'a> = &'a mut dyn FnMut(&Catalog, &[u8]) -> Option<Vec<u8>>;

/// Where a request came from and when.
#[derive(Clone, Copy, Debug)]
pub struct Origin {
    pub peer: IpAddr,
    pub transport: Transport,
    /// Seconds since 1970, for TSIG's time check.
    pub now: u64,
}

/// Answers a request [`is_special`] picked (or an ordinary query for the catalog zone).
/// `ordinary` answers a query as lookup does, for the signed ordinary queries (a secondary's
/// SOA check is one).
///
/// Returns the messages to send in order: one, except for a transfer over TCP, and none for
/// what should not be answered at all.
pub fn respond(
    catalog: &Catalog,
    policy: &TransferPolicy,
    packet: &[u8],
    Origin {
        peer,
        transport,
        now,
    }: Origin,
    counters: &TransferCounters,
    ordinary: Ordinary<'_>,
) -> Vec<Vec<u8>> {
    let Ok(request) = Message::from_vec(packet) else {
        // Undecodable: the ordinary path answers FORMERR (or drops it).
        return ordinary(catalog, packet).into_iter().collect();
    };
    if request.metadata.message_type != MessageType::Query {
        return Vec::new();
    }
    let verified = tsig::verify(packet, &policy.keys, now);
    let signed = match &verified {
        Verified::Malformed => return vec![error(&request, ResponseCode::FormErr, None)],
        Verified::Failed(failure) => {
            // RFC 8945 §5.2: NOTAUTH, the TSIG error in an unsigned (or, for BADTIME, signed)
            // TSIG record; nothing else of the request is acted on.
            debug!(%peer, error = ?failure.error, "TSIG check failed");
            let mut response = header_reply(&request, ResponseCode::NotAuth);
            failure.sign(&mut response, now);
            return vec![response];
        }
        Verified::Signed(signed) => Some(signed),
        Verified::Unsigned => None,
    };
    let allowed = policy.allows(peer, &verified);
    let mut signer = signed.map(|s| ResponseSigner::new(s, now));
    let mut finish = |mut messages: Vec<Vec<u8>>| {
        if let Some(signer) = signer.as_mut() {
            for message in &mut messages {
                signer.sign(message);
            }
        }
        messages
    };

    let Some(question) = request
        .queries
        .first()
        .filter(|_| request.queries.len() == 1)
    else {
        return finish(vec![error(&request, ResponseCode::FormErr, None)]);
    };
    let zone = catalog.zone(question.name()).cloned().or_else(|| {
        let asked = LowerName::new(question.name());
        policy.catalog.clone().filter(|c| *c.apex() == asked)
    });

    if request.metadata.op_code == OpCode::Notify {
        // RFC 1996 §3.7: a NOTIFY's response echoes its question. A primary has nothing to
        // fetch; it tells the sender whether the zone is ours (NOTAUTH otherwise) and whether
        // the sender may talk to us about it (REFUSED otherwise).
        let rcode = match (&zone, allowed) {
            (None, _) => ResponseCode::NotAuth,
            (Some(_), false) => ResponseCode::Refused,
            (Some(_), true) => ResponseCode::NoError,
        };
        debug!(%peer, zone = %question.name(), ?rcode, "NOTIFY received");
        return finish(vec![error(&request, rcode, None)]);
    }
    if request.metadata.op_code != OpCode::Query {
        return finish(vec![error(&request, ResponseCode::NotImp, None)]);
    }

    match question.query_type() {
        RecordType::AXFR | RecordType::IXFR if question.query_class() != DNSClass::IN => {
            finish(vec![error(&request, ResponseCode::NotImp, None)])
        }
        // RFC 5936 §4.2: AXFR is a TCP protocol.
        RecordType::AXFR if transport == Transport::Udp => {
            finish(vec![error(&request, ResponseCode::FormErr, None)])
        }
        RecordType::AXFR | RecordType::IXFR if !allowed => {
            info!(%peer, zone = %question.name(), qtype = %question.query_type(), "transfer refused: neither a transfer key nor an allowed address");
            finish(vec![error(
                &request,
                ResponseCode::Refused,
                Some(EDE_PROHIBITED),
            )])
        }
        RecordType::AXFR | RecordType::IXFR => {
            let Some(zone) = zone else {
                // RFC 5936 §2.2.1 / RFC 1995: not a zone we are authoritative for.
                return finish(vec![error(&request, ResponseCode::NotAuth, None)]);
            };
            finish(transfer(
                &request, question, &zone, transport, peer, counters,
            ))
        }
        _ if policy.is_catalog_name(question.name()) && !allowed => {
            finish(vec![error(&request, ResponseCode::Refused, None)])
        }
        _ if policy.is_catalog_name(question.name()) => {
            // A secondary's SOA query for the catalog zone, answered from it alone.
            let Some(catalog_zone) = policy.catalog.clone() else {
                return Vec::new();
            };
            let only = Catalog::from_shared([catalog_zone]);
            finish(ordinary(&only, packet).into_iter().collect())
        }
        _ => finish(ordinary(catalog, packet).into_iter().collect()),
    }
}

/// The messages of an AXFR or IXFR answer for `zone`.
fn transfer(
    request: &Message,
    question: &Query,
    zone: &Zone,
    transport: Transport,
    peer: IpAddr,
    counters: &TransferCounters,
) -> Vec<Vec<u8>> {
    let Some(soa) = zone.soa_record() else {
        return vec![error(request, ResponseCode::ServFail, None)];
    };
    let current = zone.serial();
    if question.query_type() == RecordType::IXFR {
        // RFC 1995 §3: the client's SOA, in the authority section, says what it has.
        let client = request.authorities.iter().find_map(|r| match &r.data {
            RData::SOA(soa) if r.name == *zone.origin() => Some(soa.serial),
            _ => None,
        });
        let Some(client) = client else {
            return vec![error(request, ResponseCode::FormErr, None)];
        };
        // RFC 1995 §2: the client is current (or ahead): the single SOA. Over UDP the single
        // SOA is also the answer when the difference would not fit, which tells the client to
        // ask again over TCP; a difference is never sent over UDP here.
        if !serial_gt(current, client) || transport == Transport::Udp {
            TransferCounters::count(&counters.ixfr_current);
            return messages(request, [soa].into_iter(), transport);
        }
        if let Some((removed, added)) = zone.journal().and_then(|j| j.between(client, current)) {
            let mut old = soa.clone();
            if let RData::SOA(data) = &soa.data {
                old.data = RData::SOA(SOA::new(
                    data.mname.clone(),
                    data.rname.clone(),
                    client,
                    data.refresh,
                    data.retry,
                    data.expire,
                    data.minimum,
                ));
            }
            // RFC 1995 §4: new SOA, old SOA, deletions, new SOA, additions, new SOA.
            info!(zone = %zone.origin(), %peer, from = client, to = current, removed = removed.len(), added = added.len(), "IXFR out, incremental");
            TransferCounters::count(&counters.ixfr_incremental);
            let body = std::iter::once(soa.clone())
                .chain(std::iter::once(old))
                .chain(removed)
                .chain(std::iter::once(soa.clone()))
                .chain(added)
                .chain(std::iter::once(soa));
            return messages(request, body, transport);
        }
        info!(zone = %zone.origin(), %peer, from = client, to = current, "IXFR out, whole zone: the journal does not reach back to the client's serial");
        TransferCounters::count(&counters.ixfr_full);
    } else {
        info!(zone = %zone.origin(), %peer, serial = current, records = zone.record_count(), "AXFR out");
        TransferCounters::count(&counters.axfr);
    }
    // RFC 5936 §2.2: the SOA first and last, every other record of the zone in between.
    let body = std::iter::once(soa.clone())
        .chain(zone.transfer_records())
        .chain(std::iter::once(soa));
    messages(request, body, transport)
}

/// `records` in as many messages as they need: the question in the first (RFC 5936 §2.2.1),
/// names compressed, each message within [`MESSAGE_BUDGET`].
fn messages(
    request: &Message,
    records: impl Iterator<Item = Record>,
    transport: Transport,
) -> Vec<Vec<u8>> {
    let limit = match transport {
        Transport::Tcp => MESSAGE_BUDGET,
        Transport::Udp => usize::from(UDP_PAYLOAD) - 200,
    };
    let mut out = Vec::new();
    let mut message = reply(request, ResponseCode::NoError);
    message.metadata.authoritative = true;
    let mut size = 0;
    let mut scratch = Vec::with_capacity(512);
    for record in records {
        scratch.clear();
        let emitted = {
            let mut encoder = BinEncoder::new(&mut scratch);
            let mut encoder = encoder.with_name_encoding(NameEncoding::Uncompressed);
            record.emit(&mut encoder).is_ok()
        };
        let len = if emitted { scratch.len() } else { 0 };
        if size + len > limit && !message.answers.is_empty() {
            out.push(encode(&message));
            message = reply(request, ResponseCode::NoError);
            message.metadata.authoritative = true;
            message.queries.clear();
            size = 0;
        }
        size += len;
        message.answers.push(record);
    }
    out.push(encode(&message));
    out
}

fn encode(message: &Message) -> Vec<u8> {
    message.to_vec().unwrap_or_else(|err| {
        debug!(%err, "transfer message could not be encoded");
        Vec::new()
    })
}

/// The response frame for `request`: ID, opcode and RD copied, the question echoed (RFC 1035
/// §4.1.1), QR set.
fn reply(request: &Message, rcode: ResponseCode) -> Message {
    let mut message = Message::response(request.metadata.id, request.metadata.op_code);
    message.metadata.recursion_desired = request.metadata.recursion_desired;
    message.metadata.response_code = rcode;
    message.queries = request.queries.clone();
    if request.edns.is_some() {
        let mut edns = Edns::new();
        edns.set_max_payload(UDP_PAYLOAD);
        message.set_edns(edns);
    }
    message
}

/// A response without records: `rcode`, AA for NOTIFY answers about our zones, and the
/// Extended DNS Error `ede` when the client sent an OPT record.
fn error(request: &Message, rcode: ResponseCode, ede: Option<u16>) -> Vec<u8> {
    let mut message = reply(request, rcode);
    message.metadata.authoritative =
        request.metadata.op_code == OpCode::Notify && rcode == ResponseCode::NoError;
    if let (Some(code), Some(edns)) = (ede, message.edns.as_mut()) {
        edns.options_mut()
            .insert(EdnsOption::Unknown(EDE_OPTION, code.to_be_bytes().to_vec()));
    }
    encode(&message)
}

/// The header-and-question reply an error TSIG record is appended to.
fn header_reply(request: &Message, rcode: ResponseCode) -> Vec<u8> {
    let mut message = reply(request, rcode);
    message.edns = None;
    encode(&message)
}

/// Reads the transferable records of `zone` back from wire format (the change log's
/// encoding: [`encode_record`]).
pub fn decode_record(bytes: &[u8]) -> Option<Record> {
    use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};
    let mut decoder = BinDecoder::new(bytes);
    let record = Record::read(&mut decoder).ok()?;
    decoder.is_empty().then_some(record)
}

/// One record in wire format, uncompressed: how the change log stores RRs.
pub fn encode_record(record: &Record) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    let emitted = {
        let mut encoder = BinEncoder::new(&mut out);
        let mut encoder = encoder.with_name_encoding(NameEncoding::Uncompressed);
        record.emit(&mut encoder).is_ok()
    };
    if !emitted {
        out.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use hickory_proto::rr::rdata::A;

    use super::*;

    fn a(name: &str, last: u8) -> Vec<u8> {
        let record = Record::from_rdata(
            Name::from_str(name).unwrap(),
            300,
            RData::A(A::new(192, 0, 2, last)),
        );
        encode_record(&record)
    }

    fn delta(from: u32, to: u32, removed: &[Vec<u8>], added: &[Vec<u8>]) -> Delta {
        Delta {
            from,
            to,
            removed: WireRecords::new(removed).unwrap(),
            added: WireRecords::new(added).unwrap(),
        }
    }

    #[test]
    fn wire_records_keep_each_record_whole() {
        let rrs = vec![a("www.example.", 1), a("a.b.example.", 2)];
        let wire = WireRecords::new(&rrs).unwrap();
        assert_eq!(
            wire.iter().collect::<Vec<_>>(),
            vec![&rrs[0][..], &rrs[1][..]]
        );
        // A truncated record, one with trailing octets, a pointer instead of labels: refused.
        let mut short = rrs[0].clone();
        short.pop();
        let mut long = rrs[0].clone();
        long.push(0);
        let pointer = [&[0xC0u8, 12][..], &rrs[0][14..]].concat();
        for bad in [short, long, pointer, Vec::new()] {
            assert_eq!(
                WireRecords::new(std::slice::from_ref(&bad)),
                None,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_journal_keeps_the_newest_changes_no_bigger_than_the_zone() {
        let (one, two, three) = (
            a("one.example.", 1),
            a("two.example.", 2),
            a("three.example.", 3),
        );
        let deltas = || {
            vec![
                // The import: the whole zone at once.
                delta(1, 2, &[], &[one.clone(), two.clone(), three.clone()]),
                delta(2, 3, std::slice::from_ref(&two), &[]),
                delta(3, 4, std::slice::from_ref(&one), std::slice::from_ref(&two)),
            ]
        };
        // A zone of three records keeps the two changes after the import (3 records); an
        // IXFR from before the import gets the whole zone.
        let journal = Journal::new(deltas()).bounded(3);
        assert_eq!(journal.len(), 2);
        assert!(journal.between(1, 4).is_none());
        assert!(journal.between(2, 4).is_some());
        assert_eq!(Journal::new(deltas()).bounded(6).len(), 3);
        assert_eq!(Journal::new(deltas()).bounded(2).len(), 1);
        assert!(Journal::new(deltas()).bounded(1).is_empty());
    }

    #[test]
    fn a_journal_condenses_its_chain_and_decodes_only_then() {
        let (one, two, three) = (
            a("one.example.", 1),
            a("two.example.", 2),
            a("three.example.", 3),
        );
        let journal = Journal::new(vec![
            delta(1, 2, &[], &[one.clone(), two.clone()]),
            delta(
                2,
                3,
                std::slice::from_ref(&two),
                std::slice::from_ref(&three),
            ),
            delta(3, 4, std::slice::from_ref(&one), &[]),
        ]);
        let names = |records: Vec<Record>| -> Vec<String> {
            records.iter().map(|r| r.name.to_string()).collect()
        };
        let (removed, added) = journal.between(1, 3).unwrap();
        assert_eq!(
            (names(removed), names(added)),
            (
                vec![],
                vec!["one.example.".to_string(), "three.example.".to_string()]
            )
        );
        let (removed, added) = journal.between(2, 4).unwrap();
        assert_eq!(
            (names(removed), names(added)),
            (
                vec!["one.example.".to_string(), "two.example.".to_string()],
                vec!["three.example.".to_string()]
            )
        );
        assert!(journal.between(5, 6).is_none());
        // A record that frames but does not decode (an A record of 3 octets) fails the chain
        // through it, not the ones after it.
        let mut bad = a("bad.example.", 9);
        let at = bad.len() - 6;
        bad[at..at + 2].copy_from_slice(&3u16.to_be_bytes());
        bad.pop();
        let journal = Journal::new(vec![delta(1, 2, &[], &[bad]), delta(2, 3, &[], &[one])]);
        assert!(journal.between(1, 3).is_none());
        assert!(journal.between(2, 3).is_some());
    }
}
