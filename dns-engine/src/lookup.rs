//! Lookup: the pure function from (catalog snapshot, question) to an [`Outcome`].
//!
//! No I/O, no clock, no wire format: the same snapshot and question always give the same
//! outcome, which makes lookup easy to test from tables and later to precompute. Turning an
//! outcome into header bits, sections, EDNS and a size that fits the transport is the job of
//! [`crate::wire`].
//!
//! The algorithm is RFC 1034 §4.3.2 for an authoritative-only server, with wildcards as RFC 4592
//! §3.3.1 refines it and DNAME as RFC 6672 §3.2 amends it: find the zone, look for a delegation
//! or a DNAME on the way down to the name, then the name itself, then the wildcard at its
//! closest encloser. A DNAME above the name redirects it, and the synthesized CNAME is followed
//! like a stored one. Each step is a map lookup in the zone's ordered index, so no question
//! ever costs a scan of the zone.
//!
//! With DNSSEC ([`lookup_dnssec`], for clients that set the DO bit, RFC 3225) a signed zone's
//! answers also carry the RRSIGs of the RRsets they include (RFC 4035 §3.1.1), and denial of
//! existence is compact (RFC 9824): NODATA, or for a name that does not exist NOERROR with an
//! NSEC of the NXNAME type, both signed per query. Lookup stays pure all the same: the clock
//! was read when the snapshot was signed, and a signature's randomness does not change what
//! it proves. Unsigned zones, and clients without DO, get exactly the answers they always did.

use hickory_proto::op::Query;
use hickory_proto::rr::rdata::{CNAME, NS};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use crate::catalog::Catalog;
use crate::dnssec::{Signer, NXNAME};
use crate::model::LowerName;
use crate::zone::{Node, ServedRrset, Zone};

/// How many CNAMEs an answer holds at most: the data at the end of a chain this long is still
/// looked up, a further CNAME is not. A longer chain is most likely a mistake; the client gets
/// the chain so far and can follow it itself. Five, as in Knot.
pub const MAX_CNAME_CHAIN: usize = 5;

/// The records of a response, by section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sections {
    /// The answer section: the data asked for, after any CNAMEs (and the DNAMEs they were
    /// synthesized from) that led to it.
    pub answers: Vec<Record>,
    /// The authority section: the SOA of negative answers, the NS of referrals.
    pub authority: Vec<Record>,
    /// The additional section: glue addresses of referrals, and the addresses we hold for the
    /// hosts named by NS, MX and SRV answers (optional: [`crate::wire`] drops these first when
    /// a response does not fit).
    pub additional: Vec<Record>,
}

/// What the catalog says about a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The name is in none of our zones. An authoritative-only server does not recurse and does
    /// not answer for other people's names, so it refuses (RFC 1035 §4.1.1, RCODE 5).
    Refused,
    /// The data asked for (NOERROR, authoritative). Also a CNAME chain that leaves the zone or
    /// is too long: the client follows it from there.
    Answer(Sections),
    /// The name exists but has no data of the type asked (RFC 2308 §2.2): NOERROR,
    /// authoritative, the SOA in authority. Empty non-terminals are such names.
    NoData(Sections),
    /// The name does not exist (RFC 2308 §2.1): NXDOMAIN, authoritative, the SOA in authority.
    /// After a CNAME the RCODE is about the last name of the chain (RFC 6604 §2.1). A signed
    /// zone answering a client with DO denies existence compactly instead (RFC 9824): that is
    /// a [`Outcome::NoData`] with the NXNAME NSEC.
    NxDomain(Sections),
    /// The name is at or below a delegation (RFC 1034 §4.3.2 step 3b): NOERROR, not
    /// authoritative, the child's NS in authority and their glue in additional.
    Referral(Sections),
    /// A DNAME would redirect the name to one longer than the 255 octets a domain name may
    /// have (RFC 6672 §2.2): YXDOMAIN, authoritative, the DNAME (after any chain that led to
    /// it) in the answer and nothing in authority.
    YxDomain(Sections),
}

/// Answers `query` from `catalog`, without DNSSEC records.
pub fn lookup(catalog: &Catalog, query: &Query) -> Outcome {
    lookup_dnssec(catalog, query, false)
}

