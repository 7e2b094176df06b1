//! Password hashing: argon2id at the OWASP minimum (m = 19 MiB, t = 2, p = 1). Hashes made
//! with other parameters still verify, and are replaced on the next successful login.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

const M_COST_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
/// The hash's length in octets (argon2's default, as in the PHC strings stored so far).
const OUTPUT_LEN: usize = Params::DEFAULT_OUTPUT_LEN;

fn params() -> Params {
    // These constants are valid argon2 parameters; `Params::new` only fails outside its ranges.
    Params::new(M_COST_KIB, T_COST, P_COST, Some(OUTPUT_LEN)).unwrap_or_default()
}

/// Why a password is not acceptable, in words for the user.
pub fn check_policy(password: &str) -> Result<(), String> {
    frontend::api::types::password_problem(password).map_or(Ok(()), Err)
}

/// argon2's working memory: 19 MiB of blocks at the current parameters, written by every hash
/// and verification. The gate keeps one per permit and lends it to each computation, so a
/// flood of logins allocates nothing: when every computation allocated and freed its own
/// 19 MiB, glibc's allocator (whose mmap threshold grows to the size of freed blocks) kept
/// those blocks in one arena per blocking thread, and 500 attempts at 4 at a time grew the
/// process by more than a gigabyte (`login::a_login_flood_keeps_memory_bounded`).
pub struct Memory(Vec<Block>);

impl Memory {
    /// A memory of its own, outside a gate (tests; the gate makes and keeps its own).
    pub fn new() -> Self {
        Self(vec![Block::new(); params().block_count()])
    }

    /// Runs argon2 with these parameters, in this memory, or in a one-off allocation for a
    /// hash made with more memory than the current parameters use (older hashes; they are
    /// replaced at the next login).
    fn compute(
        &mut self,
        argon2: &Argon2<'_>,
        params: &Params,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> argon2::Result<()> {
        let blocks = params.block_count();
        if blocks <= self.0.len() {
            argon2.hash_password_into_with_memory(password, salt, out, &mut self.0[..blocks])
        } else {
            argon2.hash_password_into_with_memory(password, salt, out, vec![Block::new(); blocks])
        }
    }

    /// Hash a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
    /// CPU-heavy (tens of milliseconds): run it through [`HashGate::run`].
    pub fn hash(&mut self, password: &str) -> Result<String, argon2::password_hash::Error> {
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
        let params = params();
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let mut out = [0u8; OUTPUT_LEN];
        self.compute(&argon2, &params, password.as_bytes(), salt_bytes, &mut out)?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params)?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out)?),
        };
        Ok(phc.to_string())
    }

    /// Check `password` against a stored PHC hash, with the algorithm, version and
    /// parameters the hash was made with. CPU-heavy: run it through [`HashGate::run`].
    pub fn verify(&mut self, password: &str, stored: &str) -> Verified {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return Verified::No;
        };
        let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
            Algorithm::try_from(parsed.algorithm),
            Params::try_from(&parsed),
            parsed.salt,
            parsed.hash,
        ) else {
            return Verified::No;
        };
        let version = match parsed.version.map(Version::try_from) {
            None => Version::default(),
            Some(Ok(v)) => v,
            Some(Err(_)) => return Verified::No,
        };
        let mut salt_bytes = [0u8; 64];
        let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
            return Verified::No;
        };
        let argon2 = Argon2::new(algorithm, version, params.clone());
        let mut out = vec![0u8; expected.len()];
        if self
            .compute(&argon2, &params, password.as_bytes(), salt_bytes, &mut out)
            .is_err()
        {
            return Verified::No;
        }
        // `Output`'s equality is constant-time (password-hash's documentation).
        if Output::new(&out).ok() != Some(expected) {
            return Verified::No;
        }
        let current = algorithm == Algorithm::Argon2id
            && version == Version::V0x13
            && params.m_cost() == M_COST_KIB
            && params.t_cost() == T_COST
            && params.p_cost() == P_COST;
        if current {
            Verified::Yes
        } else {
            Verified::YesRehash
        }
    }

    /// Spend the time of one verification without a stored hash, so that an unknown email
    /// takes as long to refuse as a wrong password.
    pub fn verify_dummy(&mut self, password: &str) {
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let stored = match DUMMY.get() {
            Some(stored) => stored,
            None => {
                let made = self.hash("dummy password for timing").unwrap_or_default();
                DUMMY.get_or_init(|| made)
            }
        };
        let _ = self.verify(password, stored);
    }
}

