//! Transport: the UDP and TCP listeners that carry DNS messages to [`respond`] and back.
//!
//! Both listen on the same address and port. UDP is one datagram in, at most one out. TCP uses
//! RFC 7766 framing (a two-byte length before each message), serves any number of queries per
//! connection, and is bounded so a client can neither hang the engine nor exhaust it: an idle
//! timeout on every read and write, and a cap on concurrent connections. Nothing on this path
//! panics; a malformed packet costs one FORMERR or nothing, never the listener.
//!
//! Both transports answer DNS Cookies ([`crate::cookie`]). UDP, whose source addresses can be
//! spoofed, is also where response rate limiting ([`crate::rrl`]) holds back floods aimed at a
//! victim: off unless [`DnsServer::with_rrl`] turns it on, and never for a query whose valid
//! server cookie proves its source. TCP is never rate limited: its handshake proves the
//! source, and it is where truncated responses send real clients.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr, TcpListener as StdTcpListener, UdpSocket as StdUdpSocket};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::timeout;
use tracing::{debug, error, info, trace, warn};

use crate::catalog::{Catalog, SharedCatalog};
use crate::cookie::{unix_now, CookieSecret, RequestCookie, ResponseCookie};
use crate::fast::{self, compiled::Writer};
use crate::lookup::{lookup_dnssec, Outcome};
use crate::rrl::{RateLimiter, ResponseClass, RrlConfig, Verdict};
use crate::wire::{self, Extras, Parsed, Transport};
use crate::xfr::{self, TransferCounters, TransferPolicy};

mod udp;

/// How long a TCP connection may sit without completing a read or write before it is closed.
/// RFC 7766 §6.2.3 asks servers to time out idle connections, "on the order of seconds".
pub const DEFAULT_TCP_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// How many TCP connections are served at once; further ones are closed right after accept
/// so that the client fails fast instead of waiting in the backlog (RFC 7766 §6.2.2).
pub const DEFAULT_MAX_TCP_CONNECTIONS: usize = 512;

/// How many of those one source address may hold, so that a single client cannot take every
/// slot and lock all others out of DNS over TCP (RFC 7766 §6.2.2 asks servers to protect
/// themselves this way).
pub const DEFAULT_MAX_TCP_PER_SOURCE: usize = 64;

/// How many times binding with port 0 is retried when the UDP port the kernel picked is
/// already taken for TCP.
const PORT_ZERO_ATTEMPTS: usize = 16;

/// How long to pause after a failed `accept` (e.g. out of file descriptors) before retrying,
/// so that a persistent error does not turn into a busy loop.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// How many UDP workers serve when nothing says otherwise: one per core.
pub fn default_udp_workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Whether the engine's listeners are up, for the HTTP server's `/healthz`.
///
/// Cheap to clone; every clone reports the same engine.
#[derive(Clone, Debug, Default)]
pub struct EngineHealth(Arc<AtomicBool>);

