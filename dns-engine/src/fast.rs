//! The fast path: the common queries answered straight from the compiled snapshot into a
//! reused buffer, with no decoding into hickory's types, no cloned records and no allocation.
//!
//! It answers what most of a hosting provider's traffic is — a plain question (opcode QUERY,
//! one question of class IN, at most an OPT record) about a name of an unsigned zone, or of
//! a signed zone from a client without DO — when the answer is data, a CNAME chain inside the
//! zone, NODATA, NXDOMAIN, a referral, a wildcard's or a default reverse name's, and fits the
//! transport. DNS Cookies and rate limiting apply as on the full path (the response's class
//! for [`crate::rrl`] comes with it). Everything else (DNSSEC answers, DNAMEs, transfers,
//! responses that need truncation, anything unusual) it declines, and the full path ([`crate::server`] through [`crate::wire`] and
//! [`crate::lookup`]) answers as before. The two give the same octets wherever the fast path
//! answers: the walk below is [`crate::lookup`]'s, step for step (the RFC sections are cited
//! there), and the writer compresses names as hickory does (`compiled.rs`); the differential
//! test in `tests/engine/fast.rs` compares them over whole zones.

pub mod compiled;

use std::net::IpAddr;

use hickory_proto::rr::RecordType;

use crate::catalog::Catalog;
use crate::cookie::{unix_now, CookieSecret, RequestCookie, ResponseCookie};
use crate::lookup::{MAX_CNAME_CHAIN, MAX_HOSTS};
use crate::rrl::{ResponseClass, ResponseKind};
use crate::wire::{ClientEdns, Transport, UDP_PAYLOAD};
use crate::zone::synth::MadePtr;
use compiled::{FastNode, FastZone, NodeBuf, WireRrset, Writer};

/// RFC 1035 §4.1.1: the header is 12 octets.
const HEADER: usize = 12;
const TYPE_CNAME: u16 = 5;
const TYPE_NS: u16 = 2;
const TYPE_MX: u16 = 15;
const TYPE_SRV: u16 = 33;
const TYPE_A: u16 = 1;
const TYPE_AAAA: u16 = 28;
const TYPE_OPT: u16 = 41;
const TYPE_DS: u16 = 43;
const TYPE_ANY: u16 = 255;
const TYPE_PTR: u16 = 12;
const TYPE_RRSIG: u16 = 46;
const TYPE_NSEC: u16 = 47;
const CLASS_IN: u16 = 1;
/// RFC 7873 §4: the COOKIE option.
const OPTION_COOKIE: u16 = 10;
/// The most RRsets the additional section records to avoid repeating one.
const MAX_ADDED: usize = 2 * MAX_HOSTS;

/// A name in lower case with its label offsets.
struct Key {
    bytes: [u8; 255],
    len: usize,
    /// Where each label starts, from the first (leftmost) one.
    labels: [u8; 128],
    count: usize,
}

impl Key {
    /// The lower-case form of the wire name `name` (labels and root, no pointers).
    fn new(name: &[u8]) -> Option<Self> {
        let mut key = Self {
            bytes: [0; 255],
            len: name.len(),
            labels: [0; 128],
            count: 0,
        };
        let target = key.bytes.get_mut(..name.len())?;
        for (out, byte) in target.iter_mut().zip(name) {
            *out = byte.to_ascii_lowercase();
        }
        let mut at = 0;
        loop {
            let len = usize::from(*name.get(at)?);
            if len == 0 {
                break;
            }
            *key.labels.get_mut(key.count)? = u8::try_from(at).ok()?;
            key.count += 1;
            at += 1 + len;
        }
        (at + 1 == name.len()).then_some(key)
    }

    fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The name's last `labels` labels (0: the root).
    fn suffix(&self, labels: usize) -> &[u8] {
        let start = match labels {
            0 => self.len - 1,
            _ if labels >= self.count => 0,
            _ => usize::from(self.labels[self.count - labels]),
        };
        &self.bytes[start..self.len]
    }

