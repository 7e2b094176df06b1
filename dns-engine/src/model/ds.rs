//! DS records as customers submit them to a registrar: the format rules a DS must pass before
//! anyone looks for its key.
//!
//! The rules follow the IANA registries and RFC 8624 (algorithm implementation requirements):
//!
//! * algorithms 1 (RSA/MD5), 3 (DSA/SHA-1), 5 (RSA/SHA-1), 6 (DSA-NSEC3-SHA1),
//!   7 (RSASHA1-NSEC3-SHA1) and 12 (GOST R 34.10-2001) are refused: validators no longer
//!   validate them ("MUST NOT" or deprecated for signing), so such a chain protects nothing;
//! * 8 (RSA/SHA-256) and 10 (RSA/SHA-512) are accepted with a warning: valid, but RSA keys
//!   make large responses, and RFC 8624 recommends ECDSA or EdDSA for new keys;
//! * 13, 14, 15 and 16 (ECDSA P-256/P-384, Ed25519, Ed448) are accepted as they are;
//! * digest types: 2 (SHA-256) and 4 (SHA-384) are accepted, 1 (SHA-1) with a warning (RFC 8624
//!   §3.3: "MUST NOT" be used for new DS), 3 (GOST R 34.11-94) is refused;
//! * the digest must be hexadecimal and exactly as long as its type's output (20, 32 or 48
//!   octets), or it can never match a key.
//!
//! Like the rest of the model this is pure code; the console runs it while people type.

use super::FieldError;

/// A DS record's data (RFC 4034 §5.1), format-checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DsFields {
    pub key_tag: u16,
    pub algorithm: u8,
    pub digest_type: u8,
    pub digest: Vec<u8>,
}

impl DsFields {
    /// The record data in presentation format: `12345 13 2 ABCD…` (upper-case hex, as the
    /// registries print it).
    pub fn rdata(&self) -> String {
        format!(
            "{} {} {} {}",
            self.key_tag,
            self.algorithm,
            self.digest_type,
            hex::encode_upper(&self.digest)
        )
    }
}

/// The mnemonic of a DNSSEC algorithm number (IANA "DNS Security Algorithm Numbers").
pub fn algorithm_name(algorithm: u8) -> Option<&'static str> {
    Some(match algorithm {
        1 => "RSAMD5",
        3 => "DSA",
        5 => "RSASHA1",
        6 => "DSA-NSEC3-SHA1",
        7 => "RSASHA1-NSEC3-SHA1",
        8 => "RSASHA256",
        10 => "RSASHA512",
        12 => "ECC-GOST",
        13 => "ECDSAP256SHA256",
        14 => "ECDSAP384SHA384",
        15 => "ED25519",
        16 => "ED448",
        _ => return None,
    })
}

/// The name of a DS digest type (IANA "Delegation Signer (DS) Resource Record Digest
/// Algorithms").
pub fn digest_name(digest_type: u8) -> Option<&'static str> {
    Some(match digest_type {
        1 => "SHA-1",
        2 => "SHA-256",
        3 => "GOST R 34.11-94",
        4 => "SHA-384",
        _ => return None,
    })
}

/// The length of a digest type's output in octets.
fn digest_len(digest_type: u8) -> Option<usize> {
    match digest_type {
        1 => Some(20),
        2 | 3 => Some(32),
        4 => Some(48),
        _ => None,
    }
}

