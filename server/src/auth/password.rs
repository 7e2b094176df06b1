//! Password hashing: argon2id at the OWASP minimum (m = 19 MiB, t = 2, p = 1). Hashes made
//! with other parameters still verify, and are replaced on the next successful login.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

const M_COST_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

fn hasher() -> Argon2<'static> {
    // These constants are valid argon2 parameters; `Params::new` only fails outside its ranges.
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Why a password is not acceptable, in words for the user.
pub fn check_policy(password: &str) -> Result<(), String> {
    frontend::api::types::password_problem(password).map_or(Ok(()), Err)
}

/// Hash a password into a PHC string. CPU-heavy (tens of milliseconds): call it from
/// `spawn_blocking`.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Bounds how many argon2 computations run at once. Each holds 19 MiB while it runs, so an
/// unbounded login flood grows the process by 19 MiB per concurrent attempt (and the
/// allocator keeps much of it); past the bound, callers wait a moment and are then told the
/// server is busy rather than queued without end.
#[derive(Clone, Debug)]
pub struct HashGate {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    wait: std::time::Duration,
}

/// No permit was free within the wait: the caller should answer 503 with `Retry-After`.
#[derive(Debug)]
pub struct Busy;

impl HashGate {
    /// At most `concurrent` hashes at a time (at least 1); a caller waits up to `wait`.
    pub fn new(concurrent: usize, wait: std::time::Duration) -> Self {
        Self {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(concurrent.max(1))),
            wait,
        }
    }

    /// The memory the gate allows argon2 to hold at most, in MiB (for logs and docs).
    pub fn ceiling_mib(&self) -> usize {
        self.permits.available_permits() * (M_COST_KIB as usize / 1024)
    }

    /// Runs `work` (a hash or verification) on the blocking pool once a permit is free.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        let result = tokio::task::spawn_blocking(move || {
            let result = work();
            drop(permit);
            result
        })
        .await
        .map_err(|_| Busy)?;
        Ok(result)
    }
}

/// The result of checking a password against a stored hash.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Correct, but hashed with other parameters: store a new hash.
    YesRehash,
}

/// Check `password` against a stored PHC hash. CPU-heavy: call it from `spawn_blocking`.
pub fn verify(password: &str, stored: &str) -> Verified {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verified::No;
    };
    // Verify with the parameters the hash was made with (they are in the PHC string).
    if Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verified::No;
    }
    let current = parsed.algorithm.as_str() == "argon2id"
        && Params::try_from(&parsed)
            .map(|p| p.m_cost() == M_COST_KIB && p.t_cost() == T_COST && p.p_cost() == P_COST)
            .unwrap_or(false);
    if current {
        Verified::Yes
    } else {
        Verified::YesRehash
    }
}

/// Spend the time of one verification without a stored hash, so that an unknown email takes
/// as long to refuse as a wrong password.
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("dummy password for timing").unwrap_or_default());
    let _ = verify(password, stored);
}

/// A generated password: 20 characters from an alphabet without look-alikes (≈ 115 bits).
pub fn generate() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_eq!(verify("correct horse battery", &h), Verified::Yes);
        assert_eq!(verify("correct horse batterY", &h), Verified::No);
        assert_eq!(verify("anything", "not a phc string"), Verified::No);
    }

    #[test]
    fn weaker_parameters_ask_for_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        );
        let salt = SaltString::generate(&mut OsRng);
        let h = weak
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert_eq!(verify("correct horse battery", &h), Verified::YesRehash);
        assert_eq!(verify("wrong", &h), Verified::No);
    }

    #[test]
    fn policy() {
        assert!(check_policy("short").is_err());
        assert!(check_policy("exactly12chr").is_ok());
        assert!(check_policy(&"x".repeat(64)).is_ok());
        assert!(check_policy(&"x".repeat(frontend::api::types::PASSWORD_MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn generated_passwords_pass_the_policy_and_differ() {
        let a = generate();
        assert!(check_policy(&a).is_ok());
        assert_ne!(a, generate());
    }
}
