//! Response Rate Limiting (RRL): how an authoritative server avoids being the amplifier of a
//! reflection attack.
//!
//! An attacker sends small UDP queries with the victim's address as their source; we would
//! answer each with a larger response, to the victim. Real resolvers rarely need the same
//! answer many times a second, so responses are counted per *bucket* — the client's network
//! (a /24 for IPv4, a /56 for IPv6 by default) together with what the response is (the
//! positive answer for one name and type, the NXDOMAIN or NODATA of one zone, the referral to
//! one delegation, the answers synthesized at one wildcard, or any error) — and a bucket over
//! its rate gets most responses dropped. Every `slip`-th of them is sent truncated instead (TC
//! set, no records), so that a real client behind a limited network retries over TCP, which
//! cannot be spoofed and is never limited.
//!
//! The design follows NSD's `rrl.c` (and its defaults: 200 responses a second, slip 2, a table
//! of a million buckets) and BIND's RRL: a fixed table allocated once, indexed by a keyed hash,
//! where a newcomer simply takes over the slot of a colliding bucket; per bucket the count of
//! the current second and a smoothed rate of the seconds before. Clients in exempt networks
//! (monitoring, secondaries) are never limited, and neither are queries that carry a valid
//! server cookie (RFC 7873 §5.2.5), which prove their source address; [`crate::server`]
//! checks that before asking here.
//!
//! The accounting is pure: time comes in as a number of seconds, so the unit tests run it with
//! a fake clock.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use std::time::Instant;

use hickory_proto::op::Query;
use hickory_proto::rr::{Name, Record, RecordType};
use tracing::debug;

use crate::catalog::Catalog;
use crate::lookup::Outcome;
use crate::model::LowerName;
use crate::zone::synth::Network;

/// Responses per second per bucket (NSD's `rrl-ratelimit` default).
pub const DEFAULT_RATELIMIT: u32 = 200;

/// Every this many responses over the limit, one is sent truncated (NSD's `rrl-slip` default).
pub const DEFAULT_SLIP: u32 = 2;

/// The IPv4 prefix length that makes up one client network (NSD's and BIND's default).
pub const DEFAULT_IPV4_PREFIX: u8 = 24;

/// The IPv6 prefix length that makes up one client network (BIND's default: a /56 is what
/// one site is commonly given).
pub const DEFAULT_IPV6_PREFIX: u8 = 56;

/// How many buckets the table holds (NSD's `rrl-size` default).
pub const DEFAULT_BUCKETS: usize = 1_000_000;

/// The most buckets a table may have: 2^24 buckets are 512 MiB.
pub const MAX_BUCKETS: usize = 1 << 24;

/// How response rate limiting is set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RrlConfig {
    /// Responses per second allowed per bucket; 0 turns rate limiting off.
    pub ratelimit: u32,
    /// Of the responses over the limit, every `slip`-th is sent truncated and the others are
    /// dropped; 0 drops them all, 1 truncates them all.
    pub slip: u32,
    /// IPv4 clients in one network of this prefix length share their buckets (0–32).
    pub ipv4_prefix: u8,
    /// IPv6 clients in one network of this prefix length share their buckets (0–128).
    pub ipv6_prefix: u8,
    /// Networks whose clients are never limited.
    pub exempt: Vec<Network>,
    /// The size of the bucket table (at most [`MAX_BUCKETS`]); memory is 32 bytes a bucket,
    /// taken from the system only as buckets are used.
    pub buckets: usize,
}

impl Default for RrlConfig {
    /// The product default: 200 responses a second, slip 2, /24 and /56, nothing exempt.
    fn default() -> Self {
        Self {
            ratelimit: DEFAULT_RATELIMIT,
            slip: DEFAULT_SLIP,
            ipv4_prefix: DEFAULT_IPV4_PREFIX,
            ipv6_prefix: DEFAULT_IPV6_PREFIX,
            exempt: Vec::new(),
            buckets: DEFAULT_BUCKETS,
        }
    }
}

/// A setting of [`RrlConfig`] that cannot be used, naming the setting and the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RrlConfigError {
    /// An IPv4 prefix length above 32.
    #[error("the RRL IPv4 prefix length is {0}; it must be 0 to 32")]
    Ipv4Prefix(u8),
    /// An IPv6 prefix length above 128.
    #[error("the RRL IPv6 prefix length is {0}; it must be 0 to 128")]
    Ipv6Prefix(u8),
    /// No buckets, or more than [`MAX_BUCKETS`].
    #[error("the RRL table size is {0} buckets; it must be 1 to {MAX_BUCKETS}")]
    Buckets(usize),
}

