//! RRsets as the API receives them: owner relative to the zone, type mnemonic, TTL, and records
//! in presentation format. [`validate_rrset`] checks all of it and returns either the RRset in
//! canonical form or every problem found, each with the field it belongs to.

use std::fmt;

use hickory_proto::rr::{Name, RecordType};

use super::name::{parse_name, NameRole};
use super::rdata::{parse_type, type_name, Rdata};

/// The smallest TTL accepted. Zero is legal in DNS but defeats caching; no console offers it.
pub const MIN_TTL: u32 = 1;

/// RFC 2181 §8: a TTL is "a value in the range 0 to 2147483647".
pub const MAX_TTL: u32 = 2_147_483_647;

/// Most records in one RRset (deSEC's limit). Larger sets cannot be answered over UDP anyway,
/// and every answer, signature and transfer of the set costs in proportion to its size.
pub const MAX_RRSET_RECORDS: usize = 4091;

/// Most octets one RRset takes on the wire, owner names and record headers included (deSEC's
/// limit): it must fit a 64 KiB TCP message with its question, and its signature.
pub const MAX_RRSET_BYTES: usize = 64_000;

/// One problem a user can fix: the field (`name`, `type`, `ttl`, `records`, `records[i]`) and
/// the rule it breaks, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Which input field: `name`, `type`, `ttl`, `records` or `records[i]` (0-based).
    pub field: String,
    /// What is wrong, quoting the offending value.
    pub message: String,
}

impl FieldError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A checked RRset: absolute owner (spelling kept), type, TTL and records in canonical form,
/// without duplicates, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rrset {
    name: Name,
    rtype: RecordType,
    ttl: u32,
    records: Vec<Rdata>,
}

impl Rrset {
    /// The absolute owner name, spelled as entered.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The record type.
    pub fn record_type(&self) -> RecordType {
        self.rtype
    }

    /// The TTL shared by every record of the set (RFC 2181 §5.2).
    pub fn ttl(&self) -> u32 {
        self.ttl
    }

    /// The records, never empty.
    pub fn records(&self) -> &[Rdata] {
        &self.records
    }

    /// The type's mnemonic, or `TYPEnnn` for a type known only by number (RFC 3597 §5).
    pub fn type_name(&self) -> String {
        type_name(self.rtype)
    }

    /// The records' canonical presentation texts, as the store keeps them.
    pub fn texts(&self) -> Vec<String> {
        self.records.iter().map(|r| r.text().to_owned()).collect()
    }
}

