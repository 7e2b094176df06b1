//! SVCB and HTTPS (RFC 9460): `priority target key=value…`, read and printed here rather
//! than by hickory, whose printing (`alpn=h2,h3, port=1500`) other servers do not read back.
//!
//! Parameters follow RFC 9460 §2.1 and Appendix A: a value is a `<character-string>`
//! (quoted or not, RFC 1035 escapes), lists are comma-separated (`\,` keeps a comma in an
//! ALPN id), keys are written `mandatory`, `alpn`, … or `keyNNNNN`. On the wire the keys are
//! in strictly increasing order (§2.2).

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use hickory_proto::rr::Name;

use super::super::name::{parse_name, NameRole};
use super::text::{quote, to_base64};
use base64::Engine as _;

const KEYS: &[(&str, u16)] = &[
    ("mandatory", 0),
    ("alpn", 1),
    ("no-default-alpn", 2),
    ("port", 3),
    ("ipv4hint", 4),
    ("ech", 5),
    ("ipv6hint", 6),
    ("dohpath", 7),
    ("ohttp", 8),
];

fn key_name(key: u16) -> String {
    KEYS.iter()
        .find(|(_, code)| *code == key)
        .map_or_else(|| format!("key{key}"), |(name, _)| (*name).to_owned())
}

fn parse_key(text: &str, rtype: &str) -> Result<u16, String> {
    let lower = text.to_ascii_lowercase();
    if let Some((_, code)) = KEYS.iter().find(|(name, _)| *name == lower) {
        return Ok(*code);
    }
    let code = lower
        .strip_prefix("key")
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse::<u16>().ok())
        .ok_or_else(|| {
            format!(
                "{rtype} parameter \"{text}\" is not known; use mandatory, alpn, \
                 no-default-alpn, port, ipv4hint, ech, ipv6hint, dohpath, ohttp or keyNNNNN"
            )
        })?;
    // RFC 9460 §14.3.2: 65535 is the "Invalid key".
    if code == 65535 {
        return Err(format!(
            "{rtype} key65535 is reserved as invalid (RFC 9460 §14.3.2)"
        ));
    }
    Ok(code)
}

/// Reads one value of `text` from `at`: unquoted up to whitespace, or a quoted string; the
/// RFC 1035 escapes are undone (list-level escapes are [`split_list`]'s).
fn read_value(text: &[u8], at: &mut usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let quoted = text.get(*at) == Some(&b'"');
    if quoted {
        *at += 1;
    }
    while let Some(&byte) = text.get(*at) {
        if quoted && byte == b'"' {
            *at += 1;
            return Ok(out);
        }
        if !quoted && byte.is_ascii_whitespace() {
            break;
        }
        *at += 1;
        if byte == b'\\' {
            let first = *text
                .get(*at)
                .ok_or("a backslash at the end has nothing to escape")?;
            *at += 1;
            if first.is_ascii_digit() {
                let digits = text
                    .get(*at - 1..*at + 2)
                    .ok_or("a \\DDD escape needs three digits")?;
                if !digits.iter().all(u8::is_ascii_digit) {
                    return Err("a \\DDD escape needs exactly three decimal digits".to_owned());
                }
                let value = digits
                    .iter()
                    .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
                out.push(
                    u8::try_from(value)
                        .map_err(|_| format!("\\{value:03} is not an octet (0 to 255)"))?,
                );
                *at += 2;
            } else {
                out.push(first);
            }
        } else {
            out.push(byte);
        }
    }
    if quoted {
        return Err("a quoted string is not closed (missing '\"')".to_owned());
    }
    Ok(out)
}

/// Splits a value-list at unescaped commas (RFC 9460 Appendix A.1), undoing `\,` and `\\`.
fn split_list(value: &[u8]) -> Vec<Vec<u8>> {
    let mut items = vec![Vec::new()];
    let mut bytes = value.iter().copied();
    while let Some(byte) = bytes.next() {
        match byte {
            b'\\' => {
                if let (Some(next), Some(item)) = (bytes.next(), items.last_mut()) {
                    item.push(next);
                }
            }
            b',' => items.push(Vec::new()),
            _ => {
                if let Some(item) = items.last_mut() {
                    item.push(byte);
                }
            }
        }
    }
    items
}

