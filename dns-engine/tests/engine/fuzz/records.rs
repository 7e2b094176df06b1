//! Target 3: the record parser and the RRset rules — [`Rdata::parse_as`] in both syntaxes
//! (zone file and console) for every supported type and the generic form, then
//! [`assemble_rrset`] over what was parsed.
//!
//! An input is a line `[owner] TYPE` followed by one line of record data per record (crash
//! files keep that layout). Invariants for every record accepted: its wire length is the one it
//! reports; its canonical text parses again — in both syntaxes, and with another origin, since
//! the canonical text has only absolute names — to the same canonical text and the same wire
//! octets; and its generic form (`\# <length> <hex>`, RFC 3597 §5) parses to the same octets.
//! For every RRset accepted: its canonical texts validate again (`validate_rrset`) to the same
//! RRset.

use dns_engine::model::{
    assemble_rrset, parse_type, type_name, validate_rrset, Rdata, Syntax, SUPPORTED_TYPES,
};
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::binary::{BinEncodable, BinEncoder, NameEncoding};

use super::mutate::{mutate_text_bytes, Rng};
use super::runner::{feature, quoted, Target};
use super::zonefiles::shape;

/// Valid records of every supported type (and a few the console refuses), from the model's
/// tests, the import-fidelity corpus and real zones. Each is `TYPE data`; RRsets of several
/// records separate them with `|`.
const RECORDS: &[&str] = &[
    "A 192.0.2.1",
    "A 192.0.2.1|192.0.2.2|192.0.2.1",
    "AAAA 2001:DB8:0:0::1",
    "AAAA ::ffff:192.0.2.1",
    "CNAME www",
    "CNAME @",
    "CNAME xn--mnchen-3ya.example.",
    "@ CNAME www.example.net.",
    "MX 10 XN--Mnchen-3ya",
    "MX 0 .",
    "MX 10 mail|20 mail2.example.net.",
    "PTR host.example.net.",
    "NS ns1",
    "NS ns1|NS1.example.com.",
    "SRV 0 5 5060 sip",
    "SRV 10 60 5060 sip.example.com.",
    "TXT \"a\" \"b c\"",
    "TXT v=spf1 -all",
    "TXT \"say \\\"hi\\\" \\\\ \\010\"",
    "TXT \"\"",
    "TXT \"\\195\\133LAND\"",
    "TXT \"v=DKIM1; k=rsa; \" \"p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\"",
    "TXT ( \"Hi, this is some text\" )",
    "TXT unquoted words",
    "CAA 0 issue \"letsencrypt.org\"",
    "CAA 128 iodef mailto:sec@example.com",
    "CAA 0 issuewild \";\"",
    "DS 12345 13 2 e3b0c44298fc1c149afbf4c8996fb924 27ae41e4649b934ca495991b7852b855",
    "DS 258 8 1 0000000000000000000000000000000000000000",
    "TLSA 3 1 1 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "_443._tcp TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "SSHFP 4 2 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "SSHFP 4 2 0123456789ABCDEF0123456789ABCDEF 0123456789ABCDEF0123456789ABCDEF",
    "NAPTR 100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp",
    "NAPTR 100 50 \"a\" \"z3950+N2L+N2C\" \"!^urn:cid:.+@([^\\.]+\\.)(.*)$!\\2!i\" .",
    "@ SOA ns1 hostmaster 1 7200 3600 1209600 300",
    "@ SOA ns1.example.com. hostmaster.example.com. ( 2024010101 7200 3600 1209600 300 )",
    "AFSDB 1 afs",
    "APL 1:192.168.32.0/21 !1:192.168.38.0/28 2:2001:db8::/32",
    "APL",
    "CDNSKEY 0 3 0 AA==",
    "CDNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
    "CDS 0 0 0 00",
    "CDS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "CERT PGP 0 0 AQID",
    "CERT 1 65535 RSASHA256 AQIDBAUGBwgJ",
    "CSYNC 66 3 A NS AAAA",
    "CSYNC 0 0",
    "DHCID AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=",
    "DNAME example.net.",
    "DNAME Other.Example.NET.",
    "DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0d xCjjnopKl+GqJxpVXckHAeF+KkxLbxIL fDLUT0rAK9iUzy1L53eKGQ==",
    "EUI48 00-00-5E-00-53-2A",
    "EUI64 00-00-5e-ef-10-00-00-2a",
    "HINFO \"PC\" Linux",
    "KX 10 kx",
    "L32 10 10.1.2.0",
    "L64 10 2001:0DB8:1140:1000",
    "LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m",
    "LOC 42 21 54 N 71 06 18 W -24m 30m",
    "LOC 90 S 180 W 42849672.95m 90000000m 90000000m 90000000m",
    "LP 10 l64-subnet1",
    "NID 10 0014:4fff:ff20:ee64",
    "OPENPGPKEY AQID BA==",
    "RP hostmaster.example.com. .",
    "RP hostmaster txt",
    "SMIMEA 3 1 0 AABB",
    "SPF \"v=spf1 -all\"",
    "URI 10 1 \"ftp://ftp1.example.com/public\"",
    "HTTPS 1 . alpn=h2,h3 port=1500",
    "HTTPS 1 . alpn=\"h2,h3\" ipv4hint=192.0.2.1,192.0.2.2",
    "HTTPS 0 svc.example.net.",
    "SVCB 0 svc",
    "SVCB 16 foo.example.org. key667=\"hello\\210qoo\" port=53 mandatory=port",
    "SVCB 1 . alpn=\"f\\\\\\\\oo\\\\,bar,h2\"",
    "SVCB 1 . ipv6hint=2001:db8::1,2001:db8::53:1 dohpath=/dns-query{?dns}",
    "HTTPS 1 svc no-default-alpn alpn=h2 ech=AEP+DQA/",
    "TYPE65534 \\# 5 07ED260001",
    "TYPE65534 \\# 0",
    "TYPE1 \\# 4 C0000201",
    "MX \\# 7 000A04C0000201",
    "TYPE99 \"v=spf1 -all\"",
    // Rejected ones: a mutation may make them acceptable, or reject them another way.
    "A 300.0.0.1",
    "MX 10 192.0.2.1",
    "CAA 0 iodef \"ftp://x\"",
    "DS 1 13 2 abcd",
    "TXT \"bad \\300\"",
    "LOC 10 N 0 E 0m 25m",
    "HTTPS 1 . mandatory=alpn",
    "RRSIG A 13 3 300 20300101000000 20200101000000 1 example.com. AA==",
];