impl RrlConfig {
    /// Rate limiting turned off.
    pub fn off() -> Self {
        Self {
            ratelimit: 0,
            ..Self::default()
        }
    }

    /// Whether this turns rate limiting off.
    pub fn is_off(&self) -> bool {
        self.ratelimit == 0
    }

    /// Checks every setting, for configuration front ends to report; the engine itself
    /// clamps what is out of range rather than fail.
    pub fn validate(&self) -> Result<(), RrlConfigError> {
        if self.ipv4_prefix > 32 {
            return Err(RrlConfigError::Ipv4Prefix(self.ipv4_prefix));
        }
        if self.ipv6_prefix > 128 {
            return Err(RrlConfigError::Ipv6Prefix(self.ipv6_prefix));
        }
        if !(1..=MAX_BUCKETS).contains(&self.buckets) {
            return Err(RrlConfigError::Buckets(self.buckets));
        }
        Ok(())
    }
}

/// What a response is, for rate limiting: each kind is counted apart, so that a flood of one
/// kind does not hold back the others (NSD's `rrl_classify`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseKind {
    /// Data for a name that exists: per name and type.
    Positive,
    /// Data made up for a name that does not exist — by a wildcard (RFC 4592), a DNAME
    /// (RFC 6672) or reverse-DNS synthesis: per closest encloser, since every random name
    /// below it is another such answer.
    Synthesized,
    /// NODATA: per zone.
    NoData,
    /// NXDOMAIN: per zone, since a random-subdomain flood has a new name every query.
    NxDomain,
    /// A referral: per delegation point.
    Referral,
    /// REFUSED, FORMERR and every other error: one bucket per client network.
    Error,
}

/// The part of a bucket's key that comes from the response.
#[derive(Clone, Copy, Debug)]
pub struct ResponseClass<'a> {
    kind: ResponseKind,
    /// Only positive answers are counted per type.
    qtype: Option<RecordType>,
    /// The name the response is counted under: its last `labels` labels.
    name: Option<(&'a Name, u8)>,
    /// Or, from the fast path, a name in wire form (uncompressed, any letter case), counted
    /// under all its labels; it hashes as the same name given as a [`Name`] does.
    wire: Option<&'a [u8]>,
}

impl<'a> ResponseClass<'a> {
    /// The class of errors, which are all counted together.
    pub fn error() -> Self {
        Self {
            kind: ResponseKind::Error,
            qtype: None,
            name: None,
            wire: None,
        }
    }

    /// The class of a response the fast path made ([`crate::fast`]): `kind`, the question's
    /// type for a positive answer, and the name it is counted under in wire form — the query
    /// name for a positive answer, the zone's apex for NODATA and NXDOMAIN, the delegation
    /// point for a referral, as [`ResponseClass::of`] counts them.
    pub(crate) fn of_wire(kind: ResponseKind, qtype: Option<RecordType>, name: &'a [u8]) -> Self {
        Self {
            kind,
            qtype,
            name: None,
            wire: Some(name),
        }
    }

    /// The class of the response lookup made of `question` in `catalog`.
    pub fn of(catalog: &Catalog, question: &'a Query, outcome: &'a Outcome) -> Self {
        let named = |kind, name: Option<&'a Name>| Self {
            kind,
            qtype: None,
            name: name.map(|name| (name, label_count(name))),
            wire: None,
        };
        match outcome {
            Outcome::Answer(_) => {
                let qname = question.name();
                match synthesized_at(catalog, qname) {
                    Some(labels) => Self {
                        kind: ResponseKind::Synthesized,
                        qtype: None,
                        name: Some((qname, labels)),
                        wire: None,
                    },
                    None => Self {
                        kind: ResponseKind::Positive,
                        qtype: Some(question.query_type()),
                        name: Some((qname, label_count(qname))),
                        wire: None,
                    },
                }
            }
            // The SOA in authority is the zone's apex (RFC 2308 §3).
            Outcome::NoData(sections) => named(
                ResponseKind::NoData,
                owner_of(&sections.authority, RecordType::SOA),
            ),
            Outcome::NxDomain(sections) => named(
                ResponseKind::NxDomain,
                owner_of(&sections.authority, RecordType::SOA),
            ),
            // The NS in authority is the delegation point.
            Outcome::Referral(sections) => named(
                ResponseKind::Referral,
                owner_of(&sections.authority, RecordType::NS),
            ),
            Outcome::YxDomain(_) | Outcome::Refused => Self::error(),
        }
    }

    /// The kind of response.
    pub fn kind(&self) -> ResponseKind {
        self.kind
    }
}