/// Answers `query` from `catalog`; with `dnssec_ok` (the client's DO bit), answers from a signed
/// zone carry their signatures and authenticated denial.
pub fn lookup_dnssec(catalog: &Catalog, query: &Query, dnssec_ok: bool) -> Outcome {
    // This engine only hosts class IN; other classes (CH for server identity, …) are not ours.
    if !matches!(query.query_class(), DNSClass::IN | DNSClass::ANY) {
        return Outcome::Refused;
    }
    let qname = LowerName::new(query.name());
    let qtype = query.query_type();
    let Some(mut zone) = catalog.find(&qname) else {
        return Outcome::Refused;
    };
    // RFC 4035 §3.1.4.1: the DS RRset of a zone lives in its parent. When we host both sides
    // of the cut, the question for the DS at a child's apex goes to the parent.
    if qtype == RecordType::DS && *zone.apex() == qname && qname.num_labels() > 0 {
        if let Some(parent) = catalog.find(&qname.trim_to(qname.num_labels() - 1)) {
            zone = parent;
        }
    }
    let signer = if dnssec_ok { zone.signer() } else { None };
    answer(zone, query.name(), qtype, signer)
}

/// Answers `qname`/`qtype` from one zone, which must be the zone `qname` belongs to, without
/// DNSSEC records.
///
/// Owner names of answer records are spelled as the question spelled them (RFC 4343 §4.1), or
/// as the CNAME that led to them spelled its target; a DNAME's owner as the zone spells it.
pub fn lookup_in_zone(zone: &Zone, qname: &Name, qtype: RecordType) -> Outcome {
    answer(zone, qname, qtype, None)
}

/// [`lookup_in_zone`], with DNSSEC records when `signer` (the zone's, for a client with DO).
fn answer(zone: &Zone, qname: &Name, qtype: RecordType, signer: Option<&Signer>) -> Outcome {
    let mut sections = Sections::default();
    let mut name = qname.clone();
    name.set_fqdn(true);
    for hop in 0..=MAX_CNAME_CHAIN {
        let key = LowerName::new(&name);
        match on_the_way(zone, &key, qtype) {
            Some(Met::Cut(at, cut)) => {
                referral(zone, &at, cut, &mut sections, signer);
                return Outcome::Referral(sections);
            }
            Some(Met::Dname(dname)) => {
                if hop == MAX_CNAME_CHAIN {
                    // The synthesized CNAME is a link of the chain like any other.
                    return Outcome::Answer(sections);
                }
                let Some(target) = redirect(&dname, &name, &mut sections, signer) else {
                    return Outcome::YxDomain(sections);
                };
                // Asked for the CNAME, the client has it, as it would a stored one.
                if qtype == RecordType::CNAME || !follow(zone, &target, &sections) {
                    return Outcome::Answer(sections);
                }
                name = target;
                continue;
            }
            None => {}
        }
        let synthesized;
        // `online`: the node is made up for this name, so its RRsets have no stored signatures
        // and are signed per query, as if the name existed (crate::dnssec).
        let (node, online) = match zone.node(&key) {
            Some(node) => (node, false),
            None => match zone.synthesize(&key) {
                // A default reverse name, the address of one, or an empty non-terminal above
                // them (crate::zone::synth): computed, not stored, but answered alike.
                Some(node) => {
                    synthesized = node;
                    (&synthesized, true)
                }
                // RFC 4592 §3.3.1: no such name; the wildcard at the closest encloser (the
                // deepest existing ancestor — an empty non-terminal counts, and blocks the
                // wildcards above it) answers in its place, with the question's name as owner.
                None => match wildcard(zone, &key) {
                    Some(node) => (node, true),
                    None => return nonexistent(zone, &name, qtype, sections, signer),
                },
            },
        };

        let dnssec_answer = |sections: &mut Sections, signer| {
            dnssec_types(
                zone,
                &name,
                node,
                online,
                qtype,
                signer,
                &mut sections.answers,
            )
        };
        if signer.is_some_and(|signer| dnssec_answer(&mut sections, signer)) {
            return Outcome::Answer(sections);
        }

        // RFC 8482 §4.1: a responder "MAY ... select one RRset" for an ANY question rather than
        // all of them, which keeps ANY from being the amplifier it used to be. Like Knot, we
        // answer with the RRset of the lowest type number, over UDP and TCP alike.
        let rrset = if qtype == RecordType::ANY {
            node.rrsets()
                .iter()
                .min_by_key(|rrset| u16::from(rrset.record_type()))
        } else {
            node.rrset(qtype)
        };
        if let Some(rrset) = rrset {
            sections.answers.extend(rrset.records(&name));
            if let Some(signer) = signer {
                sections
                    .answers
                    .extend(signature(signer, &name, rrset, online));
            }
            additional_for(zone, rrset, &mut sections, signer.is_some());
            return Outcome::Answer(sections);
        }
        let Some(cname) = node.rrset(RecordType::CNAME) else {
            negative(zone, &mut sections.authority, signer);
            if let Some(signer) = signer {
                sections
                    .authority
                    .extend(denial(zone, &name, node, signer).into_iter().flatten());
            }
            return Outcome::NoData(sections);
        };
        if hop == MAX_CNAME_CHAIN {
            // Long enough: the client gets the chain so far and follows it itself.
            return Outcome::Answer(sections);
        }
        sections.answers.extend(cname.records(&name));
        if let Some(signer) = signer {
            sections
                .answers
                .extend(signature(signer, &name, cname, online));
        }
        let Some(RData::CNAME(CNAME(target))) = cname.data().next() else {
            return Outcome::Answer(sections);
        };
        if !follow(zone, &target, &sections) {
            return Outcome::Answer(sections);
        }
        // RFC 1034 §4.3.2 step 3a: "change QNAME to the canonical name in the CNAME RR, and go
        // back to step 1" — within this zone.
        name = target;
    }
    Outcome::Answer(sections)
}

