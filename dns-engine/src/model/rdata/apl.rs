//! APL (RFC 3123): a list of address prefixes, written `[!]afi:address/prefix` (§5) — family
//! 1 for IPv4, 2 for IPv6 — and stored per item as family, prefix length, negation bit with
//! the address length, and the address without its trailing zero octets (§4).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::text::Token;

/// Parses APL data (possibly no items at all); returns wire octets and canonical text.
pub(super) fn parse(tokens: &[Token]) -> Result<(Vec<u8>, String), String> {
    let mut wire = Vec::new();
    let mut words = Vec::new();
    for token in tokens {
        let item = token.as_str();
        let bad = || {
            format!(
                "APL item \"{item}\" must be [!]1:<IPv4>/<0-32> or [!]2:<IPv6>/<0-128> \
                 (RFC 3123 §5)"
            )
        };
        let (negated, rest) = match item.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, item.as_str()),
        };
        let (family, rest) = rest.split_once(':').ok_or_else(bad)?;
        let (address, prefix) = rest.rsplit_once('/').ok_or_else(bad)?;
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        let (family, mut octets, max) = match family {
            "1" => (
                1u16,
                address
                    .parse::<Ipv4Addr>()
                    .map_err(|_| bad())?
                    .octets()
                    .to_vec(),
                32,
            ),
            "2" => (
                2u16,
                address
                    .parse::<Ipv6Addr>()
                    .map_err(|_| bad())?
                    .octets()
                    .to_vec(),
                128,
            ),
            _ => return Err(bad()),
        };
        if prefix > max {
            return Err(bad());
        }
        while octets.last() == Some(&0) {
            octets.pop();
        }
        wire.extend_from_slice(&family.to_be_bytes());
        wire.push(prefix);
        wire.push(u8::from(negated) << 7 | u8::try_from(octets.len()).unwrap_or(0));
        wire.extend_from_slice(&octets);
        words.push(format!(
            "{}{family}:{address}/{prefix}",
            if negated { "!" } else { "" }
        ));
    }
    // Print from the wire so that the text is canonical (addresses in their shortest form).
    let text = print(&wire)?;
    debug_assert_eq!(words.len(), text.split_whitespace().count());
    Ok((wire, text))
}

/// Prints APL wire octets as presentation text.
pub(super) fn print(wire: &[u8]) -> Result<String, String> {
    let mut at = 0;
    let mut items = Vec::new();
    while at < wire.len() {
        let head = wire.get(at..at + 4).ok_or("APL data ends inside an item")?;
        let family = u16::from_be_bytes([head[0], head[1]]);
        let prefix = head[2];
        let negated = head[3] & 0x80 != 0;
        let len = usize::from(head[3] & 0x7f);
        at += 4;
        let part = wire
            .get(at..at + len)
            .ok_or("APL data ends inside an address")?;
        at += len;
        let address = match family {
            1 if len <= 4 && prefix <= 32 => {
                let mut octets = [0u8; 4];
                octets[..len].copy_from_slice(part);
                Ipv4Addr::from(octets).to_string()
            }
            2 if len <= 16 && prefix <= 128 => {
                let mut octets = [0u8; 16];
                octets[..len].copy_from_slice(part);
                Ipv6Addr::from(octets).to_string()
            }
            _ => {
                return Err(format!(
                    "APL family {family} with prefix {prefix} and {len} octets is not valid"
                ))
            }
        };
        items.push(format!(
            "{}{family}:{address}/{prefix}",
            if negated { "!" } else { "" }
        ));
    }
    Ok(items.join(" "))
}