fn error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Checks the four fields of a DS as typed (numbers may be out of range, the digest may hold
/// spaces). Returns the record and its warnings, or every problem, each with its field
/// (`key_tag`, `algorithm`, `digest_type`, `digest`).
pub fn check_ds(
    key_tag: i64,
    algorithm: i64,
    digest_type: i64,
    digest: &str,
) -> Result<(DsFields, Vec<String>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();

    let tag = u16::try_from(key_tag).ok();
    if tag.is_none() {
        errors.push(error(
            "key_tag",
            format!("{key_tag} is not a key tag: it must be 0–65535"),
        ));
    }

    let alg = match u8::try_from(algorithm) {
        Err(_) => {
            errors.push(error(
                "algorithm",
                format!("{algorithm} is not an algorithm number: it must be 0–255"),
            ));
            None
        }
        Ok(a @ (1 | 3 | 5 | 6 | 7 | 12)) => {
            errors.push(error(
                "algorithm",
                format!(
                    "algorithm {a} ({}) is deprecated (RFC 8624): validators treat it as \
                     insecure; sign the zone with algorithm 13 (ECDSAP256SHA256) or 15 (ED25519)",
                    algorithm_name(a).unwrap_or("?")
                ),
            ));
            None
        }
        Ok(a @ (8 | 10)) => {
            warnings.push(format!(
                "algorithm {a} ({}) is valid, but RSA keys make large responses; RFC 8624 \
                 recommends 13 (ECDSAP256SHA256) or 15 (ED25519) for new keys",
                algorithm_name(a).unwrap_or("?")
            ));
            Some(a)
        }
        Ok(a @ (13..=16)) => Some(a),
        Ok(a) => {
            errors.push(error(
                "algorithm",
                format!(
                    "{a} is not a DNSSEC signing algorithm in use; expected 8, 10, 13, 14, 15 \
                     or 16"
                ),
            ));
            None
        }
    };

    let dtype = match u8::try_from(digest_type) {
        Ok(1) => {
            warnings.push(
                "digest type 1 (SHA-1) is no longer safe for new DS records (RFC 8624); use 2 \
                 (SHA-256) instead"
                    .to_owned(),
            );
            Some(1)
        }
        Ok(t @ (2 | 4)) => Some(t),
        Ok(3) => {
            errors.push(error(
                "digest_type",
                "digest type 3 (GOST R 34.11-94) is not accepted: validators no longer \
                 support it; use 2 (SHA-256)",
            ));
            None
        }
        _ => {
            errors.push(error(
                "digest_type",
                format!(
                    "{digest_type} is not a DS digest type: use 2 (SHA-256), 4 (SHA-384) or 1 \
                     (SHA-1)"
                ),
            ));
            None
        }
    };

    let digits: String = digest.split_whitespace().collect();
    let bytes = if digits.is_empty() {
        errors.push(error("digest", "the digest is missing"));
        None
    } else if !digits.bytes().all(|b| b.is_ascii_hexdigit()) || !digits.len().is_multiple_of(2) {
        errors.push(error(
            "digest",
            "the digest must be hexadecimal digits (0-9, A-F), an even number of them",
        ));
        None
    } else {
        let bytes: Vec<u8> = (0..digits.len())
            .step_by(2)
            .filter_map(|i| {
                digits
                    .get(i..i + 2)
                    .and_then(|p| u8::from_str_radix(p, 16).ok())
            })
            .collect();
        match dtype.and_then(|t| digest_len(t).map(|n| (t, n))) {
            Some((t, n)) if bytes.len() != n => {
                errors.push(error(
                    "digest",
                    format!(
                        "a {} digest (type {t}) is {n} octets ({} hex digits); this one is {} \
                         octets ({} hex digits)",
                        digest_name(t).unwrap_or("?"),
                        n * 2,
                        bytes.len(),
                        digits.len()
                    ),
                ));
                None
            }
            _ => Some(bytes),
        }
    };

    match (tag, alg, dtype, bytes) {
        (Some(key_tag), Some(algorithm), Some(digest_type), Some(digest)) if errors.is_empty() => {
            Ok((
                DsFields {
                    key_tag,
                    algorithm,
                    digest_type,
                    digest,
                },
                warnings,
            ))
        }
        _ => Err(errors),
    }
}

/// Parses a pasted DS record for `domain` (absolute, lower case): a zone-file line
/// (`example.com. 3600 IN DS 12345 13 2 ABCD…`, owner, TTL and class optional) or just its data
/// (`12345 13 2 ABCD…`; the digest may be split by spaces). Problems are reported on the field
/// `ds`, except those of the DS's own fields after a well-formed line.
pub fn parse_ds_line(domain: &str, text: &str) -> Result<(DsFields, Vec<String>), Vec<FieldError>> {
    let line = text.split(';').next().unwrap_or_default();
    let line = line.replace(['(', ')'], " ");
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let Some(ds_at) = tokens.iter().position(|t| t.eq_ignore_ascii_case("DS")) else {
        // Only the data.
        return fields_from(&tokens);
    };
    let before = &tokens[..ds_at];
    let mut owner = None;
    for token in before {
        if token.eq_ignore_ascii_case("IN") || token.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if owner.replace(*token).is_some() {
            return Err(vec![error(
                "ds",
                "not a DS line: expected `owner [TTL] [IN] DS key-tag algorithm digest-type \
                 digest`",
            )]);
        }
    }
    if let Some(owner) = owner {
        let mut owner = owner.to_ascii_lowercase();
        if !owner.ends_with('.') {
            owner.push('.');
        }
        if owner != domain {
            return Err(vec![error(
                "ds",
                format!("the DS line is for {owner}, not for {domain}"),
            )]);
        }
    }
    fields_from(&tokens[ds_at + 1..])
}

fn fields_from(tokens: &[&str]) -> Result<(DsFields, Vec<String>), Vec<FieldError>> {
    if tokens.len() < 4 {
        return Err(vec![error(
            "ds",
            format!(
                "a DS record has 4 fields (key tag, algorithm, digest type, digest); found {}",
                tokens.len()
            ),
        )]);
    }
    let number = |t: &str, what: &str| {
        t.parse::<i64>()
            .map_err(|_| vec![error("ds", format!("the {what} \"{t}\" is not a number"))])
    };
    let key_tag = number(tokens[0], "key tag")?;
    let algorithm = number(tokens[1], "algorithm")?;
    let digest_type = number(tokens[2], "digest type")?;
    check_ds(key_tag, algorithm, digest_type, &tokens[3..].join(""))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const SHA256: &str = "2BB183AF5F22588179A53B0A98631FAD1A292118C15F50A0D9D63C7D4CC5A4B3";

    fn fields(result: Result<(DsFields, Vec<String>), Vec<FieldError>>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_modern_ds_passes_without_warnings() {
        let (ds, warnings) = check_ds(31406, 13, 2, &SHA256.to_lowercase()).unwrap();
        assert_eq!(ds.key_tag, 31406);
        assert_eq!(ds.digest.len(), 32);
        assert!(warnings.is_empty());
        assert_eq!(ds.rdata(), format!("31406 13 2 {SHA256}"));
    }

    #[test]
    fn key_tags_outside_sixteen_bits_are_refused() {
        assert_eq!(fields(check_ds(65536, 13, 2, SHA256)), ["key_tag"]);
        assert_eq!(fields(check_ds(-1, 13, 2, SHA256)), ["key_tag"]);
        assert!(check_ds(0, 13, 2, SHA256).is_ok());
        assert!(check_ds(65535, 13, 2, SHA256).is_ok());
    }

    #[test]
    fn deprecated_algorithms_are_refused_and_rsa_is_warned_about() {
        for alg in [1, 3, 5, 6, 7, 12] {
            let errors = check_ds(1, alg, 2, SHA256).unwrap_err();
            assert_eq!(errors[0].field, "algorithm");
            assert!(errors[0].message.contains("deprecated"), "{alg}");
        }
        for alg in [8, 10] {
            let (_, warnings) = check_ds(1, alg, 2, SHA256).unwrap();
            assert_eq!(warnings.len(), 1, "{alg}");
        }
        for alg in [13, 14, 15, 16] {
            assert!(check_ds(1, alg, 2, SHA256).unwrap().1.is_empty());
        }
        for alg in [0, 2, 4, 9, 11, 17, 253, 300] {
            assert_eq!(fields(check_ds(1, alg, 2, SHA256)), ["algorithm"], "{alg}");
        }
    }

    #[test]
    fn digest_types_and_lengths_must_agree() {
        let sha1 = "00".repeat(20);
        let sha384 = "AB".repeat(48);
        assert_eq!(check_ds(1, 13, 1, &sha1).unwrap().1.len(), 1);
        assert!(check_ds(1, 13, 4, &sha384).unwrap().1.is_empty());
        let gost = check_ds(1, 13, 3, SHA256).unwrap_err();
        assert_eq!(gost[0].field, "digest_type");
        assert!(gost[0].message.contains("GOST"));
        assert_eq!(fields(check_ds(1, 13, 5, SHA256)), ["digest_type"]);
        // A SHA-256 digest under the SHA-384 type, a short one, odd digits, not hex.
        let wrong = check_ds(1, 13, 4, SHA256).unwrap_err();
        assert!(
            wrong[0].message.contains("48 octets"),
            "{}",
            wrong[0].message
        );
        assert_eq!(fields(check_ds(1, 13, 2, "ABCD")), ["digest"]);
        assert_eq!(fields(check_ds(1, 13, 2, "ABC")), ["digest"]);
        assert_eq!(fields(check_ds(1, 13, 2, &"ZZ".repeat(32))), ["digest"]);
        assert_eq!(fields(check_ds(1, 13, 2, "")), ["digest"]);
        // Every problem at once.
        assert_eq!(
            fields(check_ds(70000, 5, 3, "xyz")),
            ["key_tag", "algorithm", "digest_type", "digest"]
        );
    }

    #[test]
    fn ds_lines_parse_with_or_without_owner_ttl_and_class() {
        let domain = "example.com.";
        let split = format!("{} {}", &SHA256[..32], &SHA256[32..]);
        for text in [
            format!("example.com. 3600 IN DS 31406 13 2 {SHA256}"),
            format!("Example.COM IN DS 31406 13 2 {SHA256} ; KSK"),
            format!("example.com. DS 31406 13 2 ( {split} )"),
            format!("31406 13 2 {split}"),
            format!("  DS 31406 13 2 {SHA256}\n"),
        ] {
            let (ds, _) = parse_ds_line(domain, &text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(ds.rdata(), format!("31406 13 2 {SHA256}"), "{text}");
        }
    }

    #[test]
    fn ds_lines_for_another_owner_or_malformed_are_refused() {
        let other = parse_ds_line(
            "example.com.",
            &format!("example.net. IN DS 1 13 2 {SHA256}"),
        );
        assert!(other.unwrap_err()[0].message.contains("example.net."));
        assert_eq!(fields(parse_ds_line("example.com.", "DS 1 13")), ["ds"]);
        assert_eq!(
            fields(parse_ds_line("example.com.", "x y DS 1 13 2 AA")),
            ["ds"]
        );
        assert_eq!(
            fields(parse_ds_line("example.com.", &format!("one 13 2 {SHA256}"))),
            ["ds"]
        );
        assert_eq!(
            fields(parse_ds_line("example.com.", &format!("1 5 2 {SHA256}"))),
            ["algorithm"]
        );
    }
}
