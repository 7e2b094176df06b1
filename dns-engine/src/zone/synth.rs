//! Synthesized reverse DNS: default names for addresses that have no PTR of their own, and the
//! forward addresses of those names, computed per query instead of stored.
//!
//! A hosting provider gives every address it rents out a name, such as
//! `static.7.113.0.203.clients.example.net.` for 203.0.113.7, so that reverse lookups never
//! fail, and makes that name resolve back to the address so that forward-confirmed reverse DNS
//! (FCrDNS) passes. Storing a row per address is fine for a /24 and absurd for a /48 of IPv6
//! (2^80 addresses), so the engine derives both directions from a [`Template`] and the
//! assigned [`Network`]s:
//!
//! * in a reverse zone, a query for an address in an assigned range that has no PTR node gets
//!   the PTR to the template's name ([`SynthRule::Ptr`]);
//! * in the forward zone that holds the template's domain, a query for a name the template can
//!   produce gets the A or AAAA record of the address it names, if that address is assigned
//!   ([`SynthRule::Address`]).
//!
//! Names *above* synthesized names are empty non-terminals (RFC 4592 §2.2.2 — they exist), so
//! a resolver walking down with QNAME minimisation (RFC 9156) gets NODATA there, not NXDOMAIN,
//! which would tell it that nothing exists below (RFC 8020).
//!
//! # Template placeholders
//!
//! | placeholder     | IPv4 (203.0.113.7) | IPv6 (2001:db8::7)                                  |
//! |-----------------|--------------------|-----------------------------------------------------|
//! | `{a}` … `{d}`   | `203`, `0`, `113`, `7` | —                                               |
//! | `{ip}`          | `203-0-113-7`      | `2001-0db8-0000-0000-0000-0000-0000-0007`           |
//! | `{ip-reversed}` | `7.113.0.203`      | `7.0.0.0.….8.b.d.0.1.0.0.2` (32 nibbles, as in ip6.arpa) |
//!
//! A template must name the whole address (all of `{a}`–`{d}`, or `{ip}`, or `{ip-reversed}`)
//! and end in at least one label without placeholders: the domain the names live in. IPv6
//! groups are written in full (four hex digits each) so that every address has exactly one
//! name and every name exactly one address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use std::sync::Arc;

use hickory_proto::rr::rdata::{A, AAAA, PTR};
use hickory_proto::rr::{Name, RData, RecordType};

use crate::model::LowerName;

/// An IP network: an address with the host bits zero and a prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Network {
    addr: IpAddr,
    len: u8,
}

/// Why a network or template was refused; the message is for people.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SynthError(pub String);

fn err(message: impl Into<String>) -> SynthError {
    SynthError(message.into())
}

fn bits(addr: IpAddr) -> (u128, u8) {
    match addr {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    }
}

fn from_bits(value: u128, v4: bool) -> IpAddr {
    if v4 {
        IpAddr::V4(Ipv4Addr::from(u32::try_from(value).unwrap_or(0)))
    } else {
        IpAddr::V6(Ipv6Addr::from(value))
    }
}

/// The mask of the top `len` bits of a `width`-bit address.
fn mask(len: u8, width: u8) -> u128 {
    if len == 0 {
        0
    } else {
        let all = if width == 128 {
            u128::MAX
        } else {
            (1u128 << width) - 1
        };
        all & !(all >> len)
    }
}

impl Network {
    /// The network of `addr`/`len`; refuses host bits that are set, so that what the user typed
    /// is what is stored.
    pub fn new(addr: IpAddr, len: u8) -> Result<Self, SynthError> {
        let (value, width) = bits(addr);
        if len > width {
            return Err(err(format!("prefix length /{len} is longer than /{width}")));
        }
        if value & !mask(len, width) != 0 {
            let net = from_bits(value & mask(len, width), width == 32);
            return Err(err(format!(
                "{addr}/{len} has host bits set; the network is {net}/{len}"
            )));
        }
        Ok(Self { addr, len })
    }

    /// The network's first address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// True for IPv4.
    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// Whether `addr` is in this network.
    pub fn contains(&self, addr: IpAddr) -> bool {
        let (value, width) = bits(addr);
        let (net, net_width) = bits(self.addr);
        width == net_width && value & mask(self.len, width) == net
    }

    /// Whether the two networks share an address (one contains the other).
    pub fn overlaps(&self, other: &Network) -> bool {
        let shorter = self.len.min(other.len);
        let (a, wa) = bits(self.addr);
        let (b, wb) = bits(other.addr);
        wa == wb && (a ^ b) & mask(shorter, wa) == 0
    }

    /// Whether some address of this network has the bits `value` under `known` (a mask).
    fn admits(&self, value: u128, known: u128) -> bool {
        let (net, width) = bits(self.addr);
        let both = known & mask(self.len, width);
        (net ^ value) & both == 0
    }

    /// The number of addresses, saturating at `u128::MAX`.
    pub fn size(&self) -> u128 {
        let width = if self.is_ipv4() { 32 } else { 128 };
        1u128
            .checked_shl(u32::from(width - self.len))
            .unwrap_or(u128::MAX)
    }