/// Checks one RRset of the zone `origin`.
///
/// `name` is relative to the zone (`@` is the apex, a trailing dot makes it absolute), `rtype` a
/// mnemonic such as `MX`, `ttl` in seconds (signed, so that a negative input gets a message
/// rather than a parse failure elsewhere), and `records` the data of each record in
/// presentation format. On success the RRset is in canonical form: absolute names, lower-case
/// hex, quoted TXT chunks of at most 255 octets. Otherwise every problem is returned, not just
/// the first, each naming its field.
pub fn validate_rrset<S: AsRef<str>>(
    origin: &Name,
    name: &str,
    rtype: &str,
    ttl: i64,
    records: &[S],
) -> Result<Rrset, Vec<FieldError>> {
    let rtype = parse_type(rtype);
    let parsed: Vec<Result<Rdata, String>> = match &rtype {
        Ok(rtype) => records
            .iter()
            .map(|text| {
                Rdata::parse(*rtype, text.as_ref(), origin)
                    .map_err(|message| format!("\"{}\": {message}", text.as_ref().trim()))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let empty = records.is_empty();
    assemble_rrset(origin, name, rtype, ttl, parsed, empty)
}

/// The RRset rules of [`validate_rrset`] for records parsed already (a zone file's records,
/// each read with the `$ORIGIN` of its line): `rtype` as parsed, each record parsed or the
/// message saying why not (reported as `records[i]`), `empty` when no record was given.
pub fn assemble_rrset(
    origin: &Name,
    name: &str,
    rtype: Result<RecordType, String>,
    ttl: i64,
    records: Vec<Result<Rdata, String>>,
    empty: bool,
) -> Result<Rrset, Vec<FieldError>> {
    let mut errors = Vec::new();

    let owner = match parse_name(name, origin, NameRole::Owner) {
        Ok(owner) if !origin.zone_of(&owner) => {
            errors.push(FieldError::new(
                "name",
                format!("\"{owner}\" is outside the zone {origin}"),
            ));
            None
        }
        Ok(owner) => Some(owner),
        Err(message) => {
            errors.push(FieldError::new("name", message));
            None
        }
    };

    let rtype = match rtype {
        Ok(rtype) => Some(rtype),
        Err(message) => {
            errors.push(FieldError::new("type", message));
            None
        }
    };

    let ttl = match u32::try_from(ttl) {
        Ok(ttl) if (MIN_TTL..=MAX_TTL).contains(&ttl) => Some(ttl),
        _ => {
            errors.push(FieldError::new(
                "ttl",
                format!("a TTL must be between {MIN_TTL} and {MAX_TTL} seconds, not {ttl}"),
            ));
            None
        }
    };

    if let (Some(owner), Some(rtype)) = (&owner, rtype) {
        if rtype == RecordType::SOA && owner != origin {
            errors.push(FieldError::new(
                "type",
                "an SOA record belongs only at the zone apex (@)",
            ));
        }
        if rtype == RecordType::CNAME && owner == origin {
            errors.push(FieldError::new(
                "type",
                "a CNAME cannot be at the zone apex, which always has SOA and NS records \
                 (RFC 1034 §3.6.2)",
            ));
        }
        if rtype == RecordType::DS && owner == origin {
            errors.push(FieldError::new(
                "type",
                "a DS record belongs in the parent zone, at a delegation point; not at the apex",
            ));
        }
    }

    // Sized exactly: most RRsets hold one record, and a zone's load holds every RRset's
    // records at once (four slots a first push reserves would be most of that memory).
    let mut parsed: Vec<Rdata> = Vec::with_capacity(records.len());
    if empty {
        errors.push(FieldError::new(
            "records",
            "an RRset needs at least one record",
        ));
    }
    if let Some(rtype) = rtype {
        let mut first_index: Vec<usize> = Vec::with_capacity(records.len());
        let count = records.len();
        for (index, record) in records.into_iter().enumerate() {
            let field = || format!("records[{index}]");
            match record {
                Ok(rdata) => {
                    // RFC 2181 §5: "the RRs in a set may not all be identical" — a second copy
                    // would be silently merged by every server; tell the user instead.
                    if let Some(pos) = parsed.iter().position(|seen| seen.data() == rdata.data()) {
                        let earlier = first_index.get(pos).copied().unwrap_or_default();
                        errors.push(FieldError::new(
                            field(),
                            format!(
                                "\"{}\" duplicates records[{earlier}]; an RRset may hold each \
                                 record only once (RFC 2181 §5)",
                                rdata.text()
                            ),
                        ));
                    } else {
                        parsed.push(rdata);
                        first_index.push(index);
                    }
                }
                Err(message) => errors.push(FieldError::new(field(), message)),
            }
        }
        if count > MAX_RRSET_RECORDS {
            errors.push(FieldError::new(
                "records",
                format!(
                    "an RRset may hold at most {MAX_RRSET_RECORDS} records; this one has {count}"
                ),
            ));
        }
        // Each record on the wire: the owner name, type, class, TTL and length (10 octets),
        // then its data.
        let owner_len = owner.as_ref().map_or(0, super::name::wire_len);
        let bytes: usize = parsed.iter().map(|r| owner_len + 10 + r.wire_len()).sum();
        if bytes > MAX_RRSET_BYTES {
            errors.push(FieldError::new(
                "records",
                format!(
                    "the RRset takes {bytes} octets on the wire; at most {MAX_RRSET_BYTES} are \
                     allowed (it must fit one TCP message, with its signature)"
                ),
            ));
        }
        // RFC 1034 §3.6.2 (CNAME), RFC 6672 §2.4 (DNAME): one record per owner.
        if matches!(
            rtype,
            RecordType::CNAME | RecordType::SOA | RecordType::DNAME
        ) && count > 1
        {
            errors.push(FieldError::new(
                "records",
                format!("a {} RRset holds exactly one record", type_name(rtype)),
            ));
        }
    }

    match (owner, rtype, ttl) {
        (Some(name), Some(rtype), Some(ttl)) if errors.is_empty() => Ok(Rrset {
            name,
            rtype,
            ttl,
            records: parsed,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn origin() -> Name {
        Name::from_ascii("example.com.").unwrap()
    }

    fn errors(name: &str, rtype: &str, ttl: i64, records: &[&str]) -> Vec<String> {
        validate_rrset(&origin(), name, rtype, ttl, records)
            .expect_err("should be rejected")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn has(errors: &[String], field: &str, text: &str) -> bool {
        errors
            .iter()
            .any(|e| e.starts_with(&format!("{field}: ")) && e.contains(text))
    }

    #[test]
    fn a_valid_rrset_comes_back_canonical() {
        let rrset = validate_rrset(
            &origin(),
            "Mail",
            "mx",
            3600,
            &["10 mx1", "20 mx2.example.net."],
        )
        .unwrap();
        assert_eq!(rrset.name().to_string(), "Mail.example.com.");
        assert_eq!(rrset.record_type(), RecordType::MX);
        assert_eq!(rrset.ttl(), 3600);
        assert_eq!(
            rrset.texts(),
            ["10 mx1.example.com.", "20 mx2.example.net."]
        );
    }

    #[test]
    fn each_field_is_checked_and_all_errors_are_reported() {
        let errs = errors(&"a".repeat(64), "BOGUS", 0, &[]);
        assert!(has(&errs, "name", "at most 63"), "{errs:?}");
        assert!(
            has(&errs, "type", "not a record type known here"),
            "{errs:?}"
        );
        assert!(has(&errs, "ttl", "between 1 and 2147483647"), "{errs:?}");
        assert!(has(&errs, "records", "at least one"), "{errs:?}");
        assert!(has(
            &errors("www", "A", 2_147_483_648, &["192.0.2.1"]),
            "ttl",
            "between"
        ));
        assert!(has(
            &errors("www", "A", -5, &["192.0.2.1"]),
            "ttl",
            "not -5"
        ));
        assert!(validate_rrset(&origin(), "www", "A", 2_147_483_647, &["192.0.2.1"]).is_ok());
        // Size limits (the query-of-death RRset: 4,000 MX records).
        let many: Vec<String> = (0..4092)
            .map(|i| format!("10.0.{}.{}", i / 256, i % 256))
            .collect();
        assert!(has(
            &errors(
                "www",
                "A",
                300,
                &many.iter().map(String::as_str).collect::<Vec<_>>()
            ),
            "records",
            "at most 4091 records"
        ));
        let mx: Vec<String> = (0..4000)
            .map(|i| format!("{i} mail-{i}.example.net."))
            .collect();
        assert!(has(
            &errors(
                "@",
                "MX",
                300,
                &mx.iter().map(String::as_str).collect::<Vec<_>>()
            ),
            "records",
            "at most 64000 are allowed"
        ));
    }

    #[test]
    fn record_errors_name_their_index() {
        let errs = errors("@", "MX", 300, &["10 mail", "20 mx2", "30 192.0.2.1"]);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            has(
                &errs,
                "records[2]",
                "\"30 192.0.2.1\": MX target must be a host name, not an IP address"
            ),
            "{errs:?}"
        );
    }

    #[test]
    fn duplicates_are_errors_even_when_spelled_differently() {
        let errs = errors("www", "A", 300, &["192.0.2.1", "192.0.2.2", "192.0.2.1"]);
        assert!(
            has(&errs, "records[2]", "duplicates records[0]"),
            "{errs:?}"
        );
        let errs = errors("@", "NS", 300, &["ns1", "NS1.example.com."]);
        assert!(
            has(&errs, "records[1]", "duplicates records[0]"),
            "{errs:?}"
        );
    }

    #[test]
    fn owner_rules() {
        assert!(has(
            &errors("www.example.net.", "A", 300, &["192.0.2.1"]),
            "name",
            "outside the zone"
        ));
        assert!(validate_rrset(&origin(), "a.*", "A", 300, &["192.0.2.1"]).is_ok());
        assert!(has(
            &errors("@", "CNAME", 300, &["x.example.net."]),
            "type",
            "apex"
        ));
        assert!(has(
            &errors("www", "SOA", 300, &["ns1 h 1 2 3 4 5"]),
            "type",
            "apex"
        ));
        assert!(has(
            &errors("@", "DS", 300, &[&format!("1 13 2 {}", "00".repeat(32))]),
            "type",
            "delegation"
        ));
        assert!(has(
            &errors("www", "CNAME", 300, &["a", "b"]),
            "records",
            "exactly one"
        ));
        for ok in ["_dmarc", "_443._tcp.www", "*", "*.dev", "@", "example.com."] {
            assert!(
                validate_rrset(&origin(), ok, "TXT", 300, &["v=x"]).is_ok(),
                "{ok}"
            );
        }
    }
}
