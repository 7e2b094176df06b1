//! The fuzzing loop: pick a corpus item, mutate it, run the target, keep inputs that behave in a
//! new way, and record every panic, broken invariant and slow input.
//!
//! There is no coverage instrumentation on the stable toolchain, so the feedback is behavioural:
//! each target reports what an input did as features (the response's RCODE, flags and section
//! counts; each kind of error a file got), and an input showing a feature not seen before joins
//! the corpus, much as an input reaching a new edge does under libFuzzer. That is enough to walk
//! from a valid query to, say, a truncated signed referral and keep mutating from there.
//!
//! A crash is written to a file (its octets exactly) and its start printed, so it can be turned
//! into a regression test. Hangs: every input is timed, and one slower than the bound fails the
//! run; an input that never returns is caught by a watchdog thread, which writes it out and
//! aborts the process, since a test cannot be interrupted from outside.

use std::cell::{Cell, RefCell};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::hash::{Hash, Hasher};
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::mutate::Rng;

/// One thing to fuzz.
pub trait Target: Sync {
    /// A short name for reports and crash file names.
    fn name(&self) -> &'static str;
    /// The extension of crash files (`bin` for messages, `zone` or `txt` for text).
    fn extension(&self) -> &'static str;
    /// The seed corpus: real, valid inputs.
    fn seeds(&self) -> Vec<Vec<u8>>;
    /// Changes `input` once; `other` is another corpus item, for splicing.
    fn mutate(&self, rng: &mut Rng, input: &mut Vec<u8>, other: &[u8]);
    /// The longest input worth trying; longer mutants are cut.
    fn max_len(&self) -> usize;
    /// Runs one input, pushing what it did onto `features`. A panic is a crash and `Err` a
    /// broken invariant (with what broke).
    fn run(&self, input: &[u8], features: &mut Vec<u64>) -> Result<(), String>;
    /// How an input is shown in a report.
    fn show(&self, input: &[u8]) -> String;
}

/// How one run is set up; everything can be set from the environment.
#[derive(Clone, Debug)]
pub struct Config {
    pub inputs: u64,
    pub seed: u64,
    /// An input slower than this fails the run (`ZK_FUZZ_MAX_MS`, default 1000).
    pub max_input_time: Duration,
    /// An input still running after this is a hang: written out, then the process aborts
    /// (`ZK_FUZZ_HANG_SECS`, default 30).
    pub hang_abort: Duration,
    /// Where crashing inputs go (`ZK_FUZZ_CRASH_DIR`, default `<target dir>/tmp/fuzz-crashes`).
    pub crash_dir: PathBuf,
    /// Most inputs the corpus grows to.
    pub corpus_cap: usize,
}

fn env_u64(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let text = text.trim().replace('_', "");
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

impl Config {
    /// `inputs` inputs, or `ZK_FUZZ_INPUTS` when `from_env_inputs` (the long runs); the seed is
    /// `ZK_FUZZ_SEED` or a fresh one, printed either way.
    pub fn new(inputs: u64, from_env_inputs: bool) -> Self {
        let inputs = if from_env_inputs {
            env_u64("ZK_FUZZ_INPUTS").unwrap_or(inputs)
        } else {
            inputs
        };
        let seed = env_u64("ZK_FUZZ_SEED").unwrap_or_else(|| {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            Rng::new(now.as_nanos() as u64 ^ u64::from(std::process::id())).next_u64()
        });
        let crash_dir = std::env::var_os("ZK_FUZZ_CRASH_DIR").map_or_else(
            || PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-crashes"),
            PathBuf::from,
        );
        Self {
            inputs,
            seed,
            max_input_time: Duration::from_millis(env_u64("ZK_FUZZ_MAX_MS").unwrap_or(1000)),
            hang_abort: Duration::from_secs(env_u64("ZK_FUZZ_HANG_SECS").unwrap_or(30)),
            crash_dir,
            corpus_cap: 4096,
        }
    }
}

/// What a run found.
#[derive(Debug)]
pub struct Report {
    pub target: &'static str,
    pub seed: u64,
    pub inputs: u64,
    pub elapsed: Duration,
    /// Inputs that panicked.
    pub crashes: u64,
    /// Inputs that broke an invariant without panicking.
    pub violations: u64,
    /// Inputs slower than the bound.
    pub hangs: u64,
    pub slowest: Duration,
    pub corpus: usize,
    /// Distinct features seen: a rough measure of how much behaviour the run reached.
    pub features: usize,
    /// VmRSS once the corpus is loaded and the first inputs ran, and at the end; VmHWM at the
    /// end (all for the whole process), in KiB.
    pub rss_start_kib: Option<u64>,
    pub rss_end_kib: Option<u64>,
    pub peak_rss_kib: Option<u64>,
    /// The first failures, described, and the files they were written to.
    pub failures: Vec<String>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.crashes == 0 && self.violations == 0 && self.hangs == 0
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            self.inputs as f64 / secs
        } else {
            0.0
        };
        let mib = |kib: Option<u64>| {
            kib.map_or_else(|| "?".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0))
        };
        write!(
            f,
            "fuzz {}: {} inputs in {:.1} s ({:.0}/s), {} crashes, {} invariant failures, {} \
             hangs, slowest input {:.3} ms, corpus {}, features {}, RSS {}→{} MiB, peak RSS {} MiB, seed \
             {:#018x}",
            self.target,
            self.inputs,
            secs,
            rate,
            self.crashes,
            self.violations,
            self.hangs,
            self.slowest.as_secs_f64() * 1000.0,
            self.corpus,
            self.features,
            mib(self.rss_start_kib),
            mib(self.rss_end_kib),
            mib(self.peak_rss_kib),
            self.seed
        )
    }
}