    /// Whether the name is at or below the name with the lower-case wire form `apex`, which
    /// has `apex_labels` labels.
    fn is_within(&self, apex: &[u8], apex_labels: u8) -> bool {
        usize::from(apex_labels) <= self.count && self.suffix(usize::from(apex_labels)) == apex
    }
}

/// A request the fast path can take.
struct Question<'p> {
    id: [u8; 2],
    rd: bool,
    /// As sent, in wire form.
    qname: &'p [u8],
    qtype: u16,
    /// The OPT record's payload size and DO bit.
    edns: Option<(u16, bool)>,
    /// The COOKIE option (RFC 7873 §4), well-formed.
    cookie: Option<RequestCookie>,
}

/// Reads `packet` if it is a request the fast path takes.
fn question(packet: &[u8]) -> Option<Question<'_>> {
    let header = packet.get(..HEADER)?;
    let flags = header[2];
    // QR clear, opcode QUERY (the other bits of this octet are AA, TC and RD).
    if flags & 0xF8 != 0 {
        return None;
    }
    let count = |at: usize| u16::from_be_bytes([header[at], header[at + 1]]);
    let additional = count(10);
    if count(4) != 1 || count(6) != 0 || count(8) != 0 || additional > 1 {
        return None;
    }
    // The name: plain labels (no pointers, RFC 1035 §4.1.4 allows them but no client sends
    // one in a question), at most 255 octets.
    let mut at = HEADER;
    loop {
        let len = *packet.get(at)?;
        if len == 0 {
            break;
        }
        if len > 63 {
            return None;
        }
        at += 1 + usize::from(len);
    }
    let qname = packet.get(HEADER..=at)?;
    if qname.len() > 255 {
        return None;
    }
    let fixed = packet.get(at + 1..at + 5)?;
    let qtype = u16::from_be_bytes([fixed[0], fixed[1]]);
    let qclass = u16::from_be_bytes([fixed[2], fixed[3]]);
    // Meta types (128–255: AXFR, IXFR, …; RFC 6895 §3.1), OPT and DS (the parent's, when
    // both sides are hosted) are the full path's; ANY is answered (one RRset, RFC 8482).
    let plain =
        qtype != 0 && !(128..=255).contains(&qtype) && qtype != TYPE_OPT && qtype != TYPE_DS;
    if qclass != CLASS_IN || !(plain || qtype == TYPE_ANY) {
        return None;
    }
    let rest = packet.get(at + 5..)?;
    let (edns, cookie) = match additional {
        0 => {
            if !rest.is_empty() {
                return None;
            }
            (None, None)
        }
        _ => {
            let (edns, cookie) = opt(rest)?;
            (Some(edns), cookie)
        }
    };
    Some(Question {
        id: [header[0], header[1]],
        rd: flags & 0x01 != 0,
        qname,
        qtype,
        edns,
        cookie,
    })
}

/// Reads an OPT record that is all of `record`: owner the root, version 0 (RFC 6891 §6.1.2,
/// §6.1.3); its payload size and DO bit, and the first COOKIE option (RFC 7873 §5.2: a
/// malformed one is FORMERR, which is the full path's to send).
fn opt(record: &[u8]) -> Option<((u16, bool), Option<RequestCookie>)> {
    let fixed = record.get(..11)?;
    let field = |at: usize| u16::from_be_bytes([fixed[at], fixed[at + 1]]);
    if fixed[0] != 0 || field(1) != TYPE_OPT || fixed[6] != 0 {
        return None;
    }
    let payload = field(3);
    let dnssec_ok = fixed[7] & 0x80 != 0;
    let length = usize::from(field(9));
    let mut options = record.get(11..)?;
    if options.len() != length {
        return None;
    }
    let mut cookie = None;
    while !options.is_empty() {
        let code = u16::from_be_bytes([*options.first()?, *options.get(1)?]);
        let len = usize::from(u16::from_be_bytes([*options.get(2)?, *options.get(3)?]));
        let data = options.get(4..4 + len)?;
        if code == OPTION_COOKIE && cookie.is_none() {
            cookie = Some(RequestCookie::parse(data).ok()?);
        }
        options = options.get(4 + len..)?;
    }
    Some(((payload, dnssec_ok), cookie))
}