/// Whether the chain goes on at `target`, the canonical name of the last CNAME in the answer
/// (stored or synthesized from a DNAME).
///
/// RFC 1034 §3.6.2: a CNAME loop is an error the server should notice. A target that already
/// owns a CNAME in the answer closes a loop: each link is sent once. Out of the zone, other
/// zones are the resolver's job.
fn follow(zone: &Zone, target: &Name, sections: &Sections) -> bool {
    let looped = sections
        .answers
        .iter()
        .any(|record| record.record_type() == RecordType::CNAME && record.name == *target);
    !looped && zone.origin().zone_of(target)
}

/// What the walk from the apex down to a name meets first, if anything.
enum Met<'z> {
    /// A delegation point at or above the name (RFC 1034 §4.3.2 step 3b), and its key.
    Cut(LowerName, &'z Node),
    /// A DNAME strictly above the name (RFC 6672 §3.2 step 3c).
    Dname(Dname<'z>),
}

/// A DNAME met on the way down to a name.
struct Dname<'z> {
    /// The owner, as the zone spells it.
    owner: Name,
    /// How many labels the owner has.
    labels: u8,
    /// The DNAME RRset.
    rrset: &'z ServedRrset,
    /// Its target.
    target: &'z Name,
}

/// The delegation point at or above `key` (below the apex), or the DNAME above it (at the apex
/// or below), whichever the walk down from the apex meets first.
///
/// A question for the DS type at the cut itself is the parent's to answer (RFC 4035 §3.1.4.1),
/// so that cut does not count for it. A DNAME redirects only the names below its owner (RFC
/// 6672 §2.3): at the owner it is data like any other. A DNAME at a cut is the child's data, so
/// the referral wins there; data below a DNAME, which RFC 6672 §2.4 forbids but a zone loaded
/// from elsewhere may hold all the same, is occluded by it, as the same section prescribes for
/// a server that loads such a zone.
fn on_the_way<'z>(zone: &'z Zone, key: &LowerName, qtype: RecordType) -> Option<Met<'z>> {
    if !zone.has_cuts() && !zone.has_dnames() {
        // The common case, and the only one for most reverse zones: no walk at all.
        return None;
    }
    let apex = zone.apex().num_labels();
    let deepest = key.num_labels();
    for labels in apex..=deepest {
        // Ancestors of every node are nodes, so a missing one means nothing deeper exists.
        let at = key.trim_to(labels);
        let node = zone.node(&at)?;
        if labels > apex && node.is_cut() && !(labels == deepest && qtype == RecordType::DS) {
            return Some(Met::Cut(at, node));
        }
        if labels < deepest {
            if let (Some(owner), Some((rrset, target))) = (node.name(&at), node.dname()) {
                return Some(Met::Dname(Dname {
                    owner,
                    labels,
                    rrset,
                    target,
                }));
            }
        }
    }
    None
}

