//! A zone snapshot: the immutable, indexed form of one zone that lookup answers from.
//!
//! Owner names are kept in canonical order (RFC 4034 §6.1), as keys whose octets sort as the
//! names do, laid out one after another in one buffer; and every empty non-terminal (a name with
//! no data but with names below it, RFC 4592 §2.2.2) is an empty node. Whether a name exists, is
//! empty, or is covered by a wildcard is therefore decided by binary searches — O(log n) each,
//! at most one per label of the query — never by a scan.
//! Delegation points are marked once at build time, and the target of every DNAME (RFC 6672) is
//! read then too: lookup needs it as a name, and hickory keeps the type's data as opaque octets.
//! Default reverse names and their forward addresses are not nodes at all: [`synth`]
//! computes them per query.
//!
//! A snapshot may be signed ([`Zone::signed`], with the `server` feature): then its DNSKEY RRset
//! is added at the apex, every authoritative RRset carries its RRSIG, and every insecure
//! delegation its NSEC, all computed once when the snapshot is built, so lookup only copies
//! them (see [`crate::dnssec`] for what is signed when).

pub mod synth;

#[cfg(feature = "server")]
use std::collections::BTreeMap;
use std::collections::HashMap;
#[cfg(feature = "server")]
use std::collections::HashSet;
#[cfg(feature = "server")]
use std::sync::Arc;

use hickory_proto::rr::rdata::SOA;
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};

#[cfg(feature = "server")]
use crate::dnssec::{DnssecError, Signer, ZoneKey};
use crate::model::{rdata_from_wire, LowerName, Rrset};

/// The records of one RRset as served: TTL and data, the owner being the node's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServedRrset {
    rtype: RecordType,
    ttl: u32,
    data: Data,
    /// The RRSIG over this RRset at its own owner, in a signed zone (RFC 4035 §2.2). None for
    /// what the zone is not authoritative for (delegation NS, glue) and for data made up per
    /// query (wildcard expansions, synthesized names), which is signed online instead.
    #[cfg(feature = "server")]
    rrsig: Option<Box<RData>>,
}

/// How an RRset's data is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Data {
    /// The data of records read through the model, each as its length (u16, big-endian) and
    /// its uncompressed wire form ([`crate::model::Rdata::wire`]), one after another: one
    /// allocation of a few octets per record, where hickory's [`RData`] takes about 200 on its
    /// own. Read back with [`rdata_from_wire`], the model's own reading of wire data, so what
    /// is read is exactly the data the model made. The fast path answers from its compiled
    /// form; what reads this is the full path, transfers and signing.
    Wire(Box<[u8]>),
    /// [`Data::Wire`] octets that fit in the RRset itself (an A or AAAA record, a short
    /// name): no allocation at all.
    Inline { len: u8, bytes: [u8; INLINE] },
    /// Data made here (a signed zone's DNSKEY, synthesized records) and the SOA, whose fields
    /// are read for every negative answer.
    Typed(Box<[RData]>),
}

/// The most octets of [`Data::Inline`]: as many as keep [`Data`] the size of the variants
/// holding a pointer and a length (24 octets).
const INLINE: usize = 22;

impl Data {
    /// Records' [`Data::Wire`] octets, inline when they fit.
    fn wire(bytes: Vec<u8>) -> Self {
        match u8::try_from(bytes.len()) {
            Ok(len) if bytes.len() <= INLINE => {
                let mut inline = [0; INLINE];
                inline[..bytes.len()].copy_from_slice(&bytes);
                Data::Inline { len, bytes: inline }
            }
            _ => Data::Wire(bytes.into_boxed_slice()),
        }
    }

    /// The octets of [`Data::Wire`] or [`Data::Inline`], none for [`Data::Typed`].
    fn octets(&self) -> &[u8] {
        match self {
            Data::Wire(wire) => wire,
            Data::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Data::Typed(_) => &[],
        }
    }
}

impl ServedRrset {
    fn new(rtype: RecordType, ttl: u32, data: Vec<RData>) -> Self {
        Self {
            rtype,
            ttl,
            data: Data::Typed(data.into_boxed_slice()),
            #[cfg(feature = "server")]
            rrsig: None,
        }
    }

    /// The RRset of the model's `records`, kept in wire form (the SOA typed).
    fn from_model(rtype: RecordType, ttl: u32, records: &[crate::model::Rdata]) -> Self {
        if rtype == RecordType::SOA {
            return Self::new(
                rtype,
                ttl,
                records.iter().map(|r| r.data().clone()).collect(),
            );
        }
        let mut bytes = Vec::with_capacity(records.iter().map(|r| 2 + r.wire_len()).sum());
        for record in records {
            push_wire(&mut bytes, record.wire());
        }
        Self {
            rtype,
            ttl,
            data: Data::wire(bytes),
            #[cfg(feature = "server")]
            rrsig: None,
        }
    }

    /// Adds those of `records` whose data is not in the set yet (compared as [`RData`]).
    fn merge(&mut self, records: &[crate::model::Rdata]) {
        // Compared as RData (whose names compare without regard to case), as the model does.
        let mut present: Vec<RData> = match self.data {
            Data::Typed(_) => Vec::new(),
            _ => self.data().collect(),
        };
        match &mut self.data {
            Data::Typed(data) => {
                let mut grown = std::mem::take(data).into_vec();
                for record in records {
                    if !grown.contains(record.data()) {
                        grown.push(record.data().clone());
                    }
                }
                *data = grown.into_boxed_slice();
            }
            data => {
                let mut bytes = data.octets().to_vec();
                for record in records {
                    if !present.contains(record.data()) {
                        present.push(record.data().clone());
                        push_wire(&mut bytes, record.wire());
                    }
                }
                *data = Data::wire(bytes);
            }
        }
    }

    /// Puts the records in the order of their data's octets (RFC 4034 §6.3 for data in
    /// lower case); typed data (the SOA, a signed zone's DNSKEY) stays as made.
    fn sort_records(&mut self) {
        let octets = self.data.octets();
        let mut records: Vec<&[u8]> = wire_records(octets).collect();
        if records.is_sorted() {
            return;
        }
        records.sort_unstable();
        let mut bytes = Vec::with_capacity(octets.len());
        for record in records {
            push_wire(&mut bytes, record);
        }
        self.data = Data::wire(bytes);
    }

    /// The type.
    pub fn record_type(&self) -> RecordType {
        self.rtype
    }

    /// The TTL.
    pub fn ttl(&self) -> u32 {
        self.ttl
    }

    /// How many records the set holds.
    pub fn len(&self) -> usize {
        match &self.data {
            Data::Typed(data) => data.len(),
            data => wire_records(data.octets()).count(),
        }
    }

    /// Whether the set holds no record (never, for a set of a zone).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The records' data, in order.
    pub fn data(&self) -> impl Iterator<Item = RData> + '_ {
        let (typed, wire): (&[RData], &[u8]) = match &self.data {
            Data::Typed(data) => (data, &[]),
            data => (&[], data.octets()),
        };
        let rtype = self.rtype;
        typed.iter().cloned().chain(
            // The model made this data from these octets, so it reads them again.
            wire_records(wire).filter_map(move |bytes| rdata_from_wire(rtype, bytes).ok()),
        )
    }

    /// The records with `owner` as their name.
    pub fn records(&self, owner: &Name) -> impl Iterator<Item = Record> + '_ {
        let owner = owner.clone();
        let ttl = self.ttl;
        self.data()
            .map(move |data| Record::from_rdata(owner.clone(), ttl, data))
    }

    /// The precomputed RRSIG record data, in a signed zone.
    #[cfg(feature = "server")]
    pub fn rrsig(&self) -> Option<&RData> {
        self.rrsig.as_deref()
    }
}

/// Appends one record's wire data to an RRset's [`Data::Wire`] octets.
fn push_wire(bytes: &mut Vec<u8>, wire: &[u8]) {
    // Record data is at most 65535 octets (the model refuses longer data).
    let len = u16::try_from(wire.len()).unwrap_or(u16::MAX);
    bytes.extend_from_slice(&len.to_be_bytes());
    bytes.extend_from_slice(&wire[..usize::from(len)]);
}

/// The records of [`Data::Wire`] octets, each record's data.
fn wire_records(mut bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        let (len, rest) = bytes.split_first_chunk::<2>()?;
        let len = usize::from(u16::from_be_bytes(*len));
        let (record, rest) = rest.split_at_checked(len)?;
        bytes = rest;
        Some(record)
    })
}

/// The target of a DNAME as it is served, from its record data: one uncompressed name (RFC
/// 6672 §2.1, §2.5), read from the octets served rather than from the zone's text, so that
/// the CNAME synthesized from it spells the target exactly as the DNAME sent next to it does
/// (the model writes the name in lower case, the form validators sign, RFC 4034 §6.2).
fn dname_target(data: &[u8]) -> Option<Name> {
    let mut decoder = BinDecoder::new(data);
    let target = Name::read(&mut decoder).ok()?;
    decoder.is_empty().then_some(target)
}

