//! Target 2: the zone-file reader, [`read_zone_file`], over mutated real zone files — the
//! server's import-fidelity corpus, the shared bench's zones (forward, reverse v4 and v6, the
//! provider's own), the behaviour tests' zones, a signed zone as BIND writes it, a file full of
//! errors — and the exports of all of them (`render_zone`), which other servers read.
//!
//! An input is the origin on its first line and the zone file after it (crash files keep that
//! layout). Invariants: no panic; every error and warning, every RRset and the SOA point at a
//! line of the file; and a file read without errors exports (`render_zone`) to a file that reads
//! back without errors as the same RRsets, whose zone checks (`check_zone`) and builds
//! (`Zone::new`) without a panic.

use dns_engine::model::{
    check_zone, parse_name, read_zone_file, render_zone, validate_rrset, NameRole, Rrset, ZoneFile,
    MAX_REPORTED,
};
use dns_engine::Zone;
use hickory_proto::rr::{Name, RecordType};

use super::mutate::{mutate_text_bytes, Rng};
use super::runner::{feature, quoted, Target};

/// The seed files and their origins.
const FILES: &[(&str, &str)] = &[
    (
        "fidelity.example.",
        include_str!("corpus/fidelity.example.zone"),
    ),
    (
        "example-403.test.",
        include_str!("corpus/example-403.test.zone"),
    ),
    ("big-1.test.", include_str!("corpus/big-1.test.zone")),
    ("dnshost.test.", include_str!("corpus/dnshost.test.zone")),
    (
        "20.10.in-addr.arpa.",
        include_str!("corpus/20.10.in-addr.arpa.zone"),
    ),
    (
        "4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.",
        include_str!("corpus/4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.zone"),
    ),
    ("example.com.", include_str!("corpus/example.com.zone")),
    ("example.org.", include_str!("corpus/example.org.zone")),
    (
        "errors.example.",
        include_str!("corpus/errors.example.zone"),
    ),
];

/// Words the reader treats specially, beyond the shared dictionary.
const DICTIONARY: &[&str] = &[
    "$ORIGIN",
    "$TTL",
    "$INCLUDE",
    "$GENERATE",
    "$origin",
    "SOA",
    "NS",
    "A",
    "AAAA",
    "CNAME",
    "DNAME",
    "MX",
    "TXT",
    "SRV",
    "PTR",
    "CAA",
    "DS",
    "DNSKEY",
    "RRSIG",
    "NSEC",
    "NSEC3",
    "NSEC3PARAM",
    "HTTPS",
    "SVCB",
    "LOC",
    "APL",
    "TLSA",
    "OPT",
    "ANY",
    "AXFR",
    "SPF",
    "IN",
    "in",
    "CLASS1",
    "TYPE1",
    "TYPE6",
    "TYPE5",
    "TYPE39",
    "\n\t",
    "\n ",
    "\n@ ",
    "\n* ",
];

/// The input layout: origin line, then the file.
fn input(origin: &str, text: &str) -> Vec<u8> {
    format!("{origin}\n{text}").into_bytes()
}

/// The whole zone of a file read without errors: its RRsets and the SOA.
fn rrsets(origin: &Name, file: &ZoneFile) -> Vec<Rrset> {
    let mut all: Vec<Rrset> = file.rrsets.iter().map(|f| f.rrset.clone()).collect();
    if let Some((_, soa)) = &file.soa {
        if let Ok(rrset) = validate_rrset(origin, "@", "SOA", 3600, &[soa.text()]) {
            all.push(rrset);
        }
    }
    all
}

fn sorted(mut rrsets: Vec<Rrset>) -> Vec<Rrset> {
    rrsets.sort_by_key(|r| (r.name().to_lowercase(), u16::from(r.record_type())));
    rrsets
}

/// A message without what varies from one input to the next (the data quoted, names, numbers),
/// so that features count kinds of problem rather than instances: the words of the rule, which
/// follows the quoted data (`owner TYPE "data": rule`). Data can hold quotes itself, so the
/// rule is what follows the last one.
pub fn shape(message: &str) -> String {
    let rule = message.rfind('"').map_or(message, |at| &message[at + 1..]);
    let words: Vec<&str> = rule
        .split_whitespace()
        .filter(|w| {
            w.len() <= 16
                && w.bytes()
                    .all(|b| b.is_ascii_alphabetic() || b"(),:;-'".contains(&b))
        })
        .take(8)
        .collect();
    words.join(" ")
}

/// The zone-file reader as a fuzz target.
pub struct ZoneFiles;

