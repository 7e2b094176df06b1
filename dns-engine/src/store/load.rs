//! Reading zones from the store and building them into snapshots: every zone at once
//! ([`load_all`]), one zone ([`reload_zone`]), and the pure assembly from rows
//! (`build_zone`). The rows of a zone ([`ZoneData`]) are also what a node's state directory
//! keeps ([`super::state`]), so a restarted node builds the same zones without the store.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use hickory_proto::rr::Name;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};

use super::follow::LogPosition;
use super::keys::{load_keys, parse_key, published_ds, PublishedDs};
use super::reverse::{ptrs, PtrRow, ReverseData};
use super::state::StateDir;
use super::{join, parse_origin, soa_rdata, unix_now};
use crate::catalog::Catalog;
use crate::dnssec::ZoneKey;
use crate::model::validate_rrset;
use crate::xfr::{Delta, Journal, WireRecords};
use crate::zone::synth::Synth;
use crate::{Rrset, SharedCatalog, Zone};

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
    /// The part of it until the store was read: the queries, their rows and the commit (zones
    /// are built meanwhile, as their rows arrive).
    pub read: Duration,
    /// The change log's position in the snapshot the load read.
    pub position: LogPosition,
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
#[derive(Clone, Debug, Serialize, Deserialize)]
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

/// One record row: owner, type, TTL, data in presentation format.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct RecordRow {
    name: String,
    rtype: String,
    ttl: i32,
    content: String,
}

/// One zone's data as read from the store in one snapshot: everything its build needs.
#[derive(Debug, Serialize, Deserialize)]
pub struct ZoneData {
    pub zone_id: i64,
    row: ZoneRow,
    records: Vec<RecordRow>,
    /// Shared by every zone of one read; kept apart in a state directory.
    #[serde(skip)]
    reverse: Arc<ReverseData>,
    ptrs: Vec<PtrRow>,
    /// The signing key's PKCS#8 document, when the zone is signed.
    key: Option<Vec<u8>>,
    ds: Vec<PublishedDs>,
    /// What the zone published at its last change, when it was read for serving and the store
    /// has it (`zone_rr`, see `migrations/0009_hidden_primary.sql`): its records in wire form,
    /// one after another. The zone is then built from these ([`Zone::from_wire`]) and its
    /// record, PTR and DS rows are not read. The change log makes this from the rows, with
    /// every change, in the change's transaction; so serving it serves what the log says —
    /// what secondaries and other nodes serve — without reading a record's text. None for the
    /// change log's own reads, and for a zone unchanged since before the change log.
    #[serde(default, with = "hex_octets")]
    published: Option<Vec<u8>>,
}

/// A zone's published records in a state directory's JSON: a string of hex digits, not an
/// array of numbers (a third of the size, and quicker to read).
mod hex_octets {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(octets: &Option<Vec<u8>>, out: S) -> Result<S::Ok, S::Error> {
        match octets {
            None => out.serialize_none(),
            Some(octets) => out.serialize_some(&hex::encode(octets)),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(input)?
            .map(hex::decode)
            .transpose()
            .map_err(|err| serde::de::Error::custom(format!("published records: {err}")))
    }
}

impl ZoneData {
    /// Reads zone `name` (absolute, lower case) from its rows through `conn`: `None` when its
    /// row is gone. Called inside the writing transaction by the change log, which sees the
    /// change being made and makes what the zone publishes from this.
    pub async fn read(
        conn: &mut PgConnection,
        name: &str,
    ) -> Result<Option<ZoneData>, sqlx::Error> {
        Self::read_as(conn, name, false).await
    }

    /// Reads zone `name` to serve it: what it published ([`ZoneData::published`]) when the
    /// store has that, else its rows. Called in a repeatable-read transaction.
    pub async fn read_served(
        conn: &mut PgConnection,
        name: &str,
    ) -> Result<Option<ZoneData>, sqlx::Error> {
        Self::read_as(conn, name, true).await
    }

