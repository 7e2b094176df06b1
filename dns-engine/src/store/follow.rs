//! Following the change log by id.
//!
//! The write path appends one `zone_change` entry per changed zone in the transaction of the
//! change (also for changes without a serial: `reload`, `policy`; see
//! `migrations/0011_engine_nodes.sql`). A node remembers the last id it applied and asks for
//! the entries after it; each pass re-reads every zone they name, once, and then the transfer
//! policy if an entry asks for it. Three things wake a pass: a notification on
//! [`CHANGE_CHANNEL`] (on the primary; LISTEN is not allowed on a hot standby), the poll
//! interval (the only one on a replica), and the end of an outage.
//!
//! **Ids commit out of order.** An identity value is taken at insert, not at commit: entry 11
//! can become visible before entry 10, whose transaction is still running. So the ids between
//! the last one seen and a newer one are kept as *holes* and asked for again with every poll;
//! one that turns up is logged and its zone re-read ([`Progress::reordered`]). Most holes never
//! fill — rolled-back transactions, entries trimmed by retention — and are forgotten after
//! [`HOLE_TTL`], far longer than a write holds its transaction open. The same holds at start:
//! the ids missing from the last [`HOLE_WINDOW`] before the loaded position are holes.
//!
//! **The log covers every missed change.** Retention always keeps a zone's newest entry, and
//! a deleted zone's `delete` entry stays, so a node that was cut off re-reads exactly the
//! zones changed meanwhile. Only a log whose newest id is below the node's own (a restored or
//! different store) cannot say what changed: then everything is loaded again.
//!
//! **Serve stale, never half.** While the store cannot be read the node answers from its last
//! snapshots and reports [`NodeState::Stale`]; it retries with backoff and catches up from its
//! last id when the store is back.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use hickory_proto::rr::Name;
use sqlx::postgres::PgListener;
use sqlx::{PgConnection, PgPool};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::load::{
    build_all, load_all, read_journals, reload_zone, LoadStats, ZoneData, ZoneReload,
};
use super::policy::{load_policy, DEFAULT_CATALOG_ZONE};
use super::state::StateDir;
use super::{parse_origin, CHANGE_CHANNEL, TRANSFER_CHANGED};
use crate::SharedCatalog;

/// The poll interval unless configured: on a replica, the most a change waits for its poll.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Ids missing below a newer one are asked for again this long.
pub const HOLE_TTL: Duration = Duration::from_secs(600);
/// At start, the ids this far below the loaded position that are missing are holes.
pub const HOLE_WINDOW: i64 = 1000;
/// Holes kept at most; beyond it the oldest are forgotten (and that is logged).
const MAX_HOLES: usize = 10_000;
/// Entries read per pass; a node that missed more goes on at once with the next pass.
const BATCH: i64 = 10_000;
/// How often a listener on a hot standby checks whether it has been promoted.
const STANDBY_RECHECK: Duration = Duration::from_secs(30);
/// First wait before reconnecting or retrying a failed pass; doubled up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Told when the engine serves a zone's new serial (the primary sends NOTIFY then, not at
/// commit, or a secondary asking at once would still get the old serial).
pub trait Served: Send + Sync + std::fmt::Debug {
    /// The engine now serves `serial` of zone `zone` (absolute, lower case).
    fn served(&self, zone: &str, serial: u32);
}

/// How a follower follows.
#[derive(Clone, Debug)]
pub struct FollowConfig {
    /// How often the log is asked for new entries without a wake-up.
    pub poll_interval: Duration,
    /// The name of the catalog zone (RFC 9432) built from the zone list.
    pub catalog_zone: Name,
    /// Whom to tell about newly served serials.
    pub served: Option<Arc<dyn Served>>,
    /// Where the served rows and the log position are kept, so that a restart catches up
    /// from the last id ([`super::state`]); none: every start loads everything.
    pub state: Option<StateDir>,
}