/// Parses the data of an SVCB or HTTPS record: returns wire octets, canonical text and target.
pub(super) fn parse(
    rtype: &str,
    text: &str,
    origin: &Name,
) -> Result<(Vec<u8>, String, Name), String> {
    let mut words = text.splitn(3, char::is_whitespace);
    let priority_text = words.next().unwrap_or_default();
    let priority: u16 = priority_text
        .parse()
        .ok()
        .filter(|_| !priority_text.starts_with('+'))
        .ok_or_else(|| {
            format!("{rtype} priority must be a number from 0 to 65535, not \"{priority_text}\"")
        })?;
    let target_text = words
        .next()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| format!("{rtype} target is missing"))?;
    if target_text.contains(['"', '\\']) {
        return Err(format!(
            "{rtype} target \"{target_text}\" must be a plain domain name"
        ));
    }
    let target = parse_name(target_text, origin, NameRole::Target)
        .map_err(|rule| format!("{rtype} target: {rule}"))?;
    let rest = words.next().unwrap_or_default().trim().as_bytes();

    let mut params: Vec<(u16, Vec<u8>)> = Vec::new();
    let mut at = 0;
    while at < rest.len() {
        if rest[at].is_ascii_whitespace() {
            at += 1;
            continue;
        }
        let start = at;
        while at < rest.len() && !rest[at].is_ascii_whitespace() && rest[at] != b'=' {
            at += 1;
        }
        let key_text = String::from_utf8_lossy(&rest[start..at]).into_owned();
        let key = parse_key(&key_text, rtype)?;
        let value = if rest.get(at) == Some(&b'=') {
            at += 1;
            Some(read_value(rest, &mut at)?)
        } else {
            None
        };
        if params.iter().any(|(seen, _)| *seen == key) {
            return Err(format!(
                "{rtype} parameter {} appears twice (RFC 9460 §2.2)",
                key_name(key)
            ));
        }
        params.push((key, param_wire(rtype, key, value.as_deref())?));
    }
    if priority == 0 && !params.is_empty() {
        return Err(format!(
            "{rtype} priority 0 is AliasMode, which takes no parameters (RFC 9460 §2.4.2)"
        ));
    }
    params.sort_by_key(|(key, _)| *key);
    check_mandatory(rtype, &params)?;

    let mut wire = priority.to_be_bytes().to_vec();
    for label in target.iter() {
        wire.push(u8::try_from(label.len()).unwrap_or(0));
        wire.extend_from_slice(label);
    }
    wire.push(0);
    for (key, value) in &params {
        wire.extend_from_slice(&key.to_be_bytes());
        let len = u16::try_from(value.len()).map_err(|_| format!("{rtype} parameter too long"))?;
        wire.extend_from_slice(&len.to_be_bytes());
        wire.extend_from_slice(value);
    }
    let mut canonical = format!("{priority} {}", target.to_ascii());
    for (key, value) in &params {
        canonical.push(' ');
        canonical.push_str(&param_text(*key, value));
    }
    Ok((wire, canonical, target))
}

/// RFC 9460 §8: every key listed in `mandatory` must be present, and `mandatory` must not
/// list itself.
fn check_mandatory(rtype: &str, params: &[(u16, Vec<u8>)]) -> Result<(), String> {
    let Some((_, list)) = params.iter().find(|(key, _)| *key == 0) else {
        return Ok(());
    };
    for pair in list.chunks(2) {
        let key = u16::from_be_bytes([pair[0], pair.get(1).copied().unwrap_or(0)]);
        if key == 0 {
            return Err(format!(
                "{rtype} mandatory must not list itself (RFC 9460 §8)"
            ));
        }
        if !params.iter().any(|(present, _)| *present == key) {
            return Err(format!(
                "{rtype} mandatory lists {}, which the record does not have (RFC 9460 §8)",
                key_name(key)
            ));
        }
    }
    Ok(())
}

fn param_wire(rtype: &str, key: u16, value: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let name = key_name(key);
    let needs = |value: Option<&[u8]>| -> Result<Vec<u8>, String> {
        value
            .filter(|v| !v.is_empty())
            .map(<[u8]>::to_vec)
            .ok_or_else(|| format!("{rtype} {name} needs a value"))
    };
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    match key {
        0 => {
            let mut keys = Vec::new();
            for item in split_list(&needs(value)?) {
                let key = parse_key(&text(&item), rtype)?;
                if keys.contains(&key) {
                    return Err(format!("{rtype} mandatory lists {} twice", key_name(key)));
                }
                keys.push(key);
            }
            keys.sort_unstable();
            Ok(keys.iter().flat_map(|k| k.to_be_bytes()).collect())
        }
        1 => {
            let mut out = Vec::new();
            for id in split_list(&needs(value)?) {
                if id.is_empty() || id.len() > 255 {
                    return Err(format!(
                        "{rtype} alpn ids must be 1 to 255 octets (RFC 9460 §7.1.1)"
                    ));
                }
                out.push(u8::try_from(id.len()).unwrap_or(u8::MAX));
                out.extend_from_slice(&id);
            }
            Ok(out)
        }
        2 | 8 => match value {
            Some(v) if !v.is_empty() => Err(format!("{rtype} {name} takes no value")),
            _ => Ok(Vec::new()),
        },
        3 => {
            let raw = text(&needs(value)?);
            raw.parse::<u16>()
                .ok()
                .filter(|_| !raw.starts_with('+'))
                .map(|port| port.to_be_bytes().to_vec())
                .ok_or_else(|| {
                    format!("{rtype} port must be a number from 0 to 65535, not \"{raw}\"")
                })
        }
        4 => {
            let mut out = Vec::new();
            for item in split_list(&needs(value)?) {
                let raw = text(&item);
                let addr: Ipv4Addr = raw
                    .parse()
                    .map_err(|_| format!("{rtype} ipv4hint: \"{raw}\" is not an IPv4 address"))?;
                out.extend_from_slice(&addr.octets());
            }
            Ok(out)
        }
        6 => {
            let mut out = Vec::new();
            for item in split_list(&needs(value)?) {
                let raw = text(&item);
                let addr: Ipv6Addr = raw
                    .parse()
                    .map_err(|_| format!("{rtype} ipv6hint: \"{raw}\" is not an IPv6 address"))?;
                out.extend_from_slice(&addr.octets());
            }
            Ok(out)
        }
        5 => {
            let raw = needs(value)?;
            base64::engine::general_purpose::STANDARD
                .decode(&raw)
                .map_err(|_| format!("{rtype} ech must be base64 (RFC 9460 §7.3)"))
        }
        _ => Ok(value.map(<[u8]>::to_vec).unwrap_or_default()),
    }
}

