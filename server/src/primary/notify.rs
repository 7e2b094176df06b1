//! NOTIFY out (RFC 1996) and the sync status of the secondaries.
//!
//! The engine's store follower calls [`Notifier`]'s [`dns_engine::store::Served::served`] once the engine serves a zone's
//! new serial — not at commit, or a secondary asking at once would still see the old one.
//! For each zone and secondary one task at a time sends the NOTIFY; changes arriving
//! meanwhile mark the pair again, so a burst of changes costs one more NOTIFY, not one per
//! change, the last change is never lost, and a dead secondary delays no other.
//!
//! Each secondary gets the NOTIFY (TSIG-signed with its key) until it answers, at most
//! [`ATTEMPTS`] times with doubling waits (RFC 1996 §3.6 asks for retries; the bound keeps a
//! dead secondary from costing more than a few datagrams). Then it is asked for the zone's
//! SOA until it serves our serial or [`SYNC_CHECKS`] checks have passed, and what it said goes
//! into `secondary_sync`: the serial it serves, or the error, and since when it is behind.
//! [`sweep`] asks every secondary about every zone periodically too (the maintenance loop).
//! Nothing here is on the path of a save.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use dns_engine::model::serial_gt;
use dns_engine::tsig::{self, Algorithm, Key};
use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use sqlx::PgPool;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;

/// NOTIFY datagrams sent to a secondary before giving up on it for this change.
pub const ATTEMPTS: u32 = 5;
/// The wait for the first answer unless configured; doubled after each attempt (1+2+4+8+16 s
/// in all).
pub const FIRST_WAIT: Duration = Duration::from_secs(1);
/// SOA checks of a secondary after it answered the NOTIFY.
const SYNC_CHECKS: u32 = 8;
const SYNC_FIRST_WAIT: Duration = Duration::from_millis(100);
/// NOTIFY exchanges in flight at once.
const CONCURRENT_NOTIFIES: usize = 64;

/// Hands changed zones to the NOTIFY worker. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Notifier {
    tx: mpsc::UnboundedSender<(String, u32)>,
}

impl Notifier {
    /// Starts the worker, waiting `first_wait` for the first answer to each NOTIFY
    /// ([`FIRST_WAIT`] in production; tests on loopback use less); it ends when `stop` turns
    /// `true`.
    pub fn start(
        pool: PgPool,
        stop: watch::Receiver<bool>,
        first_wait: Duration,
    ) -> (Notifier, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            Notifier { tx },
            tokio::spawn(run(pool, rx, stop, first_wait)),
        )
    }
}

impl dns_engine::store::Served for Notifier {
    fn served(&self, zone: &str, serial: u32) {
        let _ = self.tx.send((zone.to_owned(), serial));
    }
}

/// A secondary as NOTIFY needs it.
#[derive(Clone, Debug)]
struct Secondary {
    id: i64,
    addr: SocketAddr,
    catalog: bool,
    key: Option<Arc<Key>>,
}

async fn run(
    pool: PgPool,
    mut rx: mpsc::UnboundedReceiver<(String, u32)>,
    mut stop: watch::Receiver<bool>,
    first_wait: Duration,
) {
    // Per (zone, secondary) being notified: the serial of a change that arrived meanwhile.
    // One pair at a time, so a dead secondary delays nobody else, and a burst of changes
    // costs one more NOTIFY per secondary, with the latest serial.
    let mut running: HashMap<(String, i64), Option<u32>> = HashMap::new();
    let mut tasks: JoinSet<(String, Secondary)> = JoinSet::new();
    let gate = Arc::new(Semaphore::new(CONCURRENT_NOTIFIES));
    loop {
        tokio::select! {
            () = stopped(&mut stop) => return,
            change = rx.recv() => {
                let Some((zone, serial)) = change else { return };
                let targets = match targets(&pool, &zone).await {
                    Ok(list) => list,
                    Err(e) => {
                        tracing::warn!(zone, error = %e, "cannot read the secondaries; NOTIFY not sent");
                        continue;
                    }
                };
                for secondary in targets {
                    match running.get_mut(&(zone.clone(), secondary.id)) {
                        Some(pending) => *pending = Some(serial),
                        None => {
                            running.insert((zone.clone(), secondary.id), None);
                            tasks.spawn(notify_one(pool.clone(), gate.clone(), secondary, zone.clone(), serial, first_wait));
                        }
                    }
                }
            }
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                let Ok((zone, secondary)) = done else { continue };
                if let Some(Some(serial)) = running.remove(&(zone.clone(), secondary.id)) {
                    running.insert((zone.clone(), secondary.id), None);
                    tasks.spawn(notify_one(pool.clone(), gate.clone(), secondary, zone, serial, first_wait));
                }
            }
        }
    }
}