impl Default for FollowConfig {
    fn default() -> Self {
        Self {
            poll_interval: DEFAULT_POLL_INTERVAL,
            catalog_zone: parse_origin(DEFAULT_CATALOG_ZONE).unwrap_or_default(),
            served: None,
            state: None,
        }
    }
}

/// Where the change log stood in the snapshot a full load read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogPosition {
    /// The newest id (0 for an empty log).
    pub last: i64,
    /// Ids of the [`HOLE_WINDOW`] below `last` that were not visible.
    pub missing: Vec<i64>,
}

impl LogPosition {
    /// Reads the position in `conn`'s snapshot.
    pub(super) async fn read(conn: &mut PgConnection) -> Result<Self, sqlx::Error> {
        let last =
            sqlx::query_scalar!(r#"select coalesce(max(id), 0) as "last!" from zone_change"#)
                .fetch_one(&mut *conn)
                .await?;
        let seen: BTreeSet<i64> = sqlx::query_scalar!(
            "select id from zone_change where id > $1 order by id",
            last - HOLE_WINDOW
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
        let missing = ((last - HOLE_WINDOW).max(0) + 1..=last)
            .filter(|id| !seen.contains(id))
            .collect();
        Ok(Self { last, missing })
    }
}

/// A node's state, as its health port and heartbeat report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeState {
    /// The first full load has not finished: nothing is served yet.
    Loading,
    /// Keeping up with the change log.
    Following,
    /// The store cannot be read; the last snapshots are served.
    Stale,
}

impl NodeState {
    /// The name the heartbeat table and the health port use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Loading => "loading",
            Self::Following => "following",
            Self::Stale => "stale",
        }
    }
}

/// What a node reports about itself.
#[derive(Clone, Debug)]
pub struct Report {
    pub state: NodeState,
    /// The last change log entry applied, and when it was committed (its `created_at`).
    pub last_change_id: i64,
    pub last_change_at: Option<SystemTime>,
    /// When the log was last read successfully (nothing newer was there then).
    pub checked_at: Option<SystemTime>,
    /// Whether the store is a hot standby (the node polls, it cannot LISTEN).
    pub replica: bool,
    pub zones: usize,
    pub records: usize,
    /// Full loads done (1 after the start, more only when the log could not say what changed;
    /// 0 after a start from the state directory).
    pub full_loads: u64,
    /// Whether this run started from the state directory (and caught up from its position).
    pub restored: bool,
    pub last_full_load: Option<LoadStats>,
    /// Entries applied and zones re-read since the start.
    pub entries_applied: u64,
    pub zones_reread: u64,
    /// Entries that became visible after a newer one (their zones were re-read then).
    pub reordered: u64,
    /// Why the store cannot be read, while [`NodeState::Stale`].
    pub error: Option<String>,
}

/// The shared, live [`Report`] of a follower (cheap to clone).
#[derive(Clone, Debug)]
pub struct NodeStatus(Arc<Mutex<Report>>);

impl Default for NodeStatus {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(Report {
            state: NodeState::Loading,
            last_change_id: 0,
            last_change_at: None,
            checked_at: None,
            replica: false,
            zones: 0,
            records: 0,
            full_loads: 0,
            restored: false,
            last_full_load: None,
            entries_applied: 0,
            zones_reread: 0,
            reordered: 0,
            error: None,
        })))
    }
}

