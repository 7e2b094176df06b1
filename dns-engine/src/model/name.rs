//! Domain names as people type them: relative to a zone origin, checked against the rules for
//! host names, and turned into absolute [`Name`]s whose comparison ignores case but whose
//! spelling is kept for output.
//!
//! RFC 1035 §5.1: `@` is the origin, a name ending in `.` is absolute, any other name is relative
//! to the origin. RFC 1035 §2.3.4: a label is at most 63 octets, a name at most 255 octets on the
//! wire. RFC 1123 §2.1: host names are letters, digits and hyphens (LDH), and may start with a
//! digit. RFC 8552 §2: "underscored" labels (`_dmarc`, `_443._tcp`) name attributes rather than
//! hosts, so they are allowed in owner names and alias targets but not where a host is meant.
//! RFC 4592 §2.1.1: a wildcard is an owner whose leftmost label is exactly `*`.

use std::net::Ipv4Addr;

use hickory_proto::rr::Name;

/// RFC 1035 §2.3.4: "labels 63 octets or less".
pub const MAX_LABEL_LEN: usize = 63;

/// RFC 1035 §2.3.4: "names 255 octets or less", counted in wire form (length octets included).
pub const MAX_NAME_LEN: usize = 255;

/// Where a name appears, which decides the characters it may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRole {
    /// An owner name: LDH or underscore labels, and a leftmost `*` wildcard.
    Owner,
    /// A host name (MX exchange, NS host, SRV target, SOA MNAME): LDH labels only, never an
    /// IP literal. The root `.` is allowed; callers that refuse it say so.
    Host,
    /// Any other domain name in record data (CNAME, PTR, NAPTR, SVCB targets, SOA RNAME):
    /// LDH or underscore labels, no wildcard.
    Target,
}

/// Parses `text` as a name in the zone `origin`.
///
/// Returns the absolute name with its spelling kept, or a message saying which rule it breaks.
pub fn parse_name(text: &str, origin: &Name, role: NameRole) -> Result<Name, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("a name must not be empty".to_owned());
    }
    if text == "@" {
        return Ok(origin.clone());
    }
    if text == "." {
        return Ok(Name::root());
    }
    let (body, absolute) = match text.strip_suffix('.') {
        Some(body) => (body, true),
        None => (text, false),
    };
    if role == NameRole::Host && is_ip_literal(body) {
        return Err(format!(
            "\"{text}\" is an IP address; a host name is required"
        ));
    }
    let labels: Vec<&str> = body.split('.').collect();
    for (index, label) in labels.iter().enumerate() {
        check_label(label, index == 0, role).map_err(|rule| format!("\"{text}\": {rule}"))?;
    }
    let own_len: usize = labels.iter().map(|label| label.len() + 1).sum::<usize>() + 1;
    if own_len > MAX_NAME_LEN {
        return Err(too_long(text, own_len));
    }
    let relative = Name::from_labels(labels.iter().map(|label| label.as_bytes()))
        .map_err(|err| format!("\"{text}\": {err}"))?;
    let name = if absolute {
        relative
    } else {
        let wire_len = wire_len(&relative) - 1 + wire_len(origin);
        if wire_len > MAX_NAME_LEN {
            return Err(too_long(text, wire_len));
        }
        let mut relative = relative;
        relative.set_fqdn(false);
        relative
            .append_domain(origin)
            .map_err(|err| format!("\"{text}\": {err}"))?
    };
    let len = wire_len(&name);
    if len > MAX_NAME_LEN {
        return Err(too_long(text, len));
    }
    Ok(name)
}

fn too_long(text: &str, len: usize) -> String {
    format!("\"{text}\" is {len} octets long as a full name; at most {MAX_NAME_LEN} are allowed")
}

/// The length of `name` in uncompressed wire form, root label included.
pub fn wire_len(name: &Name) -> usize {
    name.iter().map(|label| label.len() + 1).sum::<usize>() + 1
}

/// True if `text` is written like an IPv4 or IPv6 address rather than a name.
pub fn is_ip_literal(text: &str) -> bool {
    let text = text.trim_end_matches('.');
    text.contains(':') || text.parse::<Ipv4Addr>().is_ok()
}

