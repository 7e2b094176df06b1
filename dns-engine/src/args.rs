//! The command-line settings of the engine's UDP edge — response rate limiting and DNS
//! Cookies — shared by the standalone `dns-engine` and `zonekeeper serve`, so that both take
//! the same flags and environment variables, with the same defaults.

use crate::cookie::CookieSecret;
use crate::rrl::{
    RrlConfig, DEFAULT_IPV4_PREFIX, DEFAULT_IPV6_PREFIX, DEFAULT_RATELIMIT, DEFAULT_SLIP,
};
use crate::zone::synth::Network;

/// Rate limiting and cookies (flattened into a clap parser with `#[command(flatten)]`).
#[derive(Debug, Clone, clap::Args)]
pub struct EdgeArgs {
    /// Response rate limiting: UDP responses per second allowed to one client network for one
    /// answer (0 turns rate limiting off).
    #[arg(long, env = "ZONEKEEPER_RRL_RATELIMIT", default_value_t = DEFAULT_RATELIMIT)]
    pub rrl_ratelimit: u32,

    /// Of the responses over the rate limit, every this many is sent truncated so that real
    /// clients retry over TCP; the rest are dropped (0 drops all, 1 truncates all).
    #[arg(long, env = "ZONEKEEPER_RRL_SLIP", default_value_t = DEFAULT_SLIP)]
    pub rrl_slip: u32,

    /// IPv4 clients within one network of this prefix length are rate limited together.
    #[arg(long, env = "ZONEKEEPER_RRL_IPV4_PREFIX", default_value_t = DEFAULT_IPV4_PREFIX,
          value_parser = clap::value_parser!(u8).range(0..=32))]
    pub rrl_ipv4_prefix: u8,

    /// IPv6 clients within one network of this prefix length are rate limited together.
    #[arg(long, env = "ZONEKEEPER_RRL_IPV6_PREFIX", default_value_t = DEFAULT_IPV6_PREFIX,
          value_parser = clap::value_parser!(u8).range(0..=128))]
    pub rrl_ipv6_prefix: u8,

    /// A network (`192.0.2.0/24`, `2001:db8::/32`, or one address) that is never rate limited,
    /// such as monitoring; repeat the flag, or separate them with commas in the variable.
    #[arg(long, env = "ZONEKEEPER_RRL_EXEMPT", value_delimiter = ',')]
    pub rrl_exempt: Vec<Network>,

    /// How many threads serve DNS over UDP, each with its own socket on the DNS port
    /// (`SO_REUSEPORT`); default: one per core.
    #[arg(long, env = "ZONEKEEPER_DNS_WORKERS", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub dns_workers: Option<u16>,

    /// The 16-octet secret for DNS server cookies, as 32 hex digits (RFC 9018); share it
    /// between the nodes of an anycast set. Without it each start draws a random one.
    #[arg(long, env = "ZONEKEEPER_COOKIE_SECRET", hide_env_values = true)]
    pub cookie_secret: Option<CookieSecret>,
}

impl EdgeArgs {
    /// How many UDP workers to run.
    pub fn udp_workers(&self) -> usize {
        self.dns_workers
            .map_or_else(crate::server::default_udp_workers, usize::from)
    }

    /// The rate limiter's configuration these flags describe.
    pub fn rrl(&self) -> RrlConfig {
        RrlConfig {
            ratelimit: self.rrl_ratelimit,
            slip: self.rrl_slip,
            ipv4_prefix: self.rrl_ipv4_prefix,
            ipv6_prefix: self.rrl_ipv6_prefix,
            exempt: self.rrl_exempt.clone(),
            ..RrlConfig::default()
        }
    }
}
