//! TSIG (RFC 8945): checking the signature of a request and signing the responses to it,
//! including every message of a multi-message zone transfer (§5.3.1).
//!
//! hickory-proto supplies the TSIG record type and the to-be-verified octets of a request
//! ([`signed_bitmessage_to_buf`]); the MACs are `ring`'s HMACs. Two things are done here
//! rather than with hickory's `TSigner`: hmac-sha1, which `TSigner` refuses but RFC 8945 §6
//! still lists as mandatory to implement (Debian's NSD and older BIND configurations use it;
//! it is accepted and flagged deprecated), and the digest of the second and later messages of
//! a transfer, which covers only the timers (§5.3.1) where `TSigner` covers every variable.

use std::collections::HashMap;
use std::sync::Arc;

use hickory_proto::rr::rdata::tsig::{signed_bitmessage_to_buf, TsigAlgorithm, TsigError, TSIG};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinEncodable, BinEncoder, NameEncoding};
use ring::hmac;

/// RFC 8945 §10: "a fudge value of 300 seconds" is recommended.
pub const FUDGE: u16 = 300;

/// The MAC algorithms accepted (RFC 8945 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// hmac-sha1: accepted, deprecated (RFC 8945 §6: "MUST implement", "NOT RECOMMENDED").
    HmacSha1,
    HmacSha256,
    HmacSha384,
    HmacSha512,
}

impl Algorithm {
    /// Every algorithm, strongest last.
    pub const ALL: [Algorithm; 4] = [
        Algorithm::HmacSha1,
        Algorithm::HmacSha256,
        Algorithm::HmacSha384,
        Algorithm::HmacSha512,
    ];

    /// The name used in TSIG records and in configuration files (`hmac-sha256`).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::HmacSha1 => "hmac-sha1",
            Algorithm::HmacSha256 => "hmac-sha256",
            Algorithm::HmacSha384 => "hmac-sha384",
            Algorithm::HmacSha512 => "hmac-sha512",
        }
    }

    /// The algorithm called `name` (case-insensitive, with or without the final dot).
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim_end_matches('.');
        Self::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(name))
    }

    /// Whether RFC 8945 advises against it.
    pub fn is_deprecated(self) -> bool {
        self == Algorithm::HmacSha1
    }

    /// The MAC's length in octets.
    pub fn mac_len(self) -> usize {
        self.ring().digest_algorithm().output_len()
    }

    fn ring(self) -> hmac::Algorithm {
        match self {
            Algorithm::HmacSha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Algorithm::HmacSha256 => hmac::HMAC_SHA256,
            Algorithm::HmacSha384 => hmac::HMAC_SHA384,
            Algorithm::HmacSha512 => hmac::HMAC_SHA512,
        }
    }

    fn record_algorithm(self) -> TsigAlgorithm {
        match self {
            Algorithm::HmacSha1 => TsigAlgorithm::HmacSha1,
            Algorithm::HmacSha256 => TsigAlgorithm::HmacSha256,
            Algorithm::HmacSha384 => TsigAlgorithm::HmacSha384,
            Algorithm::HmacSha512 => TsigAlgorithm::HmacSha512,
        }
    }
}

/// A shared secret key. The secret is never printed (`Debug` leaves it out).
#[derive(Clone)]
pub struct Key {
    name: Name,
    algorithm: Algorithm,
    key: hmac::Key,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("name", &self.name)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl Key {
    /// The key `name` (a domain name) of `algorithm` with `secret`.
    pub fn new(name: &Name, algorithm: Algorithm, secret: &[u8]) -> Self {
        let mut name = name.to_lowercase();
        name.set_fqdn(true);
        Self {
            name,
            algorithm,
            key: hmac::Key::new(algorithm.ring(), secret),
        }
    }

    /// The key's name, lower case and absolute.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    fn mac(&self, data: &[u8]) -> Vec<u8> {
        hmac::sign(&self.key, data).as_ref().to_vec()
    }
}

