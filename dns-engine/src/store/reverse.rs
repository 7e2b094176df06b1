//! Reverse zones: what they serve besides record rows — one PTR per `ptr` row, the CNAMEs and
//! NS of RFC 2317 delegations — and the rules that synthesize default names; the zone holding
//! a template's domain gets the rules that answer those names' addresses.

use std::sync::Arc;

use hickory_proto::rr::Name;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::join;
use crate::model::validate_rrset;
use crate::zone::synth::{reverse_text, Network, Synth, SynthRule, Template};
use crate::Rrset;

/// A reverse zone's network and template, and the ranges assigned in it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ReverseZoneRow {
    zone_id: i64,
    name: String,
    network: String,
    template: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct RangeRow {
    zone_id: i64,
    network: String,
    delegate_ns: Option<Vec<String>>,
}

/// One PTR row, with its reverse zone's id.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct PtrRow {
    pub(super) zone_id: i64,
    address: String,
    hostname: String,
    ttl: i32,
}

#[derive(Debug)]
struct ReverseZone {
    zone_id: i64,
    name: String,
    template: Option<Arc<Template>>,
    /// Ranges served from here (default names synthesized, PTRs stored).
    served: Vec<Network>,
    /// RFC 2317 delegations: the range and its name servers.
    delegated: Vec<(Network, Vec<String>)>,
}

/// Everything about reverse DNS except the PTR rows: small (one row per reverse zone and per
/// assigned range), so every reload reads all of it.
#[derive(Debug, Default)]
pub(super) struct ReverseData {
    zones: Vec<ReverseZone>,
    /// What `zones` was made from, as read (what a node's state directory keeps).
    rows: ReverseRows,
}

/// The rows [`ReverseData`] is made from.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct ReverseRows {
    zones: Vec<ReverseZoneRow>,
    ranges: Vec<RangeRow>,
}

/// The PTR rows of one reverse zone, or (`None`) of every zone that has not published its
/// records — the only ones a full load builds from their rows (ordered by zone).
pub(super) async fn ptrs(
    conn: &mut PgConnection,
    zone_id: Option<i64>,
) -> Result<Vec<PtrRow>, sqlx::Error> {
    sqlx::query_as!(
        PtrRow,
        r#"select r.zone_id, host(p.address) as "address!", p.hostname, p.ttl
             from ptr p join ip_range r on r.id = p.range_id join zone z on z.id = r.zone_id
            where case when $1::bigint is null then not z.published else r.zone_id = $1 end
            order by r.zone_id"#,
        zone_id
    )
    .fetch_all(conn)
    .await
}

impl ReverseData {
    pub(super) async fn load(conn: &mut PgConnection) -> Result<Self, sqlx::Error> {
        let zones = sqlx::query_as!(
            ReverseZoneRow,
            r#"select rz.zone_id, z.name, rz.network::text as "network!", rz.template
                 from reverse_zone rz join zone z on z.id = rz.zone_id"#
        )
        .fetch_all(&mut *conn)
        .await?;
        let ranges = sqlx::query_as!(
            RangeRow,
            r#"select zone_id, network::text as "network!", delegate_ns from ip_range"#
        )
        .fetch_all(&mut *conn)
        .await?;
        Ok(Self::from_rows(ReverseRows { zones, ranges }))
    }

    /// The rows this was made from.
    pub(super) fn rows(&self) -> &ReverseRows {
        &self.rows
    }

    /// Parses the rows; what cannot be parsed is logged and left out.
    pub(super) fn from_rows(rows: ReverseRows) -> Self {
        let mut out = Vec::with_capacity(rows.zones.len());
        for z in &rows.zones {
            let v4 = z.network.contains('.');
            let template = match Template::parse(&z.template, v4) {
                Ok(t) => Some(Arc::new(t)),
                Err(e) => {
                    tracing::warn!(zone = %z.name, error = %e, "invalid default-name template; no default names served");
                    None
                }
            };
            let mut served = Vec::new();
            let mut delegated = Vec::new();
            for r in rows.ranges.iter().filter(|r| r.zone_id == z.zone_id) {
                let Ok(net) = r.network.parse::<Network>() else {
                    tracing::warn!(range = %r.network, "unparsable range skipped");
                    continue;
                };
                match &r.delegate_ns {
                    Some(ns) => delegated.push((net, ns.clone())),
                    None => served.push(net),
                }
            }
            out.push(ReverseZone {
                zone_id: z.zone_id,
                name: z.name.clone(),
                template,
                served,
                delegated,
            });
        }
        Self { zones: out, rows }
    }

