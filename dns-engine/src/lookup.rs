//! Lookup: the pure function from (catalog snapshot, question) to an [`Outcome`].
//!
//! No I/O, no clock, no wire format: the same snapshot and question always give the same
//! outcome, which makes lookup easy to test from tables and later to precompute. Turning an
//! outcome into header bits, sections, EDNS and a size that fits the transport is the job of
//! [`crate::wire`].

use hickory_proto::op::Query;

use crate::catalog::Catalog;
use crate::model::LowerName;

/// What the catalog says about a question.
///
/// Answers, referrals, NXDOMAIN and NODATA arrive with zones; today the only reachable outcome
/// is [`Outcome::Refused`], and variants are added when something can produce them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The name is in none of our zones. An authoritative-only server does not recurse and does
    /// not answer for other people's names, so it refuses (RFC 1035 §4.1.1, RCODE 5).
    Refused,
}

/// Answers `query` from `catalog`.
pub fn lookup(catalog: &Catalog, query: &Query) -> Outcome {
    let qname = LowerName::new(query.name());
    match catalog.find(&qname) {
        None => Outcome::Refused,
        // `Zone` has no values yet (see `catalog::Zone`): this arm is where answering begins.
        Some(zone) => match **zone {},
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use hickory_proto::rr::{Name, RecordType};

    use super::*;

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
}