    async fn read_as(
        conn: &mut PgConnection,
        name: &str,
        served: bool,
    ) -> Result<Option<ZoneData>, sqlx::Error> {
        let Some(zone) = sqlx::query!(
            "select id, name, serial, soa_mname, soa_rname, soa_refresh, soa_retry, soa_expire,
                    soa_minimum, soa_ttl, published
               from zone where name = $1",
            name
        )
        .fetch_optional(&mut *conn)
        .await?
        else {
            return Ok(None);
        };
        let zone_id = zone.id;
        let row = ZoneRow {
            name: zone.name,
            serial: zone.serial,
            soa_mname: zone.soa_mname,
            soa_rname: zone.soa_rname,
            soa_refresh: zone.soa_refresh,
            soa_retry: zone.soa_retry,
            soa_expire: zone.soa_expire,
            soa_minimum: zone.soa_minimum,
            soa_ttl: zone.soa_ttl,
        };
        let reverse = Arc::new(ReverseData::load(&mut *conn).await?);
        let key = load_keys(&mut *conn, Some(zone_id))
            .await?
            .pop()
            .map(|(_, key)| key);
        if served && zone.published {
            let published = sqlx::query_scalar!(
                r#"select coalesce(string_agg(rr, ''::bytea), ''::bytea) as "rrs!"
                     from zone_rr where zone_id = $1"#,
                zone_id
            )
            .fetch_one(&mut *conn)
            .await?;
            return Ok(Some(ZoneData {
                zone_id,
                row,
                records: Vec::new(),
                reverse,
                ptrs: Vec::new(),
                key,
                ds: Vec::new(),
                published: Some(published),
            }));
        }
        let records = sqlx::query_as!(
            RecordRow,
            r#"select name, type as "rtype", ttl, content from record
                where zone_id = $1 order by name, type, id"#,
            zone_id
        )
        .fetch_all(&mut *conn)
        .await?;
        let ptrs = ptrs(&mut *conn, Some(zone_id)).await?;
        let ds = published_ds(&mut *conn, Some(zone_id)).await?;
        Ok(Some(ZoneData {
            zone_id,
            row,
            records,
            reverse,
            ptrs,
            key,
            ds,
            published: None,
        }))
    }

    /// Whether the zone is built from what it published, not from its rows.
    pub fn is_published(&self) -> bool {
        self.published.is_some()
    }

    /// The zone's name as the store spells it.
    pub fn name(&self) -> &str {
        &self.row.name
    }

    pub(super) fn reverse(&self) -> &Arc<ReverseData> {
        &self.reverse
    }

    pub(super) fn set_reverse(&mut self, reverse: Arc<ReverseData>) {
        self.reverse = reverse;
    }

    /// The unsigned snapshot (CPU work: a big zone takes a noticeable fraction of a second),
    /// and how many RRsets (or published records) were skipped.
    fn build_counted(&self) -> (Result<Zone, ()>, usize) {
        if let Some(published) = &self.published {
            return build_published(&self.row, published, |origin| {
                self.reverse.synth(self.zone_id, origin, self.row.soa_ttl)
            });
        }
        build_zone(&self.row, &self.records, |origin| {
            let (mut more, synth, skipped) =
                self.reverse
                    .extras(self.zone_id, origin, self.row.soa_ttl, &self.ptrs);
            more.extend(ds_rrsets(origin, &self.ds));
            (more, synth, skipped)
        })
    }

    /// The unsigned snapshot; none when the zone cannot be served (the cause is logged).
    pub fn build_unsigned(&self) -> Option<Zone> {
        self.build_counted().0.ok()
    }

    /// The snapshot as served: with its journal (IXFR) and, when it has a key, signed.
    fn build(
        &self,
        journal_rows: Vec<JournalRow>,
        now: u32,
        catalog: &SharedCatalog,
    ) -> (Result<Zone, ()>, usize) {
        let (zone, skipped) = self.build_served(now, catalog);
        (
            zone.map(|zone| zone.with_journal(journal(journal_rows))),
            skipped,
        )
    }