/// Appends `name`'s labels from the root down in lower case, each followed by a 0 octet, with
/// the octets 0 and 1 of a label written as 1 1 and 1 2: byte order of these keys is the
/// canonical order of the names (RFC 4034 §6.1), and no two names have the same key.
fn push_canonical_key(name: &Name, key: &mut Vec<u8>) {
    for label in name.iter().rev() {
        for &octet in label {
            let (bytes, len) = key_octet(octet);
            key.extend_from_slice(&bytes[..len]);
        }
        key.push(0);
    }
}

/// One octet of a label as a canonical key writes it: lower case, 0 and 1 escaped.
fn key_octet(octet: u8) -> ([u8; 2], usize) {
    match octet {
        0 | 1 => ([1, octet + 1], 2),
        _ => ([octet.to_ascii_lowercase(), 0], 1),
    }
}

/// Whether `name` is spelled exactly as its key's name: fully qualified, in lower case.
fn spelled_lower(name: &Name) -> bool {
    name.is_fqdn() && !name.iter().flatten().any(u8::is_ascii_uppercase)
}

/// The longest canonical key: a name of at most 255 octets, each label octet written as at
/// most two.
const MAX_KEY: usize = 512;

/// [`push_canonical_key`] into a buffer of its own: the key's length, None if it does not fit.
fn canonical_key(name: &Name, out: &mut [u8; MAX_KEY]) -> Option<usize> {
    let mut at = 0;
    for label in name.iter().rev() {
        for &octet in label {
            let (bytes, len) = key_octet(octet);
            out.get_mut(at..at + len)?.copy_from_slice(&bytes[..len]);
            at += len;
        }
        *out.get_mut(at)? = 0;
        at += 1;
    }
    Some(at)
}

/// The labels of a canonical key, leftmost (last in the key) first, each still escaped.
fn key_labels(key: &[u8]) -> impl Iterator<Item = &[u8]> {
    // Octets 0 only ever separate labels: an escape's second octet is 1 or 2.
    key.strip_suffix(&[0])
        .unwrap_or_default()
        .rsplit(|&octet| octet == 0)
        .filter(move |_| !key.is_empty())
}

/// An escaped label of a canonical key, as its octets.
fn unescape(label: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let mut rest = label;
    std::iter::from_fn(move || {
        let (&first, tail) = rest.split_first()?;
        if first == 1 {
            let (&second, tail) = tail.split_first()?;
            rest = tail;
            Some(second.wrapping_sub(1))
        } else {
            rest = tail;
            Some(first)
        }
    })
}

/// The name whose canonical key is `key`: lower case and fully qualified.
pub(crate) fn name_of_key(key: &[u8]) -> Name {
    let labels: Vec<Vec<u8>> = key_labels(key)
        .map(|label| unescape(label).collect())
        .collect();
    let mut name =
        Name::from_labels(labels.iter().map(Vec::as_slice)).unwrap_or_else(|_| Name::root());
    name.set_fqdn(true);
    name
}

/// The lower-case wire form of the name whose canonical key is `key`, into `wire` (cleared
/// first); None if it is no valid name.
#[cfg(feature = "server")]
pub(crate) fn wire_of_key(key: &[u8], wire: &mut Vec<u8>) -> Option<()> {
    wire.clear();
    for label in key_labels(key) {
        let at = wire.len();
        wire.push(0);
        wire.extend(unescape(label));
        let len = wire.len() - at - 1;
        wire[at] = u8::try_from(len)
            .ok()
            .filter(|len| (1..=63).contains(len))?;
    }
    wire.push(0);
    (wire.len() <= 255).then_some(())
}

/// Whether the name with canonical key `key` lies below one of the delegation points `cuts`
/// of the zone whose apex key is `apex_len` octets long: glue, or data occluded by the cut.
#[cfg(feature = "server")]
fn below_cut(key: &[u8], cuts: &HashSet<Vec<u8>>, apex_len: usize) -> bool {
    // The proper ancestors' keys are the prefixes ending after a label separator.
    let inner = key.len().saturating_sub(1);
    key[..inner]
        .iter()
        .enumerate()
        .filter(|&(at, &octet)| octet == 0 && at + 1 > apex_len)
        .any(|(at, _)| cuts.contains(&key[..=at]))
}

/// One owner name: its RRsets (none for an empty non-terminal), whether it is a delegation, and
/// the target of its DNAME, if it has one.
#[derive(Clone, Debug, Default)]
pub struct Node {
    /// Where this node's key ends in its zone's key buffer (it starts where the previous
    /// node's ends).
    key_end: u32,
    /// The owner as the zone spells it, where that is not its key's lower-case spelling:
    /// most owners are written in lower case, and their name is then the key's.
    spelled: Option<Box<Name>>,
    rrsets: Box<[ServedRrset]>,
    cut: bool,
    /// What few nodes have, kept apart so that the others do not pay for it.
    rare: Option<Box<Rare>>,
}

/// The rare parts of a node.
#[derive(Clone, Debug, Default)]
struct Rare {
    /// The target of the DNAME at this name, if it holds one (RFC 6672 §2.1).
    dname: Option<Name>,
    /// At a delegation without DS in a signed zone: the NSEC proving that there is no DS (RFC
    /// 4035 §3.1.4), and its RRSIG.
    #[cfg(feature = "server")]
    cut_nsec: Option<(RData, RData)>,
}

/// Appends `rrset` to `rrsets`, growing the slice by one: most nodes hold one or two RRsets,
/// and a slice holds exactly its length.
fn push_rrset(rrsets: &mut Box<[ServedRrset]>, rrset: ServedRrset) {
    let mut grown = std::mem::take(rrsets).into_vec();
    grown.reserve_exact(1);
    grown.push(rrset);
    *rrsets = grown.into_boxed_slice();
}

impl Node {
    /// The RRset of `rtype`, if any.
    pub fn rrset(&self, rtype: RecordType) -> Option<&ServedRrset> {
        self.rrsets.iter().find(|rrset| rrset.rtype == rtype)
    }

    /// Every RRset at this name.
    pub fn rrsets(&self) -> &[ServedRrset] {
        &self.rrsets
    }

    /// True for an empty non-terminal.
    pub fn is_empty(&self) -> bool {
        self.rrsets.is_empty()
    }

    /// True at a delegation point: NS below the apex (RFC 1034 §4.2.1).
    pub fn is_cut(&self) -> bool {
        self.cut
    }

    /// The owner name as spelled in the zone data (`None` for an empty non-terminal), for
    /// the node at `key`.
    pub fn name(&self, key: &LowerName) -> Option<Name> {
        if self.rrsets.is_empty() {
            return None;
        }
        Some(
            self.spelled
                .as_deref()
                .unwrap_or_else(|| key.as_name())
                .clone(),
        )
    }

    /// The owner's spelling, where it is not the key's (lower case).
    #[cfg(feature = "server")]
    pub(crate) fn spelled(&self) -> Option<&Name> {
        self.spelled.as_deref()
    }

    /// The DNAME RRset at this name and its target, if the name holds one: every name below
    /// this one is redirected (RFC 6672 §2.2).
    pub fn dname(&self) -> Option<(&ServedRrset, &Name)> {
        let target = self.rare.as_ref()?.dname.as_ref()?;
        Some((self.rrset(RecordType::DNAME)?, target))
    }

    /// At an insecure delegation of a signed zone, the NSEC record data proving that the child
    /// has no DS, and its RRSIG.
    #[cfg(feature = "server")]
    pub fn cut_nsec(&self) -> Option<&(RData, RData)> {
        self.rare.as_ref()?.cut_nsec.as_ref()
    }
}

/// The nodes of a zone being built ([`Zone::new`], [`Zone::from_wire`]), found through a hash
/// map keyed by their names in canonical byte order ([`push_canonical_key`]); sorted by those
/// keys in one pass when the zone is made ([`Gathering::finish`]). (A map whose comparisons
/// walk labels from the root was, for millions of comparisons of deep reverse names, most of
/// a big load.)
struct Gathering<'k> {
    apex_key: &'k [u8],
    index: HashMap<&'k [u8], usize>,
    nodes: Vec<Node>,
}

impl<'k> Gathering<'k> {
    fn new(apex_key: &'k [u8], capacity: usize) -> Self {
        Self {
            apex_key,
            index: HashMap::with_capacity(capacity),
            nodes: Vec::with_capacity(capacity),
        }
    }

