#!/usr/bin/env bash
# The figures of the hardening work, against a release build on loopback:
#
#  1. the cost of a query for the largest RRset the API accepts (as many MX records at one
#     owner as fit the 64,000-octet bound, each with its own target, so that every answer
#     also makes the engine look up additional addresses), next to a one-record RRset,
#     measured with dnsperf over UDP;
#  2. the resident memory of the whole process under a login flood (wrong passwords from
#     many concurrent clients), sampled every 100 ms, with how the requests were answered;
#  3. response rate limiting: a flood for one name from one source at a fixed rate, the
#     responses counted by dnsperf (over-limit responses are dropped or sent truncated).
#
#   server/bench/hardening.sh [path/to/zonekeeper]      (default: the release build)
#
# Needs: a release build (`./zk build`), curl, dnsperf, python3.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${1:-$TARGET/release/zonekeeper}
FLOOD_CLIENTS=${FLOOD_CLIENTS:-200}
FLOOD_SECONDS=${FLOOD_SECONDS:-20}
work=$(mktemp -d /tmp/zk-hardening-bench.XXXXXX)
chmod 755 "$work"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

start_server() { # extra serve flags...
  "$BIN" serve --data-dir "$work/data" --http-addr 127.0.0.1:0 --dns-addr 127.0.0.1:0 "$@" \
    >"$work/out" 2>"$work/err" &
  pid=$!
  base=""
  for _ in $(seq 1 120); do
    base=$(sed -n 's|.*console and API on \(http://[0-9.:]*\),.*|\1|p' "$work/out" | head -n1)
    dns=$(sed -n 's|.*DNS on \([0-9.:]*\).*|\1|p' "$work/out" | head -n1)
    [ -n "$base" ] && break
    sleep 0.5
  done
  [ -n "$base" ] || { cat "$work/err" >&2; exit 1; }
  host=${dns%:*}; port=${dns##*:}
}
stop_server() { kill "$pid"; wait "$pid" || true; pid=""; : >"$work/out"; }

password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$password" | "$BIN" user create --data-dir "$work/data" --email bench@example.com --role admin >/dev/null
token=$("$BIN" token create --data-dir "$work/data" --email bench@example.com --name bench | grep -o 'zk_[A-Za-z0-9_-]*' | head -n1)
auth=(-H "Authorization: Bearer $token")

# --- 1. The largest RRset ------------------------------------------------------------------
start_server --rrl-ratelimit 0
curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d '{"name":"big-rrset.test"}' "$base/api/v1/zones" >/dev/null
python3 - "$work/rrsets.json" <<'PY'
import json, sys
# Each record on the wire: owner (mx.big-rrset.test. = 20 octets), 10 octets of header, the
# preference (2) and the target name; as many as fit 64,000 octets (at most 4,091).
mx, size, i = [], 0, 0
while len(mx) < 4091:
    target = f"h{i}.x."
    cost = 20 + 10 + 2 + len(target) + 1
    if size + cost > 64000:
        break
    mx.append(f"{i % 65535} {target}"); size += cost; i += 1
print(f"largest MX RRset: {len(mx)} records, {size} octets", file=sys.stderr)
json.dump({"changes": [
    {"name": "mx", "type": "MX", "ttl": 300, "records": mx},
    {"name": "one", "type": "MX", "ttl": 300, "records": ["10 mail.big-rrset.test."]},
]}, open(sys.argv[1], "w"))
PY
curl -sS --fail-with-body "${auth[@]}" -H 'Content-Type: application/json' -X PATCH --data-binary @"$work/rrsets.json" \
  "$base/api/v1/zones/big-rrset.test/rrsets" >/dev/null
sleep 1
for name in mx.big-rrset.test one.big-rrset.test; do
  printf '%s MX\n' "$name" >"$work/q.txt"
  qps=$(dnsperf -s "$host" -p "$port" -d "$work/q.txt" -l 5 -c 1 -q 20 2>/dev/null \
    | awk '/Queries per second/ {print $4}')
  printf 'UDP queries for %-20s %10s qps on one engine thread = %s us each\n' \
    "$name" "$qps" "$(python3 -c "print(round(1e6 / max(float('$qps'), 1), 1))")"
done
stop_server

# --- 2. Login flood ---------------------------------------------------------------------------
start_server --rrl-ratelimit 0
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status"; }
idle_rss=$(rss)
(
  peak=0
  while kill -0 "$pid" 2>/dev/null; do
    r=$(rss 2>/dev/null || echo 0); [ "$r" -gt "$peak" ] && peak=$r && echo "$peak" >"$work/peak"
    sleep 0.1
  done
) &
sampler=$!
flood() {
  local end=$((SECONDS + FLOOD_SECONDS))
  while [ "$SECONDS" -lt "$end" ]; do
    curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
      -d '{"email":"bench@example.com","password":"wrong password 123"}' "$base/api/v1/auth/login"
  done
}
export -f flood; export base FLOOD_SECONDS
seq "$FLOOD_CLIENTS" | xargs -P "$FLOOD_CLIENTS" -I{} bash -c flood >"$work/codes" 2>/dev/null || true
kill "$sampler" 2>/dev/null || true
printf 'login flood: %s clients for %s s, %s requests; RSS idle %s MiB, peak %s MiB; answers: %s\n' \
  "$FLOOD_CLIENTS" "$FLOOD_SECONDS" "$(wc -l <"$work/codes")" "$idle_rss" "$(cat "$work/peak" 2>/dev/null || echo "$idle_rss")" \
  "$(sort "$work/codes" | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
stop_server

# --- 3. Response rate limiting (the default: 200 responses/s per /24 and answer, slip 2) ------
start_server
curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d '{"name":"rrl.test"}' "$base/api/v1/zones" >/dev/null
sleep 1
printf 'rrl.test SOA\n' >"$work/q.txt"
dnsperf -s "$host" -p "$port" -d "$work/q.txt" -l 5 -Q 5000 -q 20000 -c 1 -t 1 >"$work/rrl.txt" 2>/dev/null || true
printf 'RRL, one source asking one name at 5,000 qps for 5 s: %s sent, %s answered (TC included), %s dropped\n' \
  "$(awk '/Queries sent/ {print $3}' "$work/rrl.txt")" \
  "$(awk '/Queries completed/ {print $3}' "$work/rrl.txt")" \
  "$(awk '/Queries lost/ {print $3}' "$work/rrl.txt")"
stop_server