    /// The snapshot as served but without its journal: signed when it has a key.
    fn build_served(&self, now: u32, catalog: &SharedCatalog) -> (Result<Zone, ()>, usize) {
        let (zone, skipped) = self.build_counted();
        let key = self
            .key
            .as_deref()
            .and_then(|der| parse_key(&self.row.name, der));
        // Signing every RRset of a big zone is CPU work too.
        let zone = zone.and_then(|zone| sign(zone, key.as_ref(), now, catalog));
        (zone, skipped)
    }
}

/// Loads every zone of the store and makes them the whole catalog: zones gone from the store
/// stop being served, zones that fail to build keep their previous snapshot. With a state
/// directory, what was read is saved there too, replacing what it held.
///
/// A handful of statements inside one repeatable-read, read-only transaction, so all see the
/// same committed state. The zones are built while the rest is read: the record rows come as a
/// stream ordered by zone, and each zone goes to the builders ([`Builders`]) as soon as its
/// last row has arrived, so that building overlaps the reading instead of following it (the
/// load is what a starting node waits for before every zone answers). The journals (IXFR) are
/// read last, while the builders work, and joined to the built zones. Nothing is served from
/// this load before everything was read and the transaction committed.
pub async fn load_all(
    pool: &PgPool,
    catalog: &SharedCatalog,
    state: Option<&StateDir>,
) -> Result<LoadStats, sqlx::Error> {
    let started = Instant::now();
    let mut tx = pool.begin().await?;
    sqlx::query!("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    // The log's position first, in the same snapshot: every entry up to it is in what is read
    // below, and the follower goes on from it.
    let position = LogPosition::read(&mut tx).await?;
    let zones = sqlx::query!(
        "select id, name, serial, soa_mname, soa_rname, soa_refresh, soa_retry, soa_expire,
                soa_minimum, soa_ttl, published
           from zone"
    )
    .fetch_all(&mut *tx)
    .await?;
    let reverse = Arc::new(ReverseData::load(&mut tx).await?);
    let mut keys: HashMap<i64, Vec<u8>> = load_keys(&mut tx, None).await?.into_iter().collect();
    // Only the zones built from their rows need their PTR and DS rows (usually none: every
    // zone has published since its first change).
    let from_rows: std::collections::HashSet<i64> = zones
        .iter()
        .filter(|z| !z.published)
        .map(|z| z.id)
        .collect();
    let mut ptrs_by_zone: HashMap<i64, Vec<PtrRow>> = HashMap::new();
    let mut ds_by_zone: HashMap<i64, Vec<PublishedDs>> = HashMap::new();
    if !from_rows.is_empty() {
        for row in ptrs(&mut tx, None).await? {
            ptrs_by_zone.entry(row.zone_id).or_default().push(row);
        }
        for ds in published_ds(&mut tx, None).await? {
            if from_rows.contains(&ds.zone_id) {
                ds_by_zone.entry(ds.zone_id).or_default().push(ds);
            }
        }
    }
    // Every zone's data but its record rows, which the stream below fills in.
    let mut waiting: HashMap<i64, ZoneData> = zones
        .into_iter()
        .map(|z| {
            let data = ZoneData {
                zone_id: z.id,
                row: ZoneRow {
                    name: z.name,
                    serial: z.serial,
                    soa_mname: z.soa_mname,
                    soa_rname: z.soa_rname,
                    soa_refresh: z.soa_refresh,
                    soa_retry: z.soa_retry,
                    soa_expire: z.soa_expire,
                    soa_minimum: z.soa_minimum,
                    soa_ttl: z.soa_ttl,
                },
                records: Vec::new(),
                reverse: reverse.clone(),
                ptrs: ptrs_by_zone.remove(&z.id).unwrap_or_default(),
                key: keys.remove(&z.id),
                ds: ds_by_zone.remove(&z.id).unwrap_or_default(),
                published: None,
            };
            (z.id, data)
        })
        .collect();

    // Dropped on an error below: the builders then stop, and nothing they built is served.
    let builders = Builders::start(catalog.clone(), state.is_some());
    {
        // What the zones published, one row per zone (its records one after another), each
        // handed to the builders as it arrives.
        let mut published = sqlx::query!(
            r#"select z.id as "zone_id!",
                      coalesce((select string_agg(r.rr, ''::bytea) from zone_rr r
                                 where r.zone_id = z.id), ''::bytea) as "rrs!"
                 from zone z where z.published"#
        )
        .fetch(&mut *tx);
        while let Some(row) = published.try_next().await? {
            if let Some(mut data) = waiting.remove(&row.zone_id) {
                data.published = Some(row.rrs);
                builders.send(data);
            }
        }
    }
    if !from_rows.is_empty() {
        // The zones that have not published: from their rows, ordered so that the rows of one
        // zone, and of one RRset in it, are adjacent.
        let mut rows = sqlx::query!(
            r#"select r.zone_id, r.name, r.type as "rtype", r.ttl, r.content
                 from record r join zone z on z.id = r.zone_id
                where not z.published
                order by r.zone_id, r.name, r.type, r.id"#
        )
        .fetch(&mut *tx);
        let mut current: Option<(i64, Vec<RecordRow>)> = None;
        while let Some(row) = rows.try_next().await? {
            if current
                .as_ref()
                .is_none_or(|(zone_id, _)| *zone_id != row.zone_id)
            {
                if let Some((zone_id, records)) = current.take() {
                    send_zone(&builders, &mut waiting, zone_id, records);
                }
                current = Some((row.zone_id, Vec::new()));
            }
            if let Some((_, records)) = current.as_mut() {
                records.push(RecordRow {
                    name: row.name,
                    rtype: row.rtype,
                    ttl: row.ttl,
                    content: row.content,
                });
            }
        }
        if let Some((zone_id, records)) = current.take() {
            send_zone(&builders, &mut waiting, zone_id, records);
        }
    }
    // Zones without record rows (their SOA comes from the zone row).
    for (_, data) in waiting.drain() {
        builders.send(data);
    }
    let mut journals = read_journals(&mut tx).await?;
    tx.commit().await?;
    let read = started.elapsed();

    let catalog = catalog.clone();
    let state = state.cloned();
    let saved_position = position.clone();
    // Waiting for the builders blocks: done on the blocking pool, so that the runtime's
    // workers keep answering queries from the previous snapshots meanwhile (this also runs
    // after a reconnect, while serving).
    let mut stats = tokio::task::spawn_blocking(move || {
        let results = builders.finish();
        let (data, built): (Vec<ZoneData>, Vec<Built>) = results
            .into_iter()
            .map(|(data, (zone, skipped))| {
                let zone = zone.map(|zone| {
                    let rows = journals.remove(&data.zone_id).unwrap_or_default();
                    zone.with_journal(journal(rows))
                });
                (data, (zone, skipped))
            })
            .unzip();
        let stats = install(&data, built, &catalog);
        if let Some(state) = state {
            if let Err(e) = state.replace_all(&data, &reverse, &saved_position) {
                tracing::warn!(dir = %state.path().display(), error = %e, "cannot save the zones in the state directory; a restart loads everything again");
            }
        }
        stats
    })
    .await
    .map_err(|e| sqlx::Error::Protocol(format!("building the zones failed: {e}")))?;
    stats.elapsed = started.elapsed();
    stats.read = read;
    stats.position = position;
    Ok(stats)
}

/// Hands zone `zone_id`, with its record rows, to the builders (rows of a zone that is not in
/// the read are ignored: the foreign key makes that impossible).
fn send_zone(
    builders: &Builders,
    waiting: &mut HashMap<i64, ZoneData>,
    zone_id: i64,
    records: Vec<RecordRow>,
) {
    if let Some(mut data) = waiting.remove(&zone_id) {
        data.records = records;
        builders.send(data);
    }
}

/// A zone built (or not), and how many of its RRsets were skipped.
type Built = (Result<Zone, ()>, usize);

/// Threads that build (and sign) zones as they are handed over, one per core: the load's CPU
/// work, done while the rest of the store is still being read. Each zone is built without its
/// journal, which is read last and joined afterwards ([`Zone::with_journal`]).
struct Builders {
    queue: Option<std::sync::mpsc::Sender<ZoneData>>,
    threads: Vec<std::thread::JoinHandle<Vec<(ZoneData, Built)>>>,
}

impl Builders {
    /// Starts the threads. Without `keep_rows` a zone's rows are freed once it is built (only
    /// a state directory needs them afterwards), keeping just its id and name.
    fn start(catalog: SharedCatalog, keep_rows: bool) -> Self {
        let (queue, jobs) = std::sync::mpsc::channel::<ZoneData>();
        let jobs = Arc::new(std::sync::Mutex::new(jobs));
        let now = unix_now();
        let count = std::thread::available_parallelism().map_or(1, usize::from);
        let threads = (0..count)
            .map(|_| {
                let (jobs, catalog) = (jobs.clone(), catalog.clone());
                std::thread::spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        // The lock is held only while taking the next zone.
                        let next = jobs.lock().map(|jobs| jobs.recv());
                        let Ok(Ok(mut data)) = next else {
                            break done;
                        };
                        let built = data.build_served(now, &catalog);
                        if !keep_rows {
                            data.records = Vec::new();
                            data.ptrs = Vec::new();
                            data.published = None;
                        }
                        done.push((data, built));
                    }
                })
            })
            .collect();
        Self {
            queue: Some(queue),
            threads,
        }
    }

    fn send(&self, data: ZoneData) {
        if let Some(queue) = &self.queue {
            // Fails only when every thread is gone (a panic while building, a bug): the zone
            // then keeps its previous snapshot, as failed builds do.
            let _ = queue.send(data);
        }
    }

    /// Waits until every zone handed over is built (this blocks), and returns them.
    fn finish(mut self) -> Vec<(ZoneData, Built)> {
        self.queue = None;
        let mut all = Vec::new();
        for thread in std::mem::take(&mut self.threads) {
            // A panic while building is a bug; the zones of that thread keep their previous
            // snapshots, as failed builds do.
            if let Ok(done) = thread.join() {
                all.extend(done);
            }
        }
        all
    }
}