impl NodeStatus {
    /// A copy of the report now.
    pub fn report(&self) -> Report {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn update(&self, f: impl FnOnce(&mut Report)) {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// What the listener hands to the worker.
#[derive(Debug)]
enum Wake {
    /// A notification: its payload names a zone (or [`TRANSFER_CHANGED`]). Re-read with the
    /// next pass even without a log entry, for writes made by hand.
    Hint(String),
    /// The listener (re)connected: notifications may have been missed.
    Connected,
}

/// The running follower: a listener task and a worker task, both ending when the stop
/// channel turns `true`.
pub struct Follower {
    listener: JoinHandle<()>,
    worker: JoinHandle<()>,
    status: NodeStatus,
}

impl Follower {
    /// Loads every zone into `catalog` and starts following the change log. Returns once the
    /// catalog holds every zone; fails if the store cannot be read.
    pub async fn start(
        pool: PgPool,
        catalog: SharedCatalog,
        stop: watch::Receiver<bool>,
        config: FollowConfig,
    ) -> Result<Follower, sqlx::Error> {
        let status = NodeStatus::default();
        let replica = in_recovery(&pool).await?;
        status.update(|r| r.replica = replica);
        let mut progress = Progress::default();
        let restored = match &config.state {
            Some(state) => progress.restore(&pool, &catalog, state, &status).await,
            None => false,
        };
        if restored {
            policy(&pool, &catalog, &config).await?;
        } else {
            progress
                .full_load(&pool, &catalog, &config, &status)
                .await?;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let listener = tokio::spawn(listen(pool.clone(), tx, stop.clone()));
        let worker = tokio::spawn(work(
            pool,
            catalog,
            rx,
            stop,
            config,
            status.clone(),
            progress,
        ));
        Ok(Follower {
            listener,
            worker,
            status,
        })
    }

    /// The live report of this follower.
    pub fn status(&self) -> NodeStatus {
        self.status.clone()
    }

    /// Waits for both tasks to end (after the stop channel turned `true`).
    pub async fn join(self) {
        for (what, task) in [("listener", self.listener), ("worker", self.worker)] {
            if let Err(e) = task.await {
                tracing::error!(task = what, error = %e, "store follower task failed");
            }
        }
    }
}

async fn in_recovery(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(r#"select pg_is_in_recovery() as "recovery!""#)
        .fetch_one(pool)
        .await
}

/// One entry of the change log as a node follows it.
#[derive(Debug)]
struct Entry {
    id: i64,
    zone_name: String,
    kind: String,
    /// When the entry was committed, in milliseconds since the Unix epoch.
    created_ms: i64,
}

impl Entry {
    /// What the entry asks the node to re-read: a zone's name, or [`TRANSFER_CHANGED`].
    fn target(&self) -> &str {
        if self.kind == "policy" {
            TRANSFER_CHANGED
        } else {
            &self.zone_name
        }
    }
}

/// Where a follower stands in the log.
#[derive(Debug, Default)]
struct Progress {
    /// The newest id applied.
    last: i64,
    /// Ids below `last` not seen yet, with when they were first missed.
    holes: BTreeMap<i64, Instant>,
    /// Set when the next pass must load everything.
    reload_all: bool,
    /// Where applied zones and the position are saved.
    state: Option<StateDir>,
    /// Whether it started from the state directory (the first pass is its catch-up).
    restored: bool,
}

/// Records reloaded in one pass from which on the freed memory is given back as after a full
/// load. Signing the bench's two big zones (100,000 RRsets each) through the API left
/// `zonekeeper serve` at 301 MiB PSS where a fresh load of the same signed zones takes 179 MiB:
/// the old snapshots and the signing's own allocations were freed but stayed in the arenas,
/// and each further sign-and-unsign grew it (366 and 388 MiB in two later rounds). With this,
/// 202–214 MiB in four rounds, and signed answers as fast as without it. Below it a pass
/// rebuilds too little to matter, and small changes may come many a second.
const TRIM_AFTER_RECORDS: usize = 10_000;

/// Gives the memory that building every zone used and freed back to the system.
///
/// A full load builds zones on several threads, each in its own glibc malloc arena, and the
/// rows and records it makes on the way are freed in an order that leaves free pages inside
/// the arenas. `malloc_trim` returns them (glibc only): on the bench workload (1,005 zones,
/// 308,019 records) the resident size after the load fell from 836 to 768 MiB, when the
/// snapshot's allocations still lay among the rows'. (`Zone::new` now makes them together,
/// which took the same load to 233 MiB.)
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator's arenas; it touches
    // no memory that is in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// What one pass did.
#[derive(Debug, Default)]
struct Pass {
    entries: usize,
    zones: usize,
    reordered: usize,
    /// More entries are waiting (the batch was full).
    more: bool,
}

impl Progress {
    /// Loads every zone and the policy, and starts from the log position of that load.
    async fn full_load(
        &mut self,
        pool: &PgPool,
        catalog: &SharedCatalog,
        config: &FollowConfig,
        status: &NodeStatus,
    ) -> Result<(), sqlx::Error> {
        policy(pool, catalog, config).await?;
        let stats = load_all(pool, catalog, config.state.as_ref()).await?;
        release_free_memory();
        tracing::info!(
            zones = stats.zones,
            records = stats.records,
            removed_zones = stats.removed_zones,
            skipped_rrsets = stats.skipped_rrsets,
            failed_zones = stats.failed_zones,
            change_id = stats.position.last,
            elapsed_ms = stats.elapsed.as_secs_f64() * 1000.0,
            read_ms = stats.read.as_secs_f64() * 1000.0,
            "DNS engine loaded all zones"
        );
        self.last = stats.position.last;
        let now = Instant::now();
        self.holes = stats.position.missing.iter().map(|id| (*id, now)).collect();
        self.reload_all = false;
        self.state = config.state.clone();
        status.update(|r| {
            r.state = NodeState::Following;
            r.error = None;
            r.last_change_id = stats.position.last;
            r.checked_at = Some(SystemTime::now());
            r.zones = catalog.snapshot().len();
            r.records = stats.records;
            r.full_loads += 1;
            r.last_full_load = Some(stats);
        });
        Ok(())
    }

    /// Builds the zones kept in `state` (their journals read from the store) and starts from
    /// its position; `false` when it holds nothing usable (then everything is loaded).
    async fn restore(
        &mut self,
        pool: &PgPool,
        catalog: &SharedCatalog,
        state: &StateDir,
        status: &NodeStatus,
    ) -> bool {
        let started = Instant::now();
        let dir = state.clone();
        let saved = match tokio::task::spawn_blocking(move || dir.load()).await {
            Ok(Ok(Some(saved))) => saved,
            Ok(Ok(None)) | Err(_) => return false,
            Ok(Err(e)) => {
                tracing::warn!(dir = %state.path().display(), error = %e, "cannot read the state directory; loading everything");
                return false;
            }
        };
        let journals = match pool.acquire().await {
            Ok(mut conn) => read_journals(&mut conn).await,
            Err(e) => Err(e),
        };
        let journals = match journals {
            Ok(journals) => journals,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the journals; loading everything");
                return false;
            }
        };
        let building = catalog.clone();
        let zones = saved.zones;
        let Ok(stats) =
            tokio::task::spawn_blocking(move || build_all(&zones, journals, &building)).await
        else {
            return false;
        };
        release_free_memory();
        tracing::info!(
            zones = stats.zones,
            records = stats.records,
            failed_zones = stats.failed_zones,
            change_id = saved.position.last,
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "restored the zones from the state directory; catching up from its change id"
        );
        self.last = saved.position.last;
        let now = Instant::now();
        self.holes = saved.position.missing.iter().map(|id| (*id, now)).collect();
        self.state = Some(state.clone());
        self.restored = true;
        status.update(|r| {
            r.state = NodeState::Following;
            r.restored = true;
            r.last_change_id = saved.position.last;
            r.zones = catalog.snapshot().len();
            r.records = stats.records;
        });
        true
    }

    /// Saves the zones a pass re-read, then the position that covers them (a failure is
    /// logged: the next restart then repeats more of the log, or loads everything).
    async fn save(&self, state: StateDir, zones: Vec<ZoneData>, removed: Vec<String>) {
        let position = LogPosition {
            last: self.last,
            missing: self.holes.keys().copied().collect(),
        };
        let saving = state.clone();
        let result = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            for zone in &zones {
                saving.save_zone(zone)?;
            }
            for name in &removed {
                saving.remove_zone(name)?;
            }
            if let Some(zone) = zones.last() {
                saving.save_reverse(zone.reverse())?;
            }
            saving.save_position(&position)
        })
        .await;
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(dir = %state.path().display(), error = %e, "cannot save to the state directory")
            }
            Err(e) => tracing::warn!(error = %e, "saving to the state directory failed"),
        }
    }

