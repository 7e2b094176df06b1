//! The one way a change reaches the store's zones. A service does its own statements in a
//! transaction, describes what it did on a [`Write`] — which zones' data changed, which zones
//! the engines must re-read, the audit rows — and hands both to [`Write::commit`], which in
//! that same transaction:
//!
//! * bumps the serial of each changed zone **exactly once** (however many RRsets, PTRs or DS
//!   records changed in it), under the zone row's lock, so two concurrent writers never
//!   produce the same serial (RFC 1982 arithmetic, [`super::zones::next_serial`]);
//! * appends each changed zone's entry to the zone change log ([`super::changelog`]): the
//!   RRs removed and added, between which serials — and an entry for every other zone the
//!   engines must re-read, and for a changed transfer policy, since engine nodes follow the
//!   log ([`dns_engine::store::follow`]);
//! * writes every audit row;
//! * tells the engines (a `NOTIFY`, delivered at commit) which zones to reload;
//! * commits, and reports the new serials.
//!
//! A change that commits has all of these; one that fails has none.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

use super::audit::{self, Actor, Change};
use super::changelog::{self, Published};
use super::zones::{next_serial, notify_changed};
use crate::error::ServiceError;

/// How a changed zone's serial moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serial {
    /// To the next serial after the stored one (today's `YYYYMMDD00`, or one more).
    Next,
    /// To this value, chosen by the service under the zone's lock (an import that continues
    /// its file's serial, an RRset change that reports its serial).
    To(u32),
}

/// Everything a change does besides its own statements (see the module documentation).
#[must_use = "a write does nothing until it is committed"]
pub struct Write {
    actor: Actor,
    audit: Vec<Change>,
    /// Zones (by id) whose data changed.
    bumped: BTreeMap<i64, Serial>,
    /// Zones (by name) the engines must re-read without a serial of their own to bump: a
    /// zone created or deleted, the zones of default reverse names.
    reload: BTreeSet<String>,
    /// Zones (by name) this change created, and deleted.
    created: BTreeSet<String>,
    deleted: BTreeSet<String>,
}

/// What a committed write did.
#[derive(Debug, Default)]
pub struct Committed {
    /// The new serial of each zone whose data changed, by zone id.
    pub serials: HashMap<i64, u32>,
}

pub use dns_engine::store::TRANSFER_CHANGED;

impl Write {
    pub fn new(actor: &Actor) -> Self {
        Self {
            actor: actor.clone(),
            audit: Vec::new(),
            bumped: BTreeMap::new(),
            reload: BTreeSet::new(),
            created: BTreeSet::new(),
            deleted: BTreeSet::new(),
        }
    }

    /// An audit row for this change.
    pub fn audit(&mut self, change: Change) -> &mut Self {
        self.audit.push(change);
        self
    }

    /// The data of zone `zone_id` changed: its serial moves to the next one.
    pub fn changed(&mut self, zone_id: i64) -> &mut Self {
        self.bumped.entry(zone_id).or_insert(Serial::Next);
        self
    }

    /// The data of zone `zone_id` changed, and its serial becomes `serial`.
    pub fn changed_to(&mut self, zone_id: i64, serial: u32) -> &mut Self {
        self.bumped.insert(zone_id, Serial::To(serial));
        self
    }

    /// The engines re-read the zone `name` (absolute, as stored) at commit. Should its
    /// published data have changed all the same (RFC 2317 CNAMEs of a range), its serial
    /// moves on too.
    pub fn reload(&mut self, name: &str) -> &mut Self {
        self.reload.insert(name.to_owned());
        self
    }

    /// This change created zone `name`: it enters the change log whole and the catalog zone.
    pub fn created(&mut self, name: &str) -> &mut Self {
        self.created.insert(name.to_owned());
        self.reload(name)
    }

    /// This change deleted zone `name`: the change log and the catalog zone say so.
    pub fn deleted(&mut self, name: &str) -> &mut Self {
        self.deleted.insert(name.to_owned());
        self.reload(name)
    }

    /// Bumps, logs, audits, notifies and commits `tx`.
    pub async fn commit(
        self,
        mut tx: Transaction<'_, Postgres>,
    ) -> Result<Committed, ServiceError> {
        let mut committed = Committed::default();
        let mut reload = self.reload;
        let ids: Vec<i64> = self.bumped.keys().copied().collect();
        let names: Vec<String> = reload.iter().cloned().collect();
        if !ids.is_empty() || !names.is_empty() {
            // Locked in id order, as every writer does, so concurrent writes cannot deadlock.
            let rows = sqlx::query!(
                "select id, name, serial, published from zone
                  where id = any($1) or name = any($2) order by id for update",
                &ids,
                &names
            )
            .fetch_all(&mut *tx)
            .await?;
            let today = OffsetDateTime::now_utc().date();
            for row in rows {
                let current = u32::try_from(row.serial).unwrap_or(0);
                let created = self.created.contains(&row.name);
                let published =
                    changelog::compare(&mut tx, row.id, &row.name, row.published, created).await?;
                let Some(published) = published else {
                    continue;
                };
                let data_changed = matches!(&published, Published::Changed(d) if !d.is_empty());
                let serial = match self.bumped.get(&row.id) {
                    Some(Serial::To(serial)) => *serial,
                    Some(Serial::Next) => next_serial(current, today),
                    // Re-read only: its serial moves only if what it publishes moved.
                    None if data_changed => next_serial(current, today),
                    None => {
                        if let Published::Changed(_) = published {
                            // Nothing transferable changed, but what it synthesizes may have
                            // (default reverse names): the engine nodes re-read it.
                            changelog::reread(&mut tx, &self.actor, (row.id, &row.name), current)
                                .await?;
                            continue;
                        }
                        current
                    }
                };
                if serial != current {
                    sqlx::query!(
                        "update zone set serial = $2, updated_at = now() where id = $1",
                        row.id,
                        i64::from(serial)
                    )
                    .execute(&mut *tx)
                    .await?;
                    committed.serials.insert(row.id, serial);
                }
                changelog::append(
                    &mut tx,
                    &self.actor,
                    (row.id, &row.name),
                    (current, serial),
                    published,
                )
                .await?;
                reload.insert(row.name);
            }
        }
        for name in &self.deleted {
            changelog::deleted(&mut tx, &self.actor, name).await?;
        }
        if !self.created.is_empty() || !self.deleted.is_empty() {
            changelog::bump_catalog(&mut tx).await?;
            reload.insert(TRANSFER_CHANGED.to_owned());
        }
        if reload.contains(TRANSFER_CHANGED) {
            changelog::policy(&mut tx, &self.actor).await?;
        }
        for change in self.audit {
            audit::record(&mut tx, &self.actor, change).await?;
        }
        for name in &reload {
            notify_changed(&mut tx, name).await?;
        }
        tx.commit().await?;
        Ok(committed)
    }
}
