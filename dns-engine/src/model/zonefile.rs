//! Zone files (RFC 1035 §5): rendering a zone for export.
//!
//! The output is what `named-checkzone` and other servers read: `$ORIGIN` first, then the SOA,
//! then one record per line in canonical name order (RFC 4034 §6.1), owners relative to the
//! origin, every TTL and the class written out, data in canonical presentation form with
//! absolute names — so the file means the same thing whatever `$ORIGIN` a reader assumes for
//! the data. Importing (parsing a BIND zone file into RRsets) is not written yet.

use std::fmt::Write as _;

use hickory_proto::rr::{Name, RecordType};

use super::name::relative_name;
use super::rrset::Rrset;
use super::LowerName;

/// Renders the zone `origin` made of `rrsets` as a zone file.
pub fn render_zone(origin: &Name, rrsets: &[Rrset]) -> String {
    let mut sorted: Vec<&Rrset> = rrsets.iter().collect();
    // SOA first (RFC 1035 §5.2: "exactly one SOA RR should be present at the top of the
    // zone"), then canonical name order, then type number for a stable diff.
    sorted.sort_by_key(|rrset| {
        (
            rrset.record_type() != RecordType::SOA,
            LowerName::new(rrset.name()),
            u16::from(rrset.record_type()),
        )
    });
    let mut out = String::new();
    let _ = writeln!(out, "$ORIGIN {origin}");
    for rrset in sorted {
        let owner = relative_name(rrset.name(), origin);
        for record in rrset.records() {
            let _ = writeln!(
                out,
                "{owner}\t{}\tIN\t{}\t{}",
                rrset.ttl(),
                rrset.record_type(),
                record.text()
            );
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::super::validate_rrset;
    use super::*;

    #[test]
    fn soa_first_then_canonical_order_one_record_per_line() {
        let origin = Name::from_ascii("example.com.").unwrap();
        let rrset = |name: &str, rtype: &str, records: &[&str]| {
            validate_rrset(&origin, name, rtype, 300, records).unwrap()
        };
        let rrsets = [
            rrset("www", "A", &["192.0.2.1", "192.0.2.2"]),
            rrset("@", "NS", &["ns1"]),
            rrset("*.dev", "TXT", &["say \"hi\""]),
            rrset("@", "SOA", &["ns1 hostmaster 1 7200 3600 1209600 300"]),
            rrset("a", "MX", &["10 mail.example.net."]),
        ];
        let text = render_zone(&origin, &rrsets);
        assert_eq!(
            text,
            "$ORIGIN example.com.\n\
             @\t300\tIN\tSOA\tns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300\n\
             @\t300\tIN\tNS\tns1.example.com.\n\
             a\t300\tIN\tMX\t10 mail.example.net.\n\
             *.dev\t300\tIN\tTXT\t\"say \\\"hi\\\"\"\n\
             www\t300\tIN\tA\t192.0.2.1\n\
             www\t300\tIN\tA\t192.0.2.2\n"
        );
    }
}