/// A field of `/proc/self/status` in KiB (`VmRSS`, `VmHWM`); Linux only.
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

thread_local! {
    /// Set on a fuzzing thread: its panics are recorded instead of printed.
    static FUZZING: Cell<bool> = const { Cell::new(false) };
    /// Where and why the last panic on this thread happened (and, for the first, the
    /// backtrace).
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    static BACKTRACES: Cell<u32> = const { Cell::new(0) };
}

/// Installs, once per process, a panic hook that records panics of fuzzing threads and hands
/// every other panic to the hook that was there before, so other tests print as usual.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !FUZZING.with(Cell::get) {
                previous(info);
                return;
            }
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(a non-string panic payload)".to_owned());
            let location = info
                .location()
                .map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
            let mut text = format!("panicked{location}: {message}");
            // The first crash of a thread also gets where it came from: the frames below the
            // panic machinery, cut short.
            if BACKTRACES.with(Cell::get) == 0 {
                BACKTRACES.with(|n| n.set(1));
                let trace = std::backtrace::Backtrace::force_capture().to_string();
                let lines: Vec<&str> = trace.lines().collect();
                let entry = lines
                    .iter()
                    .position(|l| l.contains("panic_fmt") || l.contains("begin_panic"))
                    .unwrap_or(0);
                let frames: Vec<&str> = lines[entry..]
                    .iter()
                    .copied()
                    .skip_while(|l| l.contains("panic") || l.trim_start().starts_with("at "))
                    .take(24)
                    .collect();
                text.push_str(&format!("\n  backtrace:\n{}", frames.join("\n")));
            }
            LAST_PANIC.with(|last| *last.borrow_mut() = Some(text));
        }));
    });
}

/// Marks the current thread as fuzzing for as long as it lives.
struct Fuzzing;

impl Fuzzing {
    fn start() -> Self {
        install_panic_hook();
        FUZZING.with(|f| f.set(true));
        Self
    }
}

impl Drop for Fuzzing {
    fn drop(&mut self) {
        FUZZING.with(|f| f.set(false));
    }
}

/// The corpus: seeds plus the inputs that showed new behaviour.
struct Corpus {
    items: Vec<Vec<u8>>,
    seen: HashSet<u64>,
    cap: usize,
}

impl Corpus {
    /// Keeps `input` if it showed a feature not seen before (and there is room).
    fn offer(&mut self, input: &[u8], features: &[u64]) -> bool {
        let mut new = false;
        for feature in features {
            new |= self.seen.insert(*feature);
        }
        if new && self.items.len() < self.cap {
            self.items.push(input.to_vec());
            return true;
        }
        false
    }
}

/// The state the watchdog reads: when the current input started (nanoseconds since the run
/// began, 0 between inputs) and its octets.
struct Current {
    started_ns: AtomicU64,
    input: Mutex<Vec<u8>>,
    done: AtomicBool,
}

struct StopWatchdog<'a>(&'a AtomicBool, std::thread::Thread);

impl Drop for StopWatchdog<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
        self.1.unpark();
    }
}

struct Failures<'a> {
    target: &'a dyn Target,
    config: &'a Config,
    saved: usize,
    list: Vec<String>,
}

