//! The compiled form of a zone that the fast path answers from, and the writer that lays
//! responses out.
//!
//! Every RRset is compiled once, when its snapshot is built, into the octets it has on the
//! wire: fixed fields as they are sent, and the domain names inside the data kept apart, so
//! that the writer can compress them against the names already in the message. Nodes are
//! found by their lower-case wire name in a hash map, so a lookup reads the question's octets
//! and allocates nothing.
//!
//! The writer compresses exactly as hickory-proto's encoder does — the slow path's — so that
//! the two paths send the same octets (the differential test in `tests/engine/fast.rs` holds
//! them to that): a name is written label by label, and from its first label on, the first
//! earlier name whose remaining octets are equal (case-sensitively) replaces the rest by a
//! pointer (RFC 1035 §4.1.4). At most 64 names are remembered as pointer targets, only below
//! offset 0x3FFF, and at most 120 names per message are compressed (hickory's limits, the
//! latter Unbound's). Names in the data of the RFC 1035 types (NS, CNAME, PTR, MX, SOA) are
//! compressed; SRV's target is not (RFC 2782) but may be pointed at later, as in hickory.

use std::collections::HashMap;

use hickory_proto::rr::{RData, RecordType};
use hickory_proto::serialize::binary::{BinEncodable, BinEncoder};

use crate::zone::{Node, ServedRrset, Zone};

/// How many earlier names can be pointer targets (hickory's `COMPRESSION_CANDIDATE_LIMIT`).
const CANDIDATES: usize = 64;
/// How many names of one message are compressed (hickory's `COMPRESSED_NAME_LIMIT`).
const COMPRESSED_NAMES: usize = 120;

/// A part of a record's data.
const PART_RAW: u8 = 0;
/// A domain name that is compressed (RFC 1035 types).
const PART_NAME: u8 = 1;
/// A domain name written in full, which later names may point at.
const PART_PLAIN_NAME: u8 = 2;
/// The end of one record.
const PART_END: u8 = 3;

/// One RRset compiled: its records' data as parts (`PART_*` tags with their lengths), or
/// nothing when a record's type is not one the writer knows how to lay out (the slow path
/// answers those).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireRrset {
    rtype: u16,
    ttl: u32,
    count: u16,
    parts: Option<Box<[u8]>>,
}

impl WireRrset {
    /// Compiles `rrset`.
    pub fn new(rrset: &ServedRrset) -> Self {
        let mut parts = Vec::new();
        let compiled = rrset
            .data()
            .iter()
            .all(|data| compile_record(data, &mut parts));
        Self {
            rtype: u16::from(rrset.record_type()),
            ttl: rrset.ttl(),
            count: u16::try_from(rrset.data().len()).unwrap_or(u16::MAX),
            parts: (compiled && !rrset.data().is_empty()).then(|| parts.into_boxed_slice()),
        }
    }

    /// The type.
    pub fn rtype(&self) -> u16 {
        self.rtype
    }

    /// Whether the writer can lay this RRset out.
    pub fn is_compiled(&self) -> bool {
        self.parts.is_some()
    }

    /// The records' data, one [`Rdata`] each.
    pub fn records(&self) -> Records<'_> {
        Records {
            parts: self.parts.as_deref().unwrap_or_default(),
        }
    }
}

/// Appends the parts of one record's data; false for data the writer cannot lay out.
fn compile_record(data: &RData, parts: &mut Vec<u8>) -> bool {
    use hickory_proto::dnssec::rdata::DNSSECRData;
    let ok = match data {
        RData::NS(name) => name_part(PART_NAME, &name.0, parts),
        RData::CNAME(name) => name_part(PART_NAME, &name.0, parts),
        RData::PTR(name) => name_part(PART_NAME, &name.0, parts),
        RData::MX(mx) => {
            raw_part(&mx.preference.to_be_bytes(), parts);
            name_part(PART_NAME, &mx.exchange, parts)
        }
        RData::SOA(soa) => {
            let ok =
                name_part(PART_NAME, &soa.mname, parts) && name_part(PART_NAME, &soa.rname, parts);
            let mut fixed = Vec::with_capacity(20);
            fixed.extend_from_slice(&soa.serial.to_be_bytes());
            for value in [soa.refresh, soa.retry, soa.expire] {
                fixed.extend_from_slice(&value.to_be_bytes());
            }
            fixed.extend_from_slice(&soa.minimum.to_be_bytes());
            raw_part(&fixed, parts);
            ok
        }
        RData::SRV(srv) => {
            let mut fixed = Vec::with_capacity(6);
            for value in [srv.priority, srv.weight, srv.port] {
                fixed.extend_from_slice(&value.to_be_bytes());
            }
            raw_part(&fixed, parts);
            name_part(PART_PLAIN_NAME, &srv.target, parts)
        }
        // Data without domain names, written as hickory writes it.
        RData::A(_)
        | RData::AAAA(_)
        | RData::TXT(_)
        | RData::CAA(_)
        | RData::TLSA(_)
        | RData::SSHFP(_)
        | RData::HINFO(_)
        | RData::CERT(_)
        | RData::OPENPGPKEY(_)
        | RData::CSYNC(_)
        | RData::NULL(_)
        | RData::Unknown { .. }
        | RData::DNSSEC(
            DNSSECRData::DS(_)
            | DNSSECRData::CDS(_)
            | DNSSECRData::DNSKEY(_)
            | DNSSECRData::CDNSKEY(_),
        ) => {
            let mut bytes = Vec::new();
            let mut encoder = BinEncoder::new(&mut bytes);
            data.emit(&mut encoder).is_ok() && {
                raw_part(&bytes, parts);
                true
            }
        }
        _ => false,
    };
    parts.push(PART_END);
    ok
}

