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

use std::hash::BuildHasher as _;

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

/// One RRset compiled, as the fast path reads it from its zone's arena: its records' data as
/// parts (`PART_*` tags with their lengths), or nothing when a record's type is not one the
/// writer knows how to lay out (the slow path answers those).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireRrset<'a> {
    rtype: u16,
    ttl: u32,
    count: u16,
    parts: Option<&'a [u8]>,
    /// In a signed zone, the RRSIG stored with the set: its record's parts, or None when the
    /// writer cannot lay it out.
    rrsig: Option<Option<&'a [u8]>>,
}

/// An RRset in the arena: type, TTL, record count and the parts' length (little-endian),
/// then the parts; when the count has [`SIGNED`] set, the length of its RRSIG's parts and
/// those parts follow.
const RRSET_HEADER: usize = 12;
/// The parts' length of an RRset the writer cannot lay out.
const NOT_COMPILED: u32 = u32::MAX;
/// The bit of an RRset's count saying that its RRSIG follows (a set holds at most 4,091
/// records, [`crate::model::MAX_RRSET_RECORDS`]).
const SIGNED: u16 = 0x8000;
/// The type code of RRSIG (RFC 4034 §3).
const TYPE_RRSIG: u16 = 46;

impl<'a> WireRrset<'a> {
    /// Appends `rrset` compiled to `out`, in the arena's layout.
    fn compile(rrset: &ServedRrset, out: &mut Vec<u8>) {
        let header = out.len();
        out.extend_from_slice(&u16::from(rrset.record_type()).to_le_bytes());
        out.extend_from_slice(&rrset.ttl().to_le_bytes());
        let count = u16::try_from(rrset.len()).unwrap_or(u16::MAX);
        let fits = count < SIGNED;
        let count = count.min(SIGNED - 1);
        let flags = if rrset.rrsig().is_some() { SIGNED } else { 0 };
        out.extend_from_slice(&(count | flags).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        let start = out.len();
        let compiled = fits && rrset.data().all(|data| compile_record(&data, out));
        let len = if compiled && count > 0 {
            u32::try_from(out.len() - start).unwrap_or(NOT_COMPILED)
        } else {
            out.truncate(start);
            NOT_COMPILED
        };
        out[header + 8..header + 12].copy_from_slice(&len.to_le_bytes());
        if let Some(rrsig) = rrset.rrsig() {
            let at = out.len();
            out.extend_from_slice(&0u32.to_le_bytes());
            let start = out.len();
            let len = if compile_rrsig(rrsig, out) {
                u32::try_from(out.len() - start).unwrap_or(NOT_COMPILED)
            } else {
                out.truncate(start);
                NOT_COMPILED
            };
            out[at..at + 4].copy_from_slice(&len.to_le_bytes());
        }
    }

    /// The RRset at the start of `bytes`, and what follows it.
    fn read(bytes: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let header = bytes.get(..RRSET_HEADER)?;
        let rtype = u16::from_le_bytes([header[0], header[1]]);
        let ttl = u32::from_le_bytes([header[2], header[3], header[4], header[5]]);
        let count = u16::from_le_bytes([header[6], header[7]]);
        let len = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
        let rest = &bytes[RRSET_HEADER..];
        let (parts, rest) = Self::read_parts(len, rest)?;
        let (rrsig, rest) = if count & SIGNED != 0 {
            let (len, rest) = rest.split_first_chunk::<4>()?;
            let (parts, rest) = Self::read_parts(u32::from_le_bytes(*len), rest)?;
            (Some(parts), rest)
        } else {
            (None, rest)
        };
        Some((
            Self {
                rtype,
                ttl,
                count: count & !SIGNED,
                parts,
                rrsig,
            },
            rest,
        ))
    }

    /// Parts of `len` octets at the start of `rest` (none for [`NOT_COMPILED`]), and what
    /// follows them.
    fn read_parts(len: u32, rest: &'a [u8]) -> Option<(Option<&'a [u8]>, &'a [u8])> {
        if len == NOT_COMPILED {
            return Some((None, rest));
        }
        let len = usize::try_from(len).ok()?;
        Some((Some(rest.get(..len)?), rest.get(len..)?))
    }

    /// The RRSIG stored with this RRset, as an RRset of its own with this one's TTL (RFC 4034
    /// §3: an RRSIG's TTL is its RRset's): None when the set has none, `Some(None)` when the
    /// writer cannot lay it out.
    pub fn rrsig(&self) -> Option<Option<WireRrset<'a>>> {
        self.rrsig.map(|parts| {
            parts.map(|parts| WireRrset {
                rtype: TYPE_RRSIG,
                ttl: self.ttl,
                count: 1,
                parts: Some(parts),
                rrsig: None,
            })
        })
    }