fn owner_of(records: &[Record], rtype: RecordType) -> Option<&Name> {
    records
        .iter()
        .find(|record| record.record_type() == rtype)
        .map(|record| &record.name)
}

fn label_count(name: &Name) -> u8 {
    u8::try_from(name.iter().count()).unwrap_or(u8::MAX)
}

/// For a positive answer to `qname` that was synthesized (`qname` has no node in its zone),
/// the number of labels of the closest encloser it was synthesized under.
///
/// Lookup knows this; until it reports it, it is found again here with the zone's index. Zones
/// that can synthesize nothing cost one map lookup.
fn synthesized_at(catalog: &Catalog, qname: &Name) -> Option<u8> {
    let key = LowerName::new(qname);
    let zone = catalog.find(&key)?;
    let synthesizes = zone.has_wildcards() || zone.has_dnames() || !zone.synth().is_empty();
    if !synthesizes || zone.node(&key).is_some() {
        return None;
    }
    let apex = zone.apex().num_labels();
    let mut labels = key.num_labels();
    while labels > apex {
        labels -= 1;
        if zone.node(&key.trim_to(labels)).is_some() {
            return Some(labels);
        }
    }
    Some(apex)
}

/// What to do with one response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Within the limit: send it.
    Send,
    /// Over the limit, and its turn to slip: send it truncated.
    Slip,
    /// Over the limit: send nothing.
    Drop,
}

/// One bucket: the response count of one second and the smoothed rate before it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Bucket {
    /// The full hash of what the bucket counts; another key in the same slot replaces it.
    key: u64,
    /// The second that `count` is for.
    stamp: u32,
    /// Responses (sent or not) in second `stamp`.
    count: u32,
    /// Responses per second before `stamp`, each earlier second weighing half the next.
    rate: u32,
    /// Responses over the limit so far, which picks those that slip.
    over: u32,
    /// Whether the last response was over the limit, to log the changes.
    blocked: bool,
}

/// A table slot: a bucket as plain integers, so that the table can be allocated zeroed and
/// the system hands out its pages only as buckets are used.
type Slot = [u32; 8];

impl Bucket {
    fn load(slot: &Slot) -> Self {
        Self {
            key: u64::from(slot[0]) | (u64::from(slot[1]) << 32),
            stamp: slot[2],
            count: slot[3],
            rate: slot[4],
            over: slot[5],
            blocked: slot[6] != 0,
        }
    }

    fn store(&self, slot: &mut Slot) {
        let [low, high] = [self.key as u32, (self.key >> 32) as u32];
        *slot = [
            low,
            high,
            self.stamp,
            self.count,
            self.rate,
            self.over,
            u32::from(self.blocked),
            0,
        ];
    }

    /// A bucket for `key`, first used at `now`.
    fn new(key: u64, now: u32) -> Self {
        Self {
            key,
            stamp: now,
            ..Self::default()
        }
    }

    /// Counts one response at second `now` and decides its fate.
    ///
    /// A response is within the limit while both this second's count and the rate of the
    /// seconds before are at most `limit`. So a client that keeps to the limit is never held
    /// back, a burst gets `limit` responses in its first second, and a sustained flood over
    /// the limit is held back as a whole until its rate has decayed below the limit again.
    fn admit(&mut self, now: u32, limit: u32, slip: u32) -> Verdict {
        self.advance(now);
        self.count = self.count.saturating_add(1);
        if self.count <= limit && self.rate <= limit {
            self.blocked = false;
            return Verdict::Send;
        }
        self.blocked = true;
        self.over = self.over.wrapping_add(1);
        if slip != 0 && self.over.is_multiple_of(slip) {
            Verdict::Slip
        } else {
            Verdict::Drop
        }
    }