/// Applies `dname` to `name`, which is below its owner: puts the DNAME RRset into the answer
/// and the CNAME it implies after it, and returns the new name; None when that name would be
/// too long (RFC 6672 §2.2), the DNAME being in the answer all the same.
///
/// RFC 6672 §3.2 step 3c: "copy that record into the answer section", then the server "MUST
/// synthesize a CNAME record" from QNAME to the substituted name, whose TTL is the DNAME's
/// (§3.1). With DNSSEC, the DNAME carries its signature; the synthesized CNAME goes unsigned
/// (§5.3.1): validators check it against the signed DNAME, and a signature over data made up
/// per query is nothing they expect. A DNAME met a second time on one chain is not repeated.
fn redirect(
    dname: &Dname<'_>,
    name: &Name,
    sections: &mut Sections,
    signer: Option<&Signer>,
) -> Option<Name> {
    let present = sections
        .answers
        .iter()
        .any(|record| record.record_type() == RecordType::DNAME && record.name == dname.owner);
    if !present {
        sections.answers.extend(dname.rrset.records(&dname.owner));
        if let Some(signer) = signer {
            sections
                .answers
                .extend(signature(signer, &dname.owner, dname.rrset, false));
        }
    }
    let target = substitute(name, dname.labels, dname.target)?;
    sections.answers.push(Record::from_rdata(
        name.clone(),
        dname.rrset.ttl(),
        RData::CNAME(CNAME(target.clone())),
    ));
    Some(target)
}

/// `name` with its last `suffix` labels (a DNAME's owner) replaced by `target` (RFC 6672 §2.2);
/// None when the result would exceed the 255 octets of RFC 1035 §2.3.4, which hickory refuses
/// to build. The labels kept are spelled as in `name`, so the CNAME target echoes the
/// question's spelling where it comes from the question.
fn substitute(name: &Name, suffix: u8, target: &Name) -> Option<Name> {
    let labels: Vec<&[u8]> = name.iter().collect();
    let keep = labels.len().saturating_sub(usize::from(suffix));
    let prefix = Name::from_labels(labels.into_iter().take(keep)).ok()?;
    prefix.append_domain(target).ok()
}

/// The wildcard node that synthesizes an answer for the nonexistent `key`, if any.
fn wildcard<'z>(zone: &'z Zone, key: &LowerName) -> Option<&'z Node> {
    if !zone.has_wildcards() {
        return None;
    }
    let encloser = (zone.apex().num_labels()..key.num_labels())
        .rev()
        .map(|labels| key.trim_to(labels))
        .find(|ancestor| zone.node(ancestor).is_some())?;
    let source = encloser.as_name().prepend_label("*").ok()?;
    zone.node(&LowerName::new(&source))
}

/// Fills `sections` with the referral to the child at `cut`: its NS in authority, and the
/// addresses we hold for those name servers in additional (glue, RFC 1034 §4.2.1).
///
/// RFC 4035 §3.1.4: with DNSSEC, the referral also carries the signed DS RRset, or, without
/// one, the signed NSEC proving that the child is not signed (an insecure delegation). The NS
/// RRset itself is the child's and is never signed by the parent.
fn referral(
    zone: &Zone,
    at: &LowerName,
    cut: &Node,
    sections: &mut Sections,
    signer: Option<&Signer>,
) {
    let Some(ns) = cut.rrset(RecordType::NS) else {
        return;
    };
    let owner = cut.name(at).unwrap_or_default();
    sections.authority.extend(ns.records(&owner));
    if let Some(signer) = signer {
        match cut.rrset(RecordType::DS) {
            Some(ds) => {
                sections.authority.extend(ds.records(&owner));
                sections
                    .authority
                    .extend(signature(signer, &owner, ds, false));
            }
            None => sections
                .authority
                .extend(cut_denial(zone, &owner, cut).into_iter().flatten()),
        }
    }
    add_addresses(zone, ns, sections, signer.is_some());
}

/// The answer for a name that does not exist (RFC 2308 §2.1).
///
/// Without DNSSEC: NXDOMAIN with the SOA. With it, compact denial (RFC 9824 §3): NOERROR, the
/// signed SOA, and the signed NSEC at the name with the NXNAME type, which says the name does
/// not exist without revealing any other; an NSEC question gets that NSEC as its answer.
fn nonexistent(
    zone: &Zone,
    name: &Name,
    qtype: RecordType,
    mut sections: Sections,
    signer: Option<&Signer>,
) -> Outcome {
    let Some(signer) = signer else {
        sections.authority.extend(zone.negative_soa());
        return Outcome::NxDomain(sections);
    };
    let nsec = nsec_records(zone, name, [NXNAME], signer);
    if qtype == RecordType::NSEC {
        sections.answers.extend(nsec.into_iter().flatten());
        return Outcome::Answer(sections);
    }
    negative(zone, &mut sections.authority, Some(signer));
    sections.authority.extend(nsec.into_iter().flatten());
    Outcome::NoData(sections)
}

