//! The live check of a DS record against the DNSKEY RRset its domain publishes.
//!
//! A DS record at the parent is only useful if it names a key the child zone really serves:
//! otherwise validating resolvers treat the whole domain as bogus (RFC 4035 §5.2). So before a
//! customer's DS goes to the parent or the registrar, the domain's authoritative servers are
//! asked for the DNSKEY RRset with its RRSIGs ([`fetch_keys`]), and each DS is compared with it
//! ([`check`]): a key with the DS's tag and algorithm that is a secure entry point, whose
//! digest (RFC 4034 §5.1.4) equals the DS's digest, and which signs the DNSKEY RRset with a
//! signature valid now (RFC 4035 §5.2: the DS authenticates the key, the key the RRset).
//!
//! The crypto is hickory's (ring-backed): [`DNSKEY::to_digest`], [`DNSKEY::calculate_key_tag`]
//! and [`Verifier::verify_rrsig`]. The wire glue is [`crate::resolver::exchange`].
//!
//! [`ds_from_dnskey`] turns a pasted DNSKEY into its DS, for customers who have the key at
//! hand but not the DS.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use frontend::api::ds::DsState;
use hickory_proto::dnssec::rdata::{DNSSECRData, DNSKEY, RRSIG};
use hickory_proto::dnssec::{Algorithm, DigestType, PublicKeyBuf, Verifier};
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType, SerialNumber};

use crate::resolver::{exchange, Ask};

/// A DS record's data, already format-checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsData {
    pub key_tag: u16,
    pub algorithm: u8,
    pub digest_type: u8,
    pub digest: Vec<u8>,
}

/// What the check of one DS found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckState {
    /// A secure-entry-point key matches the DS and signs the DNSKEY RRset.
    Valid,
    /// A key has the DS's tag and algorithm, but the digest differs or the key does not sign
    /// the DNSKEY RRset (now).
    Mismatch,
    /// No secure-entry-point key with the DS's tag and algorithm is published.
    NoKey,
    /// The DNSKEY RRset could not be fetched from any name server.
    Unreachable,
}

impl CheckState {
    pub fn as_str(self) -> &'static str {
        DsState::from(self).as_str()
    }
}

impl From<CheckState> for DsState {
    fn from(state: CheckState) -> DsState {
        match state {
            CheckState::Valid => DsState::Valid,
            CheckState::Mismatch => DsState::Mismatch,
            CheckState::NoKey => DsState::NoKey,
            CheckState::Unreachable => DsState::Unreachable,
        }
    }
}

/// The verdict on one DS, with one plain sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub state: CheckState,
    /// Names the server, the key tag and the digests involved.
    pub reason: String,
}

impl CheckResult {
    fn new(state: CheckState, reason: String) -> Self {
        Self { state, reason }
    }
}

/// The DNSKEY RRset (and its RRSIGs) as fetched, or why it could not be.
#[derive(Debug, Clone)]
pub struct KeySet {
    /// The server that answered.
    server: SocketAddr,
    /// The DNSKEY records owned by the domain.
    keys: Vec<Record>,
    /// The RRSIG records owned by the domain that cover the DNSKEY RRset.
    signatures: Vec<Record>,
}

impl KeySet {
    /// The DNSKEY RRset of `domain` and its RRSIGs among `records` (an answer section, say);
    /// records of other owners and types are left out.
    pub fn from_records(
        domain: &Name,
        server: SocketAddr,
        records: impl IntoIterator<Item = Record>,
    ) -> Self {
        let mut keys = Vec::new();
        let mut signatures = Vec::new();
        for record in records {
            // `Name` equality ignores ASCII case (RFC 4343).
            if record.name != *domain || record.dns_class != DNSClass::IN {
                continue;
            }
            match &record.data {
                RData::DNSSEC(DNSSECRData::DNSKEY(_)) => keys.push(record),
                RData::DNSSEC(DNSSECRData::RRSIG(sig))
                    if sig.input().type_covered == RecordType::DNSKEY =>
                {
                    signatures.push(record)
                }
                _ => {}
            }
        }
        Self {
            server,
            keys,
            signatures,
        }
    }