/// Asks every secondary for the serial of every zone it follows, as the periodic complement
/// of the checks after each NOTIFY (a secondary can fall behind, or be restored from an old
/// backup, without any change here). Returns how many answers were recorded.
pub async fn sweep(pool: &PgPool) -> sqlx::Result<usize> {
    let all = secondaries(pool).await?;
    if all.is_empty() {
        return Ok(0);
    }
    let zones = sqlx::query!("select name, serial from zone order by name")
        .fetch_all(pool)
        .await?;
    let gate = Arc::new(Semaphore::new(CONCURRENT_NOTIFIES));
    let mut checks = JoinSet::new();
    for zone in zones {
        let Ok(name) = Name::from_ascii(&zone.name) else {
            continue;
        };
        let ours = u32::try_from(zone.serial).unwrap_or(0);
        for secondary in &all {
            let (pool, gate, secondary, name, zone) = (
                pool.clone(),
                gate.clone(),
                secondary.clone(),
                name.clone(),
                zone.name.clone(),
            );
            checks.spawn(async move {
                let Ok(_permit) = gate.acquire().await else {
                    return false;
                };
                let status = soa_serial(&secondary, &name).await;
                record(&pool, &secondary, &zone, ours, status).await.is_ok()
            });
        }
    }
    let mut recorded = 0;
    while let Some(done) = checks.join_next().await {
        recorded += usize::from(done.unwrap_or(false));
    }
    Ok(recorded)
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// The secondaries to notify about `zone`: all of them, or for the catalog zone (which is no
/// row of `zone`) those that consume it.
async fn targets(pool: &PgPool, zone: &str) -> sqlx::Result<Vec<Secondary>> {
    let hosted = sqlx::query_scalar!(
        r#"select exists (select 1 from zone where name = $1) as "hosted!""#,
        zone
    )
    .fetch_one(pool)
    .await?;
    Ok(secondaries(pool)
        .await?
        .into_iter()
        .filter(|s| hosted || s.catalog)
        .collect())
}

/// Notifies one secondary of `zone`'s `serial`; once it answered, asks it (in a task of its
/// own, so that the next change's NOTIFY need not wait) which serial it serves.
async fn notify_one(
    pool: PgPool,
    gate: Arc<Semaphore>,
    secondary: Secondary,
    zone: String,
    serial: u32,
    first_wait: Duration,
) -> (String, Secondary) {
    let Ok(_permit) = gate.acquire().await else {
        return (zone, secondary);
    };
    let Ok(name) = Name::from_ascii(&zone) else {
        return (zone, secondary);
    };
    match notify(&secondary, &name, serial, first_wait).await {
        Ok(()) => {
            let (pool, checked, zone) = (pool.clone(), secondary.clone(), zone.clone());
            tokio::spawn(async move {
                let status = sync_check(&checked, &name, serial).await;
                if let Err(e) = record(&pool, &checked, &zone, serial, status).await {
                    tracing::warn!(zone, error = %e, "cannot record the sync status");
                }
            });
        }
        Err(e) => {
            if let Err(e) = record(&pool, &secondary, &zone, serial, Err(e)).await {
                tracing::warn!(zone, error = %e, "cannot record the sync status");
            }
        }
    }
    (zone, secondary)
}

async fn secondaries(pool: &PgPool) -> sqlx::Result<Vec<Secondary>> {
    let rows = sqlx::query!(
        r#"select s.id, host(s.address) as "address!", s.port, s.catalog,
                  k.name as "key_name?", k.algorithm as "algorithm?", k.secret as "secret?"
             from secondary s left join tsig_key k on k.id = s.tsig_key_id
            order by s.id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let ip = r.address.parse().ok()?;
            let port = u16::try_from(r.port).ok()?;
            let key = match (r.key_name, r.algorithm, r.secret) {
                (Some(name), Some(algorithm), Some(secret)) => Some(Arc::new(Key::new(
                    &Name::from_ascii(&name).ok()?,
                    Algorithm::parse(&algorithm)?,
                    &secret,
                ))),
                _ => None,
            };
            Some(Secondary {
                id: r.id,
                addr: SocketAddr::new(ip, port),
                catalog: r.catalog,
                key,
            })
        })
        .collect())
}

