//! Rules that involve a whole zone rather than one RRset: CNAME exclusivity, what may stand at
//! the apex and at delegation points, occluded data and glue, and what a DNAME (RFC 6672) allows
//! next to and below itself.
//!
//! [`check_zone`] sorts the owner names once (canonical order, RFC 4034 §6.1) and then answers
//! every question with map lookups, so checking a zone of a few hundred thousand records costs
//! O(n log n), never O(n²).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use hickory_proto::rr::{Name, RecordType};

use super::rrset::Rrset;
use super::LowerName;

/// One finding about a zone, tied to the RRset it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneIssue {
    /// The owner name concerned.
    pub name: Name,
    /// The record type concerned, when the finding is about one RRset.
    pub rtype: Option<RecordType>,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for ZoneIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rtype {
            Some(rtype) => write!(f, "{} {rtype}: {}", self.name, self.message),
            None => write!(f, "{}: {}", self.name, self.message),
        }
    }
}

/// The result of [`check_zone`]: errors block a save, warnings are shown but do not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ZoneReport {
    /// Broken rules; a zone with errors must not be stored or served.
    pub errors: Vec<ZoneIssue>,
    /// Likely mistakes: data that will never be served, delegations that will not resolve.
    pub warnings: Vec<ZoneIssue>,
}

