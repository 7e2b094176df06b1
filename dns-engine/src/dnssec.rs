//! DNSSEC: the zone key, and the signatures and denial records of signed zones.
//!
//! A signed zone has one key, ECDSA P-256 with SHA-256 (algorithm 13, RFC 6605), used both as
//! key-signing and as zone-signing key (a "combined signing key", DNSKEY flags 257: zone key and
//! secure entry point). Algorithm 13 gives small keys and signatures (64 bytes), so signed
//! answers stay well within one UDP datagram, and it is what every validator supports. One key
//! instead of a KSK/ZSK pair means one DS at the parent and no rollover choreography between two
//! keys; the price (a key change needs a new DS) is paid rarely. The private key lives in the
//! server's store as PKCS#8 DER; all cryptography is hickory-proto's, backed by ring.
//!
//! What gets signed, and when:
//!
//! * **At snapshot build** ([`crate::Zone::signed`]): an RRSIG for every authoritative RRset —
//!   the apex SOA, NS and DNSKEY (which is added from the key) and everything else in the zone,
//!   except the NS RRset of a delegation and anything below one (glue), which the parent does not
//!   sign (RFC 4035 §2.2). The DS RRset at a cut *is* the parent's, so it is signed. Each insecure
//!   cut also gets its NSEC (below), signed once, proving to validators that it has no DS.
//! * **Per query, online**: answers the zone does not hold as RRsets — wildcard expansions and the
//!   synthesized reverse names of [`crate::zone::synth`] — are signed as if their owner existed,
//!   with the labels field of the question's name ("white lies", as RFC 4470 calls them), so no
//!   proof that the name is otherwise absent is needed. Denial of existence is *compact*
//!   (RFC 9824, as Cloudflare and NS1 serve it): for any name without the asked data, an NSEC
//!   owned by that name whose next name is its immediate successor `\000.<name>`, so it covers no
//!   other name and cannot be used to walk the zone. A name that does not exist at all gets the
//!   NSEC with the NXNAME pseudo-type and the RCODE NOERROR; a name that exists gets the types it
//!   has. Online signing costs one ECDSA signature per such answer, a few dozen microseconds,
//!   and spares a precomputed NSEC chain over names that the synthesized reverse zones do not
//!   even have.
//!
//! Signatures are valid from an hour before the build (clock skew between us and validators) to
//! fourteen days after it; the server rebuilds signed zones every few days, well before then.

use std::fmt;
use std::sync::Arc;

use hickory_proto::dnssec::crypto::EcdsaSigningKey;
use hickory_proto::dnssec::rdata::{DNSSECRData, SigInput, DNSKEY, NSEC, RRSIG};
use hickory_proto::dnssec::{Algorithm, DigestType, SigningKey, TBS};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType, SerialNumber};
use hickory_proto::serialize::binary::{
    BinDecoder, BinEncodable, BinEncoder, NameEncoding, Restrict,
};

/// The one algorithm zone keys use: ECDSA P-256 with SHA-256 (RFC 6605), number 13.
pub const ALGORITHM: Algorithm = Algorithm::ECDSAP256SHA256;

/// DNSKEY flags of a combined signing key: Zone Key (bit 7) and Secure Entry Point (bit 15),
/// RFC 4034 §2.1.1.
pub const DNSKEY_FLAGS: u16 = 257;

/// How long before the build a signature becomes valid: validators whose clocks run behind
/// ours must not see signatures "from the future".
pub const INCEPTION_SKEW: u32 = 3600;

/// How long after the build signatures stay valid. The server re-signs every few days.
pub const SIGNATURE_VALIDITY: u32 = 14 * 86_400;

/// The NXNAME meta-type (RFC 9824 §3.1): set in the NSEC of a name that does not exist, so that
/// the NOERROR answer of compact denial can still be told apart from NODATA.
pub const NXNAME: RecordType = RecordType::Unknown(128);