/// Builds every zone of `data` and makes them the whole catalog (CPU work: call it on the
/// blocking pool). A zone that cannot be built keeps its previous snapshot, if it had one.
///
/// The zones are built on one thread per core (the load is what a restarted node waits for
/// before it answers), each thread taking the next zone, biggest first, so that one big zone
/// does not end up last on a thread.
pub(super) fn build_all(
    data: &[ZoneData],
    mut journals: HashMap<i64, Vec<JournalRow>>,
    catalog: &SharedCatalog,
) -> LoadStats {
    let now = unix_now();
    let mut order: Vec<usize> = (0..data.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(data[i].records.len()));
    // Taken by whichever thread builds the zone.
    let work: Vec<std::sync::Mutex<Option<Vec<JournalRow>>>> = data
        .iter()
        .map(|zone| std::sync::Mutex::new(Some(journals.remove(&zone.zone_id).unwrap_or_default())))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(data.len())
        .max(1);
    let build = || {
        let mut done = Vec::new();
        loop {
            let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&i) = order.get(at) else {
                break done;
            };
            let rows = work[i]
                .lock()
                .map(|mut rows| rows.take().unwrap_or_default())
                .unwrap_or_default();
            done.push((i, data[i].build(rows, now, catalog)));
        }
    };
    let results: Vec<(usize, Built)> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads).map(|_| scope.spawn(build)).collect();
        let mut all = build();
        for other in others {
            // A panic while building is a bug; the zones of that thread keep their
            // previous snapshots, as failed builds do.
            if let Ok(done) = other.join() {
                all.extend(done);
            }
        }
        all
    });
    let mut outcome: Vec<Built> = (0..data.len()).map(|_| (Err(()), 0)).collect();
    for (i, result) in results {
        outcome[i] = result;
    }
    install(data, outcome, catalog)
}