/// Words the record parsers care about, beyond the shared dictionary.
const DICTIONARY: &[&str] = &[
    "A",
    "NS",
    "MX",
    "AAAA",
    "TXT",
    "SOA",
    "CNAME",
    "DNAME",
    "SVCB",
    "HTTPS",
    "LOC",
    "APL",
    "DS",
    "CDS",
    "CSYNC",
    "TYPE65534",
    "NSEC",
    "RRSIG",
    "PGP",
    "PKIX",
    "URI",
    "OID",
    "RSASHA256",
    "ECDSAP256SHA256",
    "ED25519",
    "PRIVATEOID",
    "mandatory=port",
    "alpn=h2,h3",
    "port=53",
    "ipv4hint=192.0.2.1",
    "ipv6hint=2001:db8::1",
    "key0=",
    "key65534=\"x\"",
    "ech=",
    "no-default-alpn",
    "dohpath=",
    "ohttp",
    "192.0.2.1",
    "2001:db8::1",
    "::",
    "::ffff:1.2.3.4",
    "1:192.0.2.0/24",
    "2:2001:db8::/32",
    "!1:0.0.0.0/0",
    "00-00-5e-00-53-2a",
    "0014:4fff:ff20:ee64",
    "52 22 23.000 N",
    "4 53 32.000 E",
    "-100000m",
    "0.01m",
    "|",
    "||",
    " | ",
];