    /// The records and synthesis rules zone `zone_id` (named `origin`) gets besides its rows.
    pub(super) fn extras(
        &self,
        zone_id: i64,
        origin: &Name,
        ttl: i32,
        ptrs: &[PtrRow],
    ) -> (Vec<Rrset>, Synth, usize) {
        let mut rrsets = Vec::new();
        let mut skipped = 0;
        if let Some(rz) = self.zones.iter().find(|z| z.zone_id == zone_id) {
            for ptr in ptrs {
                let owner = match ptr.address.parse() {
                    Ok(addr) => reverse_text(addr),
                    Err(_) => {
                        skipped += 1;
                        continue;
                    }
                };
                match validate_rrset(origin, &owner, "PTR", i64::from(ptr.ttl), &[&ptr.hostname]) {
                    Ok(rrset) => rrsets.push(rrset),
                    Err(errors) => {
                        tracing::warn!(zone = %rz.name, address = %ptr.address, errors = %join(&errors), "invalid PTR row skipped");
                        skipped += 1;
                    }
                }
            }
            for (net, ns) in &rz.delegated {
                rrsets.extend(classless_delegation(origin, net, ns, ttl));
            }
        }
        (rrsets, self.synth(zone_id, origin, ttl), skipped)
    }

    /// The synthesis rules of zone `zone_id` (named `origin`, its SOA's TTL `ttl`): default
    /// reverse names of its served ranges, and the addresses of default names in its domain.
    pub(super) fn synth(&self, zone_id: i64, origin: &Name, ttl: i32) -> Synth {
        let mut rules = Vec::new();
        let ttl_u = u32::try_from(ttl).unwrap_or(3600);
        if let Some(rz) = self.zones.iter().find(|z| z.zone_id == zone_id) {
            if let Some(template) = &rz.template {
                rules.extend(rz.served.iter().map(|range| SynthRule::Ptr {
                    range: *range,
                    template: template.clone(),
                    ttl: ttl_u,
                }));
            }
        }
        // Default names whose domain lies in this zone resolve to their address here.
        for rz in &self.zones {
            let Some(template) = &rz.template else {
                continue;
            };
            if origin.zone_of(template.domain()) && !rz.served.is_empty() {
                rules.push(SynthRule::Address {
                    template: template.clone(),
                    ranges: rz.served.clone(),
                    ttl: ttl_u,
                });
            }
        }
        Synth::new(rules)
    }
}

/// RFC 2317 §4: the parent of a classless delegation holds NS records for a child label
/// (`<first>-<prefix length>`, e.g. `0-26.113.0.203.in-addr.arpa.`; RFC 2317 allows any label
/// and a hyphen keeps it a host name) and, for every address of the range, a CNAME from the
/// address's usual name into that child zone.
fn classless_delegation(origin: &Name, net: &Network, ns: &[String], ttl: i32) -> Vec<Rrset> {
    let std::net::IpAddr::V4(first) = net.addr() else {
        return Vec::new();
    };
    let [a, b, c, d] = first.octets();
    let child = format!("{d}-{}.{c}.{b}.{a}.in-addr.arpa.", net.prefix_len());
    let mut out = Vec::new();
    match validate_rrset(origin, &child, "NS", i64::from(ttl), ns) {
        Ok(rrset) => out.push(rrset),
        Err(errors) => {
            tracing::warn!(range = %net, errors = %join(&errors), "RFC 2317 NS skipped");
            return out;
        }
    }
    let count = u32::try_from(net.size()).unwrap_or(0);
    for i in 0..count {
        let host = u32::from(d) + i;
        let owner = format!("{host}.{c}.{b}.{a}.in-addr.arpa.");
        let target = format!("{host}.{child}");
        if let Ok(rrset) = validate_rrset(origin, &owner, "CNAME", i64::from(ttl), &[target]) {
            out.push(rrset);
        }
    }
    out
}
