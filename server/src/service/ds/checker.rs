//! The live check's reach: the domain's name servers, asked within bounds.

use super::*;

pub(super) fn now_unix() -> u32 {
    u32::try_from(OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(u32::MAX)
}

impl Checker {
    /// The addresses of the domain's authoritative servers: the NS at the delegation when the
    /// parent is hosted here, otherwise the NS the resolver finds; each server's addresses
    /// from the store when a hosted zone has them (glue included), otherwise the resolver's.
    ///
    /// The store is read with a connection that is returned before any query goes out, and
    /// special-purpose addresses (loopback, private, …) are not asked unless the operator
    /// allows local targets: a customer's glue must not make this server probe its own
    /// networks (see [`super::outbound`]). At most [`MAX_DS_SERVERS`] addresses are asked.
    pub(super) async fn nameservers(
        &self,
        pool: &PgPool,
        domain: &str,
    ) -> Result<Vec<SocketAddr>, String> {
        let from_parent = {
            let mut conn = pool.acquire().await.map_err(|e| e.to_string())?;
            parent_zone(&mut conn, domain)
                .await
                .map_err(|e| e.to_string())?
                .filter(|p| p.delegated)
                .map(|p| p.ns)
        };
        let hosts: Vec<String> = match from_parent {
            Some(ns) => ns,
            None => {
                let name = Name::from_ascii(domain).map_err(|e| e.to_string())?;
                self.resolver
                    .ns_names(&name)
                    .await
                    .map_err(|why| format!("the name servers of {domain} are unknown: {why}"))?
                    .iter()
                    .map(|n| n.to_ascii())
                    .collect()
            }
        };
        if hosts.is_empty() {
            return Err(format!("{domain} has no NS records"));
        }
        let hosts: Vec<String> = hosts
            .into_iter()
            .map(|h| {
                let mut h = h.to_lowercase();
                if !h.ends_with('.') {
                    h.push('.');
                }
                h
            })
            .collect();
        let stored = sqlx::query!(
            "select name, content from record where name = any($1) and type in ('A', 'AAAA')
              order by name, type, id",
            &hosts
        )
        .fetch_all(pool)
        .await
        .map_err(|e| e.to_string())?;
        let mut found: Vec<IpAddr> = Vec::new();
        for host in &hosts {
            let mut of_host: Vec<IpAddr> = stored
                .iter()
                .filter(|r| &r.name == host)
                .filter_map(|r| r.content.parse().ok())
                .collect();
            if of_host.is_empty() {
                if let Ok(name) = Name::from_ascii(host) {
                    for v4 in [true, false] {
                        if let Resolution::Addresses(a) = self.resolver.addresses(&name, v4).await {
                            of_host.extend(a);
                        }
                    }
                }
            }
            found.extend(of_host);
        }
        found.dedup();
        let mut refused: Vec<String> = Vec::new();
        let mut addrs: Vec<SocketAddr> = Vec::new();
        for ip in found {
            match special_purpose(ip).filter(|_| !self.allow_local_targets) {
                Some(kind) => refused.push(format!("{ip} ({kind})")),
                None if addrs.len() < MAX_DS_SERVERS => {
                    addrs.push(SocketAddr::new(ip, self.nameserver_port))
                }
                None => {}
            }
        }
        if addrs.is_empty() {
            return Err(if refused.is_empty() {
                format!(
                    "no address found for the name servers of {domain} ({})",
                    hosts.join(", ")
                )
            } else {
                format!(
                    "the name servers of {domain} have only addresses that are not queried from \
                     here: {}",
                    refused.join(", ")
                )
            });
        }
        Ok(addrs)
    }

    /// The live check of `ds` against the domain's servers, one result per record, within
    /// [`DS_BUDGET`] in all.
    pub(super) async fn check(
        &self,
        pool: &PgPool,
        domain: &str,
        ds: &[DsData],
    ) -> Vec<CheckResult> {
        let unreachable = |reason: String| {
            ds.iter()
                .map(|_| CheckResult {
                    state: CheckState::Unreachable,
                    reason: reason.clone(),
                })
                .collect()
        };
        let name = match Name::from_ascii(domain) {
            Ok(n) => n,
            Err(e) => return unreachable(e.to_string()),
        };
        let work = async {
            match self.nameservers(pool, domain).await {
                Ok(servers) => {
                    dscheck::check_all(&name, ds, &servers, self.timeout, now_unix()).await
                }
                Err(why) => unreachable(why),
            }
        };
        match tokio::time::timeout(DS_BUDGET, work).await {
            Ok(results) => results,
            Err(_) => unreachable(format!(
                "the name servers of {domain} did not answer within the {} s a check may take",
                DS_BUDGET.as_secs()
            )),
        }
    }
}