    /// The reverse zone name of this network (`0.203.in-addr.arpa.` for 203.0.0.0/16), when the
    /// prefix ends on a label boundary (8 bits for IPv4, 4 for IPv6).
    pub fn reverse_zone(&self) -> Option<Name> {
        let (value, width) = bits(self.addr);
        let step = if width == 32 { 8 } else { 4 };
        if !self.len.is_multiple_of(step) {
            return None;
        }
        let labels = usize::from(self.len / step);
        let mut text = String::new();
        for i in (0..labels).rev() {
            let shift = u32::from(width) - u32::from(step) * (i as u32 + 1);
            let part = (value >> shift) & ((1 << step) - 1);
            if width == 32 {
                text.push_str(&format!("{part}."));
            } else {
                text.push_str(&format!("{part:x}."));
            }
        }
        text.push_str(if width == 32 {
            "in-addr.arpa."
        } else {
            "ip6.arpa."
        });
        Name::from_ascii(text).ok()
    }
}

impl FromStr for Network {
    type Err = SynthError;

    /// `203.0.113.0/24`, `2001:db8::/32`; a bare address is a /32 or /128.
    fn from_str(text: &str) -> Result<Self, SynthError> {
        let (addr, len) = match text.split_once('/') {
            Some((addr, len)) => (addr, Some(len)),
            None => (text, None),
        };
        let addr: IpAddr = addr.trim().parse().map_err(|_| {
            err(format!(
                "\"{}\" is not an IPv4 or IPv6 address",
                addr.trim()
            ))
        })?;
        let width = if addr.is_ipv4() { 32 } else { 128 };
        let len = match len {
            None => width,
            Some(len) => len
                .trim()
                .parse::<u8>()
                .map_err(|_| err(format!("\"{len}\" is not a prefix length")))?,
        };
        Network::new(addr, len)
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// The reverse-DNS name of an address: `7.113.0.203.in-addr.arpa.`, or 32 nibbles under
/// `ip6.arpa.` (RFC 1035 §3.5, RFC 3596 §2.5).
pub fn reverse_name(addr: IpAddr) -> Name {
    // Digits and dots under a fixed suffix: always a valid name.
    Name::from_ascii(reverse_text(addr)).unwrap_or_else(|_| Name::root())
}

/// [`reverse_name`] as text, absolute.
pub fn reverse_text(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa.")
        }
        IpAddr::V6(v6) => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let value = u128::from(v6);
            let mut text = String::with_capacity(73);
            for i in 0..32 {
                text.push(char::from(HEX[((value >> (4 * i)) & 0xf) as usize]));
                text.push('.');
            }
            text.push_str("ip6.arpa.");
            text
        }
    }
}

/// What a name under in-addr.arpa or ip6.arpa says about an address: the bits its labels give
/// (the top `known` bits of `value`), and whether they give all of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReversePrefix {
    value: u128,
    known: u8,
    v4: bool,
}

impl ReversePrefix {
    /// The whole address, when every label is there.
    pub fn address(&self) -> Option<IpAddr> {
        let width = if self.v4 { 32 } else { 128 };
        (self.known == width).then(|| from_bits(self.value, self.v4))
    }

    fn overlaps(&self, net: &Network) -> bool {
        let width = if self.v4 { 32 } else { 128 };
        net.is_ipv4() == self.v4 && net.admits(self.value, mask(self.known, width))
    }
}

/// Parses a reverse name (`113.0.203.in-addr.arpa.` → 203.0.113.0 with 24 bits known).
/// `None` for names outside in-addr.arpa/ip6.arpa or with labels that are not octets/nibbles.
pub fn parse_reverse(name: &LowerName) -> Option<ReversePrefix> {
    let labels: Vec<&[u8]> = name.as_name().iter().collect();
    parse_reverse_labels(&labels)
}

/// [`parse_reverse`] of the name with these labels (lower case, leftmost first).
pub fn parse_reverse_labels(labels: &[&[u8]]) -> Option<ReversePrefix> {
    let n = labels.len();
    if n >= 2 && labels[n - 1] == b"arpa" && labels[n - 2] == b"in-addr" {
        let octets = &labels[..n - 2];
        if octets.len() > 4 {
            return None;
        }
        let mut value = 0u128;
        for (i, label) in octets.iter().rev().enumerate() {
            let octet = decimal_octet(label)?;
            value |= u128::from(octet) << (24 - 8 * i);
        }
        Some(ReversePrefix {
            value,
            known: 8 * octets.len() as u8,
            v4: true,
        })
    } else if n >= 2 && labels[n - 1] == b"arpa" && labels[n - 2] == b"ip6" {
        let nibbles = &labels[..n - 2];
        if nibbles.len() > 32 {
            return None;
        }
        let mut value = 0u128;
        for (i, label) in nibbles.iter().rev().enumerate() {
            let [digit] = label else { return None };
            let nibble = (*digit as char).to_digit(16)?;
            value |= u128::from(nibble) << (124 - 4 * i);
        }
        Some(ReversePrefix {
            value,
            known: 4 * nibbles.len() as u8,
            v4: false,
        })
    } else {
        None
    }
}