/// Checks one label against the rules for `role`.
fn check_label(label: &str, leftmost: bool, role: NameRole) -> Result<(), String> {
    if label.is_empty() {
        return Err("empty label (two dots in a row, or a leading dot)".to_owned());
    }
    if label.len() > MAX_LABEL_LEN {
        return Err(format!(
            "label \"{label}\" is {} octets long; at most {MAX_LABEL_LEN} are allowed",
            label.len()
        ));
    }
    if label == "*" {
        // RFC 4592 §2.1.1: only a leftmost `*` makes a wildcard; elsewhere it is an ordinary
        // label, allowed in owner names (with a warning, see [`owner_warning`]).
        return match role {
            NameRole::Owner => Ok(()),
            _ if leftmost => Err("a wildcard is only allowed in an owner name".into()),
            _ => Err("a \"*\" label is only allowed in an owner name".into()),
        };
    }
    if label.contains('*') {
        return Err("a wildcard must be the whole leftmost label (\"*.\")".into());
    }
    if !label.is_ascii() {
        return Err(format!(
            "label \"{label}\" is not ASCII; write internationalized names as A-labels (xn--…)"
        ));
    }
    if let Some(rest) = label.strip_prefix('_') {
        if role == NameRole::Host {
            return Err(format!(
                "label \"{label}\": underscore labels are not allowed in a host name"
            ));
        }
        if let Some(bad) = rest
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(bad_char(label, bad));
        }
        return Ok(());
    }
    if let Some(bad) = label
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(bad_char(label, bad));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(format!(
            "label \"{label}\" must not start or end with a hyphen (RFC 1123)"
        ));
    }
    Ok(())
}

fn bad_char(label: &str, bad: char) -> String {
    format!(
        "label \"{label}\" contains {bad:?}; host names use letters, digits and hyphens (RFC 1123)"
    )
}

/// A warning about an owner name that is valid but likely not what was meant: a `*` label
/// that is not leftmost is no wildcard (RFC 4592 §2.1.1).
pub fn owner_warning(name: &Name) -> Option<String> {
    let mut labels = name.iter();
    labels.next();
    labels.any(|label| label == b"*").then(|| {
        format!(
            "\"{name}\" has a \"*\" label that is not the leftmost one; it matches only a \
             literal \"*\", it is not a wildcard (RFC 4592 §2.1.1)"
        )
    })
}

/// `name` written relative to `origin` as in a zone file: `@` for the apex, the leading labels
/// for names inside the zone, the absolute name otherwise.
pub fn relative_name(name: &Name, origin: &Name) -> String {
    if name == origin {
        return "@".to_owned();
    }
    if origin.zone_of(name) {
        let keep = name.iter().count().saturating_sub(origin.iter().count());
        let labels: Vec<String> = name
            .iter()
            .take(keep)
            .map(|label| String::from_utf8_lossy(label).into_owned())
            .collect();
        return labels.join(".");
    }
    // Not `to_string`: hickory's Display prints A-labels as Unicode, which no zone file takes.
    name.to_ascii()
}

/// A name as people type it for a zone or a host (`Mail.Example.com`, `münchen.de`), in the
/// form both are stored in: trimmed, IDN labels as A-labels (UTS #46 with the strict STD3
/// rules, so only host-name characters pass), lower case, without the trailing dot (which the
/// callers add). `invalid` is the message for a name IDNA refuses.
fn canonical_ascii(input: &str, invalid: impl FnOnce(&str) -> String) -> Result<String, String> {
    let trimmed = input.trim();
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err("must not be empty".into());
    }
    if trimmed.split('.').any(str::is_empty) {
        return Err("must not contain empty labels (two dots in a row)".into());
    }
    // Lengths are checked before IDN conversion too (which refuses them wholesale), so that
    // an over-long name or label gets its own message.
    if trimmed.is_ascii() && trimmed.len() + 2 > MAX_NAME_LEN {
        return Err(format!("is longer than {MAX_NAME_LEN} octets"));
    }
    let long_label = |labels: &str| {
        labels
            .split('.')
            .find(|l| l.is_ascii() && l.len() > MAX_LABEL_LEN)
            .map(|l| {
                format!(
                    "label \"{l}\" is {} octets long; at most {MAX_LABEL_LEN} are allowed",
                    l.len()
                )
            })
    };
    if let Some(problem) = long_label(trimmed) {
        return Err(problem);
    }
    let ascii = idna::domain_to_ascii_strict(trimmed).map_err(|_| invalid(trimmed))?;
    if let Some(problem) = long_label(&ascii) {
        return Err(problem);
    }
    // 255 octets on the wire: each label plus its length octet, plus the root's zero octet.
    if ascii.len() + 2 > MAX_NAME_LEN {
        return Err(format!("is longer than {MAX_NAME_LEN} octets"));
    }
    Ok(ascii)
}