/// The keys a server knows, by name.
#[derive(Clone, Debug, Default)]
pub struct Keyring(HashMap<Name, Arc<Key>>);

impl Keyring {
    /// A keyring holding `keys`.
    pub fn new(keys: impl IntoIterator<Item = Key>) -> Self {
        Self(
            keys.into_iter()
                .map(|k| (k.name.clone(), Arc::new(k)))
                .collect(),
        )
    }

    /// The key called `name`.
    pub fn get(&self, name: &Name) -> Option<&Arc<Key>> {
        let mut name = name.to_lowercase();
        name.set_fqdn(true);
        self.0.get(&name)
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What the TSIG record of a request proved (RFC 8945 §5.2).
#[derive(Clone, Debug)]
pub enum Verified {
    /// The request carries no TSIG record.
    Unsigned,
    /// Signed with `key`, correctly and in time.
    Signed(Signed),
    /// Signed, but the signature cannot be accepted: answer with [`Failure::response`].
    Failed(Failure),
    /// The TSIG record is malformed, or not the last record (§5.1): FORMERR.
    Malformed,
}

/// A request signed correctly: what its response's signature is computed from.
#[derive(Clone, Debug)]
pub struct Signed {
    pub key: Arc<Key>,
    request_mac: Vec<u8>,
    /// The request's original ID (§4.2), echoed in the response's TSIG.
    original_id: u16,
}

/// A signature that failed, with what the unsigned or signed error response needs.
#[derive(Clone, Debug)]
pub struct Failure {
    pub error: TsigError,
    key_name: Name,
    algorithm: TsigAlgorithm,
    original_id: u16,
    /// For BADTIME only, the key: that error response is signed (§5.2.3).
    key: Option<Arc<Key>>,
    request_mac: Vec<u8>,
    request_time: u64,
}

impl Failure {
    /// RFC 8945 §5.2: the error response. RCODE NOTAUTH, the TSIG error in the TSIG record;
    /// unsigned (empty MAC) for BADKEY, BADSIG and BADTRUNC, signed for BADTIME, whose Other
    /// Data is the server's time (§5.2.3). `response` is the encoded response without TSIG.
    pub fn sign(&self, response: &mut Vec<u8>, now: u64) {
        let mut tsig = TSIG::new(
            self.algorithm.clone(),
            now,
            FUDGE,
            Vec::new(),
            self.original_id,
            Some(self.error),
            Vec::new(),
        );
        if let (TsigError::BadTime, Some(key)) = (self.error, &self.key) {
            // §5.2.3: Time Signed echoes the request's, Other Data carries the server's
            // current time (48 bits), and the MAC is computed as for any signed response.
            tsig.time = self.request_time;
            tsig.other = now.to_be_bytes()[2..].to_vec();
            let mac = key.mac(&first_digest_input(
                &self.request_mac,
                response,
                &tsig,
                &key.name,
            ));
            tsig.mac = mac;
            append(response, &key.name, tsig);
            return;
        }
        append(response, &self.key_name, tsig);
    }
}

/// Checks the TSIG of `request`, received at `now` (seconds since 1970), against `keys`.
pub fn verify(request: &[u8], keys: &Keyring, now: u64) -> Verified {
    if !has_tsig(request) {
        return Verified::Unsigned;
    }
    let Ok((tbv, record)) = signed_bitmessage_to_buf(request, None, true) else {
        return Verified::Malformed;
    };
    let tsig = &record.data;
    let failure = |error, key: Option<&Arc<Key>>| {
        Verified::Failed(Failure {
            error,
            key_name: record.name.clone(),
            algorithm: tsig.algorithm.clone(),
            original_id: tsig.oid,
            key: key.cloned(),
            request_mac: tsig.mac.clone(),
            request_time: tsig.time,
        })
    };
    // §5.2.1: an unknown key, or a known key with another algorithm, is BADKEY.
    let Some(key) = keys.get(&record.name) else {
        return failure(TsigError::BadKey, None);
    };
    if tsig.algorithm != key.algorithm.record_algorithm() {
        return failure(TsigError::BadKey, None);
    }
    // §5.2.2.1: a MAC shorter than half the algorithm's (or than 10 octets) is FORMERR; a
    // truncated one that long is allowed by the RFC, but not by this server (BADTRUNC).
    let full = key.algorithm.mac_len();
    if tsig.mac.len() < 10.max(full / 2) || tsig.mac.len() > full {
        return Verified::Malformed;
    }
    if tsig.mac.len() < full {
        return failure(TsigError::BadTrunc, None);
    }
    if hmac::verify(&key.key, &tbv, &tsig.mac).is_err() {
        return failure(TsigError::BadSig, None);
    }
    // §5.2.3: the time is checked after the MAC, so that BADTIME is only sent to a client
    // that holds the key.
    if now.abs_diff(tsig.time) > u64::from(tsig.fudge) {
        return failure(TsigError::BadTime, Some(key));
    }
    Verified::Signed(Signed {
        key: key.clone(),
        request_mac: tsig.mac.clone(),
        original_id: tsig.oid,
    })
}

/// Signs the messages of one response in turn: the first covers the request's MAC and every
/// TSIG variable (§5.3), each later one the previous MAC, itself and the timers (§5.3.1).
pub struct ResponseSigner {
    key: Arc<Key>,
    original_id: u16,
    prior_mac: Vec<u8>,
    first: bool,
    now: u64,
}

impl ResponseSigner {
    /// The signer of the response to `request`, at `now`.
    pub fn new(request: &Signed, now: u64) -> Self {
        Self {
            key: request.key.clone(),
            original_id: request.original_id,
            prior_mac: request.request_mac.clone(),
            first: true,
            now,
        }
    }

    /// Appends the TSIG record to the encoded `message` (and counts it in ARCOUNT).
    ///
    /// RFC 8945 §5.3.1 lets a server sign only every hundredth message of a transfer; each is
    /// signed here, which every client accepts.
    pub fn sign(&mut self, message: &mut Vec<u8>) {
        let tsig = TSIG::new(
            self.key.algorithm.record_algorithm(),
            self.now,
            FUDGE,
            Vec::new(),
            self.original_id,
            None,
            Vec::new(),
        );
        let input = if self.first {
            first_digest_input(&self.prior_mac, message, &tsig, &self.key.name)
        } else {
            let mut input = Vec::with_capacity(self.prior_mac.len() + message.len() + 10);
            push_mac(&mut input, &self.prior_mac);
            input.extend_from_slice(message);
            // Time Signed (48 bits) and Fudge: the "TSIG timers".
            input.extend_from_slice(&self.now.to_be_bytes()[2..]);
            input.extend_from_slice(&FUDGE.to_be_bytes());
            input
        };
        let mac = self.key.mac(&input);
        self.prior_mac.clone_from(&mac);
        self.first = false;
        append(message, &self.key.name, tsig.set_mac(mac));
    }
}

/// Signs a request (§4.3.1: the message and the TSIG variables), e.g. a NOTIFY or an SOA
/// query to a secondary, at `now`.
pub fn sign_request(key: &Key, message: &mut Vec<u8>, now: u64) {
    let Some(id) = message
        .get(..2)
        .map(|id| u16::from_be_bytes([id[0], id[1]]))
    else {
        return;
    };
    let tsig = TSIG::new(
        key.algorithm.record_algorithm(),
        now,
        FUDGE,
        Vec::new(),
        id,
        None,
        Vec::new(),
    );
    let mut input = message.clone();
    push_variables(&mut input, &tsig, &key.name);
    let mac = key.mac(&input);
    append(message, &key.name, tsig.set_mac(mac));
}

/// The digest input of a response's first message (§5.3): the request MAC with its length,
/// the message, and the TSIG variables (§4.3.3).
fn first_digest_input(request_mac: &[u8], message: &[u8], tsig: &TSIG, key: &Name) -> Vec<u8> {
    let mut input = Vec::with_capacity(request_mac.len() + message.len() + 128);
    push_mac(&mut input, request_mac);
    input.extend_from_slice(message);
    push_variables(&mut input, tsig, key);
    input
}

/// Appends the TSIG variables (§4.3.3) of `tsig` under `key` to `out`. (A `BinEncoder` writes
/// from the start of its buffer, so they are encoded apart and then appended.)
fn push_variables(out: &mut Vec<u8>, tsig: &TSIG, key: &Name) {
    let mut variables = Vec::with_capacity(96);
    let mut encoder = BinEncoder::new(&mut variables);
    // Encoding into a Vec cannot fail but for absurd lengths (a name is at most 255 octets).
    let _ = tsig.emit_tsig_for_mac(&mut encoder, key);
    out.extend_from_slice(&variables);
}

fn push_mac(out: &mut Vec<u8>, mac: &[u8]) {
    let len = u16::try_from(mac.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(mac);
}

/// Appends a TSIG record (§4.2: class ANY, TTL 0) to `message` and counts it in ARCOUNT.
fn append(message: &mut Vec<u8>, key: &Name, tsig: TSIG) {
    let mut record = Record::from_rdata(key.clone(), 0, RData::TSIG(tsig));
    record.dns_class = DNSClass::ANY;
    let mut tail = Vec::with_capacity(128);
    {
        let mut encoder = BinEncoder::new(&mut tail);
        let mut encoder = encoder.with_name_encoding(NameEncoding::Uncompressed);
        if record.emit(&mut encoder).is_err() {
            return;
        }
    }
    let Some(count) = message.get(10..12) else {
        return;
    };
    let count = u16::from_be_bytes([count[0], count[1]]).saturating_add(1);
    message[10..12].copy_from_slice(&count.to_be_bytes());
    message.extend_from_slice(&tail);
}

/// Whether the last record of `packet` is a TSIG record, found without decoding anything but
/// the names and fixed fields it must skip (cheap enough for every query).
pub fn has_tsig(packet: &[u8]) -> bool {
    last_additional_type(packet) == Some(u16::from(RecordType::TSIG))
}

/// The type of the last record in the additional section, if the message is well-formed up
/// to it and has one.
fn last_additional_type(packet: &[u8]) -> Option<u16> {
    let count = |at: usize| -> Option<usize> {
        Some(usize::from(u16::from_be_bytes([
            *packet.get(at)?,
            *packet.get(at + 1)?,
        ])))
    };
    let (qd, an, ns, ar) = (count(4)?, count(6)?, count(8)?, count(10)?);
    if ar == 0 {
        return None;
    }
    let mut at = 12;
    for _ in 0..qd {
        at = skip_name(packet, at)? + 4;
    }
    let mut last = None;
    for _ in 0..(an + ns + ar) {
        at = skip_name(packet, at)?;
        let rtype = u16::from_be_bytes([*packet.get(at)?, *packet.get(at + 1)?]);
        let rdlen = usize::from(u16::from_be_bytes([
            *packet.get(at + 8)?,
            *packet.get(at + 9)?,
        ]));
        at += 10 + rdlen;
        if at > packet.len() {
            return None;
        }
        last = Some(rtype);
    }
    last
}

/// The offset after the name starting at `at` (labels, ending in a zero octet or a pointer).
pub(crate) fn skip_name(packet: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let len = *packet.get(at)?;
        match len {
            0 => return Some(at + 1),
            l if l & 0xC0 == 0xC0 => {
                packet.get(at + 1)?;
                return Some(at + 2);
            }
            l if l & 0xC0 == 0 => at += 1 + usize::from(l),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::{Message, Query};
    use hickory_proto::rr::rdata::tsig::make_tsig_record;

    fn key() -> Key {
        Key::new(
            &Name::from_ascii("k.").unwrap_or_default(),
            Algorithm::HmacSha256,
            b"0123456789abcdef0123456789abcdef",
        )
    }

    fn signed_query(key: &Key, time: u64, tamper: bool) -> Vec<u8> {
        let mut message = Message::query();
        message.metadata.id = 7;
        message.add_query(Query::query(
            Name::from_ascii("example.").unwrap_or_default(),
            RecordType::AXFR,
        ));
        let mut bytes = message.to_vec().unwrap_or_default();
        let tsig = TSIG::new(
            key.algorithm.record_algorithm(),
            time,
            FUDGE,
            Vec::new(),
            7,
            None,
            Vec::new(),
        );
        let mut input = bytes.clone();
        push_variables(&mut input, &tsig, &key.name);
        let mac = key.mac(&input);
        if tamper {
            bytes[3] ^= 0x10;
        }
        let record = make_tsig_record(key.name.clone(), tsig.set_mac(mac));
        let mut tail = Vec::new();
        let mut encoder = BinEncoder::new(&mut tail);
        let _ = Record::from_rdata(record.name.clone(), 0, RData::TSIG(record.data.clone()))
            .emit(&mut encoder);
        // the class must be ANY: patch the two octets after the name and type
        let name_len = key.name.to_bytes().map(|b| b.len()).unwrap_or(0);
        tail[name_len + 2..name_len + 4].copy_from_slice(&255u16.to_be_bytes());
        bytes[11] = 1;
        bytes.extend_from_slice(&tail);
        bytes
    }

    #[test]
    fn a_good_signature_verifies_and_a_tampered_one_does_not() {
        let key = key();
        let keys = Keyring::new([key.clone()]);
        let now = 1_800_000_000;
        assert!(matches!(
            verify(&signed_query(&key, now, false), &keys, now),
            Verified::Signed(_)
        ));
        assert!(matches!(
            verify(&signed_query(&key, now, true), &keys, now),
            Verified::Failed(Failure {
                error: TsigError::BadSig,
                ..
            })
        ));
        assert!(matches!(
            verify(&signed_query(&key, now - 1000, false), &keys, now),
            Verified::Failed(Failure {
                error: TsigError::BadTime,
                ..
            })
        ));
        let other = Keyring::new([Key::new(
            &Name::from_ascii("other.").unwrap_or_default(),
            Algorithm::HmacSha256,
            b"x",
        )]);
        assert!(matches!(
            verify(&signed_query(&key, now, false), &other, now),
            Verified::Failed(Failure {
                error: TsigError::BadKey,
                ..
            })
        ));
    }

    #[test]
    fn a_signed_request_verifies() {
        let key = key();
        let keys = Keyring::new([key.clone()]);
        let mut message = Message::query();
        message.metadata.id = 9;
        message.add_query(Query::query(
            Name::from_ascii("example.").unwrap_or_default(),
            RecordType::AXFR,
        ));
        let mut bytes = message.to_vec().unwrap_or_default();
        sign_request(&key, &mut bytes, 1_800_000_000);
        let verified = verify(&bytes, &keys, 1_800_000_000);
        assert!(matches!(verified, Verified::Signed(_)), "{verified:?}");
    }

    #[test]
    fn unsigned_and_truncated_packets_are_told_apart_without_decoding() {
        let mut message = Message::query();
        message.add_query(Query::query(
            Name::from_ascii("example.").unwrap_or_default(),
            RecordType::A,
        ));
        let bytes = message.to_vec().unwrap_or_default();
        assert!(!has_tsig(&bytes));
        let signed = signed_query(&key(), 1, false);
        assert!(has_tsig(&signed));
        for cut in 0..signed.len() {
            assert!(!has_tsig(&signed[..cut]), "cut at {cut}");
        }
    }
}