    /// The server the records came from.
    pub fn server(&self) -> SocketAddr {
        self.server
    }

    /// The DNSKEY records, then the RRSIGs over them.
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.keys.iter().chain(&self.signatures)
    }

    fn dnskeys(&self) -> impl Iterator<Item = &DNSKEY> {
        self.keys.iter().filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::DNSKEY(key)) => Some(key),
            _ => None,
        })
    }

    fn rrsigs(&self) -> impl Iterator<Item = &RRSIG> {
        self.signatures.iter().filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::RRSIG(sig)) => Some(sig),
            _ => None,
        })
    }
}

/// Asks each of `servers` (authoritative name servers of `domain`, tried in order until one
/// answers authoritatively) for `domain` DNSKEY with DO set, over UDP (EDNS buffer 1232) and,
/// when truncated or when UDP fails, over TCP. Checks the answer matches the query (ID,
/// question) and is authoritative (AA) NOERROR. Bounded by `timeout` per server.
pub async fn fetch_keys(
    domain: &Name,
    servers: &[SocketAddr],
    timeout: Duration,
) -> Result<KeySet, String> {
    if servers.is_empty() {
        return Err(format!(
            "there is no name server of {domain} to ask for its DNSKEY records"
        ));
    }
    let mut failures = Vec::new();
    for &server in servers {
        match exchange(
            server,
            domain,
            RecordType::DNSKEY,
            Ask::AUTHORITATIVE_DNSSEC,
            timeout,
        )
        .await
        {
            Ok(answer) if answer.metadata.response_code != ResponseCode::NoError => {
                failures.push(format!(
                    "{server} answered {}",
                    answer.metadata.response_code
                ));
            }
            // RFC 1035 §4.1.1: without AA the server does not serve the zone itself (a
            // resolver, a cache, a lame delegation); its keys prove nothing.
            Ok(answer) if !answer.metadata.authoritative => {
                failures.push(format!("{server} is not authoritative for {domain}"));
            }
            Ok(answer) => return Ok(KeySet::from_records(domain, server, answer.answers)),
            Err(reason) => failures.push(format!("{server} {reason}")),
        }
    }
    Err(format!(
        "no name server of {domain} gave its DNSKEY records: {}",
        failures.join("; ")
    ))
}

/// The digest type's name for people.
fn digest_name(digest_type: u8) -> String {
    match digest_type {
        1 => "SHA-1".into(),
        2 => "SHA-256".into(),
        4 => "SHA-384".into(),
        other => format!("digest type {other}"),
    }
}

/// A key with the zone-key and SEP bits and without the REVOKE bit (RFC 4034 §2.1.1,
/// RFC 5011 §3): the kind of key a DS points to.
fn is_sep_key(key: &DNSKEY) -> bool {
    key.zone_key() && key.secure_entry_point() && !key.revoke()
}

/// Whether `key` (tag `tag`) signs the DNSKEY RRset of `keys` with a signature valid at `now`.
enum Signed {
    Yes,
    No,
    Expired(u32),
    NotYetValid(u32),
}

fn signed_by(domain: &Name, key: &DNSKEY, tag: u16, keys: &KeySet, now: u32) -> Signed {
    let mut verdict = Signed::No;
    for sig in keys.rrsigs() {
        let input = sig.input();
        if input.key_tag != tag
            || input.algorithm != key.algorithm()
            || input.signer_name != *domain
        {
            continue;
        }
        if key
            .verify_rrsig(domain, DNSClass::IN, sig, keys.keys.iter())
            .is_err()
        {
            continue;
        }
        // RFC 4035 §5.3.1: inception <= now <= expiration, in serial number arithmetic
        // (RFC 4034 §3.1.5).
        let now = SerialNumber::new(now);
        if input.sig_inception > now {
            verdict = Signed::NotYetValid(input.sig_inception.get());
        } else if input.sig_expiration < now {
            verdict = Signed::Expired(input.sig_expiration.get());
        } else {
            return Signed::Yes;
        }
    }
    verdict
}