/// What the walk made of the question.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind<'z> {
    Answer,
    NoData,
    NxDomain,
    /// At the delegation point owned by this wire name.
    Referral(&'z [u8]),
}

/// A response the fast path wrote: what rate limiting counts it as, and how to cut it down
/// to the truncated form that slips through (RFC 2181 §9: TC set, no records).
pub struct Answered<'a> {
    class: ResponseClass<'a>,
    question_end: usize,
    edns: Option<(u16, bool)>,
    cookie: Option<ResponseCookie>,
    proven: bool,
}

impl<'a> Answered<'a> {
    /// The class of the response, for [`crate::rrl`].
    pub fn class(&self) -> ResponseClass<'a> {
        self.class
    }

    /// Whether the request's server cookie proved the client's address (RFC 7873 §5.2.5),
    /// so that rate limiting leaves the response alone.
    pub fn proven(&self) -> bool {
        self.proven
    }

    /// Turns the response in `out` into its truncated form: the header with TC, the
    /// question and the OPT record, as the full path sends a response that slips.
    pub fn truncate(&self, out: &mut Writer) {
        out.truncate(self.question_end);
        let mut additional = 0;
        if let Some((_, dnssec_ok)) = self.edns {
            put_opt(out, dnssec_ok, self.cookie.as_ref());
            additional = 1;
        }
        out.set_flag(2, 0x02);
        out.set_u16(6, 0);
        out.set_u16(8, 0);
        out.set_u16(10, additional);
    }
}

/// Our OPT record: root owner, payload 1232, extended RCODE 0, version 0, DO echoed
/// (RFC 6891 §6.1.2, RFC 3225 §3), and our COOKIE option if there is one (RFC 7873 §5.2).
fn put_opt(out: &mut Writer, dnssec_ok: bool, cookie: Option<&ResponseCookie>) {
    out.put(&[0]);
    out.put_u16(TYPE_OPT);
    out.put_u16(UDP_PAYLOAD);
    out.put(&[0, 0, if dnssec_ok { 0x80 } else { 0 }, 0]);
    match cookie {
        Some(cookie) => {
            let bytes = cookie.as_bytes();
            // A response cookie is 24 octets.
            let len = bytes.len() as u16;
            out.put_u16(4 + len);
            out.put_u16(OPTION_COOKIE);
            out.put_u16(len);
            out.put(bytes);
        }
        None => out.put_u16(0),
    }
}

/// The section counts so far.
#[derive(Default)]
struct Counts {
    answers: u16,
    authority: u16,
    additional: u16,
}