/// A decimal octet in canonical form (`0`..`255`, no leading zeros).
fn decimal_octet(label: &[u8]) -> Option<u8> {
    if label.is_empty() || label.len() > 3 || (label.len() > 1 && label[0] == b'0') {
        return None;
    }
    std::str::from_utf8(label).ok()?.parse().ok()
}

/// What a placeholder stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// IPv4 octet 0..4 (`{a}` is 0) in decimal.
    Octet(u8),
    /// IPv6 nibble 0..32 (0 is the most significant) as one hex digit.
    Nibble(u8),
    /// The whole address, dashed.
    Ip,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(Part),
}

/// A default-name template, parsed for one address family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    text: String,
    v4: bool,
    /// The labels, most specific first, each a sequence of literal text and placeholders
    /// (`{ip-reversed}` is expanded into one placeholder label per octet or nibble).
    labels: Vec<Vec<Piece>>,
    /// The name the literal labels at the end make up: the domain of every name produced.
    domain: Name,
}

impl Template {
    /// Parses `text` (an absolute or relative-to-root name with placeholders) for IPv4
    /// (`v4`) or IPv6 addresses, and checks that it names every address exactly once and
    /// yields valid host names.
    pub fn parse(text: &str, v4: bool) -> Result<Self, SynthError> {
        let trimmed = text.trim().trim_end_matches('.').to_ascii_lowercase();
        if trimmed.is_empty() {
            return Err(err("must not be empty"));
        }
        let labels = parse_labels(&trimmed, v4)?;
        let has_var = |label: &Vec<Piece>| label.iter().any(|p| matches!(p, Piece::Var(_)));
        let literal_tail = labels.iter().rev().take_while(|l| !has_var(l)).count();
        if literal_tail == labels.len() {
            return Err(err(
                "has no placeholder; use {ip}, {ip-reversed} or (IPv4) {a}.{b}.{c}.{d}",
            ));
        }
        if literal_tail == 0 {
            return Err(err(
                "must end in a domain without placeholders, e.g. ….clients.example.net",
            ));
        }
        let parts: Vec<Part> = labels
            .iter()
            .flatten()
            .filter_map(|p| match p {
                Piece::Var(part) => Some(*part),
                Piece::Text(_) => None,
            })
            .collect();
        let complete = parts.contains(&Part::Ip)
            || if v4 {
                (0..4).all(|i| parts.contains(&Part::Octet(i)))
            } else {
                (0..32).all(|i| parts.contains(&Part::Nibble(i)))
            };
        if !complete {
            return Err(err(if v4 {
                "must name the whole address: {ip}, {ip-reversed}, or all of {a} {b} {c} {d}"
            } else {
                "must name the whole address: {ip} or {ip-reversed}"
            }));
        }
        let domain_text: Vec<String> = labels[labels.len() - literal_tail..]
            .iter()
            .map(|l| render_label(l, None))
            .collect();
        let domain = Name::from_ascii(format!("{}.", domain_text.join(".")))
            .map_err(|e| err(format!("the domain is not a valid name: {e}")))?;
        let template = Self {
            text: format!("{trimmed}."),
            v4,
            labels,
            domain,
        };
        // The longest name the template can produce must still be a valid host name.
        let widest = if v4 {
            IpAddr::V4(Ipv4Addr::new(255, 255, 255, 255))
        } else {
            IpAddr::V6(Ipv6Addr::from(u128::MAX))
        };
        let rendered = template.render_text(widest);
        if rendered.split('.').any(|l| l.len() > 63) {
            return Err(err("produces a label longer than 63 octets"));
        }
        if rendered.len() + 1 > 255 {
            return Err(err("produces names longer than 255 octets"));
        }
        Name::from_ascii(&rendered).map_err(|e| err(format!("produces invalid names: {e}")))?;
        Ok(template)
    }

    /// The template as written (lower case, absolute).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether it is for IPv4 addresses.
    pub fn is_ipv4(&self) -> bool {
        self.v4
    }

    /// The domain every produced name is in (the template's literal tail).
    pub fn domain(&self) -> &Name {
        &self.domain
    }

    fn render_text(&self, addr: IpAddr) -> String {
        let mut text = self
            .labels
            .iter()
            .map(|l| render_label(l, Some(addr)))
            .collect::<Vec<_>>()
            .join(".");
        text.push('.');
        text
    }

    /// The default name of `addr`, which must be of the template's family.
    pub fn render(&self, addr: IpAddr) -> Option<Name> {
        (addr.is_ipv4() == self.v4)
            .then(|| Name::from_ascii(self.render_text(addr)).ok())
            .flatten()
    }