impl ZoneFiles {
    fn check(origin: &Name, text: &str, features: &mut Vec<u64>) -> Result<(), String> {
        let file = read_zone_file(text, origin, 3600);
        let last_line = text.matches('\n').count() + 1;
        let within = |line: usize, what: &str| {
            if (1..=last_line).contains(&line) {
                Ok(())
            } else {
                Err(format!(
                    "{what} is on line {line}; the file has {last_line} lines"
                ))
            }
        };
        for issue in &file.errors {
            within(issue.line, &format!("the error {:?}", issue.message))?;
        }
        for issue in &file.warnings {
            within(issue.line, &format!("the warning {:?}", issue.message))?;
        }
        for rrset in &file.rrsets {
            if rrset.lines.len() != rrset.rrset.records().len() {
                return Err(format!(
                    "{} {}: {} records but {} lines",
                    rrset.rrset.name(),
                    rrset.rrset.type_name(),
                    rrset.rrset.records().len(),
                    rrset.lines.len()
                ));
            }
            for line in &rrset.lines {
                within(*line, &format!("a record of {}", rrset.rrset.name()))?;
            }
        }
        if let Some((line, _)) = &file.soa {
            within(*line, "the SOA")?;
        }
        if file.errors.len() > MAX_REPORTED {
            return Err(format!(
                "{} errors reported, more than {MAX_REPORTED}",
                file.errors.len()
            ));
        }

        features.push(feature((
            file.errors.len().min(4),
            file.warnings.len().min(4),
            file.soa.is_some(),
            file.rrsets.len().min(16),
        )));
        for issue in &file.errors {
            features.push(feature(("error", shape(&issue.message))));
        }
        for issue in &file.warnings {
            features.push(feature(("warning", shape(&issue.message))));
        }
        if !file.errors.is_empty() {
            return Ok(());
        }

        // Export and read back: the same zone.
        let zone = rrsets(origin, &file);
        let export = render_zone(origin, &zone);
        let again = read_zone_file(&export, origin, 3600);
        if let Some(error) = again.errors.first() {
            return Err(format!(
                "the export does not read back: line {}: {}\n  export: {export:?}",
                error.line, error.message
            ));
        }
        if sorted(rrsets(origin, &again)) != sorted(zone.clone()) {
            return Err(format!(
                "the export reads back as other RRsets\n  export: {export:?}"
            ));
        }
        let report = check_zone(origin, &zone);
        for issue in report.errors.iter().chain(&report.warnings) {
            features.push(feature(("zone", shape(&issue.message))));
        }
        if report.is_ok() && zone.iter().any(|r| r.record_type() == RecordType::SOA) {
            features.push(feature(("built", Zone::new(origin, zone).is_ok())));
        }
        Ok(())
    }
}

impl Target for ZoneFiles {
    fn name(&self) -> &'static str {
        "zonefiles"
    }

    fn extension(&self) -> &'static str {
        "zone"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let mut seeds: Vec<Vec<u8>> = FILES.iter().map(|(o, t)| input(o, t)).collect();
        // The exports too: what Zonekeeper itself writes is read back by it.
        for (origin_text, text) in FILES {
            let origin = Name::from_ascii(origin_text).unwrap();
            let file = read_zone_file(text, &origin, 3600);
            if file.errors.is_empty() {
                seeds.push(input(
                    origin_text,
                    &render_zone(&origin, &rrsets(&origin, &file)),
                ));
            }
        }
        seeds
    }

    fn mutate(&self, rng: &mut Rng, input: &mut Vec<u8>, other: &[u8]) {
        // The origin line stays as it is most of the time; the file is what is fuzzed.
        let split = input
            .iter()
            .position(|b| *b == b'\n')
            .map_or(input.len(), |at| at + 1);
        if split < input.len() && !rng.one_in(16) {
            let mut file = input.split_off(split);
            let other_split = other
                .iter()
                .position(|b| *b == b'\n')
                .map_or(0, |at| at + 1);
            mutate_text_bytes(rng, &mut file, &other[other_split..], DICTIONARY);
            input.extend_from_slice(&file);
        } else {
            mutate_text_bytes(rng, input, other, DICTIONARY);
        }
    }

    fn max_len(&self) -> usize {
        16 * 1024
    }

    fn run(&self, input: &[u8], features: &mut Vec<u64>) -> Result<(), String> {
        let text = String::from_utf8_lossy(input);
        let (origin, file) = text.split_once('\n').unwrap_or((&text, ""));
        // The server passes a checked zone name (host-name labels); anything else is not this
        // target's input.
        let Ok(origin) = parse_name(origin, &Name::root(), NameRole::Host) else {
            return Ok(());
        };
        Self::check(&origin, file, features)
    }

    fn show(&self, input: &[u8]) -> String {
        quoted(input, 3000)
    }
}

#[test]
fn the_seed_files_read_as_intended() {
    for (origin_text, text) in FILES {
        let origin = Name::from_ascii(origin_text).unwrap();
        let file = read_zone_file(text, &origin, 3600);
        if *origin_text == "errors.example." {
            assert!(file.errors.len() >= 8, "{:?}", file.errors);
        } else {
            assert!(file.errors.is_empty(), "{origin_text}: {:?}", file.errors);
            assert!(
                file.soa.is_some() || !file.rrsets.is_empty(),
                "{origin_text}"
            );
        }
    }
}