/// Characters written without quotes in a parameter value.
fn is_plain(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._/:+".contains(&byte)
}

fn param_text(key: u16, value: &[u8]) -> String {
    let name = key_name(key);
    let list = |items: Vec<String>| format!("{name}={}", items.join(","));
    match key {
        0 => list(
            value
                .chunks(2)
                .map(|pair| {
                    key_name(u16::from_be_bytes([
                        pair[0],
                        pair.get(1).copied().unwrap_or(0),
                    ]))
                })
                .collect(),
        ),
        1 => {
            let mut ids = Vec::new();
            let mut at = 0;
            while let Some(&len) = value.get(at) {
                let id = value
                    .get(at + 1..at + 1 + usize::from(len))
                    .unwrap_or_default();
                ids.push(id.to_vec());
                at += 1 + usize::from(len);
            }
            if ids.iter().flatten().all(|b| is_plain(*b)) {
                list(
                    ids.iter()
                        .map(|id| String::from_utf8_lossy(id).into_owned())
                        .collect(),
                )
            } else {
                // Escape commas and backslashes for the list, then quote for RFC 1035.
                let mut joined = Vec::new();
                for (index, id) in ids.iter().enumerate() {
                    if index > 0 {
                        joined.push(b',');
                    }
                    for &byte in id {
                        if byte == b',' || byte == b'\\' {
                            joined.push(b'\\');
                        }
                        joined.push(byte);
                    }
                }
                let mut out = format!("{name}=");
                quote(&joined, &mut out);
                out
            }
        }
        2 | 8 => name,
        3 => format!(
            "{name}={}",
            u16::from_be_bytes([
                value.first().copied().unwrap_or(0),
                value.get(1).copied().unwrap_or(0)
            ])
        ),
        4 => list(
            value
                .chunks(4)
                .filter(|c| c.len() == 4)
                .map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]).to_string())
                .collect(),
        ),
        6 => list(
            value
                .chunks(16)
                .filter_map(|c| <[u8; 16]>::try_from(c).ok())
                .map(|c| Ipv6Addr::from(c).to_string())
                .collect(),
        ),
        5 => format!("{name}={}", to_base64(value)),
        _ if value.is_empty() => name,
        _ => {
            let mut out = format!("{name}=");
            quote(value, &mut out);
            out
        }
    }
}

/// Prints wire octets (from the generic form) as presentation text, for [`parse`] to check.
pub(super) fn print(rtype: &str, wire: &[u8]) -> Result<String, String> {
    let short = || "the data ends too early".to_owned();
    let priority = u16::from_be_bytes([
        *wire.first().ok_or_else(short)?,
        *wire.get(1).ok_or_else(short)?,
    ]);
    let mut at = 2;
    let mut labels = Vec::new();
    loop {
        let len = usize::from(*wire.get(at).ok_or_else(short)?);
        at += 1;
        if len == 0 {
            break;
        }
        if len > 63 {
            return Err("the target name is compressed or malformed (RFC 9460 §2.2)".to_owned());
        }
        labels.push(wire.get(at..at + len).ok_or_else(short)?.to_vec());
        at += len;
    }
    let target = Name::from_labels(labels).map_err(|err| format!("the target: {err}"))?;
    let mut out = format!("{priority} {}", target.to_ascii());
    let mut last: Option<u16> = None;
    while at < wire.len() {
        let head = wire.get(at..at + 4).ok_or_else(short)?;
        let key = u16::from_be_bytes([head[0], head[1]]);
        let len = usize::from(u16::from_be_bytes([head[2], head[3]]));
        at += 4;
        if last.is_some_and(|last| key <= last) {
            return Err(format!(
                "{rtype} keys must be in strictly increasing order on the wire (RFC 9460 §2.2)"
            ));
        }
        last = Some(key);
        let value = wire.get(at..at + len).ok_or_else(short)?;
        at += len;
        let _ = write!(out, " {}", param_text(key, value));
    }
    Ok(out)
}