/// `owner TYPE` (or `TYPE`) and the records, one per line.
fn input(record: &str) -> Vec<u8> {
    let (head, data) = record.split_once(' ').unwrap_or((record, ""));
    // A first word in capitals is the type; anything else (`@`, `_443._tcp`) is the owner.
    let is_type = head
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    let (head, data) = if is_type {
        (head.to_owned(), data)
    } else {
        let (rtype, data) = data.split_once(' ').unwrap_or((data, ""));
        (format!("{head} {rtype}"), data)
    };
    let records: Vec<&str> = data.split('|').collect();
    format!("{head}\n{}", records.join("\n")).into_bytes()
}

/// `data` in wire form, names uncompressed and their case kept: what the record serves.
fn wire(data: &RData) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut encoder = BinEncoder::new(&mut out);
    encoder.set_name_encoding(NameEncoding::Uncompressed);
    data.emit(&mut encoder)
        .map_err(|err| format!("the record data cannot be encoded: {err}"))?;
    Ok(out)
}

fn upper_hex(octets: &[u8]) -> String {
    octets.iter().map(|b| format!("{b:02X}")).collect()
}

/// The record parser and RRset rules as a fuzz target.
pub struct Records {
    origin: Name,
    other_origin: Name,
}

impl Records {
    pub fn new() -> Self {
        Self {
            origin: Name::from_ascii("example.com.").unwrap(),
            other_origin: Name::from_ascii("elsewhere.example.").unwrap(),
        }
    }

    /// The round trips of one accepted record.
    fn round_trip(&self, rtype: RecordType, rdata: &Rdata) -> Result<(), String> {
        let what = format!("{} {:?}", type_name(rtype), rdata.text());
        if rdata.record_type() != rtype {
            return Err(format!(
                "{what}: parsed as a {} record",
                type_name(rdata.record_type())
            ));
        }
        let octets = wire(rdata.data()).map_err(|err| format!("{what}: {err}"))?;
        if octets.len() != rdata.wire_len() {
            return Err(format!(
                "{what}: says it is {} octets on the wire, but is {}",
                rdata.wire_len(),
                octets.len()
            ));
        }
        for (syntax, origin) in [
            (Syntax::ZoneFile, &self.origin),
            (Syntax::Console, &self.origin),
            (Syntax::Console, &self.other_origin),
        ] {
            let (again, _) = Rdata::parse_as(rtype, rdata.text(), origin, syntax).map_err(|err| {
                format!("{what}: the canonical text does not parse again ({syntax:?}, origin {origin}): {err}")
            })?;
            if again.text() != rdata.text() {
                return Err(format!(
                    "{what}: the canonical text is not canonical; it parses ({syntax:?}, origin \
                     {origin}) to {:?}",
                    again.text()
                ));
            }
            let again_octets = wire(again.data()).map_err(|err| format!("{what}: {err}"))?;
            if again_octets != octets {
                return Err(format!(
                    "{what}: the canonical text ({syntax:?}, origin {origin}) gives other octets: \
                     {} instead of {}",
                    upper_hex(&again_octets),
                    upper_hex(&octets)
                ));
            }
        }
        let generic = if octets.is_empty() {
            "\\# 0".to_owned()
        } else {
            format!("\\# {} {}", octets.len(), upper_hex(&octets))
        };
        let (from_generic, _) = Rdata::parse_as(rtype, &generic, &self.origin, Syntax::Console)
            .map_err(|err| format!("{what}: its generic form {generic} is refused: {err}"))?;
        let generic_octets = wire(from_generic.data()).map_err(|err| format!("{what}: {err}"))?;
        if generic_octets != octets {
            return Err(format!(
                "{what}: its generic form {generic} reads as other octets: {}",
                upper_hex(&generic_octets)
            ));
        }
        Ok(())
    }