/// Answers questions for the DNSSEC types themselves at an existing `node` of a signed zone,
/// into `answers`; false when the usual lookup answers instead.
///
/// NSEC: compact denial puts an NSEC at every name (RFC 9824 §3), so the question gets it. RRSIG:
/// the signatures of every RRset at the name (RFC 4035 §3.1.5 leaves the choice to us; the
/// whole set is what the question literally asks). At an empty non-terminal both are NODATA.
fn dnssec_types(
    zone: &Zone,
    name: &Name,
    node: &Node,
    online: bool,
    qtype: RecordType,
    signer: &Signer,
    answers: &mut Vec<Record>,
) -> bool {
    match qtype {
        RecordType::NSEC => match denial(zone, name, node, signer) {
            Some(nsec) => {
                answers.extend(nsec);
                true
            }
            None => false,
        },
        RecordType::RRSIG if !node.is_empty() => {
            for rrset in node.rrsets() {
                answers.extend(signature(signer, name, rrset, online));
            }
            true
        }
        _ => false,
    }
}

/// The SOA of a negative answer, with its signature when `signer`.
fn negative(zone: &Zone, authority: &mut Vec<Record>, signer: Option<&Signer>) {
    let Some(soa) = zone.negative_soa() else {
        return;
    };
    if let Some(rrsig) = signer.and(zone.soa_rrsig()) {
        // RFC 4035 §2.2 wants an RRSIG's TTL equal to its RRset's, which here is the negative
        // TTL (the Original TTL field inside keeps the SOA's own).
        let rrsig = Record::from_rdata(soa.name.clone(), soa.ttl, rrsig.clone());
        authority.push(soa);
        authority.push(rrsig);
    } else {
        authority.push(soa);
    }
}

/// The signed NSEC proving that `node` at `name` has no data of the asked type: the
/// delegation's precomputed one at a cut (the question was for its DS), else one listing the
/// node's types, signed now.
fn denial(zone: &Zone, name: &Name, node: &Node, signer: &Signer) -> Option<[Record; 2]> {
    if node.is_cut() {
        return cut_denial(zone, name, node);
    }
    let types = node.rrsets().iter().map(ServedRrset::record_type);
    nsec_records(zone, name, types, signer)
}

/// The precomputed NSEC of an insecure delegation, and its RRSIG, owned by `name`.
fn cut_denial(zone: &Zone, name: &Name, cut: &Node) -> Option<[Record; 2]> {
    let (nsec, rrsig) = cut.cut_nsec()?;
    let ttl = zone.negative_ttl();
    Some([
        Record::from_rdata(name.clone(), ttl, nsec.clone()),
        Record::from_rdata(name.clone(), ttl, rrsig.clone()),
    ])
}

/// A compact-denial NSEC at `name` with `types`, and its RRSIG made now.
fn nsec_records(
    zone: &Zone,
    name: &Name,
    types: impl IntoIterator<Item = RecordType>,
    signer: &Signer,
) -> Option<[Record; 2]> {
    let ttl = zone.negative_ttl();
    let nsec = Signer::nsec(name, types);
    let rrsig = signed(
        signer,
        name,
        RecordType::NSEC,
        ttl,
        std::slice::from_ref(&nsec),
    )?;
    Some([
        Record::from_rdata(name.clone(), ttl, nsec),
        Record::from_rdata(name.clone(), ttl, rrsig),
    ])
}

/// The RRSIG record of `rrset` at `owner`: the stored one, or for a node made up per query
/// (`online`) one made now.
fn signature(signer: &Signer, owner: &Name, rrset: &ServedRrset, online: bool) -> Option<Record> {
    let rrsig = if online {
        signed(
            signer,
            owner,
            rrset.record_type(),
            rrset.ttl(),
            &rrset.data().collect::<Vec<_>>(),
        )?
    } else {
        rrset.rrsig()?.clone()
    };
    Some(Record::from_rdata(owner.clone(), rrset.ttl(), rrsig))
}

/// Signs now. A failure cannot happen for data that made it into a zone; should it all the same,
/// the answer goes out without the signature (which validators reject like any bad one) and the
/// failure is logged, rather than the query failing.
fn signed(
    signer: &Signer,
    owner: &Name,
    rtype: RecordType,
    ttl: u32,
    data: &[RData],
) -> Option<RData> {
    signer
        .rrsig(owner, rtype, ttl, data)
        .map_err(|err| tracing::warn!(%owner, %rtype, %err, "online signing failed"))
        .ok()
}