/// Makes the zones `built` from `data` (in the same order) the whole catalog. A zone whose
/// build failed keeps its previous snapshot, if it had one; zones not in `data` stop being
/// served.
fn install(data: &[ZoneData], built: Vec<Built>, catalog: &SharedCatalog) -> LoadStats {
    let previous = catalog.snapshot();
    let mut stats = LoadStats::default();
    let mut zones = Vec::with_capacity(data.len());
    for (zone, (result, skipped)) in data.iter().zip(built) {
        stats.skipped_rrsets += skipped;
        match result {
            Ok(zone) => {
                stats.zones += 1;
                stats.records += zone.record_count();
                zones.push(zone);
            }
            Err(()) => {
                stats.failed_zones += 1;
                if let Some(old) = parse_origin(zone.name()).and_then(|o| previous.zone(&o)) {
                    // A deep copy, but only of zones that are broken in the store: rare.
                    zones.push(Zone::clone(old));
                }
            }
        }
    }
    let next = Catalog::from_zones(zones);
    let kept = data
        .iter()
        .filter_map(|zone| parse_origin(zone.name()))
        .filter(|origin| previous.zone(origin).is_some() && next.zone(origin).is_some())
        .count();
    stats.removed_zones = previous.len().saturating_sub(kept);
    catalog.replace(next);
    stats
}

