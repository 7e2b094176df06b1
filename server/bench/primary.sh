#!/usr/bin/env bash
# The figures of the hidden primary, against a release build on loopback, with a real Knot
# secondary that consumes the catalog zone:
#
#  1. API commit → the new data served by Knot: p50 and p99 over $CHANGES changes (each a PUT of
#     one RRset, then kdig polls Knot every 2 ms until it answers the new address);
#  2. AXFR of a zone of $BIG_RECORDS records (imported through the API): time and bytes, as dig
#     reports them; IXFR of one change in that zone: time and bytes;
#  3. creating $ZONES zones through the API: time until Knot serves every one of them.
#
#   server/bench/primary.sh [path/to/zonekeeper]      (default: the release build)
#
# Needs: a release build (`./zk build`), curl, knotd and kdig (knot, knot-dnsutils), dig, python3.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${1:-$TARGET/release/zonekeeper}
CHANGES=${CHANGES:-200}
BIG_RECORDS=${BIG_RECORDS:-100000}
ZONES=${ZONES:-1000}
SPACING=${SPACING:-1.2}
work=$(mktemp -d /tmp/zk-primary-bench.XXXXXX)
chmod 755 "$work"
pid="" knot=""
trap '[ -n "$knot" ] && kill "$knot" 2>/dev/null; [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }

"$BIN" serve --data-dir "$work/data" --http-addr 127.0.0.1:0 --dns-addr 127.0.0.1:0 \
  --allow-local-targets --rrl-ratelimit 0 >"$work/out" 2>"$work/err" &
pid=$!
base=""
for _ in $(seq 1 240); do
  base=$(sed -n 's|.*console and API on \(http://[0-9.:]*\),.*|\1|p' "$work/out" | head -n1)
  dns=$(sed -n 's|.*DNS on \([0-9.:]*\).*|\1|p' "$work/out" | head -n1)
  [ -n "$base" ] && break
  sleep 0.5