/// RFC 1035 §3.3.9, §3.3.11 and RFC 2782: the addresses of the hosts that NS, MX and SRV
/// answers name are put in the additional section, so that the client need not ask for them.
/// Other types need nothing, and cost nothing here.
fn additional_for(zone: &Zone, rrset: &ServedRrset, sections: &mut Sections, dnssec: bool) {
    if matches!(
        rrset.record_type(),
        RecordType::NS | RecordType::MX | RecordType::SRV
    ) {
        add_addresses(zone, rrset, sections, dnssec);
    }
}

/// At most this many host names of an NS, MX or SRV RRset get their addresses looked up, so
/// that the cost of an answer stays in proportion to what fits in it, whatever the size of
/// the RRset (a 4,000-record MX set once cost seconds per query). Additional data is
/// optional (RFC 2181 §9) and a response rarely has room for more; NS sets with more hosts
/// are unheard of. The fast path ([`crate::fast`]) keeps the same bound.
pub(crate) const MAX_HOSTS: usize = 32;

/// Adds to the additional section the A and AAAA RRsets this zone holds for the host names in
/// `rrset`'s data, each RRset once.
///
/// Only data of this zone is used, glue below its cuts included (RFC 1034 §4.3.2 step 6: "add
/// other RRs which may be useful to the additional section"); a host name covered by a
/// wildcard gets the wildcard's addresses under its own name, as it would in an answer. CNAMEs
/// are not followed: such a target is a configuration error (RFC 2181 §10.3).
///
/// With `dnssec`, addresses the zone holds signed carry their RRSIG (RFC 4035 §3.1.1); glue and
/// wildcard addresses go without, which is what validators expect of additional data.
fn add_addresses(zone: &Zone, rrset: &ServedRrset, sections: &mut Sections, dnssec: bool) {
    for data in rrset.data().take(MAX_HOSTS) {
        let target = match &data {
            RData::NS(NS(target)) => target,
            RData::MX(mx) => &mx.exchange,
            RData::SRV(srv) => &srv.target,
            _ => continue,
        };
        if !zone.origin().zone_of(target) {
            continue;
        }
        let key = LowerName::new(target);
        let (node, stored) = match zone.node(&key) {
            Some(node) => (node, true),
            None => match wildcard(zone, &key) {
                Some(node) => (node, false),
                None => continue,
            },
        };
        for rtype in [RecordType::A, RecordType::AAAA] {
            let Some(addresses) = node.rrset(rtype) else {
                continue;
            };
            // Two MX records naming one host, or a host named both in the answer and by
            // another record, still give one RRset.
            let present = |records: &[Record]| {
                records
                    .iter()
                    .any(|r| r.record_type() == rtype && LowerName::new(&r.name) == key)
            };
            if !present(&sections.additional) && !present(&sections.answers) {
                sections.additional.extend(addresses.records(target));
                if let Some(rrsig) = addresses.rrsig().filter(|_| dnssec && stored) {
                    sections.additional.push(Record::from_rdata(
                        target.clone(),
                        addresses.ttl(),
                        rrsig.clone(),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::dnssec::NXNAME;

    #[test]
    fn empty_catalog_refuses_every_question() {
        let catalog = Catalog::empty();
        for (name, rtype) in [
            (".", RecordType::SOA),
            ("example.com.", RecordType::A),
            ("WWW.Example.COM.", RecordType::AAAA),
            ("1.0.0.127.in-addr.arpa.", RecordType::PTR),
        ] {
            let query = Query::query(Name::from_ascii(name).unwrap(), rtype);
            assert_eq!(lookup(&catalog, &query), Outcome::Refused, "{name} {rtype}");
        }
    }

    fn test_zone() -> Zone {
        let origin = Name::from_ascii("example.com.").unwrap();
        let rrset = |name: &str, rtype: &str, records: &[&str]| {
            crate::model::validate_rrset(&origin, name, rtype, 300, records).unwrap()
        };
        Zone::new(
            &origin,
            [
                rrset("@", "SOA", &["ns1 h 7 3600 600 86400 60"]),
                rrset("@", "NS", &["ns1"]),
                rrset("ns1", "A", &["192.0.2.53"]),
                rrset("www", "A", &["192.0.2.1", "192.0.2.2"]),
                rrset("mail", "MX", &["10 ns1"]),
                rrset("*.wild", "A", &["192.0.2.99"]),
                rrset("alias", "CNAME", &["www"]),
                rrset("dn", "DNAME", &["example.com."]),
                rrset("a.b", "TXT", &["x"]),
                rrset("sub", "NS", &["ns.sub"]),
                rrset("ns.sub", "A", &["192.0.2.80"]),
            ],
        )
        .unwrap()
    }

    const QUESTIONS: &[(&str, RecordType)] = &[
        ("example.com.", RecordType::SOA),
        ("example.com.", RecordType::NS),
        ("example.com.", RecordType::ANY),
        ("WWW.example.com.", RecordType::A),
        ("www.example.com.", RecordType::AAAA),
        ("www.example.com.", RecordType::RRSIG),
        ("www.example.com.", RecordType::NSEC),
        ("mail.example.com.", RecordType::MX),
        ("x.wild.example.com.", RecordType::A),
        ("x.wild.example.com.", RecordType::TXT),
        ("alias.example.com.", RecordType::A),
        ("www.dn.example.com.", RecordType::A),
        ("nope.dn.example.com.", RecordType::A),
        ("dn.example.com.", RecordType::DNAME),
        ("b.example.com.", RecordType::A),
        ("nope.example.com.", RecordType::A),
        ("nope.example.com.", RecordType::NSEC),
        ("www.sub.example.com.", RecordType::A),
        ("sub.example.com.", RecordType::DS),
    ];

    #[test]
    fn zones_without_a_key_answer_do_queries_as_before() {
        let catalog = Catalog::from_zones([test_zone()]);
        for &(name, rtype) in QUESTIONS {
            let query = Query::query(Name::from_ascii(name).unwrap(), rtype);
            assert_eq!(
                lookup_dnssec(&catalog, &query, true),
                lookup(&catalog, &query),
                "{name} {rtype}"
            );
        }
    }

    #[test]
    fn signed_zones_answer_queries_without_do_as_unsigned_ones() {
        let (key, _) = crate::dnssec::ZoneKey::generate().unwrap();
        let unsigned = Catalog::from_zones([test_zone()]);
        let signed = Catalog::from_zones([test_zone()
            .signed(std::sync::Arc::new(key), 1_700_000_000)
            .unwrap()]);
        for &(name, rtype) in QUESTIONS {
            let query = Query::query(Name::from_ascii(name).unwrap(), rtype);
            assert_eq!(
                lookup(&signed, &query),
                lookup(&unsigned, &query),
                "{name} {rtype}"
            );
        }
    }

    #[test]
    fn signed_zones_deny_existence_compactly() {
        let (key, _) = crate::dnssec::ZoneKey::generate().unwrap();
        let catalog = Catalog::from_zones([test_zone()
            .signed(std::sync::Arc::new(key), 1_700_000_000)
            .unwrap()]);
        let ask = |name: &str, rtype| {
            let query = Query::query(Name::from_ascii(name).unwrap(), rtype);
            lookup_dnssec(&catalog, &query, true)
        };
        let types =
            |records: &[Record]| records.iter().map(Record::record_type).collect::<Vec<_>>();
        let nsec_types = |records: &[Record]| {
            records
                .iter()
                .find_map(|record| match &record.data {
                    RData::DNSSEC(hickory_proto::dnssec::rdata::DNSSECRData::NSEC(nsec)) => {
                        let mut types: Vec<RecordType> = nsec.type_bit_maps().collect();
                        types.sort();
                        Some(types)
                    }
                    _ => None,
                })
                .unwrap()
        };
        use RecordType::{A, CNAME, NSEC, RRSIG, SOA};

        // RFC 9824 §3: NOERROR (NoData), not NXDOMAIN, with the NXNAME NSEC, TTL 60.
        let Outcome::NoData(nx) = ask("nope.example.com.", A) else {
            panic!("compact denial is NODATA");
        };
        assert_eq!(types(&nx.authority), [SOA, RRSIG, NSEC, RRSIG]);
        assert!(nx.authority.iter().all(|record| record.ttl == 60));
        assert_eq!(nsec_types(&nx.authority), [RRSIG, NSEC, NXNAME]);
        // NODATA lists what the name has, and never the type asked.
        let Outcome::NoData(nodata) = ask("www.example.com.", RecordType::AAAA) else {
            panic!("NODATA");
        };
        assert_eq!(nsec_types(&nodata.authority), [A, RRSIG, NSEC]);
        let Outcome::NoData(ent) = ask("b.example.com.", A) else {
            panic!("NODATA at an empty non-terminal");
        };
        assert_eq!(nsec_types(&ent.authority), [RRSIG, NSEC]);
        // A NSEC question gets the NSEC as its answer.
        let Outcome::Answer(nsec) = ask("nope.example.com.", NSEC) else {
            panic!("an answer");
        };
        assert_eq!(types(&nsec.answers), [NSEC, RRSIG]);
        // The insecure cut's DS question: the cut's NSEC.
        let Outcome::NoData(ds) = ask("sub.example.com.", RecordType::DS) else {
            panic!("NODATA");
        };
        assert_eq!(nsec_types(&ds.authority), [RecordType::NS, RRSIG, NSEC]);
        // A CNAME followed into NODATA: the CNAME and its signature stay in the answer.
        let Outcome::NoData(alias) = ask("alias.example.com.", RecordType::TXT) else {
            panic!("NODATA");
        };
        assert_eq!(types(&alias.answers), [CNAME, RRSIG]);
        assert_eq!(
            alias.authority[2].name,
            Name::from_ascii("www.example.com.").unwrap()
        );
    }

    #[test]
    fn dname_substitution_replaces_the_owner_and_stops_at_255_octets() {
        let name = |text: &str| Name::from_ascii(text).unwrap();
        let moved = substitute(&name("A.b.Old.example.com."), 3, &name("New.Example.NET."));
        assert!(moved.unwrap().eq_case(&name("A.b.New.Example.NET.")));
        // Three 63-octet labels are 192 octets; a 63-octet target makes 255, one more is too
        // many (RFC 1035 §2.3.4).
        let label = "a".repeat(63);
        let long = name(&format!("{label}.{label}.{label}.old."));
        let fits = name(&format!("{}.", "t".repeat(61)));
        let over = name(&format!("{}.", "t".repeat(62)));
        assert_eq!(substitute(&long, 1, &fits).unwrap().to_string().len(), 254);
        assert_eq!(substitute(&long, 1, &over), None);
    }

    #[test]
    fn data_below_a_dname_is_occluded_by_it() {
        // RFC 6672 §2.4 forbids such data, and the store refuses it; a zone that holds it all
        // the same is answered as the DNAME says, wildcard and all.
        let origin = Name::from_ascii("example.com.").unwrap();
        let rrset = |name: &str, rtype: &str, records: &[&str]| {
            crate::model::validate_rrset(&origin, name, rtype, 300, records).unwrap()
        };
        let zone = Zone::new(
            &origin,
            [
                rrset("@", "SOA", &["ns1 h 7 3600 600 86400 60"]),
                rrset("old", "DNAME", &["example.net."]),
                rrset("www.old", "A", &["192.0.2.1"]),
                rrset("*.old", "A", &["192.0.2.2"]),
                rrset("sub.old", "NS", &["ns.example.net."]),
            ],
        )
        .unwrap();
        for qname in [
            "www.old.example.com.",
            "x.old.example.com.",
            "a.sub.old.example.com.",
        ] {
            let Outcome::Answer(sections) =
                lookup_in_zone(&zone, &Name::from_ascii(qname).unwrap(), RecordType::A)
            else {
                panic!("{qname}: an answer");
            };
            let types: Vec<RecordType> = sections.answers.iter().map(Record::record_type).collect();
            assert_eq!(types, [RecordType::DNAME, RecordType::CNAME], "{qname}");
        }
    }

    #[test]
    fn signed_dname_answers_carry_the_dname_signature_not_the_cname_one() {
        let (key, _) = crate::dnssec::ZoneKey::generate().unwrap();
        let catalog = Catalog::from_zones([test_zone()
            .signed(std::sync::Arc::new(key), 1_700_000_000)
            .unwrap()]);
        let query = Query::query(
            Name::from_ascii("WWW.dn.example.com.").unwrap(),
            RecordType::A,
        );
        let Outcome::Answer(sections) = lookup_dnssec(&catalog, &query, true) else {
            panic!("an answer");
        };
        let described: Vec<String> = sections
            .answers
            .iter()
            .map(|record| match &record.data {
                RData::DNSSEC(hickory_proto::dnssec::rdata::DNSSECRData::RRSIG(rrsig)) => {
                    format!("{} RRSIG {}", record.name, rrsig.input().type_covered)
                }
                _ => format!("{} {}", record.name, record.record_type()),
            })
            .collect();
        // RFC 6672 §5.3.1: the DNAME is signed, the CNAME synthesized from it is not.
        assert_eq!(
            described,
            [
                "dn.example.com. DNAME",
                "dn.example.com. RRSIG DNAME",
                "WWW.dn.example.com. CNAME",
                "WWW.example.com. A",
                "WWW.example.com. A",
                "WWW.example.com. RRSIG A",
            ]
        );
        assert!(sections.answers.iter().all(|record| record.ttl == 300));
    }
}
