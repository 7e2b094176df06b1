//! Keeping the DNS engine's catalog equal to the store.
//!
//! The store is the truth; the engine serves immutable per-zone snapshots. At start
//! [`ZoneSync::start`] LISTENs on [`CHANGE_CHANNEL`] and then loads every zone ([`load_all`]),
//! so the catalog is complete before the first query is answered and no change can fall into
//! the gap between loading and listening. After that, each committed change arrives as a
//! notification carrying the zone's name; the zone is re-read in one statement (one MVCC
//! snapshot, so never half a change) and swapped into the catalog whole, or removed when its
//! row is gone.
//!
//! Two tasks split the work: the *listener* only moves notifications into a queue, the
//! *worker* drains the queue, so a burst of notifications for one zone costs one reload. When
//! the LISTEN connection drops (Postgres restarted, the backend was killed), the engine keeps
//! answering from its last snapshots while the listener reconnects with backoff; notifications
//! sent meanwhile are lost (Postgres does not queue them for absent listeners), so after a
//! reconnect every zone is reloaded.
//!
//! Reverse zones add what is not record rows: one PTR per `ptr` row, the CNAMEs and NS of RFC
//! 2317 delegations, and the rules that synthesize default names ([`ReverseData`]); the zone
//! holding a template's domain gets the rules that answer those names' addresses.
//!
//! A row the engine cannot parse costs only its RRset (logged and skipped); a zone that cannot
//! be built at all (no valid SOA) keeps its previous snapshot. Nothing here panics, and no lock
//! is held across an `.await` (the catalog's own locks are taken only inside its synchronous
//! methods).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dns_engine::catalog::Catalog;
use dns_engine::dnssec::ZoneKey;
use dns_engine::model::validate_rrset;
use dns_engine::xfr::{Delta, Journal};
use dns_engine::zone::synth::{reverse_name, Network, Synth, SynthRule, Template};
use dns_engine::{Rrset, SharedCatalog, Zone};
use hickory_proto::rr::Name;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::service::ds::PublishedDs;
use crate::service::zones::CHANGE_CHANNEL;

/// First wait before reconnecting or retrying a failed reload; doubled up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// What a full load did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadStats {
    /// Zones now served from fresh data.
    pub zones: usize,
    /// Records served, the SOA of each zone included.
    pub records: usize,
    /// RRsets left out because a row failed validation.
    pub skipped_rrsets: usize,
    /// Zones that could not be built; each keeps its previous snapshot, if it had one.
    pub failed_zones: usize,
    /// Zones that were served before and are gone from the store.
    pub removed_zones: usize,
    /// Wall time of the load: queries, building, swap.
    pub elapsed: Duration,
}

/// What reloading one zone did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneReload {
    /// A new snapshot is served, with this serial.
    Loaded { serial: u32, records: usize },
    /// The zone is not in the store (any more); it is not served.
    Removed,
    /// The zone's data could not be built into a zone; the previous snapshot (if any) stays.
    Kept,
}

/// The zone columns the SOA is built from.
#[derive(Clone, Debug, sqlx::FromRow)]
struct ZoneRow {
    name: String,
    serial: i64,
    soa_mname: String,
    soa_rname: String,
    soa_refresh: i32,
    soa_retry: i32,
    soa_expire: i32,
    soa_minimum: i32,
    soa_ttl: i32,
}

/// A zone row of [`load_all`], with its id.
#[derive(sqlx::FromRow)]
struct ZoneIdRow {
    id: i64,
    #[sqlx(flatten)]
    zone: ZoneRow,
}

/// One record row: owner, type, TTL, data in presentation format.
#[derive(Clone, Debug, sqlx::FromRow)]
struct RecordRow {
    name: String,
    #[sqlx(rename = "type")]
    rtype: String,
    ttl: i32,
    content: String,
}

/// A record row of [`load_all`], with its zone's id.
#[derive(sqlx::FromRow)]
struct ZoneIdRecordRow {
    zone_id: i64,
    #[sqlx(flatten)]
    record: RecordRow,
}

/// A row of [`reload_zone`]'s left join: the zone and one of its records (none for a zone
/// without records).
#[derive(sqlx::FromRow)]
struct ZoneRecordRow {
    id: i64,
    #[sqlx(flatten)]
    zone: ZoneRow,
    r_name: Option<String>,
    r_type: Option<String>,
    r_ttl: Option<i32>,
    r_content: Option<String>,
}

/// A reverse zone's network and template, and the ranges assigned in it.
#[derive(sqlx::FromRow)]
struct ReverseZoneRow {
    zone_id: i64,
    name: String,
    network: String,
    template: String,
}

#[derive(sqlx::FromRow)]
struct RangeRow {
    zone_id: i64,
    network: String,
    delegate_ns: Option<Vec<String>>,
}