    /// Moves the bucket to second `now`.
    fn advance(&mut self, now: u32) {
        // Wrapping arithmetic: the clock counts from the limiter's start and wraps after 136
        // years.
        let elapsed = now.wrapping_sub(self.stamp).cast_signed();
        if elapsed == 0 {
            return;
        }
        self.rate = if elapsed < 0 {
            // A clock that went back: nothing known about the present.
            0
        } else {
            // One second on, the rate is the mean of the old rate and the last second's
            // count; each further second without responses halves it.
            let mean = (u64::from(self.rate) + u64::from(self.count)) / 2;
            let quiet = elapsed.unsigned_abs() - 1;
            u32::try_from(mean.checked_shr(quiet).unwrap_or(0)).unwrap_or(u32::MAX)
        };
        self.count = 0;
        self.stamp = now;
    }
}

/// The rate limiter of one UDP listener: the bucket table and the settings.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    slip: u32,
    ipv4_prefix: u8,
    ipv6_prefix: u8,
    exempt: Vec<Network>,
    table: Vec<Slot>,
    /// Keys the bucket hash with a random secret, so that nobody can aim at a bucket (and
    /// reset someone else's count by colliding with it).
    hasher: RandomState,
    started: Instant,
}

impl RateLimiter {
    /// The limiter `config` describes, or `None` when it turns rate limiting off. Settings out
    /// of range are clamped (see [`RrlConfig::validate`]).
    pub fn new(config: &RrlConfig) -> Option<Self> {
        if config.is_off() {
            return None;
        }
        Some(Self {
            limit: config.ratelimit,
            slip: config.slip,
            ipv4_prefix: config.ipv4_prefix.min(32),
            ipv6_prefix: config.ipv6_prefix.min(128),
            exempt: config.exempt.clone(),
            // Zeroed, so allocated without touching it: the table costs memory as it fills.
            table: vec![[0; 8]; config.buckets.clamp(1, MAX_BUCKETS)],
            hasher: RandomState::new(),
            started: Instant::now(),
        })
    }

    /// Seconds since the limiter was made: the clock for [`RateLimiter::check`]. Monotonic, so
    /// a change of the wall clock does not unblock or block anyone.
    pub fn now(&self) -> u32 {
        // Wraps after 136 years; the buckets use wrapping arithmetic.
        self.started.elapsed().as_secs() as u32
    }

    /// Whether `client` is in an exempt network.
    pub fn is_exempt(&self, client: IpAddr) -> bool {
        let client = client.to_canonical();
        self.exempt.iter().any(|net| net.contains(client))
    }

    /// Counts a response of `class` to `client` at second `now` and decides what to do with
    /// it.
    pub fn check(&mut self, client: IpAddr, class: &ResponseClass<'_>, now: u32) -> Verdict {
        let client = client.to_canonical();
        if self.is_exempt(client) {
            return Verdict::Send;
        }
        let key = self.key(client, class);
        let len = u64::try_from(self.table.len()).unwrap_or(u64::MAX);
        // Multiply-shift maps the hash onto the table without a division.
        let index = usize::try_from((u128::from(key) * u128::from(len)) >> 64).unwrap_or(0);
        let Some(slot) = self.table.get_mut(index) else {
            return Verdict::Send;
        };
        let mut bucket = Bucket::load(slot);
        if bucket.key != key {
            bucket = Bucket::new(key, now);
        }
        let was_blocked = bucket.blocked;
        let verdict = bucket.admit(now, self.limit, self.slip);
        bucket.store(slot);
        if bucket.blocked != was_blocked {
            // Only the changes are logged: a flood must not become a flood of log lines.
            let (addr, len) = self.prefix(client);
            if bucket.blocked {
                debug!(network = %addr, prefix = len, kind = ?class.kind, limit = self.limit, "rate limit: holding back responses");
            } else {
                debug!(network = %addr, prefix = len, kind = ?class.kind, "rate limit: responses flow again");
            }
        }
        verdict
    }