    /// [`Template::render`] in wire form (lower case, with the root label) into `out`, without
    /// allocating: its length, or None where `render` gives None. The labels are the same:
    /// literal text is letters, digits and hyphens, already in lower case (checked by
    /// [`Template::parse`]), and placeholders render as in `render_part`.
    pub fn render_wire(&self, addr: IpAddr, out: &mut [u8; 255]) -> Option<usize> {
        if addr.is_ipv4() != self.v4 {
            return None;
        }
        let mut at = 0;
        for pieces in &self.labels {
            let start = at;
            at += 1;
            for piece in pieces {
                match piece {
                    Piece::Text(text) => {
                        out.get_mut(at..at + text.len())?
                            .copy_from_slice(text.as_bytes());
                        at += text.len();
                    }
                    Piece::Var(part) => at = render_part_wire(*part, addr, out, at)?,
                }
            }
            let len = at - start - 1;
            if len == 0 || len > 63 {
                return None;
            }
            out[start] = len as u8;
        }
        *out.get_mut(at)? = 0;
        Some(at + 1)
    }

    /// The address whose default name is `name`, if the template produces it.
    pub fn address_of(&self, name: &LowerName) -> Option<IpAddr> {
        match self.match_name(name)? {
            Match::Full(addr) => Some(addr),
            Match::Partial { .. } => None,
        }
    }

    /// Matches `name` against the template's labels, all of them (a default name) or only the
    /// last ones (a name above default names).
    fn match_name(&self, name: &LowerName) -> Option<Match> {
        let labels: Vec<&[u8]> = name.as_name().iter().collect();
        if labels.len() > self.labels.len() {
            return None;
        }
        let skip = self.labels.len() - labels.len();
        let mut bound = Bound::default();
        for (pieces, label) in self.labels[skip..].iter().zip(&labels) {
            let label = std::str::from_utf8(label).ok()?;
            if !match_pieces(pieces, label, self.v4, &mut bound) {
                return None;
            }
        }
        if skip == 0 {
            let addr = bound.address(self.v4)?;
            // Only the canonical spelling is a default name: `007` is not `7`.
            let canonical = self.render(addr)?;
            (LowerName::new(&canonical) == *name).then_some(Match::Full(addr))
        } else {
            let (value, known) = bound.known(self.v4);
            Some(Match::Partial { value, known })
        }
    }
}

enum Match {
    Full(IpAddr),
    Partial { value: u128, known: u128 },
}

/// Fills a host-name pattern for one address: the console's bulk "pattern fill" over a span
/// of a range. The placeholders are a template's (`{ip}`, `{ip-reversed}`, IPv4 `{a}`…`{d}`),
/// without a template's rules that the pattern name every address of its family and end in
/// a literal domain: a pattern fills a span the user chose, and the server judges each name
/// it produces like any other PTR.
pub fn fill_pattern(pattern: &str, addr: IpAddr) -> Result<String, SynthError> {
    let v4 = addr.is_ipv4();
    let trimmed = pattern.trim().trim_end_matches('.');
    if trimmed.is_empty() {
        return Err(err("must not be empty"));
    }
    Ok(parse_labels(trimmed, v4)?
        .iter()
        .map(|label| render_label(label, Some(addr)))
        .collect::<Vec<_>>()
        .join("."))
}

/// The labels of a template or pattern (without its final dot), most specific first;
/// `{ip-reversed}` becomes one placeholder label per octet (IPv4) or nibble (IPv6).
fn parse_labels(text: &str, v4: bool) -> Result<Vec<Vec<Piece>>, SynthError> {
    let mut labels: Vec<Vec<Piece>> = Vec::new();
    for raw in text.split('.') {
        if raw.is_empty() {
            return Err(err("must not contain empty labels (two dots in a row)"));
        }
        if raw == "{ip-reversed}" {
            let count = if v4 { 4 } else { 32 };
            for i in (0..count).rev() {
                labels.push(vec![Piece::Var(if v4 {
                    Part::Octet(i)
                } else {
                    Part::Nibble(i)
                })]);
            }
            continue;
        }
        labels.push(parse_label(raw, v4)?);
    }
    Ok(labels)
}

fn parse_label(raw: &str, v4: bool) -> Result<Vec<Piece>, SynthError> {
    let mut pieces = Vec::new();
    let mut rest = raw;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('{') {
            let Some((name, tail)) = after.split_once('}') else {
                return Err(err(format!("unclosed placeholder in \"{raw}\"")));
            };
            let part = match (name, v4) {
                ("ip", _) => Part::Ip,
                ("a", true) => Part::Octet(0),
                ("b", true) => Part::Octet(1),
                ("c", true) => Part::Octet(2),
                ("d", true) => Part::Octet(3),
                ("ip-reversed", _) => {
                    return Err(err("{ip-reversed} must be a whole label of its own"))
                }
                (other, _) => {
                    return Err(err(format!(
                        "unknown placeholder {{{other}}}; use {}",
                        if v4 {
                            "{ip}, {ip-reversed}, {a}, {b}, {c} or {d}"
                        } else {
                            "{ip} or {ip-reversed}"
                        }
                    )))
                }
            };
            if let Some(Piece::Var(_)) = pieces.last() {
                return Err(err(format!(
                    "placeholders in \"{raw}\" must be separated by text, or names become ambiguous"
                )));
            }
            pieces.push(Piece::Var(part));
            rest = tail;
        } else {
            let end = rest.find('{').unwrap_or(rest.len());
            let text = &rest[..end];
            if let Some(c) = text
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
            {
                return Err(err(format!(
                    "\"{c}\" is not allowed in a host name (letters, digits, hyphens)"
                )));
            }
            pieces.push(Piece::Text(text.to_owned()));
            rest = &rest[end..];
        }
    }
    Ok(pieces)
}