/// The journals of every zone (see [`read_journal`]), by zone id.
pub(super) async fn read_journals(
    conn: &mut PgConnection,
) -> Result<HashMap<i64, Vec<JournalRow>>, sqlx::Error> {
    let rows = sqlx::query_as!(
        JournalRow,
        r#"select c.zone_id as "zone_id!", c.old_serial, c.new_serial, c.removed, c.added
             from zone_change c
            where c.kind = 'update' and c.zone_id is not null
              and c.id > coalesce((select max(b.id) from zone_change b
                                    where b.zone_id = c.zone_id and b.kind in ('create', 'reset')), 0)
            order by c.zone_id, c.id"#
    )
    .fetch_all(conn)
    .await?;
    let mut journals: HashMap<i64, Vec<JournalRow>> = HashMap::new();
    for row in rows {
        journals.entry(row.zone_id).or_default().push(row);
    }
    Ok(journals)
}

/// The change log entries IXFR can answer from for zone `zone_id`: its updates since its last
/// baseline, oldest first.
async fn read_journal(
    conn: &mut PgConnection,
    zone_id: i64,
) -> Result<Vec<JournalRow>, sqlx::Error> {
    sqlx::query_as!(
        JournalRow,
        r#"select zone_id as "zone_id!", old_serial, new_serial, removed, added
             from zone_change c
            where zone_id = $1 and kind = 'update'
              and id > coalesce((select max(id) from zone_change
                                  where zone_id = $1 and kind in ('create', 'reset')), 0)
            order by id"#,
        zone_id
    )
    .fetch_all(conn)
    .await
}

/// One change log entry as the journal reads it.
pub(super) struct JournalRow {
    zone_id: i64,
    old_serial: Option<i64>,
    new_serial: Option<i64>,
    removed: Vec<Vec<u8>>,
    added: Vec<Vec<u8>>,
}