/// The name of a zone in canonical form: A-labels, lower case, absolute (`example.com.`),
/// below a top-level domain. Whether a name may be a zone *here* (public suffixes, other
/// accounts' zones) is the server's policy, not a rule of the name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZoneName(String);

impl ZoneName {
    /// Checks what a user typed; the message says which rule it breaks.
    pub fn parse(input: &str) -> Result<Self, String> {
        let ascii = canonical_ascii(input, |_| {
            "is not a valid domain name: use letters, digits and hyphens in dot-separated labels"
                .into()
        })?;
        if !ascii.contains('.') {
            return Err("is a top-level domain; a zone must be below a public suffix".into());
        }
        Ok(Self(format!("{ascii}.")))
    }

    /// The canonical name, with its trailing dot.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the zone lies in the reverse trees (in-addr.arpa or ip6.arpa).
    pub fn is_reverse(&self) -> bool {
        self.0.ends_with(".in-addr.arpa.") || self.0.ends_with(".ip6.arpa.")
    }
}

impl std::fmt::Display for ZoneName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ZoneName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<ZoneName> for String {
    fn from(name: ZoneName) -> Self {
        name.0
    }
}

/// A host name (RFC 1123 §2.1) in canonical form: A-labels, lower case, absolute, fully
/// qualified, and not an IP literal; a PTR target or a name server, as people type it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostName(String);

