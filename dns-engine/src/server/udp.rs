//! UDP on worker threads: one socket per worker, all bound to the same address and port with
//! `SO_REUSEPORT`, so that the kernel spreads the datagrams over them (by a hash of the source
//! address and port) and no two workers ever wait on one socket or share a buffer.
//!
//! Each worker is a plain thread, not a task: the UDP path has no `.await` to gain from, and a
//! blocking `recvmmsg` that returns every datagram already queued (up to [`BATCH`]) costs one
//! system call per batch instead of a readiness poll plus a read per datagram. The responses
//! of a batch go out with one `sendmmsg`. This is how Knot and NSD serve UDP as well.
//!
//! `recvmmsg`/`sendmmsg` are two thin system calls with no safe wrapper in the crates this
//! workspace already builds (`socket2` has none; `nix` would be a new dependency for two
//! calls), so they are called through `libc` here, each with the invariants it relies on.
//!
//! A worker takes a new catalog snapshot only when the catalog's generation number changed
//! since its last batch: one atomic load per batch instead of a lock per datagram, so a
//! reload never makes a worker wait and the workers never contend on the catalog.

use std::io;
use std::mem::{size_of, zeroed};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing::{debug, error};

use super::{answer, Client};
use crate::catalog::SharedCatalog;
use crate::cookie::CookieSecret;
use crate::fast::compiled::Writer;
use crate::rrl::RateLimiter;
use crate::wire::Transport;

/// How many datagrams one system call reads or writes at most.
pub(super) const BATCH: usize = 32;

/// The largest datagram read; longer ones cannot arrive over UDP.
const MAX_DATAGRAM: usize = 65_535;

/// How long a worker blocks in `recvmmsg` before it looks at its stop flag again. Stopping
/// also shuts the sockets down, which wakes the workers at once; this bounds a missed wake-up.
const STOP_CHECK: Duration = Duration::from_millis(250);

/// Binds a UDP socket on `addr` with `SO_REUSEPORT` set, so that every worker's socket can
/// share the address. Linux admits a socket into such a group only if it was made by the same
/// user and set the option too.
pub(super) fn bind_reuse_port(addr: SocketAddr) -> io::Result<UdpSocket> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )?;
    let one: libc::c_int = 1;
    // SAFETY: `setsockopt` reads `size_of::<c_int>()` bytes from a pointer to a live c_int,
    // on a descriptor that `socket` owns for the whole call.
    let set = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_REUSEPORT,
            std::ptr::from_ref(&one).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if set != 0 {
        return Err(io::Error::last_os_error());
    }
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// What every worker shares.
#[derive(Clone)]
pub(super) struct Shared {
    pub catalog: SharedCatalog,
    pub cookie_secret: CookieSecret,
    /// Rate limiting is per client network over all workers (the kernel spreads one client's
    /// source ports over several sockets), so the one limiter is locked for each check.
    pub limiter: Option<Arc<Mutex<RateLimiter>>>,
}

/// The running workers; dropping them stops them and waits until they have stopped, so that
/// a server bound again to the same port right after never shares it with the old one.
pub(super) struct Workers {
    stop: Arc<AtomicBool>,
    sockets: Vec<Arc<UdpSocket>>,
    threads: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts one worker thread per socket.
    pub fn start(sockets: Vec<UdpSocket>, shared: &Shared) -> io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let sockets: Vec<Arc<UdpSocket>> = sockets.into_iter().map(Arc::new).collect();
        let mut workers = Self {
            stop: Arc::clone(&stop),
            sockets: sockets.clone(),
            threads: Vec::with_capacity(sockets.len()),
        };
        for (index, socket) in sockets.into_iter().enumerate() {
            socket.set_nonblocking(false)?;
            socket.set_read_timeout(Some(STOP_CHECK))?;
            let shared = shared.clone();
            let stop = Arc::clone(&stop);
            let thread = std::thread::Builder::new()
                .name(format!("dns-udp-{index}"))
                .spawn(move || serve(&socket, &shared, &stop))?;
            workers.threads.push(thread);
        }
        Ok(workers)
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        for socket in &self.sockets {
            // SAFETY: `shutdown` on a descriptor the Arc keeps open; on Linux it wakes a
            // thread blocked in `recvmmsg` on the socket, which then returns at once.
            unsafe {
                libc::shutdown(socket.as_raw_fd(), libc::SHUT_RDWR);
            }
        }
        for thread in self.threads.drain(..) {
            if thread.join().is_err() {
                error!("BUG: a UDP worker panicked");
            }
        }
    }
}