impl Failures<'_> {
    /// Most failing inputs written out and described per run; the rest are only counted.
    const KEEP: usize = 20;

    fn record(&mut self, kind: &str, index: u64, input: &[u8], why: &str) {
        if self.saved >= Self::KEEP {
            return;
        }
        self.saved += 1;
        let file = self.config.crash_dir.join(format!(
            "{}-{:016x}-{index}-{kind}.{}",
            self.target.name(),
            self.config.seed,
            self.target.extension()
        ));
        let written = fs::create_dir_all(&self.config.crash_dir)
            .and_then(|()| fs::write(&file, input))
            .map_or_else(
                |err| format!("(not written: {err})"),
                |()| file.display().to_string(),
            );
        let text = format!(
            "{kind} on input {index} ({} octets), saved as {written}\n  input: {}\n  {why}",
            input.len(),
            self.target.show(input)
        );
        eprintln!("fuzz {}: {text}", self.target.name());
        self.list.push(text);
    }
}

/// Runs `target` for `config.inputs` inputs (the seeds first, unchanged) and reports.
pub fn run(target: &dyn Target, config: &Config) -> Report {
    eprintln!(
        "fuzz {}: seed {:#018x} (ZK_FUZZ_SEED={:#x} replays this run), {} inputs",
        target.name(),
        config.seed,
        config.seed,
        config.inputs
    );
    let seeds = target.seeds();
    assert!(!seeds.is_empty(), "{}: no seed corpus", target.name());
    let mut corpus = Corpus {
        items: Vec::new(),
        seen: HashSet::new(),
        cap: config.corpus_cap.max(seeds.len()),
    };
    let current = Current {
        started_ns: AtomicU64::new(0),
        input: Mutex::new(Vec::new()),
        done: AtomicBool::new(false),
    };
    let mut failures = Failures {
        target,
        config,
        saved: 0,
        list: Vec::new(),
    };
    let mut report = Report {
        target: target.name(),
        seed: config.seed,
        inputs: 0,
        elapsed: Duration::ZERO,
        crashes: 0,
        violations: 0,
        hangs: 0,
        slowest: Duration::ZERO,
        corpus: 0,
        features: 0,
        rss_start_kib: None,
        rss_end_kib: None,
        peak_rss_kib: None,
        failures: Vec::new(),
    };
    let mut rng = Rng::new(config.seed);
    let began = Instant::now();
    let warm_up = (seeds.len() as u64 + config.inputs / 100).min(config.inputs);

    std::thread::scope(|scope| {
        let watchdog = scope.spawn(|| watch(target, config, &current, began));
        // Stops the watchdog however this loop ends, a panic outside an input included (the
        // scope would wait for the watchdog forever otherwise).
        let _stop = StopWatchdog(&current.done, watchdog.thread().clone());
        let _fuzzing = Fuzzing::start();
        let mut input = Vec::new();
        let mut features = Vec::new();
        for index in 0..config.inputs {
            input.clear();
            let seed_index = usize::try_from(index).unwrap_or(usize::MAX);
            if let Some(seed) = seeds.get(seed_index) {
                input.extend_from_slice(seed);
            } else {
                let base = rng.below(corpus.items.len());
                input.extend_from_slice(&corpus.items[base]);
                let other = &corpus.items[rng.below(corpus.items.len())];
                // Mostly one or two changes; sometimes a pile of them.
                let rounds = match rng.below(8) {
                    0..=3 => 1,
                    4 | 5 => 2,
                    6 => 4,
                    _ => 8 + rng.below(8),
                };
                for _ in 0..rounds {
                    target.mutate(&mut rng, &mut input, other);
                }
                input.truncate(target.max_len());
            }

            if let Ok(mut shared) = current.input.lock() {
                shared.clear();
                shared.extend_from_slice(&input);
            }
            let start = Instant::now();
            current
                .started_ns
                .store((start - began).as_nanos().max(1) as u64, Ordering::Release);
            features.clear();
            let outcome =
                panic::catch_unwind(AssertUnwindSafe(|| target.run(&input, &mut features)));
            let elapsed = start.elapsed();
            current.started_ns.store(0, Ordering::Release);
            report.inputs += 1;

            // A crash is reported as such; the time it took includes its backtrace.
            let crashed = outcome.is_err();
            if !crashed {
                report.slowest = report.slowest.max(elapsed);
            }
            if elapsed > config.max_input_time && !crashed {
                report.hangs += 1;
                let why = format!(
                    "took {:.1} ms; the bound is {} ms",
                    elapsed.as_secs_f64() * 1000.0,
                    config.max_input_time.as_millis()
                );
                failures.record("slow", index, &input, &why);
            }
            let mut kept = false;
            match outcome {
                Ok(Ok(())) => kept = corpus.offer(&input, &features),
                Ok(Err(broken)) => {
                    report.violations += 1;
                    failures.record("invariant", index, &input, &broken);
                }
                Err(_) => {
                    report.crashes += 1;
                    let why = LAST_PANIC
                        .with(|last| last.borrow_mut().take())
                        .unwrap_or_else(|| "panicked".to_owned());
                    failures.record("crash", index, &input, &why);
                }
            }
            // A seed always stays in the corpus, whatever it showed.
            if seed_index < seeds.len() && !kept {
                corpus.items.push(input.clone());
            }
            if index + 1 == warm_up {
                report.rss_start_kib = proc_status_kib("VmRSS");
            }
        }
    });

    report.elapsed = began.elapsed();
    report.corpus = corpus.items.len();
    report.features = corpus.seen.len();
    report.rss_end_kib = proc_status_kib("VmRSS");
    report.peak_rss_kib = proc_status_kib("VmHWM");
    report.failures = failures.list;
    eprintln!("{report}");
    report
}