impl EngineHealth {
    /// True while [`DnsServer::run`] is serving UDP and TCP.
    pub fn is_serving(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    fn set_serving(&self, serving: bool) {
        self.0.store(serving, Ordering::Release);
    }
}

/// Marks the engine as serving for as long as it lives, including when the `run` future is
/// dropped rather than finished.
struct ServingGuard(EngineHealth);

impl ServingGuard {
    fn new(health: &EngineHealth) -> Self {
        health.set_serving(true);
        Self(health.clone())
    }
}

impl Drop for ServingGuard {
    fn drop(&mut self) {
        self.0.set_serving(false);
    }
}

/// An authoritative DNS server bound to one address on UDP and TCP.
///
/// `bind` only binds (it needs no runtime and reports a taken port at once); `run` serves until
/// the shutdown future completes. UDP is served by worker threads, each with its own socket
/// on the same port (see `server/udp.rs`); TCP by tasks on the tokio runtime.
#[derive(Debug)]
pub struct DnsServer {
    udp: StdUdpSocket,
    udp_workers: usize,
    tcp: StdTcpListener,
    local_addr: SocketAddr,
    catalog: SharedCatalog,
    health: EngineHealth,
    tcp_idle_timeout: Duration,
    max_tcp_connections: usize,
    max_tcp_per_source: usize,
    rrl: RrlConfig,
    cookie_secret: CookieSecret,
}

impl DnsServer {
    /// Binds UDP and TCP on `addr`, serving an empty catalog, with one UDP worker per core
    /// ([`DnsServer::with_udp_workers`]).
    ///
    /// With port 0, TCP is bound first and UDP on the port TCP got, so both share one free
    /// port, which [`DnsServer::local_addr`] reports. TCP picks it because a TCP port is never
    /// shared: the kernel may hand a port 0 UDP socket with `SO_REUSEPORT` a port that
    /// another such socket of the same user holds, and two servers would split its traffic.
    ///
    /// Response rate limiting is off and server cookies use a random secret; see
    /// [`DnsServer::with_rrl`] and [`DnsServer::with_cookie_secret`].
    pub fn bind(addr: SocketAddr) -> io::Result<Self> {
        let attempts = if addr.port() == 0 {
            PORT_ZERO_ATTEMPTS
        } else {
            1
        };
        let mut attempt = 1;
        let (udp, tcp) = loop {
            match bind_pair(addr) {
                Ok(pair) => break pair,
                Err(err) if err.kind() == io::ErrorKind::AddrInUse && attempt < attempts => {
                    debug!(%addr, attempt, "TCP port taken for the chosen UDP port; retrying");
                    attempt += 1;
                }
                Err(err) => return Err(err),
            }
        };
        let local_addr = udp.local_addr()?;
        let cookie_secret = CookieSecret::random().map_err(io::Error::other)?;
        Ok(Self {
            udp,
            udp_workers: default_udp_workers(),
            tcp,
            local_addr,
            catalog: SharedCatalog::default(),
            health: EngineHealth::default(),
            tcp_idle_timeout: DEFAULT_TCP_IDLE_TIMEOUT,
            max_tcp_connections: DEFAULT_MAX_TCP_CONNECTIONS,
            max_tcp_per_source: DEFAULT_MAX_TCP_PER_SOURCE,
            rrl: RrlConfig::off(),
            cookie_secret,
        })
    }

    /// Sets response rate limiting of UDP responses (default: off, [`RrlConfig::off`]).
    ///
    /// The products turn it on with [`RrlConfig::default`]; it stays off for a bare server so
    /// that tests and tools may query it as fast as they like.
    #[must_use]
    pub fn with_rrl(mut self, config: RrlConfig) -> Self {
        self.rrl = config;
        self
    }

    /// Sets the secret that server cookies are made with (default: a random one, drawn at
    /// bind). Nodes that answer for the same address (anycast) should share one, so that each
    /// accepts the cookies of the others (RFC 9018 §3).
    #[must_use]
    pub fn with_cookie_secret(mut self, secret: impl Into<CookieSecret>) -> Self {
        self.cookie_secret = secret.into();
        self
    }

    /// Sets how many threads serve UDP, each on its own socket (default: one per core, at
    /// least one). The kernel spreads datagrams over the sockets by source address and port.
    #[must_use]
    pub fn with_udp_workers(mut self, workers: usize) -> Self {
        self.udp_workers = workers.max(1);
        self
    }

    /// Sets how long a TCP connection may stay idle (default [`DEFAULT_TCP_IDLE_TIMEOUT`]).
    #[must_use]
    pub fn with_tcp_idle_timeout(mut self, idle_timeout: Duration) -> Self {
        self.tcp_idle_timeout = idle_timeout;
        self
    }

    /// Sets how many TCP connections are served at once (default
    /// [`DEFAULT_MAX_TCP_CONNECTIONS`]).
    #[must_use]
    pub fn with_max_tcp_connections(mut self, max_connections: usize) -> Self {
        self.max_tcp_connections = max_connections;
        self
    }

    /// Sets how many TCP connections one source address may hold at once (default
    /// [`DEFAULT_MAX_TCP_PER_SOURCE`]).
    #[must_use]
    pub fn with_max_tcp_per_source(mut self, max_per_source: usize) -> Self {
        self.max_tcp_per_source = max_per_source;
        self
    }

    /// The address actually bound, the same for UDP and TCP.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle reporting whether this server is serving.
    pub fn health(&self) -> EngineHealth {
        self.health.clone()
    }

    /// The catalog this server answers from; replace its snapshot to change what is served.
    pub fn catalog(&self) -> SharedCatalog {
        self.catalog.clone()
    }