    /// The index of the node with canonical key `key` (inside the zone), made with the empty
    /// non-terminals above it if it is new.
    fn node_index(&mut self, key: &'k [u8]) -> usize {
        if let Some(&at) = self.index.get(key) {
            return at;
        }
        // Empty non-terminals: every ancestor between this name and the apex exists. Walked
        // upwards, it stops at the first ancestor already there, whose own ancestors then are
        // too. An ancestor's canonical key is a prefix of the name's, ending after one of its
        // label separators.
        let apex_len = self.apex_key.len();
        let mut end = key.len();
        while end > apex_len {
            end = key[..end - 1]
                .iter()
                .rposition(|&octet| octet == 0)
                .map_or(0, |at| at + 1);
            if end < apex_len || self.index.contains_key(&key[..end]) {
                break;
            }
            self.index.insert(&key[..end], self.nodes.len());
            self.nodes.push(Node::default());
        }
        self.index.insert(key, self.nodes.len());
        self.nodes.push(Node::default());
        self.nodes.len() - 1
    }

    /// The node with canonical key `key`, made if it is new ([`Gathering::node_index`]).
    fn node(&mut self, key: &'k [u8]) -> &mut Node {
        let at = self.node_index(key);
        &mut self.nodes[at]
    }

    /// The node at index `at` (from [`Gathering::node_index`]).
    fn node_at(&mut self, at: usize) -> &mut Node {
        &mut self.nodes[at]
    }

    /// The zone of the gathered nodes, in canonical order, each node's RRsets by type and
    /// each RRset's records by their data — one order however the data came, so that zones of
    /// the same data are the same whichever way they were built (RFC 2181 §5: the order of an
    /// RRset's records carries no meaning; RFC 4034 §6.3 orders them so, as Knot serves them).
    fn finish(self, origin: Name) -> Result<Zone, ZoneError> {
        let Gathering {
            apex_key,
            index,
            nodes: gathered,
        } = self;
        let apex = LowerName::new(&origin);
        let mut order: Vec<(&[u8], usize)> = index.into_iter().collect();
        order.sort_unstable();
        let mut sorted_keys: Vec<u8> =
            Vec::with_capacity(order.iter().map(|(key, _)| key.len()).sum());
        let mut gathered: Vec<Option<Node>> = gathered.into_iter().map(Some).collect();
        let mut nodes: Vec<Node> = Vec::with_capacity(order.len());
        let mut record_count = 0;
        let mut has_cuts = false;
        let mut has_wildcards = false;
        let mut has_dnames = false;
        let mut apex_at = None;
        for (key, at) in order {
            let Some(mut node) = gathered.get_mut(at).and_then(Option::take) else {
                continue;
            };
            sorted_keys.extend_from_slice(key);
            node.key_end = u32::try_from(sorted_keys.len()).map_err(|_| ZoneError::TooBig)?;
            if key == apex_key {
                apex_at = Some(nodes.len());
            }
            node.rrsets
                .sort_unstable_by_key(|rrset| u16::from(rrset.rtype));
            for rrset in node.rrsets.iter_mut() {
                rrset.sort_records();
                record_count += rrset.len();
            }
            // RFC 6672 §2.4: DNAME is a singleton type; should a zone hold two all the same
            // (the store's rules refuse it), the first one redirects.
            if let Some(target) = node
                .rrset(RecordType::DNAME)
                .and_then(|dname| wire_records(dname.data.octets()).next())
                .and_then(dname_target)
            {
                node.rare.get_or_insert_with(Box::default).dname = Some(target);
            }
            node.cut = key != apex_key && node.rrset(RecordType::NS).is_some();
            has_cuts |= node.cut;
            // RFC 4592 §2.1.1: a wildcard's leftmost label is `*` (the last in its key).
            has_wildcards |= key.ends_with(&[0, b'*', 0]) || key == b"*\0";
            has_dnames |= node.rare.as_ref().is_some_and(|rare| rare.dname.is_some());
            nodes.push(node);
        }
        drop(gathered);
        let soa = apex_at
            .and_then(|at| nodes[at].rrset(RecordType::SOA))
            .filter(|soa| soa.len() == 1)
            .cloned()
            .ok_or_else(|| ZoneError::MissingSoa(origin.to_string()))?;
        let zone = Zone {
            origin,
            apex,
            soa,
            nodes,
            keys: sorted_keys.into_boxed_slice(),
            record_count,
            has_cuts,
            has_wildcards,
            has_dnames,
            synth: synth::Synth::default(),
            #[cfg(feature = "server")]
            signer: None,
            #[cfg(feature = "server")]
            journal: None,
            #[cfg(feature = "server")]
            nsec_chain: std::sync::OnceLock::new(),
            #[cfg(feature = "server")]
            fast: Arc::default(),
        };
        #[cfg(feature = "server")]
        let zone = zone.compiled();
        Ok(zone)
    }
}

/// One record of [`Zone::from_wire`]'s octets: where its parts are.
#[derive(Clone, Copy)]
struct WireRr {
    /// The owner's octets (start, end).
    owner: (usize, usize),
    rtype: u16,
    class: u16,
    ttl: u32,
    /// The record data's octets (start, end).
    rdata: (usize, usize),
    /// The owner's canonical key, in the build's key buffer (start, end).
    key: (usize, usize),
}

impl WireRr {
    /// The record at `at` in `octets` and where the next one starts; None if it is not one
    /// whole record with an uncompressed owner name.
    fn read(octets: &[u8], at: usize) -> Option<(WireRr, usize)> {
        let owner_len = wire_name_len(octets.get(at..)?)?;
        let fixed = at + owner_len;
        let header: &[u8; 10] = octets.get(fixed..fixed + 10)?.try_into().ok()?;
        let [t0, t1, c0, c1, l0, l1, l2, l3, r0, r1] = *header;
        let start = fixed + 10;
        let end = start + usize::from(u16::from_be_bytes([r0, r1]));
        octets.get(start..end)?;
        Some((
            WireRr {
                owner: (at, fixed),
                rtype: u16::from_be_bytes([t0, t1]),
                class: u16::from_be_bytes([c0, c1]),
                // RFC 2181 §8: a TTL is at most 2^31 - 1; one with the top bit set is zero.
                ttl: match u32::from_be_bytes([l0, l1, l2, l3]) {
                    ttl if ttl > 0x7FFF_FFFF => 0,
                    ttl => ttl,
                },
                rdata: (start, end),
                key: (0, 0),
            },
            end,
        ))
    }
}

/// The length of the uncompressed name at the start of `octets` (RFC 1035 §3.1): labels of 1
/// to 63 octets ending with the root label, at most 255 octets. None if it is not one.
fn wire_name_len(octets: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        let len = usize::from(*octets.get(at)?);
        if len > 63 {
            return None;
        }
        at += 1 + len;
        if at > 255 {
            return None;
        }
        if len == 0 {
            return Some(at);
        }
    }
}

/// [`push_canonical_key`] of an uncompressed wire-form name (checked by [`wire_name_len`]).
fn push_wire_key(name: &[u8], key: &mut Vec<u8>) {
    // Where each label starts: a name of 255 octets has at most 127 labels.
    let mut starts = [0u8; 128];
    let mut count = 0;
    let mut at = 0;
    while let Some(&len) = name.get(at) {
        if len == 0 || count == starts.len() {
            break;
        }
        starts[count] = u8::try_from(at).unwrap_or(u8::MAX);
        count += 1;
        at += 1 + usize::from(len);
    }
    for &start in starts[..count].iter().rev() {
        let start = usize::from(start);
        let len = usize::from(name[start]);
        for &octet in name.get(start + 1..start + 1 + len).unwrap_or_default() {
            let (bytes, len) = key_octet(octet);
            key.extend_from_slice(&bytes[..len]);
        }
        key.push(0);
    }
}

/// Why a set of RRsets cannot become a zone snapshot.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    /// RFC 1035 §5.2: a zone has exactly one SOA, at its apex.
    #[error("zone {0} has no SOA record at its apex")]
    MissingSoa(String),
    /// More names than one snapshot can index (4 GiB of keys).
    #[error("the zone has too many names to be served")]
    TooBig,
    /// An RRset whose owner is not in the zone.
    #[error("{name} is outside the zone {origin}")]
    OutsideZone {
        /// The owner.
        name: String,
        /// The zone apex.
        origin: String,
    },
}

/// An immutable snapshot of one zone, ready to answer from.
#[derive(Clone, Debug)]
pub struct Zone {
    origin: Name,
    apex: LowerName,
    soa: ServedRrset,
    /// Every node, empty non-terminals included, in canonical order of the owners.
    nodes: Vec<Node>,
    /// The nodes' keys ([`push_canonical_key`]), one after another in the nodes' order: a
    /// name costs its key's octets and no allocation of its own, and is found by binary
    /// search.
    keys: Box<[u8]>,
    record_count: usize,
    /// Whether any name below the apex is a delegation point. Most zones (reverse zones
    /// especially) have none, and then lookup need not walk the query name's ancestors.
    has_cuts: bool,
    /// Whether the zone holds any `*` owner; without one no wildcard can synthesize an answer.
    has_wildcards: bool,
    /// Whether any name holds a DNAME. Like cuts, DNAMEs are met on the way down to a name, and
    /// a zone without either needs no walk.
    has_dnames: bool,
    /// Default reverse names and their addresses, answered for names without a node.
    synth: synth::Synth,
    /// The key and validity period the zone is signed with; None for an unsigned zone.
    #[cfg(feature = "server")]
    signer: Option<Signer>,
    /// The zone's recent changes, for IXFR (none: transfers send the whole zone).
    #[cfg(feature = "server")]
    journal: Option<Arc<crate::xfr::Journal>>,
    /// A signed zone's NSEC chain (RFC 4034 §4) with its RRSIGs, by owner: made at the
    /// first transfer of this snapshot, for secondaries only (see [`Zone::transfer_records`]).
    #[cfg(feature = "server")]
    nsec_chain: std::sync::OnceLock<BTreeMap<LowerName, (RData, RData)>>,
    /// The compiled form the fast path answers from ([`crate::fast`]), built with the
    /// snapshot (and again once it is signed, which adds the DNSKEY RRset).
    #[cfg(feature = "server")]
    fast: Arc<crate::fast::compiled::FastZone>,
}

