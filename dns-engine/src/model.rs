//! The DNS data model shared by the catalog, lookup and (later) zone validation.
//!
//! For now this is only the name type the catalog is keyed by; records, zones and their rules
//! (CNAME exclusivity, apex rules, glue, wildcards) arrive with the zone issue. Everything here
//! stays pure — no I/O — so that it can also compile to wasm for the browser.

use std::fmt;

use hickory_proto::rr::Name;

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
    pub fn num_labels(&self) -> u8 {
        self.0.num_labels()
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
    fn trim_to_walks_towards_the_root() {
        let lower = LowerName::new(&name("a.b.example.com."));
        assert_eq!(lower.num_labels(), 4);
        assert_eq!(lower.trim_to(2), LowerName::new(&name("example.com.")));
        assert_eq!(lower.trim_to(0), LowerName::new(&Name::root()));
        assert_eq!(lower.trim_to(9), lower);
    }
}