    fn check(&self, text: &str, features: &mut Vec<u64>) -> Result<(), String> {
        let mut lines = text.split('\n');
        let head = lines.next().unwrap_or_default();
        let records: Vec<&str> = lines.collect();
        let (owner, type_text) = match head.trim().rsplit_once(char::is_whitespace) {
            Some((owner, rtype)) => (owner.trim(), rtype),
            None => ("fuzz", head.trim()),
        };
        let rtype = match parse_type(type_text) {
            Ok(rtype) => rtype,
            Err(message) => {
                features.push(feature(("type", shape(&message))));
                return Ok(());
            }
        };
        let code = u16::from(rtype);
        for syntax in [Syntax::ZoneFile, Syntax::Console] {
            let console = syntax == Syntax::Console;
            let parsed: Vec<Result<Rdata, String>> = records
                .iter()
                .map(|data| {
                    Rdata::parse_as(rtype, data, &self.origin, syntax).map(|(rdata, warnings)| {
                        for warning in &warnings {
                            features.push(feature((code, console, shape(warning))));
                        }
                        rdata
                    })
                })
                .collect();
            for result in &parsed {
                match result {
                    Ok(rdata) => {
                        features.push(feature((code, console, "ok")));
                        self.round_trip(rtype, rdata)?;
                    }
                    Err(message) => features.push(feature((code, console, shape(message)))),
                }
            }
            let assembled = assemble_rrset(
                &self.origin,
                owner,
                Ok(rtype),
                300,
                parsed,
                records.is_empty(),
            );
            match assembled {
                Ok(rrset) => {
                    let again = validate_rrset(
                        &self.origin,
                        &rrset.name().to_ascii(),
                        &type_name(rtype),
                        i64::from(rrset.ttl()),
                        &rrset.texts(),
                    )
                    .map_err(|errors| {
                        format!(
                            "the canonical RRset {:?} does not validate again: {errors:?}",
                            rrset.texts()
                        )
                    })?;
                    if again != rrset {
                        return Err(format!(
                            "the canonical RRset {:?} validates again as {:?}",
                            rrset.texts(),
                            again.texts()
                        ));
                    }
                    features.push(feature((code, console, rrset.records().len().min(4))));
                }
                Err(errors) => {
                    for error in &errors {
                        let field = error.field.split('[').next().unwrap_or_default();
                        features.push(feature((code, console, field, shape(&error.message))));
                    }
                }
            }
        }
        Ok(())
    }
}

impl Target for Records {
    fn name(&self) -> &'static str {
        "records"
    }

    fn extension(&self) -> &'static str {
        "txt"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let mut seeds: Vec<Vec<u8>> = RECORDS.iter().map(|r| input(r)).collect();
        // Every type the console offers has a seed, so a type added later is fuzzed too.
        for rtype in SUPPORTED_TYPES {
            let name = type_name(*rtype);
            assert!(
                RECORDS
                    .iter()
                    .any(|r| r.split(' ').take(2).any(|w| w == name)),
                "no seed record for {name}"
            );
        }
        // The generic form of each valid seed.
        for record in RECORDS {
            let text = String::from_utf8(input(record)).unwrap();
            let (head, data) = text.split_once('\n').unwrap_or((&text, ""));
            let type_text = head.rsplit(' ').next().unwrap_or(head);
            let Ok(rtype) = parse_type(type_text) else {
                continue;
            };
            let Some(data) = data.lines().next() else {
                continue;
            };
            if let Ok(rdata) = Rdata::parse(rtype, data, &self.origin) {
                let octets = wire(rdata.data()).unwrap();
                seeds.push(
                    format!("{head}\n\\# {} {}", octets.len(), upper_hex(&octets)).into_bytes(),
                );
            }
        }
        seeds
    }

    fn mutate(&self, rng: &mut Rng, input: &mut Vec<u8>, other: &[u8]) {
        mutate_text_bytes(rng, input, other, DICTIONARY);
    }

    fn max_len(&self) -> usize {
        16 * 1024
    }

    fn run(&self, input: &[u8], features: &mut Vec<u64>) -> Result<(), String> {
        self.check(&String::from_utf8_lossy(input), features)
    }

    fn show(&self, input: &[u8]) -> String {
        quoted(input, 2000)
    }
}