/// One worker's buffers, allocated once: the datagrams of a batch and their sources, the
/// responses, and the headers the two system calls read and fill.
struct Buffers {
    packets: Vec<Vec<u8>>,
    sources: Vec<libc::sockaddr_storage>,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
    /// Whether each datagram of the batch gets a response, which is in its writer.
    responses: Vec<bool>,
    writers: Vec<Writer>,
}

impl Buffers {
    fn new() -> Self {
        Self {
            // Pages are only touched as datagrams land in them: the resident cost is the size
            // of the datagrams actually received, not 32 × 64 KiB.
            packets: (0..BATCH).map(|_| vec![0; MAX_DATAGRAM]).collect(),
            // SAFETY: sockaddr_storage, iovec and mmsghdr are plain C structs for which all
            // zero bytes is a valid (empty) value.
            sources: (0..BATCH).map(|_| unsafe { zeroed() }).collect(),
            iovecs: (0..BATCH).map(|_| unsafe { zeroed() }).collect(),
            headers: (0..BATCH).map(|_| unsafe { zeroed() }).collect(),
            responses: vec![false; BATCH],
            writers: (0..BATCH).map(|_| Writer::new()).collect(),
        }
    }

    /// Points every header at its packet buffer and source address, for `recvmmsg`.
    fn prepare_receive(&mut self) {
        for i in 0..BATCH {
            self.iovecs[i] = libc::iovec {
                iov_base: self.packets[i].as_mut_ptr().cast(),
                iov_len: self.packets[i].len(),
            };
            let header = &mut self.headers[i].msg_hdr;
            header.msg_name = std::ptr::from_mut(&mut self.sources[i]).cast();
            header.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            header.msg_iov = std::ptr::from_mut(&mut self.iovecs[i]);
            header.msg_iovlen = 1;
            header.msg_control = std::ptr::null_mut();
            header.msg_controllen = 0;
            header.msg_flags = 0;
            self.headers[i].msg_len = 0;
        }
    }
}

/// Reads up to [`BATCH`] datagrams: blocks for the first, then takes what is already queued.
fn receive(socket: &UdpSocket, buffers: &mut Buffers) -> io::Result<usize> {
    buffers.prepare_receive();
    // SAFETY: every header points at a live iovec over a live packet buffer of the length it
    // states and at a live sockaddr_storage whose size it states (prepare_receive); all of
    // them stay untouched until the call returns. The kernel writes at most that much.
    let received = unsafe {
        libc::recvmmsg(
            socket.as_raw_fd(),
            buffers.headers.as_mut_ptr(),
            BATCH as libc::c_uint,
            libc::MSG_WAITFORONE,
            std::ptr::null_mut(),
        )
    };
    usize::try_from(received).map_err(|_| io::Error::last_os_error())
}