impl Default for Memory {
    fn default() -> Self {
        Self::new()
    }
}

/// Bounds how many argon2 computations run at once, and lends each one a [`Memory`] of the
/// gate's. The memory argon2 can hold is then at most `concurrent` × 19 MiB, whatever the
/// load; past the bound, callers wait a moment and are then told the server is busy rather
/// than queued without end. Every hash and verification (logins, new accounts, password
/// changes) goes through it.
#[derive(Clone)]
pub struct HashGate {
    permits: Arc<tokio::sync::Semaphore>,
    /// Idle memories: at most one per permit, made on first use.
    memories: Arc<Mutex<Vec<Memory>>>,
    concurrent: usize,
    wait: Duration,
}

impl std::fmt::Debug for HashGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashGate")
            .field("concurrent", &self.concurrent)
            .field("wait", &self.wait)
            .finish()
    }
}

/// No permit was free within the wait: the caller should answer 503 with `Retry-After`.
#[derive(Debug)]
pub struct Busy;

impl HashGate {
    /// At most `concurrent` hashes at a time (at least 1); a caller waits up to `wait`.
    pub fn new(concurrent: usize, wait: Duration) -> Self {
        let concurrent = concurrent.max(1);
        Self {
            permits: Arc::new(tokio::sync::Semaphore::new(concurrent)),
            memories: Arc::new(Mutex::new(Vec::with_capacity(concurrent))),
            concurrent,
            wait,
        }
    }

    /// One computation at a time and a long wait: for start-up and CLI commands, where
    /// nothing competes for it.
    pub fn single() -> Self {
        Self::new(1, Duration::from_secs(60))
    }

    /// The memory the gate allows argon2 to hold at most, in MiB (for logs and docs).
    pub fn ceiling_mib(&self) -> usize {
        self.concurrent * (M_COST_KIB as usize / 1024)
    }

    /// Runs `work` (hashes or verifications) on the blocking pool once a permit is free, with
    /// a working memory of the gate's.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        let memories = self.memories.clone();
        let result = tokio::task::spawn_blocking(move || {
            let taken = memories.lock().ok().and_then(|mut idle| idle.pop());
            let mut memory = taken.unwrap_or_default();
            let result = work(&mut memory);
            if let Ok(mut idle) = memories.lock() {
                idle.push(memory);
            }
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

    use argon2::PasswordHasher;

    #[test]
    fn hash_and_verify() {
        let mut memory = Memory::new();
        let h = memory.hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_eq!(memory.verify("correct horse battery", &h), Verified::Yes);
        assert_eq!(memory.verify("correct horse batterY", &h), Verified::No);
        assert_eq!(memory.verify("anything", "not a phc string"), Verified::No);
        // The hash is the standard one: the argon2 crate's own verifier accepts it.
        use argon2::PasswordVerifier;
        let parsed = PasswordHash::new(&h).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse battery", &parsed)
            .is_ok());
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
        let mut memory = Memory::new();
        assert_eq!(
            memory.verify("correct horse battery", &h),
            Verified::YesRehash
        );
        assert_eq!(memory.verify("wrong", &h), Verified::No);
        // More memory than the current parameters: verified in a one-off allocation.
        let bigger = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(32 * 1024, 1, 1, None).unwrap(),
        );
        let h = bigger
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert_eq!(
            memory.verify("correct horse battery", &h),
            Verified::YesRehash
        );
        assert_eq!(memory.verify("wrong", &h), Verified::No);
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
