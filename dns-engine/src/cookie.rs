//! DNS Cookies (RFC 7873) with interoperable server cookies (RFC 9018).
//!
//! A client puts an 8-octet client cookie in the COOKIE EDNS option of its queries; the server
//! answers with that client cookie followed by a server cookie it computed from the client
//! cookie, the client's address and a secret. A client that sends the server cookie back has
//! thereby shown that it receives what is sent to its address: its source is not spoofed. The
//! engine uses that proof to exempt such queries from response rate limiting
//! ([`crate::rrl`]); it never *requires* cookies, so clients without them are answered as
//! before.
//!
//! Server cookies follow RFC 9018 so that every node of an anycast set that shares the secret
//! accepts the cookies of the others, whatever software they run: version 1, three reserved
//! octets, a 32-bit timestamp and a SipHash-2-4 of all that with the client cookie and the
//! client's address. This module only computes and checks; [`crate::wire`] reads and writes
//! the option and [`crate::server`] decides when to call it.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use siphasher::sip::SipHasher24;

/// RFC 7873 §4: the EDNS option code of COOKIE.
pub const COOKIE_OPTION: u16 = 10;

/// RFC 7873 §4: "the Client Cookie ... is a fixed size of 8 bytes".
pub const CLIENT_COOKIE_LEN: usize = 8;

/// RFC 7873 §4: a server cookie, when present, is 8 to 32 octets.
const SERVER_COOKIE_MIN: usize = 8;
const SERVER_COOKIE_MAX: usize = 32;

/// RFC 9018 §4: the server cookies this engine makes are 16 octets: version, reserved,
/// timestamp, hash.
pub const SERVER_COOKIE_LEN: usize = 16;

/// RFC 9018 §4.1: the version of the server cookie format defined there.
const VERSION: u8 = 1;

/// RFC 9018 §4.3: "The DNS server SHOULD allow cookies within a 1-hour period in the past and a
/// 5-minute period into the future".
const MAX_AGE: i32 = 3600;
const MAX_AHEAD: i32 = 300;

/// RFC 9018 §4.3: "The DNS server SHOULD generate a new Server Cookie at least if the received
/// Server Cookie from the client is more than half an hour old". Younger ones are sent back as
/// they came, which keeps the client's cookie stable.
const REFRESH_AGE: i32 = 1800;

/// The COOKIE option of a request, as received: the client cookie and, if the client has one
/// from us (or from another server at this address), a server cookie.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RequestCookie {
    bytes: [u8; CLIENT_COOKIE_LEN + SERVER_COOKIE_MAX],
    len: u8,
}

/// A COOKIE option whose length is none that RFC 7873 allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a COOKIE option of {0} octets; 8 or 16 to 40 are allowed")]
pub struct MalformedCookie(pub usize);

impl RequestCookie {
    /// Reads the data of a COOKIE option.
    ///
    /// RFC 7873 §5.2.2: "If the COOKIE option is too short to contain a Client Cookie, is
    /// longer than the maximum length, or the Server Cookie is present but is less than 8 bytes
    /// or more than 32 bytes, then ... FORMERR": the option is 8 octets (client cookie only) or
    /// 16 to 40 (client and server cookie).
    pub fn parse(data: &[u8]) -> Result<Self, MalformedCookie> {
        let len = data.len();
        let server = len.saturating_sub(CLIENT_COOKIE_LEN);
        let allowed =
            len == CLIENT_COOKIE_LEN || (SERVER_COOKIE_MIN..=SERVER_COOKIE_MAX).contains(&server);
        if !allowed {
            return Err(MalformedCookie(len));
        }
        let mut bytes = [0; CLIENT_COOKIE_LEN + SERVER_COOKIE_MAX];
        let (Some(target), Ok(len)) = (bytes.get_mut(..len), u8::try_from(len)) else {
            return Err(MalformedCookie(len));
        };
        target.copy_from_slice(data);
        Ok(Self { bytes, len })
    }

    /// The client cookie.
    pub fn client(&self) -> [u8; CLIENT_COOKIE_LEN] {
        let mut client = [0; CLIENT_COOKIE_LEN];
        client.copy_from_slice(&self.bytes[..CLIENT_COOKIE_LEN]);
        client
    }