impl ZoneReport {
    /// True when there are no errors (warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

fn issue(name: &Name, rtype: Option<RecordType>, message: impl Into<String>) -> ZoneIssue {
    ZoneIssue {
        name: name.clone(),
        rtype,
        message: message.into(),
    }
}

/// Checks the rules between the RRsets of the zone `origin`; `rrsets` is the whole zone,
/// SOA included, each RRset already checked by [`super::validate_rrset`].
pub fn check_zone(origin: &Name, rrsets: &[Rrset]) -> ZoneReport {
    let mut report = ZoneReport::default();
    let apex = LowerName::new(origin);

    // Every owner with the types it holds, in canonical order.
    let mut nodes: BTreeMap<LowerName, (Name, BTreeSet<RecordType>)> = BTreeMap::new();
    for rrset in rrsets {
        let name = rrset.name();
        let rtype = rrset.record_type();
        if !origin.zone_of(name) {
            report.errors.push(issue(
                name,
                Some(rtype),
                format!("the owner name is outside the zone {origin}"),
            ));
            continue;
        }
        let (_, types) = nodes
            .entry(LowerName::new(name))
            .or_insert_with(|| (name.clone(), BTreeSet::new()));
        if !types.insert(rtype) {
            report.errors.push(issue(
                name,
                Some(rtype),
                "the zone holds this RRset twice; merge the records into one RRset",
            ));
        }
    }

    match nodes.get(&apex) {
        Some((_, types)) if types.contains(&RecordType::SOA) => {}
        _ => report.errors.push(issue(
            origin,
            Some(RecordType::SOA),
            "the zone has no SOA record",
        )),
    }

    // Delegation points: names below the apex that hold NS (RFC 1034 §4.2.1).
    let cuts: BTreeSet<LowerName> = nodes
        .iter()
        .filter(|(key, (_, types))| **key != apex && types.contains(&RecordType::NS))
        .map(|(key, _)| key.clone())
        .collect();

    // Owners of DNAME RRsets, whose subtrees are redirected (RFC 6672 §2.2).
    let dnames: BTreeSet<LowerName> = nodes
        .iter()
        .filter(|(_, (_, types))| types.contains(&RecordType::DNAME))
        .map(|(key, _)| key.clone())
        .collect();
    // The DNAME owner strictly above `key`, if any.
    let dname_above = |key: &LowerName| {
        (apex.num_labels()..key.num_labels())
            .map(|labels| key.trim_to(labels))
            .find(|ancestor| dnames.contains(ancestor))
    };

    // RFC 6672 §5.1: the host names that NS, MX and SRV records name must be canonical (RFC
    // 2181 §10.3), and no name below a DNAME owner is: resolving it takes the DNAME's
    // synthesized CNAME. Names of other zones are not ours to check.
    for rrset in rrsets {
        let rtype = rrset.record_type();
        if !matches!(rtype, RecordType::NS | RecordType::MX | RecordType::SRV) {
            continue;
        }
        for target in rrset.records().iter().filter_map(|r| r.target()) {
            if !origin.zone_of(target) {
                continue;
            }
            if let Some(owner) = dname_above(&LowerName::new(target)) {
                report.warnings.push(issue(
                    rrset.name(),
                    Some(rtype),
                    format!(
                        "{target} is below the DNAME at {owner}, which makes it an alias; the \
                         host name of an {rtype} record must not be one (RFC 6672 §5.1, RFC \
                         2181 §10.3)"
                    ),
                ));
            }
        }
    }

    // Names that NS records of a cut point at, which may hold glue below that cut.
    let mut glue_names: BTreeSet<LowerName> = BTreeSet::new();
    for rrset in rrsets {
        if rrset.record_type() != RecordType::NS {
            continue;
        }
        for target in rrset.records().iter().filter_map(|r| r.target()) {
            let key = LowerName::new(target);
            if origin.zone_of(target) {
                let has_address = nodes.get(&key).is_some_and(|(_, types)| {
                    types.contains(&RecordType::A) || types.contains(&RecordType::AAAA)
                });
                if !has_address {
                    report.warnings.push(issue(
                        rrset.name(),
                        Some(RecordType::NS),
                        format!(
                            "the name server {target} is inside this zone but has no A or AAAA \
                             record (glue), so resolvers cannot reach it"
                        ),
                    ));
                }
            }
            glue_names.insert(key);
        }
    }

    for (key, (name, types)) in &nodes {
        let is_apex = *key == apex;
        if types.contains(&RecordType::CNAME) {
            if is_apex {
                report.errors.push(issue(
                    name,
                    Some(RecordType::CNAME),
                    "a CNAME cannot be at the zone apex, which always has SOA and NS records \
                     (RFC 1034 §3.6.2)",
                ));
            } else if types.len() > 1 {
                let others: Vec<String> = types
                    .iter()
                    .filter(|t| **t != RecordType::CNAME)
                    .map(ToString::to_string)
                    .collect();
                report.errors.push(issue(
                    name,
                    Some(RecordType::CNAME),
                    format!(
                        "a CNAME cannot share its name with other data ({}) (RFC 1034 §3.6.2)",
                        others.join(", ")
                    ),
                ));
            }
        }
        if types.contains(&RecordType::SOA) && !is_apex {
            report.errors.push(issue(
                name,
                Some(RecordType::SOA),
                "an SOA record belongs only at the zone apex",
            ));
        }
        if types.contains(&RecordType::DNAME) {
            // RFC 6672 §2.3: "DNAME RRs MUST NOT appear at the same owner name as an NS RR
            // unless the owner name is the zone apex": below it the NS makes a cut, and the
            // DNAME belongs at the child's apex. (A CNAME next to a DNAME, which §2.4 forbids
            // too, is the CNAME rule's error above.)
            if types.contains(&RecordType::NS) && !is_apex {
                report.errors.push(issue(
                    name,
                    Some(RecordType::DNAME),
                    "a DNAME cannot share its name with NS records below the zone apex: the NS \
                     make the name a delegation, and the DNAME belongs at the apex of the \
                     delegated zone (RFC 6672 §2.3)",
                ));
            }
            // RFC 6672 §3.3: "The use of DNAME in conjunction with wildcards is discouraged":
            // servers disagree on how the two combine.
            if key.as_name().is_wildcard() {
                report.warnings.push(issue(
                    name,
                    Some(RecordType::DNAME),
                    "a DNAME should not have a wildcard owner, since servers differ in what \
                     they make of one (RFC 6672 §3.3)",
                ));
            }
        }
        // RFC 6672 §2.4: "Resource records MUST NOT exist at any subdomain of the owner of a
        // DNAME RR." Such names could never be reached: every question for them is
        // redirected.
        if let Some(owner) = dname_above(key) {
            let data: Vec<String> = types.iter().map(ToString::to_string).collect();
            report.errors.push(issue(
                name,
                None,
                format!(
                    "{} cannot be at {name}, which is below the DNAME at {owner}: no data may \
                     exist below a DNAME, every name there is redirected (RFC 6672 §2.4)",
                    data.join(", ")
                ),
            ));
        }
        if types.contains(&RecordType::DS) && !cuts.contains(key) {
            report.errors.push(issue(
                name,
                Some(RecordType::DS),
                "a DS record belongs only at a delegation point: a name below the apex with NS \
                 records (RFC 4035 §2.4)",
            ));
        }

        // RFC 1034 §4.2.1: data at or below a cut, other than the cut's NS and DS and the glue
        // its name servers need, is not authoritative and is never served.
        if is_apex {
            continue;
        }
        let at_cut = cuts.contains(key);
        let above = (apex.num_labels() + 1..key.num_labels())
            .map(|labels| key.trim_to(labels))
            .find(|ancestor| cuts.contains(ancestor));
        let cut = match (&above, at_cut) {
            (Some(cut), _) => cut.clone(),
            (None, true) => key.clone(),
            (None, false) => continue,
        };
        let is_glue = glue_names.contains(key);
        let occluded: Vec<String> = types
            .iter()
            .filter(|t| {
                let delegation =
                    at_cut && above.is_none() && matches!(t, RecordType::NS | RecordType::DS);
                let glue = is_glue && matches!(t, RecordType::A | RecordType::AAAA);
                !delegation && !glue
            })
            .map(ToString::to_string)
            .collect();
        if !occluded.is_empty() {
            report.warnings.push(issue(
                name,
                None,
                format!(
                    "{} at or below the delegation {cut} will not be served (occluded by the \
                     delegation; only NS, DS and glue addresses are)",
                    occluded.join(", ")
                ),
            ));
        }
    }
    report
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::super::validate_rrset;
    use super::*;

    fn origin() -> Name {
        Name::from_ascii("example.com.").unwrap()
    }

    fn zone(extra: &[(&str, &str, &[&str])]) -> Vec<Rrset> {
        let mut rrsets = vec![
            validate_rrset(
                &origin(),
                "@",
                "SOA",
                3600,
                &["ns1 hostmaster 1 7200 3600 1209600 300"],
            )
            .unwrap(),
            validate_rrset(&origin(), "@", "NS", 3600, &["ns1", "ns.example.net."]).unwrap(),
            validate_rrset(&origin(), "ns1", "A", 3600, &["192.0.2.53"]).unwrap(),
        ];
        for (name, rtype, records) in extra {
            rrsets.push(validate_rrset(&origin(), name, rtype, 300, records).unwrap());
        }
        rrsets
    }

    fn messages(issues: &[ZoneIssue]) -> Vec<String> {
        issues.iter().map(ToString::to_string).collect()
    }

    fn report(extra: &[(&str, &str, &[&str])]) -> (Vec<String>, Vec<String>) {
        let report = check_zone(&origin(), &zone(extra));
        (messages(&report.errors), messages(&report.warnings))
    }

    fn ds() -> String {
        format!("1 13 2 {}", "00".repeat(32))
    }

    #[test]
    fn a_clean_zone_passes() {
        let (errors, warnings) = report(&[
            ("www", "A", &["192.0.2.1"]),
            ("alias", "CNAME", &["www"]),
            ("child", "NS", &["ns.child"]),
            ("ns.child", "A", &["192.0.2.54"]),
            ("child", "DS", &[&ds()]),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn cname_next_to_other_data_is_an_error() {
        let (errors, _) = report(&[
            ("www", "A", &["192.0.2.1"]),
            ("www", "CNAME", &["x.example.net."]),
        ]);
        assert!(
            errors
                .iter()
                .any(|e| e.contains("cannot share its name with other data (A)")),
            "{errors:?}"
        );
    }

    #[test]
    fn apex_and_placement_rules() {
        let mut rrsets = zone(&[("x", "TXT", &["hi"])]);
        rrsets.retain(|r| r.record_type() != RecordType::SOA);
        let errors = messages(&check_zone(&origin(), &rrsets).errors);
        assert!(errors.iter().any(|e| e.contains("no SOA")), "{errors:?}");

        let (errors, _) = report(&[("www", "DS", &[&ds()])]);
        assert!(
            errors.iter().any(
                |e| e.contains("www.example.com. DS: a DS record belongs only at a delegation")
            ),
            "{errors:?}"
        );

        let other = Name::from_ascii("example.net.").unwrap();
        let outside = validate_rrset(&other, "www", "A", 300, &["192.0.2.1"]).unwrap();
        let mut rrsets = zone(&[]);
        rrsets.push(outside);
        let errors = messages(&check_zone(&origin(), &rrsets).errors);
        assert!(
            errors.iter().any(|e| e.contains("outside the zone")),
            "{errors:?}"
        );

        let (errors, _) = report(&[("www", "A", &["192.0.2.1"]), ("www", "A", &["192.0.2.2"])]);
        assert!(errors.iter().any(|e| e.contains("twice")), "{errors:?}");
    }

    #[test]
    fn occluded_data_and_missing_glue_are_warnings() {
        let (errors, warnings) = report(&[
            ("child", "NS", &["ns.child", "ns2.child"]),
            ("ns.child", "A", &["192.0.2.54"]),
            ("www.child", "A", &["192.0.2.80"]),
            ("child", "TXT", &["hidden"]),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            warnings.iter().any(|w| w.contains(
                "www.child.example.com.: A at or below the delegation child.example.com."
            )),
            "{warnings:?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("child.example.com.: TXT")),
            "{warnings:?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w
                    .contains("ns2.child.example.com. is inside this zone but has no A or AAAA")),
            "{warnings:?}"
        );
        assert_eq!(warnings.len(), 3, "{warnings:?}");
    }

    #[test]
    fn dname_with_its_subtree_empty_passes() {
        let (errors, warnings) = report(&[
            ("old", "DNAME", &["example.net."]),
            ("old", "TXT", &["data next to a DNAME is fine"]),
            ("mirror.old2", "A", &["192.0.2.7"]),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(warnings.is_empty(), "{warnings:?}");
        // At the apex, next to SOA and NS (RFC 6672 §2.3), with nothing else in the zone.
        let apex = vec![
            validate_rrset(
                &origin(),
                "@",
                "SOA",
                3600,
                &["ns.example.net. h 1 2 3 4 5"],
            )
            .unwrap(),
            validate_rrset(&origin(), "@", "NS", 3600, &["ns.example.net."]).unwrap(),
            validate_rrset(&origin(), "@", "DNAME", 3600, &["example.org."]).unwrap(),
        ];
        let report = check_zone(&origin(), &apex);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    }

    #[test]
    fn data_below_a_dname_is_an_error_naming_each_name() {
        let (errors, _) = report(&[
            ("old", "DNAME", &["example.net."]),
            ("www.old", "A", &["192.0.2.1"]),
            ("www.old", "AAAA", &["2001:db8::1"]),
            ("a.b.old", "TXT", &["deep"]),
            ("*.old", "A", &["192.0.2.2"]),
        ]);
        let below: Vec<&String> = errors
            .iter()
            .filter(|e| e.contains("below the DNAME"))
            .collect();
        assert_eq!(below.len(), 3, "{errors:?}");
        for expected in [
            "www.old.example.com.: A, AAAA cannot be at www.old.example.com., which is below the \
             DNAME at old.example.com.",
            "a.b.old.example.com.: TXT cannot be at",
            "*.old.example.com.: A cannot be at",
        ] {
            assert!(
                errors
                    .iter()
                    .any(|e| e.starts_with(expected) && e.contains("RFC 6672 §2.4")),
                "{expected}: {errors:?}"
            );
        }
        // A DNAME at the apex leaves no room for any other name: the name server's address
        // included.
        let (errors, _) = report(&[("@", "DNAME", &["example.org."])]);
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("ns1.example.com.: A cannot be at")),
            "{errors:?}"
        );
        // A DNAME below another DNAME is data below it too.
        let (errors, _) = report(&[
            ("old", "DNAME", &["example.net."]),
            ("x.old", "DNAME", &["example.org."]),
        ]);
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("x.old.example.com.: DNAME cannot be at")),
            "{errors:?}"
        );
    }

    #[test]
    fn dname_next_to_cname_or_below_the_apex_next_to_ns_is_an_error() {
        // RFC 6672 §2.4: no CNAME where a DNAME is; the CNAME rule says so.
        let (errors, _) = report(&[
            ("old", "DNAME", &["example.net."]),
            ("old", "CNAME", &["www.example.net."]),
        ]);
        assert!(
            errors.iter().any(|e| e
                == "old.example.com. CNAME: a CNAME cannot share its name with other data \
                    (DNAME) (RFC 1034 §3.6.2)"),
            "{errors:?}"
        );
        // RFC 6672 §2.3: DNAME and NS share a name only at the apex.
        let (errors, _) = report(&[
            ("child", "NS", &["ns.example.net."]),
            ("child", "DNAME", &["example.net."]),
        ]);
        assert!(
            errors.iter().any(|e| e.starts_with(
                "child.example.com. DNAME: a DNAME cannot share its name with NS records below \
                 the zone apex"
            )),
            "{errors:?}"
        );
        let (errors, _) = report(&[("@", "DNAME", &["example.org."])]);
        assert!(
            !errors.iter().any(|e| e.contains("NS records below")),
            "{errors:?}"
        );
    }

    #[test]
    fn host_names_below_a_dname_and_wildcard_dnames_are_warnings() {
        let (errors, warnings) = report(&[
            ("old", "DNAME", &["example.net."]),
            ("mx", "MX", &["10 mail.old"]),
            ("_sip._tcp", "SRV", &["0 0 5060 sip.old"]),
            ("child", "NS", &["ns.old"]),
            ("*.wild", "DNAME", &["example.org."]),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        for expected in [
            "mx.example.com. MX: mail.old.example.com. is below the DNAME at old.example.com.",
            "_sip._tcp.example.com. SRV: sip.old.example.com. is below the DNAME",
            "child.example.com. NS: ns.old.example.com. is below the DNAME",
            "*.wild.example.com. DNAME: a DNAME should not have a wildcard owner",
        ] {
            assert!(
                warnings.iter().any(|w| w.starts_with(expected)),
                "{expected}: {warnings:?}"
            );
        }
    }
}