impl HostName {
    /// Checks what a user typed; the message says which rule it breaks.
    pub fn parse(input: &str) -> Result<Self, String> {
        let bare = input.trim().trim_end_matches('.');
        if bare.parse::<std::net::IpAddr>().is_ok() {
            return Err("must be a host name, not an IP address".into());
        }
        let ascii = canonical_ascii(input, |typed| {
            format!(
                "\"{typed}\" is not a valid host name: use letters, digits and hyphens in \
                 dot-separated labels"
            )
        })?;
        if !ascii.contains('.') {
            return Err("must be a fully qualified name such as mail.example.com".into());
        }
        if ascii
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err("the last label must not be all digits".into());
        }
        Ok(Self(format!("{ascii}.")))
    }

    /// The canonical name, with its trailing dot.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for HostName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<HostName> for String {
    fn from(name: HostName) -> Self {
        name.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn zone_names_are_canonical() {
        assert_eq!(
            ZoneName::parse(" Example.COM ").unwrap().as_str(),
            "example.com."
        );
        assert_eq!(
            ZoneName::parse("münchen.de.").unwrap().as_str(),
            "xn--mnchen-3ya.de."
        );
        assert!(ZoneName::parse("2.0.192.in-addr.arpa")
            .unwrap()
            .is_reverse());
        assert_eq!(ZoneName::parse("").unwrap_err(), "must not be empty");
        assert_eq!(
            ZoneName::parse("a..example").unwrap_err(),
            "must not contain empty labels (two dots in a row)"
        );
        assert!(ZoneName::parse("com").unwrap_err().contains("top-level"));
        assert!(ZoneName::parse(&format!("{}.example", "a".repeat(64)))
            .unwrap_err()
            .contains("64 octets long"));
        assert!(ZoneName::parse("exa mple.com")
            .unwrap_err()
            .contains("not a valid domain name"));
    }

    #[test]
    fn host_names_are_canonical() {
        assert_eq!(
            HostName::parse("Mail.Example.com").unwrap().as_str(),
            "mail.example.com."
        );
        assert_eq!(
            HostName::parse("192.0.2.1").unwrap_err(),
            "must be a host name, not an IP address"
        );
        assert!(HostName::parse("localhost")
            .unwrap_err()
            .contains("fully qualified"));
        assert!(HostName::parse("host.123")
            .unwrap_err()
            .contains("all digits"));
        assert!(HostName::parse("_sip.example.com")
            .unwrap_err()
            .contains("not a valid host name"));
    }

    fn origin() -> Name {
        Name::from_ascii("Example.com.").unwrap()
    }

    fn owner(text: &str) -> Result<Name, String> {
        parse_name(text, &origin(), NameRole::Owner)
    }

    #[test]
    fn relative_absolute_and_apex() {
        assert_eq!(owner("@").unwrap().to_string(), "Example.com.");
        assert_eq!(owner("www").unwrap().to_string(), "www.Example.com.");
        assert_eq!(
            owner("WWW.example.com.").unwrap().to_string(),
            "WWW.example.com."
        );
        assert_eq!(owner("a.b").unwrap().num_labels(), 4);
        assert!(owner("www").unwrap().is_fqdn());
        assert_eq!(owner("www").unwrap(), owner("WWW.EXAMPLE.COM.").unwrap());
    }

    #[test]
    fn underscore_and_wildcard_owners() {
        assert!(owner("_dmarc").is_ok());
        assert!(owner("_443._tcp.www").is_ok());
        assert!(owner("s1._domainkey").is_ok());
        assert!(owner("*").is_ok());
        assert!(owner("*.sub").is_ok());
        let odd = owner("a.*").unwrap();
        assert!(owner_warning(&odd).unwrap().contains("not a wildcard"));
        assert!(owner_warning(&owner("*.a").unwrap()).is_none());
        assert!(owner("*a").unwrap_err().contains("wildcard"));
        assert!(owner("a*b.c").unwrap_err().contains("wildcard"));
        assert!(parse_name("*.x", &origin(), NameRole::Target)
            .unwrap_err()
            .contains("wildcard"));
        assert!(parse_name("_x.example.net.", &origin(), NameRole::Host)
            .unwrap_err()
            .contains("underscore"));
    }

    #[test]
    fn label_and_name_lengths() {
        let long_label = "a".repeat(64);
        assert!(owner(&long_label).unwrap_err().contains("at most 63"));
        assert!(owner(&"a".repeat(63)).is_ok());
        let long = vec!["a".repeat(60); 5].join(".");
        assert!(owner(&format!("{long}."))
            .unwrap_err()
            .contains("at most 255"));
        assert!(owner(&long).unwrap_err().contains("at most 255"));
    }

    #[test]
    fn bad_characters() {
        for bad in [
            "ex ample", "a..b", ".a", "-a", "a-", "exa$mple", "münchen", "a\\b",
        ] {
            assert!(owner(bad).is_err(), "{bad}");
        }
        assert!(owner("1host").is_ok(), "RFC 1123 allows a leading digit");
    }

    #[test]
    fn ip_literals_are_not_host_names() {
        for ip in ["192.0.2.1", "192.0.2.1.", "2001:db8::1"] {
            let err = parse_name(ip, &origin(), NameRole::Host).unwrap_err();
            assert!(err.contains("IP address"), "{ip}: {err}");
        }
    }

    #[test]
    fn relative_names() {
        let o = origin();
        assert_eq!(relative_name(&owner("@").unwrap(), &o), "@");
        assert_eq!(relative_name(&owner("a.b").unwrap(), &o), "a.b");
        assert_eq!(relative_name(&owner("*.b").unwrap(), &o), "*.b");
        assert_eq!(
            relative_name(&Name::from_ascii("x.example.net.").unwrap(), &o),
            "x.example.net."
        );
        assert_eq!(
            relative_name(&Name::from_ascii("xn--mnchen-3ya.example.").unwrap(), &o),
            "xn--mnchen-3ya.example."
        );
    }
}