fn raw_part(bytes: &[u8], parts: &mut Vec<u8>) {
    // Record data is at most 65535 octets, so the length always fits.
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    parts.push(PART_RAW);
    parts.extend_from_slice(&len.to_be_bytes());
    parts.extend_from_slice(&bytes[..usize::from(len)]);
}

fn name_part(tag: u8, name: &hickory_proto::rr::Name, parts: &mut Vec<u8>) -> bool {
    let Some(wire) = wire_name(name) else {
        return false;
    };
    parts.push(tag);
    // A name is at most 255 octets (checked by wire_name).
    parts.push(wire.len() as u8);
    parts.extend_from_slice(&wire);
    true
}

/// `name` in wire form, as spelled, with the root label; None if it is longer than 255 octets.
pub fn wire_name(name: &hickory_proto::rr::Name) -> Option<Vec<u8>> {
    let mut wire = Vec::with_capacity(32);
    for label in name.iter() {
        wire.push(u8::try_from(label.len()).ok().filter(|len| *len <= 63)?);
        wire.extend_from_slice(label);
    }
    wire.push(0);
    (wire.len() <= 255).then_some(wire)
}

/// The records of a compiled RRset.
pub struct Records<'a> {
    parts: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = Rdata<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.parts.is_empty() {
            return None;
        }
        let mut at = 0;
        loop {
            match *self.parts.get(at)? {
                PART_END => break,
                PART_RAW => {
                    let len =
                        u16::from_be_bytes([*self.parts.get(at + 1)?, *self.parts.get(at + 2)?]);
                    at += 3 + usize::from(len);
                }
                _ => at += 2 + usize::from(*self.parts.get(at + 1)?),
            }
        }
        let (record, rest) = self.parts.split_at(at);
        self.parts = rest.get(1..)?;
        Some(Rdata { parts: record })
    }
}

/// One record's data, as parts.
#[derive(Clone, Copy)]
pub struct Rdata<'a> {
    parts: &'a [u8],
}

impl<'a> Rdata<'a> {
    /// The first domain name in the data: the target of a CNAME or NS, the exchange of an
    /// MX, the target of an SRV.
    pub fn first_name(&self) -> Option<&'a [u8]> {
        self.iter().find_map(|part| match part {
            Part::Name(name, _) => Some(name),
            Part::Raw(_) => None,
        })
    }

    fn iter(&self) -> impl Iterator<Item = Part<'a>> + 'a {
        let mut parts = self.parts;
        std::iter::from_fn(move || {
            let (&tag, rest) = parts.split_first()?;
            match tag {
                PART_RAW => {
                    let len = usize::from(u16::from_be_bytes([*rest.first()?, *rest.get(1)?]));
                    let bytes = rest.get(2..2 + len)?;
                    parts = rest.get(2 + len..)?;
                    Some(Part::Raw(bytes))
                }
                PART_NAME | PART_PLAIN_NAME => {
                    let len = usize::from(*rest.first()?);
                    let name = rest.get(1..1 + len)?;
                    parts = rest.get(1 + len..)?;
                    Some(Part::Name(name, tag == PART_NAME))
                }
                _ => None,
            }
        })
    }
}