/// A UNIX time as an RFC 3339 UTC timestamp.
fn timestamp(unix: u32) -> String {
    time::OffsetDateTime::from_unix_timestamp(i64::from(unix))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

/// Compares one DS with the key set: a DNSKEY with the zone-key bit and the SEP bit whose tag
/// and algorithm match (several keys may share a tag: any match counts) → compute its digest
/// (RFC 4034 §5.1.4) → Valid/Mismatch; none with that tag and algorithm → NoKey (saying when a
/// key with that tag exists but lacks the SEP bit, or has another algorithm).
///
/// Valid also requires that the DNSKEY RRset is signed by that key: an RRSIG over the DNSKEY
/// RRset with the key's tag and algorithm that verifies and whose validity period covers
/// `now_unix`; otherwise Mismatch.
pub fn check(domain: &Name, ds: &DsData, keys: &KeySet, now_unix: u32) -> CheckResult {
    let server = keys.server;
    let tag = ds.key_tag;
    let tagged: Vec<&DNSKEY> = keys
        .dnskeys()
        .filter(|k| k.calculate_key_tag().ok() == Some(tag))
        .collect();
    let same_algorithm: Vec<&DNSKEY> = tagged
        .iter()
        .copied()
        .filter(|k| u8::from(k.algorithm()) == ds.algorithm)
        .collect();
    let candidates: Vec<&DNSKEY> = same_algorithm
        .iter()
        .copied()
        .filter(|k| is_sep_key(k))
        .collect();

    if candidates.is_empty() {
        let reason = if let Some(key) = same_algorithm.first() {
            let flags = key.flags();
            if !key.zone_key() {
                format!("key {tag} on {server} is not a zone key (flags {flags})")
            } else if key.revoke() {
                format!("key {tag} on {server} is revoked (flags {flags})")
            } else {
                format!(
                    "key {tag} on {server} is not a SEP key (flags {flags} lack the \
                     secure-entry-point bit: it is a zone-signing key); the DS must point to \
                     the key-signing key (flags 257)"
                )
            }
        } else if let Some(key) = tagged.first() {
            let algorithm = key.algorithm();
            format!(
                "key {tag} on {server} has algorithm {} ({algorithm}), not {} as the DS says",
                u8::from(algorithm),
                ds.algorithm
            )
        } else {
            let sep: Vec<String> = keys
                .dnskeys()
                .filter(|k| is_sep_key(k))
                .filter_map(|k| {
                    let t = k.calculate_key_tag().ok()?;
                    Some(format!("{t} (algorithm {})", u8::from(k.algorithm())))
                })
                .collect();
            if keys.keys.is_empty() {
                format!("{domain} publishes no DNSKEY records on {server}: the zone is not signed there")
            } else if sep.is_empty() {
                format!(
                    "{domain} publishes no key with tag {tag} on {server}, and no key-signing key at all"
                )
            } else {
                format!(
                    "{domain} publishes no key with tag {tag} and algorithm {} on {server}; its key-signing keys: {}",
                    ds.algorithm,
                    sep.join(", ")
                )
            }
        };
        return CheckResult::new(CheckState::NoKey, reason);
    }

    let digest_name = digest_name(ds.digest_type);
    // Several keys may share a tag (RFC 4034 appendix B): the reason reported is that of the
    // key that came closest — a matching digest without a good signature beats a digest
    // mismatch.
    let mut mismatch = None;
    let mut signature_problem = None;
    for key in candidates {
        let digest = match key.to_digest(domain, DigestType::from(ds.digest_type)) {
            Ok(d) => d,
            Err(_) => {
                mismatch = Some(format!(
                    "the {digest_name} digest of key {tag} on {server} cannot be computed"
                ));
                continue;
            }
        };
        if digest.as_ref() != ds.digest.as_slice() {
            mismatch = Some(format!(
                "the {digest_name} digest of key {tag} on {server} is {}, but the DS has {}",
                hex::encode_upper(digest.as_ref()),
                hex::encode_upper(&ds.digest)
            ));
            continue;
        }
        match signed_by(domain, key, tag, keys, now_unix) {
            Signed::Yes => {
                return CheckResult::new(
                    CheckState::Valid,
                    format!(
                        "key {tag} on {server} matches the {digest_name} digest of the DS and \
                         signs the DNSKEY RRset"
                    ),
                )
            }
            Signed::No => {
                signature_problem = Some(format!(
                    "the DNSKEY RRset is not signed by key {tag} (on {server}), although its \
                     {digest_name} digest matches the DS"
                ));
            }
            Signed::Expired(at) => {
                signature_problem = Some(format!(
                    "the signature of key {tag} over the DNSKEY RRset on {server} expired at {}",
                    timestamp(at)
                ));
            }
            Signed::NotYetValid(from) => {
                signature_problem = Some(format!(
                    "the signature of key {tag} over the DNSKEY RRset on {server} is not valid \
                     before {}",
                    timestamp(from)
                ));
            }
        }
    }
    CheckResult::new(
        CheckState::Mismatch,
        signature_problem
            .or(mismatch)
            .unwrap_or_else(|| format!("key {tag} on {server} does not match the DS")),
    )
}

/// [`fetch_keys`] and [`check`] for the DS records of one domain, with one fetch; a fetch
/// failure makes every DS Unreachable, with the reason.
pub async fn check_all(
    domain: &Name,
    ds: &[DsData],
    servers: &[SocketAddr],
    timeout: Duration,
    now_unix: u32,
) -> Vec<CheckResult> {
    match fetch_keys(domain, servers, timeout).await {
        Ok(keys) => ds
            .iter()
            .map(|d| check(domain, d, &keys, now_unix))
            .collect(),
        Err(reason) => ds
            .iter()
            .map(|_| CheckResult::new(CheckState::Unreachable, reason.clone()))
            .collect(),
    }
}

/// An absolute name from presentation text: `example.com` and `example.com.` alike (a pasted
/// record has no `$ORIGIN`), internationalized names in their A-label form.
fn absolute(text: &str) -> Option<Name> {
    let mut name = Name::from_utf8(text).ok()?;
    name.set_fqdn(true);
    Some(name)
}

/// The algorithm field: a number or a mnemonic (RFC 4034 §2.2).
fn algorithm(text: &str) -> Option<u8> {
    text.parse().ok().or_else(|| {
        (0..=u8::MAX).find(|&n| {
            let a = Algorithm::from_u8(n);
            !matches!(a, Algorithm::Unknown(_)) && a.as_str().eq_ignore_ascii_case(text)
        })
    })
}

/// The DS (digest type 2 = SHA-256 or 4 = SHA-384) of a pasted DNSKEY: accepts
/// `example.com. 3600 IN DNSKEY 257 3 13 <base64>` or just `257 3 13 <base64...>` (the base64
/// may be split by spaces, and parentheses and `;` comments of zone-file syntax are ignored).
/// Errors are plain sentences.
pub fn ds_from_dnskey(domain: &Name, text: &str, digest_type: u8) -> Result<DsData, String> {
    if digest_type != 2 && digest_type != 4 {
        return Err(format!(
            "digest type {digest_type} is not offered: use 2 (SHA-256) or 4 (SHA-384)"
        ));
    }
    let tokens: Vec<&str> = text
        .lines()
        .map(|line| line.split(';').next().unwrap_or(""))
        .flat_map(|line| line.split(|c: char| c.is_whitespace() || c == '(' || c == ')'))
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.is_empty() {
        return Err("the DNSKEY is empty".into());
    }
    let rdata = match tokens.iter().position(|t| t.eq_ignore_ascii_case("DNSKEY")) {
        Some(at) => {
            owner_fields(domain, &tokens[..at])?;
            &tokens[at + 1..]
        }
        None => {
            if let Some(t) = tokens.iter().find(|t| {
                ["DS", "CDS", "CDNSKEY", "RRSIG"]
                    .iter()
                    .any(|k| t.eq_ignore_ascii_case(k))
            }) {
                return Err(format!(
                    "this is a {} record, not a DNSKEY",
                    t.to_ascii_uppercase()
                ));
            }
            &tokens[..]
        }
    };
    let [flags, protocol, alg, key @ ..] = rdata else {
        return Err(
            "a DNSKEY has flags, protocol, algorithm and public key, like 257 3 13 <base64>".into(),
        );
    };
    let flags: u16 = flags
        .parse()
        .map_err(|_| format!("the flags {flags} are not a number from 0 to 65535"))?;
    // RFC 4034 §2.1.2: the protocol is always 3.
    if *protocol != "3" {
        return Err(format!(
            "the protocol is {protocol}, but a DNSKEY's is always 3"
        ));
    }
    let alg = algorithm(alg).ok_or_else(|| format!("{alg} is not a DNSSEC algorithm"))?;
    if key.is_empty() {
        return Err("the public key is missing".into());
    }
    let key = base64::engine::general_purpose::STANDARD
        .decode(key.concat())
        .map_err(|_| "the public key is not valid base64".to_owned())?;
    let dnskey = DNSKEY::with_flags(flags, PublicKeyBuf::new(key, Algorithm::from_u8(alg)));
    if !dnskey.zone_key() {
        return Err(format!(
            "the key is not a zone key (flags {flags} lack the zone-key bit, 256)"
        ));
    }
    if dnskey.revoke() {
        return Err(format!(
            "the key is revoked (flags {flags} have the REVOKE bit, 128)"
        ));
    }
    if !dnskey.secure_entry_point() {
        return Err(format!(
            "the key is not a key-signing key (flags {flags} lack the secure-entry-point bit, 1): \
             a DS must point to the key-signing key, usually flags 257"
        ));
    }
    // A key that does not decode could never sign anything (and the check would never pass).
    if let Err(e) = Verifier::key(&dnskey) {
        return Err(format!(
            "the public key is not a usable algorithm {alg} ({}) key: {e}",
            Algorithm::from_u8(alg)
        ));
    }
    let key_tag = dnskey
        .calculate_key_tag()
        .map_err(|e| format!("the key tag cannot be computed: {e}"))?;
    let digest = dnskey
        .to_digest(domain, DigestType::from(digest_type))
        .map_err(|e| format!("the digest cannot be computed: {e}"))?;
    Ok(DsData {
        key_tag,
        algorithm: alg,
        digest_type,
        digest: digest.as_ref().to_vec(),
    })
}

/// The fields before `DNSKEY`: an owner name first, then TTL and class in either order
/// (RFC 1035 §5.1). The owner, when given, must be the domain; the class, when given, IN.
fn owner_fields(domain: &Name, fields: &[&str]) -> Result<(), String> {
    for (i, field) in fields.iter().enumerate() {
        if field.bytes().all(|b| b.is_ascii_digit()) {
            continue; // the TTL
        }
        if field.eq_ignore_ascii_case("IN") {
            continue;
        }
        if ["CH", "HS", "CS"]
            .iter()
            .any(|c| field.eq_ignore_ascii_case(c))
            || field.to_ascii_uppercase().starts_with("CLASS")
        {
            return Err(format!("the class is {field}, not IN"));
        }
        if i != 0 {
            return Err(format!(
                "{field} is out of place: write the owner name, TTL, class, DNSKEY, then the key"
            ));
        }
        if *field == "@" {
            continue;
        }
        let owner = absolute(field).ok_or_else(|| format!("{field} is not a domain name"))?;
        if owner != *domain {
            return Err(format!(
                "the DNSKEY's owner {owner} is not the domain {domain}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    // RFC 4034 §5.4: a zone-signing key of dskey.example.com., key id 60485.
    const RFC_KEY: &str = "dskey.example.com. 86400 IN DNSKEY 256 3 5 ( AQOeiiR0GOMYkDshWoSKz9Xz
                                          fwJr1AYtsmx3TGkJaNXVbfi/
                                          2pHm822aJ5iI9BMzNXxeYCmZ
                                          DRD99WYwYqUSdjMmmAphXdvx
                                          egXd/M5+X7OrzKBaMbCVdFLU
                                          Uh6DhweJBjEVv5f2wwjM9Xzc
                                          nOf+EPbtG9DMBmADjFDc2w/r
                                          ljwvFw==
                                          ) ;  key id = 60485";

    // RFC 6605 §6.1: an ECDSA P-256 KSK of example.net. with its SHA-256 DS.
    const RFC6605_KEY: &str = "example.net. 3600 IN DNSKEY 257 3 13 (
              GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edb
              krSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA== )";
    const RFC6605_DS: &str =
        "55648 13 2 b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17";

    fn name(s: &str) -> Name {
        Name::from_ascii(s).unwrap()
    }

    fn parse_ds(text: &str) -> DsData {
        let f: Vec<&str> = text.split_whitespace().collect();
        DsData {
            key_tag: f[0].parse().unwrap(),
            algorithm: f[1].parse().unwrap(),
            digest_type: f[2].parse().unwrap(),
            digest: (0..f[3].len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&f[3][i..i + 2], 16).unwrap())
                .collect(),
        }
    }

    #[test]
    fn rfc6605_example_ds() {
        let ds = ds_from_dnskey(&name("example.net."), RFC6605_KEY, 2).unwrap();
        assert_eq!(ds, parse_ds(RFC6605_DS));
    }

    #[test]
    fn rdata_alone_and_split_base64() {
        let ds = ds_from_dnskey(
            &name("example.net."),
            "257 3 ECDSAP256SHA256 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edb \
             krSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==",
            2,
        )
        .unwrap();
        assert_eq!(ds, parse_ds(RFC6605_DS));
        // Owner without the final dot, class and TTL swapped, upper case.
        let ds = ds_from_dnskey(
            &name("example.net."),
            "EXAMPLE.net IN 3600 dnskey 257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==",
            2,
        )
        .unwrap();
        assert_eq!(ds, parse_ds(RFC6605_DS));
    }

    #[test]
    fn rfc4034_key_tag() {
        // Flags 256 is refused (not a SEP key), so check the tag with the SEP bit cleared
        // through the hickory type directly: 60485 is the RFC's key id.
        let err = ds_from_dnskey(&name("dskey.example.com."), RFC_KEY, 2).unwrap_err();
        assert!(err.contains("not a key-signing key"), "{err}");
        assert!(err.contains("flags 256"), "{err}");
        let b64: String = RFC_KEY
            .split('(')
            .nth(1)
            .unwrap()
            .split(')')
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        let key = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        let dnskey = DNSKEY::with_flags(256, PublicKeyBuf::new(key, Algorithm::from_u8(5)));
        assert_eq!(dnskey.calculate_key_tag().unwrap(), 60485);
    }

    #[test]
    fn sha384() {
        let ds = ds_from_dnskey(&name("example.net."), RFC6605_KEY, 4).unwrap();
        assert_eq!(ds.key_tag, 55648);
        assert_eq!(ds.digest_type, 4);
        assert_eq!(ds.digest.len(), 48);
    }

    #[test]
    fn errors_are_sentences() {
        let d = name("example.net.");
        let cases: &[(&str, u8, &str)] = &[
            (RFC6605_KEY, 1, "digest type 1 is not offered"),
            ("", 2, "empty"),
            ("257 3 13", 2, "the public key is missing"),
            ("257 3 13 !!!notbase64***", 2, "not valid base64"),
            ("257 3 13 AAAA", 2, "not a usable algorithm 13"),
            (
                "1 3 13 AAAA",
                2,
                "not a zone key (flags 1 lack the zone-key bit",
            ),
            ("385 3 13 AAAA", 2, "revoked"),
            ("257 2 13 AAAA", 2, "protocol is 2"),
            ("257 3 FOO AAAA", 2, "FOO is not a DNSSEC algorithm"),
            ("x 3 13 AAAA", 2, "the flags x are not a number"),
            ("257 3", 2, "a DNSKEY has flags, protocol"),
            (
                "shop.example.net. 3600 IN DNSKEY 257 3 13 AAAA",
                2,
                "the DNSKEY's owner shop.example.net. is not the domain example.net.",
            ),
            ("example.net. CH DNSKEY 257 3 13 AAAA", 2, "the class is CH"),
            (
                "example.net. 3600 IN DS 55648 13 2 ABCD",
                2,
                "this is a DS record",
            ),
        ];
        for (text, digest_type, expected) in cases {
            let err = ds_from_dnskey(&d, text, *digest_type).unwrap_err();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn state_names() {
        assert_eq!(CheckState::Valid.as_str(), "valid");
        assert_eq!(CheckState::Mismatch.as_str(), "mismatch");
        assert_eq!(CheckState::NoKey.as_str(), "no-key");
        assert_eq!(CheckState::Unreachable.as_str(), "unreachable");
    }
}
