//! NOTIFY out (RFC 1996) and the sync status of the secondaries.
//!
//! The engine's store follower calls [`Notifier::changed`] once the engine serves a zone's
//! new serial — not at commit, or a secondary asking at once would still see the old one.
//! For each zone one task at a time notifies every secondary; changes arriving meanwhile
//! mark the zone again, so a burst of changes costs one more round, not one per change, and
//! the last change is never lost.
//!
//! Each secondary gets the NOTIFY (TSIG-signed with its key) until it answers, at most
//! [`ATTEMPTS`] times with doubling waits (RFC 1996 §3.6 asks for retries; the bound keeps a
//! dead secondary from costing more than a few datagrams). Then it is asked for the zone's
//! SOA until it serves our serial or [`SYNC_CHECKS`] checks have passed, and what it said goes
//! into `secondary_sync`: the serial it serves, or the error, and since when it is behind.
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
/// The wait for the first answer; doubled after each attempt (1+2+4+8+16 s in all).
const FIRST_WAIT: Duration = Duration::from_secs(1);
/// SOA checks of a secondary after it answered the NOTIFY.
const SYNC_CHECKS: u32 = 8;
const SYNC_FIRST_WAIT: Duration = Duration::from_millis(100);
/// Zones notified at once.
const CONCURRENT_ZONES: usize = 64;

/// Hands changed zones to the NOTIFY worker. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Notifier {
    tx: mpsc::UnboundedSender<(String, u32)>,
}

impl Notifier {
    /// Starts the worker; it ends when `stop` turns `true`.
    pub fn start(
        pool: PgPool,
        stop: watch::Receiver<bool>,
    ) -> (Notifier, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Notifier { tx }, tokio::spawn(run(pool, rx, stop)))
    }

    /// The engine now serves `serial` of zone `zone` (absolute, lower case).
    pub fn changed(&self, zone: &str, serial: u32) {
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
) {
    // Per zone being notified: the serial of a change that arrived meanwhile.
    let mut running: HashMap<String, Option<u32>> = HashMap::new();
    let mut tasks: JoinSet<String> = JoinSet::new();
    let gate = Arc::new(Semaphore::new(CONCURRENT_ZONES));
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            change = rx.recv() => {
                let Some((zone, serial)) = change else { return };
                match running.get_mut(&zone) {
                    Some(pending) => *pending = Some(serial),
                    None => {
                        running.insert(zone.clone(), None);
                        tasks.spawn(notify_zone(pool.clone(), gate.clone(), zone, serial));
                    }
                }
            }
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                let Ok(zone) = done else { continue };
                if let Some(Some(serial)) = running.remove(&zone) {
                    running.insert(zone.clone(), None);
                    tasks.spawn(notify_zone(pool.clone(), gate.clone(), zone, serial));
                }
            }
        }
    }
}

/// Notifies every secondary of `zone`'s `serial`, then records what each serves. Returns the
/// zone's name for the worker's bookkeeping.
async fn notify_zone(pool: PgPool, gate: Arc<Semaphore>, zone: String, serial: u32) -> String {
    let Ok(_permit) = gate.acquire().await else {
        return zone;
    };
    let Ok(name) = Name::from_ascii(&zone) else {
        return zone;
    };
    let is_catalog = sqlx::query_scalar!(
        "select not exists (select 1 from zone where name = $1) as \"catalog!\"",
        zone
    )
    .fetch_one(&pool)
    .await
    .unwrap_or(false);
    let secondaries = match secondaries(&pool).await {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(zone, error = %e, "cannot read the secondaries; NOTIFY not sent");
            return zone;
        }
    };
    let mut each = JoinSet::new();
    for secondary in secondaries.into_iter().filter(|s| !is_catalog || s.catalog) {
        let (pool, name, zone) = (pool.clone(), name.clone(), zone.clone());
        each.spawn(async move {
            let answered = notify(&secondary, &name, serial).await;
            let status = match answered {
                Ok(()) => sync_check(&secondary, &name, serial).await,
                Err(e) => Err(e),
            };
            if let Err(e) = record(&pool, &secondary, &zone, serial, status).await {
                tracing::warn!(zone, error = %e, "cannot record the sync status");
            }
        });
    }
    while each.join_next().await.is_some() {}
    zone
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
    let mut message = Message::query();
    message.metadata.id = rand_id();
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

fn rand_id() -> u16 {
    rand::random()
}

/// Sends the NOTIFY until it is answered (whatever the RCODE) or [`ATTEMPTS`] went unanswered.
async fn notify(secondary: &Secondary, zone: &Name, serial: u32) -> Result<(), String> {
    let mut wait = FIRST_WAIT;
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
