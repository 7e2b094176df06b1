//! Command line and environment: every setting is a flag with an environment variable
//! (`#[arg(long, env)]`), so the same binary is configured the same way by hand, by systemd
//! and by the test harness.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "zonekeeper", version, about = "DNS hosting control panel")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web console, the REST API and the DNS engine.
    Serve(Box<ServeArgs>),
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

/// Where the database is: an external server (`DATABASE_URL`) or the private cluster in the
/// data directory. Shared by `serve` and the admin commands, so both always agree.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Data directory; holds the private PostgreSQL cluster when no DATABASE_URL is given.
    #[arg(long, env = "ZONEKEEPER_DATA_DIR", default_value = "./var")]
    pub data_dir: PathBuf,
    /// PostgreSQL URL. When set, that server is used and no private cluster is started.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<crate::secret::Secret>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Address of the web console and REST API.
    #[arg(long, env = "ZONEKEEPER_HTTP_ADDR", default_value = "127.0.0.1:8080")]
    pub http_addr: SocketAddr,
    /// Address of the DNS engine (UDP and TCP).
    #[arg(long, env = "ZONEKEEPER_DNS_ADDR", default_value = "127.0.0.1:1053")]
    pub dns_addr: SocketAddr,
    /// The URL users reach the console at, e.g. https://dns.example.net. Its origin is the one
    /// that state-changing browser requests must come from, and an https URL marks the
    /// session cookie Secure. Default: http://<http-addr>.
    #[arg(long, env = "ZONEKEEPER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Email of the admin account created on first start.
    #[arg(
        long,
        env = "ZONEKEEPER_ADMIN_EMAIL",
        default_value = "admin@localhost"
    )]
    pub admin_email: String,
    /// Password of the admin account created on first start. When unset, one is generated
    /// and printed once.
    #[arg(long, env = "ZONEKEEPER_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<crate::secret::Secret>,
    /// Idle timeout of a browser session, in minutes.
    #[arg(long, env = "ZONEKEEPER_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u32,
    /// Absolute lifetime of a browser session, in hours, however active it is.
    #[arg(long, env = "ZONEKEEPER_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u32,
    /// The recursive resolver (address, or address:port) that FCrDNS asks about host names not
    /// hosted here. Default: the first nameserver of /etc/resolv.conf.
    #[arg(long, env = "ZONEKEEPER_RESOLVER", value_parser = parse_resolver)]
    pub resolver: Option<SocketAddr>,
    /// How long FCrDNS waits for the resolver before calling a name "unknown", in milliseconds.
    #[arg(long, env = "ZONEKEEPER_RESOLVER_TIMEOUT_MS", default_value_t = 2000)]
    pub resolver_timeout_ms: u64,
    /// The port Zonekeeper asks authoritative name servers on when it checks a DS record
    /// against the child zone's DNSKEY. 53 everywhere but in tests and unusual setups.
    #[arg(long, env = "ZONEKEEPER_NAMESERVER_PORT", default_value_t = 53)]
    pub nameserver_port: u16,
    /// How many password checks (argon2id, 19 MiB each) run at once; further logins wait up
    /// to 2 s for a turn and are then answered 503. Bounds the memory a login flood can take.
    #[arg(long, env = "ZONEKEEPER_LOGIN_CONCURRENCY", default_value_t = 4)]
    pub login_concurrency: usize,
    /// Let DS checks ask name servers at loopback, private, link-local and other
    /// special-purpose addresses (RFC 6890). Off by default: a customer's glue must not make
    /// Zonekeeper probe the provider's own networks. For tests and lab setups.
    #[arg(long, env = "ZONEKEEPER_ALLOW_LOCAL_TARGETS")]
    pub allow_local_targets: bool,
    /// HTTP connections served at once; past it, new ones wait until one closes.
    #[arg(long, env = "ZONEKEEPER_HTTP_MAX_CONNECTIONS", default_value_t = 1024)]
    pub http_max_connections: usize,
    /// Seconds a client gets to send the head of each request (and an idle keep-alive
    /// connection to start its next one) before the connection is closed.
    #[arg(
        long,
        env = "ZONEKEEPER_HTTP_HEADER_TIMEOUT_SECS",
        default_value_t = 10
    )]
    pub http_header_timeout_secs: u64,
    /// The catalog zone (RFC 9432) that lists every hosted zone for the secondaries that
    /// consume it (Knot, BIND). Only secondaries may query or transfer it.
    #[arg(long, env = "ZONEKEEPER_CATALOG_ZONE", default_value = crate::primary::DEFAULT_CATALOG_ZONE)]
    pub catalog_zone: String,
    /// Response rate limiting and DNS Cookies of the embedded DNS engine (on by default).
    #[command(flatten)]
    pub dns_edge: dns_engine::args::EdgeArgs,
}

/// `192.0.2.53`, `192.0.2.53:5353`, `2001:db8::53` or `[2001:db8::53]:5353`; port 53 when none.
fn parse_resolver(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.parse::<std::net::IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("\"{text}\" is not an address or address:port"))
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from stdin when stdin is not a terminal,
    /// otherwise generated and printed.
    Create {
        #[command(flatten)]
        db: DatabaseArgs,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: CliRole,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an account and print it once.
    Create {
        #[command(flatten)]
        db: DatabaseArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Allow only reads (GET).
        #[arg(long)]
        read_only: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CliRole {
    Admin,
    Customer,
}

impl From<CliRole> for frontend::api::types::Role {
    fn from(r: CliRole) -> Self {
        match r {
            CliRole::Admin => frontend::api::types::Role::Admin,
            CliRole::Customer => frontend::api::types::Role::Customer,
        }
    }
}
