//! The one way a change reaches the store's zones. A service does its own statements in a
//! transaction, describes what it did on a [`Write`] — which zones' data changed, which zones
//! the engines must re-read, the audit rows — and hands both to [`Write::commit`], which in
//! that same transaction:
//!
//! * bumps the serial of each changed zone **exactly once** (however many RRsets, PTRs or DS
//!   records changed in it), under the zone row's lock, so two concurrent writers never
//!   produce the same serial (RFC 1982 arithmetic, [`super::zones::next_serial`]);
//! * writes every audit row;
//! * tells the engines (a `NOTIFY`, delivered at commit) which zones to reload;
//! * commits, and reports the new serials.
//!
//! A change that commits has all of these; one that fails has none. The zone change log of
//! the hidden-primary work will be appended here too, so that it cannot be forgotten.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

use super::audit::{self, Actor, Change};
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
}

/// What a committed write did.
#[derive(Debug, Default)]
pub struct Committed {
    /// The new serial of each zone whose data changed, by zone id.
    pub serials: HashMap<i64, u32>,
}

impl Write {
    pub fn new(actor: &Actor) -> Self {
        Self {
            actor: actor.clone(),
            audit: Vec::new(),
            bumped: BTreeMap::new(),
            reload: BTreeSet::new(),
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

    /// The engines re-read the zone `name` (absolute, as stored) at commit.
    pub fn reload(&mut self, name: &str) -> &mut Self {
        self.reload.insert(name.to_owned());
        self
    }

    /// Bumps, audits, notifies and commits `tx`.
    pub async fn commit(
        self,
        mut tx: Transaction<'_, Postgres>,
    ) -> Result<Committed, ServiceError> {
        let mut committed = Committed::default();
        let mut reload = self.reload;
        if !self.bumped.is_empty() {
            let ids: Vec<i64> = self.bumped.keys().copied().collect();
            // Locked in id order, as every writer does, so concurrent writes cannot deadlock.
            let rows = sqlx::query!(
                "select id, name, serial from zone where id = any($1) order by id for update",
                &ids
            )
            .fetch_all(&mut *tx)
            .await?;
            let today = OffsetDateTime::now_utc().date();
            for row in rows {
                let current = u32::try_from(row.serial).unwrap_or(0);
                let serial = match self.bumped.get(&row.id) {
                    Some(Serial::To(serial)) => *serial,
                    _ => next_serial(current, today),
                };
                sqlx::query!(
                    "update zone set serial = $2, updated_at = now() where id = $1",
                    row.id,
                    i64::from(serial)
                )
                .execute(&mut *tx)
                .await?;
                committed.serials.insert(row.id, serial);
                reload.insert(row.name);
            }
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