fn render_label(pieces: &[Piece], addr: Option<IpAddr>) -> String {
    let mut out = String::new();
    for piece in pieces {
        match (piece, addr) {
            (Piece::Text(text), _) => out.push_str(text),
            (Piece::Var(part), Some(addr)) => out.push_str(&render_part(*part, addr)),
            (Piece::Var(_), None) => {}
        }
    }
    out
}

fn render_part(part: Part, addr: IpAddr) -> String {
    // One renderer for both forms: the placeholders are ASCII, at most 39 octets.
    let mut out = [0; 255];
    let end = render_part_wire(part, addr, &mut out, 0).unwrap_or(0);
    String::from_utf8_lossy(&out[..end]).into_owned()
}

/// A placeholder's text for `addr`, written into `out` from `at`: where the text ends, or
/// None if it does not fit. Nothing for a placeholder of the other address family.
fn render_part_wire(part: Part, addr: IpAddr, out: &mut [u8; 255], at: usize) -> Option<usize> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    fn put(out: &mut [u8; 255], at: &mut usize, octet: u8) -> Option<()> {
        *out.get_mut(*at)? = octet;
        *at += 1;
        Some(())
    }
    fn decimal(out: &mut [u8; 255], at: &mut usize, value: u8) -> Option<()> {
        if value >= 100 {
            put(out, at, b'0' + value / 100)?;
        }
        if value >= 10 {
            put(out, at, b'0' + value / 10 % 10)?;
        }
        put(out, at, b'0' + value % 10)
    }
    let mut at = at;
    match (part, addr) {
        (Part::Octet(i), IpAddr::V4(v4)) => decimal(out, &mut at, v4.octets()[usize::from(i)])?,
        (Part::Nibble(i), IpAddr::V6(v6)) => {
            let nibble = (u128::from(v6) >> (124 - 4 * u32::from(i))) & 0xf;
            put(out, &mut at, HEX[nibble as usize])?;
        }
        (Part::Ip, IpAddr::V4(v4)) => {
            for (n, octet) in v4.octets().into_iter().enumerate() {
                if n > 0 {
                    put(out, &mut at, b'-')?;
                }
                decimal(out, &mut at, octet)?;
            }
        }
        (Part::Ip, IpAddr::V6(v6)) => {
            for (n, segment) in v6.segments().into_iter().enumerate() {
                if n > 0 {
                    put(out, &mut at, b'-')?;
                }
                for shift in [12, 8, 4, 0] {
                    put(out, &mut at, HEX[usize::from((segment >> shift) & 0xf)])?;
                }
            }
        }
        _ => {}
    }
    Some(at)
}

/// The address bits placeholders have matched so far.
#[derive(Default)]
struct Bound {
    value: u128,
    known: u128,
}

impl Bound {
    /// Records `width` bits of `part_value` at `shift`; false if they contradict earlier ones.
    fn set(&mut self, part_value: u128, shift: u32, width: u32) -> bool {
        let m = ((1u128 << width) - 1) << shift;
        let v = (part_value << shift) & m;
        if self.known & m & (self.value ^ v) != 0 {
            return false;
        }
        self.value |= v;
        self.known |= m;
        true
    }

    fn known(&self, v4: bool) -> (u128, u128) {
        let all = if v4 { u128::from(u32::MAX) } else { u128::MAX };
        (self.value & all, self.known & all)
    }

    fn address(&self, v4: bool) -> Option<IpAddr> {
        let (value, known) = self.known(v4);
        let all = if v4 { u128::from(u32::MAX) } else { u128::MAX };
        (known == all).then(|| from_bits(value, v4))
    }
}

/// Matches one label against its pieces, binding placeholder values; tries every split.
fn match_pieces(pieces: &[Piece], label: &str, v4: bool, bound: &mut Bound) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return label.is_empty();
    };
    match first {
        Piece::Text(text) => label
            .strip_prefix(text.as_str())
            .is_some_and(|tail| match_pieces(rest, tail, v4, bound)),
        Piece::Var(part) => {
            let lengths: &[usize] = match (part, v4) {
                (Part::Octet(_), _) => &[1, 2, 3],
                (Part::Nibble(_), _) => &[1],
                (Part::Ip, true) => &[7, 8, 9, 10, 11, 12, 13, 14, 15],
                (Part::Ip, false) => &[39],
            };
            for &len in lengths {
                let Some(candidate) = label.get(..len) else {
                    continue;
                };
                let mut attempt = Bound {
                    value: bound.value,
                    known: bound.known,
                };
                if bind_part(*part, candidate, &mut attempt)
                    && match_pieces(rest, &label[len..], v4, &mut attempt)
                {
                    *bound = attempt;
                    return true;
                }
            }
            false
        }
    }
}