    /// Serves UDP and TCP until `shutdown` completes, then closes every listener and
    /// connection. Fails only if the sockets cannot be handed to the tokio runtime, or the
    /// further UDP workers' sockets cannot be bound or their threads started.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        let mut sockets = Vec::with_capacity(self.udp_workers);
        sockets.push(self.udp);
        for _ in 1..self.udp_workers {
            sockets.push(udp::bind_reuse_port(self.local_addr)?);
        }
        let tcp = TcpListener::from_std(self.tcp)?;
        if let Err(err) = self.rrl.validate() {
            warn!(%err, "response rate limiting: setting out of range, clamped");
        }
        // Allocated once, here; the UDP path then only reads and writes its buckets.
        let limiter = RateLimiter::new(&self.rrl).map(|limiter| Arc::new(Mutex::new(limiter)));
        if limiter.is_some() {
            info!(
                ratelimit = self.rrl.ratelimit,
                slip = self.rrl.slip,
                ipv4_prefix = self.rrl.ipv4_prefix,
                ipv6_prefix = self.rrl.ipv6_prefix,
                exempt = self.rrl.exempt.len(),
                "response rate limiting on for UDP"
            );
        }

        let shared = udp::Shared {
            catalog: self.catalog.clone(),
            cookie_secret: self.cookie_secret.clone(),
            limiter,
        };
        // Dropped on every way out of this function (also when the future is dropped): that
        // stops the workers and waits for them.
        let _workers = udp::Workers::start(sockets, &shared)?;
        let _serving = ServingGuard::new(&self.health);
        info!(addr = %self.local_addr, udp_workers = self.udp_workers, "DNS engine serving UDP and TCP");

        let tcp_limits = TcpLimits {
            idle_timeout: self.tcp_idle_timeout,
            max_connections: self.max_tcp_connections,
            max_per_source: self.max_tcp_per_source,
        };
        tokio::select! {
            () = shutdown => {
                info!(addr = %self.local_addr, "DNS engine shutting down");
                Ok(())
            }
            never = serve_tcp(&tcp, &self.catalog, tcp_limits, &self.cookie_secret) => match never {},
        }
    }
}

/// Binds TCP on `addr`, then UDP (with `SO_REUSEPORT`, for the workers) on the same IP and
/// TCP's port.
fn bind_pair(addr: SocketAddr) -> io::Result<(StdUdpSocket, StdTcpListener)> {
    let tcp = StdTcpListener::bind(addr)?;
    let udp = udp::bind_reuse_port(SocketAddr::new(addr.ip(), tcp.local_addr()?.port()))?;
    tcp.set_nonblocking(true)?;
    Ok((udp, tcp))
}

/// The response to one received message, or `None` when nothing should be sent.
///
/// This is the whole query path without the sockets: parse, look up, encode. A panic anywhere
/// below (a bug, in our code or a dependency's decoder) costs that one packet, not the listener.
///
/// Without a client address or a server secret it answers as a server without DNS Cookies
/// does (RFC 7873 §5.2.1), except that a malformed COOKIE option is still FORMERR, and it
/// limits no rate.
///
/// Like the UDP workers, it tries the fast path ([`crate::fast`]) first.
pub fn respond(catalog: &Catalog, packet: &[u8], transport: Transport) -> Option<Vec<u8>> {
    let mut writer = Writer::new();
    respond_into(catalog, packet, transport, &mut writer).map(<[u8]>::to_vec)
}

/// [`respond`] into a reused buffer: exactly what a UDP worker runs for each datagram (with
/// an anonymous client), so that the allocation test measures the serving code itself.
#[doc(hidden)]
pub fn respond_into<'w>(
    catalog: &Catalog,
    packet: &[u8],
    transport: Transport,
    writer: &'w mut Writer,
) -> Option<&'w [u8]> {
    answer(catalog, packet, &Client::anonymous(transport), None, writer).then(|| writer.bytes())
}

/// [`respond`] without its panic guard, so that the fuzz targets (`tests/engine/fuzz`) see a
/// panic as the crash it is instead of a quietly dropped packet. Not for serving.
#[doc(hidden)]
pub fn respond_uncaught(catalog: &Catalog, packet: &[u8], transport: Transport) -> Option<Vec<u8>> {
    let mut writer = Writer::new();
    answer_uncaught(
        catalog,
        packet,
        &Client::anonymous(transport),
        None,
        &mut writer,
    )
    .then(|| writer.bytes().to_vec())
}