impl Zone {
    /// Builds the snapshot of zone `origin` from its RRsets (each checked by
    /// [`crate::model::validate_rrset`]).
    ///
    /// Only what serving needs is enforced here — an SOA at the apex and every owner inside the
    /// zone; the other zone rules ([`crate::model::check_zone`]) are the store's to enforce, and
    /// a zone loaded from the store is served even if it breaks one, as other servers do. RRsets
    /// of the same name and type are merged.
    pub fn new(origin: &Name, rrsets: impl IntoIterator<Item = Rrset>) -> Result<Self, ZoneError> {
        let mut origin = origin.clone();
        origin.set_fqdn(true);
        // The keys are laid out in one buffer first (an ancestor's key is a prefix of its
        // descendant's), so that the build does not interleave short-lived allocations with
        // the snapshot's: holes left between live data keep pages resident after a load.
        let rrsets: Vec<Rrset> = rrsets.into_iter().collect();
        let mut keys: Vec<u8> = Vec::new();
        push_canonical_key(&origin, &mut keys);
        let apex_len = keys.len();
        let mut spans: Vec<(usize, usize)> = Vec::with_capacity(rrsets.len());
        for rrset in &rrsets {
            let name = rrset.name();
            if !origin.zone_of(name) {
                return Err(ZoneError::OutsideZone {
                    name: name.to_string(),
                    origin: origin.to_string(),
                });
            }
            let start = keys.len();
            push_canonical_key(name, &mut keys);
            spans.push((start, keys.len()));
        }
        let mut gathering = Gathering::new(&keys[..apex_len], rrsets.len());
        for (rrset, &(start, end)) in rrsets.iter().zip(&spans) {
            let name = rrset.name();
            let node = gathering.node(&keys[start..end]);
            if node.rrsets.is_empty() && node.spelled.is_none() && !spelled_lower(name) {
                node.spelled = Some(Box::new(name.clone()));
            }
            let rtype = rrset.record_type();
            // Copied out of the records in wire form: the copies are made together and lie
            // together, where the parsed data lies among the texts freed with the RRsets.
            match node.rrsets.iter_mut().find(|served| served.rtype == rtype) {
                Some(served) => served.merge(rrset.records()),
                None => push_rrset(
                    &mut node.rrsets,
                    ServedRrset::from_model(rtype, rrset.ttl(), rrset.records()),
                ),
            }
        }
        gathering.finish(origin)
    }