    /// One record of `rtype` whose data is the compressed name `name` (wire form, at most 255
    /// octets), as [`WireRrset::compile`] lays out a PTR: its parts are written to `parts`.
    pub fn one_name(rtype: u16, ttl: u32, name: &[u8], parts: &'a mut [u8; 258]) -> Self {
        let len = name.len().min(255);
        parts[0] = PART_NAME;
        parts[1] = len as u8;
        parts[2..2 + len].copy_from_slice(&name[..len]);
        parts[2 + len] = PART_END;
        Self {
            rtype,
            ttl,
            count: 1,
            parts: Some(&parts[..3 + len]),
            rrsig: None,
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
    pub fn records(&self) -> Records<'a> {
        Records {
            parts: self.parts.unwrap_or_default(),
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

/// Appends the parts of an RRSIG record's data (RFC 4034 §3.1), laid out as hickory-proto
/// writes it: the fixed fields, the signer's name in full (never compressed, RFC 4034 §3.1.7,
/// but a target later names may point at), and the signature.
fn compile_rrsig(rrsig: &RData, parts: &mut Vec<u8>) -> bool {
    let mut bytes = Vec::new();
    let mut encoder = BinEncoder::new(&mut bytes);
    if rrsig.emit(&mut encoder).is_err() {
        return false;
    }
    // Type covered, algorithm, labels, original TTL, expiration, inception, key tag.
    const FIXED: usize = 18;
    let mut end = FIXED;
    while let Some(&len) = bytes.get(end) {
        if len == 0 || len > 63 {
            break;
        }
        end += 1 + usize::from(len);
    }
    if bytes.get(end) != Some(&0) || end + 1 - FIXED > 255 {
        return false;
    }
    raw_part(&bytes[..FIXED], parts);
    parts.push(PART_PLAIN_NAME);
    // At most 255 octets, checked above.
    parts.push((end + 1 - FIXED) as u8);
    parts.extend_from_slice(&bytes[FIXED..=end]);
    raw_part(&bytes[end + 1..], parts);
    parts.push(PART_END);
    true
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
    wire_name_into(name, &mut wire)?;
    Some(wire)
}

/// [`wire_name`] into `wire` (cleared first).
fn wire_name_into(name: &hickory_proto::rr::Name, wire: &mut Vec<u8>) -> Option<()> {
    wire.clear();
    for label in name.iter() {
        wire.push(u8::try_from(label.len()).ok().filter(|len| *len <= 63)?);
        wire.extend_from_slice(label);
    }
    wire.push(0);
    (wire.len() <= 255).then_some(())
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

/// A node's flags in the arena.
const NODE_CUT: u8 = 1;
const NODE_DNAME: u8 = 2;
/// The owner is spelled otherwise than the lower-case key: its octets follow the flags.
const NODE_SPELLED: u8 = 4;

/// A node as the fast path sees it, read from its zone's arena.
///
/// In the arena a node is its key (length and lower-case wire name), its flags, its RRset
/// count (u16, little-endian), the owner as the zone spells it when that differs from the key
/// (a name in another case has the key's length), and its RRsets, one after another: one
/// allocation per zone instead of several per node, and a lookup that finds the key, the
/// flags and the first RRset in the same cache lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FastNode<'a> {
    /// The owner as the zone spells it, in wire form; for an empty non-terminal the
    /// lower-case name.
    pub owner: &'a [u8],
    /// A delegation point.
    pub cut: bool,
    /// Holds a DNAME (which the slow path answers).
    pub dname: bool,
    count: u16,
    /// The RRsets, then whatever follows in the arena.
    rrsets: &'a [u8],
}

impl<'a> FastNode<'a> {
    /// Appends `node`, whose key is the lower-case wire name `key` and whose owner is spelled
    /// `owner`, to `out` in the arena's layout.
    fn compile(key: &[u8], owner: &[u8], node: &Node, out: &mut Vec<u8>) {
        // A wire name is at most 255 octets (checked by wire_name), so its length fits.
        out.push(key.len() as u8);
        out.extend_from_slice(key);
        let spelled = owner != key && owner.len() == key.len();
        let dname = !node.is_empty() && node.dname().is_some();
        out.push(
            (u8::from(node.is_cut()) * NODE_CUT)
                | (u8::from(dname) * NODE_DNAME)
                | (u8::from(spelled) * NODE_SPELLED),
        );
        let count = u16::try_from(node.rrsets().len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&count.to_le_bytes());
        if spelled {
            out.extend_from_slice(owner);
        }
        for rrset in node.rrsets().iter().take(usize::from(count)) {
            WireRrset::compile(rrset, out);
        }
    }

    /// The key and the node at the start of `bytes`.
    fn read(bytes: &'a [u8]) -> Option<(&'a [u8], Self)> {
        let len = usize::from(*bytes.first()?);
        let key = bytes.get(1..1 + len)?;
        let header = bytes.get(1 + len..4 + len)?;
        let flags = header[0];
        let count = u16::from_le_bytes([header[1], header[2]]);
        let mut rest = &bytes[4 + len..];
        let owner = if flags & NODE_SPELLED != 0 {
            let owner = rest.get(..len)?;
            rest = &rest[len..];
            owner
        } else {
            key
        };
        Some((
            key,
            Self {
                owner,
                cut: flags & NODE_CUT != 0,
                dname: flags & NODE_DNAME != 0,
                count,
                rrsets: rest,
            },
        ))
    }

    /// The RRsets, in the node's order.
    pub fn rrsets(&self) -> impl Iterator<Item = WireRrset<'a>> + 'a {
        let mut rest = self.rrsets;
        (0..self.count).map_while(move |_| {
            let (rrset, tail) = WireRrset::read(rest)?;
            rest = tail;
            Some(rrset)
        })
    }

    /// The RRset of `rtype`, if any.
    pub fn rrset(&self, rtype: u16) -> Option<WireRrset<'a>> {
        self.rrsets().find(|rrset| rrset.rtype == rtype)
    }
}

/// One node compiled on its own, outside any zone (a synthesized name): the arena's layout
/// in a buffer of its own.
pub struct NodeBuf(Vec<u8>);

impl NodeBuf {
    /// Compiles `node`, owned by the wire name `owner` (lower case or not).
    pub fn new(owner: &[u8], node: &Node) -> Self {
        let key = owner.to_ascii_lowercase();
        let mut out = Vec::with_capacity(64);
        FastNode::compile(&key, owner, node, &mut out);
        Self(out)
    }

    /// The node.
    pub fn node(&self) -> Option<FastNode<'_>> {
        FastNode::read(&self.0).map(|(_, node)| node)
    }
}

/// A zone as the fast path sees it: its nodes in one arena, found through a hash table of
/// their offsets keyed by lower-case wire name, and its SOA.
#[derive(Clone, Debug, Default)]
pub struct FastZone {
    arena: Vec<u8>,
    /// The offset in `arena` of each node, by the hash of its key.
    index: hashbrown::HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    /// The apex as the zone spells it (the owner of the negative SOA).
    origin: Box<[u8]>,
    /// The apex in lower case.
    apex: Box<[u8]>,
    /// The apex's label count.
    apex_labels: u8,
    /// The negative SOA (RFC 2308 §3: the TTL is the lesser of the SOA's TTL and MINIMUM),
    /// as the offset of its RRset in the arena.
    soa: Option<u32>,
    negative_ttl: u32,
    /// Whether the zone is signed and its RRSIGs are compiled with their RRsets.
    signed: bool,
}

impl FastZone {
    /// The compiled answers, for tests comparing two builds.
    #[cfg(test)]
    pub(crate) fn arena(&self) -> &[u8] {
        &self.arena
    }

    /// Compiles `zone`; None if its apex cannot be written (it always can for a valid zone),
    /// or its data does not fit an arena addressed by 32 bits.
    pub fn build(zone: &Zone) -> Option<Self> {
        let origin = wire_name(zone.origin())?.into_boxed_slice();
        let apex = wire_name(zone.apex().as_name())?.into_boxed_slice();
        let mut fast = Self {
            arena: Vec::new(),
            index: hashbrown::HashTable::with_capacity(zone.node_keys().size_hint().0),
            hasher: hashbrown::DefaultHashBuilder::default(),
            origin,
            apex,
            apex_labels: zone.apex().num_labels(),
            soa: None,
            negative_ttl: zone.negative_ttl(),
            signed: zone.is_signed(),
        };
        let mut key = Vec::with_capacity(255);
        let mut owner = Vec::with_capacity(255);
        for (canonical, node) in zone.node_keys() {
            crate::zone::wire_of_key(canonical, &mut key)?;
            match node.spelled() {
                Some(name) => wire_name_into(name, &mut owner)?,
                None => owner.clone_from(&key),
            }
            fast.insert(&key, &owner, node)?;
        }
        fast.arena.shrink_to_fit();
        Some(fast)
    }

    /// Appends `node` to the arena and indexes it by `key`, replacing the node indexed by
    /// that key before (whose octets stay in the arena, unused).
    fn insert(&mut self, key: &[u8], owner: &[u8], node: &Node) -> Option<()> {
        let offset = u32::try_from(self.arena.len()).ok()?;
        FastNode::compile(key, owner, node, &mut self.arena);
        if self.arena.len() > u32::MAX as usize {
            return None;
        }
        if key == &self.apex[..] {
            self.soa = self.find_soa(offset);
        }
        let hash = self.hasher.hash_one(key);
        let arena = &self.arena;
        let hasher = &self.hasher;
        match self
            .index
            .find_mut(hash, |&at| key_at(arena, at) == Some(key))
        {
            Some(at) => *at = offset,
            None => {
                self.index.insert_unique(hash, offset, |&at| {
                    hasher.hash_one(key_at(arena, at).unwrap_or_default())
                });
            }
        }
        Some(())
    }

    /// The offset of the compiled SOA RRset of the node at `offset`, if it has one.
    fn find_soa(&self, offset: u32) -> Option<u32> {
        let start = usize::try_from(offset).ok()?;
        let (_, node) = FastNode::read(self.arena.get(start..)?)?;
        let soa = u16::from(RecordType::SOA);
        let mut rest = node.rrsets;
        for _ in 0..node.count {
            let at = self.arena.len() - rest.len();
            let (rrset, tail) = WireRrset::read(rest)?;
            if rrset.rtype == soa {
                return if rrset.is_compiled() {
                    u32::try_from(at).ok()
                } else {
                    None
                };
            }
            rest = tail;
        }
        None
    }

    /// Whether the RRSIGs of a signed zone are compiled with their RRsets.
    pub fn has_signatures(&self) -> bool {
        self.signed
    }

    /// The node whose lower-case wire name is `key`.
    pub fn node(&self, key: &[u8]) -> Option<FastNode<'_>> {
        let hash = self.hasher.hash_one(key);
        let arena = &self.arena[..];
        let &at = self
            .index
            .find(hash, |&at| key_at(arena, at) == Some(key))?;
        FastNode::read(arena.get(usize::try_from(at).ok()?..)?).map(|(_, node)| node)
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

    /// The negative SOA's RRset.
    fn soa(&self) -> Option<WireRrset<'_>> {
        let at = usize::try_from(self.soa?).ok()?;
        WireRrset::read(self.arena.get(at..)?).map(|(rrset, _)| rrset)
    }
}

/// The key of the node at `at` in `arena`.
fn key_at(arena: &[u8], at: u32) -> Option<&[u8]> {
    let at = usize::try_from(at).ok()?;
    let len = usize::from(*arena.get(at)?);
    arena.get(at + 1..at + 1 + len)
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
    pub fn rrset(&mut self, owner: &[u8], rrset: WireRrset<'_>) -> u16 {
        for rdata in rrset.records() {
            self.record(owner, rrset.rtype, rrset.ttl, rdata);
        }
        rrset.count
    }

    /// Writes `rrset` with another TTL (the negative SOA).
    pub fn rrset_with_ttl(&mut self, owner: &[u8], rrset: WireRrset<'_>, ttl: u32) -> u16 {
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
        let soa = zone.soa()?;
        Some(self.rrset_with_ttl(&zone.origin, soa, zone.negative_ttl))
    }
}