fn bind_part(part: Part, text: &str, bound: &mut Bound) -> bool {
    match part {
        Part::Octet(i) => decimal_octet(text.as_bytes())
            .is_some_and(|o| bound.set(u128::from(o), 24 - 8 * u32::from(i), 8)),
        Part::Nibble(i) => {
            text.len() == 1
                && u8::from_str_radix(text, 16)
                    .is_ok_and(|n| bound.set(u128::from(n), 124 - 4 * u32::from(i), 4))
        }
        Part::Ip => {
            let groups: Vec<&str> = text.split('-').collect();
            if groups.len() == 4 {
                let mut value = 0u128;
                for g in &groups {
                    let Some(o) = decimal_octet(g.as_bytes()) else {
                        return false;
                    };
                    value = (value << 8) | u128::from(o);
                }
                bound.set(value, 0, 32)
            } else if groups.len() == 8 {
                let mut value = 0u128;
                for g in &groups {
                    if g.len() != 4 {
                        return false;
                    }
                    let Ok(s) = u16::from_str_radix(g, 16) else {
                        return false;
                    };
                    value = (value << 16) | u128::from(s);
                }
                bound.set(value, 0, 127) && bound.set(value >> 127, 127, 1)
            } else {
                false
            }
        }
    }
}

/// One way a zone synthesizes data.
#[derive(Clone, Debug)]
pub enum SynthRule {
    /// In a reverse zone: the default PTR of every address of `range` without its own node.
    Ptr {
        range: Network,
        template: Arc<Template>,
        ttl: u32,
    },
    /// In the zone holding the template's domain: the address of each default name whose
    /// address lies in one of `ranges`.
    Address {
        template: Arc<Template>,
        ranges: Vec<Network>,
        ttl: u32,
    },
}

/// What a synthesized name holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Synthesized {
    /// One RRset (a PTR or an address record), with its TTL.
    Data {
        rtype: RecordType,
        ttl: u32,
        data: RData,
    },
    /// An empty non-terminal: synthesized names exist below it.
    Empty,
}

/// What [`Synth::lookup_ptr`] made of a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MadePtr {
    /// Nothing: the name does not exist.
    Nothing,
    /// An empty non-terminal above default reverse names.
    Empty,
    /// A default PTR with this TTL, whose target is the first `len` octets written.
    Ptr { ttl: u32, len: usize },
}

/// The synthesis rules of one zone.
#[derive(Clone, Debug, Default)]
pub struct Synth {
    rules: Vec<SynthRule>,
}

impl Synth {
    /// Rules for one zone.
    pub fn new(rules: Vec<SynthRule>) -> Self {
        Self { rules }
    }

    /// Whether there is nothing to synthesize.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules.
    pub fn rules(&self) -> &[SynthRule] {
        &self.rules
    }

    /// [`Synth::lookup`] of the name with these labels (lower case, leftmost first) without
    /// allocating, when every rule is a reverse zone's PTR rule: a default PTR's target is
    /// written to `target` in wire form. None when a rule is of another kind, which only
    /// `lookup` decides.
    pub fn lookup_ptr(&self, labels: &[&[u8]], target: &mut [u8; 255]) -> Option<MadePtr> {
        if !self
            .rules
            .iter()
            .all(|rule| matches!(rule, SynthRule::Ptr { .. }))
        {
            return None;
        }
        let Some(prefix) = parse_reverse_labels(labels) else {
            return Some(MadePtr::Nothing);
        };
        let mut empty = false;
        for rule in &self.rules {
            let SynthRule::Ptr {
                range,
                template,
                ttl,
            } = rule
            else {
                continue;
            };
            match prefix.address() {
                Some(addr) if range.contains(addr) => {
                    return Some(match template.render_wire(addr, target) {
                        Some(len) => MadePtr::Ptr { ttl: *ttl, len },
                        // As `lookup`, which gives up on a name it cannot render.
                        None => MadePtr::Nothing,
                    });
                }
                Some(_) => {}
                None => empty |= prefix.overlaps(range),
            }
        }
        Some(if empty {
            MadePtr::Empty
        } else {
            MadePtr::Nothing
        })
    }