/// Answers `packet` into `out` if the fast path takes it; None leaves it to the full path
/// (and `out` holds nothing useful).
///
/// With `cookies` (the server's secret and the client's address) a request's COOKIE option
/// is answered as [`crate::cookie`] says; without, it is ignored, as by a server without
/// cookies.
pub fn respond<'a>(
    catalog: &'a Catalog,
    packet: &'a [u8],
    transport: Transport,
    cookies: Option<(&CookieSecret, IpAddr)>,
    out: &mut Writer,
) -> Option<Answered<'a>> {
    out.clear();
    let question = question(packet)?;
    let key = Key::new(question.qname)?;
    // RFC 1034 §4.3.2 step 2: the nearest enclosing zone ([`Catalog::find`]).
    let Some(zone) = catalog
        .depths()
        .iter()
        .filter(|&&depth| usize::from(depth) <= key.count)
        .find_map(|&depth| catalog.zone_by_wire(key.suffix(usize::from(depth))))
    else {
        // REFUSED, or the catalog zone for a secondary: the full path's.
        return None;
    };
    let dnssec_ok = question.edns.is_some_and(|(_, dnssec_ok)| dnssec_ok);
    let fast = zone.fast();
    // With DO, a signed zone's answers carry the RRSIGs stored with their RRsets (RFC 4035
    // §3.1.1); what needs a signature made per query, or a denial, goes the full path.
    let signed = dnssec_ok && zone.is_signed();
    if signed && !fast.has_signatures() {
        return None;
    }

    // Header (flags and counts are filled in at the end) and the question, as sent.
    out.put(&question.id);
    out.put(&[0; 10]);
    out.name(question.qname, true);
    out.put_u16(question.qtype);
    out.put_u16(CLASS_IN);
    let question_end = out.len();

    let mut counts = Counts::default();
    let mut synthesized = None;
    let labels = key.labels;
    let label_count = key.count;
    let kind = walk(
        zone,
        fast,
        &question,
        key,
        signed,
        &mut counts,
        &mut synthesized,
        out,
    )?;

    let (cookie, proven) = match (cookies, question.cookie) {
        (Some((secret, ip)), Some(request)) => {
            let reply = secret.reply(&request, ip, unix_now());
            (Some(reply.cookie), reply.valid)
        }
        _ => (None, false),
    };
    if let Some((_, dnssec_ok)) = question.edns {
        put_opt(out, dnssec_ok, cookie.as_ref());
        counts.additional += 1;
    }
    let edns = question.edns.map(|(max_payload, dnssec_ok)| ClientEdns {
        max_payload,
        dnssec_ok,
        cookie: None,
    });
    if out.len() > transport.response_limit(edns) {
        // Needs dropping optional data or TC: the full path decides how.
        return None;
    }
    // QR, opcode QUERY, AA (a referral is authoritative only for a CNAME of ours before
    // it), RD copied; RA, AD and CD clear; the RCODE.
    let authoritative = !matches!(kind, Kind::Referral(_)) || counts.answers > 0;
    let flags = 0x80 | (u8::from(authoritative) << 2) | u8::from(question.rd);
    let rcode = if matches!(kind, Kind::NxDomain) { 3 } else { 0 };
    out.set_u16(2, u16::from_be_bytes([flags, rcode]));
    out.set_u16(4, 1);
    out.set_u16(6, counts.answers);
    out.set_u16(8, counts.authority);
    out.set_u16(10, counts.additional);
    // Counted as [`ResponseClass::of`] counts the full path's responses.
    let class = match (kind, synthesized) {
        (Kind::Answer, Some(encloser)) => {
            // The query name's last `encloser` labels.
            let start = match label_count.checked_sub(encloser) {
                Some(index) if index < label_count => usize::from(labels[index]),
                _ => question.qname.len() - 1,
            };
            ResponseClass::of_wire(ResponseKind::Synthesized, None, &question.qname[start..])
        }
        (Kind::Answer, None) => ResponseClass::of_wire(
            ResponseKind::Positive,
            Some(RecordType::from(question.qtype)),
            question.qname,
        ),
        (Kind::NoData, _) => ResponseClass::of_wire(ResponseKind::NoData, None, fast.origin()),
        (Kind::NxDomain, _) => ResponseClass::of_wire(ResponseKind::NxDomain, None, fast.origin()),
        (Kind::Referral(owner), _) => ResponseClass::of_wire(ResponseKind::Referral, None, owner),
    };
    Some(Answered {
        class,
        question_end,
        edns: question.edns,
        cookie,
        proven,
    })
}

