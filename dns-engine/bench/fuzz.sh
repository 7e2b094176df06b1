#!/usr/bin/env bash
# The fuzz targets' long run (dns-engine/tests/engine/fuzz): each target in its own release test
# process, so that its peak RSS is its own, for $ZK_FUZZ_INPUTS inputs. Prints per target: inputs
# executed and per second, crashes, invariant failures, slow inputs (hangs), the slowest input,
# and peak RSS (the test's VmHWM, and /usr/bin/time's maximum resident set when installed).
#
#   dns-engine/bench/fuzz.sh [packets|zonefiles|records ...]      (default: all three)
#
# Knobs (env): ZK_FUZZ_INPUTS=10000000 (per target; ZK_FUZZ_INPUTS_PACKETS, _ZONEFILES, _RECORDS
#   override it for one)  ZK_FUZZ_SEED (default: a fresh one, printed)
#   ZK_FUZZ_MAX_MS=1000 (an input slower than this fails the run)  ZK_FUZZ_HANG_SECS=30 (an input
#   running this long is saved and the process aborted)  ZK_FUZZ_CRASH_DIR (default
#   $CARGO_TARGET_DIR/tmp/fuzz-crashes)  LOG_DIR (default: a fresh /tmp/zk-fuzz.XXXXXX).
# Failing inputs are saved in the crash dir; replay them with
#   ZK_FUZZ_REPLAY=<file or dir> cargo test -p dns-engine --test engine fuzz::replay -- --ignored --nocapture
# Exit status: 0 when every target ran clean, 1 otherwise.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/zonekeeper/target}
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
export ZK_FUZZ_INPUTS=${ZK_FUZZ_INPUTS:-10000000}
LOG_DIR=${LOG_DIR:-$(mktemp -d /tmp/zk-fuzz.XXXXXX)}
mkdir -p "$LOG_DIR"
[ $# -gt 0 ] && targets=("$@") || targets=(packets zonefiles records)

declare -A test_of=([packets]=fuzz::packets_long [zonefiles]=fuzz::zone_files_long [records]=fuzz::records_long)
for target in "${targets[@]}"; do
  [ -n "${test_of[$target]:-}" ] || { echo "unknown target $target (packets, zonefiles, records)" >&2; exit 2; }
done

cd "$ROOT"
echo "building the release test binary (dns-engine, test engine)…"
cargo test --release -p dns-engine --test engine --no-run >"$LOG_DIR/build.log" 2>&1 \
  || { tail -n 40 "$LOG_DIR/build.log" >&2; exit 1; }
# The test binary itself, run directly: cargo stays out of the timing and the RSS figures.
bin=$(sed -n 's|.*Executable tests/engine/main.rs (\(.*\))|\1|p' "$LOG_DIR/build.log" | tail -n 1)
[ -x "$bin" ] || { echo "no test binary in $LOG_DIR/build.log" >&2; exit 1; }

timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -v -o)
status=0
summary=()
for target in "${targets[@]}"; do
  log=$LOG_DIR/$target.log
  override=ZK_FUZZ_INPUTS_${target^^}
  inputs=${!override:-$ZK_FUZZ_INPUTS}
  echo "fuzzing $target: $inputs inputs (log $log)"
  if [ ${#timer[@]} -gt 0 ]; then
    ZK_FUZZ_INPUTS=$inputs "${timer[@]}" "$LOG_DIR/$target.time" "$bin" "${test_of[$target]}" --ignored --exact --nocapture >"$log" 2>&1
  else
    ZK_FUZZ_INPUTS=$inputs "$bin" "${test_of[$target]}" --ignored --exact --nocapture >"$log" 2>&1
  fi
  rc=$?
  report=$(grep -m1 "^fuzz $target: [0-9]* inputs" "$log")
  if [ -z "$report" ]; then
    # No report line: the run aborted (a hang the watchdog caught, or a crash outside an input).
    summary+=("$target: no report (exit $rc); see $log")
    grep -E "HANG|panicked|error" "$log" | head -n 5 >&2
    status=1
    continue
  fi
  max_rss=""
  [ -f "$LOG_DIR/$target.time" ] && max_rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$LOG_DIR/$target.time")
  summary+=("${report#fuzz }${max_rss:+ (time -v max RSS $max_rss MiB)}")
  [ $rc -eq 0 ] || { status=1; grep -E "^fuzz $target: (crash|invariant|slow)" -A 3 "$log" | head -n 40 >&2; }
done

echo
echo "== fuzz long run (logs in $LOG_DIR)"
printf '%s\n' "${summary[@]}"
[ $status -eq 0 ] && echo "all clean" || echo "FAILURES: see the logs above; inputs in ${ZK_FUZZ_CRASH_DIR:-$CARGO_TARGET_DIR/tmp/fuzz-crashes}"
exit $status