done
[ -n "$base" ] || { cat "$work/err" >&2; exit 1; }
dport=${dns##*:}
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$password" | "$BIN" user create --data-dir "$work/data" --email bench@example.com --role admin >/dev/null
token=$("$BIN" token create --data-dir "$work/data" --email bench@example.com --name bench | grep -o 'zk_[A-Za-z0-9_-]*' | head -n1)
api() { curl -sS --fail-with-body -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }

secret=$(api -d '{"name":"bench-key.","algorithm":"hmac-sha256"}' "$base/api/v1/tsig-keys" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
kport=$(free_port)
mkdir -p "$work/knot"
cat >"$work/knot/knot.conf" <<EOF
server:
    rundir: "$work/knot"
    listen: 127.0.0.1@$kport
    background-workers: 2
database:
    storage: "$work/knot"
log:
  - target: "$work/knot/knot.log"
    any: info
key:
  - id: bench-key.
    algorithm: hmac-sha256
    secret: $secret
remote:
  - id: primary
    address: 127.0.0.1@$dport
    key: bench-key.
acl:
  - id: notify
    address: 127.0.0.1
    key: bench-key.
    action: notify
template:
  - id: default
    storage: "$work/knot"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: changes
  - id: member
    storage: "$work/knot"
    master: primary
    acl: notify
    zonefile-sync: -1
    zonefile-load: none
    journal-content: changes
zone:
  - domain: catalog.invalid.
    master: primary
    acl: notify
    catalog-role: interpret
    catalog-template: member
EOF
api -d "{\"address\":\"127.0.0.1\",\"port\":$kport,\"tsig_key\":\"bench-key.\",\"catalog\":true}" "$base/api/v1/secondaries" >/dev/null
knotd --config "$work/knot/knot.conf" >"$work/knot/stdout" 2>&1 &
knot=$!

knot_has() { # name type text → 0 when Knot answers with text in the answer section
  kdig @127.0.0.1 -p "$kport" +short +norecurse +timeout=1 +retry=0 "$1" "$2" 2>/dev/null | grep -qF "$3"
}
wait_knot() { # name type text timeout_ms
  local until=$(( $(now_ms) + $4 ))
  while ! knot_has "$1" "$2" "$3"; do
    [ "$(now_ms)" -lt "$until" ] || { echo "Knot did not serve $1 $2 $3" >&2; tail -20 "$work/knot/knot.log" >&2; exit 1; }
    sleep 0.002
  done
}

# --- 1. Commit → served by the secondary ----------------------------------------------------
# Back to back (the next change as soon as Knot serves the last), then spaced by $SPACING s:
# Knot schedules its zone events with one-second timers, so a NOTIFY that arrives within the
# second of the previous refresh is acted on in the next second (its log shows it).
api -d '{"name":"lag.test"}' "$base/api/v1/zones" >/dev/null
wait_knot lag.test SOA hostmaster 30000
for pause in 0 "$SPACING"; do
  : >"$work/lag"
  for i in $(seq 1 "$CHANGES"); do
    ip="198.51.$(( i / 250 )).$(( i % 250 + 1 ))"
    [ "$pause" = 0 ] || ip="203.0.$(( i / 250 )).$(( i % 250 + 1 ))"
    t0=$(now_ms)
    api -X PUT -d "{\"ttl\":60,\"records\":[\"$ip\"]}" "$base/api/v1/zones/lag.test/rrsets/www/A" >/dev/null
    wait_knot www.lag.test A "$ip" 10000
    echo "$(( $(now_ms) - t0 )) $ip" >>"$work/lag"
    sleep "$pause"
  done
  python3 - "$work/lag" "$pause" <<'EOF'
import sys
v = sorted(int(x.split()[0]) for x in open(sys.argv[1]))
pct = lambda p: v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
how = "back to back" if sys.argv[2] == "0" else f"{sys.argv[2]} s apart"
print(f"commit -> served by Knot, {len(v)} changes {how}: p50 {pct(50)} ms, p99 {pct(99)} ms, max {v[-1]} ms")
EOF
done

# --- 2. AXFR and IXFR of a big zone ---------------------------------------------------------
python3 - "$BIG_RECORDS" >"$work/big.zone" <<'EOF'
import sys
n = int(sys.argv[1])
print("$ORIGIN big.test.\n$TTL 3600\n@ NS ns1.zonekeeper.invalid.\n@ NS ns2.zonekeeper.invalid.")
for i in range(n - 3):
    print(f"h{i} A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}")
EOF
api -d '{"name":"big.test"}' "$base/api/v1/zones" >/dev/null
sleep 1
before=$(dig @127.0.0.1 -p "$dport" +short big.test SOA | awk '{print $3}')
t0=$(now_ms)
curl -sS --fail-with-body -H "Authorization: Bearer $token" -H 'Content-Type: text/dns' --data-binary @"$work/big.zone" "$base/api/v1/zones/big.test/import" >/dev/null
echo "import of $BIG_RECORDS records: $(( $(now_ms) - t0 )) ms (parse, validate, store, change log)"
soa_serial() { dig @127.0.0.1 -p "$dport" +short big.test SOA | awk '{print $3}'; }
wait_serial_after() { # old serial → waits until the engine serves a newer one, prints it
  local s
  for _ in $(seq 1 600); do s=$(soa_serial); [ -n "$s" ] && [ "$s" != "$1" ] && { echo "$s"; return; }; sleep 0.05; done
  echo "the engine did not serve a new serial of big.test" >&2; exit 1
}
serial=$(wait_serial_after "$before")
echo "import served by the engine $(( $(now_ms) - t0 )) ms after the request"
for _ in $(seq 1 3); do # the last of three runs
  t0=$(now_ms)
  dig @127.0.0.1 -p "$dport" big.test AXFR -y "hmac-sha256:bench-key.:$secret" +stats >"$work/axfr" 2>&1
  t1=$(now_ms)
done
echo "AXFR big.test: $(grep -o 'XFR size: .*' "$work/axfr"), $(( t1 - t0 )) ms wall time (dig receiving and printing)"
api -X PUT -d '{"ttl":60,"records":["192.0.2.99"]}' "$base/api/v1/zones/big.test/rrsets/changed/A" >/dev/null
wait_serial_after "$serial" >/dev/null
t0=$(now_ms)
dig @127.0.0.1 -p "$dport" big.test "IXFR=$serial" -y "hmac-sha256:bench-key.:$secret" +stats >"$work/ixfr" 2>&1
t1=$(now_ms)
echo "IXFR big.test (one change): $(grep -o 'XFR size: .*' "$work/ixfr"), $(( t1 - t0 )) ms wall time"
wait_knot changed.big.test A 192.0.2.99 60000

# --- 3. Many zones through the catalog ------------------------------------------------------
t0=$(now_ms)
seq 1 "$ZONES" | xargs -P 4 -I{} curl -sf -o /dev/null -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d '{"name":"z{}.many.test"}' "$base/api/v1/zones"
t1=$(now_ms)
for i in $(seq 1 "$ZONES"); do wait_knot "z$i.many.test" SOA hostmaster 120000; done
t2=$(now_ms)
echo "$ZONES zones created through the API in $(( t1 - t0 )) ms; all served by Knot $(( t2 - t0 )) ms after the first request"