/// The journal of `rows` (one zone's, oldest first). An entry whose records are not whole
/// records ends the journal there, and a record that cannot be decoded ends every chain
/// through it when an IXFR asks ([`Journal::between`]): IXFR from before it becomes a whole
/// transfer.
fn journal(rows: Vec<JournalRow>) -> Journal {
    let mut deltas = Vec::with_capacity(rows.len());
    for row in rows {
        let (Some(from), Some(to), Some(removed), Some(added)) = (
            row.old_serial.and_then(|s| u32::try_from(s).ok()),
            row.new_serial.and_then(|s| u32::try_from(s).ok()),
            WireRecords::new(&row.removed),
            WireRecords::new(&row.added),
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
/// snapshot into the catalog, or removes the zone if its row is gone. Returns what was read,
/// for a state directory.
///
/// One repeatable-read transaction, hence one consistent view of the zone and its records.
pub async fn reload_zone(
    pool: &PgPool,
    catalog: &SharedCatalog,
    name: &str,
) -> Result<(ZoneReload, Option<ZoneData>), sqlx::Error> {
    let Some(origin) = parse_origin(name) else {
        tracing::warn!(
            zone = name,
            "ignoring a change notification with an invalid zone name"
        );
        return Ok((ZoneReload::Kept, None));
    };
    let mut tx = pool.begin().await?;
    sqlx::query!("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    let Some(data) = ZoneData::read_served(&mut tx, name).await? else {
        tx.commit().await?;
        catalog.remove_zone(&origin);
        return Ok((ZoneReload::Removed, None));
    };
    let rows = read_journal(&mut tx, data.zone_id).await?;
    tx.commit().await?;
    let signing_catalog = catalog.clone();
    // Building a big zone (65,536 PTRs) is CPU work of a noticeable fraction of a second: done
    // on the blocking pool, so that the runtime's workers keep answering queries meanwhile.
    let (built, data) = tokio::task::spawn_blocking(move || {
        let built = data.build(rows, unix_now(), &signing_catalog).0;
        (built, data)
    })
    .await
    .map_err(|e| sqlx::Error::Protocol(format!("building the zone failed: {e}")))?;
    match built {
        Ok(zone) => {
            let (serial, count) = (zone.serial(), zone.record_count());
            catalog.insert_zone(zone);
            Ok((
                ZoneReload::Loaded {
                    serial,
                    records: count,
                },
                Some(data),
            ))
        }
        Err(()) => Ok((ZoneReload::Kept, None)),
    }
}

/// The DS RRsets a zone serves at its delegations for the domains of its customers
/// ([`super::keys::published_ds`]), one RRset per delegation.
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

/// Builds one zone snapshot from its row and its record rows (adjacent per RRset). Returns
/// the zone, or `Err` when it cannot be served (the cause is logged), and how many RRsets were
/// skipped.
fn build_zone(
    zone: &ZoneRow,
    records: &[RecordRow],
    extras: impl FnOnce(&Name) -> (Vec<Rrset>, Synth, usize),
) -> (Result<Zone, ()>, usize) {
    let Ok((origin, soa)) = origin_and_soa(zone) else {
        return (Err(()), 0);
    };
    let name = &zone.name;
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

/// The zone's origin and its SOA, which is not a record row: it is built from the zone's
/// columns (RFC 1035 §3.3.13). `Err` when either is invalid (logged).
fn origin_and_soa(zone: &ZoneRow) -> Result<(Name, Rrset), ()> {
    let name = &zone.name;
    let Some(origin) = parse_origin(name) else {
        tracing::error!(zone = %name, "zone name in the store is not a valid DNS name; not served");
        return Err(());
    };
    let soa_text = soa_rdata(
        &zone.soa_mname,
        &zone.soa_rname,
        zone.serial,
        [
            zone.soa_refresh,
            zone.soa_retry,
            zone.soa_expire,
            zone.soa_minimum,
        ],
    );
    match validate_rrset(&origin, name, "SOA", i64::from(zone.soa_ttl), &[soa_text]) {
        Ok(soa) => Ok((origin, soa)),
        Err(errors) => {
            tracing::error!(zone = %name, errors = %join(&errors), "invalid SOA fields; zone keeps its previous snapshot");
            Err(())
        }
    }
}

/// Builds one zone snapshot from its row and the records it published ([`ZoneData::published`]),
/// like [`build_zone`] from its rows: the zone, or `Err` when it cannot be served (logged),
/// and how many published records were left out (see [`Zone::from_wire`]).
fn build_published(
    zone: &ZoneRow,
    published: &[u8],
    synth: impl FnOnce(&Name) -> Synth,
) -> (Result<Zone, ()>, usize) {
    let Ok((origin, soa)) = origin_and_soa(zone) else {
        return (Err(()), 0);
    };
    match Zone::from_wire(&origin, soa, published) {
        Ok((zone, skipped)) => {
            if skipped > 0 {
                tracing::warn!(zone = %zone.origin(), skipped, "published records that cannot be served were left out");
            }
            (Ok(zone.with_synth(synth(&origin))), skipped)
        }
        Err(e) => {
            tracing::error!(zone = %zone.name, error = %e, "zone cannot be served; it keeps its previous snapshot");
            (Err(()), 0)
        }
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
