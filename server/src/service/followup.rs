//! Work that follows a committed change but is not part of it: today, re-checking FCrDNS of
//! the PTRs that point into a zone whose forward records changed. The change's request does
//! not wait for it (the checks may ask a resolver that is slow); a background worker does it.
//!
//! Requests for the same zone coalesce: a thousand edits of one zone in a burst cost one
//! re-check once the burst is over, not a thousand. The queue is in memory: after a restart
//! the periodic re-check of undecided PTRs and the next change catch up.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use dns_engine::model::ZoneName;
use sqlx::PgPool;
use tokio::sync::Notify;

use crate::resolver::Resolver;

/// The queue the handlers add to (cheap to clone).
#[derive(Clone, Default)]
pub struct Followups {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Zones whose forward records changed.
    zones: Mutex<BTreeSet<ZoneName>>,
    wake: Notify,
}

impl Followups {
    /// After a committed change to the forward records of `zone`: re-check the PTRs that
    /// point into it, soon.
    pub fn forward_changed(&self, zone: &ZoneName) {
        self.inner
            .zones
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(zone.clone());
        self.inner.wake.notify_one();
    }

    fn take(&self) -> BTreeSet<ZoneName> {
        std::mem::take(
            &mut *self
                .inner
                .zones
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// The worker: runs until the task is aborted.
    pub async fn work(self, pool: PgPool, resolver: Arc<Resolver>) {
        loop {
            self.inner.wake.notified().await;
            for zone in self.take() {
                super::rdns::recheck_zone(&pool, &resolver, &zone).await;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn requests_for_one_zone_coalesce() {
        let queue = Followups::default();
        let name = |text| ZoneName::parse(text).unwrap();
        for spelling in ["example.com", "Example.COM."] {
            for _ in 0..500 {
                queue.forward_changed(&name(spelling));
            }
        }
        queue.forward_changed(&name("example.net"));
        assert_eq!(queue.take().len(), 2);
        assert!(queue.take().is_empty());
    }
}
