//! Forward-confirmed reverse DNS (FCrDNS): does the host name of a PTR resolve back to the
//! address? Mail receivers check exactly this, so a PTR that fails it is worse than none.
//!
//! A host name in a zone hosted here is answered from the store, including the default names
//! the engine synthesizes for assigned ranges. Any other name is asked of the configured
//! resolver ([`crate::resolver`]), concurrently with a bound, each within the resolver's
//! timeout and all within one budget: a name that cannot be resolved is `unknown`, never a
//! hang. No pooled connection is held while a query is out (see [`super::outbound`]).

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use dns_engine::model::LowerName;
use dns_engine::zone::synth::{Network, Template};
use frontend::api::rdns::Fcrdns;
use futures::stream::{self, StreamExt};
use hickory_proto::rr::Name;
use sqlx::{PgConnection, PgPool};

use super::outbound::FCRDNS_BUDGET;

use crate::resolver::{Resolution, Resolver};

/// How many names are resolved at once through the external resolver.
pub const CONCURRENCY: usize = 32;

/// How many CNAMEs are followed inside the hosted zones.
const MAX_CHAIN: usize = 8;

/// The verdict on one PTR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub state: Fcrdns,
    /// For people: "mail.example.com. resolves to 198.51.100.7, not 198.51.100.1".
    pub detail: String,
    /// Problems that do not block a save.
    pub warnings: Vec<String>,
}

/// What the forward side of a name says.
#[derive(Debug, Clone)]
enum Forward {
    Addresses(Vec<IpAddr>),
    NxDomain,
    Unknown(String),
}

/// The forward data of the hosted zones that a set of names needs, read in a few statements.
struct Hosted {
    /// Zone names (canonical, absolute) hosted here among the suffixes of the names asked.
    zones: HashSet<String>,
    /// name → (type, content) of its A, AAAA and CNAME rows.
    rows: HashMap<String, Vec<(String, String)>>,
    /// Names with any row at all (existence).
    existing: HashSet<String>,
    /// Default-name templates with the ranges whose addresses they name.
    defaults: Vec<(Template, Network)>,
}

fn suffixes(name: &str) -> impl Iterator<Item = &str> {
    let trimmed = name.trim_end_matches('.');
    std::iter::successors(Some(trimmed), |n| n.split_once('.').map(|(_, rest)| rest))
        .filter(|n| !n.is_empty())
        .map(move |n| &name[name.len() - n.len() - 1..])
}