    /// The server cookie, empty if the client sent none.
    pub fn server(&self) -> &[u8] {
        self.bytes
            .get(CLIENT_COOKIE_LEN..usize::from(self.len))
            .unwrap_or_default()
    }
}

impl fmt::Debug for RequestCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestCookie(")?;
        write_hex(f, &self.bytes[..CLIENT_COOKIE_LEN])?;
        if !self.server().is_empty() {
            write!(f, " ")?;
            write_hex(f, self.server())?;
        }
        write!(f, ")")
    }
}

/// The COOKIE option of a response: the client's cookie and our 16-octet server cookie.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ResponseCookie([u8; CLIENT_COOKIE_LEN + SERVER_COOKIE_LEN]);

impl ResponseCookie {
    /// The option data, as it goes on the wire.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The server cookie part.
    pub fn server(&self) -> &[u8] {
        &self.0[CLIENT_COOKIE_LEN..]
    }
}

impl fmt::Debug for ResponseCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResponseCookie(")?;
        write_hex(f, &self.0)?;
        write!(f, ")")
    }
}

/// What the server makes of the COOKIE option of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CookieReply {
    /// The request carried a server cookie we made for this client, and it is within its
    /// lifetime (RFC 7873 §5.2.5): the client's address is proven.
    pub valid: bool,
    /// The COOKIE option for the response.
    pub cookie: ResponseCookie,
}

/// The 16-octet secret that server cookies are computed with (RFC 9018 §4.4, the SipHash-2-4
/// key). Nodes of an anycast set share it, so that each accepts the cookies of the others.
///
/// `Debug` does not show it.
#[derive(Clone)]
pub struct CookieSecret([u8; 16]);

impl CookieSecret {
    /// The secret with these octets.
    pub fn new(secret: [u8; 16]) -> Self {
        Self(secret)
    }

    /// A fresh secret from the operating system's random source.
    pub fn random() -> Result<Self, getrandom::Error> {
        let mut secret = [0; 16];
        getrandom::fill(&mut secret)?;
        Ok(Self(secret))
    }

    /// What to answer to a request's COOKIE option from `client` at `now` (seconds since the
    /// Unix epoch, as from [`unix_now`]).
    ///
    /// RFC 7873 §5.2.3–§5.2.5: only a client cookie, or a server cookie that is not ours, too
    /// old, or too far ahead, gets a new server cookie and the request is answered as usual;
    /// a valid one is sent back as it came while it is younger than half an hour, and renewed
    /// after that (RFC 9018 §4.3).
    pub fn reply(&self, request: &RequestCookie, client: IpAddr, now: u32) -> CookieReply {
        let client_cookie = request.client();
        let valid = match self.verify(&client_cookie, request.server(), client, now) {
            Some(age) if age < REFRESH_AGE => {
                let mut cookie = [0; CLIENT_COOKIE_LEN + SERVER_COOKIE_LEN];
                cookie.copy_from_slice(&request.bytes[..CLIENT_COOKIE_LEN + SERVER_COOKIE_LEN]);
                return CookieReply {
                    valid: true,
                    cookie: ResponseCookie(cookie),
                };
            }
            Some(_) => true,
            None => false,
        };
        CookieReply {
            valid,
            cookie: self.mint(&client_cookie, client, now),
        }
    }

    /// A new cookie for `client_cookie` from `client`, stamped `now` (RFC 9018 §4).
    pub fn mint(
        &self,
        client_cookie: &[u8; CLIENT_COOKIE_LEN],
        client: IpAddr,
        now: u32,
    ) -> ResponseCookie {
        let mut cookie = [0; CLIENT_COOKIE_LEN + SERVER_COOKIE_LEN];
        cookie[..CLIENT_COOKIE_LEN].copy_from_slice(client_cookie);
        // RFC 9018 §4.1–§4.3: Version, then Reserved ("MUST be set to zero on construction"),
        // then the Timestamp in network byte order.
        cookie[8] = VERSION;
        cookie[12..16].copy_from_slice(&now.to_be_bytes());
        let mut header = [0; 8];
        header.copy_from_slice(&cookie[8..16]);
        let hash = self.hash(client_cookie, &header, client);
        cookie[16..].copy_from_slice(&hash);
        ResponseCookie(cookie)
    }

