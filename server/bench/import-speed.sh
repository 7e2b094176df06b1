#!/usr/bin/env bash
# Zone-file import speed: the shared bench's 100,000-record zone (big-1.test) imported through
# the REST API of a release build, dry run and real import, the latter until the DNS engine
# serves the new serial. Prints both figures.
#
#   server/bench/import-speed.sh [path/to/zonekeeper]     (default: the release build)
#
# Needs: a release build (`./zk build`), python3, curl, dig, and ../shared/bench beside the
# checkout (its gen_zones.py makes the zone).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${1:-$TARGET/release/zonekeeper}
SHARED=${ZK_SHARED:-$ROOT/../shared}
work=$(mktemp -d /tmp/zk-import-bench.XXXXXX)
chmod 755 "$work"
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

python3 "$SHARED/bench/gen_zones.py" --out "$work/zones" --small 1 >/dev/null
zone_file="$work/zones/zones/big-1.test.zone"
[ -f "$zone_file" ] || { echo "no $zone_file" >&2; exit 1; }

password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$password" | "$BIN" user create --data-dir "$work/data" --email bench@example.com --role admin >/dev/null
token=$("$BIN" token create --data-dir "$work/data" --email bench@example.com --name bench | grep -o 'zk_[A-Za-z0-9_-]*' | head -n1)
"$BIN" serve --data-dir "$work/data" --http-addr 127.0.0.1:0 --dns-addr 127.0.0.1:0 >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 120); do
  base=$(sed -n 's|.*console and API on \(http://[0-9.:]*\),.*|\1|p' "$work/out" | head -n1)
  dns=$(sed -n 's|.*DNS on \([0-9.:]*\).*|\1|p' "$work/out" | head -n1)
  [ -n "$base" ] && break
  sleep 0.5
done
[ -n "$base" ] || { cat "$work/err" >&2; exit 1; }
auth=(-H "Authorization: Bearer $token")
curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d '{"name":"big-1.test"}' "$base/api/v1/zones" >/dev/null

lines=$(wc -l <"$zone_file")
start=$(date +%s.%N)
curl -sf "${auth[@]}" -H 'Content-Type: text/dns' --data-binary @"$zone_file" \
  "$base/api/v1/zones/big-1.test/import?dry_run=true" -o "$work/dry.json"
end=$(date +%s.%N)
printf 'dry run of big-1.test (%s lines): %.2f s\n' "$lines" "$(python3 -c "print($end - $start)")"

start=$(date +%s.%N)
curl -sf "${auth[@]}" -H 'Content-Type: text/dns' --data-binary @"$zone_file" \
  "$base/api/v1/zones/big-1.test/import" -o "$work/import.json"
answered=$(date +%s.%N)
serial=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["serial"])' "$work/import.json")
host=${dns%:*}; port=${dns##*:}
for _ in $(seq 1 3000); do
  got=$(dig @"$host" -p "$port" +short +norec +time=1 +tries=1 big-1.test SOA | awk '{print $3}')
  [ "$got" = "$serial" ] && break
  sleep 0.01
done
end=$(date +%s.%N)
printf 'import of big-1.test: answered after %.2f s, served by the engine after %.2f s (serial %s)\n' \
  "$(python3 -c "print($answered - $start)")" "$(python3 -c "print($end - $start)")" "$got"