/// [`respond`] through the full path alone (parse, lookup, encode), never the fast one: what
/// the differential test compares the fast path with. Not for serving.
#[doc(hidden)]
pub fn respond_full(catalog: &Catalog, packet: &[u8], transport: Transport) -> Option<Vec<u8>> {
    handle_uncaught(catalog, packet, &Client::anonymous(transport), None)
}

/// [`respond_full`] for a client at `ip`, with server cookies made with `secret`: what the
/// differential test compares the fast path's cookies with. Not for serving.
#[doc(hidden)]
pub fn respond_full_as(
    catalog: &Catalog,
    packet: &[u8],
    transport: Transport,
    ip: IpAddr,
    secret: &CookieSecret,
) -> Option<Vec<u8>> {
    let client = Client {
        ip,
        transport,
        cookie_secret: Some(secret),
        transfer: None,
    };
    handle_uncaught(catalog, packet, &client, None)
}

/// Writes the response to one message from `client` into `writer`: the fast path's when it
/// takes the message, else the full path's. False when nothing is to be sent. A panic costs
/// that one message.
fn answer(
    catalog: &Catalog,
    packet: &[u8],
    client: &Client<'_>,
    limiter: Option<&Mutex<RateLimiter>>,
    writer: &mut Writer,
) -> bool {
    let answered = catch_unwind(AssertUnwindSafe(|| {
        answer_uncaught(catalog, packet, client, limiter, writer)
    }));
    answered.unwrap_or_else(|_| {
        error!(
            len = packet.len(),
            "BUG: panic while handling a DNS message; dropped it"
        );
        false
    })
}

/// [`answer`] without its panic guard.
fn answer_uncaught(
    catalog: &Catalog,
    packet: &[u8],
    client: &Client<'_>,
    limiter: Option<&Mutex<RateLimiter>>,
    writer: &mut Writer,
) -> bool {
    let cookies = client.cookie_secret.map(|secret| (secret, client.ip));
    if let Some(answered) = fast::respond(catalog, packet, client.transport, cookies, writer) {
        let limiter = limiter.filter(|_| !answered.proven());
        return match rate_limit(limiter, client.ip, || answered.class()) {
            None => false,
            Some(true) => {
                answered.truncate(writer);
                true
            }
            Some(false) => true,
        };
    }
    match handle_uncaught(catalog, packet, client, limiter) {
        Some(bytes) => {
            writer.set(&bytes);
            true
        }
        None => false,
    }
}

/// Who a message came from and how: what its response depends on besides the message.
#[derive(Clone, Copy, Debug)]
struct Client<'a> {
    ip: IpAddr,
    transport: Transport,
    /// The secret to make and check server cookies with; none answers no cookies.
    cookie_secret: Option<&'a CookieSecret>,
    /// Where the transfer policy (who may transfer zones; none refuses every transfer) and
    /// the transfer counters are. The policy is read only for the requests that need it, not
    /// for every datagram.
    transfer: Option<&'a SharedCatalog>,
}

impl Client<'_> {
    fn anonymous(transport: Transport) -> Self {
        Self {
            ip: IpAddr::from([0, 0, 0, 0]),
            transport,
            cookie_secret: None,
            transfer: None,
        }
    }

    /// The COOKIE option for the response to a request that sent `request` (RFC 7873 §5.2),
    /// and whether the request's server cookie proved the client's address.
    fn cookie(&self, request: Option<RequestCookie>) -> (Option<ResponseCookie>, bool) {
        match (self.cookie_secret, request) {
            (Some(secret), Some(request)) => {
                let reply = secret.reply(&request, self.ip, unix_now());
                (Some(reply.cookie), reply.valid)
            }
            _ => (None, false),
        }
    }
}

/// The full path for a known client, counting the response against `limiter` if there is
/// one.
fn handle_uncaught(
    catalog: &Catalog,
    packet: &[u8],
    client: &Client<'_>,
    limiter: Option<&Mutex<RateLimiter>>,
) -> Option<Vec<u8>> {
    if xfr::is_special(packet) {
        // Over UDP a transfer is one message at most (FORMERR for AXFR, one SOA for IXFR).
        return special(catalog, packet, client).into_iter().next();
    }
    handle_ordinary(catalog, packet, client, limiter)
}