/// [`crate::lookup`]'s answer: the CNAME chain, then the data, NODATA, NXDOMAIN or a
/// referral. None declines.
///
/// `signed`: a signed zone asked with DO. Then only data at names that exist is answered,
/// each RRset with its stored RRSIG; denials (NODATA, NXDOMAIN, the NSEC of an insecure
/// referral), wildcard expansions and synthesized names are signed per query, and questions
/// for NSEC and RRSIG are answered from the signatures: the full path does those.
#[allow(clippy::too_many_arguments)]
fn walk<'z>(
    zone: &crate::zone::Zone,
    fast: &'z FastZone,
    question: &Question<'_>,
    key: Key,
    signed: bool,
    counts: &mut Counts,
    synthesized: &mut Option<usize>,
    out: &mut Writer,
) -> Option<Kind<'z>> {
    let qtype = question.qtype;
    if signed && matches!(qtype, TYPE_NSEC | TYPE_RRSIG) {
        return None;
    }
    let mut name: &[u8] = question.qname;
    let mut key = key;
    // The owners (lower case) of the CNAMEs in the answer, for the loop check.
    let mut chain: [&[u8]; MAX_CNAME_CHAIN + 1] = [&[]; MAX_CNAME_CHAIN + 1];
    for hop in 0..=MAX_CNAME_CHAIN {
        if zone.has_cuts() || zone.has_dnames() {
            if let Some(cut) = cut_on_the_way(fast, &key, qtype)? {
                if signed {
                    return None;
                }
                let ns = cut.rrset(TYPE_NS)?;
                if !ns.is_compiled() {
                    return None;
                }
                counts.authority += out.rrset(cut.owner, ns);
                add_addresses(zone, fast, ns, false, counts, out)?;
                return Some(Kind::Referral(cut.owner));
            }
        }
        let node = match fast.node(key.bytes()) {
            Some(node) => node,
            None if signed => return None,
            None => {
                if hop == 0 {
                    // Rate limiting counts data made up for a name that does not exist
                    // under its closest encloser ([`ResponseClass::of`]).
                    *synthesized = Some(closest_encloser(fast, &key));
                }
                // A default reverse name, the address of one, or an empty non-terminal above
                // them (crate::zone::synth).
                let mut target = [0; 255];
                let made = synthesize(zone, &key, &mut target);
                if let Made::Ptr { ttl, len } = made {
                    // One PTR: nothing to follow or add.
                    if qtype == TYPE_PTR || qtype == TYPE_ANY {
                        let mut parts = [0; 258];
                        let rrset = WireRrset::one_name(TYPE_PTR, ttl, &target[..len], &mut parts);
                        counts.answers += out.rrset(name, rrset);
                        return Some(Kind::Answer);
                    }
                    counts.authority += out.negative_soa(fast)?;
                    return Some(Kind::NoData);
                }
                if let Made::Empty = made {
                    counts.authority += out.negative_soa(fast)?;
                    return Some(Kind::NoData);
                }
                let made = match made {
                    Made::Node(node) => Some(node),
                    _ => None,
                };
                match made.as_ref().and_then(NodeBuf::node) {
                    // One PTR, A or AAAA RRset, or none (an empty non-terminal); never a
                    // CNAME, NS, MX or SRV, so nothing to follow or add.
                    Some(node) => {
                        let rrset = if qtype == TYPE_ANY {
                            node.rrsets().min_by_key(|rrset| rrset.rtype())
                        } else {
                            node.rrset(qtype)
                        };
                        return match rrset {
                            Some(rrset) if rrset.is_compiled() => {
                                counts.answers += out.rrset(name, rrset);
                                Some(Kind::Answer)
                            }
                            Some(_) => None,
                            None => {
                                counts.authority += out.negative_soa(fast)?;
                                Some(Kind::NoData)
                            }
                        };
                    }
                    // RFC 4592 §3.3.1: the wildcard at the closest encloser.
                    None => match wildcard(zone, fast, &key) {
                        Some(node) => node,
                        None => {
                            counts.authority += out.negative_soa(fast)?;
                            return Some(Kind::NxDomain);
                        }
                    },
                }
            }
        };
        let rrset = if qtype == TYPE_ANY {
            node.rrsets().min_by_key(|rrset| rrset.rtype())
        } else {
            node.rrset(qtype)
        };
        if let Some(rrset) = rrset {
            if !rrset.is_compiled() {
                return None;
            }
            counts.answers += out.rrset(name, rrset);
            if signed {
                counts.answers += signature(rrset, name, out)?;
            }
            if matches!(rrset.rtype(), TYPE_NS | TYPE_MX | TYPE_SRV) {
                add_addresses(zone, fast, rrset, signed, counts, out)?;
            }
            return Some(Kind::Answer);
        }
        let Some(cname) = node.rrset(TYPE_CNAME) else {
            if signed {
                return None;
            }
            counts.authority += out.negative_soa(fast)?;
            return Some(Kind::NoData);
        };
        if hop == MAX_CNAME_CHAIN {
            return Some(Kind::Answer);
        }
        if !cname.is_compiled() {
            return None;
        }
        counts.answers += out.rrset(name, cname);
        if signed {
            counts.answers += signature(cname, name, out)?;
        }
        let target = cname.records().next()?.first_name()?;
        let target_key = Key::new(target)?;
        chain[hop] = name;
        // RFC 1034 §3.6.2: a target that already owns a CNAME in the answer closes a loop
        // (names compared without regard to case, RFC 4343 §3); out of the zone, the
        // resolver goes on.
        let looped = chain[..=hop]
            .iter()
            .any(|owner| owner.eq_ignore_ascii_case(target));
        if looped || !target_key.is_within(fast.apex(), fast.apex_labels()) {
            return Some(Kind::Answer);
        }
        name = target;
        key = target_key;
    }
    Some(Kind::Answer)
}