enum Part<'a> {
    Raw(&'a [u8]),
    /// A wire name, and whether it is compressed.
    Name(&'a [u8], bool),
}

/// A node as the fast path sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FastNode {
    /// The owner as the zone spells it, in wire form; for an empty non-terminal the
    /// lower-case name.
    pub owner: Box<[u8]>,
    /// A delegation point.
    pub cut: bool,
    /// Holds a DNAME (which the slow path answers).
    pub dname: bool,
    /// The RRsets, in the node's order.
    pub rrsets: Box<[WireRrset]>,
}

impl FastNode {
    /// Compiles `node`, owned by the wire name `owner`.
    pub fn new(owner: Box<[u8]>, node: &Node) -> Self {
        Self {
            owner,
            cut: node.is_cut(),
            dname: node.name().is_some() && node.dname().is_some(),
            rrsets: node.rrsets().iter().map(WireRrset::new).collect(),
        }
    }

    /// The RRset of `rtype`, if any.
    pub fn rrset(&self, rtype: u16) -> Option<&WireRrset> {
        self.rrsets.iter().find(|rrset| rrset.rtype == rtype)
    }
}

/// A zone as the fast path sees it: its nodes by lower-case wire name, and its SOA.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FastZone {
    nodes: HashMap<Box<[u8]>, FastNode>,
    /// The apex as the zone spells it (the owner of the negative SOA).
    origin: Box<[u8]>,
    /// The apex in lower case.
    apex: Box<[u8]>,
    /// The apex's label count.
    apex_labels: u8,
    /// The negative SOA (RFC 2308 §3: the TTL is the lesser of the SOA's TTL and MINIMUM).
    soa: Option<WireRrset>,
    negative_ttl: u32,
}

impl FastZone {
    /// Compiles `zone`; None if its apex cannot be written (it always can for a valid zone).
    pub fn build(zone: &Zone) -> Option<Self> {
        let origin = wire_name(zone.origin())?.into_boxed_slice();
        let mut nodes = HashMap::with_capacity(zone.nodes().size_hint().0);
        for (key, node) in zone.nodes() {
            let lower = wire_name(key.as_name())?.into_boxed_slice();
            let owner = match node.name() {
                Some(name) => wire_name(name)?.into_boxed_slice(),
                None => lower.clone(),
            };
            nodes.insert(lower, FastNode::new(owner, node));
        }
        let soa = zone
            .node(zone.apex())
            .and_then(|node| node.rrset(RecordType::SOA))
            .map(WireRrset::new)
            .filter(WireRrset::is_compiled);
        Some(Self {
            nodes,
            origin,
            apex: wire_name(zone.apex().as_name())?.into_boxed_slice(),
            apex_labels: zone.apex().num_labels(),
            soa,
            negative_ttl: zone.negative_ttl(),
        })
    }

    /// The same zone with its apex node compiled again from `zone`: signing adds the DNSKEY
    /// RRset there and changes no other node's data.
    #[must_use]
    pub fn with_apex_of(mut self, zone: &Zone) -> Self {
        if let (Some(apex), Some(node)) = (wire_name(zone.apex().as_name()), zone.node(zone.apex()))
        {
            let owner = match node.name() {
                Some(name) => {
                    wire_name(name).map_or_else(|| apex.clone().into(), Vec::into_boxed_slice)
                }
                None => apex.clone().into_boxed_slice(),
            };
            self.nodes
                .insert(apex.into_boxed_slice(), FastNode::new(owner, node));
        }
        self
    }

    /// The node whose lower-case wire name is `key`.
    pub fn node(&self, key: &[u8]) -> Option<&FastNode> {
        self.nodes.get(key)
    }

    /// The apex as the zone spells it, in wire form.
    pub fn origin(&self) -> &[u8] {
        &self.origin
    }

    /// The apex in lower-case wire form.
    pub fn apex(&self) -> &[u8] {
        &self.apex
    }

    /// The apex's label count.
    pub fn apex_labels(&self) -> u8 {
        self.apex_labels
    }
}

/// A response being laid out: the message, and what names it can point at.
pub struct Writer {
    buf: Vec<u8>,
    /// (offset in `buf`, start and length in `names`) of each pointer target.
    candidates: Vec<(u16, u16, u8)>,
    /// The uncompressed octets of every pointer target (what hickory keeps a copy of).
    names: Vec<u8>,
    compressed: usize,
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

impl Writer {
    /// A writer with room for the largest message, allocated once.
    pub fn new() -> Self {
        Self {
            buf: Vec::with_capacity(usize::from(u16::MAX)),
            candidates: Vec::with_capacity(CANDIDATES),
            names: Vec::with_capacity(CANDIDATES * 255),
            compressed: 0,
        }
    }