    /// The client network `client` is counted in: its address and prefix length.
    fn prefix(&self, client: IpAddr) -> (IpAddr, u8) {
        match client {
            IpAddr::V4(v4) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.ipv4_prefix))
                    .unwrap_or(0);
                (IpAddr::V4((u32::from(v4) & mask).into()), self.ipv4_prefix)
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.ipv6_prefix))
                    .unwrap_or(0);
                (IpAddr::V6((u128::from(v6) & mask).into()), self.ipv6_prefix)
            }
        }
    }

    /// The bucket key: a keyed hash of the client network and the response class, the name
    /// compared without regard to case (RFC 4343).
    fn key(&self, client: IpAddr, class: &ResponseClass<'_>) -> u64 {
        let mut hasher = self.hasher.build_hasher();
        match self.prefix(client).0 {
            IpAddr::V4(v4) => {
                hasher.write_u8(4);
                hasher.write_u32(u32::from(v4));
            }
            IpAddr::V6(v6) => {
                hasher.write_u8(6);
                hasher.write_u128(u128::from(v6));
            }
        }
        hasher.write_u8(class.kind as u8);
        hasher.write_u16(class.qtype.map_or(0, u16::from));
        let mut lower = [0; 63];
        let mut label = |label: &[u8]| {
            let Some(lower) = lower.get_mut(..label.len()) else {
                return;
            };
            for (to, from) in lower.iter_mut().zip(label) {
                *to = from.to_ascii_lowercase();
            }
            hasher.write_u8(lower.len() as u8);
            hasher.write(lower);
        };
        if let Some((name, labels)) = class.name {
            let skip = label_count(name).saturating_sub(labels);
            name.iter().skip(usize::from(skip)).for_each(&mut label);
        }
        if let Some(mut wire) = class.wire {
            while let Some((&len, rest)) = wire.split_first() {
                let Some(bytes) = rest.get(..usize::from(len)).filter(|_| len > 0) else {
                    break;
                };
                label(bytes);
                wire = &rest[usize::from(len)..];
            }
        }
        hasher.finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use hickory_proto::rr::Name;

    use super::*;
    use crate::lookup::lookup;
    use crate::zone::Zone;

    fn name(text: &str) -> Name {
        Name::from_ascii(text).unwrap()
    }

    fn positive(qname: &Name) -> ResponseClass<'_> {
        ResponseClass {
            kind: ResponseKind::Positive,
            qtype: Some(RecordType::A),
            name: Some((qname, label_count(qname))),
            wire: None,
        }
    }

    #[test]
    fn a_wire_name_is_counted_as_the_same_name_is() {
        // The fast path's responses and the full path's share buckets, whatever the case.
        let limiter = RateLimiter::new(&small()).unwrap();
        let client = IpAddr::from([192, 0, 2, 1]);
        let qname = name("www.Example.com.");
        let wire = ResponseClass::of_wire(
            ResponseKind::Positive,
            Some(RecordType::A),
            b"\x03WWW\x07example\x03COM\x00",
        );
        assert_eq!(
            limiter.key(client, &positive(&qname)),
            limiter.key(client, &wire)
        );
        let other = ResponseClass::of_wire(
            ResponseKind::Positive,
            Some(RecordType::A),
            b"\x04www2\x07example\x03com\x00",
        );
        assert_ne!(
            limiter.key(client, &positive(&qname)),
            limiter.key(client, &other)
        );
    }

    /// The default settings with a small table.
    fn small() -> RrlConfig {
        RrlConfig {
            buckets: 4096,
            ..RrlConfig::default()
        }
    }

    fn limiter(config: RrlConfig) -> RateLimiter {
        RateLimiter::new(&config).unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn bucket() -> Bucket {
        Bucket::new(1, 100)
    }

    #[test]
    fn a_burst_gets_the_limit_and_then_every_slip_th_truncated() {
        let mut b = bucket();
        let verdicts: Vec<_> = (0..16).map(|_| b.admit(100, 10, 2)).collect();
        assert!(verdicts[..10].iter().all(|v| *v == Verdict::Send));
        assert_eq!(
            verdicts[10..],
            [
                Verdict::Drop,
                Verdict::Slip,
                Verdict::Drop,
                Verdict::Slip,
                Verdict::Drop,
                Verdict::Slip
            ]
        );
    }

    #[test]
    fn slip_zero_drops_all_and_slip_one_truncates_all() {
        for (slip, over) in [(0, Verdict::Drop), (1, Verdict::Slip)] {
            let mut b = bucket();
            for _ in 0..5 {
                assert_eq!(b.admit(100, 5, slip), Verdict::Send);
            }
            for _ in 0..10 {
                assert_eq!(b.admit(100, 5, slip), over, "slip {slip}");
            }
        }
    }

    #[test]
    fn a_client_at_the_limit_is_never_held_back() {
        let mut b = bucket();
        for second in 100..400 {
            for _ in 0..10 {
                assert_eq!(b.admit(second, 10, 2), Verdict::Send, "second {second}");
            }
        }
        // Rounded down, the smoothed rate settles just below the limit.
        assert!((9..=10).contains(&b.rate), "{}", b.rate);
    }

    #[test]
    fn a_sustained_flood_is_held_back_until_its_rate_decays() {
        let mut b = bucket();
        // 100 a second for three seconds, limit 10: only the first second's first 10 pass.
        let mut sent = 0;
        for second in 100..103 {
            for _ in 0..100 {
                sent += usize::from(b.admit(second, 10, 0) == Verdict::Send);
            }
        }
        assert_eq!(sent, 10);
        // Rate after second 102: ((0 + 100) / 2 + 100) / 2 = 75, then with second 102's 100
        // counted, (75 + 100) / 2 = 87 one second on, halved for each quiet second after.
        let mut probe = b;
        assert_eq!(probe.admit(103, 10, 0), Verdict::Drop);
        assert_eq!(probe.rate, 87);
        let mut probe = b;
        assert_eq!(probe.admit(105, 10, 0), Verdict::Drop, "87 / 4 = 21");
        let mut probe = b;
        assert_eq!(probe.admit(106, 10, 0), Verdict::Send, "87 / 8 = 10");
        let mut probe = b;
        assert_eq!(probe.admit(200, 10, 0), Verdict::Send);
        assert_eq!(probe.rate, 0);
    }

    #[test]
    fn bursts_spread_over_seconds_get_the_limit_each_second() {
        let mut b = bucket();
        // 15 every second at a limit of 10: the rate settles at 15, above the limit.
        let sent: Vec<usize> = (100..106)
            .map(|second| {
                (0..15)
                    .filter(|_| b.admit(second, 10, 0) == Verdict::Send)
                    .count()
            })
            .collect();
        // Rates: 0, 7, 11, …: the third second on is held back entirely.
        assert_eq!(sent, [10, 10, 0, 0, 0, 0]);
    }

    #[test]
    fn a_clock_that_goes_back_forgets_the_past() {
        let mut b = bucket();
        for _ in 0..50 {
            b.admit(100, 10, 0);
        }
        b.admit(101, 10, 0);
        assert_eq!(b.rate, 25);
        assert_eq!(b.admit(90, 10, 0), Verdict::Send);
        assert_eq!(b.rate, 0);
    }

    #[test]
    fn buckets_survive_the_table_encoding() {
        let bucket = Bucket {
            key: 0x0123_4567_89AB_CDEF,
            stamp: u32::MAX,
            count: 7,
            rate: 3,
            over: 9,
            blocked: true,
        };
        let mut slot = [0; 8];
        bucket.store(&mut slot);
        assert_eq!(Bucket::load(&slot), bucket);
        assert_eq!(Bucket::load(&[0; 8]), Bucket::default());
    }

    #[test]
    fn clients_share_buckets_by_network() {
        let mut rrl = limiter(RrlConfig {
            ratelimit: 3,
            ..small()
        });
        let qname = name("www.example.com.");
        let class = positive(&qname);
        for _ in 0..3 {
            assert_eq!(rrl.check(ip("192.0.2.1"), &class, 0), Verdict::Send);
        }
        // The same /24 is the same bucket; another /24 is not.
        assert_ne!(rrl.check(ip("192.0.2.200"), &class, 0), Verdict::Send);
        assert_eq!(rrl.check(ip("192.0.3.1"), &class, 0), Verdict::Send);
        // An IPv4 client through a dual-stack socket is the same client.
        let mapped = IpAddr::V6(std::net::Ipv4Addr::new(192, 0, 2, 9).to_ipv6_mapped());
        assert_ne!(rrl.check(mapped, &class, 0), Verdict::Send);
        // IPv6: a /56 is one network.
        for _ in 0..3 {
            assert_eq!(rrl.check(ip("2001:db8:0:1::1"), &class, 0), Verdict::Send);
        }
        assert_ne!(rrl.check(ip("2001:db8:0:ff::2"), &class, 0), Verdict::Send);
        assert_eq!(rrl.check(ip("2001:db8:0:100::1"), &class, 0), Verdict::Send);
    }

    fn prefix(rrl: &RateLimiter, client: &str) -> String {
        let (addr, len) = rrl.prefix(ip(client));
        format!("{addr}/{len}")
    }

    #[test]
    fn prefix_lengths_are_configurable() {
        let rrl = limiter(RrlConfig {
            ipv4_prefix: 32,
            ipv6_prefix: 0,
            ..small()
        });
        assert_eq!(prefix(&rrl, "192.0.2.7"), "192.0.2.7/32");
        assert_eq!(prefix(&rrl, "2001:db8::1"), "::/0");
        let rrl = limiter(small());
        assert_eq!(prefix(&rrl, "192.0.2.7"), "192.0.2.0/24");
        assert_eq!(prefix(&rrl, "2001:db8:1:2ff:1::1"), "2001:db8:1:200::/56");
        let clamped = limiter(RrlConfig {
            ipv4_prefix: 40,
            ipv6_prefix: 200,
            ..small()
        });
        assert_eq!(prefix(&clamped, "192.0.2.7"), "192.0.2.7/32");
    }

    #[test]
    fn responses_are_counted_per_class_and_name_regardless_of_case() {
        let mut rrl = limiter(RrlConfig {
            ratelimit: 2,
            ..small()
        });
        let client = ip("198.51.100.1");
        let lower = name("www.example.com.");
        let upper = name("WWW.Example.COM.");
        let other = name("mail.example.com.");
        assert_eq!(rrl.check(client, &positive(&lower), 0), Verdict::Send);
        assert_eq!(rrl.check(client, &positive(&upper), 0), Verdict::Send);
        assert_ne!(rrl.check(client, &positive(&lower), 0), Verdict::Send);
        assert_eq!(rrl.check(client, &positive(&other), 0), Verdict::Send);
        let aaaa = ResponseClass {
            qtype: Some(RecordType::AAAA),
            ..positive(&lower)
        };
        assert_eq!(rrl.check(client, &aaaa, 0), Verdict::Send);
        assert_eq!(rrl.check(client, &ResponseClass::error(), 0), Verdict::Send);
    }

    #[test]
    fn exempt_networks_are_never_limited() {
        let mut rrl = limiter(RrlConfig {
            ratelimit: 1,
            exempt: vec![
                "192.0.2.0/28".parse().unwrap(),
                "2001:db8::/32".parse().unwrap(),
            ],
            ..small()
        });
        let qname = name("www.example.com.");
        for _ in 0..100 {
            assert_eq!(
                rrl.check(ip("192.0.2.15"), &positive(&qname), 0),
                Verdict::Send
            );
            assert_eq!(
                rrl.check(ip("2001:db8::53"), &positive(&qname), 0),
                Verdict::Send
            );
        }
        assert!(rrl.is_exempt(ip("192.0.2.1")));
        assert!(!rrl.is_exempt(ip("192.0.2.16")));
        // The rest of the same /24 is limited as usual.
        assert_eq!(
            rrl.check(ip("192.0.2.16"), &positive(&qname), 0),
            Verdict::Send
        );
        assert_ne!(
            rrl.check(ip("192.0.2.17"), &positive(&qname), 0),
            Verdict::Send
        );
    }

    #[test]
    fn a_tiny_table_still_limits_and_collisions_only_reset() {
        let mut rrl = limiter(RrlConfig {
            ratelimit: 1,
            buckets: 1,
            ..small()
        });
        let a = name("a.example.");
        let b = name("b.example.");
        assert_eq!(rrl.check(ip("192.0.2.1"), &positive(&a), 0), Verdict::Send);
        assert_ne!(rrl.check(ip("192.0.2.1"), &positive(&a), 0), Verdict::Send);
        // b takes over the only slot, and a starts afresh.
        assert_eq!(rrl.check(ip("192.0.2.1"), &positive(&b), 0), Verdict::Send);
        assert_eq!(rrl.check(ip("192.0.2.1"), &positive(&a), 0), Verdict::Send);
    }

    #[test]
    fn config_defaults_off_and_validation() {
        let config = RrlConfig::default();
        assert_eq!(
            (
                config.ratelimit,
                config.slip,
                config.ipv4_prefix,
                config.ipv6_prefix
            ),
            (200, 2, 24, 56)
        );
        assert!(config.exempt.is_empty());
        assert!(!config.is_off());
        assert!(config.validate().is_ok());
        assert!(RrlConfig::off().is_off());
        assert!(RateLimiter::new(&RrlConfig::off()).is_none());
        let bad = |config: RrlConfig| config.validate().unwrap_err().to_string();
        assert!(bad(RrlConfig {
            ipv4_prefix: 33,
            ..RrlConfig::default()
        })
        .contains("IPv4 prefix length is 33"));
        assert!(bad(RrlConfig {
            ipv6_prefix: 129,
            ..RrlConfig::default()
        })
        .contains("IPv6 prefix length is 129"));
        assert!(bad(RrlConfig {
            buckets: 0,
            ..RrlConfig::default()
        })
        .contains("table size is 0"));
    }

    fn test_zone() -> Zone {
        let origin = name("example.com.");
        let rrset = |owner: &str, rtype: &str, records: &[&str]| {
            crate::model::validate_rrset(&origin, owner, rtype, 300, records).unwrap()
        };
        Zone::new(
            &origin,
            [
                rrset("@", "SOA", &["ns1 h 7 3600 600 86400 60"]),
                rrset("@", "NS", &["ns1"]),
                rrset("ns1", "A", &["192.0.2.53"]),
                rrset("www", "A", &["192.0.2.1"]),
                rrset("*.wild", "A", &["192.0.2.99"]),
                rrset("dn", "DNAME", &["example.net."]),
                rrset("sub", "NS", &["ns.sub"]),
                rrset("ns.sub", "A", &["192.0.2.80"]),
            ],
        )
        .unwrap()
    }

    #[test]
    fn responses_are_classified_like_nsd_does() {
        let catalog = Catalog::from_zones([test_zone()]);
        // (question, kind, the name counted under, counted per type)
        let table = [
            (
                "www.example.com.",
                ResponseKind::Positive,
                "www.example.com.",
                true,
            ),
            (
                "WWW.example.com.",
                ResponseKind::Positive,
                "WWW.example.com.",
                true,
            ),
            (
                "x.wild.example.com.",
                ResponseKind::Synthesized,
                "wild.example.com.",
                false,
            ),
            (
                "a.b.wild.example.com.",
                ResponseKind::Synthesized,
                "wild.example.com.",
                false,
            ),
            (
                "x.dn.example.com.",
                ResponseKind::Synthesized,
                "dn.example.com.",
                false,
            ),
            (
                "nope.example.com.",
                ResponseKind::NxDomain,
                "example.com.",
                false,
            ),
            (
                "ns1.example.com.",
                ResponseKind::NoData,
                "example.com.",
                false,
            ),
            (
                "www.sub.example.com.",
                ResponseKind::Referral,
                "sub.example.com.",
                false,
            ),
            ("example.org.", ResponseKind::Error, "", false),
        ];
        for (qname, kind, counted, per_type) in table {
            let rtype = if qname.starts_with("ns1") {
                RecordType::TXT
            } else {
                RecordType::A
            };
            let question = Query::query(name(qname), rtype);
            let outcome = lookup(&catalog, &question);
            let class = ResponseClass::of(&catalog, &question, &outcome);
            assert_eq!(class.kind(), kind, "{qname}");
            assert_eq!(class.qtype.is_some(), per_type, "{qname}");
            let counted_as = class.name.map(|(name, labels)| {
                let skip = usize::from(label_count(name) - labels);
                let labels: Vec<_> = name
                    .iter()
                    .skip(skip)
                    .map(|l| String::from_utf8_lossy(l).into_owned())
                    .collect();
                format!("{}.", labels.join("."))
            });
            assert_eq!(counted_as.unwrap_or_default(), counted, "{qname}");
        }
    }

    #[test]
    fn random_names_under_a_wildcard_share_one_bucket() {
        let catalog = Catalog::from_zones([test_zone()]);
        let mut rrl = limiter(RrlConfig {
            ratelimit: 5,
            ..small()
        });
        let client = ip("203.0.113.9");
        let verdicts: Vec<_> = (0..10)
            .map(|i| {
                let question =
                    Query::query(name(&format!("r{i}.wild.example.com.")), RecordType::A);
                let outcome = lookup(&catalog, &question);
                rrl.check(client, &ResponseClass::of(&catalog, &question, &outcome), 0)
            })
            .collect();
        assert_eq!(verdicts.iter().filter(|v| **v == Verdict::Send).count(), 5);
    }
}