/// The label count of the deepest existing ancestor of `key`, which has no node (the apex
/// at least): [`crate::rrl`]'s `synthesized_at`, and the closest encloser of RFC 4592 §3.3.1.
///
/// Every ancestor of a node is a node (empty non-terminals included, see [`crate::zone`]),
/// so whether the ancestor with `n` labels exists only turns from yes to no as `n` grows: a
/// binary search finds the deepest, in at most 5 lookups for the 22 labels of an IPv6
/// reverse name below its /48 zone instead of one per label.
fn closest_encloser(fast: &FastZone, key: &Key) -> usize {
    // `found` exists (the apex), `missing` does not (the name itself).
    let (mut found, mut missing) = (usize::from(fast.apex_labels()), key.count);
    while missing - found > 1 {
        let labels = found + (missing - found) / 2;
        if fast.node(key.suffix(labels)).is_some() {
            found = labels;
        } else {
            missing = labels;
        }
    }
    found
}

/// The wildcard node that answers for `key`, which has no node (RFC 4592 §3.3.1): `*` below
/// the closest encloser — the deepest existing ancestor, an empty non-terminal included.
fn wildcard<'z>(zone: &crate::zone::Zone, fast: &'z FastZone, key: &Key) -> Option<FastNode<'z>> {
    if !zone.has_wildcards() || key.count <= usize::from(fast.apex_labels()) {
        return None;
    }
    let encloser = key.suffix(closest_encloser(fast, key));
    let mut source = [0; 255];
    let len = encloser.len() + 2;
    let target = source.get_mut(..len)?;
    target[0] = 1;
    target[1] = b'*';
    target[2..].copy_from_slice(encloser);
    fast.node(target)
}

/// What [`crate::zone::Zone::synthesize`] makes up for a name without a node.
enum Made {
    /// Nothing: the name does not exist (or a wildcard covers it).
    Nothing,
    /// An empty non-terminal above default reverse names.
    Empty,
    /// A default PTR (the rules of a reverse zone), its target in `Synthesized::target`:
    /// answered without allocating.
    Ptr { ttl: u32, len: usize },
    /// Any other node (an empty non-terminal has no RRsets), compiled: the synthesis of
    /// forward addresses works on hickory names, so this allocates.
    Node(NodeBuf),
}