/// Answers what [`xfr::is_special`] picked, with the client's transfer policy.
fn special(catalog: &Catalog, packet: &[u8], client: &Client<'_>) -> Vec<Vec<u8>> {
    let policy = client.transfer.map_or_else(
        || Arc::new(TransferPolicy::default()),
        SharedCatalog::transfer_policy,
    );
    let uncounted = TransferCounters::default();
    let counters = client
        .transfer
        .map_or(&uncounted, SharedCatalog::transfer_counters);
    let mut ordinary = |catalog: &Catalog, packet: &[u8]| {
        handle_ordinary(
            catalog,
            packet,
            &Client {
                transfer: None,
                ..*client
            },
            None,
        )
    };
    let origin = xfr::Origin {
        peer: client.ip,
        transport: client.transport,
        now: u64::from(unix_now()),
    };
    xfr::respond(catalog, &policy, packet, origin, counters, &mut ordinary)
}

/// Answers an ordinary query (or rejects it), counting it against `limiter`.
fn handle_ordinary(
    catalog: &Catalog,
    packet: &[u8],
    client: &Client<'_>,
    limiter: Option<&Mutex<RateLimiter>>,
) -> Option<Vec<u8>> {
    match wire::parse(packet) {
        Parsed::Query(request) => {
            let (cookie, proven) = client.cookie(request.cookie());
            // RFC 3225 §3: DNSSEC records go only to clients that set DO in their OPT record.
            let dnssec_ok = request.edns().is_some_and(|edns| edns.dnssec_ok);
            let outcome = lookup_dnssec(catalog, request.question(), dnssec_ok);
            // The catalog zone is in no catalog: only clients the transfer policy allows get
            // its SOA (a catalog consumer checks it before every transfer).
            if matches!(outcome, Outcome::Refused)
                && client.transfer.is_some_and(|shared| {
                    shared
                        .transfer_policy()
                        .is_catalog_name(request.question().name())
                })
            {
                return special(catalog, packet, client).into_iter().next();
            }
            // A valid server cookie proves the source address, so the response cannot be
            // part of a reflection attack (RFC 7873 §5.2.5; BIND exempts these too).
            let truncate = rate_limit(limiter.filter(|_| !proven), client.ip, || {
                ResponseClass::of(catalog, request.question(), &outcome)
            })?;
            let extras = Extras { cookie, truncate };
            Some(wire::answer_with(
                &request,
                &outcome,
                client.transport,
                extras,
            ))
        }
        Parsed::Reject(rejection) => {
            debug!(id = rejection.id(), error = %rejection.error(), "rejecting request");
            let (cookie, proven) = client.cookie(rejection.cookie());
            let truncate =
                rate_limit(limiter.filter(|_| !proven), client.ip, ResponseClass::error)?;
            let extras = Extras { cookie, truncate };
            Some(wire::reject_with(&rejection, client.transport, extras))
        }
        Parsed::Drop(reason) => {
            trace!(?reason, len = packet.len(), "dropping packet");
            None
        }
    }
}