    /// Builds the snapshot of zone `origin` from its SOA and its other records in DNS wire
    /// form, one after another, each uncompressed: owner, type, class, TTL, RDLENGTH, RDATA
    /// (RFC 1035 §4.1.3). That is how the store keeps what a zone published (`zone_rr`: the
    /// [`Zone::transfer_records`] of the zone [`Zone::new`] built from its rows when it last
    /// changed), so this builds the same zone without reading any record's text or data —
    /// the data is served as it is kept.
    ///
    /// Returns the zone and how many records were left out: malformed ones (the rest of the
    /// octets then), ones of a class other than IN, SOA records (the zone's is `soa`), and
    /// ones whose owner is outside the zone. Records of one owner and type form one RRset,
    /// whatever their order; duplicates are one record.
    pub fn from_wire(
        origin: &Name,
        soa: Rrset,
        records: &[u8],
    ) -> Result<(Self, usize), ZoneError> {
        let mut origin = origin.clone();
        origin.set_fqdn(true);
        let mut keys: Vec<u8> = Vec::with_capacity(records.len() / 2);
        push_canonical_key(&origin, &mut keys);
        let apex_len = keys.len();
        let mut read: Vec<WireRr> = Vec::with_capacity(records.len() / 32);
        let mut skipped = 0;
        let mut at = 0;
        while at < records.len() {
            let Some((rr, next)) = WireRr::read(records, at) else {
                skipped += 1;
                break;
            };
            at = next;
            let owner = &records[rr.owner.0..rr.owner.1];
            if rr.class != u16::from(hickory_proto::rr::DNSClass::IN)
                || rr.rtype == u16::from(RecordType::SOA)
            {
                skipped += 1;
                continue;
            }
            let start = keys.len();
            push_wire_key(owner, &mut keys);
            // Keys end every label with a 0, so a prefix is an ancestor (or the name).
            if !keys[start..].starts_with(&keys[..apex_len]) {
                keys.truncate(start);
                skipped += 1;
                continue;
            }
            read.push(WireRr {
                key: (start, keys.len()),
                ..rr
            });
        }
        let mut gathering = Gathering::new(&keys[..apex_len], read.len() + 1);
        let apex = gathering.node(&keys[..apex_len]);
        apex.rrsets = vec![ServedRrset::from_model(
            RecordType::SOA,
            soa.ttl(),
            soa.records(),
        )]
        .into_boxed_slice();
        // Each record's node, then the records sorted by node, type and data: an RRset's
        // records are adjacent, in an order that does not depend on how they were kept.
        let mut placed: Vec<(u32, u16, usize)> = Vec::with_capacity(read.len());
        for (i, rr) in read.iter().enumerate() {
            let at = gathering.node_index(&keys[rr.key.0..rr.key.1]);
            let at = u32::try_from(at).map_err(|_| ZoneError::TooBig)?;
            placed.push((at, rr.rtype, i));
        }
        let rdata = |i: usize| &records[read[i].rdata.0..read[i].rdata.1];
        placed.sort_unstable_by(|a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then_with(|| rdata(a.2).cmp(rdata(b.2)))
        });
        for group in placed.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let (at, rtype) = (group[0].0 as usize, RecordType::from(group[0].1));
            let first = &read[group[0].2];
            let mut bytes = Vec::with_capacity(group.iter().map(|p| 2 + rdata(p.2).len()).sum());
            let mut previous: Option<&[u8]> = None;
            for &(_, _, i) in group {
                let data = rdata(i);
                if previous != Some(data) {
                    push_wire(&mut bytes, data);
                }
                previous = Some(data);
            }
            let ttl = group
                .iter()
                .map(|p| read[p.2].ttl)
                .min()
                .unwrap_or(first.ttl);
            let node = gathering.node_at(at);
            if node.spelled.is_none() {
                let owner = &records[first.owner.0..first.owner.1];
                if owner.iter().any(u8::is_ascii_uppercase) {
                    node.spelled = Name::read(&mut BinDecoder::new(owner)).ok().map(Box::new);
                }
            }
            push_rrset(
                &mut node.rrsets,
                ServedRrset {
                    rtype,
                    ttl,
                    data: Data::wire(bytes),
                    #[cfg(feature = "server")]
                    rrsig: None,
                },
            );
        }
        Ok((gathering.finish(origin)?, skipped))
    }

    /// The same zone with its compiled form built from its nodes.
    #[cfg(feature = "server")]
    fn compiled(mut self) -> Self {
        self.fast = Arc::new(crate::fast::compiled::FastZone::build(&self).unwrap_or_default());
        self
    }

    /// The compiled form the fast path answers from.
    #[cfg(feature = "server")]
    pub(crate) fn fast(&self) -> &crate::fast::compiled::FastZone {
        &self.fast
    }

    /// The same zone, signed with `key` at the time `now_unix` (seconds since the epoch): the
    /// DNSKEY RRset is added at the apex (with the SOA's TTL) and every authoritative RRset gets
    /// its RRSIG, so that lookup answers DNSSEC-aware clients from the snapshot, signing online
    /// only what the snapshot does not hold (see [`crate::dnssec`]).
    ///
    /// Signed are all RRsets at or above the zone's cuts, except the NS RRset of each cut (it is
    /// the child's, RFC 4035 §2.2); below a cut (glue) nothing is. Each cut without DS gets an
    /// NSEC saying so. A DNSKEY RRset already in the data is replaced by the key's.
    ///
    /// Signing cannot fail for data the model accepts (RRsets are bounded so that each one
    /// and its signature fit a message). Should it fail all the same, the error is returned
    /// and the caller keeps serving the last good signed snapshot: a zone with a DS at its
    /// parent served unsigned, or with signatures missing, is bogus to every validator.
    #[cfg(feature = "server")]
    pub fn signed(mut self, key: Arc<ZoneKey>, now_unix: u32) -> Result<Self, DnssecError> {
        let signer = Signer::new(key, &self.origin, now_unix);
        self.sign_with(&signer)?;
        self.signer = Some(signer);
        // Signing added the DNSKEY RRset at the apex and an RRSIG to every authoritative
        // RRset: compiled again, with the signatures, which the fast path sends with DO.
        Ok(self.compiled())
    }

    #[cfg(feature = "server")]
    fn sign_with(&mut self, signer: &Signer) -> Result<(), DnssecError> {
        let dnskey = ServedRrset::new(
            RecordType::DNSKEY,
            self.soa.ttl,
            vec![RData::DNSSEC(
                hickory_proto::dnssec::rdata::DNSSECRData::DNSKEY(signer.key().dnskey().clone()),
            )],
        );
        let negative_ttl = self.negative_ttl();
        let apex_at = self
            .find(&self.apex)
            .ok_or_else(|| DnssecError::Sign(format!("zone {} has no apex node", self.origin)))?;
        let apex = &mut self.nodes[apex_at];
        let mut rrsets = std::mem::take(&mut apex.rrsets).into_vec();
        rrsets.retain(|rrset| rrset.rtype != RecordType::DNSKEY);
        apex.rrsets = rrsets.into_boxed_slice();
        push_rrset(&mut apex.rrsets, dnskey);
        let cuts = self.cut_keys();
        let apex_len = self.key(apex_at).len();
        let keys = &self.keys;
        let mut start = 0;
        for node in &mut self.nodes {
            let end = node.key_end as usize;
            let key = &keys[start..end];
            start = end;
            if below_cut(key, &cuts, apex_len) {
                continue;
            }
            let owner = &name_of_key(key);
            for rrset in node.rrsets.iter_mut() {
                if node.cut && rrset.rtype != RecordType::DS {
                    continue;
                }
                let data: Vec<RData> = rrset.data().collect();
                rrset.rrsig = Some(Box::new(signer.rrsig(
                    owner,
                    rrset.rtype,
                    rrset.ttl,
                    &data,
                )?));
            }
            if node.cut && node.rrset(RecordType::DS).is_none() {
                // RFC 4035 §2.3: the NSEC at a delegation point lists NS (and DS, were there
                // one), RRSIG and NSEC; compact denial's next name covers nothing else.
                let nsec = Signer::nsec(owner, [RecordType::NS]);
                let rrsig = signer.rrsig(
                    owner,
                    RecordType::NSEC,
                    negative_ttl,
                    std::slice::from_ref(&nsec),
                )?;
                node.rare.get_or_insert_with(Box::default).cut_nsec = Some((nsec, rrsig));
            }
        }
        self.soa.rrsig = self.nodes[apex_at]
            .rrset(RecordType::SOA)
            .and_then(|soa| soa.rrsig.clone());
        Ok(())
    }

    /// The keys of the delegation points.
    #[cfg(feature = "server")]
    fn cut_keys(&self) -> HashSet<Vec<u8>> {
        self.node_keys()
            .filter(|(_, node)| node.cut)
            .map(|(key, _)| key.to_vec())
            .collect()
    }

    /// The signer, if the zone is signed.
    #[cfg(feature = "server")]
    pub fn signer(&self) -> Option<&Signer> {
        self.signer.as_ref()
    }

    /// Whether the zone is signed.
    #[cfg(feature = "server")]
    pub fn is_signed(&self) -> bool {
        self.signer.is_some()
    }

    /// When the signatures of a signed zone expire (seconds since the epoch, modulo 2^32): the
    /// snapshot must be rebuilt before then.
    #[cfg(feature = "server")]
    pub fn signatures_expire(&self) -> Option<u32> {
        self.signer.as_ref().map(Signer::expiration)
    }

    /// The same zone, with the journal IXFR answers from (its newest changes that carry no
    /// more records than the zone, [`crate::xfr::Journal::bounded`]). A signed zone keeps none: its
    /// signatures are made anew with every snapshot and are not in the change log, so its
    /// transfers are always whole (RFC 1995 §4).
    #[cfg(feature = "server")]
    #[must_use]
    pub fn with_journal(mut self, journal: crate::xfr::Journal) -> Self {
        let journal = journal.bounded(self.record_count);
        self.journal = (!journal.is_empty()).then(|| Arc::new(journal));
        self
    }

    /// The journal, if the zone has one and is unsigned.
    #[cfg(feature = "server")]
    pub fn journal(&self) -> Option<&crate::xfr::Journal> {
        self.journal.as_deref().filter(|_| self.signer.is_none())
    }

    /// Every record a zone transfer carries besides the SOA (RFC 5936 §2.2): the data of
    /// every node, and in a signed zone the DNSKEY, the RRSIGs and a complete NSEC chain, in
    /// canonical order of their owners. What is synthesized per query (default reverse names,
    /// wildcard expansions, compact denial) is not data and is not transferred.
    ///
    /// The engine itself denies existence compactly, per query (RFC 9824); a secondary cannot,
    /// so a signed zone is transferred with the classic chain (RFC 4034 §4.1: each owner's
    /// NSEC names the next owner and lists its types), signed once per snapshot, at the first
    /// transfer.
    pub fn transfer_records(&self) -> impl Iterator<Item = Record> + '_ {
        #[cfg(feature = "server")]
        let chain = self.signer.as_ref().map(|signer| self.nsec_chain(signer));
        let negative_ttl = self.negative_ttl();
        let apex = self.find(&self.apex);
        self.nodes.iter().enumerate().flat_map(move |(at, node)| {
            if node.rrsets.is_empty() {
                // An empty non-terminal: no records, and no NSEC of its own.
                return Vec::new();
            }
            let key = name_of_key(self.key(at));
            let owner = node
                .spelled
                .as_deref()
                .cloned()
                .unwrap_or_else(|| key.clone());
            let at_apex = Some(at) == apex;
            let mut out: Vec<Record> = Vec::new();
            for rrset in node.rrsets.iter() {
                if !(at_apex && rrset.rtype == RecordType::SOA) {
                    out.extend(rrset.records(&owner));
                }
                #[cfg(feature = "server")]
                if let Some(rrsig) = &rrset.rrsig {
                    out.push(Record::from_rdata(
                        owner.clone(),
                        rrset.ttl,
                        RData::clone(rrsig),
                    ));
                }
            }
            #[cfg(feature = "server")]
            if let Some((nsec, rrsig)) = chain.and_then(|chain| chain.get(&LowerName::new(&key))) {
                out.push(Record::from_rdata(
                    owner.clone(),
                    negative_ttl,
                    nsec.clone(),
                ));
                out.push(Record::from_rdata(
                    owner.clone(),
                    negative_ttl,
                    rrsig.clone(),
                ));
            }
            let _ = negative_ttl;
            out
        })
    }

    /// The NSEC chain of the signed zone over every authoritative owner (empty non-terminals
    /// and glue below cuts have none, RFC 4035 §2.3), made and signed on first use.
    #[cfg(feature = "server")]
    fn nsec_chain(&self, signer: &Signer) -> &BTreeMap<LowerName, (RData, RData)> {
        self.nsec_chain.get_or_init(|| {
            let cuts = self.cut_keys();
            let apex_len = self.find(&self.apex).map_or(0, |at| self.key(at).len());
            let owners: Vec<(&[u8], &Node)> = self
                .node_keys()
                .filter(|(key, node)| !node.rrsets.is_empty() && !below_cut(key, &cuts, apex_len))
                .collect();
            let ttl = self.negative_ttl();
            let mut chain = BTreeMap::new();
            for (i, (key, node)) in owners.iter().enumerate() {
                let next = owners.get(i + 1).map_or_else(
                    || self.origin.clone(),
                    |(k, n)| {
                        n.spelled
                            .as_deref()
                            .cloned()
                            .unwrap_or_else(|| name_of_key(k))
                    },
                );
                let types: Vec<RecordType> = node
                    .rrsets
                    .iter()
                    .map(|r| r.rtype)
                    .filter(|t| !node.cut || matches!(t, RecordType::NS | RecordType::DS))
                    .collect();
                let nsec = RData::DNSSEC(hickory_proto::dnssec::rdata::DNSSECRData::NSEC(
                    hickory_proto::dnssec::rdata::NSEC::new_cover_self(next, types),
                ));
                let owner = name_of_key(key);
                match signer.rrsig(&owner, RecordType::NSEC, ttl, std::slice::from_ref(&nsec)) {
                    Ok(rrsig) => {
                        chain.insert(LowerName::new(&owner), (nsec, rrsig));
                    }
                    Err(_) => return BTreeMap::new(),
                }
            }
            chain
        })
    }

    /// The same zone, also synthesizing what `synth` describes for names without a node.
    #[must_use]
    pub fn with_synth(mut self, synth: synth::Synth) -> Self {
        self.synth = synth;
        self
    }

    /// The synthesis rules.
    pub fn synth(&self) -> &synth::Synth {
        &self.synth
    }

    /// The node [`synth`] makes up for `name`, which has no node of its own: a default PTR, the
    /// address of a default name, or an empty non-terminal above such names.
    pub fn synthesize(&self, name: &LowerName) -> Option<Node> {
        if self.synth.is_empty() {
            return None;
        }
        Some(match self.synth.lookup(name)? {
            synth::Synthesized::Empty => Node::default(),
            synth::Synthesized::Data { rtype, ttl, data } => Node {
                rrsets: Box::new([ServedRrset::new(rtype, ttl, vec![data])]),
                ..Node::default()
            },
        })
    }

    /// The apex name, spelled as given.
    pub fn origin(&self) -> &Name {
        &self.origin
    }

    /// The apex name in lower case: the catalog key.
    pub fn apex(&self) -> &LowerName {
        &self.apex
    }

    /// The SOA serial.
    pub fn serial(&self) -> u32 {
        self.soa_data().map_or(0, |soa| soa.serial)
    }

    /// How many records the zone holds.
    pub fn record_count(&self) -> usize {
        self.record_count
    }

    /// Whether any name below the apex is a delegation point.
    pub fn has_cuts(&self) -> bool {
        self.has_cuts
    }

    /// Whether any owner name is a wildcard (`*.…`).
    pub fn has_wildcards(&self) -> bool {
        self.has_wildcards
    }

    /// Whether any name holds a DNAME.
    pub fn has_dnames(&self) -> bool {
        self.has_dnames
    }

    /// The node at `name`, if it exists (with data, or as an empty non-terminal).
    pub fn node(&self, name: &LowerName) -> Option<&Node> {
        self.find(name).map(|at| &self.nodes[at])
    }

    /// Every node in canonical order, with its name (lower case).
    pub fn nodes(&self) -> impl Iterator<Item = (LowerName, &Node)> {
        self.node_keys()
            .map(|(key, node)| (LowerName::new(&name_of_key(key)), node))
    }

    /// Every node in canonical order, with its key ([`push_canonical_key`]).
    pub(crate) fn node_keys(&self) -> impl Iterator<Item = (&[u8], &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(at, node)| (self.key(at), node))
    }

    /// The key of the node at index `at`.
    fn key(&self, at: usize) -> &[u8] {
        let start = match at.checked_sub(1) {
            Some(before) => self.nodes[before].key_end as usize,
            None => 0,
        };
        &self.keys[start..self.nodes[at].key_end as usize]
    }

    /// The index of the node at `name`: a binary search of the keys.
    fn find(&self, name: &LowerName) -> Option<usize> {
        let mut buffer = [0; MAX_KEY];
        let len = canonical_key(name.as_name(), &mut buffer)?;
        let key = &buffer[..len];
        let (mut low, mut high) = (0, self.nodes.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match self.key(middle).cmp(key) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(middle),
            }
        }
        None
    }

    fn soa_data(&self) -> Option<&SOA> {
        match &self.soa.data {
            Data::Typed(data) => match data.first() {
                Some(RData::SOA(soa)) => Some(soa),
                _ => None,
            },
            Data::Wire(_) | Data::Inline { .. } => None,
        }
    }

    /// The SOA record.
    pub fn soa_record(&self) -> Option<Record> {
        self.soa.records(&self.origin).next()
    }

    /// The SOA record for the authority section of a negative answer. RFC 2308 §3: "the TTL of
    /// this record is set from the minimum of the MINIMUM field of the SOA record and the TTL
    /// of the SOA itself".
    pub fn negative_soa(&self) -> Option<Record> {
        let mut record = self.soa_record()?;
        record.ttl = self.negative_ttl();
        Some(record)
    }

    /// The TTL of negative answers: the minimum of the SOA's TTL and its MINIMUM field (RFC
    /// 2308 §3), which is also the TTL of the NSEC records denying existence (RFC 9077 §3.2).
    pub fn negative_ttl(&self) -> u32 {
        let minimum = self.soa_data().map_or(self.soa.ttl, |soa| soa.minimum);
        self.soa.ttl.min(minimum)
    }

    /// The SOA's precomputed RRSIG record data, in a signed zone.
    #[cfg(feature = "server")]
    pub fn soa_rrsig(&self) -> Option<&RData> {
        self.soa.rrsig.as_deref()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::model::validate_rrset;

    fn origin() -> Name {
        Name::from_ascii("example.com.").unwrap()
    }

    fn rrset(name: &str, rtype: &str, records: &[&str]) -> Rrset {
        validate_rrset(&origin(), name, rtype, 3600, records).unwrap()
    }

    #[test]
    fn empty_non_terminals_are_nodes_and_cuts_are_marked() {
        let zone = Zone::new(
            &origin(),
            [
                rrset("@", "SOA", &["ns1 h 7 3600 600 86400 300"]),
                rrset("a.b.c", "A", &["192.0.2.1"]),
                rrset("sub", "NS", &["ns.sub"]),
            ],
        )
        .unwrap();
        let key = |text: &str| LowerName::new(&Name::from_ascii(text).unwrap());
        assert!(zone.node(&key("c.example.com.")).unwrap().is_empty());
        assert!(zone.node(&key("b.c.example.com.")).unwrap().is_empty());
        assert!(!zone.node(&key("a.b.c.example.com.")).unwrap().is_empty());
        assert!(zone.node(&key("d.example.com.")).is_none());
        assert!(zone.node(&key("sub.example.com.")).unwrap().is_cut());
        assert!(!zone.node(&key("example.com.")).unwrap().is_cut());
        assert_eq!(zone.serial(), 7);
        assert_eq!(zone.record_count(), 3);
        assert_eq!(zone.negative_soa().unwrap().ttl, 300);
    }

    /// A snapshot holds one node per name and one RRset per name and type: hundreds of
    /// thousands of each for a big store, so their size is the snapshot's.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn nodes_and_rrsets_stay_small() {
        assert_eq!(std::mem::size_of::<Node>(), 40);
        assert_eq!(std::mem::size_of::<ServedRrset>(), 40);
        assert_eq!(std::mem::size_of::<Data>(), 24);
    }

    #[test]
    fn canonical_keys_give_back_their_names() {
        let names = [
            Name::from_ascii("example.com.").unwrap(),
            Name::from_ascii("Www.EXAMPLE.com.").unwrap(),
            Name::from_ascii("*.example.com.").unwrap(),
            Name::from_labels([
                &b"a\x00b"[..],
                &b"\x01"[..],
                &b"x-y"[..],
                &b"example"[..],
                &b"com"[..],
            ])
            .unwrap(),
            Name::from_labels([&b"\xff\x02"[..], &b"com"[..]]).unwrap(),
            Name::root(),
        ];
        for name in &names {
            let mut key = Vec::new();
            push_canonical_key(name, &mut key);
            let mut buffer = [0; MAX_KEY];
            let len = canonical_key(name, &mut buffer).unwrap();
            assert_eq!(&buffer[..len], key.as_slice(), "{name:?}");
            let back = name_of_key(&key);
            let lower = LowerName::new(name);
            assert_eq!(back, *lower.as_name(), "{name:?}");
            assert!(
                back.iter().eq(lower.as_name().iter()),
                "{name:?}: case kept"
            );
            #[cfg(feature = "server")]
            {
                let mut wire = Vec::new();
                wire_of_key(&key, &mut wire).unwrap();
                let expected = crate::fast::compiled::wire_name(lower.as_name()).unwrap();
                assert_eq!(wire, expected, "{name:?}");
            }
        }
    }

    #[test]
    fn nodes_are_found_in_canonical_order() {
        let zone = Zone::new(
            &origin(),
            [
                rrset("@", "SOA", &["ns1 h 7 3600 600 86400 300"]),
                rrset("z", "A", &["192.0.2.1"]),
                rrset("a.b", "A", &["192.0.2.2"]),
                rrset("*.w", "TXT", &["x"]),
                rrset("B", "A", &["192.0.2.3"]),
                rrset("sub", "NS", &["ns.sub"]),
                rrset("glue.sub", "A", &["192.0.2.4"]),
            ],
        )
        .unwrap();
        let names: Vec<String> = zone.nodes().map(|(name, _)| name.to_string()).collect();
        assert_eq!(
            names,
            [
                "example.com.",
                "b.example.com.",
                "a.b.example.com.",
                "sub.example.com.",
                "glue.sub.example.com.",
                "w.example.com.",
                "*.w.example.com.",
                "z.example.com.",
            ]
        );
        assert!(zone.has_wildcards());
        for name in &names {
            let key = LowerName::new(&Name::from_ascii(name).unwrap());
            assert!(zone.node(&key).is_some(), "{name}");
        }
        let b = LowerName::new(&Name::from_ascii("b.example.com.").unwrap());
        assert_eq!(
            zone.node(&b).unwrap().name(&b).unwrap().to_string(),
            "B.example.com."
        );
        for missing in [
            "c.example.com.",
            "aa.example.com.",
            "example.net.",
            "x.a.b.example.com.",
        ] {
            let key = LowerName::new(&Name::from_ascii(missing).unwrap());
            assert!(zone.node(&key).is_none(), "{missing}");
        }
        #[cfg(feature = "server")]
        {
            let cuts = zone.cut_keys();
            let apex_len = zone.key(0).len();
            let below: Vec<String> = zone
                .node_keys()
                .filter(|(key, _)| below_cut(key, &cuts, apex_len))
                .map(|(key, _)| name_of_key(key).to_string())
                .collect();
            assert_eq!(below, ["glue.sub.example.com."]);
        }
    }

    /// A zone with what the wire form must keep: names spelled in upper case (owners and
    /// data), data hickory keeps opaque, merged RRsets, a delegation with glue, a wildcard, a
    /// DNAME and empty non-terminals.
    fn rich_zone() -> Zone {
        Zone::new(
            &origin(),
            [
                rrset("@", "SOA", &["ns1 h 7 3600 600 86400 300"]),
                rrset("@", "NS", &["ns1", "ns2.example.net."]),
                rrset("@", "MX", &["20 mx2", "10 Mail.Example.COM."]),
                rrset("@", "TXT", &["\"v=spf1 -all\"", "\"a\" \"b\""]),
                rrset("@", "CAA", &["0 issue \"letsencrypt.org\""]),
                rrset("www", "A", &["192.0.2.2", "192.0.2.1"]),
                rrset("WWW", "A", &["192.0.2.3", "192.0.2.1"]),
                rrset("www", "AAAA", &["2001:db8::1"]),
                rrset("svc", "HTTPS", &["1 . alpn=h2"]),
                rrset("Old", "DNAME", &["New.Example.NET."]),
                rrset("x", "TYPE65400", &["\\# 3 010203"]),
                rrset("e", "TYPE65401", &["\\# 0"]),
                rrset("a.b.c", "CNAME", &["www"]),
                rrset("*.w", "A", &["192.0.2.9"]),
                rrset("sub", "NS", &["ns.sub"]),
                rrset("ns.sub", "A", &["192.0.2.53"]),
                rrset(
                    "sub",
                    "DS",
                    &["12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"],
                ),
            ],
        )
        .unwrap()
    }

    /// The zone's records as the store keeps what it published: every transferable record in
    /// uncompressed wire form, one after another, in `order`.
    fn published(zone: &Zone, order: impl Fn(&mut Vec<Vec<u8>>)) -> Vec<u8> {
        let mut records: Vec<Vec<u8>> = zone
            .transfer_records()
            .map(|record| crate::xfr::encode_record(&record))
            .collect();
        order(&mut records);
        records.concat()
    }

    /// Whether `a` and `b` hold the same nodes, RRsets (data octet for octet, in order),
    /// spellings, delegations and DNAME targets.
    fn assert_same_zone(a: &Zone, b: &Zone) {
        /// A node as compared: key, RRsets, spelling, cut, DNAME target.
        type Compared = (Vec<u8>, Vec<ServedRrset>, Option<Name>, bool, Option<Name>);
        let nodes = |zone: &Zone| -> Vec<Compared> {
            zone.node_keys()
                .map(|(key, node)| {
                    (
                        key.to_vec(),
                        node.rrsets.to_vec(),
                        node.spelled.as_deref().cloned(),
                        node.cut,
                        node.dname().map(|(_, target)| target.clone()),
                    )
                })
                .collect()
        };
        assert_eq!(nodes(a), nodes(b));
        assert_eq!(a.soa, b.soa);
        assert_eq!(a.record_count, b.record_count);
        assert_eq!(
            (a.has_cuts, a.has_wildcards, a.has_dnames),
            (b.has_cuts, b.has_wildcards, b.has_dnames)
        );
    }

    #[test]
    fn a_zone_built_from_what_it_published_is_the_same_zone() {
        let zone = rich_zone();
        let soa = rrset("@", "SOA", &["ns1 h 7 3600 600 86400 300"]);
        // However the store returns the records: as transferred, sorted, reversed.
        type Order<'a> = &'a dyn Fn(&mut Vec<Vec<u8>>);
        let orders: [Order; 3] = [&|_| {}, &|r| r.sort(), &|r| r.reverse()];
        for order in orders {
            let (again, skipped) =
                Zone::from_wire(&origin(), soa.clone(), &published(&zone, order)).unwrap();
            assert_eq!(skipped, 0);
            assert_same_zone(&zone, &again);
            assert!(!again.fast().arena().is_empty());
            assert_eq!(zone.fast().arena(), again.fast().arena());
        }
        // A record kept twice is one record.
        let twice = published(&zone, |r| {
            let first = r[0].clone();
            r.push(first);
        });
        let (again, skipped) = Zone::from_wire(&origin(), soa, &twice).unwrap();
        assert_eq!(skipped, 0);
        assert_same_zone(&zone, &again);
    }

    #[test]
    fn published_records_that_cannot_be_served_are_left_out() {
        let soa = rrset("@", "SOA", &["ns1 h 7 3600 600 86400 300"]);
        let good = published(&rich_zone(), |_| {});
        let a = |owner: &[u8], class: u16, rtype: u16| -> Vec<u8> {
            let mut rr = owner.to_vec();
            rr.extend_from_slice(&rtype.to_be_bytes());
            rr.extend_from_slice(&class.to_be_bytes());
            rr.extend_from_slice(&300u32.to_be_bytes());
            rr.extend_from_slice(&[0, 4, 192, 0, 2, 7]);
            rr
        };
        let inside = b"\x03new\x07example\x03com\x00";
        // Another class, an SOA, an owner outside the zone: each left out, the rest kept.
        for bad in [
            a(inside, 3, 1),
            a(inside, 1, 6),
            a(b"\x07example\x03org\x00", 1, 1),
            a(b"\x03com\x00", 1, 1),
        ] {
            let octets = [bad.as_slice(), &good].concat();
            let (zone, skipped) = Zone::from_wire(&origin(), soa.clone(), &octets).unwrap();
            assert_eq!(skipped, 1);
            assert_same_zone(&rich_zone(), &zone);
        }
        let (zone, skipped) = Zone::from_wire(
            &origin(),
            soa.clone(),
            &[good.as_slice(), &a(inside, 1, 1)].concat(),
        )
        .unwrap();
        assert_eq!(skipped, 0);
        assert!(zone
            .node(&LowerName::new(
                &Name::from_ascii("new.example.com.").unwrap()
            ))
            .is_some());
        // Octets that are no record end the records there: a compression pointer in the
        // owner, a bad label length, a record cut short.
        let pointer = [&[0xC0, 12][..], &a(inside, 1, 1)[inside.len()..]].concat();
        let long_label = [&[64][..], &[b'x'; 64], &a(b"\x00", 1, 1)].concat();
        let short = a(inside, 1, 1)[..20].to_vec();
        for bad in [pointer, long_label, short] {
            let (zone, skipped) =
                Zone::from_wire(&origin(), soa.clone(), &[good.as_slice(), &bad].concat()).unwrap();
            assert_eq!(skipped, 1);
            assert_same_zone(&rich_zone(), &zone);
            let (zone, skipped) =
                Zone::from_wire(&origin(), soa.clone(), &[bad.as_slice(), &good].concat()).unwrap();
            assert_eq!(skipped, 1);
            assert_eq!(zone.record_count(), 1, "only the SOA");
        }
    }

    #[test]
    fn record_data_kept_in_wire_form_reads_back_as_the_models() {
        use hickory_proto::serialize::binary::{BinEncodable, BinEncoder, NameEncoding};
        let sets = [
            rrset("@", "SOA", &["ns1 h 7 3600 600 86400 300"]),
            rrset("@", "MX", &["10 Mail.Example.COM.", "20 mx2"]),
            rrset("@", "TXT", &["\"v=spf1 -all\"", "\"a\" \"b\""]),
            rrset("@", "CAA", &["0 issue \"letsencrypt.org\""]),
            rrset("svc", "HTTPS", &["1 . alpn=h2"]),
            rrset("Old", "DNAME", &["New.Example.NET."]),
            rrset("x", "TYPE65400", &["\\# 3 010203"]),
            rrset("e", "TYPE65401", &["\\# 0"]),
            rrset(
                "ds",
                "DS",
                &["12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"],
            ),
        ];
        let zone = Zone::new(&origin(), sets.clone()).unwrap();
        let octets = |data: &RData| {
            let mut out = Vec::new();
            let mut encoder = BinEncoder::new(&mut out);
            encoder.set_name_encoding(NameEncoding::Uncompressed);
            data.emit(&mut encoder).unwrap();
            out
        };
        for set in &sets {
            let served = zone
                .node(&LowerName::new(set.name()))
                .unwrap()
                .rrset(set.record_type())
                .unwrap();
            let read: Vec<RData> = served.data().collect();
            let mut made: Vec<RData> = set.records().iter().map(|r| r.data().clone()).collect();
            // Served in the order of their octets.
            made.sort_by_key(|data| octets(data));
            assert_eq!(read, made, "{}", set.type_name());
            // Octet for octet too: RData's equality ignores the case of names.
            let read: Vec<Vec<u8>> = read.iter().map(octets).collect();
            let made: Vec<Vec<u8>> = made.iter().map(octets).collect();
            assert_eq!(read, made, "{}", set.type_name());
            assert_eq!(served.len(), set.records().len());
        }
        // RRsets of one name and type are merged, each record once.
        let merged = Zone::new(
            &origin(),
            [
                rrset("@", "SOA", &["ns1 h 7 3600 600 86400 300"]),
                rrset("www", "A", &["192.0.2.1", "192.0.2.2"]),
                rrset("WWW", "A", &["192.0.2.2", "192.0.2.3"]),
                rrset("mail", "A", &["192.0.2.1", "192.0.2.2", "192.0.2.3"]),
                rrset("MAIL", "A", &["192.0.2.4"]),
            ],
        )
        .unwrap();
        let www = LowerName::new(&Name::from_ascii("www.example.com.").unwrap());
        let node = merged.node(&www).unwrap();
        let a: Vec<RData> = node.rrset(RecordType::A).unwrap().data().collect();
        assert_eq!(a.len(), 3);
        assert!(matches!(
            node.rrset(RecordType::A).unwrap().data,
            Data::Inline { .. }
        ));
        // Four A records no longer fit in the RRset: kept apart, the same data.
        let mail = LowerName::new(&Name::from_ascii("mail.example.com.").unwrap());
        let set = merged.node(&mail).unwrap().rrset(RecordType::A).unwrap();
        assert!(matches!(set.data, Data::Wire(_)));
        let texts: Vec<String> = set.data().map(|data| data.to_string()).collect();
        assert_eq!(texts, ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"]);
        // The owner keeps the first spelling; a lower-case one is the key itself.
        assert_eq!(node.name(&www).unwrap().to_string(), "www.example.com.");
        let old = LowerName::new(&Name::from_ascii("old.example.com.").unwrap());
        assert_eq!(
            zone.node(&old).unwrap().name(&old).unwrap().to_string(),
            "Old.example.com."
        );
    }

    #[test]
    fn dname_targets_are_kept_as_names() {
        let zone = Zone::new(
            &origin(),
            [
                rrset("@", "SOA", &["ns1 h 7 3600 600 86400 300"]),
                rrset("Old", "DNAME", &["New.Example.NET."]),
                rrset("www", "A", &["192.0.2.1"]),
            ],
        )
        .unwrap();
        let key = |text: &str| LowerName::new(&Name::from_ascii(text).unwrap());
        assert!(zone.has_dnames());
        let (dname, target) = zone
            .node(&key("old.example.com."))
            .unwrap()
            .dname()
            .unwrap();
        assert_eq!(dname.record_type(), RecordType::DNAME);
        assert_eq!(dname.ttl(), 3600);
        // As the DNAME's data is sent: in lower case.
        assert!(target.eq_case(&Name::from_ascii("new.example.net.").unwrap()));
        assert!(zone
            .node(&key("www.example.com."))
            .unwrap()
            .dname()
            .is_none());
        assert!(!Zone::new(
            &origin(),
            [rrset("@", "SOA", &["ns1 h 7 3600 600 86400 300"])]
        )
        .unwrap()
        .has_dnames());
    }

    /// Two RRsets at one owner are one served set; together these exceed what one signature
    /// can cover (64 KiB of signed data).
    #[cfg(feature = "server")]
    fn unsignable_zone() -> Zone {
        let long = format!("\"{}\"", "x".repeat(255));
        let half = |from: usize| -> Vec<String> {
            (from..from + 200)
                .map(|i| format!("\"{i}\" {long}"))
                .collect()
        };
        let (a, b) = (half(0), half(1000));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let b: Vec<&str> = b.iter().map(String::as_str).collect();
        Zone::new(
            &origin(),
            [
                rrset("@", "SOA", &["ns1 h 7 3600 600 86400 300"]),
                rrset("big", "TXT", &a),
                rrset("big", "TXT", &b),
            ],
        )
        .unwrap()
    }

    #[cfg(feature = "server")]
    #[test]
    fn a_zone_that_cannot_be_signed_is_an_error_not_an_unsigned_zone() {
        let (key, _) = ZoneKey::generate().unwrap();
        let Err(err) = unsignable_zone().signed(Arc::new(key), 1_700_000_000) else {
            panic!("signing 114 KB under one RRSIG must fail");
        };
        assert!(!err.to_string().is_empty());
    }

    #[cfg(feature = "server")]
    #[test]
    fn signing_covers_the_authoritative_rrsets_and_only_those() {
        use hickory_proto::dnssec::Verifier;

        let (key, _) = ZoneKey::generate().unwrap();
        let dnskey = key.dnskey().clone();
        let unsigned = Zone::new(
            &origin(),
            [
                rrset("@", "SOA", &["ns1 h 7 3600 600 86400 300"]),
                rrset("@", "NS", &["ns1", "ns2"]),
                rrset("ns1", "A", &["192.0.2.53"]),
                rrset("*.wild", "A", &["192.0.2.99"]),
                rrset("a.b.c", "TXT", &["\"deep\""]),
                rrset("secure", "NS", &["ns.secure"]),
                rrset("secure", "DS", &[&format!("1 13 2 {}", "AB".repeat(32))]),
                rrset("ns.secure", "A", &["192.0.2.80"]),
                rrset("insecure", "NS", &["ns.example.net."]),
            ],
        )
        .unwrap();
        assert!(!unsigned.is_signed());
        assert_eq!(unsigned.signatures_expire(), None);
        let zone = unsigned.signed(Arc::new(key), 1_700_000_000).unwrap();
        assert!(zone.is_signed());
        assert_eq!(zone.signatures_expire(), Some(1_700_000_000 + 14 * 86_400));
        assert_eq!(zone.record_count(), 10, "the DNSKEY is not zone data");

        let key = |text: &str| LowerName::new(&Name::from_ascii(text).unwrap());
        let apex = zone.node(&key("example.com.")).unwrap();
        let dnskeys = apex.rrset(RecordType::DNSKEY).unwrap();
        assert_eq!(dnskeys.ttl(), 3600, "the SOA's TTL");
        assert!(zone.soa_rrsig().is_some());

        let mut signed = Vec::new();
        for (name, node) in zone.nodes() {
            for rrset in node.rrsets() {
                let Some(rrsig) = rrset.rrsig() else {
                    continue;
                };
                let rrsig = crate::dnssec::rrsig_of(rrsig).unwrap();
                let records: Vec<Record> = rrset.records(name.as_name()).collect();
                dnskey
                    .verify_rrsig(
                        name.as_name(),
                        hickory_proto::rr::DNSClass::IN,
                        rrsig,
                        records.iter(),
                    )
                    .unwrap_or_else(|err| panic!("{name} {}: {err}", rrset.record_type()));
                signed.push(format!("{name} {}", rrset.record_type()));
            }
        }
        signed.sort();
        assert_eq!(
            signed,
            [
                "*.wild.example.com. A",
                "a.b.c.example.com. TXT",
                "example.com. DNSKEY",
                "example.com. NS",
                "example.com. SOA",
                "ns1.example.com. A",
                "secure.example.com. DS",
            ],
            "not the NS of a cut, not glue"
        );
        assert!(zone
            .node(&key("secure.example.com."))
            .unwrap()
            .cut_nsec()
            .is_none());
        let (nsec, rrsig) = zone
            .node(&key("insecure.example.com."))
            .unwrap()
            .cut_nsec()
            .unwrap();
        let record = Record::from_rdata(
            Name::from_ascii("insecure.example.com.").unwrap(),
            300,
            nsec.clone(),
        );
        dnskey
            .verify_rrsig(
                &record.name,
                hickory_proto::rr::DNSClass::IN,
                crate::dnssec::rrsig_of(rrsig).unwrap(),
                [record.clone()].iter(),
            )
            .unwrap();
    }

    #[test]
    fn a_zone_needs_its_soa_and_owners_inside() {
        let err = Zone::new(&origin(), [rrset("www", "A", &["192.0.2.1"])]).unwrap_err();
        assert!(matches!(err, ZoneError::MissingSoa(_)));
        let other = validate_rrset(
            &Name::from_ascii("example.net.").unwrap(),
            "@",
            "SOA",
            60,
            &["ns h 1 1 1 1 1"],
        )
        .unwrap();
        let err = Zone::new(&origin(), [other]).unwrap_err();
        assert!(matches!(err, ZoneError::OutsideZone { .. }));
    }
}
