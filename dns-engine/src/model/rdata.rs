//! Record data: parsing one record from presentation format (RFC 1035 §5.1 and each type's RFC),
//! checking it, and printing it back in one canonical spelling.
//!
//! Every record is kept twice: as its canonical presentation text (what the store and the API
//! hold, and what the UI shows) and as hickory [`RData`] (what goes on the wire). Both come from
//! the same parse, so they cannot disagree.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, NULL, PTR, SOA, SRV, TXT};
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::binary::{BinDecoder, BinEncodable, Restrict};

use super::name::{is_ip_literal, parse_name, NameRole};

/// RFC 1035 §3.3: a `<character-string>` is at most 255 octets.
const MAX_CHARACTER_STRING: usize = 255;

/// The record types Zonekeeper hosts, in the order the UI lists them.
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
    RecordType::SOA,
];

/// Parses a record type mnemonic (`"mx"`, `"MX"`), accepting only [`SUPPORTED_TYPES`].
pub fn parse_type(text: &str) -> Result<RecordType, String> {
    let upper = text.trim().to_ascii_uppercase();
    SUPPORTED_TYPES
        .iter()
        .copied()
        .find(|rtype| rtype.to_string() == upper)
        .ok_or_else(|| {
            let names: Vec<String> = SUPPORTED_TYPES.iter().map(ToString::to_string).collect();
            format!(
                "\"{}\" is not a supported record type; use one of {}",
                text.trim(),
                names.join(", ")
            )
        })
}

/// One record's data: canonical presentation text and wire data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rdata {
    text: String,
    data: RData,
}

impl Rdata {
    /// Parses `text`, the data of one `rtype` record written in presentation format, with
    /// relative names completed by `origin`.
    pub fn parse(rtype: RecordType, text: &str, origin: &Name) -> Result<Self, String> {
        parse_rdata(rtype, text, origin)
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
    /// MX, SRV).
    pub fn target(&self) -> Option<&Name> {
        match &self.data {
            RData::CNAME(CNAME(name)) | RData::NS(NS(name)) | RData::PTR(PTR(name)) => Some(name),
            RData::MX(mx) => Some(&mx.exchange),
            RData::SRV(srv) => Some(&srv.target),
            _ => None,
        }
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

/// One token of record data: its octets after unescaping, and whether it was quoted.
#[derive(Debug, PartialEq, Eq)]
struct Token {
    bytes: Vec<u8>,
    quoted: bool,
}

impl Token {
    fn as_str(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Splits presentation text into tokens: whitespace separates, `"…"` groups, `\X` stands for
/// `X` and `\DDD` for the octet with decimal value DDD (RFC 1035 §5.1).
fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut bytes = text.bytes().peekable();
    while let Some(&byte) = bytes.peek() {
        if byte.is_ascii_whitespace() {
            bytes.next();
            continue;
        }
        let quoted = byte == b'"';
        if quoted {
            bytes.next();
        }
        let mut token = Vec::new();
        let mut closed = !quoted;
        while let Some(byte) = bytes.next() {
            match byte {
                b'"' if quoted => {
                    closed = true;
                    break;
                }
                b'\\' => token.push(unescape(&mut bytes)?),
                byte if !quoted && byte.is_ascii_whitespace() => break,
                byte => token.push(byte),
            }
        }
        if !closed {
            return Err("a quoted string is not closed (missing '\"')".to_owned());
        }
        tokens.push(Token {
            bytes: token,
            quoted,
        });
    }
    Ok(tokens)
}

/// Reads what follows a backslash.
fn unescape(bytes: &mut impl Iterator<Item = u8>) -> Result<u8, String> {
    let first = bytes
        .next()
        .ok_or_else(|| "a backslash at the end has nothing to escape".to_owned())?;
    if !first.is_ascii_digit() {
        return Ok(first);
    }
    let mut value = u32::from(first - b'0');
    for _ in 0..2 {
        match bytes.next() {
            Some(digit) if digit.is_ascii_digit() => value = value * 10 + u32::from(digit - b'0'),
            _ => return Err("a \\DDD escape needs exactly three decimal digits".to_owned()),
        }
    }
    u8::try_from(value).map_err(|_| format!("\\{value:03} is not an octet (0 to 255)"))
}

/// Writes `bytes` as one quoted `<character-string>`, escaping what must be escaped.
fn quote(bytes: &[u8], out: &mut String) {
    out.push('"');
    for &byte in bytes {
        match byte {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(byte));
            }
            0x20..=0x7e => out.push(char::from(byte)),
            _ => {
                let _ = write!(out, "\\{byte:03}");
            }
        }
    }
    out.push('"');
}

fn number<T: TryFrom<u64>>(token: Option<&Token>, what: &str, max: u64) -> Result<T, String> {
    let token = token.ok_or_else(|| format!("{what} is missing"))?;
    let text = token.as_str();
    text.parse::<u64>()
        .ok()
        .filter(|value| *value <= max && !text.starts_with('+'))
        .and_then(|value| T::try_from(value).ok())
        .ok_or_else(|| format!("{what} must be a number from 0 to {max}, not \"{text}\""))
}

fn hex(tokens: &[Token], what: &str) -> Result<Vec<u8>, String> {
    let digits: String = tokens.iter().map(Token::as_str).collect();
    if digits.is_empty() {
        return Err(format!("{what} is missing"));
    }
    if !digits.len().is_multiple_of(2) || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "{what} must be hexadecimal digits (an even number of them)"
        ));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            digits
                .get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("{what} must be hexadecimal digits"))
        })
        .collect()
}

fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02X}");
        out
    })
}

fn expect_count(tokens: &[Token], count: usize, layout: &str) -> Result<(), String> {
    if tokens.len() == count {
        Ok(())
    } else {
        Err(format!(
            "expected {count} field{} ({layout}), found {}",
            if count == 1 { "" } else { "s" },
            tokens.len()
        ))
    }
}

fn name_token(
    token: Option<&Token>,
    what: &str,
    origin: &Name,
    role: NameRole,
) -> Result<Name, String> {
    let token = token.ok_or_else(|| format!("{what} is missing"))?;
    let text = token.as_str();
    if role == NameRole::Host && is_ip_literal(&text) {
        return Err(format!(
            "{what} must be a host name, not an IP address (\"{text}\")"
        ));
    }
    parse_name(&text, origin, role).map_err(|rule| format!("{what}: {rule}"))
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

/// Appends `name` in uncompressed wire form (RFC 3597 §4: names in newer types' data are never
/// compressed).
fn push_name(name: &Name, out: &mut Vec<u8>) {
    for label in name.iter() {
        out.push(u8::try_from(label.len()).unwrap_or(0));
        out.extend_from_slice(label);
    }
    out.push(0);
}

fn push_char_string(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(u8::try_from(bytes.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(bytes);
}

/// Wire data of `rtype` as hickory's typed [`RData`], or as opaque data (RFC 3597) for a type
/// hickory does not know without its DNSSEC features (DS).
fn from_wire(rtype: RecordType, bytes: Vec<u8>) -> Result<RData, String> {
    let len = u16::try_from(bytes.len()).map_err(|_| "record data longer than 65535 octets")?;
    if rtype != RecordType::DS {
        let mut decoder = BinDecoder::new(&bytes);
        if let Ok(data) = RData::read(&mut decoder, rtype, Restrict::new(len)) {
            return Ok(data);
        }
    }
    Ok(RData::Unknown {
        code: rtype,
        rdata: NULL::with(bytes),
    })
}

fn parse_rdata(rtype: RecordType, text: &str, origin: &Name) -> Result<Rdata, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the record is empty".to_owned());
    }
    if matches!(rtype, RecordType::SVCB | RecordType::HTTPS) {
        return parse_svcb(rtype, text, origin);
    }
    let tokens = if rtype == RecordType::TXT && !text.starts_with('"') {
        // A console convenience: an unquoted TXT value is taken whole, spaces and all, as people
        // paste SPF and DKIM values. Quoted input follows RFC 1035 §5.1.
        vec![Token {
            bytes: text.as_bytes().to_vec(),
            quoted: true,
        }]
    } else {
        tokenize(text)?
    };
    let (text, data) = match rtype {
        RecordType::A => {
            expect_count(&tokens, 1, "an IPv4 address")?;
            let raw = tokens[0].as_str();
            let addr: Ipv4Addr = raw
                .parse()
                .map_err(|_| format!("\"{raw}\" is not an IPv4 address"))?;
            (addr.to_string(), RData::A(A(addr)))
        }
        RecordType::AAAA => {
            expect_count(&tokens, 1, "an IPv6 address")?;
            let raw = tokens[0].as_str();
            let addr: Ipv6Addr = raw
                .parse()
                .map_err(|_| format!("\"{raw}\" is not an IPv6 address"))?;
            (addr.to_string(), RData::AAAA(AAAA(addr)))
        }
        RecordType::CNAME | RecordType::PTR | RecordType::NS => {
            expect_count(&tokens, 1, "a domain name")?;
            let role = if rtype == RecordType::NS {
                NameRole::Host
            } else {
                NameRole::Target
            };
            let what = format!("{rtype} target");
            let target = name_token(tokens.first(), &what, origin, role)?;
            if target.is_root() {
                return Err(format!("{what} must not be the root"));
            }
            let data = match rtype {
                RecordType::CNAME => RData::CNAME(CNAME(target.clone())),
                RecordType::PTR => RData::PTR(PTR(target.clone())),
                _ => RData::NS(NS(target.clone())),
            };
            (target.to_string(), data)
        }
        RecordType::MX => {
            expect_count(&tokens, 2, "preference and mail exchange")?;
            let preference: u16 = number(tokens.first(), "MX preference", 65535)?;
            let exchange = name_token(tokens.get(1), "MX target", origin, NameRole::Host)?;
            (
                format!("{preference} {exchange}"),
                RData::MX(MX::new(preference, exchange)),
            )
        }
        RecordType::SRV => {
            expect_count(&tokens, 4, "priority, weight, port and target")?;
            let priority: u16 = number(tokens.first(), "SRV priority", 65535)?;
            let weight: u16 = number(tokens.get(1), "SRV weight", 65535)?;
            let port: u16 = number(tokens.get(2), "SRV port", 65535)?;
            let target = name_token(tokens.get(3), "SRV target", origin, NameRole::Host)?;
            (
                format!("{priority} {weight} {port} {target}"),
                RData::SRV(SRV::new(priority, weight, port, target)),
            )
        }
        RecordType::TXT => parse_txt(&tokens)?,
        RecordType::CAA => parse_caa(&tokens)?,
        RecordType::DS => parse_ds(&tokens)?,
        RecordType::TLSA => parse_tlsa(&tokens)?,
        RecordType::SSHFP => parse_sshfp(&tokens)?,
        RecordType::NAPTR => parse_naptr(&tokens, origin)?,
        RecordType::SOA => parse_soa(&tokens, origin)?,
        other => return Err(format!("{other} records are not supported")),
    };
    Ok(Rdata { text, data })
}

/// TXT (RFC 1035 §3.3.14): one or more `<character-string>`s. Longer strings are split into
/// 255-octet chunks, which is what every resolver joins back (RFC 7208 §3.3 for SPF).
fn parse_txt(tokens: &[Token]) -> Result<(String, RData), String> {
    let mut chunks: Vec<&[u8]> = Vec::new();
    for token in tokens {
        if token.bytes.is_empty() {
            chunks.push(&[]);
        }
        chunks.extend(token.bytes.chunks(MAX_CHARACTER_STRING));
    }
    let mut text = String::new();
    for (index, chunk) in chunks.iter().enumerate() {
        if index > 0 {
            text.push(' ');
        }
        quote(chunk, &mut text);
    }
    Ok((text, RData::TXT(TXT::from_bytes(chunks))))
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

/// CAA (RFC 8659 §4.1): `flags tag value`.
fn parse_caa(tokens: &[Token]) -> Result<(String, RData), String> {
    expect_count(tokens, 3, "flags, tag and value")?;
    let flags: u8 = number(tokens.first(), "CAA flags", 255)?;
    let tag = tokens.get(1).map(Token::as_str).unwrap_or_default();
    // RFC 8659 §4.1: "Tag: ... The tag length MUST be at least 1 and SHOULD be no more than
    // 15 characters", made of "letters and numbers".
    if tag.is_empty() || tag.len() > 15 || !tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!(
            "CAA tag \"{tag}\" must be 1 to 15 letters and digits (RFC 8659 §4.1), e.g. {}",
            CAA_KNOWN_TAGS.join(", ")
        ));
    }
    let tag = tag.to_ascii_lowercase();
    let value = tokens.get(2).map(|t| t.bytes.clone()).unwrap_or_default();
    if tag == "iodef" {
        let value = String::from_utf8_lossy(&value);
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
    let mut text = format!("{flags} {tag} ");
    quote(&value, &mut text);
    let mut wire = vec![flags];
    push_char_string(tag.as_bytes(), &mut wire);
    // The tag's length octet and the tag, then the value runs to the end of the data.
    wire.extend_from_slice(&value);
    Ok((text, from_wire(RecordType::CAA, wire)?))
}

/// DS (RFC 4034 §5.3): `key-tag algorithm digest-type digest`. The digest length must fit the
/// digest type, or the record can never match a key.
fn parse_ds(tokens: &[Token]) -> Result<(String, RData), String> {
    if tokens.len() < 4 {
        return Err(format!(
            "expected 4 fields (key tag, algorithm, digest type, digest), found {}",
            tokens.len()
        ));
    }
    let key_tag: u16 = number(tokens.first(), "DS key tag", 65535)?;
    let algorithm: u8 = number(tokens.get(1), "DS algorithm", 255)?;
    let digest_type: u8 = number(tokens.get(2), "DS digest type", 255)?;
    let (expected, digest_name) = match digest_type {
        1 => (20, "SHA-1"),
        2 => (32, "SHA-256"),
        3 => (32, "GOST R 34.11-94"),
        4 => (48, "SHA-384"),
        other => {
            return Err(format!(
                "DS digest type {other} is not known (1 SHA-1, 2 SHA-256, 4 SHA-384)"
            ))
        }
    };
    let digest = hex(tokens.get(3..).unwrap_or_default(), "DS digest")?;
    if digest.len() != expected {
        return Err(format!(
            "a {digest_name} digest (type {digest_type}) is {expected} octets ({} hex digits); \
             this one is {} octets",
            expected * 2,
            digest.len()
        ));
    }
    let text = format!("{key_tag} {algorithm} {digest_type} {}", upper_hex(&digest));
    let mut wire = key_tag.to_be_bytes().to_vec();
    wire.extend_from_slice(&[algorithm, digest_type]);
    wire.extend_from_slice(&digest);
    Ok((text, from_wire(RecordType::DS, wire)?))
}

/// TLSA (RFC 6698 §2): `usage selector matching-type data`.
fn parse_tlsa(tokens: &[Token]) -> Result<(String, RData), String> {
    if tokens.len() < 4 {
        return Err(format!(
            "expected 4 fields (usage, selector, matching type, data), found {}",
            tokens.len()
        ));
    }
    let usage: u8 = number(tokens.first(), "TLSA usage", 3)?;
    let selector: u8 = number(tokens.get(1), "TLSA selector", 1)?;
    let matching: u8 = number(tokens.get(2), "TLSA matching type", 2)?;
    let data = hex(tokens.get(3..).unwrap_or_default(), "TLSA data")?;
    let expected = match matching {
        1 => Some(32),
        2 => Some(64),
        _ => None,
    };
    if let Some(expected) = expected.filter(|len| *len != data.len()) {
        return Err(format!(
            "TLSA matching type {matching} needs a {expected}-octet hash; this one is {} octets",
            data.len()
        ));
    }
    let text = format!("{usage} {selector} {matching} {}", upper_hex(&data));
    let mut wire = vec![usage, selector, matching];
    wire.extend_from_slice(&data);
    Ok((text, from_wire(RecordType::TLSA, wire)?))
}

/// SSHFP (RFC 4255 §3.1, RFC 6594): `algorithm fp-type fingerprint`.
fn parse_sshfp(tokens: &[Token]) -> Result<(String, RData), String> {
    if tokens.len() < 3 {
        return Err(format!(
            "expected 3 fields (algorithm, fingerprint type, fingerprint), found {}",
            tokens.len()
        ));
    }
    let algorithm: u8 = number(tokens.first(), "SSHFP algorithm", 255)?;
    let fp_type: u8 = number(tokens.get(1), "SSHFP fingerprint type", 255)?;
    let fingerprint = hex(tokens.get(2..).unwrap_or_default(), "SSHFP fingerprint")?;
    let expected = match fp_type {
        1 => 20,
        2 => 32,
        other => {
            return Err(format!(
                "SSHFP fingerprint type {other} is not known (1 SHA-1, 2 SHA-256)"
            ))
        }
    };
    if fingerprint.len() != expected {
        return Err(format!(
            "SSHFP fingerprint type {fp_type} needs {expected} octets; this one is {} octets",
            fingerprint.len()
        ));
    }
    let text = format!("{algorithm} {fp_type} {}", upper_hex(&fingerprint));
    let mut wire = vec![algorithm, fp_type];
    wire.extend_from_slice(&fingerprint);
    Ok((text, from_wire(RecordType::SSHFP, wire)?))
}

/// NAPTR (RFC 3403 §4.1): `order preference flags services regexp replacement`.
fn parse_naptr(tokens: &[Token], origin: &Name) -> Result<(String, RData), String> {
    expect_count(
        tokens,
        6,
        "order, preference, flags, services, regexp and replacement",
    )?;
    let order: u16 = number(tokens.first(), "NAPTR order", 65535)?;
    let preference: u16 = number(tokens.get(1), "NAPTR preference", 65535)?;
    let mut strings = Vec::new();
    for (token, what) in tokens.get(2..5).unwrap_or_default().iter().zip([
        "NAPTR flags",
        "NAPTR services",
        "NAPTR regexp",
    ]) {
        strings.push(char_string(token, what)?);
    }
    if let Some(flags) = strings.first() {
        if !flags.iter().all(u8::is_ascii_alphanumeric) {
            return Err("NAPTR flags must be letters and digits (RFC 3403 §4.1)".to_owned());
        }
    }
    let replacement = name_token(tokens.get(5), "NAPTR replacement", origin, NameRole::Target)?;
    let mut text = format!("{order} {preference}");
    let mut wire = order.to_be_bytes().to_vec();
    wire.extend_from_slice(&preference.to_be_bytes());
    for string in &strings {
        text.push(' ');
        quote(string, &mut text);
        push_char_string(string, &mut wire);
    }
    let _ = write!(text, " {replacement}");
    push_name(&replacement, &mut wire);
    Ok((text, from_wire(RecordType::NAPTR, wire)?))
}

/// SOA (RFC 1035 §3.3.13): `mname rname serial refresh retry expire minimum`.
fn parse_soa(tokens: &[Token], origin: &Name) -> Result<(String, RData), String> {
    expect_count(
        tokens,
        7,
        "mname, rname, serial, refresh, retry, expire and minimum",
    )?;
    let mname = name_token(tokens.first(), "SOA MNAME", origin, NameRole::Host)?;
    let rname = name_token(tokens.get(1), "SOA RNAME", origin, NameRole::Target)?;
    let serial: u32 = number(tokens.get(2), "SOA serial", u64::from(u32::MAX))?;
    let max = u64::from(super::MAX_TTL);
    let refresh: i32 = number(tokens.get(3), "SOA refresh", max)?;
    let retry: i32 = number(tokens.get(4), "SOA retry", max)?;
    let expire: i32 = number(tokens.get(5), "SOA expire", max)?;
    let minimum: u32 = number(tokens.get(6), "SOA minimum", max)?;
    let text = format!("{mname} {rname} {serial} {refresh} {retry} {expire} {minimum}");
    Ok((
        text,
        RData::SOA(SOA::new(
            mname, rname, serial, refresh, retry, expire, minimum,
        )),
    ))
}

/// SVCB and HTTPS (RFC 9460 §2.1): `priority target params…`. The priority and target are
/// checked here (the target relative to the zone, like every name); the parameters are parsed
/// by hickory, whose printing is then the canonical form.
fn parse_svcb(rtype: RecordType, text: &str, origin: &Name) -> Result<Rdata, String> {
    let mut parts = text.splitn(3, char::is_whitespace);
    let priority_text = parts.next().unwrap_or_default();
    let priority: u16 = priority_text
        .parse()
        .map_err(|_| format!("{rtype} priority must be a number from 0 to 65535"))?;
    let target_text = parts
        .next()
        .ok_or_else(|| format!("{rtype} target is missing"))?;
    let target = parse_name(target_text, origin, NameRole::Target)
        .map_err(|rule| format!("{rtype} target: {rule}"))?;
    let params = parts.next().unwrap_or_default().trim();
    if priority == 0 && !params.is_empty() {
        return Err(format!(
            "{rtype} priority 0 is AliasMode, which takes no parameters (RFC 9460 §2.4.2)"
        ));
    }
    let absolute = format!("{priority} {target} {params}");
    let data = RData::try_from_str(rtype, absolute.trim())
        .map_err(|err| format!("{rtype} parameters: {err}"))?;
    // Parse what we print once more: the canonical text must read back as the same data.
    let text = data.to_string();
    match RData::try_from_str(rtype, &text) {
        Ok(again) if again.to_bytes().ok() == data.to_bytes().ok() => Ok(Rdata { text, data }),
        _ => Err(format!(
            "{rtype} parameters could not be put in canonical form"
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn origin() -> Name {
        Name::from_ascii("example.com.").unwrap()
    }

    fn parse(rtype: RecordType, text: &str) -> Result<Rdata, String> {
        Rdata::parse(rtype, text, &origin())
    }

    fn canonical(rtype: RecordType, text: &str) -> String {
        parse(rtype, text)
            .unwrap_or_else(|err| panic!("{rtype} {text}: {err}"))
            .text()
            .to_owned()
    }

    #[test]
    fn presentation_round_trips() {
        let table = [
            (RecordType::A, "192.0.2.1", "192.0.2.1"),
            (RecordType::AAAA, "2001:DB8:0:0::1", "2001:db8::1"),
            (RecordType::CNAME, "www", "www.example.com."),
            (RecordType::PTR, "host.example.net.", "host.example.net."),
            (RecordType::NS, "ns1", "ns1.example.com."),
            (RecordType::MX, "10 mail", "10 mail.example.com."),
            (RecordType::MX, "0 .", "0 ."),
            (RecordType::SRV, "0 5 5060 sip", "0 5 5060 sip.example.com."),
            (RecordType::TXT, "\"a\" \"b c\"", "\"a\" \"b c\""),
            (RecordType::TXT, "v=spf1 -all", "\"v=spf1 -all\""),
            (
                RecordType::TXT,
                r#""say \"hi\" \\ \010""#,
                r#""say \"hi\" \\ \010""#,
            ),
            (RecordType::TXT, "\"\"", "\"\""),
            (
                RecordType::CAA,
                "0 ISSUE \"letsencrypt.org\"",
                "0 issue \"letsencrypt.org\"",
            ),
            (
                RecordType::CAA,
                "128 iodef mailto:sec@example.com",
                "128 iodef \"mailto:sec@example.com\"",
            ),
            (
                RecordType::DS,
                "12345 13 2 e3b0c44298fc1c149afbf4c8996fb924 27ae41e4649b934ca495991b7852b855",
                "12345 13 2 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            ),
            (
                RecordType::TLSA,
                "3 1 1 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "3 1 1 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            ),
            (
                RecordType::SSHFP,
                "4 2 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "4 2 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            ),
            (
                RecordType::NAPTR,
                "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp",
                "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.",
            ),
            (
                RecordType::SOA,
                "ns1 hostmaster 1 7200 3600 1209600 300",
                "ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300",
            ),
        ];
        for (rtype, input, expected) in table {
            let first = canonical(rtype, input);
            assert_eq!(first, expected, "{rtype} {input}");
            assert_eq!(canonical(rtype, &first), first, "{rtype} reparse");
        }
    }

    #[test]
    fn svcb_and_https_round_trip() {
        for (rtype, input) in [
            (RecordType::HTTPS, "1 . alpn=h2,h3 ipv4hint=192.0.2.1"),
            (RecordType::SVCB, "0 svc"),
            (RecordType::HTTPS, "1 svc port=8443"),
        ] {
            let first = canonical(rtype, input);
            assert_eq!(canonical(rtype, &first), first, "{rtype} {input}");
        }
        assert!(parse(RecordType::HTTPS, "0 svc alpn=h2").is_err());
        assert!(parse(RecordType::HTTPS, "x svc").is_err());
    }

    #[test]
    fn long_txt_is_split_into_255_octet_chunks() {
        let long = "x".repeat(600);
        let rdata = parse(RecordType::TXT, &format!("\"{long}\"")).unwrap();
        let RData::TXT(txt) = rdata.data() else {
            panic!("TXT data")
        };
        let lens: Vec<usize> = txt.txt_data.iter().map(|chunk| chunk.len()).collect();
        assert_eq!(lens, [255, 255, 90]);
        assert_eq!(rdata.text().matches('"').count(), 6);
        // Unquoted long values are split the same way.
        let unquoted = parse(RecordType::TXT, &long).unwrap();
        assert_eq!(unquoted, rdata);
    }

    #[test]
    fn rejections() {
        let table = [
            (RecordType::A, "300.0.0.1", "not an IPv4 address"),
            (RecordType::A, "192.0.2.1 192.0.2.2", "expected 1 field"),
            (RecordType::AAAA, "192.0.2.1", "not an IPv6 address"),
            (
                RecordType::MX,
                "10 192.0.2.1",
                "MX target must be a host name, not an IP",
            ),
            (
                RecordType::MX,
                "10 2001:db8::1",
                "MX target must be a host name, not an IP",
            ),
            (
                RecordType::NS,
                "192.0.2.53.",
                "NS target must be a host name, not an IP",
            ),
            (
                RecordType::SRV,
                "0 0 443 192.0.2.1",
                "SRV target must be a host name, not",
            ),
            (RecordType::MX, "70000 mail", "from 0 to 65535"),
            (RecordType::MX, "-1 mail", "from 0 to 65535"),
            (
                RecordType::CAA,
                "256 issue \"ca.example\"",
                "CAA flags must be a number from 0 to 255",
            ),
            (
                RecordType::CAA,
                "0 is-sue \"ca.example\"",
                "letters and digits",
            ),
            (
                RecordType::CAA,
                "0 \"\" \"ca.example\"",
                "letters and digits",
            ),
            (RecordType::CAA, "0 iodef \"ftp://x\"", "iodef"),
            (
                RecordType::DS,
                "1 13 2 abcd",
                "SHA-256 digest (type 2) is 32 octets",
            ),
            (
                RecordType::DS,
                &format!("1 13 1 {}", "ab".repeat(32)),
                "SHA-1 digest (type 1) is 20",
            ),
            (
                RecordType::DS,
                &format!("1 13 4 {}", "ab".repeat(32)),
                "SHA-384 digest (type 4) is 48",
            ),
            (RecordType::DS, "1 13 9 abcd", "digest type 9 is not known"),
            (RecordType::DS, "1 13 2 xyz", "hexadecimal"),
            (RecordType::TXT, "\"open", "not closed"),
            (RecordType::TXT, "\"bad \\300\"", "not an octet"),
            (RecordType::CNAME, "*.example.com.", "wildcard"),
            (RecordType::CNAME, ".", "root"),
            (RecordType::TLSA, "3 1 1 abcd", "32-octet"),
            (RecordType::SSHFP, "4 2 abcd", "32 octets"),
        ];
        for (rtype, input, expected) in table {
            let err = parse(rtype, input).expect_err(input);
            assert!(err.contains(expected), "{rtype} {input}: {err}");
        }
    }

    #[test]
    fn types_are_parsed_case_insensitively_and_unsupported_ones_refused() {
        assert_eq!(parse_type("mx").unwrap(), RecordType::MX);
        assert_eq!(parse_type(" HTTPS ").unwrap(), RecordType::HTTPS);
        assert!(parse_type("DNAME").unwrap_err().contains("not a supported"));
        assert!(parse_type("TYPE65534").is_err());
    }

    #[test]
    fn caa_and_ds_have_the_right_wire_form() {
        let caa = parse(RecordType::CAA, "0 issue \"ca.example\"").unwrap();
        let bytes = caa.data().to_bytes().unwrap();
        assert_eq!(bytes, b"\x00\x05issueca.example");
        let ds = parse(RecordType::DS, &format!("258 8 1 {}", "00".repeat(20))).unwrap();
        let bytes = ds.data().to_bytes().unwrap();
        assert_eq!(&bytes[..4], &[1, 2, 8, 1]);
        assert_eq!(bytes.len(), 24);
        assert_eq!(ds.record_type(), RecordType::DS);
    }
}