    /// Applies what the log has after `last` (and in the holes), plus the zones `hinted` by
    /// notifications. Nothing moves unless every zone was re-read: a failed pass is repeated
    /// whole.
    async fn pass(
        &mut self,
        pool: &PgPool,
        catalog: &SharedCatalog,
        config: &FollowConfig,
        status: &NodeStatus,
        hinted: &BTreeSet<String>,
    ) -> Result<Pass, sqlx::Error> {
        if self.reload_all {
            self.full_load(pool, catalog, config, status).await?;
        }
        let head =
            sqlx::query_scalar!(r#"select coalesce(max(id), 0) as "head!" from zone_change"#)
                .fetch_one(pool)
                .await?;
        if head < self.last {
            tracing::warn!(
                node_change_id = self.last,
                store_change_id = head,
                "the store's change log ends before this node's position (a restored or another store); loading everything"
            );
            self.full_load(pool, catalog, config, status).await?;
        }
        let holes: Vec<i64> = self.holes.keys().copied().collect();
        let entries = sqlx::query_as!(
            Entry,
            r#"select id, zone_name, kind,
                    (extract(epoch from created_at) * 1000)::bigint as "created_ms!"
               from zone_change
              where id > $1 or id = any($2) order by id limit $3"#,
            self.last,
            &holes,
            BATCH
        )
        .fetch_all(pool)
        .await?;
        let mut targets: BTreeSet<&str> = entries.iter().map(Entry::target).collect();
        targets.extend(hinted.iter().map(String::as_str));
        // The catalog zone after the zones it lists: a consumer told of a new member asks for
        // it at once, and must find it served.
        let policy_changed = targets.remove(TRANSFER_CHANGED);
        let mut records = 0usize;
        let mut saved: Vec<ZoneData> = Vec::new();
        let mut removed: Vec<String> = Vec::new();
        for zone in &targets {
            let started = Instant::now();
            let (outcome, data) = reload_zone(pool, catalog, zone).await?;
            match (&outcome, data) {
                (ZoneReload::Loaded { .. }, Some(data)) => saved.push(data),
                (ZoneReload::Removed, _) => removed.push((*zone).to_owned()),
                _ => {}
            }
            tracing::debug!(
                zone = %zone,
                outcome = ?outcome,
                elapsed_us = started.elapsed().as_micros() as u64,
                "zone reloaded"
            );
            if let ZoneReload::Loaded { serial, records: n } = outcome {
                records += n;
                if let Some(served) = &config.served {
                    served.served(zone, serial);
                }
            }
        }
        if policy_changed {
            policy(pool, catalog, config).await?;
        }
        if records >= TRIM_AFTER_RECORDS {
            // The snapshots these replaced are freed by now (a reader holds one for a packet),
            // and so is what building and signing them used.
            release_free_memory();
        }

        // Everything is applied: move on.
        let mut pass = Pass {
            entries: entries.len(),
            zones: targets.len() + usize::from(policy_changed),
            more: i64::try_from(entries.len()).unwrap_or(i64::MAX) >= BATCH,
            ..Pass::default()
        };
        let now = Instant::now();
        let mut newest = None;
        for entry in &entries {
            if self.holes.remove(&entry.id).is_some() {
                pass.reordered += 1;
                tracing::info!(
                    change_id = entry.id,
                    after = self.last,
                    zone = %entry.target(),
                    "change committed after a newer one; its zone was re-read now"
                );
            } else if entry.id > self.last {
                for missing in self.last + 1..entry.id {
                    self.holes.insert(missing, now);
                }
                self.last = entry.id;
                newest = Some(entry.created_ms);
            }
        }
        self.holes
            .retain(|_, since| now.duration_since(*since) < HOLE_TTL);
        while self.holes.len() > MAX_HOLES {
            if let Some((id, _)) = self.holes.pop_first() {
                tracing::warn!(
                    change_id = id,
                    "too many missing change ids; forgetting the oldest"
                );
            }
        }
        if let (Some(state), true) = (&self.state, pass.entries > 0 || !saved.is_empty()) {
            self.save(state.clone(), saved, removed).await;
        }
        let (last, zones) = (self.last, catalog.snapshot().len());
        status.update(|r| {
            r.state = NodeState::Following;
            r.error = None;
            r.last_change_id = last;
            if let Some(ms) = newest {
                r.last_change_at = u64::try_from(ms)
                    .ok()
                    .map(|ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms));
            }
            r.checked_at = Some(SystemTime::now());
            r.zones = zones;
            if records > 0 {
                // A cheap running figure; every full load sets it exactly.
                r.records = catalog.snapshot().record_count();
            }
            r.entries_applied += pass.entries as u64;
            r.zones_reread += pass.zones as u64;
            r.reordered += pass.reordered as u64;
        });
        Ok(pass)
    }
}

