//! Fuzz targets, the way DNS servers keep theirs (hickory's `fuzz/`, Knot's and NSD's libFuzzer
//! targets), but on the stable toolchain: a small seeded mutation engine ([`mutate`]) over a
//! corpus of real messages, zone files and records, run by [`runner`] against three targets —
//!
//! * [`packets`]: the query path (`respond` without its panic guard) over UDP and TCP, with
//!   the size, ID and decodability invariants of every response;
//! * [`zonefiles`]: the zone-file reader, with line numbers in range and export round trips;
//! * [`records`]: the record parser in both syntaxes and the RRset rules, with canonical-text,
//!   generic-form and re-validation round trips.
//!
//! Each target runs twice: briefly here, a few thousand inputs on every `cargo test` (a fresh
//! seed each time, printed), and for millions of inputs from `dns-engine/bench/fuzz.sh`, which
//! runs the `#[ignore]`d `*_long` tests in release:
//!
//! ```sh
//! ZK_FUZZ_INPUTS=10000000 cargo test --release -p dns-engine --test engine fuzz -- --ignored --nocapture
//! ```
//!
//! `ZK_FUZZ_SEED` replays a run; a failing input is written to `ZK_FUZZ_CRASH_DIR` (default
//! `<target dir>/tmp/fuzz-crashes`), and `ZK_FUZZ_REPLAY=<files or dirs>` runs saved inputs
//! again (`fuzz::replay`), e.g. while turning one into a regression test.

mod mutate;
mod packets;
mod records;
mod runner;
mod zonefiles;

use packets::Packets;
use records::Records;
use runner::{Config, Target};
use zonefiles::ZoneFiles;

/// What a long run executes per target unless `ZK_FUZZ_INPUTS` says otherwise.
const LONG_RUN_INPUTS: u64 = 10_000_000;

/// Fuzzes `target` for `inputs` inputs (or `ZK_FUZZ_INPUTS`, for a long run) and fails on any
/// crash, broken invariant or slow input.
fn fuzz(target: &dyn Target, inputs: u64, long: bool) {
    let config = Config::new(inputs, long);
    let report = runner::run(target, &config);
    assert!(
        report.is_clean(),
        "{report}\n{}\n(ZK_FUZZ_SEED={:#x} replays the run)",
        report.failures.join("\n"),
        report.seed
    );
}

// The bounded runs take a few seconds each in a debug build.

#[test]
fn packets() {
    fuzz(&Packets::new(), 10_000, false);
}

#[test]
fn zone_files() {
    fuzz(&ZoneFiles, 1_500, false);
}

#[test]
fn records() {
    fuzz(&Records::new(), 8_000, false);
}

#[test]
#[ignore = "long run; dns-engine/bench/fuzz.sh runs it in release"]
fn packets_long() {
    fuzz(&Packets::new(), LONG_RUN_INPUTS, true);
}

#[test]
#[ignore = "long run; dns-engine/bench/fuzz.sh runs it in release"]
fn zone_files_long() {
    fuzz(&ZoneFiles, LONG_RUN_INPUTS, true);
}

#[test]
#[ignore = "long run; dns-engine/bench/fuzz.sh runs it in release"]
fn records_long() {
    fuzz(&Records::new(), LONG_RUN_INPUTS, true);
}

/// A target with a planted crash and a planted broken invariant: the runner must find both,
/// keep the panic's message and location, and save the inputs.
struct Planted;

impl Target for Planted {
    fn name(&self) -> &'static str {
        "planted"
    }

    fn extension(&self) -> &'static str {
        "bin"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        vec![b"seed".to_vec()]
    }

    fn mutate(&self, rng: &mut mutate::Rng, input: &mut Vec<u8>, other: &[u8]) {
        mutate::mutate_bytes(rng, input, other, false);
    }

    fn max_len(&self) -> usize {
        64
    }

    fn run(&self, input: &[u8], features: &mut Vec<u64>) -> Result<(), String> {
        features.push(runner::feature(input.len()));
        assert!(!input.contains(&0xff), "planted crash");
        if input.len() > 12 {
            return Err("planted invariant".to_owned());
        }
        Ok(())
    }

    fn show(&self, input: &[u8]) -> String {
        runner::hex(input, 64)
    }
}

#[test]
fn the_runner_finds_planted_crashes_and_saves_them() {
    let mut config = Config::new(5_000, false);
    config.seed = 1;
    config.crash_dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-selftest");
    let _ = std::fs::remove_dir_all(&config.crash_dir);
    let report = runner::run(&Planted, &config);
    assert!(report.crashes > 0 && report.violations > 0, "{report}");
    let text = report.failures.join("\n");
    assert!(
        text.contains("planted crash") && text.contains("fuzz/mod.rs:"),
        "{text}"
    );
    assert!(text.contains("planted invariant"), "{text}");
    let saved = std::fs::read_dir(&config.crash_dir).unwrap().count();
    assert_eq!(saved, report.failures.len());
}

/// Runs the inputs saved in `ZK_FUZZ_REPLAY` (crash files are named after their target) through
/// their targets again.
#[test]
#[ignore = "needs ZK_FUZZ_REPLAY"]
fn replay() {
    let targets: [&dyn Target; 3] = [&Packets::new(), &ZoneFiles, &Records::new()];
    let mut failures = Vec::new();
    for target in targets {
        failures.extend(runner::replay(target).unwrap_or_default());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