/// A request to a secondary, signed with its key: the NOTIFY (RFC 1996 §3.7: opcode NOTIFY,
/// AA set, the zone's SOA as the question) or an SOA query.
fn request(zone: &Name, opcode: OpCode, key: Option<&Key>) -> (Message, Vec<u8>) {
    // A random ID (`Message::query`), as the resolver's questions have.
    let mut message = Message::query();
    message.metadata.op_code = opcode;
    message.metadata.authoritative = opcode == OpCode::Notify;
    message.metadata.recursion_desired = false;
    message.metadata.message_type = MessageType::Query;
    message.add_query(Query::query(zone.clone(), RecordType::SOA));
    let mut bytes = message.to_vec().unwrap_or_default();
    if let Some(key) = key {
        tsig::sign_request(key, &mut bytes, u64::from(dns_engine::cookie::unix_now()));
    }
    (message, bytes)
}

/// Sends the NOTIFY until it is answered (whatever the RCODE) or [`ATTEMPTS`] went unanswered.
async fn notify(
    secondary: &Secondary,
    zone: &Name,
    serial: u32,
    first_wait: Duration,
) -> Result<(), String> {
    let mut wait = first_wait;
    for attempt in 1..=ATTEMPTS {
        let (message, bytes) = request(zone, OpCode::Notify, secondary.key.as_deref());
        match tokio::time::timeout(wait, crate::resolver::udp(secondary.addr, &message, &bytes))
            .await
        {
            Ok(Ok(answer)) => {
                let rcode = answer.metadata.response_code;
                if rcode == ResponseCode::NoError {
                    tracing::debug!(zone = %zone, serial, secondary = %secondary.addr, attempt, "NOTIFY answered");
                    return Ok(());
                }
                tracing::warn!(zone = %zone, secondary = %secondary.addr, %rcode, "secondary refused the NOTIFY");
                return Err(format!("refused the NOTIFY ({rcode})"));
            }
            Ok(Err(e)) => {
                tracing::debug!(zone = %zone, secondary = %secondary.addr, attempt, error = %e, "NOTIFY failed")
            }
            Err(_) => {
                tracing::debug!(zone = %zone, secondary = %secondary.addr, attempt, "NOTIFY unanswered")
            }
        }
        wait *= 2;
    }
    tracing::warn!(zone = %zone, secondary = %secondary.addr, attempts = ATTEMPTS, "secondary did not answer the NOTIFY; giving up on this change");
    Err(format!("did not answer {ATTEMPTS} NOTIFY messages"))
}

/// Asks the secondary for the zone's SOA until it serves `serial` (or newer): its serial.
async fn sync_check(secondary: &Secondary, zone: &Name, serial: u32) -> Result<u32, String> {
    let mut wait = SYNC_FIRST_WAIT;
    let mut last = Err("not asked".to_owned());
    for _ in 0..SYNC_CHECKS {
        tokio::time::sleep(wait).await;
        last = soa_serial(secondary, zone).await;
        if let Ok(theirs) = last {
            if !serial_gt(serial, theirs) {
                return Ok(theirs);
            }
        }
        wait *= 2;
    }
    last
}

/// The serial the secondary serves for `zone`.
async fn soa_serial(secondary: &Secondary, zone: &Name) -> Result<u32, String> {
    let (message, bytes) = request(zone, OpCode::Query, secondary.key.as_deref());
    let answer = tokio::time::timeout(
        Duration::from_secs(2),
        crate::resolver::udp(secondary.addr, &message, &bytes),
    )
    .await
    .map_err(|_| "did not answer the SOA query".to_owned())??;
    if answer.metadata.response_code != ResponseCode::NoError {
        return Err(format!(
            "answered the SOA query with {}",
            answer.metadata.response_code
        ));
    }
    answer
        .answers
        .iter()
        .find_map(|r| match &r.data {
            RData::SOA(soa) => Some(soa.serial),
            _ => None,
        })
        .ok_or_else(|| "does not serve the zone".to_owned())
}

async fn record(
    pool: &PgPool,
    secondary: &Secondary,
    zone: &str,
    ours: u32,
    status: Result<u32, String>,
) -> sqlx::Result<()> {
    let (serial, error) = match status {
        Ok(serial) => (Some(i64::from(serial)), None),
        Err(e) => (None, Some(e)),
    };
    let in_sync = serial.is_some_and(|s| !serial_gt(ours, u32::try_from(s).unwrap_or(0)));
    sqlx::query!(
        "insert into secondary_sync (secondary_id, zone_name, serial, error, checked_at, behind_since)
         values ($1, $2, $3, $4, now(), case when $5 then null else now() end)
         on conflict (secondary_id, zone_name) do update
            set serial = excluded.serial, error = excluded.error, checked_at = now(),
                behind_since = case when $5 then null
                                    else coalesce(secondary_sync.behind_since, now()) end",
        secondary.id,
        zone,
        serial,
        error,
        in_sync,
    )
    .execute(pool)
    .await?;
    Ok(())
}