/// One PTR row, with its reverse zone's id.
#[derive(sqlx::FromRow)]
struct PtrRow {
    zone_id: i64,
    address: String,
    hostname: String,
    ttl: i32,
}

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
struct ReverseData {
    zones: Vec<ReverseZone>,
}

impl ReverseData {
    async fn load(conn: &mut sqlx::PgConnection) -> Result<Self, sqlx::Error> {
        let zones: Vec<ReverseZoneRow> = sqlx::query_as(
            "select rz.zone_id, z.name, rz.network::text as network, rz.template
               from reverse_zone rz join zone z on z.id = rz.zone_id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let ranges: Vec<RangeRow> =
            sqlx::query_as("select zone_id, network::text as network, delegate_ns from ip_range")
                .fetch_all(&mut *conn)
                .await?;
        let mut out = Vec::with_capacity(zones.len());
        for z in zones {
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
            for r in ranges.iter().filter(|r| r.zone_id == z.zone_id) {
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
                name: z.name,
                template,
                served,
                delegated,
            });
        }
        Ok(Self { zones: out })
    }

    /// The records and synthesis rules zone `zone_id` (named `origin`) gets besides its rows.
    fn extras(
        &self,
        zone_id: i64,
        origin: &Name,
        ttl: i32,
        ptrs: &[PtrRow],
    ) -> (Vec<Rrset>, Synth, usize) {
        let mut rrsets = Vec::new();
        let mut rules = Vec::new();
        let mut skipped = 0;
        let ttl_u = u32::try_from(ttl).unwrap_or(3600);
        if let Some(rz) = self.zones.iter().find(|z| z.zone_id == zone_id) {
            for ptr in ptrs {
                let owner = match ptr.address.parse() {
                    Ok(addr) => reverse_name(addr).to_ascii(),
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
        (rrsets, Synth::new(rules), skipped)
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

/// Loads every zone of the store and makes them the whole catalog: zones gone from the store
/// stop being served, zones that fail to build keep their previous snapshot.
///
/// Two statements (zones, then all records, grouped here) inside one repeatable-read,
/// read-only transaction, so both see the same committed state.
pub async fn load_all(pool: &PgPool, catalog: &SharedCatalog) -> Result<LoadStats, sqlx::Error> {
    let started = Instant::now();
    let mut tx = pool.begin().await?;
    sqlx::query("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    let zones: Vec<ZoneIdRow> = sqlx::query_as(
        "select id, name, serial, soa_mname, soa_rname, soa_refresh, soa_retry, soa_expire,
                soa_minimum, soa_ttl
           from zone",
    )
    .fetch_all(&mut *tx)
    .await?;
    // Ordered so that the rows of one RRset are adjacent.
    let records: Vec<ZoneIdRecordRow> = sqlx::query_as(
        "select zone_id, name, type, ttl, content from record order by zone_id, name, type, id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let reverse = ReverseData::load(&mut tx).await?;
    let ptrs: Vec<PtrRow> = sqlx::query_as(
        "select r.zone_id, host(p.address) as address, p.hostname, p.ttl
           from ptr p join ip_range r on r.id = p.range_id
          order by r.zone_id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let keys: HashMap<i64, Arc<ZoneKey>> = crate::service::dnssec::load_keys(&mut tx, None)
        .await?
        .into_iter()
        .collect();
    let mut ds_by_zone: HashMap<i64, Vec<PublishedDs>> = HashMap::new();
    for ds in crate::service::ds::published_ds(&mut tx, None).await? {
        ds_by_zone.entry(ds.zone_id).or_default().push(ds);
    }
    let mut journals: HashMap<i64, Vec<JournalRow>> = HashMap::new();
    let rows: Vec<JournalRow> = sqlx::query_as(
        "select c.zone_id, c.old_serial, c.new_serial, c.removed, c.added
           from zone_change c
          where c.kind = 'update'
            and c.id > coalesce((select max(b.id) from zone_change b
                                  where b.zone_id = c.zone_id and b.kind in ('create', 'reset')), 0)
          order by c.zone_id, c.id",
    )
    .fetch_all(&mut *tx)
    .await?;
    for row in rows {
        journals.entry(row.zone_id).or_default().push(row);
    }
    tx.commit().await?;
    let now = unix_now();
    let mut ptrs_by_zone: HashMap<i64, Vec<PtrRow>> = HashMap::new();
    for row in ptrs {
        ptrs_by_zone.entry(row.zone_id).or_default().push(row);
    }

    let mut by_zone: HashMap<i64, Vec<RecordRow>> = HashMap::with_capacity(zones.len());
    for row in records {
        by_zone.entry(row.zone_id).or_default().push(row.record);
    }

    // Building (and signing) every zone is CPU work of seconds for big stores: done on the
    // blocking pool, so that the runtime's workers keep answering queries from the previous
    // snapshots meanwhile (this also runs after a reconnect, while serving).
    let catalog = catalog.clone();
    let mut stats = tokio::task::spawn_blocking(move || {
        let previous = catalog.snapshot();
        let mut stats = LoadStats::default();
        let mut built = Vec::with_capacity(zones.len());
        for ZoneIdRow { id, zone: row } in &zones {
            let rows = by_zone.remove(id).unwrap_or_default();
            let ptrs = ptrs_by_zone.remove(id).unwrap_or_default();
            let ds = ds_by_zone.remove(id).unwrap_or_default();
            let (result, skipped) = build_zone(row, &rows, |origin| {
                let (mut more, synth, skipped) = reverse.extras(*id, origin, row.soa_ttl, &ptrs);
                more.extend(ds_rrsets(origin, &ds));
                (more, synth, skipped)
            });
            let rows = journals.remove(id).unwrap_or_default();
            let result = result
                .map(|zone| zone.with_journal(journal(rows)))
                .and_then(|zone| sign(zone, keys.get(id), now, &catalog));
            stats.skipped_rrsets += skipped;
            match result {
                Ok(zone) => {
                    stats.zones += 1;
                    stats.records += zone.record_count();
                    built.push(zone);
                }
                Err(()) => {
                    stats.failed_zones += 1;
                    if let Some(old) = parse_origin(&row.name).and_then(|o| previous.zone(&o)) {
                        // A deep copy, but only of zones that are broken in the store: rare.
                        built.push(Zone::clone(old));
                    }
                }
            }
        }
        let next = Catalog::from_zones(built);
        stats.removed_zones = count_removed(&previous, &next, &zones);
        catalog.replace(next);
        stats
    })
    .await
    .map_err(|e| sqlx::Error::Protocol(format!("building the zones failed: {e}")))?;
    stats.elapsed = started.elapsed();
    Ok(stats)
}

/// How many zones of `previous` are absent from `next` (gone from the store).
fn count_removed(previous: &Catalog, next: &Catalog, zones: &[ZoneIdRow]) -> usize {
    let kept = zones
        .iter()
        .filter_map(|row| parse_origin(&row.zone.name))
        .filter(|origin| previous.zone(origin).is_some() && next.zone(origin).is_some())
        .count();
    previous.len().saturating_sub(kept)
}

/// One zone's data as read from the store in one snapshot: everything its build needs.
pub(crate) struct ZoneData {
    pub(crate) zone_id: i64,
    row: ZoneRow,
    records: Vec<RecordRow>,
    reverse: ReverseData,
    ptrs: Vec<PtrRow>,
    key: Option<Arc<ZoneKey>>,
    ds: Vec<PublishedDs>,
}

impl ZoneData {
    /// Reads zone `name` (absolute, lower case) through `conn`: `None` when its row is gone.
    /// Called in a repeatable-read transaction by the engine, and inside the writing
    /// transaction by the change log (which sees the change being made).
    pub(crate) async fn read(
        conn: &mut sqlx::PgConnection,
        name: &str,
    ) -> Result<Option<ZoneData>, sqlx::Error> {
        let rows: Vec<ZoneRecordRow> = sqlx::query_as(
            "select z.id, z.name, z.serial, z.soa_mname, z.soa_rname, z.soa_refresh, z.soa_retry,
                    z.soa_expire, z.soa_minimum, z.soa_ttl,
                    r.name as r_name, r.type as r_type, r.ttl as r_ttl, r.content as r_content
               from zone z
               left join record r on r.zone_id = z.id
              where z.name = $1
              order by r.name, r.type, r.id",
        )
        .bind(name)
        .fetch_all(&mut *conn)
        .await?;
        let Some((zone_id, row)) = rows.first().map(|r| (r.id, r.zone.clone())) else {
            return Ok(None);
        };
        let reverse = ReverseData::load(&mut *conn).await?;
        let ptrs: Vec<PtrRow> = sqlx::query_as(
            "select r.zone_id, host(p.address) as address, p.hostname, p.ttl
               from ptr p join ip_range r on r.id = p.range_id
              where r.zone_id = $1",
        )
        .bind(zone_id)
        .fetch_all(&mut *conn)
        .await?;
        let key = crate::service::dnssec::load_keys(&mut *conn, Some(zone_id))
            .await?
            .pop()
            .map(|(_, key)| key);
        let ds = crate::service::ds::published_ds(&mut *conn, Some(zone_id)).await?;
        let records = rows
            .into_iter()
            .filter_map(|r| {
                Some(RecordRow {
                    name: r.r_name?,
                    rtype: r.r_type?,
                    ttl: r.r_ttl?,
                    content: r.r_content?,
                })
            })
            .collect();
        Ok(Some(ZoneData {
            zone_id,
            row,
            records,
            reverse,
            ptrs,
            key,
            ds,
        }))
    }

    /// The unsigned snapshot (CPU work: a big zone takes a noticeable fraction of a second).
    pub(crate) fn build_unsigned(&self) -> Result<Zone, ()> {
        build_zone(&self.row, &self.records, |origin| {
            let (mut more, synth, skipped) =
                self.reverse
                    .extras(self.zone_id, origin, self.row.soa_ttl, &self.ptrs);
            more.extend(ds_rrsets(origin, &self.ds));
            (more, synth, skipped)
        })
        .0
    }
}

/// The change log entries IXFR can answer from for zone `zone_id`: its updates since its last
/// baseline, oldest first.
async fn read_journal(
    conn: &mut sqlx::PgConnection,
    zone_id: i64,
) -> Result<Vec<JournalRow>, sqlx::Error> {
    sqlx::query_as(
        "select zone_id, old_serial, new_serial, removed, added
           from zone_change c
          where zone_id = $1 and kind = 'update'
            and id > coalesce((select max(id) from zone_change
                                where zone_id = $1 and kind in ('create', 'reset')), 0)
          order by id",
    )
    .bind(zone_id)
    .fetch_all(conn)
    .await
}

/// One change log entry as the journal reads it.
#[derive(sqlx::FromRow)]
struct JournalRow {
    zone_id: i64,
    old_serial: Option<i64>,
    new_serial: Option<i64>,
    removed: Vec<Vec<u8>>,
    added: Vec<Vec<u8>>,
}

/// The journal of `rows` (one zone's, oldest first). An entry whose records cannot be read
/// back ends the journal there: IXFR from before it becomes a whole transfer.
fn journal(rows: Vec<JournalRow>) -> Journal {
    let mut deltas = Vec::with_capacity(rows.len());
    for row in rows {
        let decode = |rrs: &[Vec<u8>]| -> Option<Vec<hickory_proto::rr::Record>> {
            rrs.iter()
                .map(|rr| dns_engine::xfr::decode_record(rr))
                .collect()
        };
        let (Some(from), Some(to), Some(removed), Some(added)) = (
            row.old_serial.and_then(|s| u32::try_from(s).ok()),
            row.new_serial.and_then(|s| u32::try_from(s).ok()),
            decode(&row.removed),
            decode(&row.added),
        ) else {
            tracing::warn!(
                zone_id = row.zone_id,
                "unreadable change log entry; IXFR from before it sends the whole zone"
            );
            deltas.clear();
            continue;
        };
        deltas.push(Delta {
            from,
            to,
            removed,
            added,
        });
    }
    Journal::new(deltas)
}

/// Re-reads one zone (its name as the store spells it, absolute, lower case) and swaps the new
/// snapshot into the catalog, or removes the zone if its row is gone.
///
/// One repeatable-read transaction, hence one consistent view of the zone and its records.
pub async fn reload_zone(
    pool: &PgPool,
    catalog: &SharedCatalog,
    name: &str,
) -> Result<ZoneReload, sqlx::Error> {
    let Some(origin) = parse_origin(name) else {
        tracing::warn!(
            zone = name,
            "ignoring a change notification with an invalid zone name"
        );
        return Ok(ZoneReload::Kept);
    };
    let mut tx = pool.begin().await?;
    sqlx::query("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    let Some(data) = ZoneData::read(&mut tx, name).await? else {
        tx.commit().await?;
        catalog.remove_zone(&origin);
        return Ok(ZoneReload::Removed);
    };
    let rows = read_journal(&mut tx, data.zone_id).await?;
    tx.commit().await?;
    let signing_catalog = catalog.clone();
    // Building a big zone (65,536 PTRs) is CPU work of a noticeable fraction of a second: done
    // on the blocking pool, so that the runtime's workers keep answering queries meanwhile.
    let built = tokio::task::spawn_blocking(move || {
        data.build_unsigned()
            .map(|zone| zone.with_journal(journal(rows)))
            // Signing every RRset of a big zone is CPU work too, hence here.
            .and_then(|zone| sign(zone, data.key.as_ref(), unix_now(), &signing_catalog))
    })
    .await
    .unwrap_or(Err(()));
    match built {
        Ok(zone) => {
            let (serial, count) = (zone.serial(), zone.record_count());
            catalog.insert_zone(zone);
            Ok(ZoneReload::Loaded {
                serial,
                records: count,
            })
        }
        Err(()) => Ok(ZoneReload::Kept),
    }
}

/// The DS RRsets a zone serves at its delegations for the domains of its customers
/// ([`crate::service::ds`]), one RRset per delegation.
fn ds_rrsets(origin: &Name, ds: &[PublishedDs]) -> Vec<Rrset> {
    ds.chunk_by(|a, b| a.name == b.name)
        .filter_map(|group| {
            let rdata: Vec<String> = group.iter().map(PublishedDs::rdata).collect();
            let ttl = group.iter().map(|d| d.ttl).min().unwrap_or(3600);
            match validate_rrset(origin, &group[0].name, "DS", i64::from(ttl), &rdata) {
                Ok(rrset) => Some(rrset),
                Err(errors) => {
                    tracing::warn!(zone = %origin, owner = %group[0].name, errors = %join(&errors), "DS records of a domain skipped");
                    None
                }
            }
        })
        .collect()
}

/// The zone signed with its key, when it has one. A zone that cannot be signed is not
/// served unsigned: the error is logged and recorded in the catalog (the API shows it to the
/// owner), and the caller keeps the zone's last good snapshot.
fn sign(
    zone: Zone,
    key: Option<&Arc<ZoneKey>>,
    now: u32,
    catalog: &SharedCatalog,
) -> Result<Zone, ()> {
    let Some(key) = key else {
        catalog.set_signing_failure(zone.origin(), None);
        return Ok(zone);
    };
    let origin = zone.origin().clone();
    match zone.signed(key.clone(), now) {
        Ok(zone) => {
            catalog.set_signing_failure(&origin, None);
            Ok(zone)
        }
        Err(err) => {
            tracing::error!(zone = %origin, %err, "zone could not be signed; it keeps its last good snapshot");
            catalog.set_signing_failure(&origin, Some(err.to_string()));
            Err(())
        }
    }
}

fn unix_now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
        .unwrap_or(0)
}

/// Rebuilds the signed zones, which signs them afresh: called well before the signatures of
/// the current snapshots expire. Each gets a new serial (through the one write path, so the
/// change log has it), or a secondary would keep serving the old signatures until they expire.
pub async fn resign_all(pool: &PgPool) -> Result<usize, crate::error::ServiceError> {
    let mut tx = pool.begin().await?;
    let ids: Vec<i64> = sqlx::query_scalar("select zone_id from zone_key order by zone_id")
        .fetch_all(&mut *tx)
        .await?;
    let mut write = crate::service::change::Write::new(&crate::service::audit::Actor::system());
    for id in &ids {
        write.changed(*id);
    }
    write.commit(tx).await?;
    Ok(ids.len())
}

fn parse_origin(name: &str) -> Option<Name> {
    let mut origin = Name::from_ascii(name).ok()?;
    origin.set_fqdn(true);
    Some(origin)
}

/// Builds one zone snapshot from its row and its record rows (adjacent per RRset). Returns
/// the zone, or `Err` when it cannot be served (the cause is logged), and how many RRsets were
/// skipped.
fn build_zone(
    zone: &ZoneRow,
    records: &[RecordRow],
    extras: impl FnOnce(&Name) -> (Vec<Rrset>, Synth, usize),
) -> (Result<Zone, ()>, usize) {
    let ZoneRow {
        name,
        serial,
        soa_mname,
        soa_rname,
        soa_refresh,
        soa_retry,
        soa_expire,
        soa_minimum,
        soa_ttl,
    } = zone;
    let Some(origin) = parse_origin(name) else {
        tracing::error!(zone = %name, "zone name in the store is not a valid DNS name; not served");
        return (Err(()), 0);
    };
    // The SOA is not a record row: it is built from the zone's columns (RFC 1035 §3.3.13).
    let soa_text = crate::service::zones::soa_rdata(
        soa_mname,
        soa_rname,
        *serial,
        [*soa_refresh, *soa_retry, *soa_expire, *soa_minimum],
    );
    let soa = match validate_rrset(&origin, name, "SOA", i64::from(*soa_ttl), &[soa_text]) {
        Ok(soa) => soa,
        Err(errors) => {
            tracing::error!(zone = %name, errors = %join(&errors), "invalid SOA fields; zone keeps its previous snapshot");
            return (Err(()), 0);
        }
    };
    let mut rrsets: Vec<Rrset> = Vec::with_capacity(records.len() + 1);
    rrsets.push(soa);
    let mut skipped = 0;
    for group in records.chunk_by(|a, b| a.name == b.name && a.rtype == b.rtype) {
        let (owner, rtype) = (&group[0].name, &group[0].rtype);
        if rtype.eq_ignore_ascii_case("SOA") {
            tracing::warn!(zone = %name, owner = %owner, "SOA row in the record table ignored: the SOA comes from the zone row");
            skipped += 1;
            continue;
        }
        // The service keeps the TTLs of an RRset equal (RFC 2181 §5.2); should they differ,
        // the lowest is the safe one to serve.
        let ttl = group.iter().map(|r| r.ttl).min().unwrap_or(group[0].ttl);
        let contents: Vec<&str> = group.iter().map(|r| r.content.as_str()).collect();
        match validate_rrset(&origin, owner, rtype, i64::from(ttl), &contents) {
            Ok(rrset) => rrsets.push(rrset),
            Err(errors) => {
                tracing::warn!(zone = %name, owner = %owner, rtype = %rtype, errors = %join(&errors), "invalid RRset in the store skipped");
                skipped += 1;
            }
        }
    }
    let (more, synth, more_skipped) = extras(&origin);
    rrsets.extend(more);
    skipped += more_skipped;
    match Zone::new(&origin, rrsets) {
        Ok(zone) => (Ok(zone.with_synth(synth)), skipped),
        Err(e) => {
            tracing::error!(zone = %name, error = %e, "zone cannot be served; it keeps its previous snapshot");
            (Err(()), skipped)
        }
    }
}

fn join(errors: &[dns_engine::FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// What the listener hands to the worker.
#[derive(Debug)]
enum Change {
    /// This zone changed.
    Zone(String),
    /// Notifications may have been missed: reload everything.
    All,
}

/// The running synchronisation: a listener task and a worker task, both ending when the stop
/// channel turns `true`.
pub struct ZoneSync {
    listener: JoinHandle<()>,
    worker: JoinHandle<()>,
}

/// What the follower does besides loading zones: the catalog zone it builds (with the
/// transfer policy), and whom it tells when a zone's new serial is served.
#[derive(Clone, Debug)]
pub struct SyncHooks {
    pub catalog_zone: Name,
    pub notifier: Option<crate::primary::notify::Notifier>,
}

impl Default for SyncHooks {
    fn default() -> Self {
        Self {
            catalog_zone: parse_origin(crate::primary::DEFAULT_CATALOG_ZONE).unwrap_or_default(),
            notifier: None,
        }
    }
}

impl SyncHooks {
    /// Re-reads the transfer policy and the catalog zone; tells the catalog's consumers when
    /// its serial moved.
    async fn load_policy(&self, pool: &PgPool, catalog: &SharedCatalog) -> Result<(), sqlx::Error> {
        let before = catalog
            .transfer_policy()
            .catalog
            .as_ref()
            .map(|z| z.serial());
        let mut conn = pool.acquire().await?;
        crate::primary::load_policy(&mut conn, catalog, &self.catalog_zone).await?;
        let after = catalog
            .transfer_policy()
            .catalog
            .as_ref()
            .map(|z| z.serial());
        if let (Some(notifier), Some(serial)) = (&self.notifier, after) {
            if before.is_some() && before != after {
                notifier.changed(&self.catalog_zone.to_ascii(), serial);
            }
        }
        Ok(())
    }

    fn loaded(&self, zone: &str, outcome: &ZoneReload) {
        if let (Some(notifier), ZoneReload::Loaded { serial, .. }) = (&self.notifier, outcome) {
            notifier.changed(zone, *serial);
        }
    }
}

impl ZoneSync {
    /// LISTENs for changes, loads every zone into `catalog`, and starts following changes.
    /// Returns once the catalog holds every zone; fails if the store cannot be read.
    pub async fn start(
        pool: PgPool,
        catalog: SharedCatalog,
        stop: watch::Receiver<bool>,
        hooks: SyncHooks,
    ) -> Result<ZoneSync, sqlx::Error> {
        // Listen first, then load: a change committed during the load is then both in the
        // load or after it, and in the queue; reloading it once more is harmless.
        let listener = connect(&pool).await?;
        hooks.load_policy(&pool, &catalog).await?;
        let stats = load_all(&pool, &catalog).await?;
        tracing::info!(
            zones = stats.zones,
            records = stats.records,
            skipped_rrsets = stats.skipped_rrsets,
            failed_zones = stats.failed_zones,
            elapsed_ms = stats.elapsed.as_secs_f64() * 1000.0,
            "DNS engine loaded all zones"
        );
        let (tx, rx) = mpsc::unbounded_channel();
        let listener = tokio::spawn(listen(pool.clone(), listener, tx, stop.clone()));
        let worker = tokio::spawn(work(pool, catalog, rx, stop, hooks));
        Ok(ZoneSync { listener, worker })
    }

    /// Waits for both tasks to end (after the stop channel turned `true`).
    pub async fn join(self) {
        for (what, task) in [("listener", self.listener), ("worker", self.worker)] {
            if let Err(e) = task.await {
                tracing::error!(task = what, error = %e, "zone sync task failed");
            }
        }
    }
}

async fn connect(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    // A lost connection is reported at once (`Ok(None)`) and re-established by us, with
    // backoff, rather than inside `try_recv` where the loss would be invisible.
    listener.eager_reconnect(false);
    listener.listen(CHANGE_CHANNEL).await?;
    Ok(listener)
}

/// Resolves when the stop channel is `true` (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

fn pool_closed(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::PoolClosed)
}

/// Moves notifications into the queue; on a lost connection reconnects with backoff and then
/// asks for a full reload.
async fn listen(
    pool: PgPool,
    listener: PgListener,
    tx: mpsc::UnboundedSender<Change>,
    mut stop: watch::Receiver<bool>,
) {
    let mut listener = Some(listener);
    let mut backoff = MIN_BACKOFF;
    loop {
        let Some(active) = listener.as_mut() else {
            // Reconnecting. The pool being closed means the process is shutting down.
            if pool.is_closed() {
                tracing::info!("store closed; no longer following zone changes");
                return;
            }
            tokio::select! {
                () = stopped(&mut stop) => return,
                result = connect(&pool) => match result {
                    Ok(l) => {
                        tracing::info!("change listener reconnected; reloading all zones");
                        listener = Some(l);
                        backoff = MIN_BACKOFF;
                        if tx.send(Change::All).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "cannot reconnect the change listener; serving the last snapshots");
                        tokio::select! {
                            () = stopped(&mut stop) => return,
                            () = tokio::time::sleep(backoff) => {}
                        }
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                },
            }
            continue;
        };
        tokio::select! {
            () = stopped(&mut stop) => return,
            result = active.try_recv() => match result {
                Ok(Some(n)) => {
                    if tx.send(Change::Zone(n.payload().to_owned())).is_err() {
                        return;
                    }
                }
                Ok(None) => {
                    tracing::warn!("change listener lost its connection; reconnecting");
                    listener = None;
                }
                Err(e) if pool_closed(&e) => {
                    tracing::info!("store closed; no longer following zone changes");
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "change listener failed; reconnecting");
                    listener = None;
                }
            },
        }
    }
}

/// Applies queued changes: drains everything pending, reloads each zone once (or all zones),
/// and retries what failed with backoff.
async fn work(
    pool: PgPool,
    catalog: SharedCatalog,
    mut rx: mpsc::UnboundedReceiver<Change>,
    mut stop: watch::Receiver<bool>,
    hooks: SyncHooks,
) {
    let mut all = false;
    let mut zones: BTreeSet<String> = BTreeSet::new();
    let mut backoff = MIN_BACKOFF;
    loop {
        if !all && zones.is_empty() {
            tokio::select! {
                () = stopped(&mut stop) => return,
                change = rx.recv() => match change {
                    Some(change) => queue(change, &mut all, &mut zones),
                    None => return,
                },
            }
        }
        // Coalesce: whatever else is already queued is served by this same pass.
        while let Ok(change) = rx.try_recv() {
            queue(change, &mut all, &mut zones);
        }
        let failed = if all {
            let loaded = match hooks.load_policy(&pool, &catalog).await {
                Ok(()) => load_all(&pool, &catalog).await,
                Err(e) => Err(e),
            };
            match loaded {
                Ok(stats) => {
                    tracing::info!(
                        zones = stats.zones,
                        records = stats.records,
                        removed_zones = stats.removed_zones,
                        skipped_rrsets = stats.skipped_rrsets,
                        failed_zones = stats.failed_zones,
                        elapsed_ms = stats.elapsed.as_secs_f64() * 1000.0,
                        "reloaded all zones"
                    );
                    // The full load covered every zone queued before it started.
                    all = false;
                    zones.clear();
                    None
                }
                Err(e) => Some(e),
            }
        } else {
            let mut failed = None;
            // The catalog zone after the zones it lists: a consumer told of a new member
            // asks for it at once, and must find it served.
            let policy = zones.remove(crate::service::change::TRANSFER_CHANGED);
            while let Some(zone) = zones.pop_first() {
                let started = Instant::now();
                match reload_zone(&pool, &catalog, &zone).await {
                    Ok(outcome) => {
                        tracing::debug!(
                            zone = %zone,
                            outcome = ?outcome,
                            elapsed_us = started.elapsed().as_micros() as u64,
                            "zone reloaded"
                        );
                        hooks.loaded(&zone, &outcome);
                    }
                    Err(e) => {
                        zones.insert(zone);
                        failed = Some(e);
                        break;
                    }
                }
            }
            if policy {
                if failed.is_some() {
                    zones.insert(crate::service::change::TRANSFER_CHANGED.to_owned());
                } else if let Err(e) = hooks.load_policy(&pool, &catalog).await {
                    zones.insert(crate::service::change::TRANSFER_CHANGED.to_owned());
                    failed = Some(e);
                }
            }
            failed
        };
        match failed {
            None => backoff = MIN_BACKOFF,
            Some(e) if pool_closed(&e) => {
                tracing::info!("store closed; no longer applying zone changes");
                return;
            }
            Some(e) => {
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "cannot read zone changes from the store; serving the last snapshots");
                tokio::select! {
                    () = stopped(&mut stop) => return,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

fn queue(change: Change, all: &mut bool, zones: &mut BTreeSet<String>) {
    match change {
        Change::Zone(zone) => {
            zones.insert(zone);
        }
        Change::All => *all = true,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn zone_row(name: &str) -> ZoneRow {
        ZoneRow {
            name: name.into(),
            serial: 2026010101,
            soa_mname: "ns1.example.net.".into(),
            soa_rname: "hostmaster.example.net.".into(),
            soa_refresh: 7200,
            soa_retry: 1800,
            soa_expire: 1209600,
            soa_minimum: 300,
            soa_ttl: 3600,
        }
    }

    fn no_extras(_: &Name) -> (Vec<Rrset>, Synth, usize) {
        (Vec::new(), Synth::default(), 0)
    }

    fn row(name: &str, rtype: &str, ttl: i32, content: &str) -> RecordRow {
        RecordRow {
            name: name.into(),
            rtype: rtype.into(),
            ttl,
            content: content.into(),
        }
    }

    #[test]
    fn builds_soa_from_the_zone_row_and_groups_rrsets() {
        let records = [
            row("example.com.", "NS", 3600, "ns1.example.net."),
            row("example.com.", "NS", 3600, "ns2.example.net."),
            row("www.example.com.", "A", 300, "192.0.2.1"),
            row("www.example.com.", "A", 60, "192.0.2.2"),
        ];
        let (zone, skipped) = build_zone(&zone_row("example.com."), &records, no_extras);
        let zone = zone.unwrap();
        assert_eq!(skipped, 0);
        assert_eq!(zone.serial(), 2026010101);
        assert_eq!(zone.record_count(), 5);
    }

    #[test]
    fn a_bad_row_costs_only_its_rrset() {
        let records = [
            row("bad.example.com.", "A", 300, "not an address"),
            row("good.example.com.", "A", 300, "192.0.2.1"),
            row("example.com.", "SOA", 300, "a. b. 1 2 3 4 5"),
        ];
        let (zone, skipped) = build_zone(&zone_row("example.com."), &records, no_extras);
        assert_eq!(skipped, 2);
        assert_eq!(zone.unwrap().record_count(), 2);
    }

    #[test]
    fn a_zone_without_valid_soa_is_not_built() {
        let mut z = zone_row("example.com.");
        z.soa_mname = "not a name!".into();
        assert!(build_zone(&z, &[], no_extras).0.is_err());
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod signing_tests {
    use super::*;

    /// A zone whose one served TXT set (two RRsets merged at one owner) is larger than one
    /// signature can cover. The store's RRset limits keep such data out; this is the guard
    /// behind them.
    fn unsignable(origin: &Name) -> Zone {
        let long = format!("\"{}\"", "x".repeat(255));
        let part = |from: usize| -> Rrset {
            let texts: Vec<String> = (from..from + 200)
                .map(|i| format!("\"{i}\" {long}"))
                .collect();
            validate_rrset(origin, "big", "TXT", 300, &texts).unwrap()
        };
        let soa = validate_rrset(
            origin,
            "@",
            "SOA",
            300,
            &["ns1 hostmaster 7 3600 600 86400 300"],
        )
        .unwrap();
        Zone::new(origin, [soa, part(0), part(1000)]).unwrap()
    }

    #[test]
    fn a_zone_that_cannot_be_signed_is_reported_and_not_served_unsigned() {
        let origin = Name::from_ascii("example.com.").unwrap();
        let catalog = SharedCatalog::default();
        let (key, _) = ZoneKey::generate().unwrap();
        let key = Arc::new(key);
        assert!(sign(unsignable(&origin), Some(&key), 1_700_000_000, &catalog).is_err());
        let why = catalog
            .signing_failure(&origin)
            .expect("the failure is recorded");
        assert!(!why.is_empty());
        // The next version that signs clears the report.
        let soa = validate_rrset(
            &origin,
            "@",
            "SOA",
            300,
            &["ns1 hostmaster 8 3600 600 86400 300"],
        )
        .unwrap();
        let good = Zone::new(&origin, [soa]).unwrap();
        let signed = sign(good, Some(&key), 1_700_000_000, &catalog).unwrap();
        assert!(signed.is_signed());
        assert_eq!(catalog.signing_failure(&origin), None);
    }
}
