//! The DNS data model: names, record data, RRsets and the rules a zone must follow.
//!
//! This is the validation the server runs on every save and the UI runs while people type:
//! [`validate_rrset`] checks one RRset as the API receives it (owner relative to the zone, type
//! mnemonic, TTL, records in presentation format) and returns it in canonical form, or every
//! problem with the field it belongs to; [`check_zone`] checks the rules that involve more than
//! one RRset (CNAME exclusivity, apex and delegation rules, glue). Everything here stays pure —
//! no I/O, no sockets, no clock — so that it can also compile to wasm for the browser.

use std::cmp::Ordering;
use std::fmt;

use hickory_proto::rr::Name;

mod check;
pub mod ds;
mod name;
mod rdata;
mod rrset;
mod zonefile;

pub use check::{check_zone, ZoneIssue, ZoneReport};
pub use name::{
    owner_warning, parse_name, relative_name, HostName, NameRole, ZoneName, MAX_LABEL_LEN,
    MAX_NAME_LEN,
};
pub use rdata::{parse_type, rdata_from_wire, type_name, Rdata, Syntax, SUPPORTED_TYPES};
pub use rrset::{assemble_rrset, validate_rrset, FieldError, Rrset, MAX_TTL, MIN_TTL};

/// RFC 1982 §3.2: `a > b` in serial number arithmetic with SERIAL_BITS = 32.
pub fn serial_gt(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < (1 << 31)
}

pub use zonefile::{read_zone_file, render_zone, FileRrset, LineIssue, ZoneFile, MAX_REPORTED};

/// A fully qualified domain name in canonical lower case.
///
/// RFC 4343 §3: DNS name comparisons are ASCII case-insensitive. Lower-casing once, when a name
/// enters the engine, lets every map and comparison after that work on plain bytes. The original
/// spelling of a query name is kept separately, because responses must echo it unchanged
/// (RFC 4343 §4.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LowerName(Name);

impl LowerName {
    /// Lower-cases `name` and marks it fully qualified (names read from the wire always are).
    pub fn new(name: &Name) -> Self {
        let mut lower = name.to_lowercase();
        lower.set_fqdn(true);
        Self(lower)
    }

    /// The number of labels, not counting the root.
    ///
    /// Unlike [`Name::num_labels`], which leaves out a leading `*` (the RRSIG "labels" count of
    /// RFC 4034 §3.1.3), this counts every label, so that trimming walks a wildcard's ancestors
    /// like any other name's.
    pub fn num_labels(&self) -> u8 {
        u8::try_from(self.0.iter().count()).unwrap_or(u8::MAX)
    }

    /// This name cut down to its last `num_labels` labels, e.g. `www.example.com.` trimmed to 2
    /// is `example.com.`; trimmed to 0 it is the root.
    #[must_use]
    pub fn trim_to(&self, num_labels: u8) -> Self {
        Self(self.0.trim_to(usize::from(num_labels)))
    }

    /// The name as a hickory [`Name`].
    pub fn as_name(&self) -> &Name {
        &self.0
    }
}

/// RFC 4034 §6.1 canonical order: by labels from the root, each compared as lower-case octets.
/// A zone's owner names sorted this way put every name right after its ancestors, which is the
/// order NSEC chains and zone transfers need.
///
/// Both names are lower case and fully qualified, so each pair of labels compares as plain
/// octets (a shorter label that is a prefix first), which is hickory's case-folding order for
/// such names but a `memcmp` instead of a loop over case-folded octets: building a big zone
/// compares names millions of times.
impl Ord for LowerName {
    fn cmp(&self, other: &Self) -> Ordering {
        let (mut left, mut right) = (self.0.iter(), other.0.iter());
        loop {
            match (left.next_back(), right.next_back()) {
                (Some(l), Some(r)) => match l.cmp(r) {
                    Ordering::Equal => {}
                    unequal => return unequal,
                },
                (None, None) => return Ordering::Equal,
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
            }
        }
    }
}

impl PartialOrd for LowerName {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl From<&Name> for LowerName {
    fn from(name: &Name) -> Self {
        Self::new(name)
    }
}

impl fmt::Display for LowerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn name(text: &str) -> Name {
        Name::from_ascii(text).unwrap()
    }

    #[test]
    fn lower_name_is_lower_case_and_fully_qualified() {
        let lower = LowerName::new(&name("WwW.ExAmPlE.CoM"));
        assert!(lower.as_name().eq_case(&name("www.example.com.")));
        assert!(lower.as_name().is_fqdn());
        assert_eq!(lower.to_string(), "www.example.com.");
    }

    #[test]
    fn names_differing_only_in_case_are_equal() {
        assert_eq!(
            LowerName::new(&name("Example.COM.")),
            LowerName::new(&name("example.com."))
        );
    }

    #[test]
    fn lower_name_order_is_hickorys_canonical_order() {
        let mut names: Vec<Name> = [
            "example.",
            "a.example.",
            "ab.example.",
            "a.b.example.",
            "b.a.example.",
            "*.a.example.",
            "a-b.example.",
            "x.y.z.",
            "y.z.",
            "z.",
            ".",
            "1.0.0.2.ip6.arpa.",
            "0.1.0.0.2.ip6.arpa.",
            "10.0.0.2.ip6.arpa.",
        ]
        .iter()
        .map(|text| name(text))
        .collect();
        // Labels with octets no host name has.
        for label in [&b"\x00"[..], b"\x00a", b"\xff", b"a\x00", b"-"] {
            let mut fqdn = Name::from_labels([label, b"a", b"example"]).unwrap();
            fqdn.set_fqdn(true);
            names.push(fqdn);
        }
        for a in &names {
            for b in &names {
                assert_eq!(
                    LowerName::new(a).cmp(&LowerName::new(b)),
                    a.cmp(b),
                    "{a} against {b}"
                );
            }
        }
    }

    #[test]
    fn lower_names_sort_in_canonical_order() {
        // The example of RFC 4034 §6.1 (without the non-ASCII labels).
        let sorted = [
            "example.",
            "a.example.",
            "yljkjljk.a.example.",
            "Z.a.example.",
            "zABC.a.EXAMPLE.",
            "z.example.",
            "*.z.example.",
        ];
        let mut names: Vec<LowerName> = sorted
            .iter()
            .rev()
            .map(|text| LowerName::new(&name(text)))
            .collect();
        names.sort();
        let names: Vec<String> = names.iter().map(ToString::to_string).collect();
        let expected: Vec<String> = sorted.iter().map(|text| text.to_lowercase()).collect();
        // `*` (0x2a) sorts before letters, so it comes right after `z.example.`.
        assert_eq!(names, expected);
    }

    #[test]
    fn trim_to_walks_towards_the_root() {
        let lower = LowerName::new(&name("a.b.example.com."));
        assert_eq!(lower.num_labels(), 4);
        assert_eq!(lower.trim_to(2), LowerName::new(&name("example.com.")));
        assert_eq!(lower.trim_to(0), LowerName::new(&Name::root()));
        assert_eq!(lower.trim_to(9), lower);
        let wildcard = LowerName::new(&name("*.b.example.com."));
        assert_eq!(wildcard.num_labels(), 4);
        assert_eq!(wildcard.trim_to(3), LowerName::new(&name("b.example.com.")));
    }
}