/// Why a key cannot be made, read or used.
#[derive(Debug, thiserror::Error)]
pub enum DnssecError {
    /// ring could not generate a key.
    #[error("a zone key could not be generated: {0}")]
    Generate(String),
    /// The stored bytes are not an ECDSA P-256 private key in PKCS#8 DER.
    #[error("the zone key is not an ECDSA P-256 private key in PKCS#8 DER: {0}")]
    Key(String),
    /// A DS digest type other than SHA-256 (2) and SHA-384 (4). SHA-1 (1) is not offered: RFC
    /// 8624 §3.3 says it MUST NOT be used to create DS records.
    #[error("DS digest type {0} is not offered (2 = SHA-256, 4 = SHA-384)")]
    DigestType(u8),
    /// Encoding or signing failed (a bug, or a name too long to sign for).
    #[error("signing failed: {0}")]
    Sign(String),
}

/// A zone's signing key: the private key and the DNSKEY that publishes its public half.
pub struct ZoneKey {
    signing: EcdsaSigningKey,
    dnskey: DNSKEY,
    key_tag: u16,
}

/// The private key is never printed.
impl fmt::Debug for ZoneKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoneKey")
            .field("algorithm", &self.algorithm())
            .field("key_tag", &self.key_tag)
            .finish_non_exhaustive()
    }
}

impl ZoneKey {
    /// A new random key, with its PKCS#8 DER encoding for the server to store.
    pub fn generate() -> Result<(Self, Vec<u8>), DnssecError> {
        let der = EcdsaSigningKey::generate_pkcs8(ALGORITHM)
            .map_err(|err| DnssecError::Generate(err.to_string()))?;
        let der = der.secret_pkcs8_der().to_vec();
        Ok((Self::from_pkcs8(&der)?, der))
    }

    /// The key stored as PKCS#8 DER by [`ZoneKey::generate`].
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, DnssecError> {
        let signing = EcdsaSigningKey::from_pkcs8(&der.into(), ALGORITHM)
            .map_err(|err| DnssecError::Key(err.to_string()))?;
        let public = signing
            .to_public_key()
            .map_err(|err| DnssecError::Key(err.to_string()))?;
        let dnskey = DNSKEY::with_flags(DNSKEY_FLAGS, public);
        let key_tag = dnskey
            .calculate_key_tag()
            .map_err(|err| DnssecError::Key(err.to_string()))?;
        Ok(Self {
            signing,
            dnskey,
            key_tag,
        })
    }

    /// The DNSSEC algorithm number: 13.
    pub fn algorithm(&self) -> u8 {
        u8::from(ALGORITHM)
    }

    /// The key tag (RFC 4034 Appendix B) that RRSIG and DS records name the key by.
    pub fn key_tag(&self) -> u16 {
        self.key_tag
    }

    /// The DNSKEY record data.
    pub fn dnskey(&self) -> &DNSKEY {
        &self.dnskey
    }

    /// The DNSKEY record data in presentation format: `257 3 13 <base64>`.
    pub fn dnskey_rdata(&self) -> String {
        self.dnskey.to_string()
    }

    /// The DS record data the parent of `zone` publishes for this key, in presentation format:
    /// `<key tag> 13 <digest type> <digest in upper-case hex>`. `digest_type` is 2 (SHA-256) or
    /// 4 (SHA-384).
    pub fn ds_rdata(&self, zone: &Name, digest_type: u8) -> Result<String, DnssecError> {
        let digest = match DigestType::from(digest_type) {
            kind @ (DigestType::SHA256 | DigestType::SHA384) => kind,
            _ => return Err(DnssecError::DigestType(digest_type)),
        };
        let mut zone = zone.clone();
        zone.set_fqdn(true);
        let digest = self
            .dnskey
            .to_digest(&zone, digest)
            .map_err(|err| DnssecError::Sign(err.to_string()))?;
        Ok(format!(
            "{} {} {} {}",
            self.key_tag,
            self.algorithm(),
            digest_type,
            hex::encode_upper(digest.as_ref())
        ))
    }
}

/// A zone key with the zone it signs for and the validity period of this build's signatures.
#[derive(Clone, Debug)]
pub struct Signer {
    key: Arc<ZoneKey>,
    /// The RRSIG signer name: the zone apex (RFC 4035 §2.2).
    apex: Name,
    inception: u32,
    expiration: u32,
}

impl Signer {
    /// Signs for `apex` with `key`, signatures valid from [`INCEPTION_SKEW`] before `now_unix`
    /// to [`SIGNATURE_VALIDITY`] after it. RRSIG times are serial numbers modulo 2^32 (RFC
    /// 4034 §3.1.5), so wrapping arithmetic is the right one.
    pub fn new(key: Arc<ZoneKey>, apex: &Name, now_unix: u32) -> Self {
        let mut apex = apex.to_lowercase();
        apex.set_fqdn(true);
        Self {
            key,
            apex,
            inception: now_unix.wrapping_sub(INCEPTION_SKEW),
            expiration: now_unix.wrapping_add(SIGNATURE_VALIDITY),
        }
    }