    /// What `name` (which has no node of its own in the zone) holds, if anything.
    pub fn lookup(&self, name: &LowerName) -> Option<Synthesized> {
        let mut empty = false;
        for rule in &self.rules {
            match rule {
                SynthRule::Ptr {
                    range,
                    template,
                    ttl,
                } => {
                    let Some(prefix) = parse_reverse(name) else {
                        continue;
                    };
                    match prefix.address() {
                        Some(addr) if range.contains(addr) => {
                            let target = template.render(addr)?;
                            return Some(Synthesized::Data {
                                rtype: RecordType::PTR,
                                ttl: *ttl,
                                data: RData::PTR(PTR(target)),
                            });
                        }
                        Some(_) => {}
                        None => empty |= prefix.overlaps(range),
                    }
                }
                SynthRule::Address {
                    template,
                    ranges,
                    ttl,
                } => match template.match_name(name) {
                    Some(Match::Full(addr)) if ranges.iter().any(|r| r.contains(addr)) => {
                        let data = match addr {
                            IpAddr::V4(v4) => (RecordType::A, RData::A(A(v4))),
                            IpAddr::V6(v6) => (RecordType::AAAA, RData::AAAA(AAAA(v6))),
                        };
                        return Some(Synthesized::Data {
                            rtype: data.0,
                            ttl: *ttl,
                            data: data.1,
                        });
                    }
                    Some(Match::Partial { value, known }) => {
                        empty |= ranges.iter().any(|r| r.admits(value, known));
                    }
                    _ => {}
                },
            }
        }
        empty.then_some(Synthesized::Empty)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_the_same_name_in_wire_form() {
        let templates = [
            ("static.{ip-reversed}.clients.example.net", true),
            ("{a}-{b}.x{c}y.{d}.example.net", true),
            ("host-{ip}.example.net", true),
            ("v6-{ip}.clients.example.net", false),
            ("{ip-reversed}.six.example.net", false),
        ];
        let addrs: Vec<IpAddr> = [
            "0.0.0.0",
            "203.0.113.7",
            "10.99.100.255",
            "1.20.3.199",
            "::",
            "2001:db8::7",
            "2001:db8:1234:5:abcd:ef01:2:3",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        ]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
        for (text, v4) in templates {
            let template = Template::parse(text, v4).unwrap();
            for &addr in &addrs {
                let mut wire = [0; 255];
                let rendered = template.render_wire(addr, &mut wire);
                match template.render(addr) {
                    Some(name) => {
                        let mut expected = Vec::new();
                        for label in name.iter() {
                            expected.push(label.len() as u8);
                            expected.extend_from_slice(label);
                        }
                        expected.push(0);
                        assert_eq!(
                            rendered.map(|len| &wire[..len]),
                            Some(&expected[..]),
                            "{text} {addr}"
                        );
                    }
                    None => assert_eq!(rendered, None, "{text} {addr}"),
                }
            }
        }
    }

    #[test]
    fn patterns_fill_one_address_without_a_templates_rules() {
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(
            fill_pattern("host-{a}-{b}-{c}-{d}.example.com", v4).unwrap(),
            "host-203-0-113-7.example.com"
        );
        assert_eq!(fill_pattern("h{d}.x.", v4).unwrap(), "h7.x");
        assert_eq!(
            fill_pattern("{ip-reversed}.r.test", v4).unwrap(),
            "7.113.0.203.r.test"
        );
        assert!(fill_pattern("h{e}.x", v4)
            .unwrap_err()
            .0
            .contains("unknown placeholder"));
        assert!(fill_pattern("a..b", v4).is_err());
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert!(fill_pattern("h{a}.x", v6).is_err());
    }

    fn lower(text: &str) -> LowerName {
        LowerName::new(&Name::from_ascii(text).unwrap())
    }

    fn net(text: &str) -> Network {
        text.parse().unwrap()
    }

    #[test]
    fn networks_parse_contain_and_name_their_reverse_zone() {
        assert_eq!(
            net("203.0.0.0/16").reverse_zone().unwrap().to_string(),
            "0.203.in-addr.arpa."
        );
        assert_eq!(
            net("2001:db8::/32").reverse_zone().unwrap().to_string(),
            "8.b.d.0.1.0.0.2.ip6.arpa."
        );
        assert!(net("203.0.113.0/26").reverse_zone().is_none());
        assert!(net("203.0.113.0/26").contains("203.0.113.63".parse().unwrap()));
        assert!(!net("203.0.113.0/26").contains("203.0.113.64".parse().unwrap()));
        assert!(!net("203.0.113.0/26").contains("::1".parse().unwrap()));
        assert!(net("203.0.0.0/16").overlaps(&net("203.0.113.7/32")));
        assert!(!net("203.0.113.0/25").overlaps(&net("203.0.113.128/25")));
        let e = "203.0.113.1/24".parse::<Network>().unwrap_err();
        assert!(e.0.contains("203.0.113.0/24"), "{e}");
        assert!("203.0.113.0/33".parse::<Network>().is_err());
        assert_eq!(net("2001:db8::/48").size(), 1 << 80);
        assert_eq!(net("203.0.113.7").prefix_len(), 32);
    }

    #[test]
    fn reverse_names_round_trip() {
        let v6: IpAddr = "2001:db8::7".parse().unwrap();
        let name = reverse_name(v6);
        assert!(name.to_string().starts_with("7.0.0.0."));
        assert_eq!(
            reverse_text(v6),
            "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
        );
        assert_eq!(name.to_ascii(), reverse_text(v6));
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(reverse_text(v4), "7.113.0.203.in-addr.arpa.");
        assert_eq!(
            parse_reverse(&LowerName::new(&name)).unwrap().address(),
            Some(v6)
        );
        let p = parse_reverse(&lower("113.0.203.in-addr.arpa.")).unwrap();
        assert_eq!(p.address(), None);
        assert!(p.overlaps(&net("203.0.113.0/26")));
        assert!(!p.overlaps(&net("203.0.114.0/24")));
        assert!(parse_reverse(&lower("07.113.0.203.in-addr.arpa.")).is_none());
        assert!(parse_reverse(&lower("x.8.b.d.0.1.0.0.2.ip6.arpa.")).is_none());
        assert!(parse_reverse(&lower("www.example.com.")).is_none());
    }

    #[test]
    fn templates_render_and_parse_back() {
        let t = Template::parse("static.{ip-reversed}.clients.example.net", true).unwrap();
        let addr: IpAddr = "203.0.113.7".parse().unwrap();
        let name = t.render(addr).unwrap();
        assert_eq!(name.to_string(), "static.7.113.0.203.clients.example.net.");
        assert_eq!(t.domain().to_string(), "clients.example.net.");
        assert_eq!(t.address_of(&LowerName::new(&name)), Some(addr));
        assert_eq!(
            t.address_of(&lower("static.07.113.0.203.clients.example.net.")),
            None
        );
        let t = Template::parse("host-{a}-{b}-{c}-{d}.example.net.", true).unwrap();
        assert_eq!(
            t.address_of(&lower("host-203-0-113-7.example.net.")),
            Some(addr)
        );
        let t6 = Template::parse("{ip}.v6.example.net", false).unwrap();
        let v6: IpAddr = "2001:db8::7".parse().unwrap();
        let name = t6.render(v6).unwrap();
        assert_eq!(
            name.to_string(),
            "2001-0db8-0000-0000-0000-0000-0000-0007.v6.example.net."
        );
        assert_eq!(t6.address_of(&LowerName::new(&name)), Some(v6));
        let r6 = Template::parse("{ip-reversed}.rev.example.net", false).unwrap();
        assert_eq!(
            r6.address_of(&LowerName::new(&r6.render(v6).unwrap())),
            Some(v6)
        );
    }

    #[test]
    fn bad_templates_are_refused_with_a_reason() {
        for (text, v4, why) in [
            ("static.example.net", true, "no placeholder"),
            ("{a}-{b}.example.net", true, "whole address"),
            ("{ip}", true, "end in a domain"),
            ("{a}{b}-{c}-{d}.example.net", true, "separated"),
            ("{x}.example.net", true, "unknown placeholder"),
            ("{a}.example.net", false, "unknown placeholder"),
            ("h_{ip}.example.net", true, "not allowed"),
            ("x{ip-reversed}.example.net", true, "whole label"),
        ] {
            let e = Template::parse(text, v4).unwrap_err();
            assert!(e.0.contains(why), "{text}: {e}");
        }
    }

    #[test]
    fn synthesis_answers_ptr_address_and_empty_non_terminals() {
        let template =
            Arc::new(Template::parse("static.{ip-reversed}.clients.example.net", true).unwrap());
        let reverse = Synth::new(vec![SynthRule::Ptr {
            range: net("203.0.113.0/26"),
            template: template.clone(),
            ttl: 3600,
        }]);
        assert_eq!(
            reverse.lookup(&lower("7.113.0.203.in-addr.arpa.")),
            Some(Synthesized::Data {
                rtype: RecordType::PTR,
                ttl: 3600,
                data: RData::PTR(PTR(Name::from_ascii(
                    "static.7.113.0.203.clients.example.net."
                )
                .unwrap())),
            })
        );
        assert_eq!(reverse.lookup(&lower("64.113.0.203.in-addr.arpa.")), None);
        assert_eq!(
            reverse.lookup(&lower("113.0.203.in-addr.arpa.")),
            Some(Synthesized::Empty)
        );
        assert_eq!(reverse.lookup(&lower("114.0.203.in-addr.arpa.")), None);

        let forward = Synth::new(vec![SynthRule::Address {
            template,
            ranges: vec![net("203.0.113.0/26")],
            ttl: 600,
        }]);
        assert_eq!(
            forward.lookup(&lower("static.7.113.0.203.clients.example.net.")),
            Some(Synthesized::Data {
                rtype: RecordType::A,
                ttl: 600,
                data: RData::A(A("203.0.113.7".parse().unwrap())),
            })
        );
        assert_eq!(
            forward.lookup(&lower("static.99.113.0.203.clients.example.net.")),
            None
        );
        for ent in [
            "7.113.0.203.clients.example.net.",
            "0.203.clients.example.net.",
            "clients.example.net.",
        ] {
            assert_eq!(
                forward.lookup(&lower(ent)),
                Some(Synthesized::Empty),
                "{ent}"
            );
        }
        assert_eq!(
            forward.lookup(&lower("99.113.0.203.clients.example.net.")),
            None
        );
        assert_eq!(forward.lookup(&lower("www.example.net.")), None);
    }
}