    /// Starts a new message.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.candidates.clear();
        self.names.clear();
        self.compressed = 0;
    }

    /// The message so far.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The message's length so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing is written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Makes `message` the whole content.
    pub fn set(&mut self, message: &[u8]) {
        self.clear();
        self.buf.extend_from_slice(message);
    }

    pub fn put(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    pub fn put_u16(&mut self, value: u16) {
        self.buf.extend_from_slice(&value.to_be_bytes());
    }

    pub fn put_u32(&mut self, value: u32) {
        self.buf.extend_from_slice(&value.to_be_bytes());
    }

    /// Cuts the message back to its first `len` octets (pointer targets stay valid: only the
    /// truncated form of a finished response is made this way).
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    /// Sets the bits of `mask` in the octet at `at`.
    pub fn set_flag(&mut self, at: usize, mask: u8) {
        if let Some(octet) = self.buf.get_mut(at) {
            *octet |= mask;
        }
    }

    /// Overwrites two octets at `at`.
    pub fn set_u16(&mut self, at: usize, value: u16) {
        if let Some(place) = self.buf.get_mut(at..at + 2) {
            place.copy_from_slice(&value.to_be_bytes());
        }
    }

    /// Writes the wire name `name` (labels and the root, no pointers), compressed if
    /// `compress`, and remembers its suffixes as pointer targets; exactly hickory's `Name::emit`.
    pub fn name(&mut self, name: &[u8], compress: bool) {
        let compress = compress && self.compressed < COMPRESSED_NAMES;
        let start = self.buf.len();
        // The labels, without the root.
        let labels = name.len().saturating_sub(1);
        self.buf.extend_from_slice(&name[..labels]);
        let end = self.buf.len();
        if compress {
            self.compressed += 1;
        }
        let mut at = start;
        while at < end {
            let suffix = &self.buf[at..end];
            if compress {
                // Same length and first label length before the octets themselves: most
                // candidates differ there, and a call to memcmp per candidate showed in
                // profiles.
                let first = suffix[0];
                let found = self.candidates.iter().find(|(_, from, len)| {
                    let from = usize::from(*from);
                    usize::from(*len) == suffix.len()
                        && self.names.get(from) == Some(&first)
                        && self.names.get(from..from + suffix.len()) == Some(suffix)
                });
                if let Some(&(offset, _, _)) = found {
                    self.buf.truncate(at);
                    self.put_u16(0xC000 | offset);
                    return;
                }
            }
            // Stored only while the message is below 0x3FFF, so every pointer fits 14 bits.
            if end < 0x3FFF && self.candidates.len() < CANDIDATES {
                let from = self.names.len();
                self.names.extend_from_slice(&self.buf[at..end]);
                // at < 0x3FFF and a suffix is at most 254 octets.
                self.candidates
                    .push((at as u16, from as u16, (end - at) as u8));
            }
            at += 1 + usize::from(self.buf[at]);
        }
        self.buf.push(0);
    }

    /// Writes the records of `rrset` owned by the wire name `owner`; returns how many.
    pub fn rrset(&mut self, owner: &[u8], rrset: &WireRrset) -> u16 {
        for rdata in rrset.records() {
            self.record(owner, rrset.rtype, rrset.ttl, rdata);
        }
        rrset.count
    }

    /// Writes `rrset` with another TTL (the negative SOA).
    pub fn rrset_with_ttl(&mut self, owner: &[u8], rrset: &WireRrset, ttl: u32) -> u16 {
        for rdata in rrset.records() {
            self.record(owner, rrset.rtype, ttl, rdata);
        }
        rrset.count
    }

    fn record(&mut self, owner: &[u8], rtype: u16, ttl: u32, rdata: Rdata<'_>) {
        self.name(owner, true);
        self.put_u16(rtype);
        self.put_u16(1); // class IN
        self.put_u32(ttl);
        let length_at = self.buf.len();
        self.put_u16(0);
        for part in rdata.iter() {
            match part {
                Part::Raw(bytes) => self.put(bytes),
                Part::Name(name, compress) => self.name(name, compress),
            }
        }
        let length = self.buf.len() - length_at - 2;
        self.set_u16(length_at, u16::try_from(length).unwrap_or(u16::MAX));
    }

    /// Writes the negative SOA of `zone`, owned by its apex; None if the zone has none compiled.
    pub fn negative_soa(&mut self, zone: &FastZone) -> Option<u16> {
        let soa = zone.soa.as_ref()?;
        Some(self.rrset_with_ttl(&zone.origin, soa, zone.negative_ttl))
    }
}
