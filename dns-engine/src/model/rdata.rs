//! Record data: parsing one record from presentation format (RFC 1035 §5.1 and each type's RFC),
//! checking it, and printing it back in one canonical spelling.
//!
//! Every record is kept twice: as its canonical presentation text (what the store and the API
//! hold, and what the UI shows) and as hickory [`RData`] (what goes on the wire). Both come from
//! the same parse, so they cannot disagree: the text is parsed into the record's fields, the
//! fields are written as wire octets and printed as the canonical text. Records in the generic
//! form of RFC 3597 (`\# 4 C0000201`) are read into the same fields when the type is known, and
//! kept as opaque octets when it is not; either way they are served exactly as given.
//!
//! Most types are a sequence of simple fields ([`Field`]); SVCB/HTTPS, LOC and APL have a
//! grammar of their own (their own modules).

use std::net::{Ipv4Addr, Ipv6Addr};

use hickory_proto::rr::rdata::NULL;
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::binary::{
    BinDecoder, BinEncodable, BinEncoder, NameEncoding, Restrict,
};

use super::name::{is_ip_literal, parse_name, NameRole};

mod apl;
mod loc;
mod svcb;
mod text;

pub use text::MAX_CHARACTER_STRING;
use text::{base64, expect_count, hex, number, quote, to_base64, tokenize, upper_hex, Token};

/// One record type Zonekeeper knows by name: mnemonic, code, and how its data is written.
struct TypeInfo {
    name: &'static str,
    code: u16,
    layout: Layout,
}