/// Sends the responses of the first `count` datagrams of the batch, each to its source.
fn send(socket: &UdpSocket, buffers: &mut Buffers, count: usize) {
    // Compact the headers to the responses there are: header i of the send is the i-th reply.
    let mut replies = 0;
    for i in 0..count {
        if !buffers.responses[i] {
            continue;
        }
        let response = buffers.writers[i].bytes();
        let namelen = buffers.headers[i].msg_hdr.msg_namelen;
        buffers.iovecs[replies] = libc::iovec {
            iov_base: response.as_ptr().cast_mut().cast(),
            iov_len: response.len(),
        };
        if replies != i {
            buffers.sources[replies] = buffers.sources[i];
        }
        let header = &mut buffers.headers[replies].msg_hdr;
        header.msg_name = std::ptr::from_mut(&mut buffers.sources[replies]).cast();
        header.msg_namelen = namelen;
        header.msg_iov = std::ptr::from_mut(&mut buffers.iovecs[replies]);
        header.msg_iovlen = 1;
        header.msg_control = std::ptr::null_mut();
        header.msg_controllen = 0;
        header.msg_flags = 0;
        replies += 1;
    }
    let mut sent = 0;
    while sent < replies {
        // SAFETY: headers sent..replies point at live iovecs over the responses (which are not
        // touched until the batch is done) and at the live source addresses with the lengths
        // recvmmsg reported.
        let result = unsafe {
            libc::sendmmsg(
                socket.as_raw_fd(),
                buffers.headers[sent..].as_mut_ptr(),
                (replies - sent) as libc::c_uint,
                0,
            )
        };
        match usize::try_from(result) {
            Ok(0) => break,
            Ok(count) => sent += count,
            Err(_) => {
                // The datagram at `sent` failed (e.g. an unreachable destination); skip it.
                debug!(err = %io::Error::last_os_error(), "UDP send failed");
                sent += 1;
            }
        }
    }
}

/// The source address of a received datagram.
fn source_ip(storage: &libc::sockaddr_storage) -> Option<IpAddr> {
    match libc::c_int::from(storage.ss_family) {
        libc::AF_INET => {
            // SAFETY: the kernel wrote a sockaddr_in (ss_family says so), and
            // sockaddr_storage is large enough and aligned for every sockaddr type.
            let v4 = unsafe { &*std::ptr::from_ref(storage).cast::<libc::sockaddr_in>() };
            Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(v4.sin_addr.s_addr))))
        }
        libc::AF_INET6 => {
            // SAFETY: as above, for sockaddr_in6.
            let v6 = unsafe { &*std::ptr::from_ref(storage).cast::<libc::sockaddr_in6>() };
            Some(IpAddr::V6(Ipv6Addr::from(v6.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}

/// Serves one socket until `stop` is set.
fn serve(socket: &UdpSocket, shared: &Shared, stop: &AtomicBool) {
    let mut buffers = Buffers::new();
    let mut generation = shared.catalog.generation();
    let mut catalog = shared.catalog.snapshot();
    while !stop.load(Ordering::Acquire) {
        let count = match receive(socket, &mut buffers) {
            Ok(0) => continue,
            Ok(count) => count,
            Err(err) => {
                if !matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) {
                    // e.g. ICMP errors reported on the socket; nothing to do about them.
                    debug!(%err, "UDP receive failed");
                }
                continue;
            }
        };
        // The generation is read before the snapshot, so the snapshot is at least that new.
        let current = shared.catalog.generation();
        if current != generation {
            generation = current;
            catalog = shared.catalog.snapshot();
        }
        for i in 0..count {
            let len = buffers.headers[i].msg_len as usize;
            let response = match (
                source_ip(&buffers.sources[i]),
                buffers.packets[i].get(..len),
            ) {
                (Some(ip), Some(packet)) => {
                    let client = Client {
                        ip,
                        transport: Transport::Udp,
                        cookie_secret: Some(&shared.cookie_secret),
                        transfer: Some(&shared.catalog),
                    };
                    let writer = &mut buffers.writers[i];
                    answer(&catalog, packet, &client, shared.limiter.as_deref(), writer)
                }
                _ => false,
            };
            buffers.responses[i] = response;
        }
        send(socket, &mut buffers, count);
        buffers.responses[..count].fill(false);
    }
}
