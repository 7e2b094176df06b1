//! Lookups made on a customer's behalf: FCrDNS asks the resolver about host names the
//! customer chose, and the DS check asks the name servers (and glue) the customer's
//! delegation names. Both wait on networks nobody here controls, so they are bounded three
//! ways:
//!
//! * **No database while waiting.** The services read what they need, return the pooled
//!   connection, and only then send a query; a transaction is opened after the answers are in.
//! * **Per account and in total.** [`CheckGate`] lets one account run at most
//!   [`PER_ACCOUNT`] checking requests at a time (the next one gets 429 at once) and the whole
//!   instance [`TOTAL`] (further ones wait up to [`TOTAL_WAIT`], then 503): a tenant whose
//!   name servers are silent slows only their own requests.
//! * **In time.** Each check has a budget ([`FCRDNS_BUDGET`], [`DS_BUDGET`]); what is not
//!   answered by then is "unknown" / "unreachable", never a hang.
//!
//! And they go only where they are meant to: a customer's glue may point anywhere, also at
//! this machine's loopback or the provider's private networks. [`special_purpose`] names the
//! addresses (RFC 6890 registries) that are not queried unless the operator allows local
//! targets (`--allow-local-targets`, for tests and lab setups).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ServiceError;

/// Checking requests one account may have running at once.
pub const PER_ACCOUNT: usize = 4;
/// Checking requests the instance runs at once.
pub const TOTAL: usize = 32;
/// How long a request waits for a free slot of [`TOTAL`] before 503.
pub const TOTAL_WAIT: Duration = Duration::from_secs(5);
/// The time every FCrDNS lookup of one request gets together.
pub const FCRDNS_BUDGET: Duration = Duration::from_secs(10);
/// The time the DS check of one domain gets: name servers, their addresses, the DNSKEYs.
pub const DS_BUDGET: Duration = Duration::from_secs(10);
/// Name servers (addresses) one DS check asks at most.
pub const MAX_DS_SERVERS: usize = 8;

/// Admission of requests that make outbound lookups (see the module documentation).
#[derive(Clone)]
pub struct CheckGate {
    total: Arc<Semaphore>,
    per_account: Arc<Mutex<HashMap<i64, Arc<Semaphore>>>>,
    per_account_limit: usize,
    total_wait: Duration,
}

/// Held while a checking request runs; dropping it frees the slots.
#[must_use = "the slot is freed when the permit is dropped"]
pub struct CheckPermit {
    _account: OwnedSemaphorePermit,
    _total: OwnedSemaphorePermit,
}

impl Default for CheckGate {
    fn default() -> Self {
        Self::new(PER_ACCOUNT, TOTAL, TOTAL_WAIT)
    }
}

impl CheckGate {
    pub fn new(per_account: usize, total: usize, total_wait: Duration) -> Self {
        Self {
            total: Arc::new(Semaphore::new(total.max(1))),
            per_account: Arc::new(Mutex::new(HashMap::new())),
            per_account_limit: per_account.max(1),
            total_wait,
        }
    }

    /// A slot for one checking request of `account`: 429 when the account already runs its
    /// share, 503 when the instance is full for longer than the wait.
    pub async fn admit(&self, account: i64) -> Result<CheckPermit, ServiceError> {
        let semaphore = {
            let mut map = self
                .per_account
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Forget accounts with nothing running, so the map stays as small as the load.
            map.retain(|_, s| s.available_permits() < self.per_account_limit);
            map.entry(account)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_account_limit)))
                .clone()
        };
        let account_permit = semaphore.try_acquire_owned().map_err(|_| {
            ServiceError::TooManyRequests(format!(
                "{} requests that check names (FCrDNS, DS) are already running for this \
                 account; wait for one to finish",
                self.per_account_limit
            ))
        })?;
        let total_permit =
            tokio::time::timeout(self.total_wait, self.total.clone().acquire_owned())
                .await
                .map_err(|_| {
                    ServiceError::Unavailable(
                        "too many name checks are running; try again shortly".into(),
                    )
                })?
                .map_err(|_| ServiceError::Unavailable("shutting down".into()))?;
        Ok(CheckPermit {
            _account: account_permit,
            _total: total_permit,
        })
    }
}

/// Why `ip` is not queried on a customer's behalf (the kind of address), or `None` for a
/// global unicast address. Follows the IANA special-purpose registries (RFC 6890, with
/// RFC 6598 shared space, RFC 4193 unique local and RFC 4291 link-local IPv6).
pub fn special_purpose(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return special_v4(v4);
            }
            let seg = v6.segments();
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if v6.is_multicast() {
                Some("multicast")
            } else if seg[0] & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if seg[0] & 0xfe00 == 0xfc00 {
                Some("unique local (private)")
            } else if seg[0] == 0x2001 && seg[1] == 0x0db8 {
                Some("documentation")
            } else if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                // RFC 6052 §2.1: the well-known NAT64 prefix 64:ff9b::/96.
                Some("NAT64")
            } else {
                None
            }
        }
    }
}

fn special_v4(v4: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = v4.octets();
    if v4.is_loopback() {
        Some("loopback")
    } else if v4.is_private() {
        Some("private")
    } else if v4.is_link_local() {
        Some("link-local")
    } else if v4.is_multicast() {
        Some("multicast")
    } else if v4.is_broadcast() || a == 0 || a >= 240 {
        Some("reserved")
    } else if v4.is_documentation() {
        Some("documentation")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared address space")
    } else if a == 198 && (b == 18 || b == 19) {
        Some("benchmarking")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_purpose_addresses_are_named() {
        for (ip, kind) in [
            ("127.0.0.1", Some("loopback")),
            ("10.1.2.3", Some("private")),
            ("172.16.0.1", Some("private")),
            ("192.168.1.1", Some("private")),
            ("169.254.1.1", Some("link-local")),
            ("100.64.0.1", Some("shared address space")),
            ("224.0.0.1", Some("multicast")),
            ("0.0.0.0", Some("reserved")),
            ("255.255.255.255", Some("reserved")),
            ("192.0.2.1", Some("documentation")),
            ("198.18.0.1", Some("benchmarking")),
            ("::1", Some("loopback")),
            ("::", Some("unspecified")),
            ("fe80::1", Some("link-local")),
            ("fd00::1", Some("unique local (private)")),
            ("ff02::1", Some("multicast")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("2001:db8::1", Some("documentation")),
            ("64:ff9b::c000:201", Some("NAT64")),
            ("8.8.8.8", None),
            ("100.128.0.1", None),
            ("2a01:4f8::1", None),
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(special_purpose(ip), kind, "{ip}");
        }
    }

    #[tokio::test]
    async fn one_account_gets_its_share_and_others_still_get_in() {
        let gate = CheckGate::new(2, 8, Duration::from_millis(50));
        let a1 = gate.admit(1).await.unwrap();
        let _a2 = gate.admit(1).await.unwrap();
        assert!(matches!(
            gate.admit(1).await,
            Err(ServiceError::TooManyRequests(_))
        ));
        let _b = gate.admit(2).await.unwrap();
        drop(a1);
        let _a3 = gate.admit(1).await.unwrap();
    }

    #[tokio::test]
    async fn a_full_instance_answers_unavailable_after_the_wait() {
        let gate = CheckGate::new(1, 2, Duration::from_millis(50));
        let _a = gate.admit(1).await.unwrap();
        let _b = gate.admit(2).await.unwrap();
        assert!(matches!(
            gate.admit(3).await,
            Err(ServiceError::Unavailable(_))
        ));
    }
}