    /// The key.
    pub fn key(&self) -> &Arc<ZoneKey> {
        &self.key
    }

    /// When this build's signatures expire (seconds since the epoch, modulo 2^32).
    pub fn expiration(&self) -> u32 {
        self.expiration
    }

    /// The RRSIG record data over the RRset `owner`/`rtype` with `ttl` and `data`.
    ///
    /// The labels field is RFC 4034 §3.1.3's: the owner's labels without the root and without
    /// a leading `*`, so a wildcard's own signature lets validators check its expansions. For
    /// an online signature of a wildcard expansion the owner is the expanded name itself.
    pub fn rrsig(
        &self,
        owner: &Name,
        rtype: RecordType,
        ttl: u32,
        data: &[RData],
    ) -> Result<RData, DnssecError> {
        let sign_err = |err: &dyn fmt::Display| DnssecError::Sign(err.to_string());
        let mut owner = owner.clone();
        owner.set_fqdn(true);
        let input = SigInput {
            type_covered: rtype,
            algorithm: ALGORITHM,
            num_labels: owner.num_labels(),
            original_ttl: ttl,
            sig_expiration: SerialNumber::new(self.expiration),
            sig_inception: SerialNumber::new(self.inception),
            key_tag: self.key.key_tag,
            signer_name: self.apex.clone(),
        };
        // hickory sorts the RRset by each record's uncompressed wire form, which is RFC 4034
        // §6.3's canonical order only once names inside the data are lower case (§6.2 rule 3):
        // an RRset of several records is put into canonical form first. One record needs no
        // order, and the encoder lower-cases its names anyway.
        let records = if data.len() > 1 {
            data.iter()
                .map(|data| {
                    canonical(data).map(|data| Record::from_rdata(owner.clone(), ttl, data))
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|err| sign_err(&err))?
        } else {
            data.iter()
                .map(|data| Record::from_rdata(owner.clone(), ttl, data.clone()))
                .collect()
        };
        let tbs = TBS::from_input(&owner, DNSClass::IN, &input, records.iter())
            .map_err(|err| sign_err(&err))?;
        let signature = self.key.signing.sign(&tbs).map_err(|err| sign_err(&err))?;
        Ok(RData::DNSSEC(DNSSECRData::RRSIG(RRSIG::from_sig(
            input, signature,
        ))))
    }

    /// The compact-denial NSEC record data for `owner` (RFC 9824 §3): the next name is
    /// `\000.<owner>`, the name right after `owner` in canonical order, so the NSEC covers
    /// nothing but `owner` itself; the types are `types` plus RRSIG and NSEC, which every name of
    /// a signed zone has from the validator's point of view.
    pub fn nsec(owner: &Name, types: impl IntoIterator<Item = RecordType>) -> RData {
        let next = owner
            .prepend_label(&[0u8][..])
            .ok()
            .or_else(|| same_length_successor(owner))
            // Only a name of the maximum length whose first label is all 0xff octets is left;
            // naming itself as next covers nothing it can prove about other names it signs.
            .unwrap_or_else(|| owner.clone());
        let mut next = next;
        next.set_fqdn(true);
        RData::DNSSEC(DNSSECRData::NSEC(NSEC::new_cover_self(next, types)))
    }
}

/// The successor of `owner` in canonical order (RFC 4034 §6.1) among names no longer than it,
/// for a name of the maximum length, which has no `\000.` successor: its first label with
/// trailing 0xff octets removed and the last remaining octet raised to the next value that a
/// canonical (lower-case) label can hold. Every name between the two would be longer than the
/// maximum, so the NSEC still proves nothing about any other name (RFC 4471 §3.1.2 uses the
/// same construction). `None` when the first label is all 0xff.
fn same_length_successor(owner: &Name) -> Option<Name> {
    let lower = owner.to_lowercase();
    let mut labels: Vec<Vec<u8>> = lower.iter().map(<[u8]>::to_vec).collect();
    let first = labels.first_mut()?;
    while first.last() == Some(&0xff) {
        first.pop();
    }
    let last = first.last_mut()?;
    *last = match *last + 1 {
        // Upper-case letters never occur in canonical form: after '@' comes '['.
        b'A'..=b'Z' => b'[',
        raised => raised,
    };
    Name::from_labels(labels).ok()
}

/// `data` in canonical form (RFC 4034 §6.2): names inside it lower case, for the types whose
/// names are.
fn canonical(data: &RData) -> Result<RData, String> {
    let mut bytes = Vec::new();
    let mut encoder = BinEncoder::new(&mut bytes);
    encoder.set_canonical_form(true);
    encoder.set_name_encoding(NameEncoding::Uncompressed);
    data.emit(&mut encoder).map_err(|err| err.to_string())?;
    let len = u16::try_from(bytes.len()).map_err(|_| "record data longer than 65535 octets")?;
    RData::read(
        &mut BinDecoder::new(&bytes),
        data.record_type(),
        Restrict::new(len),
    )
    .map_err(|err| err.to_string())
}

/// The RRSIG inside record data, for tests and diagnostics.
pub fn rrsig_of(data: &RData) -> Option<&RRSIG> {
    match data {
        RData::DNSSEC(DNSSECRData::RRSIG(rrsig)) => Some(rrsig),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::net::Ipv4Addr;

    use hickory_proto::dnssec::Verifier;
    use hickory_proto::rr::rdata::{A, NS};

    use super::*;

    fn name(text: &str) -> Name {
        Name::from_ascii(text).unwrap()
    }

    #[test]
    fn a_key_round_trips_through_pkcs8() {
        let (key, der) = ZoneKey::generate().unwrap();
        let again = ZoneKey::from_pkcs8(&der).unwrap();
        assert_eq!(again.dnskey(), key.dnskey());
        assert_eq!(again.key_tag(), key.key_tag());
        assert_eq!(key.algorithm(), 13);
        assert!(
            key.dnskey_rdata().starts_with("257 3 13 "),
            "{}",
            key.dnskey_rdata()
        );
        assert!(ZoneKey::from_pkcs8(b"not a key").is_err());
        assert!(!format!("{key:?}").contains(&format!("{der:?}")));
    }

    #[test]
    fn the_key_tag_is_hickorys() {
        let (key, _) = ZoneKey::generate().unwrap();
        assert_eq!(key.key_tag(), key.dnskey().calculate_key_tag().unwrap());
    }

    #[test]
    fn ds_records_name_the_key_and_digest() {
        let (key, _) = ZoneKey::generate().unwrap();
        let zone = name("Example.COM");
        let sha256 = key.ds_rdata(&zone, 2).unwrap();
        let fields: Vec<&str> = sha256.split(' ').collect();
        assert_eq!(fields[0], key.key_tag().to_string());
        assert_eq!(&fields[1..3], ["13", "2"]);
        assert_eq!(fields[3].len(), 64);
        assert!(fields[3]
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
        // The digest is over the lower-case owner name (RFC 4034 §5.1.4).
        assert_eq!(sha256, key.ds_rdata(&name("example.com."), 2).unwrap());
        assert_eq!(
            key.ds_rdata(&zone, 4)
                .unwrap()
                .split(' ')
                .nth(3)
                .unwrap()
                .len(),
            96
        );
        assert!(matches!(
            key.ds_rdata(&zone, 1),
            Err(DnssecError::DigestType(1))
        ));
    }

    #[test]
    fn signatures_verify_with_the_dnskey() {
        let (key, _) = ZoneKey::generate().unwrap();
        let dnskey = key.dnskey().clone();
        let signer = Signer::new(Arc::new(key), &name("example.com."), 1_700_000_000);
        let owner = name("WWW.example.com.");
        let data = vec![
            RData::A(A(Ipv4Addr::new(192, 0, 2, 2))),
            RData::A(A(Ipv4Addr::new(192, 0, 2, 1))),
        ];
        let rrsig = signer.rrsig(&owner, RecordType::A, 300, &data).unwrap();
        let RData::DNSSEC(DNSSECRData::RRSIG(rrsig)) = rrsig else {
            panic!("not an RRSIG");
        };
        assert_eq!(rrsig.input().num_labels, 3);
        assert_eq!(rrsig.input().sig_inception.get(), 1_700_000_000 - 3600);
        assert_eq!(
            rrsig.input().sig_expiration.get(),
            1_700_000_000 + 14 * 86_400
        );
        let records: Vec<Record> = data
            .iter()
            .rev()
            .map(|d| Record::from_rdata(name("www.example.com."), 300, d.clone()))
            .collect();
        dnskey
            .verify_rrsig(
                &name("www.example.com."),
                DNSClass::IN,
                &rrsig,
                records.iter(),
            )
            .unwrap();
        // Other data does not verify.
        let forged = [Record::from_rdata(
            name("www.example.com."),
            300,
            RData::A(A(Ipv4Addr::new(192, 0, 2, 3))),
        )];
        assert!(dnskey
            .verify_rrsig(
                &name("www.example.com."),
                DNSClass::IN,
                &rrsig,
                forged.iter()
            )
            .is_err());

        // Names inside the data are signed lower case and in canonical order, however spelled.
        let ns = vec![
            RData::NS(NS(name("NS2.example.com."))),
            RData::NS(NS(name("ns1.example.com."))),
        ];
        let rrsig = signer
            .rrsig(&name("example.com."), RecordType::NS, 3600, &ns)
            .unwrap();
        let RData::DNSSEC(DNSSECRData::RRSIG(rrsig)) = rrsig else {
            panic!("not an RRSIG");
        };
        let records: Vec<Record> = ns
            .iter()
            .map(|d| Record::from_rdata(name("example.com."), 3600, canonical(d).unwrap()))
            .collect();
        dnskey
            .verify_rrsig(&name("example.com."), DNSClass::IN, &rrsig, records.iter())
            .unwrap();

        // A wildcard's own signature leaves the `*` out of the label count.
        let rrsig = signer
            .rrsig(&name("*.wild.example.com."), RecordType::A, 300, &data[..1])
            .unwrap();
        assert_eq!(rrsig_of(&rrsig).unwrap().input().num_labels, 3);
    }

    #[test]
    fn names_of_maximum_length_get_the_next_name_of_the_same_length() {
        // 4 labels of 63 octets minus one: 253 characters, 255 octets on the wire.
        let label = "a".repeat(63);
        let long = name(&format!("{l}.{l}.{l}.{}.", &label[..61], l = label));
        assert!(
            long.prepend_label(&[0u8][..]).is_err(),
            "too long for \\000."
        );
        let RData::DNSSEC(DNSSECRData::NSEC(nsec)) = Signer::nsec(&long, [NXNAME]) else {
            panic!("not an NSEC");
        };
        let next = nsec.next_domain_name();
        assert_ne!(
            next, &long,
            "an NSEC naming itself as next covers every other name"
        );
        assert_eq!(next.base_name(), long.base_name());
        let first = next.iter().next().unwrap();
        assert_eq!(first, format!("{}b", "a".repeat(62)).as_bytes());
        assert!(&long < next, "canonical order");
        // The next octet of a canonical label skips the upper-case letters.
        let mut odd = label.as_bytes()[..60].to_vec();
        odd.push(b'@');
        let at = Name::from_labels(vec![
            odd,
            label.as_bytes().to_vec(),
            label.as_bytes().to_vec(),
            label.as_bytes().to_vec(),
        ])
        .unwrap();
        assert!(at.prepend_label(&[0u8][..]).is_err());
        assert_eq!(
            same_length_successor(&at)
                .unwrap()
                .iter()
                .next()
                .unwrap()
                .last(),
            Some(&b'[')
        );
    }

    #[test]
    fn compact_denial_nsec_covers_only_its_owner() {
        let RData::DNSSEC(DNSSECRData::NSEC(nsec)) =
            Signer::nsec(&name("nope.example.com."), [NXNAME])
        else {
            panic!("not an NSEC");
        };
        let next = nsec.next_domain_name();
        assert_eq!(next.iter().next(), Some(&[0u8][..]), "{next}");
        assert_eq!(next.base_name(), name("nope.example.com."));
        assert!(next.is_fqdn());
        let types: Vec<RecordType> = nsec.type_bit_maps().collect();
        assert!(types.contains(&RecordType::RRSIG));
        assert!(types.contains(&RecordType::NSEC));
        assert!(types.contains(&NXNAME));
        assert_eq!(types.len(), 3);
    }
}