/// The node [`crate::zone::Zone::synthesize`] makes up for `key`; `target` receives the
/// target of a default PTR.
fn synthesize(zone: &crate::zone::Zone, key: &Key, target: &mut [u8; 255]) -> Made {
    if zone.synth().is_empty() {
        return Made::Nothing;
    }
    let mut labels: [&[u8]; 128] = [&[]; 128];
    for (slot, &at) in labels.iter_mut().zip(&key.labels[..key.count]) {
        let at = usize::from(at);
        let len = usize::from(key.bytes[at]);
        *slot = &key.bytes[at + 1..at + 1 + len];
    }
    let labels = &labels[..key.count];
    // A reverse zone's rules (the usual case) are decided on the labels alone.
    match zone.synth().lookup_ptr(labels, target) {
        Some(MadePtr::Nothing) => return Made::Nothing,
        Some(MadePtr::Empty) => return Made::Empty,
        Some(MadePtr::Ptr { ttl, len }) => return Made::Ptr { ttl, len },
        None => {}
    }
    let Ok(name) = hickory_proto::rr::Name::from_labels(labels.iter().copied()) else {
        return Made::Nothing;
    };
    match zone.synthesize(&crate::model::LowerName::new(&name)) {
        Some(node) => Made::Node(NodeBuf::new(key.bytes(), &node)),
        None => Made::Nothing,
    }
}

/// The delegation at or above `key` on the walk down from the apex, or None; declines (the
/// outer None) at a DNAME above the name.
fn cut_on_the_way<'z>(fast: &'z FastZone, key: &Key, qtype: u16) -> Option<Option<FastNode<'z>>> {
    let apex = usize::from(fast.apex_labels());
    let deepest = key.count;
    for labels in apex..=deepest {
        let Some(node) = fast.node(key.suffix(labels)) else {
            return Some(None);
        };
        if labels > apex && node.cut && !(labels == deepest && qtype == TYPE_DS) {
            return Some(Some(node));
        }
        if labels < deepest && node.dname {
            return None;
        }
    }
    Some(None)
}

/// Writes the RRSIG stored with `rrset`, owned by `owner`: how many records that is (none
/// when the set has no signature, as glue has not); None declines.
fn signature(rrset: WireRrset<'_>, owner: &[u8], out: &mut Writer) -> Option<u16> {
    match rrset.rrsig() {
        None => Some(0),
        Some(rrsig) => Some(out.rrset(owner, rrsig?)),
    }
}

/// Adds the addresses the zone holds for the host names in `rrset`'s data, each RRset once
/// ([`crate::lookup`]'s `add_addresses`); with `signed`, each stored RRset with its RRSIG
/// (addresses a wildcard supplies go without, RFC 4035 §3.1.1).
fn add_addresses(
    zone: &crate::zone::Zone,
    fast: &FastZone,
    rrset: WireRrset<'_>,
    signed: bool,
    counts: &mut Counts,
    out: &mut Writer,
) -> Option<()> {
    // The RRsets added so far, by host name and type: a host named twice (two MX records,
    // or both NS of a referral in one place) still gets one RRset.
    let mut added: [(&[u8], u16); MAX_ADDED] = [(&[], 0); MAX_ADDED];
    let mut added_count = 0;
    for rdata in rrset.records().take(MAX_HOSTS) {
        let Some(target) = rdata.first_name() else {
            continue;
        };
        let key = Key::new(target)?;
        if !key.is_within(fast.apex(), fast.apex_labels()) {
            continue;
        }
        // A host covered by a wildcard gets the wildcard's addresses under its own name.
        let (node, stored) = match fast.node(key.bytes()) {
            Some(node) => (node, true),
            None => match wildcard(zone, fast, &key) {
                Some(node) => (node, false),
                None => continue,
            },
        };
        for rtype in [TYPE_A, TYPE_AAAA] {
            let Some(addresses) = node.rrset(rtype) else {
                continue;
            };
            let present = added[..added_count]
                .iter()
                .any(|(name, t)| *t == rtype && name.eq_ignore_ascii_case(target));
            if present {
                continue;
            }
            let id = (target, rtype);
            if !addresses.is_compiled() {
                return None;
            }
            // Owned by the host name as the data spells it.
            counts.additional += out.rrset(target, addresses);
            if signed && stored {
                counts.additional += signature(addresses, target, out)?;
            }
            if let Some(slot) = added.get_mut(added_count) {
                *slot = id;
                added_count += 1;
            }
        }
    }
    Some(())
}