/// Re-reads the transfer policy and the catalog zone; tells the catalog's consumers when its
/// serial moved.
async fn policy(
    pool: &PgPool,
    catalog: &SharedCatalog,
    config: &FollowConfig,
) -> Result<(), sqlx::Error> {
    let serial = |catalog: &SharedCatalog| {
        catalog
            .transfer_policy()
            .catalog
            .as_ref()
            .map(|z| z.serial())
    };
    let before = serial(catalog);
    let mut conn = pool.acquire().await?;
    load_policy(&mut conn, catalog, &config.catalog_zone).await?;
    let after = serial(catalog);
    if let (Some(served), Some(serial)) = (&config.served, after) {
        if before.is_some() && before != after {
            served.served(&config.catalog_zone.to_ascii(), serial);
        }
    }
    Ok(())
}

/// Resolves when the stop channel is `true` (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Sleeps `wait`, or less if stopped; `false` when stopped.
async fn sleep_unless_stopped(stop: &mut watch::Receiver<bool>, wait: Duration) -> bool {
    tokio::select! {
        () = stopped(stop) => false,
        () = tokio::time::sleep(wait) => true,
    }
}

/// Turns notifications into wake-ups. On a hot standby it only checks now and then whether
/// the store has been promoted; on a lost connection it reconnects with backoff.
async fn listen(pool: PgPool, tx: mpsc::UnboundedSender<Wake>, mut stop: watch::Receiver<bool>) {
    let mut backoff = MIN_BACKOFF;
    // The first connection follows the start's full load: nothing was missed before it.
    let mut first = true;
    loop {
        if pool.is_closed() {
            return;
        }
        let connected = async {
            if in_recovery(&pool).await? {
                return Ok(None);
            }
            let mut listener = PgListener::connect_with(&pool).await?;
            // A lost connection is reported at once (`Ok(None)`) and re-established here,
            // with backoff, rather than inside `try_recv` where the loss would be invisible.
            listener.eager_reconnect(false);
            listener.listen(CHANGE_CHANNEL).await?;
            Ok::<_, sqlx::Error>(Some(listener))
        };
        let mut listener = tokio::select! {
            () = stopped(&mut stop) => return,
            result = connected => match result {
                Ok(Some(listener)) => listener,
                Ok(None) => {
                    // A standby: the worker polls. Promotion is noticed here.
                    if !sleep_unless_stopped(&mut stop, STANDBY_RECHECK).await {
                        return;
                    }
                    continue;
                }
                Err(e) => {
                    tracing::debug!(error = %e, retry_in_ms = backoff.as_millis() as u64, "cannot LISTEN for change notifications");
                    if !sleep_unless_stopped(&mut stop, backoff).await {
                        return;
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            },
        };
        backoff = MIN_BACKOFF;
        if !std::mem::take(&mut first) && tx.send(Wake::Connected).is_err() {
            return;
        }
        loop {
            tokio::select! {
                () = stopped(&mut stop) => return,
                result = listener.try_recv() => match result {
                    Ok(Some(n)) => {
                        if tx.send(Wake::Hint(n.payload().to_owned())).is_err() {
                            return;
                        }
                    }
                    Ok(None) => {
                        tracing::warn!("change listener lost its connection; reconnecting (changes are caught up from the log)");
                        break;
                    }
                    Err(sqlx::Error::PoolClosed) => return,
                    Err(e) => {
                        tracing::warn!(error = %e, "change listener failed; reconnecting");
                        break;
                    }
                },
            }
        }
    }
}

/// Runs passes: on each wake-up and poll tick, and again at once while entries are waiting;
/// a failed pass is retried with backoff while the last snapshots are served.
async fn work(
    pool: PgPool,
    catalog: SharedCatalog,
    mut rx: mpsc::UnboundedReceiver<Wake>,
    mut stop: watch::Receiver<bool>,
    config: FollowConfig,
    status: NodeStatus,
    mut progress: Progress,
) {
    let mut hinted: BTreeSet<String> = BTreeSet::new();
    let mut backoff = MIN_BACKOFF;
    let mut tick = tokio::time::interval(config.poll_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut again = false;
    // Set while the node is behind for a reason (an outage, a reconnect): the next good pass
    // is reported as its catch-up.
    let mut catching_up: Option<Instant> = progress.restored.then(Instant::now);
    loop {
        if !again {
            tokio::select! {
                () = stopped(&mut stop) => return,
                wake = rx.recv() => match wake {
                    Some(wake) => queue(wake, &mut hinted, &mut catching_up),
                    None => return,
                },
                _ = tick.tick() => {}
            }
        }
        // Coalesce: whatever else is already queued is served by this same pass.
        while let Ok(wake) = rx.try_recv() {
            queue(wake, &mut hinted, &mut catching_up);
        }
        let started = Instant::now();
        match progress
            .pass(&pool, &catalog, &config, &status, &hinted)
            .await
        {
            Ok(pass) => {
                hinted.clear();
                backoff = MIN_BACKOFF;
                again = pass.more;
                if pass.entries > 0 {
                    tracing::debug!(
                        entries = pass.entries,
                        zones = pass.zones,
                        change_id = progress.last,
                        elapsed_us = started.elapsed().as_micros() as u64,
                        "change log applied"
                    );
                }
                if let (Some(since), false) = (catching_up, pass.more) {
                    catching_up = None;
                    let report = status.report();
                    tracing::info!(
                        change_id = progress.last,
                        entries = report.entries_applied,
                        zones_reread = report.zones_reread,
                        behind_ms = since.elapsed().as_millis() as u64,
                        "caught up with the change log"
                    );
                }
            }
            Err(sqlx::Error::PoolClosed) => {
                tracing::info!("store closed; no longer following zone changes");
                return;
            }
            Err(e) => {
                again = false;
                catching_up.get_or_insert_with(Instant::now);
                status.update(|r| {
                    r.state = NodeState::Stale;
                    r.error = Some(e.to_string());
                });
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "cannot read zone changes from the store; serving the last snapshots");
                if !sleep_unless_stopped(&mut stop, backoff).await {
                    return;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

fn queue(wake: Wake, hinted: &mut BTreeSet<String>, catching_up: &mut Option<Instant>) {
    match wake {
        Wake::Hint(zone) => {
            hinted.insert(zone);
        }
        Wake::Connected => {
            catching_up.get_or_insert_with(Instant::now);
        }
    }
}