/// Watches the fuzzing thread: an input running longer than `hang_abort` is written out and
/// the process aborted, since nothing can stop that input from outside.
fn watch(target: &dyn Target, config: &Config, current: &Current, began: Instant) {
    while !current.done.load(Ordering::Acquire) {
        std::thread::park_timeout(Duration::from_millis(200));
        let started = current.started_ns.load(Ordering::Acquire);
        if started == 0 {
            continue;
        }
        let running = began
            .elapsed()
            .saturating_sub(Duration::from_nanos(started));
        if running < config.hang_abort {
            continue;
        }
        let input = current
            .input
            .lock()
            .map(|input| input.clone())
            .unwrap_or_default();
        let file = config.crash_dir.join(format!(
            "{}-{:016x}-hang.{}",
            target.name(),
            config.seed,
            target.extension()
        ));
        let _ = fs::create_dir_all(&config.crash_dir).and_then(|()| fs::write(&file, &input));
        eprintln!(
            "fuzz {}: HANG: an input has run for {:.0} s; saved as {}; aborting\n  input: {}",
            target.name(),
            running.as_secs_f64(),
            file.display(),
            target.show(&input)
        );
        std::process::abort();
    }
}

/// A feature: anything hashable that describes what an input did.
pub fn feature(value: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// `input` as hex, cut after `max` octets.
pub fn hex(input: &[u8], max: usize) -> String {
    let shown: String = input.iter().take(max).map(|b| format!("{b:02x}")).collect();
    if input.len() > max {
        format!("{shown}… ({} more octets)", input.len() - max)
    } else {
        shown
    }
}

/// `input` as a quoted string (lossy UTF-8), cut after `max` characters.
pub fn quoted(input: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(input);
    let count = text.chars().count();
    let shown: String = text.chars().take(max).collect();
    if count > max {
        format!("{shown:?}… ({} more characters)", count - max)
    } else {
        format!("{shown:?}")
    }
}

/// Replays saved inputs (files or directories of them in `ZK_FUZZ_REPLAY`, separated by `:`)
/// through `target`, for those whose name starts with the target's; every failure is reported.
pub fn replay(target: &dyn Target) -> Option<Vec<String>> {
    let paths = std::env::var_os("ZK_FUZZ_REPLAY")?;
    let mut files = Vec::new();
    for path in std::env::split_paths(&paths) {
        if path.is_dir() {
            if let Ok(entries) = fs::read_dir(&path) {
                files.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()));
            }
        } else {
            files.push(path);
        }
    }
    files.retain(|file| {
        file.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(&format!("{}-", target.name())))
    });
    files.sort();
    let _fuzzing = Fuzzing::start();
    let mut failures = Vec::new();
    for file in files {
        let Ok(input) = fs::read(&file) else { continue };
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| target.run(&input, &mut Vec::new())));
        let verdict = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(broken)) => Some(broken),
            Err(_) => Some(
                LAST_PANIC
                    .with(|last| last.borrow_mut().take())
                    .unwrap_or_else(|| "panicked".to_owned()),
            ),
        };
        eprintln!(
            "replay {}: {}",
            file.display(),
            verdict.as_deref().unwrap_or("ok")
        );
        if let Some(why) = verdict {
            failures.push(format!("{}: {why}", file.display()));
        }
    }
    Some(failures)
}