impl Hosted {
    async fn load(conn: &mut PgConnection, names: &[String]) -> sqlx::Result<Self> {
        let mut candidates: HashSet<&str> = HashSet::new();
        for name in names {
            candidates.extend(suffixes(name));
        }
        let candidates: Vec<String> = candidates.into_iter().map(str::to_owned).collect();
        let zones: HashSet<String> =
            sqlx::query_scalar!("select name from zone where name = any($1)", &candidates)
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .collect();
        let rows = sqlx::query!(
            "select name, type, content from record where name = any($1)",
            names
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut by_name: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let mut existing = HashSet::new();
        for row in rows {
            existing.insert(row.name.clone());
            if matches!(row.r#type.as_str(), "A" | "AAAA" | "CNAME") {
                by_name
                    .entry(row.name)
                    .or_default()
                    .push((row.r#type, row.content));
            }
        }
        let defaults = sqlx::query!(
            r#"select rz.template, family(rz.network) = 4 as "v4!", r.network::text as "range!"
                 from ip_range r join reverse_zone rz on rz.zone_id = r.zone_id
                where r.delegate_ns is null"#
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some((
                Template::parse(&row.template, row.v4).ok()?,
                row.range.parse::<Network>().ok()?,
            ))
        })
        .collect();
        Ok(Self {
            zones,
            rows: by_name,
            existing,
            defaults,
        })
    }

    /// Whether `name` lies in a zone hosted here.
    fn hosts(&self, name: &str) -> bool {
        suffixes(name).any(|s| self.zones.contains(s))
    }

    /// The forward answer for a hosted name: its addresses of one family, following CNAMEs
    /// that stay in the hosted zones; `None` when a CNAME leads out of them.
    fn forward(&self, name: &str, v4: bool) -> Option<(String, Forward)> {
        let mut name = name.to_owned();
        for _ in 0..MAX_CHAIN {
            let rows = self.rows.get(&name);
            if let Some(target) = rows.and_then(|rows| {
                rows.iter()
                    .find(|(t, _)| t == "CNAME")
                    .map(|(_, c)| c.to_ascii_lowercase())
            }) {
                if !self.hosts(&target) {
                    return Some((target, Forward::Unknown(String::new())));
                }
                name = target;
                continue;
            }
            let want = if v4 { "A" } else { "AAAA" };
            let mut addresses: Vec<IpAddr> = rows
                .into_iter()
                .flatten()
                .filter(|(t, _)| t == want)
                .filter_map(|(_, c)| c.parse().ok())
                .collect();
            if addresses.is_empty() {
                if let Some(addr) = self.default_address(&name) {
                    if addr.is_ipv4() == v4 {
                        addresses.push(addr);
                    }
                }
            }
            let exists = !addresses.is_empty()
                || self.existing.contains(&name)
                || self.default_address(&name).is_some();
            return Some((
                name,
                if exists {
                    Forward::Addresses(addresses)
                } else {
                    Forward::NxDomain
                },
            ));
        }
        Some((name, Forward::Unknown("the CNAME chain is too long".into())))
    }

    /// The address a default name stands for, when it is one.
    fn default_address(&self, name: &str) -> Option<IpAddr> {
        let lower = LowerName::new(&Name::from_ascii(name).ok()?);
        self.defaults.iter().find_map(|(template, range)| {
            template
                .address_of(&lower)
                .filter(|addr| range.contains(*addr))
        })
    }
}

fn verdict(host: &str, addr: IpAddr, forward: &Forward) -> Verdict {
    let family = if addr.is_ipv4() { "A" } else { "AAAA" };
    let (state, detail) = match forward {
        Forward::Addresses(found) if found.contains(&addr) => {
            (Fcrdns::Pass, format!("{host} resolves to {addr}"))
        }
        Forward::Addresses(found) if found.is_empty() => (
            Fcrdns::Fail,
            format!("{host} has no {family} record, so it does not resolve to {addr}"),
        ),
        Forward::Addresses(found) => (
            Fcrdns::Fail,
            format!(
                "{host} resolves to {}, not {addr}",
                found
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Forward::NxDomain => (
            Fcrdns::Fail,
            format!("{host} does not exist, so it does not resolve to {addr}"),
        ),
        Forward::Unknown(reason) => (
            Fcrdns::Unknown,
            format!("{host} could not be resolved: {reason}"),
        ),
    };
    Verdict {
        state,
        detail,
        warnings: Vec::new(),
    }
}

/// Checks every `(address, host name)` pair (host names canonical: lower case, absolute).
/// Hosted names are read through `conn`; the others are resolved through `resolver`.
///
/// The store is read first and its connection returned before any query is sent, and all
/// lookups of one call share [`FCRDNS_BUDGET`]: a silent resolver costs this request that
/// long at most, and costs the other customers nothing (see `service::outbound`).
pub async fn check(
    pool: &PgPool,
    resolver: &Arc<Resolver>,
    items: &[(IpAddr, String)],
) -> sqlx::Result<Vec<Verdict>> {
    let mut names: Vec<String> = items.iter().map(|(_, h)| h.clone()).collect();
    names.sort_unstable();
    names.dedup();
    let hosted = {
        let mut conn = pool.acquire().await?;
        Hosted::load(&mut conn, &names).await?
    };
    let deadline = tokio::time::Instant::now() + FCRDNS_BUDGET;

    // Forward answers per (name, family); external ones are resolved concurrently.
    let mut answers: HashMap<(String, bool), Forward> = HashMap::new();
    let mut external: HashSet<(String, bool)> = HashSet::new();
    for (addr, host) in items {
        let key = (host.clone(), addr.is_ipv4());
        if answers.contains_key(&key) || external.contains(&key) {
            continue;
        }
        match hosted
            .hosts(host)
            .then(|| hosted.forward(host, key.1))
            .flatten()
        {
            Some((_, Forward::Unknown(reason))) if reason.is_empty() => {
                external.insert(key);
            }
            Some((_, forward)) => {
                answers.insert(key, forward);
            }
            None => {
                external.insert(key);
            }
        }
    }
    let resolved: Vec<((String, bool), Forward)> = stream::iter(external)
        .map(|(host, v4)| {
            let resolver = resolver.clone();
            async move {
                let forward = match Name::from_ascii(&host) {
                    Ok(name) => match resolver.addresses(&name, v4).await {
                        Resolution::Addresses(found) => Forward::Addresses(found),
                        Resolution::NxDomain => Forward::NxDomain,
                        Resolution::Failed(reason) => Forward::Unknown(reason),
                    },
                    Err(e) => Forward::Unknown(e.to_string()),
                };
                ((host, v4), forward)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .take_until(tokio::time::sleep_until(deadline))
        .collect()
        .await;
    // Registrable domains of names that do not exist: warn when the domain itself is missing.
    let mut missing_domains: HashSet<String> = HashSet::new();
    for ((host, _), forward) in &resolved {
        if matches!(forward, Forward::NxDomain) {
            if let Some(domain) = psl::domain_str(host.trim_end_matches('.')) {
                missing_domains.insert(format!("{domain}."));
            }
        }
    }
    let domain_exists: HashMap<String, Option<bool>> = stream::iter(missing_domains)
        .map(|domain| {
            let resolver = resolver.clone();
            async move {
                let exists = match Name::from_ascii(&domain) {
                    Ok(name) => resolver.exists(&name).await,
                    Err(_) => None,
                };
                (domain, exists)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .take_until(tokio::time::sleep_until(deadline))
        .collect()
        .await;
    answers.extend(resolved);

    Ok(items
        .iter()
        .map(|(addr, host)| {
            let forward = answers
                .get(&(host.clone(), addr.is_ipv4()))
                .cloned()
                .unwrap_or_else(|| {
                    Forward::Unknown(format!(
                        "not resolved within the {} s a check may take",
                        FCRDNS_BUDGET.as_secs()
                    ))
                });
            let mut v = verdict(host, *addr, &forward);
            if let Some(domain) = psl::domain_str(host.trim_end_matches('.')) {
                if domain_exists.get(&format!("{domain}.")) == Some(&Some(false)) {
                    v.warnings.push(format!(
                        "the domain {domain}. does not exist; register it or use a name in a domain you hold"
                    ));
                }
            }
            if looks_generated(host, *addr) {
                v.warnings.push(format!(
                    "{host} looks auto-generated; mail receivers often treat such names as dynamic addresses — prefer a name like mail.example.com."
                ));
            }
            v
        })
        .collect())
}

/// Words that generic reverse names of access networks use.
const GENERIC_WORDS: &[&str] = &[
    "dynamic",
    "dyn",
    "dhcp",
    "pool",
    "ppp",
    "pppoe",
    "dsl",
    "adsl",
    "xdsl",
    "dialup",
    "dial",
    "cable",
    "broadband",
    "unassigned",
];

/// Whether a host name looks generated from its address (`203-0-113-7.example.net`,
/// `host7.113.0.203.example.net`) or says it is a dynamic access address (`dhcp-…`, `pool-…`).
pub fn looks_generated(host: &str, addr: IpAddr) -> bool {
    let lower = host.to_ascii_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.iter().any(|t| GENERIC_WORDS.contains(t)) {
        return true;
    }
    match addr {
        IpAddr::V4(v4) => {
            // Three or more of the address's octets spelled out as tokens (or prefixes of tokens
            // such as `host7`): the name was made from the address.
            let octets = v4.octets().map(|o| o.to_string());
            let numeric: Vec<String> = tokens
                .iter()
                .map(|t| {
                    t.trim_start_matches(|c: char| c.is_ascii_alphabetic())
                        .to_owned()
                })
                .collect();
            octets.iter().filter(|o| numeric.contains(o)).count() >= 3
        }
        IpAddr::V6(v6) => {
            let groups: Vec<String> = v6
                .segments()
                .iter()
                .filter(|s| **s != 0)
                .map(|s| format!("{s:x}"))
                .collect();
            let flat: String = v6.segments().iter().map(|s| format!("{s:04x}")).collect();
            lower.replace(['.', '-'], "").contains(&flat)
                || groups
                    .iter()
                    .filter(|g| tokens.contains(&g.as_str()))
                    .count()
                    >= 3
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_of_a_name() {
        let all: Vec<&str> = suffixes("mail.example.com.").collect();
        assert_eq!(all, ["mail.example.com.", "example.com.", "com."]);
    }

    #[test]
    fn generated_looking_names() {
        let v4: IpAddr = "203.0.113.7".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert!(looks_generated("203-0-113-7.example.net.", v4));
        assert!(looks_generated("host7.113.0.203.example.net.", v4));
        assert!(looks_generated("dhcp-client.example.net.", v4));
        assert!(!looks_generated("mail.example.com.", v4));
        assert!(!looks_generated("mx1.example.com.", v4));
        let v6: IpAddr = "2001:db8::25".parse().unwrap_or(IpAddr::from([0; 16]));
        assert!(looks_generated("2001-db8-0-25.example.net.", v6));
        assert!(looks_generated(
            "20010db8000000000000000000000025.example.net.",
            v6
        ));
        assert!(!looks_generated("mail.example.com.", v6));
    }

    #[test]
    fn verdict_messages() {
        let addr: IpAddr = "198.51.100.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let other: IpAddr = "198.51.100.7".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let v = verdict("mail.example.com.", addr, &Forward::Addresses(vec![other]));
        assert_eq!(v.state, Fcrdns::Fail);
        assert_eq!(
            v.detail,
            "mail.example.com. resolves to 198.51.100.7, not 198.51.100.1"
        );
        assert_eq!(
            verdict("mail.example.com.", addr, &Forward::Addresses(vec![addr])).state,
            Fcrdns::Pass
        );
        assert_eq!(
            verdict(
                "mail.example.com.",
                addr,
                &Forward::Unknown("timeout".into())
            )
            .state,
            Fcrdns::Unknown
        );
        assert_eq!(
            verdict("mail.example.com.", addr, &Forward::NxDomain).state,
            Fcrdns::Fail
        );
    }
}