/// How a type's data is read and printed.
#[derive(Clone, Copy)]
enum Layout {
    /// A sequence of fields (the last one may take the rest of the tokens).
    Fields(&'static [Field]),
    /// RFC 9460 SVCB and HTTPS.
    Svcb,
    /// RFC 1876 LOC.
    Loc,
    /// RFC 3123 APL.
    Apl,
}

/// One field of record data.
#[derive(Clone, Copy)]
enum Field {
    U8(&'static str),
    U16(&'static str),
    U32(&'static str),
    /// A domain name in the role given; `true` when validators lower-case it for DNSSEC
    /// (RFC 4034 §6.2) but hickory serves the type as opaque data, so the wire form is written
    /// in lower case (the text keeps the spelling).
    Name(&'static str, NameRole, bool),
    V4(&'static str),
    V6(&'static str),
    /// One `<character-string>`.
    Str(&'static str),
    /// One or more `<character-string>`s (TXT, SPF).
    Strs,
    /// A `<character-string>` printed without quotes (the CAA tag).
    Tag(&'static str),
    /// The rest of the data as one string without a length octet (CAA value, URI target).
    Rest(&'static str),
    /// The rest as hexadecimal digits, whitespace allowed.
    Hex(&'static str),
    /// The rest as base64, whitespace allowed.
    B64(&'static str),
    /// An EUI-48 or EUI-64 address (RFC 7043 §3.2, §4.2): octets joined by hyphens.
    Eui(usize),
    /// A 64-bit ILNP locator or node id (RFC 6742 §2.1): four groups of 16-bit hex.
    Locator64(&'static str),
    /// A type bitmap (RFC 4034 §4.1.2), as CSYNC uses it.
    Bitmap,
    /// A CERT certificate type: a number or a mnemonic of RFC 4398 §2.1.
    CertType,
    /// A DNSSEC algorithm: a number or a mnemonic (RFC 4398 §2.1 allows them in CERT).
    Algorithm(&'static str),
}

use Field as F;
use NameRole::{Host, Target};

const TYPES: &[TypeInfo] = &[
    t("A", 1, &[F::V4("IPv4 address")]),
    t("NS", 2, &[F::Name("NS target", Host, false)]),
    t("CNAME", 5, &[F::Name("CNAME target", Target, false)]),
    t(
        "SOA",
        6,
        &[
            F::Name("SOA MNAME", Host, false),
            F::Name("SOA RNAME", Target, false),
            F::U32("SOA serial"),
            F::U32("SOA refresh"),
            F::U32("SOA retry"),
            F::U32("SOA expire"),
            F::U32("SOA minimum"),
        ],
    ),
    t("PTR", 12, &[F::Name("PTR target", Target, false)]),
    t("HINFO", 13, &[F::Str("HINFO CPU"), F::Str("HINFO OS")]),
    t(
        "MX",
        15,
        &[F::U16("MX preference"), F::Name("MX target", Host, false)],
    ),
    t("TXT", 16, &[F::Strs]),
    t(
        "RP",
        17,
        &[
            F::Name("RP mailbox", Target, true),
            F::Name("RP TXT name", Target, true),
        ],
    ),
    t(
        "AFSDB",
        18,
        &[F::U16("AFSDB subtype"), F::Name("AFSDB host", Host, true)],
    ),
    t("AAAA", 28, &[F::V6("IPv6 address")]),
    l("LOC", 29, Layout::Loc),
    t(
        "SRV",
        33,
        &[
            F::U16("SRV priority"),
            F::U16("SRV weight"),
            F::U16("SRV port"),
            F::Name("SRV target", Host, false),
        ],
    ),
    t(
        "NAPTR",
        35,
        &[
            F::U16("NAPTR order"),
            F::U16("NAPTR preference"),
            F::Str("NAPTR flags"),
            F::Str("NAPTR services"),
            F::Str("NAPTR regexp"),
            F::Name("NAPTR replacement", Target, false),
        ],
    ),
    t(
        "KX",
        36,
        &[F::U16("KX preference"), F::Name("KX exchanger", Host, true)],
    ),
    t(
        "CERT",
        37,
        &[
            F::CertType,
            F::U16("CERT key tag"),
            F::Algorithm("CERT algorithm"),
            F::B64("CERT certificate"),
        ],
    ),
    t("DNAME", 39, &[F::Name("DNAME target", Target, true)]),
    l("APL", 42, Layout::Apl),
    t(
        "DS",
        43,
        &[
            F::U16("DS key tag"),
            F::U8("DS algorithm"),
            F::U8("DS digest type"),
            F::Hex("DS digest"),
        ],
    ),
    t(
        "SSHFP",
        44,
        &[
            F::U8("SSHFP algorithm"),
            F::U8("SSHFP fingerprint type"),
            F::Hex("SSHFP fingerprint"),
        ],
    ),
    t(
        "DNSKEY",
        48,
        &[
            F::U16("DNSKEY flags"),
            F::U8("DNSKEY protocol"),
            F::U8("DNSKEY algorithm"),
            F::B64("DNSKEY public key"),
        ],
    ),
    t("DHCID", 49, &[F::B64("DHCID data")]),
    t(
        "TLSA",
        52,
        &[
            F::U8("TLSA usage"),
            F::U8("TLSA selector"),
            F::U8("TLSA matching type"),
            F::Hex("TLSA data"),
        ],
    ),
    t(
        "SMIMEA",
        53,
        &[
            F::U8("SMIMEA usage"),
            F::U8("SMIMEA selector"),
            F::U8("SMIMEA matching type"),
            F::Hex("SMIMEA data"),
        ],
    ),
    t(
        "CDS",
        59,
        &[
            F::U16("CDS key tag"),
            F::U8("CDS algorithm"),
            F::U8("CDS digest type"),
            F::Hex("CDS digest"),
        ],
    ),
    t(
        "CDNSKEY",
        60,
        &[
            F::U16("CDNSKEY flags"),
            F::U8("CDNSKEY protocol"),
            F::U8("CDNSKEY algorithm"),
            F::B64("CDNSKEY public key"),
        ],
    ),
    t("OPENPGPKEY", 61, &[F::B64("OPENPGPKEY key")]),
    t(
        "CSYNC",
        62,
        &[F::U32("CSYNC SOA serial"), F::U16("CSYNC flags"), F::Bitmap],
    ),
    l("SVCB", 64, Layout::Svcb),
    l("HTTPS", 65, Layout::Svcb),
    t("SPF", 99, &[F::Strs]),
    t(
        "NID",
        104,
        &[F::U16("NID preference"), F::Locator64("NID node id")],
    ),
    t(
        "L32",
        105,
        &[F::U16("L32 preference"), F::V4("L32 locator")],
    ),
    t(
        "L64",
        106,
        &[F::U16("L64 preference"), F::Locator64("L64 locator")],
    ),
    t(
        "LP",
        107,
        &[F::U16("LP preference"), F::Name("LP target", Host, true)],
    ),
    t("EUI48", 108, &[F::Eui(6)]),
    t("EUI64", 109, &[F::Eui(8)]),
    t(
        "URI",
        256,
        &[
            F::U16("URI priority"),
            F::U16("URI weight"),
            F::Rest("URI target"),
        ],
    ),
    t(
        "CAA",
        257,
        &[F::U8("CAA flags"), F::Tag("CAA tag"), F::Rest("CAA value")],
    ),
];

const fn t(name: &'static str, code: u16, fields: &'static [Field]) -> TypeInfo {
    TypeInfo {
        name,
        code,
        layout: Layout::Fields(fields),
    }
}

const fn l(name: &'static str, code: u16, layout: Layout) -> TypeInfo {
    TypeInfo { name, code, layout }
}

/// Types that exist in DNS but are never stored as zone data: the server makes them
/// (SOA is listed apart: it is zone data, managed through the zone's settings), or they only
/// live in messages. Each with the reason a user is told.
const REFUSED_TYPES: &[(&str, u16, &str)] = &[
    (
        "NSEC",
        47,
        "NSEC records are made by the signer (Zonekeeper signs zones itself)",
    ),
    (
        "NSEC3",
        50,
        "NSEC3 records are made by the signer (Zonekeeper signs zones itself)",
    ),
    (
        "NSEC3PARAM",
        51,
        "NSEC3PARAM records are made by the signer (Zonekeeper signs zones itself)",
    ),
    (
        "RRSIG",
        46,
        "RRSIG records are made by the signer (Zonekeeper signs zones itself)",
    ),
    (
        "SIG",
        24,
        "SIG records are obsolete (RFC 3755) and made by signers, not stored",
    ),
    ("NXT", 30, "NXT records are obsolete (RFC 3755)"),
    (
        "KEY",
        25,
        "KEY records are obsolete for zone data (RFC 3445); use DNSKEY",
    ),
    (
        "OPT",
        41,
        "OPT is an EDNS pseudo-record (RFC 6891) and only exists in messages",
    ),
    (
        "TSIG",
        250,
        "TSIG is a transaction signature (RFC 8945) and only exists in messages",
    ),
    ("TKEY", 249, "TKEY only exists in messages (RFC 2930)"),
    ("IXFR", 251, "IXFR is a query type, not record data"),
    ("AXFR", 252, "AXFR is a query type, not record data"),
    ("MAILB", 253, "MAILB is a query type, not record data"),
    ("MAILA", 254, "MAILA is a query type, not record data"),
    ("ANY", 255, "ANY is a query type, not record data"),
    ("MD", 3, "MD is obsolete (RFC 973); use MX"),
    ("MF", 4, "MF is obsolete (RFC 973); use MX"),
    ("A6", 38, "A6 is historic (RFC 6563); use AAAA"),
];

/// Type code 0 and the meta/query range 128–255 (RFC 6895 §3.1) hold no data.
fn is_meta(code: u16) -> bool {
    code == 0 || (128..=255).contains(&code)
}

fn info(rtype: RecordType) -> Option<&'static TypeInfo> {
    let code = u16::from(rtype);
    TYPES.iter().find(|info| info.code == code)
}

/// The record types the console offers by name, in the order it lists them: the everyday
/// ones first, then the rest alphabetically. Any other type is accepted in the generic form
/// (`TYPE65534` with `\# …` data, RFC 3597).
pub const SUPPORTED_TYPES: &[RecordType] = &[
    RecordType::A,
    RecordType::AAAA,
    RecordType::CNAME,
    RecordType::MX,
    RecordType::NS,
    RecordType::TXT,
    RecordType::SRV,
    RecordType::CAA,
    RecordType::PTR,
    RecordType::DS,
    RecordType::TLSA,
    RecordType::SSHFP,
    RecordType::NAPTR,
    RecordType::SVCB,
    RecordType::HTTPS,
    RecordType::Unknown(18), // AFSDB
    RecordType::Unknown(42), // APL
    RecordType::CDNSKEY,
    RecordType::CDS,
    RecordType::CERT,
    RecordType::CSYNC,
    RecordType::Unknown(49), // DHCID
    RecordType::DNAME,
    RecordType::DNSKEY,
    RecordType::Unknown(108), // EUI48
    RecordType::Unknown(109), // EUI64
    RecordType::HINFO,
    RecordType::Unknown(36),  // KX
    RecordType::Unknown(105), // L32
    RecordType::Unknown(106), // L64
    RecordType::Unknown(29),  // LOC
    RecordType::Unknown(107), // LP
    RecordType::Unknown(104), // NID
    RecordType::OPENPGPKEY,
    RecordType::Unknown(17), // RP
    RecordType::SMIMEA,
    RecordType::Unknown(99),  // SPF
    RecordType::Unknown(256), // URI
    RecordType::SOA,
];

/// The mnemonic of a type (`MX`), or `TYPEnnn` (RFC 3597 §5) for one without a name here.
/// Use this rather than hickory's `Display`, which prints "Unknown" for types it lacks.
pub fn type_name(rtype: RecordType) -> String {
    let code = u16::from(rtype);
    TYPES
        .iter()
        .map(|info| (info.name, info.code))
        .chain(REFUSED_TYPES.iter().map(|(name, code, _)| (*name, *code)))
        .find(|(_, known)| *known == code)
        .map_or_else(|| format!("TYPE{code}"), |(name, _)| name.to_owned())
}

/// Parses a record type: a mnemonic (`"mx"`, `"MX"`) or `TYPEnnn` (RFC 3597 §5). Types that
/// are never zone data (NSEC, RRSIG, OPT, …) are refused with the reason.
pub fn parse_type(text: &str) -> Result<RecordType, String> {
    let text = text.trim();
    let upper = text.to_ascii_uppercase();
    let code = if let Some(info) = TYPES.iter().find(|info| info.name == upper) {
        info.code
    } else if let Some((_, code, _)) = REFUSED_TYPES.iter().find(|(name, _, _)| *name == upper) {
        *code
    } else if let Some(digits) = upper.strip_prefix("TYPE") {
        digits
            .parse::<u16>()
            .ok()
            .filter(|_| !digits.starts_with('+'))
            .ok_or_else(|| {
                format!("\"{text}\": TYPE must be followed by a number from 0 to 65535")
            })?
    } else {
        return Err(format!(
            "\"{text}\" is not a record type known here; use a mnemonic such as A, AAAA, CNAME, \
             MX, TXT, or the generic TYPEnnn with \\# data (RFC 3597)"
        ));
    };
    if let Some((name, _, why)) = REFUSED_TYPES.iter().find(|(_, known, _)| *known == code) {
        return Err(format!("{name} cannot be stored: {why}"));
    }
    if is_meta(code) {
        return Err(format!(
            "TYPE{code} is {} and cannot hold data (RFC 6895 §3.1)",
            if code == 0 {
                "reserved"
            } else {
                "a meta or query type"
            }
        ));
    }
    Ok(RecordType::from(code))
}

/// How record data was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// As a zone file says it (RFC 1035 §5.1): an unquoted TXT word is one string.
    ZoneFile,
    /// As the console and API take it: also an unquoted TXT value taken whole, spaces and
    /// all, the way people paste SPF and DKIM values.
    Console,
}

/// One record's data: canonical presentation text and wire data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rdata {
    text: String,
    data: RData,
    /// The name the record points at, for types whose data is one (kept apart so that types
    /// hickory serves opaquely, such as DNAME, still have it).
    target: Option<Name>,
    /// The data in uncompressed wire form, names spelled as given: what `data` reads from.
    wire: Box<[u8]>,
}

impl Rdata {
    /// Parses `text`, the data of one `rtype` record written as the console takes it, with
    /// relative names completed by `origin`.
    pub fn parse(rtype: RecordType, text: &str, origin: &Name) -> Result<Self, String> {
        Self::parse_as(rtype, text, origin, Syntax::Console).map(|(rdata, _)| rdata)
    }

    /// Parses `text` written in `syntax`, returning the record and any warnings (a string
    /// longer than 255 octets split into several, say).
    pub fn parse_as(
        rtype: RecordType,
        text: &str,
        origin: &Name,
        syntax: Syntax,
    ) -> Result<(Self, Vec<String>), String> {
        let text = text.trim();
        let mut warnings = Vec::new();
        if let Some(generic) = generic_form(text) {
            let wire = generic?;
            return from_generic(rtype, wire).map(|rdata| (rdata, warnings));
        }
        let Some(info) = info(rtype) else {
            return Err(format!(
                "{} has no presentation format known here; write its data in the generic \
                 form \\# <length> <hex> (RFC 3597 §5)",
                type_name(rtype)
            ));
        };
        if text.is_empty() {
            return Err("the record is empty".to_owned());
        }
        let (wire, text, target) = match info.layout {
            Layout::Fields(fields) => {
                let tokens = if syntax == Syntax::Console
                    && matches!(info.name, "TXT" | "SPF")
                    && !text.starts_with('"')
                {
                    vec![Token::whole(text)]
                } else {
                    tokenize(text)?
                };
                let values = read_fields(fields, &tokens, origin, &mut warnings)?;
                check(info.name, &values)?;
                encode(fields, &values)
            }
            Layout::Svcb => svcb::parse(info.name, text, origin)
                .map(|(wire, text, target)| (wire, text, Some(target)))?,
            Layout::Loc => loc::parse(&tokenize(text)?).map(|(wire, text)| (wire, text, None))?,
            Layout::Apl => apl::parse(&tokenize(text)?).map(|(wire, text)| (wire, text, None))?,
        };
        Ok((
            Rdata {
                text,
                data: from_wire(rtype, &wire)?,
                target,
                wire: wire.into_boxed_slice(),
            },
            warnings,
        ))
    }

    /// The canonical presentation text, with absolute names.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The data as hickory sends it.
    pub fn data(&self) -> &RData {
        &self.data
    }

    /// The record type.
    pub fn record_type(&self) -> RecordType {
        self.data.record_type()
    }

    /// The domain name this record points at, for the types whose data is one (CNAME, NS, PTR,
    /// MX, SRV, DNAME, …; the SVCB/HTTPS target).
    pub fn target(&self) -> Option<&Name> {
        self.target.as_ref()
    }

    /// The length of the data on the wire, names uncompressed.
    pub fn wire_len(&self) -> usize {
        self.wire.len()
    }

    /// The data on the wire, names uncompressed and spelled as given: [`rdata_from_wire`]
    /// reads it back into [`Rdata::data`].
    pub fn wire(&self) -> &[u8] {
        &self.wire
    }

    /// The SOA MINIMUM field, when this is an SOA record (RFC 2308 §4: the negative TTL).
    pub fn soa_minimum(&self) -> Option<u32> {
        match &self.data {
            RData::SOA(soa) => Some(soa.minimum),
            _ => None,
        }
    }

    /// The SOA SERIAL field, when this is an SOA record.
    pub fn soa_serial(&self) -> Option<u32> {
        match &self.data {
            RData::SOA(soa) => Some(soa.serial),
            _ => None,
        }
    }
}

/// `Some` when `text` is in the generic form `\# <length> <hex>…` (RFC 3597 §5), with its
/// octets or what is wrong with it.
fn generic_form(text: &str) -> Option<Result<Vec<u8>, String>> {
    let rest = text.strip_prefix("\\#")?;
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    let mut words = rest.split_whitespace();
    let parsed = (|| {
        let length = words
            .next()
            .and_then(|w| w.parse::<usize>().ok())
            .filter(|len| *len <= 65535)
            .ok_or("the generic form \\# needs the data length in octets (0 to 65535) next")?;
        let digits: String = words.collect();
        let octets = if digits.is_empty() {
            Vec::new()
        } else {
            text::decode_hex(&digits)
                .ok_or("the generic form's data must be hexadecimal digits, an even number")?
        };
        if octets.len() != length {
            return Err(format!(
                "the generic form says {length} octets but its data has {}",
                octets.len()
            ));
        }
        Ok(octets)
    })();
    Some(parsed.map_err(|err: String| err))
}

/// A record given in the generic form: read into the type's fields when the type is known
/// (so that the same rules apply and the text is canonical), kept opaque otherwise.
fn from_generic(rtype: RecordType, wire: Vec<u8>) -> Result<Rdata, String> {
    let name = type_name(rtype);
    let Some(info) = info(rtype) else {
        let text = if wire.is_empty() {
            "\\# 0".to_owned()
        } else {
            format!("\\# {} {}", wire.len(), upper_hex(&wire))
        };
        return Ok(Rdata {
            text,
            data: from_wire(rtype, &wire)?,
            target: None,
            wire: wire.into_boxed_slice(),
        });
    };
    let bad = |err: String| format!("the generic data is not a valid {name} record: {err}");
    let root = Name::root();
    let (again, text, target) = match info.layout {
        Layout::Fields(fields) => {
            let values = decode(fields, &wire).map_err(bad)?;
            // Names read from the wire pass the same rules as typed ones.
            for (field, value) in fields.iter().zip(&values) {
                if let (F::Name(what, role, _), Value::Name(name)) = (field, value) {
                    check_name(name, what, *role)?;
                }
            }
            check(info.name, &values)?;
            encode(fields, &values)
        }
        Layout::Svcb => {
            let printed = svcb::print(info.name, &wire).map_err(bad)?;
            let (wire, text, target) = svcb::parse(info.name, &printed, &root)?;
            (wire, text, Some(target))
        }
        Layout::Loc => {
            let printed = loc::print(&wire).map_err(bad)?;
            let (wire, text) = loc::parse(&tokenize(&printed)?)?;
            (wire, text, None)
        }
        Layout::Apl => {
            let printed = apl::print(&wire).map_err(bad)?;
            let (wire, text) = apl::parse(&tokenize(&printed)?)?;
            (wire, text, None)
        }
    };
    if again != wire && !has_lowered_names(info) {
        return Err(bad("it does not read back as the same octets".to_owned()));
    }
    // RFC 3123 §4 allows an APL of zero items, whose presentation is empty; but an empty text
    // is no record at all and does not parse back, so such data keeps the generic form.
    let text = if text.is_empty() {
        "\\# 0".to_owned()
    } else {
        text
    };
    Ok(Rdata {
        text,
        data: from_wire(rtype, &again)?,
        target,
        wire: again.into_boxed_slice(),
    })
}

fn has_lowered_names(info: &TypeInfo) -> bool {
    matches!(info.layout, Layout::Fields(fields) if fields.iter().any(|f| matches!(f, F::Name(_, _, true))))
}

/// One field's value.
#[derive(Clone, Debug)]
enum Value {
    Num(u64),
    Name(Name),
    V4(Ipv4Addr),
    V6(Ipv6Addr),
    Bytes(Vec<u8>),
    Strings(Vec<Vec<u8>>),
    Types(Vec<u16>),
}

impl Value {
    fn num(&self) -> u64 {
        match self {
            Value::Num(n) => *n,
            _ => 0,
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Value::Bytes(b) => b,
            _ => &[],
        }
    }
}

const CERT_TYPES: &[(&str, u64)] = &[
    ("PKIX", 1),
    ("SPKI", 2),
    ("PGP", 3),
    ("IPKIX", 4),
    ("ISPKI", 5),
    ("IPGP", 6),
    ("ACPKIX", 7),
    ("IACPKIX", 8),
    ("URI", 253),
    ("OID", 254),
];

/// RFC 8624 §3.1 algorithm mnemonics (CERT allows them, RFC 4398 §2.1).
const ALGORITHMS: &[(&str, u64)] = &[
    ("RSAMD5", 1),
    ("DH", 2),
    ("DSA", 3),
    ("RSASHA1", 5),
    ("DSA-NSEC3-SHA1", 6),
    ("RSASHA1-NSEC3-SHA1", 7),
    ("RSASHA256", 8),
    ("RSASHA512", 10),
    ("ECC-GOST", 12),
    ("ECDSAP256SHA256", 13),
    ("ECDSAP384SHA384", 14),
    ("ED25519", 15),
    ("ED448", 16),
    ("INDIRECT", 252),
    ("PRIVATEDNS", 253),
    ("PRIVATEOID", 254),
];

fn mnemonic_or_number(
    token: Option<&Token>,
    what: &str,
    table: &[(&str, u64)],
    max: u64,
) -> Result<u64, String> {
    let text = token
        .map(Token::as_str)
        .unwrap_or_default()
        .to_ascii_uppercase();
    match table.iter().find(|(name, _)| *name == text) {
        Some((_, value)) => Ok(*value),
        None => number(token, what, max).map_err(|err| {
            let names: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
            format!("{err} (or one of {})", names.join(", "))
        }),
    }
}

fn name_token(
    token: Option<&Token>,
    what: &str,
    origin: &Name,
    role: NameRole,
) -> Result<Name, String> {
    let token = token.ok_or_else(|| format!("{what} is missing"))?;
    if token.quoted {
        return Err(format!("{what} is a domain name and must not be quoted"));
    }
    let text = token.as_str();
    if token.escaped {
        return Err(format!(
            "{what} \"{text}\": escaped characters in names are not supported; names use \
             letters, digits, hyphens and underscores"
        ));
    }
    if role == NameRole::Host && is_ip_literal(&text) {
        return Err(format!(
            "{what} must be a host name, not an IP address (\"{text}\")"
        ));
    }
    parse_name(&text, origin, role).map_err(|rule| format!("{what}: {rule}"))
}

/// The rules of `role` for a name read from wire data (generic form).
fn check_name(name: &Name, what: &str, role: NameRole) -> Result<(), String> {
    let text = name.to_ascii();
    if role == NameRole::Host && is_ip_literal(&text) {
        return Err(format!(
            "{what} must be a host name, not an IP address (\"{text}\")"
        ));
    }
    parse_name(&text, &Name::root(), role)
        .map(|_| ())
        .map_err(|rule| format!("{what}: {rule}"))
}

fn char_string(token: &Token, what: &str) -> Result<Vec<u8>, String> {
    if token.bytes.len() > MAX_CHARACTER_STRING {
        return Err(format!(
            "{what} is {} octets long; at most {MAX_CHARACTER_STRING} are allowed",
            token.bytes.len()
        ));
    }
    Ok(token.bytes.clone())
}

/// Reads `tokens` into the values of `fields`.
fn read_fields(
    fields: &[Field],
    tokens: &[Token],
    origin: &Name,
    warnings: &mut Vec<String>,
) -> Result<Vec<Value>, String> {
    let takes_rest = matches!(
        fields.last(),
        Some(F::Strs | F::Hex(_) | F::B64(_) | F::Bitmap)
    );
    let fixed = if takes_rest {
        fields.len() - 1
    } else {
        fields.len()
    };
    let layout: Vec<&str> = fields.iter().map(field_label).collect();
    let layout = layout.join(", ");
    if takes_rest {
        let minimum = if matches!(fields.last(), Some(F::Bitmap)) {
            fixed
        } else {
            fixed + 1
        };
        if tokens.len() < minimum {
            return Err(format!(
                "expected {minimum} or more fields ({layout}), found {}",
                tokens.len()
            ));
        }
    } else {
        expect_count(tokens, fixed, &layout)?;
    }
    let mut values = Vec::with_capacity(fields.len());
    for (index, field) in fields.iter().enumerate() {
        let token = tokens.get(index);
        let rest = tokens.get(index..).unwrap_or_default();
        let value = match *field {
            F::U8(what) => Value::Num(number(token, what, 255)?),
            F::U16(what) => Value::Num(number(token, what, 65535)?),
            F::U32(what) => Value::Num(number(token, what, u64::from(u32::MAX))?),
            F::Name(what, role, _) => Value::Name(name_token(token, what, origin, role)?),
            F::V4(what) => {
                let raw = token.map(Token::as_str).unwrap_or_default();
                Value::V4(
                    raw.parse()
                        .map_err(|_| format!("{what}: \"{raw}\" is not an IPv4 address"))?,
                )
            }
            F::V6(what) => {
                let raw = token.map(Token::as_str).unwrap_or_default();
                Value::V6(
                    raw.parse()
                        .map_err(|_| format!("{what}: \"{raw}\" is not an IPv6 address"))?,
                )
            }
            F::Str(what) | F::Tag(what) => match token {
                Some(token) => Value::Bytes(char_string(token, what)?),
                None => return Err(format!("{what} is missing")),
            },
            F::Rest(what) => match token {
                Some(token) => Value::Bytes(token.bytes.clone()),
                None => return Err(format!("{what} is missing")),
            },
            F::Strs => {
                let mut chunks = Vec::new();
                for token in rest {
                    if token.bytes.len() > MAX_CHARACTER_STRING {
                        warnings.push(format!(
                            "a string of {} octets was split into strings of at most \
                             {MAX_CHARACTER_STRING} (RFC 1035 §3.3); resolvers join them back",
                            token.bytes.len()
                        ));
                    }
                    if token.bytes.is_empty() {
                        chunks.push(Vec::new());
                    }
                    chunks.extend(token.bytes.chunks(MAX_CHARACTER_STRING).map(<[u8]>::to_vec));
                }
                Value::Strings(chunks)
            }
            F::Hex(what) => Value::Bytes(hex(rest, what)?),
            F::B64(what) => Value::Bytes(base64(rest, what)?),
            F::Eui(octets) => {
                let raw = token.map(Token::as_str).unwrap_or_default();
                let parts: Vec<&str> = raw.split('-').collect();
                let bytes: Option<Vec<u8>> = (parts.len() == octets)
                    .then(|| {
                        parts
                            .iter()
                            .map(|p| {
                                (p.len() == 2)
                                    .then(|| u8::from_str_radix(p, 16).ok())
                                    .flatten()
                            })
                            .collect()
                    })
                    .flatten();
                let example = if octets == 6 {
                    "00-00-5e-00-53-2a"
                } else {
                    "00-00-5e-ef-10-00-00-2a"
                };
                Value::Bytes(bytes.ok_or_else(|| {
                    format!(
                        "EUI{} address \"{raw}\" must be {octets} pairs of hex digits joined by \
                         hyphens, e.g. {example} (RFC 7043)",
                        octets * 8
                    )
                })?)
            }
            F::Locator64(what) => {
                let raw = token.map(Token::as_str).unwrap_or_default();
                let parts: Vec<&str> = raw.split(':').collect();
                let groups: Option<Vec<u16>> = (parts.len() == 4)
                    .then(|| {
                        parts
                            .iter()
                            .map(|p| {
                                (1..=4)
                                    .contains(&p.len())
                                    .then(|| u16::from_str_radix(p, 16).ok())
                                    .flatten()
                            })
                            .collect()
                    })
                    .flatten();
                let groups = groups.ok_or_else(|| {
                    format!(
                        "{what} \"{raw}\" must be four groups of hex digits joined by colons, \
                         e.g. 2001:0db8:1140:1000 (RFC 6742 §2.3)"
                    )
                })?;
                Value::Bytes(groups.iter().flat_map(|g| g.to_be_bytes()).collect())
            }
            F::Bitmap => {
                let mut types = Vec::new();
                for token in rest {
                    let rtype = parse_type(&token.as_str())
                        .or_else(|_| {
                            // The bitmap may name any type, data-less ones included, by
                            // mnemonic or as TYPEnnn — which is how the reserved and meta types
                            // (TYPE0, TYPE128…) are printed, so their text must read back.
                            let upper = token.as_str().to_ascii_uppercase();
                            REFUSED_TYPES
                                .iter()
                                .find(|(name, _, _)| *name == upper)
                                .map(|(_, code, _)| *code)
                                .or_else(|| {
                                    upper
                                        .strip_prefix("TYPE")
                                        .filter(|digits| !digits.starts_with('+'))
                                        .and_then(|digits| digits.parse::<u16>().ok())
                                })
                                .map(RecordType::from)
                                .ok_or(())
                        })
                        .map_err(|()| {
                            format!(
                                "CSYNC type bitmap: \"{}\" is not a record type",
                                token.as_str()
                            )
                        })?;
                    types.push(u16::from(rtype));
                }
                types.sort_unstable();
                types.dedup();
                Value::Types(types)
            }
            F::CertType => Value::Num(mnemonic_or_number(token, "CERT type", CERT_TYPES, 65535)?),
            F::Algorithm(what) => Value::Num(mnemonic_or_number(token, what, ALGORITHMS, 255)?),
        };
        values.push(value);
    }
    Ok(values)
}

fn field_label(field: &Field) -> &'static str {
    match *field {
        F::U8(what)
        | F::U16(what)
        | F::U32(what)
        | F::Name(what, _, _)
        | F::V4(what)
        | F::V6(what)
        | F::Str(what)
        | F::Tag(what)
        | F::Rest(what)
        | F::Hex(what)
        | F::B64(what)
        | F::Locator64(what)
        | F::Algorithm(what) => what,
        F::Strs => "strings",
        F::Eui(6) => "EUI-48 address",
        F::Eui(_) => "EUI-64 address",
        F::Bitmap => "types",
        F::CertType => "CERT type",
    }
}

/// Appends `name` in uncompressed wire form (RFC 3597 §4: names in newer types' data are never
/// compressed).
fn push_name(name: &Name, out: &mut Vec<u8>) {
    for label in name.iter() {
        out.push(u8::try_from(label.len()).unwrap_or(0));
        out.extend_from_slice(label);
    }
    out.push(0);
}

/// RFC 4034 §4.1.2: windows of up to 32 octets, each for 256 types.
fn push_bitmap(types: &[u16], out: &mut Vec<u8>) {
    let mut window: Option<(u8, [u8; 32], usize)> = None;
    let flush = |window: &Option<(u8, [u8; 32], usize)>, out: &mut Vec<u8>| {
        if let Some((number, bits, len)) = window {
            out.push(*number);
            out.push(u8::try_from(*len).unwrap_or(32));
            out.extend_from_slice(&bits[..*len]);
        }
    };
    for &code in types {
        let [high, low] = code.to_be_bytes();
        if window.as_ref().is_none_or(|(number, _, _)| *number != high) {
            flush(&window, out);
            window = Some((high, [0; 32], 0));
        }
        if let Some((_, bits, len)) = window.as_mut() {
            let octet = usize::from(low / 8);
            bits[octet] |= 0x80 >> (low % 8);
            *len = (*len).max(octet + 1);
        }
    }
    flush(&window, out);
}

/// Writes the values as wire octets and as canonical text; also returns the target name.
fn encode(fields: &[Field], values: &[Value]) -> (Vec<u8>, String, Option<Name>) {
    let mut wire = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut target = None;
    for (field, value) in fields.iter().zip(values) {
        match (field, value) {
            (F::U8(_) | F::Algorithm(_), Value::Num(n)) => {
                wire.push(u8::try_from(*n).unwrap_or(u8::MAX));
                words.push(n.to_string());
            }
            (F::U16(_) | F::CertType, Value::Num(n)) => {
                wire.extend_from_slice(&u16::try_from(*n).unwrap_or(u16::MAX).to_be_bytes());
                words.push(n.to_string());
            }
            (F::U32(_), Value::Num(n)) => {
                wire.extend_from_slice(&u32::try_from(*n).unwrap_or(u32::MAX).to_be_bytes());
                words.push(n.to_string());
            }
            (F::Name(_, _, lower), Value::Name(name)) => {
                if *lower {
                    push_name(&name.to_lowercase(), &mut wire);
                } else {
                    push_name(name, &mut wire);
                }
                words.push(name.to_ascii());
                target = Some(name.clone());
            }
            (_, Value::V4(addr)) => {
                wire.extend_from_slice(&addr.octets());
                words.push(addr.to_string());
            }
            (_, Value::V6(addr)) => {
                wire.extend_from_slice(&addr.octets());
                words.push(addr.to_string());
            }
            (F::Str(_), Value::Bytes(bytes)) => {
                wire.push(u8::try_from(bytes.len()).unwrap_or(u8::MAX));
                wire.extend_from_slice(bytes);
                let mut word = String::new();
                quote(bytes, &mut word);
                words.push(word);
            }
            (F::Tag(_), Value::Bytes(bytes)) => {
                wire.push(u8::try_from(bytes.len()).unwrap_or(u8::MAX));
                wire.extend_from_slice(bytes);
                words.push(String::from_utf8_lossy(bytes).into_owned());
            }
            (F::Rest(_), Value::Bytes(bytes)) => {
                wire.extend_from_slice(bytes);
                let mut word = String::new();
                quote(bytes, &mut word);
                words.push(word);
            }
            (F::Strs, Value::Strings(chunks)) => {
                for chunk in chunks {
                    wire.push(u8::try_from(chunk.len()).unwrap_or(u8::MAX));
                    wire.extend_from_slice(chunk);
                    let mut word = String::new();
                    quote(chunk, &mut word);
                    words.push(word);
                }
            }
            (F::Hex(_), Value::Bytes(bytes)) => {
                wire.extend_from_slice(bytes);
                words.push(upper_hex(bytes));
            }
            (F::B64(_), Value::Bytes(bytes)) => {
                wire.extend_from_slice(bytes);
                words.push(to_base64(bytes));
            }
            (F::Eui(_), Value::Bytes(bytes)) => {
                wire.extend_from_slice(bytes);
                let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
                words.push(parts.join("-"));
            }
            (F::Locator64(_), Value::Bytes(bytes)) => {
                wire.extend_from_slice(bytes);
                let parts: Vec<String> = bytes
                    .chunks(2)
                    .map(|pair| format!("{:02x}{:02x}", pair[0], pair.get(1).copied().unwrap_or(0)))
                    .collect();
                words.push(parts.join(":"));
            }
            (F::Bitmap, Value::Types(types)) => {
                push_bitmap(types, &mut wire);
                words.extend(types.iter().map(|code| type_name(RecordType::from(*code))));
            }
            _ => {}
        }
    }
    (wire, words.join(" "), target)
}

/// Reads wire octets (from the generic form) into the values of `fields`.
fn decode(fields: &[Field], wire: &[u8]) -> Result<Vec<Value>, String> {
    let mut at = 0usize;
    let mut values = Vec::new();
    let short = || "the data ends too early".to_owned();
    let take = |at: &mut usize, n: usize| -> Result<&[u8], String> {
        let slice = wire.get(*at..*at + n).ok_or_else(short)?;
        *at += n;
        Ok(slice)
    };
    for field in fields {
        let value = match *field {
            F::U8(_) | F::Algorithm(_) => Value::Num(u64::from(take(&mut at, 1)?[0])),
            F::U16(_) | F::CertType => {
                let b = take(&mut at, 2)?;
                Value::Num(u64::from(u16::from_be_bytes([b[0], b[1]])))
            }
            F::U32(_) => {
                let b = take(&mut at, 4)?;
                Value::Num(u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
            }
            F::Name(..) => {
                let mut labels: Vec<Vec<u8>> = Vec::new();
                loop {
                    let len = usize::from(take(&mut at, 1)?[0]);
                    if len == 0 {
                        break;
                    }
                    if len > 63 {
                        return Err(
                            "a name in the data is compressed or malformed; the generic \
                                    form must hold names uncompressed (RFC 3597 §4)"
                                .to_owned(),
                        );
                    }
                    labels.push(take(&mut at, len)?.to_vec());
                }
                let name = Name::from_labels(labels)
                    .map_err(|err| format!("a name in the data: {err}"))?;
                Value::Name(name)
            }
            F::V4(_) => {
                let b = take(&mut at, 4)?;
                Value::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
            }
            F::V6(_) => {
                let b = take(&mut at, 16)?;
                let mut octets = [0u8; 16];
                octets.copy_from_slice(b);
                Value::V6(Ipv6Addr::from(octets))
            }
            F::Str(_) | F::Tag(_) => {
                let len = usize::from(take(&mut at, 1)?[0]);
                Value::Bytes(take(&mut at, len)?.to_vec())
            }
            F::Strs => {
                let mut chunks = Vec::new();
                while at < wire.len() {
                    let len = usize::from(take(&mut at, 1)?[0]);
                    chunks.push(take(&mut at, len)?.to_vec());
                }
                if chunks.is_empty() {
                    return Err("it holds no string".to_owned());
                }
                Value::Strings(chunks)
            }
            F::Rest(_) | F::Hex(_) | F::B64(_) => {
                let rest = wire.get(at..).unwrap_or_default().to_vec();
                at = wire.len();
                Value::Bytes(rest)
            }
            F::Eui(octets) => Value::Bytes(take(&mut at, octets)?.to_vec()),
            F::Locator64(_) => Value::Bytes(take(&mut at, 8)?.to_vec()),
            F::Bitmap => {
                let mut types = Vec::new();
                let mut last_window = None;
                while at < wire.len() {
                    let head = take(&mut at, 2)?;
                    let (window, len) = (head[0], usize::from(head[1]));
                    if len == 0 || len > 32 || last_window.is_some_and(|last| window <= last) {
                        return Err("the type bitmap is malformed (RFC 4034 §4.1.2)".to_owned());
                    }
                    last_window = Some(window);
                    for (octet, bits) in take(&mut at, len)?.iter().enumerate() {
                        for bit in 0..8u16 {
                            if bits & (0x80 >> bit) != 0 {
                                let low = u16::try_from(octet).unwrap_or(0) * 8 + bit;
                                types.push(u16::from(window) << 8 | low);
                            }
                        }
                    }
                }
                Value::Types(types)
            }
        };
        values.push(value);
    }
    if at != wire.len() {
        return Err(format!(
            "{} octets are left over after the last field",
            wire.len() - at
        ));
    }
    if matches!(fields.last(), Some(F::Hex(_) | F::B64(_)))
        && values.last().is_some_and(|v| v.bytes().is_empty())
    {
        return Err("the last field is empty".to_owned());
    }
    Ok(values)
}

/// Rules beyond the layout, per type.
fn check(name: &str, values: &[Value]) -> Result<(), String> {
    let num = |i: usize| values.get(i).map_or(0, Value::num);
    let bytes = |i: usize| values.get(i).map_or(&[][..], Value::bytes);
    match name {
        "CNAME" | "PTR" | "NS" | "DNAME" => {
            if matches!(values.first(), Some(Value::Name(n)) if n.is_root()) {
                return Err(format!("{name} target must not be the root"));
            }
        }
        "SOA" => {
            for (index, what) in [(3, "refresh"), (4, "retry"), (5, "expire"), (6, "minimum")] {
                if num(index) > u64::from(super::MAX_TTL) {
                    return Err(format!(
                        "SOA {what} must be a number from 0 to {}, not {}",
                        super::MAX_TTL,
                        num(index)
                    ));
                }
            }
        }
        "DS" | "CDS" => {
            // RFC 8078 §4: "CDS 0 0 0 00" asks the parent to remove the DS.
            if name == "CDS" && num(0) == 0 && num(1) == 0 && num(2) == 0 && bytes(3) == [0] {
                return Ok(());
            }
            let digest_type = num(2);
            let (expected, digest_name) = match digest_type {
                1 => (20, "SHA-1"),
                2 => (32, "SHA-256"),
                3 => (32, "GOST R 34.11-94"),
                4 => (48, "SHA-384"),
                other => {
                    return Err(format!(
                        "{name} digest type {other} is not known (1 SHA-1, 2 SHA-256, 4 SHA-384)"
                    ))
                }
            };
            let len = bytes(3).len();
            if len != expected {
                return Err(format!(
                    "a {digest_name} digest (type {digest_type}) is {expected} octets ({} hex \
                     digits); this one is {len} octets",
                    expected * 2
                ));
            }
        }
        // RFC 4034 §2.1.2: "The Protocol Field MUST have value 3".
        "DNSKEY" | "CDNSKEY" if num(1) != 3 => {
            return Err(format!(
                "{name} protocol must be 3 (RFC 4034 §2.1.2), not {}",
                num(1)
            ));
        }
        "TLSA" | "SMIMEA" => {
            for (index, what, max) in [(0, "usage", 3), (1, "selector", 1), (2, "matching type", 2)]
            {
                if num(index) > max {
                    return Err(format!(
                        "{name} {what} must be a number from 0 to {max}, not \"{}\"",
                        num(index)
                    ));
                }
            }
            let expected = match num(2) {
                1 => Some(32),
                2 => Some(64),
                _ => None,
            };
            if let Some(expected) = expected.filter(|len| *len != bytes(3).len()) {
                return Err(format!(
                    "{name} matching type {} needs a {expected}-octet hash; this one is {} octets",
                    num(2),
                    bytes(3).len()
                ));
            }
        }
        "SSHFP" => {
            let expected = match num(1) {
                1 => 20,
                2 => 32,
                other => {
                    return Err(format!(
                        "SSHFP fingerprint type {other} is not known (1 SHA-1, 2 SHA-256)"
                    ))
                }
            };
            if bytes(2).len() != expected {
                return Err(format!(
                    "SSHFP fingerprint type {} needs {expected} octets; this one is {} octets",
                    num(1),
                    bytes(2).len()
                ));
            }
        }
        "NAPTR" if !bytes(2).iter().all(u8::is_ascii_alphanumeric) => {
            return Err("NAPTR flags must be letters and digits (RFC 3403 §4.1)".to_owned());
        }
        // RFC 7553 §4.5: the target "MUST NOT be an empty string".
        "URI" if bytes(2).is_empty() => {
            return Err("URI target must not be empty (RFC 7553 §4.5)".to_owned());
        }
        "CAA" => check_caa(num(0), bytes(1), bytes(2))?,
        _ => {}
    }
    Ok(())
}

/// RFC 8659 §4.1: tags this engine knows; other tags are accepted if well-formed, because §4.1
/// lets issuers define new ones and the critical flag says what to do with unknown ones.
const CAA_KNOWN_TAGS: &[&str] = &[
    "issue",
    "issuewild",
    "iodef",
    "contactemail",
    "contactphone",
    "issuevmc",
    "issuemail",
];

fn check_caa(_flags: u64, tag: &[u8], value: &[u8]) -> Result<(), String> {
    // RFC 8659 §4.1: "Tag: ... The tag length MUST be at least 1 and SHOULD be no more than
    // 15 characters", made of "letters and numbers".
    if tag.is_empty() || tag.len() > 15 || !tag.iter().all(u8::is_ascii_alphanumeric) {
        return Err(format!(
            "CAA tag \"{}\" must be 1 to 15 letters and digits (RFC 8659 §4.1), e.g. {}",
            String::from_utf8_lossy(tag),
            CAA_KNOWN_TAGS.join(", ")
        ));
    }
    if tag.eq_ignore_ascii_case(b"iodef") {
        let value = String::from_utf8_lossy(value);
        if !["mailto:", "http://", "https://"]
            .iter()
            .any(|scheme| value.starts_with(scheme))
        {
            return Err(
                "a CAA iodef value must be a mailto:, http:// or https:// URL (RFC 8659 §4.4)"
                    .to_owned(),
            );
        }
    }
    Ok(())
}

/// Wire data of `rtype` as hickory's typed [`RData`] when hickory reads these octets and writes
/// back exactly the same ones, and as opaque data (RFC 3597) otherwise — so what is served is
/// always exactly what was parsed. The DNSSEC types stay opaque on every build, so that the
/// server and the browser (built without hickory's DNSSEC support) agree.
///
/// [`rdata_from_wire`] is the same function, for what keeps record data in wire form (the
/// zone snapshot): the wire form of data this made reads back as that very data.
fn from_wire(rtype: RecordType, bytes: &[u8]) -> Result<RData, String> {
    let len = u16::try_from(bytes.len()).map_err(|_| "record data longer than 65535 octets")?;
    let opaque_always = matches!(
        rtype,
        RecordType::DS | RecordType::CDS | RecordType::DNSKEY | RecordType::CDNSKEY
    ) || matches!(rtype, RecordType::Unknown(_));
    if !opaque_always {
        let mut decoder = BinDecoder::new(bytes);
        if let Ok(data) = RData::read(&mut decoder, rtype, Restrict::new(len)) {
            if decoder.is_empty() && uncompressed(&data).as_deref() == Some(bytes) {
                return Ok(data);
            }
        }
    }
    if bytes.is_empty() {
        // hickory's NULL cannot hold nothing; an empty RDATA (RFC 3597 `\# 0`) is written as
        // the zero-length "update" data of the type instead.
        return Ok(RData::Update0(rtype));
    }
    Ok(RData::Unknown {
        code: rtype,
        rdata: NULL::with(bytes.to_vec()),
    })
}

/// The record data of `rtype` whose uncompressed wire form is `wire`, as the model holds it:
/// for the wire form of an [`Rdata`] (its [`Rdata::wire`]), exactly its [`Rdata::data`].
pub fn rdata_from_wire(rtype: RecordType, wire: &[u8]) -> Result<RData, String> {
    from_wire(rtype, wire)
}

/// `data` in wire form with names uncompressed and their case kept.
fn uncompressed(data: &RData) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = BinEncoder::new(&mut out);
    encoder.set_name_encoding(NameEncoding::Uncompressed);
    data.emit(&mut encoder).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests;
