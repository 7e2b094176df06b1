//! The pure part of the bulk PTR editor on `/rdns`: reading `ip,hostname` lines, filling a
//! host-name pattern over an IPv4 span — with the engine's own network and placeholder rules
//! (`dns_engine::zone::synth`), so that the console and the server cannot disagree.
//!
//! Kept apart from the page so that it runs in unit tests without a browser; the server still
//! judges every name (and FCrDNS) in its dry run, the browser only catches lines that are not
//! `ip,hostname` at all.

use std::net::{IpAddr, Ipv4Addr};

use dns_engine::zone::synth::{self, Network, SynthError};

use crate::api::rdns::RdnsEntry;

/// One usable line of the textarea: the entry to send and the (1-based) line it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkLine {
    pub line: usize,
    pub ip: String,
    /// `None`: the line had an empty host name, which reverts to the default name.
    pub ptr: Option<String>,
}

impl BulkLine {
    pub fn entry(&self) -> RdnsEntry {
        RdnsEntry {
            ip: self.ip.clone(),
            ptr: self.ptr.clone(),
            ttl: None,
        }
    }
}

/// Reads the textarea: blank lines and `#` comments are skipped; every other line must be
/// `ip,hostname` (the host name may be empty). Returns the good lines, and a message for each
/// bad one ("line 3: …").
pub fn parse_lines(text: &str) -> (Vec<BulkLine>, Vec<String>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut parts = trimmed.split(',');
        let (Some(ip), Some(host), None) = (parts.next(), parts.next(), parts.next()) else {
            bad.push(format!(
                "line {line}: expected “ip,hostname” (one comma), got “{trimmed}”"
            ));
            continue;
        };
        let ip = ip.trim();
        let host = host.trim();
        match ip.parse::<IpAddr>() {
            Ok(addr) => good.push(BulkLine {
                line,
                ip: addr.to_string(),
                ptr: (!host.is_empty()).then(|| host.to_owned()),
            }),
            Err(_) => bad.push(format!("line {line}: “{ip}” is not an IP address")),
        }
    }
    (good, bad)
}

/// The largest span the pattern fill writes at once (a /16); the API takes up to 65,536
/// entries per batch.
pub const MAX_SPAN: u32 = 65_536;

/// Fills `pattern` for every address from `from` to `to` (inclusive) of the IPv4 `network`,
/// with the engine's placeholders (`{a}`…`{d}` the octets, `{ip}` the address with dashes:
/// 203-0-113-7). Returns the lines `ip,hostname`, or why the span cannot be filled.
pub fn fill_pattern(
    network: &str,
    from: &str,
    to: &str,
    pattern: &str,
) -> Result<Vec<String>, String> {
    let net: Network = network.parse().map_err(|e: SynthError| e.0)?;
    let IpAddr::V4(_) = net.addr() else {
        return Err("The pattern fill is for IPv4 ranges.".to_owned());
    };
    let parse = |text: &str, what: &str| -> Result<u32, String> {
        let addr: Ipv4Addr = text
            .trim()
            .parse()
            .map_err(|_| format!("The {what} address is not an IPv4 address."))?;
        if !net.contains(IpAddr::V4(addr)) {
            return Err(format!("The {what} address is not in {network}."));
        }
        Ok(u32::from(addr))
    };
    let from = parse(from, "first")?;
    let to = parse(to, "last")?;
    if to < from {
        return Err("The last address comes before the first one.".into());
    }
    if to - from >= MAX_SPAN {
        return Err(format!("At most {MAX_SPAN} addresses at once."));
    }
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return Err("Enter a host-name pattern, e.g. host-{a}-{b}-{c}-{d}.example.com.".into());
    }
    (from..=to)
        .map(|n| {
            let addr = Ipv4Addr::from(n);
            let host = synth::fill_pattern(pattern, IpAddr::V4(addr))
                .map_err(|e| format!("The pattern {}.", e.0))?;
            Ok(format!("{addr},{host}"))
        })
        .collect()
}

/// `entries[3].ptr` → (3, "ptr"): where an atomic batch's 422 points.
pub fn entry_field(field: &str) -> Option<(usize, &str)> {
    let rest = field.strip_prefix("entries[")?;
    let (index, rest) = rest.split_once(']')?;
    let name = rest.strip_prefix('.').unwrap_or(rest);
    Some((index.parse().ok()?, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_ip_comma_hostname() {
        let (good, bad) = parse_lines(
            "203.0.113.5, mail.example.com\n\n# note\n203.0.113.6,\nnonsense\n1.2.3.999,x\n2001:DB8::1,v6.example.com\na,b,c",
        );
        assert_eq!(
            good,
            vec![
                BulkLine {
                    line: 1,
                    ip: "203.0.113.5".into(),
                    ptr: Some("mail.example.com".into())
                },
                BulkLine {
                    line: 4,
                    ip: "203.0.113.6".into(),
                    ptr: None
                },
                BulkLine {
                    line: 7,
                    ip: "2001:db8::1".into(),
                    ptr: Some("v6.example.com".into())
                },
            ]
        );
        assert_eq!(bad.len(), 3);
        assert!(bad[0].starts_with("line 5:"));
        assert!(bad[1].contains("not an IP address"));
        assert!(bad[2].starts_with("line 8:"));
        assert_eq!(good[1].entry().ptr, None);
    }

    #[test]
    fn patterns_fill_octets_and_dashed_addresses() {
        let lines = fill_pattern(
            "203.0.113.0/28",
            "203.0.113.2",
            "203.0.113.3",
            "host-{a}-{b}-{c}-{d}.example.com",
        )
        .unwrap();
        assert_eq!(
            lines,
            vec![
                "203.0.113.2,host-203-0-113-2.example.com",
                "203.0.113.3,host-203-0-113-3.example.com"
            ]
        );
        assert_eq!(
            fill_pattern(
                "203.0.113.0/28",
                "203.0.113.7",
                "203.0.113.7",
                "{ip}.x.test"
            )
            .unwrap(),
            vec!["203.0.113.7,203-0-113-7.x.test"]
        );
        assert!(
            fill_pattern("203.0.113.0/28", "203.0.113.2", "203.0.113.16", "h{d}.x")
                .unwrap_err()
                .contains("not in")
        );
        assert!(fill_pattern("203.0.113.0/28", "203.0.113.5", "203.0.113.2", "h{d}.x").is_err());
        assert!(fill_pattern("2001:db8::/48", "2001:db8::1", "2001:db8::2", "h.x").is_err());
        // The engine's placeholder rules: an unknown placeholder or a comma is refused.
        assert!(
            fill_pattern("203.0.113.0/28", "203.0.113.2", "203.0.113.2", "h{e}.x")
                .unwrap_err()
                .contains("unknown placeholder")
        );
        assert!(fill_pattern("203.0.113.0/28", "203.0.113.2", "203.0.113.2", "h,{d}.x").is_err());
    }

    #[test]
    fn batch_errors_point_at_entries() {
        assert_eq!(entry_field("entries[3].ptr"), Some((3, "ptr")));
        assert_eq!(entry_field("entries"), None);
    }
}