    /// The age in seconds of `server`, if it is a server cookie that we made for
    /// `client_cookie` and `client` and it is neither expired nor too far ahead of `now`.
    fn verify(
        &self,
        client_cookie: &[u8; CLIENT_COOKIE_LEN],
        server: &[u8],
        client: IpAddr,
        now: u32,
    ) -> Option<i32> {
        // Only the RFC 9018 format is ours; any other length or version is some other
        // server's (or a guess) and simply gets a new cookie.
        let server: &[u8; SERVER_COOKIE_LEN] = server.try_into().ok()?;
        if server[0] != VERSION {
            return None;
        }
        let timestamp = u32::from_be_bytes([server[4], server[5], server[6], server[7]]);
        // RFC 9018 §4.3: "All comparisons involving these fields MUST use 'Serial number
        // arithmetic'" (RFC 1982), so the window holds across the 32-bit wrap of 2106.
        let age = now.wrapping_sub(timestamp).cast_signed();
        if !(-MAX_AHEAD..=MAX_AGE).contains(&age) {
            return None;
        }
        let mut header = [0; 8];
        header.copy_from_slice(&server[..8]);
        // RFC 9018 §4.2: the reserved octets, whatever they are, are part of the hash input.
        let expected = self.hash(client_cookie, &header, client);
        constant_time_eq(&expected, &server[8..]).then_some(age.max(0))
    }

    /// RFC 9018 §4.4: "Hash = SipHash-2-4 ( Client Cookie | Version | Reserved | Timestamp |
    /// Client-IP, Server Secret )", the client IP being 4 octets for IPv4 and 16 for IPv6.
    ///
    /// An IPv4 client reaching a dual-stack socket shows up as `::ffff:a.b.c.d`; it is hashed
    /// as the IPv4 address it is, so that nodes listening differently agree on its cookie.
    fn hash(
        &self,
        client_cookie: &[u8; CLIENT_COOKIE_LEN],
        header: &[u8; 8],
        client: IpAddr,
    ) -> [u8; 8] {
        let mut input = [0; 32];
        input[..8].copy_from_slice(client_cookie);
        input[8..16].copy_from_slice(header);
        let len = match client.to_canonical() {
            IpAddr::V4(v4) => {
                input[16..20].copy_from_slice(&v4.octets());
                20
            }
            IpAddr::V6(v6) => {
                input[16..32].copy_from_slice(&v6.octets());
                32
            }
        };
        // The reference SipHash (and so every implementation of RFC 9018) emits the 64-bit
        // result little-endian.
        SipHasher24::new_with_key(&self.0)
            .hash(&input[..len])
            .to_le_bytes()
    }
}

impl From<[u8; 16]> for CookieSecret {
    fn from(secret: [u8; 16]) -> Self {
        Self(secret)
    }
}

impl fmt::Debug for CookieSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CookieSecret(redacted)")
    }
}

/// A cookie secret that is not 32 hexadecimal digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a cookie secret is 32 hexadecimal digits (16 octets)")]
pub struct CookieSecretError;

impl FromStr for CookieSecret {
    type Err = CookieSecretError;

    /// 32 hexadecimal digits, as NSD's `cookie-secret` and BIND's `cookie-secret` take them.
    fn from_str(text: &str) -> Result<Self, CookieSecretError> {
        let text = text.trim().as_bytes();
        if text.len() != 32 {
            return Err(CookieSecretError);
        }
        let mut secret = [0; 16];
        for (octet, pair) in secret.iter_mut().zip(text.chunks_exact(2)) {
            let digit = |c: u8| char::from(c).to_digit(16).ok_or(CookieSecretError);
            let (high, low) = (digit(pair[0])?, digit(pair[1])?);
            *octet = u8::try_from(high * 16 + low).map_err(|_| CookieSecretError)?;
        }
        Ok(Self(secret))
    }
}

/// Seconds since the Unix epoch, modulo 2^32: the clock of RFC 9018 timestamps. Serial
/// arithmetic (RFC 1982) makes the wrap in 2106 harmless. A clock before 1970 reads as 0.
pub fn unix_now() -> u32 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    // Truncation is the point: the timestamp field is 32 bits.
    seconds as u32
}