/// What rate limiting makes of a response to `client`: `None` to drop it, else whether to
/// send it truncated. `class` is only worked out when there is a limiter to count it.
fn rate_limit<'a>(
    limiter: Option<&Mutex<RateLimiter>>,
    client: IpAddr,
    class: impl FnOnce() -> ResponseClass<'a>,
) -> Option<bool> {
    let Some(limiter) = limiter else {
        return Some(false);
    };
    let class = class();
    // Held for the check alone; a poisoned limiter still holds valid buckets.
    let mut limiter = limiter.lock().unwrap_or_else(PoisonError::into_inner);
    let now = limiter.now();
    match limiter.check(client, &class, now) {
        Verdict::Send => Some(false),
        Verdict::Slip => {
            trace!(%client, "rate limited; sending it truncated");
            Some(true)
        }
        Verdict::Drop => {
            trace!(%client, "rate limited; dropping it");
            None
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct TcpLimits {
    idle_timeout: Duration,
    max_connections: usize,
    max_per_source: usize,
}

/// Accepts TCP connections until dropped; dropping it also ends every open connection.
async fn serve_tcp(
    listener: &TcpListener,
    catalog: &SharedCatalog,
    limits: TcpLimits,
    cookie_secret: &CookieSecret,
) -> Infallible {
    let mut connections = JoinSet::new();
    // Live connections per source address, and the source of each connection task.
    let mut per_source: HashMap<IpAddr, usize> = HashMap::new();
    let mut sources: HashMap<tokio::task::Id, IpAddr> = HashMap::new();
    // What each connection task shares with the loop: whether it is idle (waiting for the
    // next query), since when, and how to ask it to close.
    let mut states: HashMap<tokio::task::Id, Arc<ConnectionState>> = HashMap::new();
    let started = tokio::time::Instant::now();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) => {
                warn!(%err, "TCP accept failed");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        // Collect finished connections so that the counts hold only live ones.
        while let Some(finished) = connections.try_join_next_with_id() {
            let id = match finished {
                Ok((id, ())) => id,
                Err(err) => {
                    if err.is_panic() {
                        error!("BUG: a TCP connection task panicked");
                    }
                    err.id()
                }
            };
            states.remove(&id);
            if let Some(ip) = sources.remove(&id) {
                if let Some(count) = per_source.get_mut(&ip) {
                    *count = count.saturating_sub(1);
                    if *count == 0 {
                        per_source.remove(&ip);
                    }
                }
            }
        }
        // The source's share first: a refused client must not cost another one its slot.
        let held = per_source.entry(peer.ip()).or_insert(0);
        if *held >= limits.max_per_source {
            debug!(%peer, limit = limits.max_per_source, "too many TCP connections from this source; closing");
            drop(stream);
            continue;
        }
        if connections.len() >= limits.max_connections {
            // RFC 7766 §6.2.3: under pressure, close idle connections first. The one idle
            // longest is asked to go; the new client is served. With none idle, the new
            // connection is the one closed.
            let idlest = states
                .values()
                .filter(|s| s.idle.load(Ordering::Relaxed) && !s.closing.load(Ordering::Relaxed))
                .min_by_key(|s| s.idle_since_ms.load(Ordering::Relaxed));
            match idlest {
                Some(state) => {
                    state.closing.store(true, Ordering::Relaxed);
                    state.close.notify_one();
                    debug!(%peer, limit = limits.max_connections, "TCP connections at the limit; closing the idlest");
                }
                None => {
                    debug!(%peer, limit = limits.max_connections, "too many TCP connections, none idle; closing the new one");
                    drop(stream);
                    continue;
                }
            }
        }
        *held += 1;
        let state = Arc::new(ConnectionState {
            idle: AtomicBool::new(true),
            closing: AtomicBool::new(false),
            idle_since_ms: AtomicU64::new(millis_since(started)),
            close: tokio::sync::Notify::new(),
        });
        let task = connections.spawn(serve_connection(
            stream,
            peer,
            catalog.clone(),
            limits.idle_timeout,
            cookie_secret.clone(),
            (Arc::clone(&state), started),
        ));
        sources.insert(task.id(), peer.ip());
        states.insert(task.id(), state);
    }
}

/// Serves one TCP connection: RFC 7766 §8 framing, queries answered in order, until the client
/// closes, stalls for `idle_timeout`, or sends something that is not a complete frame.
async fn serve_connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    catalog: SharedCatalog,
    idle_timeout: Duration,
    cookie_secret: CookieSecret,
    (state, started): (Arc<ConnectionState>, tokio::time::Instant),
) {
    let client = Client {
        ip: peer.ip(),
        transport: Transport::Tcp,
        cookie_secret: Some(&cookie_secret),
        transfer: Some(&catalog),
    };
    // Each response goes out in one write; waiting for more data (Nagle) only adds latency.
    if let Err(err) = stream.set_nodelay(true) {
        debug!(%peer, %err, "cannot set TCP_NODELAY");
    }
    let mut message = Vec::new();
    let mut frame = Vec::new();
    let mut writer = Writer::new();
    loop {
        let mut length = [0; 2];
        state
            .idle_since_ms
            .store(millis_since(started), Ordering::Relaxed);
        state.idle.store(true, Ordering::Relaxed);
        let read = tokio::select! {
            read = within(idle_timeout, stream.read_exact(&mut length)) => read,
            () = state.close.notified() => {
                trace!(%peer, "idle TCP connection closed to make room");
                return;
            }
        };
        state.idle.store(false, Ordering::Relaxed);
        if !read {
            trace!(%peer, "TCP connection closed or idle");
            return;
        }
        message.resize(usize::from(u16::from_be_bytes(length)), 0);
        if !within(idle_timeout, stream.read_exact(&mut message)).await {
            debug!(%peer, "TCP connection ended inside a message");
            return;
        }

        let responses = if xfr::is_special(&message) {
            // A transfer of a big zone is CPU work of a noticeable time: built on the blocking
            // pool from the snapshot of this moment, so that the engine keeps answering.
            let snapshot = catalog.snapshot();
            let shared = catalog.clone();
            let request = std::mem::take(&mut message);
            let secret = cookie_secret.clone();
            let ip = peer.ip();
            let built = tokio::task::spawn_blocking(move || {
                let client = Client {
                    ip,
                    transport: Transport::Tcp,
                    cookie_secret: Some(&secret),
                    transfer: Some(&shared),
                };
                catch_unwind(AssertUnwindSafe(|| special(&snapshot, &request, &client)))
            })
            .await;
            match built {
                Ok(Ok(responses)) => responses,
                _ => {
                    error!(%peer, "BUG: panic while answering a transfer request; closing");
                    return;
                }
            }
        } else {
            if answer(&catalog.snapshot(), &message, &client, None, &mut writer)
                && !send_frame(&mut stream, &mut frame, writer.bytes(), idle_timeout, peer).await
            {
                return;
            }
            continue;
        };
        for response in responses {
            if !send_frame(&mut stream, &mut frame, &response, idle_timeout, peer).await {
                return;
            }
        }
    }
}

/// Writes one response with its two-octet length (RFC 7766 §8); false if the connection is
/// to be closed.
async fn send_frame(
    stream: &mut TcpStream,
    frame: &mut Vec<u8>,
    response: &[u8],
    idle_timeout: Duration,
    peer: SocketAddr,
) -> bool {
    // `wire` keeps TCP responses within 65535 bytes; anything else is a bug.
    let Ok(length) = u16::try_from(response.len()) else {
        error!(%peer, len = response.len(), "BUG: TCP response longer than a frame");
        return false;
    };
    frame.clear();
    frame.extend_from_slice(&length.to_be_bytes());
    frame.extend_from_slice(response);
    if !within(idle_timeout, stream.write_all(frame)).await {
        debug!(%peer, "TCP write failed or stalled");
        return false;
    }
    true
}

/// Runs an I/O step with a deadline; true if it completed successfully in time.
/// What a TCP connection task shares with the accept loop.
struct ConnectionState {
    /// Waiting for the first octets of the next query.
    idle: AtomicBool,
    /// Asked to close (so it is not picked twice).
    closing: AtomicBool,
    /// When it last became idle, in milliseconds since the loop started.
    idle_since_ms: AtomicU64,
    close: tokio::sync::Notify,
}

fn millis_since(start: tokio::time::Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

async fn within<T>(limit: Duration, step: impl Future<Output = io::Result<T>>) -> bool {
    matches!(timeout(limit, step).await, Ok(Ok(_)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use hickory_proto::op::{Message, Query, ResponseCode};
    use hickory_proto::rr::{Name, RecordType};

    use super::*;

    #[test]
    fn port_zero_binds_udp_and_tcp_on_one_port() {
        let server = DnsServer::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)).unwrap();
        let addr = server.local_addr();
        assert_ne!(addr.port(), 0);
        assert_eq!(server.udp.local_addr().unwrap(), addr);
        assert_eq!(server.tcp.local_addr().unwrap(), addr);
        assert!(!server.health().is_serving(), "bound is not serving yet");
    }

    #[test]
    fn binding_a_taken_port_fails() {
        let first = DnsServer::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)).unwrap();
        let err = DnsServer::bind(first.local_addr()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
    }

    #[test]
    fn respond_refuses_over_both_transports_and_drops_garbage() {
        let catalog = Catalog::empty();
        let mut query = Message::query();
        query.add_query(Query::query(
            Name::from_ascii("example.com.").unwrap(),
            RecordType::A,
        ));
        let bytes = query.to_vec().unwrap();
        for transport in [Transport::Udp, Transport::Tcp] {
            let response = respond(&catalog, &bytes, transport).unwrap();
            let response = Message::from_vec(&response).unwrap();
            assert_eq!(response.metadata.response_code, ResponseCode::Refused);
        }
        assert!(respond(&catalog, &[], Transport::Udp).is_none());
        assert!(respond(&catalog, &[0xFF; 11], Transport::Tcp).is_none());
    }

    #[test]
    fn serving_guard_clears_health_when_dropped() {
        let health = EngineHealth::default();
        let guard = ServingGuard::new(&health);
        assert!(health.clone().is_serving());
        drop(guard);
        assert!(!health.is_serving());
    }
}