/// Compares two hashes in time that does not depend on where they differ, so that a client
/// cannot learn a valid hash octet by octet from response times.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    fn secret(text: &str) -> CookieSecret {
        text.parse().unwrap()
    }

    fn request(text: &str) -> RequestCookie {
        RequestCookie::parse(&hex(text)).unwrap()
    }

    /// 2019-06-05 10:53:05 UTC, the moment of RFC 9018 Appendix A.1.
    const A1_TIME: u32 = 1_559_731_985;

    fn v4(text: &str) -> IpAddr {
        IpAddr::V4(text.parse::<Ipv4Addr>().unwrap())
    }

    #[test]
    fn rfc9018_a1_learning_a_new_server_cookie() {
        let secret = secret("e5e973e5a6b2a43f48e7dc849e37bfcf");
        let reply = secret.reply(&request("2464c4abcf10c957"), v4("198.51.100.100"), A1_TIME);
        assert!(!reply.valid);
        assert_eq!(
            reply.cookie.as_bytes(),
            hex("2464c4abcf10c957010000005cf79f111f8130c3eee29480")
        );
    }

    #[test]
    fn rfc9018_a2_the_same_client_learning_a_renewed_cookie() {
        // 40 minutes later: still valid, but older than half an hour, so renewed.
        let secret = secret("e5e973e5a6b2a43f48e7dc849e37bfcf");
        let reply = secret.reply(
            &request("2464c4abcf10c957010000005cf79f111f8130c3eee29480"),
            v4("198.51.100.100"),
            A1_TIME + 40 * 60,
        );
        assert!(reply.valid);
        assert_eq!(
            reply.cookie.as_bytes(),
            hex("2464c4abcf10c957010000005cf7a871d4a564a1442aca77")
        );
    }

    #[test]
    fn rfc9018_a3_another_client_with_a_stale_cookie() {
        // 2019-06-05 11:38:20: the cookie (with nonzero reserved octets) is from 09:46:25,
        // more than an hour old, so it is not valid and a new one is made.
        let secret = secret("e5e973e5a6b2a43f48e7dc849e37bfcf");
        let reply = secret.reply(
            &request("fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5"),
            v4("203.0.113.203"),
            0x5cf7_a9ac,
        );
        assert!(!reply.valid);
        assert_eq!(
            reply.cookie.as_bytes(),
            hex("fc93fc62807ddb86010000005cf7a9acf73a7810aca2381e")
        );
    }

    #[test]
    fn rfc9018_a4_ipv6_before_and_after_a_secret_rollover() {
        let client = IpAddr::V6(
            "2001:db8:220:1:59de:d0f4:8769:82b8"
                .parse::<Ipv6Addr>()
                .unwrap(),
        );
        let cookie = request("22681ab97d52c298010000005cf7c57926556bd0934c72f8");
        let now = 0x5cf7_c609; // 2019-06-05 13:39:21, 144 s after the cookie's timestamp
        let old = secret("dd3bdf9344b678b185a6f5cb60fca715");
        let reply = old.reply(&cookie, client, now);
        assert!(reply.valid);
        assert_eq!(
            reply.cookie.as_bytes(),
            &cookie.bytes[..24],
            "reused as it came"
        );

        let new = secret("445536bcd2513298075a5d379663c962");
        let reply = new.reply(&cookie, client, now);
        assert!(!reply.valid, "not ours under the new secret");
        assert_eq!(
            reply.cookie.as_bytes(),
            hex("22681ab97d52c298010000005cf7c609a6bb79d16625507a")
        );
    }

    #[test]
    fn the_timestamp_window_is_one_hour_back_and_five_minutes_ahead() {
        let secret = CookieSecret::new([7; 16]);
        let client = v4("192.0.2.1");
        let client_cookie = [1, 2, 3, 4, 5, 6, 7, 8];
        let made_at = 1_000_000;
        let cookie = secret.mint(&client_cookie, client, made_at);
        let back = RequestCookie::parse(cookie.as_bytes()).unwrap();
        for (now, valid, reused) in [
            (made_at, true, true),
            (made_at + 1799, true, true),
            (made_at + 1800, true, false),
            (made_at + 3600, true, false),
            (made_at + 3601, false, false),
            (made_at - 300, true, true),
            (made_at - 301, false, false),
        ] {
            let reply = secret.reply(&back, client, now);
            assert_eq!(reply.valid, valid, "at {now}");
            assert_eq!(reply.cookie == cookie, reused, "at {now}");
            assert_eq!(reply.cookie.as_bytes()[..8], client_cookie);
            assert_eq!(reply.cookie.server().len(), SERVER_COOKIE_LEN);
        }
    }

    #[test]
    fn the_window_holds_across_the_32_bit_wrap() {
        let secret = CookieSecret::new([9; 16]);
        let client = v4("192.0.2.1");
        let cookie = secret.mint(&[0; 8], client, u32::MAX - 10);
        let back = RequestCookie::parse(cookie.as_bytes()).unwrap();
        assert!(secret.reply(&back, client, 20).valid);
        assert!(!secret.reply(&back, client, 4000).valid);
    }

    #[test]
    fn a_cookie_is_bound_to_the_client_address_and_cookie() {
        let secret = CookieSecret::new([3; 16]);
        let cookie = secret.mint(&[1; 8], v4("192.0.2.1"), 5000);
        let mut bytes = cookie.as_bytes().to_vec();
        let back = RequestCookie::parse(&bytes).unwrap();
        assert!(secret.reply(&back, v4("192.0.2.1"), 5000).valid);
        assert!(!secret.reply(&back, v4("192.0.2.2"), 5000).valid);
        // The same IPv4 client seen through a dual-stack socket.
        let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped());
        assert!(secret.reply(&back, mapped, 5000).valid);
        bytes[0] ^= 1;
        let other_client_cookie = RequestCookie::parse(&bytes).unwrap();
        assert!(
            !secret
                .reply(&other_client_cookie, v4("192.0.2.1"), 5000)
                .valid
        );
        bytes[0] ^= 1;
        bytes[23] ^= 0x80;
        let tampered = RequestCookie::parse(&bytes).unwrap();
        let reply = secret.reply(&tampered, v4("192.0.2.1"), 5000);
        assert!(!reply.valid);
        assert_eq!(reply.cookie, cookie, "a fresh, valid one instead");
    }

    #[test]
    fn foreign_server_cookies_are_not_valid() {
        let secret = CookieSecret::new([3; 16]);
        let client = v4("192.0.2.1");
        let good = secret.mint(&[1; 8], client, 5000);
        // Another version, and other lengths a server may use.
        let mut other_version = good.as_bytes().to_vec();
        other_version[8] = 2;
        let mut longer = good.as_bytes().to_vec();
        longer.extend_from_slice(&[0; 8]);
        for bytes in [other_version, good.as_bytes()[..16].to_vec(), longer] {
            let reply = secret.reply(&RequestCookie::parse(&bytes).unwrap(), client, 5000);
            assert!(!reply.valid, "{bytes:02x?}");
        }
    }

    #[test]
    fn option_lengths_follow_rfc7873() {
        for len in 0..=48 {
            let parsed = RequestCookie::parse(&vec![0xAB; len]);
            let allowed = len == 8 || (16..=40).contains(&len);
            assert_eq!(parsed.is_ok(), allowed, "{len} octets");
            if let Ok(cookie) = parsed {
                assert_eq!(cookie.client(), [0xAB; 8]);
                assert_eq!(cookie.server().len(), len - 8);
            } else {
                assert_eq!(parsed, Err(MalformedCookie(len)));
            }
        }
    }

    #[test]
    fn secrets_parse_from_hex_and_never_show() {
        let secret: CookieSecret = " E5e973e5a6b2a43f48e7dc849e37bfcf ".parse().unwrap();
        assert_eq!(secret.0[0], 0xe5);
        assert_eq!(secret.0[15], 0xcf);
        assert_eq!(format!("{secret:?}"), "CookieSecret(redacted)");
        for bad in [
            "",
            "e5e973e5a6b2a43f48e7dc849e37bf",
            "e5e973e5a6b2a43f48e7dc849e37bfcf00",
            "g5e973e5a6b2a43f48e7dc849e37bfcf",
            "+5e973e5a6b2a43f48e7dc849e37bfcf",
            "é5e973e5a6b2a43f48e7dc849e37bfc",
        ] {
            assert!(bad.parse::<CookieSecret>().is_err(), "{bad}");
        }
        assert_ne!(
            CookieSecret::random().unwrap().0,
            CookieSecret::random().unwrap().0
        );
    }
}
