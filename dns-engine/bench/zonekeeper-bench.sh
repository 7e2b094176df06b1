#!/bin/bash
# Zonekeeper's DNS engine against the shared harness (../shared/bench): import, load time + RSS,
# dnsperf side by side with Knot and NSD, and an answer comparison with Knot.
#
#   setsid bash dns-engine/bench/zonekeeper-bench.sh [all|setup|import|load|perf|verify|classes|latency|dnssec|stop]
#
#   setup   harness zones/queries/configs into $WORK (if missing); fresh Zonekeeper data dir
#   import  start Zonekeeper, align the operator settings with the bench zones (NS/SOA timers, via SQL),
#           create every zone and import its file through the REST API (DS lines stripped)
#   load    SIGTERM + start again: time until every zone answers SOA with AA (harness wait_ready.py),
#           RSS of zonekeeper (without PostgreSQL) and of its PostgreSQL cluster
#   perf    harness run.sh for knot and nsd ($SUITE), then the same measure.py invocations for
#           Zonekeeper (run.sh cannot start Zonekeeper itself)
#   verify  Knot + Zonekeeper side by side, harness verify.py (Knot = reference), plus a pass that
#           ignores the SOA serial/RNAME (which differ by design)
#   classes saturation qps and CPU per query category (the .tags file), Knot, NSD and Zonekeeper, 3 s each
#   latency p99 at LAT_QPS, LAT_ROUNDS (5) rounds with Knot, NSD and Zonekeeper running side by side, interleaved;
#           each server's median, best and worst p99, lost queries and the host's steal time
#   dnssec  the two big zones signed through the API: their existing names asked unsigned, signed without
#           DO and signed with DO (qps per server core, and the share of unsigned); unsigned again after
#   all     all of the above; Zonekeeper is stopped at the end
#
# Knobs (env): WORK=/tmp/dnsbench (harness data)  ZK_WORK=/tmp/zkbench  ZK_BIN=target/release/zonekeeper
#   THREADS=1 (server workers: Knot's and NSD's configs, and Zonekeeper's --dns-workers)
#   ZK_DNS_PORT=5377  ZK_HTTP_PORT=18090  SUITE="udp lat" (add tcp for TCP)  COMPARE="knot nsd"
#   and the harness knobs DURATION CLIENTS DNSPERF_THREADS OUTSTANDING LAT_QPS LAT_DURATION NICE QUIET QUIET_WAIT.
# Results: $ZK_WORK/results.jsonl (measure.py lines for all servers, plus zonekeeper import/load lines),
#          $ZK_WORK/import.json (per-zone outcome), $ZK_WORK/verify.txt, $ZK_WORK/summary.txt.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
HARNESS=${HARNESS:-$REPO/../shared/bench}
WORK=${WORK:-/tmp/dnsbench}
DATA=$WORK/data
THREADS=${THREADS:-1}
RUN=$WORK/run-t$THREADS
ZK_WORK=${ZK_WORK:-/tmp/zkbench}
ZK_VAR=$ZK_WORK/var
ZK_BIN=${ZK_BIN:-$REPO/target/release/zonekeeper}
ZK_DNS_PORT=${ZK_DNS_PORT:-5377}
ZK_HTTP_PORT=${ZK_HTTP_PORT:-18090}
ZK_EMAIL=admin@bench.test
ZK_PASSWORD='bench password 1234'
RESULTS=${RESULTS:-$ZK_WORK/results.jsonl}
SUITE=${SUITE:-udp lat}
COMPARE=${COMPARE:-knot nsd}
DURATION=${DURATION:-20}; CLIENTS=${CLIENTS:-10}; DNSPERF_THREADS=${DNSPERF_THREADS:-2}
OUTSTANDING=${OUTSTANDING:-200}; LAT_QPS=${LAT_QPS:-20000}; LAT_DURATION=${LAT_DURATION:-10}
NICE=${NICE:--20}; QUIET=${QUIET:-25}; QUIET_WAIT=${QUIET_WAIT:-30}; TAG=${TAG:-zkbench}
PY_DNS=${PY_DNS:-$WORK/venv/bin/python}
export WORK THREADS RESULTS DURATION CLIENTS DNSPERF_THREADS OUTSTANDING LAT_QPS LAT_DURATION NICE QUIET QUIET_WAIT
mkdir -p "$ZK_WORK"
# same trick as run.sh: raise this session's autogroup so other sessions' builds do not steal the CPU
[ -w /proc/self/autogroup ] && echo -20 > /proc/self/autogroup 2>/dev/null

log() { echo "[$(date +%T)] $*" | tee -a "$ZK_WORK/summary.txt"; }

ZK_PID=""; ZK_T0=""
zk_start() {
  if ss -Hlnu "sport = :$ZK_DNS_PORT" | grep -q . || ss -Hlnt "sport = :$ZK_HTTP_PORT" | grep -q .; then
    echo "port $ZK_DNS_PORT/$ZK_HTTP_PORT busy" >&2; return 1
  fi
  ZK_T0=$(date +%s.%N)
  ( exec env ZONEKEEPER_DATA_DIR="$ZK_VAR" ZONEKEEPER_HTTP_ADDR=127.0.0.1:$ZK_HTTP_PORT \
      ZONEKEEPER_DNS_ADDR=127.0.0.1:$ZK_DNS_PORT ZONEKEEPER_ADMIN_EMAIL=$ZK_EMAIL ZONEKEEPER_RESOLVER=${ZONEKEEPER_RESOLVER:-127.0.0.1:9} \
      ZONEKEEPER_RRL_RATELIMIT=${ZONEKEEPER_RRL_RATELIMIT:-0} ZONEKEEPER_DNS_WORKERS=${ZONEKEEPER_DNS_WORKERS:-$THREADS} \
      ZONEKEEPER_ADMIN_PASSWORD="$ZK_PASSWORD" LEPTOS_OUTPUT_NAME=zonekeeper LEPTOS_SITE_ROOT=$REPO/target/site \
      nice -n "$NICE" "$ZK_BIN" serve ) >> "$ZK_WORK/zonekeeper.log" 2>&1 &
  ZK_PID=$!
  echo "$ZK_PID" > "$ZK_WORK/zonekeeper.pid"
}
zk_wait_http() {
  for _ in $(seq 1 600); do
    curl -fsS "http://127.0.0.1:$ZK_HTTP_PORT/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$ZK_PID" 2>/dev/null || { echo "zonekeeper exited" >&2; return 1; }
    sleep 0.2
  done; return 1
}
zk_stop() {
  [ -n "$ZK_PID" ] || { [ -f "$ZK_WORK/zonekeeper.pid" ] && ZK_PID=$(cat "$ZK_WORK/zonekeeper.pid"); }
  [ -n "$ZK_PID" ] || return 0
  if kill -0 "$ZK_PID" 2>/dev/null; then
    kill -TERM "$ZK_PID"
    for _ in $(seq 1 300); do kill -0 "$ZK_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$ZK_PID" 2>/dev/null && kill -KILL "$ZK_PID"
  fi
  wait "$ZK_PID" 2>/dev/null; ZK_PID=""; rm -f "$ZK_WORK/zonekeeper.pid"
}
zk_psql() { psql -X -q -v ON_ERROR_STOP=1 "host=$ZK_VAR/run port=5432 user=zonekeeper dbname=zonekeeper" "$@"; }

do_setup() {
  if [ ! -f "$DATA/queries.txt" ]; then
    python3 "$HARNESS/gen_zones.py" --out "$DATA" && python3 "$HARNESS/gen_queries.py" --data "$DATA" || return 1
  fi
  [ -f "$RUN/ports.env" ] || python3 "$HARNESS/gen_configs.py" --data "$DATA" --run "$RUN" --threads "$THREADS" || return 1
  [ -x "$PY_DNS" ] || { python3 -m venv "$WORK/venv" && "$WORK/venv/bin/pip" install -q dnspython; }
  zk_stop; rm -rf "$ZK_VAR"; mkdir -p "$ZK_VAR"; : > "$ZK_WORK/zonekeeper.log"
}

do_import() {
  [ -n "$ZK_PID" ] || { zk_start && zk_wait_http; } || return 1
  # Operator settings as the bench zones have them (there is no settings API yet): apex NS and SOA timers.
  zk_psql -c "update setting set nameservers = array['ns1.dnshost.test.','ns2.dnshost.test.'],
      hostmaster = 'hostmaster.dnshost.test.', soa_refresh = 7200, soa_retry = 3600, soa_expire = 1209600,
      soa_minimum = 300, default_ttl = 3600, fcrdns_policy = 'warn'" || return 1
  local token
  token=$("$ZK_BIN" token create --data-dir "$ZK_VAR" --email "$ZK_EMAIL" --name "bench-$(date +%s)" | grep -o 'zk_[A-Za-z0-9_-]*' | head -1)
  [ -n "$token" ] || { echo "no token" >&2; return 1; }
  python3 - "$token" "$ZK_HTTP_PORT" "$DATA/zones.txt" "$ZK_WORK" "$RESULTS" "$ZK_PID" <<'EOF' | tee -a "$ZK_WORK/summary.txt"
import http.client, json, os, sys, time, collections
token, port, zones_txt, work, results, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
H = {"Authorization": f"Bearer {token}"}
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
def req(method, path, body=None, ctype=None):
    h = dict(H)
    if ctype: h["Content-Type"] = ctype
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse(); data = r.read()
    return r.status, data
def cpu():
    with open(f"/proc/{pid}/stat") as f: s = f.read()
    v = s[s.rfind(")") + 2:].split(); return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")
zones = [l.split() for l in open(zones_txt) if l.strip()]
out, ok_zones, stats = [], [], collections.Counter()
t_all = time.time(); c0 = cpu()
t_create = 0.0; t_import = 0.0
def reverse_network(zone):
    labels = zone.rstrip(".").split(".")
    if labels[-2:] == ["in-addr", "arpa"]:
        octets = labels[:-2][::-1]
        return ".".join(octets + ["0"] * (4 - len(octets))) + f"/{8 * len(octets)}"
    nibbles = labels[:-2][::-1]
    full = "".join(nibbles) + "0" * (32 - len(nibbles))
    return ":".join(full[i:i + 4] for i in range(0, 32, 4)) + f"/{4 * len(nibbles)}"
def ptr_address(owner):
    labels = owner.rstrip(".").split(".")
    if labels[-2:] == ["in-addr", "arpa"]:
        return ".".join(labels[:-2][::-1])
    full = "".join(labels[:-2][::-1])
    return ":".join(full[i:i + 4] for i in range(0, 32, 4))
def import_reverse(z, fn, rec):
    # Reverse zones are the operator's IP space: registered under /reverse-zones, the whole network
    # assigned (to the bench admin), the PTRs set through the bulk rDNS endpoint (65,536 per request).
    name = z.rstrip("."); network = reverse_network(z)
    st, body = req("POST", "/api/v1/reverse-zones", json.dumps({"network": network, "template": "r-{ip}.dnshost.test"}), "application/json")
    rec.update(create_status=st, network=network)
    if st != 201: rec["create_error"] = body.decode(errors="replace")[:600]; return False
    st, body = req("POST", "/api/v1/ranges", json.dumps({"network": network, "owner": "admin@bench.test"}), "application/json")
    if st != 201: rec["create_error"] = body.decode(errors="replace")[:600]; return False
    origin, ttl, entries = z, 3600, []
    for line in open(fn):
        toks = line.split(";")[0].split()
        if not toks: continue
        if toks[0] == "$ORIGIN": origin = toks[1]; continue
        if toks[0] == "$TTL": ttl = int(toks[1]); continue
        if "PTR" in [t.upper() for t in toks[:4]]:
            owner = toks[0] if toks[0].endswith(".") else f"{toks[0]}.{origin}"
            own_ttl = int(toks[1]) if toks[1].isdigit() else ttl
            entries.append({"ip": ptr_address(owner), "ptr": toks[-1], "ttl": own_ttl})
    t = time.time(); status = 200
    for i in range(0, len(entries), 65536):
        st, body = req("PATCH", "/api/v1/rdns", json.dumps({"entries": entries[i:i + 65536]}), "application/json")
        if st != 200: status = st; rec["import_error"] = body.decode(errors="replace")[:1500]; break
    rec.update(import_status=status, import_s=round(time.time() - t, 3), ptrs=len(entries), rrs_in_file=len(entries))
    return status == 200
for z, fn in zones:
    name = z.rstrip(".")
    if name.endswith(".in-addr.arpa") or name.endswith(".ip6.arpa"):
        rec = dict(zone=z, reverse=True)
        t = time.time(); ok = import_reverse(z, fn, rec); t_import += time.time() - t
        if ok: ok_zones.append((z, fn)); stats["imported"] += 1; stats["ptrs_imported"] += rec["ptrs"]
        else: stats["import_refused"] += 1
        out.append(rec); continue
    text = open(fn).read()
    kept, ds = [], 0
    for line in text.splitlines():
        toks = line.split(";")[0].split()
        if "DS" in [t.upper() for t in toks[:5]] and not line.startswith("$"):
            ds += 1; continue
        kept.append(line)
    rrs_in_file = sum(1 for l in kept if l.strip() and not l.startswith("$") and not l.lstrip().startswith(";"))
    t = time.time(); st, body = req("POST", "/api/v1/zones", json.dumps({"name": name}), "application/json"); t_create += time.time() - t
    rec = dict(zone=z, create_status=st, ds_dropped=ds, rrs_in_file=rrs_in_file, bytes=len(text))
    if st not in (200, 201):
        rec["create_error"] = body.decode(errors="replace")[:600]; stats["create_refused"] += 1; out.append(rec); continue
    ok_zones.append((z, fn))
    t = time.time(); st, body = req("POST", f"/api/v1/zones/{name}/import", "\n".join(kept) + "\n", "text/dns"); dt = time.time() - t
    t_import += dt
    rec.update(import_status=st, import_s=round(dt, 3))
    if st in (200, 201):
        stats["imported"] += 1; stats["rrs_imported"] += rrs_in_file
        try: rec["result"] = {k: v for k, v in json.loads(body).items() if not isinstance(v, list)}
        except Exception: pass
    else:
        stats["import_refused"] += 1; stats["rrs_refused"] += rrs_in_file
        rec["import_error"] = body.decode(errors="replace")[:1500]
    stats["ds_dropped"] += ds
    out.append(rec)
wall = time.time() - t_all; zk_cpu = cpu() - c0
json.dump(out, open(os.path.join(work, "import.json"), "w"), indent=1)
with open(os.path.join(work, "zones.txt"), "w") as f:
    for z, fn in ok_zones: f.write(f"{z} {fn}\n")
summ = dict(name="zonekeeper", mode="import", ts=t_all, zones=len(zones), wall_s=round(wall, 2),
            create_s=round(t_create, 2), import_s=round(t_import, 2), zonekeeper_cpu_s=round(zk_cpu, 2), **stats)
open(results, "a").write(json.dumps(summ) + "\n")
print("IMPORT", json.dumps(summ))
slow = sorted((r for r in out if "import_s" in r), key=lambda r: -r["import_s"])[:5]
for r in slow: print(f"  slowest: {r['zone']} {r['rrs_in_file']} RRs {r['import_s']} s status {r['import_status']}")
bad = [r for r in out if r.get("import_status", 201) not in (200, 201) or r.get("create_status") not in (200, 201)]
kinds = collections.Counter()
for r in bad:
    err = r.get("import_error") or r.get("create_error") or ""
    try:
        j = json.loads(err); msgs = [e.get("message", "") for e in j.get("errors", [])] or [j.get("detail", "")]
    except Exception: msgs = [err[:120]]
    for m in set(msgs): kinds[m] += 1
for m, n in kinds.most_common(10): print(f"  refused x{n}: {m}")
for r in bad[:3]: print("  example:", r["zone"], (r.get("import_error") or r.get("create_error"))[:700])
EOF
}

rss_report() {  # rss_report LABEL LOAD_TIME
  local pgpid=""; [ -f "$ZK_VAR/postgres/postmaster.pid" ] && pgpid=$(head -1 "$ZK_VAR/postgres/postmaster.pid")
  python3 - "$HARNESS" "$ZK_PID" "$pgpid" "$1" "$2" "$RESULTS" "$ZK_WORK/zonekeeper.log" <<'EOF' | tee -a "$ZK_WORK/summary.txt"
import sys, json, time, re
sys.path.insert(0, sys.argv[1]); import measure
zk = int(sys.argv[2]); pg = int(sys.argv[3]) if sys.argv[3] else 0
pgs = measure.descendants(pg) if pg else []
zk_tree = [p for p in measure.descendants(zk) if p not in pgs]
rss, pss = measure.mem([zk]); trss, tpss = measure.mem(zk_tree); prss, ppss = measure.mem(pgs)
eng = None
for line in open(sys.argv[7], errors="replace"):
    if "DNS engine loaded all zones" in line: eng = re.sub(r"\x1b\[[0-9;]*m", "", line.strip())
rec = dict(name="zonekeeper", mode="load", tag=sys.argv[4], ts=time.time(), load_time_s=float(sys.argv[5]),
           server_rss_kib=rss, server_pss_kib=pss, zk_tree_rss_kib=trss, pg_rss_kib=prss, pg_pss_kib=ppss,
           n_pg_procs=len(pgs), pg_in_zk_tree=bool(set(pgs) & set(measure.descendants(zk))), engine_log=eng)
open(sys.argv[6], "a").write(json.dumps(rec) + "\n")
print(f"LOAD zonekeeper {sys.argv[4]}: ready in {rec['load_time_s']:.2f}s; zonekeeper RSS {rss/1024:.0f} MiB (PSS {pss/1024:.0f});"
      f" PostgreSQL {len(pgs)} procs RSS {prss/1024:.0f} MiB PSS {ppss/1024:.0f} MiB; postgres under zonekeeper's tree: {rec['pg_in_zk_tree']}")
print("  engine:", eng)
EOF
}

do_load() {
  zk_stop
  zk_start || return 1
  local lt
  lt=$(python3 "$HARNESS/wait_ready.py" "$ZK_DNS_PORT" "$ZK_WORK/zones.txt" "$ZK_T0" 600) || { log "zonekeeper not ready"; return 1; }
  sleep 1
  rss_report restart "$lt"
}

zk_measure() {  # same parameters as run.sh's measure() with PIN=0
  local pgpid=0; [ -f "$ZK_VAR/postgres/postmaster.pid" ] && pgpid=$(head -1 "$ZK_VAR/postgres/postmaster.pid")
  python3 "$HARNESS/measure.py" --name zonekeeper --pid "$ZK_PID" --port "$ZK_DNS_PORT" --queries "$DATA/queries.txt" \
    --mode "$1" --duration "$2" --clients "$CLIENTS" --threads "$DNSPERF_THREADS" --outstanding "$OUTSTANDING" \
    --client-cpu "" --nice "$NICE" --quiet-below "$QUIET" --quiet-wait "$QUIET_WAIT" --aux-pid "$pgpid" \
    --tag "$TAG t$THREADS pin0" --out "$RESULTS" "${@:3}" | tee -a "$ZK_WORK/summary.txt"
}

do_perf() {
  # Knot / NSD through the harness itself (it starts, loads, measures and stops them)
  for s in $COMPARE; do
    SUITE="$SUITE" TAG="$TAG" RESULTS="$RESULTS" bash "$HARNESS/run.sh" "$s" 2>&1 | tee -a "$ZK_WORK/summary.txt"
  done
  if [ -z "$ZK_PID" ] || ! kill -0 "$ZK_PID" 2>/dev/null; then do_load || return 1; fi
  for m in $SUITE; do
    case $m in
      udp) zk_measure udp "$DURATION" ;;
      tcp) zk_measure tcp "$DURATION" ;;
      lat) zk_measure udp "$LAT_DURATION" --latency --qps "$LAT_QPS" ;;
    esac
  done
}

do_verify() {
  if [ -z "$ZK_PID" ] || ! kill -0 "$ZK_PID" 2>/dev/null; then do_load || return 1; fi
  source "$RUN/ports.env"; source "$HARNESS/servers.sh"
  PIN=0 start_server knot || return 1
  local kpid=$SERVER_PID
  python3 "$HARNESS/wait_ready.py" "$PORT_knot" "$DATA/zones.txt" "$SERVER_T0" 300 >/dev/null
  "$PY_DNS" "$HARNESS/verify.py" --tags "$DATA/queries.txt.tags" --servers "knot=$PORT_knot,zonekeeper=$ZK_DNS_PORT" \
    --n "${VERIFY_N:-20}" --show 1 > "$ZK_WORK/verify.txt" 2>&1
  # second pass: SOA serial and RNAME differ by design (Zonekeeper manages them); mask them, then compare
  "$PY_DNS" - "$HARNESS" "$DATA/queries.txt.tags" "$PORT_knot" "$ZK_DNS_PORT" "${VERIFY_N:-20}" > "$ZK_WORK/verify-normalised.txt" 2>&1 <<'EOF'
import sys, re, random, collections
sys.path.insert(0, sys.argv[1]); import verify
def mask(core):
    if len(core) < 5: return core
    f = lambda sec: tuple(sorted(re.sub(r" SOA (\S+) (\S+) \d+ ", r" SOA \1 <rname> <serial> ", x) for x in sec))
    return core[:3] + (f(core[3]), f(core[4]))
bycat = collections.defaultdict(list)
for line in open(sys.argv[2]):
    tag, qn, qt = line.split(); bycat[tag].append((qn, qt))
rng = random.Random(7); todo = list(verify.EXTRA)
for tag in sorted(bycat):
    todo += [(tag, qn, qt) for qn, qt in rng.sample(bycat[tag], min(int(sys.argv[5]), len(bycat[tag])))]
bad = collections.Counter(); shown = collections.Counter(); addl = collections.Counter(); addl_shown = collections.Counter()
for tag, qn, qt in todo:
    k, ka = verify.ask(int(sys.argv[3]), qn, qt); z, za = verify.ask(int(sys.argv[4]), qn, qt)
    if ka != za:
        addl[tag] += 1
        if addl_shown[tag] < 1:
            addl_shown[tag] += 1; print(f"--- additional {tag} {qn} {qt}\n  knot:       {ka}\n  zonekeeper: {za}")
    if mask(k) != mask(z):
        bad[tag] += 1
        if shown[tag] < 1:
            shown[tag] += 1; print(f"--- {tag} {qn} {qt}\n  knot:       {mask(k)}\n  zonekeeper: {mask(z)}")
print(f"additional-section differences by class: {dict(addl)}")
print(f"\n{len(todo)} queries, {sum(bad.values())} differ after masking SOA serial/RNAME: {dict(bad)}")
EOF
  SERVER_PID=$kpid; stop_server
  log "verify: $(grep -E '^zonekeeper:' "$ZK_WORK/verify.txt")"
  log "verify (SOA serial/RNAME masked): $(tail -1 "$ZK_WORK/verify-normalised.txt")"
}

do_classes() {  # saturation qps + server CPU per query category (harness .tags): Knot, NSD, Zonekeeper
  if [ -z "$ZK_PID" ] || ! kill -0 "$ZK_PID" 2>/dev/null; then do_load || return 1; fi
  source "$RUN/ports.env"; source "$HARNESS/servers.sh"
  local cat=$ZK_WORK/cat f t srv pid port peer
  mkdir -p "$cat"; rm -f "$cat"/*.txt "$ZK_WORK/classes.jsonl"
  awk -v d="$cat" '{t=$1; gsub("/","_",t); print $2" "$3 > d"/"t".txt"}' "$DATA/queries.txt.tags"
  for peer in ${CLASS_PEERS:-knot nsd}; do
    PIN=0 start_server "$peer" || return 1
    local ppid=$SERVER_PID pport; pport=$(server_port "$peer")
    python3 "$HARNESS/wait_ready.py" "$pport" "$DATA/zones.txt" "$SERVER_T0" 300 >/dev/null
    for f in "$cat"/*.txt; do
      python3 "$HARNESS/measure.py" --name "$peer" --pid "$ppid" --port "$pport" --queries "$f" --mode udp \
        --duration "${CLASS_DURATION:-3}" --clients "$CLIENTS" --threads "$DNSPERF_THREADS" --outstanding "$OUTSTANDING" \
        --client-cpu "" --nice "$NICE" --tag "class $(basename "$f" .txt)" --out "$ZK_WORK/classes.jsonl" >/dev/null
    done
    SERVER_PID=$ppid; stop_server
  done
  for f in "$cat"/*.txt; do
    python3 "$HARNESS/measure.py" --name zonekeeper --pid "$ZK_PID" --port "$ZK_DNS_PORT" --queries "$f" --mode udp \
      --duration "${CLASS_DURATION:-3}" --clients "$CLIENTS" --threads "$DNSPERF_THREADS" --outstanding "$OUTSTANDING" \
      --client-cpu "" --nice "$NICE" --tag "class $(basename "$f" .txt)" --out "$ZK_WORK/classes.jsonl" >/dev/null
  done
  python3 - "$ZK_WORK/classes.jsonl" <<'PY' | tee -a "$ZK_WORK/summary.txt"
import json, sys, collections
rows = collections.defaultdict(dict)
for l in open(sys.argv[1]):
    r = json.loads(l); rows[r["tag"].split()[1]][r["name"]] = r
pc = lambda r: (r.get("qps") or 0) / max(r.get("server_cpu_pct") or 1, 1) * 100
print(f"{'class':22s} {'knot q/core':>11s} {'nsd q/core':>11s} {'zk qps':>8s} {'cpu%':>5s} {'zk q/core':>10s} {'zk/nsd':>6s} rcodes")
for t in sorted(rows):
    k, n, z = (rows[t].get(s, {}) for s in ("knot", "nsd", "zonekeeper"))
    ratio = pc(z) / pc(n) if pc(n) else 0
    print(f"{t:22s} {pc(k):11.0f} {pc(n):11.0f} {z.get('qps',0):8.0f} {z.get('server_cpu_pct',0):5.0f} {pc(z):10.0f} {ratio:6.2f} {z.get('rcodes')}")
PY
}

do_latency() {  # p99 at LAT_QPS in LAT_ROUNDS interleaved rounds: Knot, NSD and Zonekeeper all running,
  # one after another in each round, so that a noisy minute of the host (steal) falls on all three
  # and not on one server's only run; the summary gives each server's median p99 and its worst
  if [ -z "$ZK_PID" ] || ! kill -0 "$ZK_PID" 2>/dev/null; then do_load || return 1; fi
  source "$RUN/ports.env"; source "$HARNESS/servers.sh"
  local peer round out=$ZK_WORK/latency.jsonl pgpid=0
  local -A pid port
  rm -f "$out"
  for peer in ${LAT_PEERS:-knot nsd}; do
    PIN=0 start_server "$peer" || return 1
    pid[$peer]=$SERVER_PID; port[$peer]=$(server_port "$peer")
    python3 "$HARNESS/wait_ready.py" "${port[$peer]}" "$DATA/zones.txt" "$SERVER_T0" 300 >/dev/null
  done
  pid[zonekeeper]=$ZK_PID; port[zonekeeper]=$ZK_DNS_PORT
  [ -f "$ZK_VAR/postgres/postmaster.pid" ] && pgpid=$(head -1 "$ZK_VAR/postgres/postmaster.pid")
  for round in $(seq 1 "${LAT_ROUNDS:-5}"); do
    for peer in ${LAT_PEERS:-knot nsd} zonekeeper; do
      python3 "$HARNESS/measure.py" --name "$peer" --pid "${pid[$peer]}" --port "${port[$peer]}" --queries "$DATA/queries.txt" \
        --mode udp --duration "$LAT_DURATION" --latency --qps "$LAT_QPS" --clients "$CLIENTS" --threads "$DNSPERF_THREADS" \
        --outstanding "$OUTSTANDING" --client-cpu "" --nice "$NICE" --quiet-below "$QUIET" --quiet-wait "$QUIET_WAIT" \
        --aux-pid "$([ "$peer" = zonekeeper ] && echo "$pgpid" || echo 0)" --tag "latency round $round t$THREADS" \
        --out "$out" >/dev/null
    done
  done
  for peer in ${LAT_PEERS:-knot nsd}; do SERVER_PID=${pid[$peer]}; stop_server; done
  python3 - "$out" <<'PY' | tee -a "$ZK_WORK/summary.txt"
import json, sys, statistics, collections
runs = collections.defaultdict(list)
for l in open(sys.argv[1]):
    r = json.loads(l); runs[r["name"]].append(r)
print(f"{'server':11s} {'rounds':>6s} {'median p99':>10s} {'best':>6s} {'worst':>6s} {'lost':>5s} {'median steal %':>14s}  p99 per round (ms)")
for name, rs in runs.items():
    p99 = [r["lat_p99_ms"] for r in rs]
    steal = statistics.median(r["cpu_breakdown"]["steal"] for r in rs)
    print(f"{name:11s} {len(rs):6d} {statistics.median(p99):10.3f} {min(p99):6.3f} {max(p99):6.3f} {sum(r['lost'] or 0 for r in rs):5d}"
          f" {steal:14.1f}  {' '.join(f'{x:.3f}' for x in p99)}")
PY
}

do_dnssec() {  # signed answers beside unsigned ones: the two big zones signed through the API,
  # their existing names (classes A_big and AAAA_big) asked with EDNS, before and after signing,
  # and with DO; the zones are unsigned again at the end
  if [ -z "$ZK_PID" ] || ! kill -0 "$ZK_PID" 2>/dev/null; then do_load || return 1; fi
  local q=$ZK_WORK/dnssec-queries.txt token z signed
  awk '$1 == "A/big" || $1 == "AAAA/big" {print $2" "$3}' "$DATA/queries.txt.tags" > "$q"
  token=$("$ZK_BIN" token create --data-dir "$ZK_VAR" --email "$ZK_EMAIL" --name "bench-dnssec-$(date +%s)" | grep -o 'zk_[A-Za-z0-9_-]*' | head -1)
  [ -n "$token" ] || { echo "no token" >&2; return 1; }
  rm -f "$ZK_WORK/dnssec.jsonl"
  dnssec_measure() {
    python3 "$HARNESS/measure.py" --name zonekeeper --pid "$ZK_PID" --port "$ZK_DNS_PORT" --queries "$q" --mode udp \
      --duration "$DURATION" --clients "$CLIENTS" --threads "$DNSPERF_THREADS" --outstanding "$OUTSTANDING" \
      --client-cpu "" --nice "$NICE" --quiet-below "$QUIET" --quiet-wait "$QUIET_WAIT" --tag "dnssec $1" --extra="$2" \
      --out "$ZK_WORK/dnssec.jsonl" | tee -a "$ZK_WORK/summary.txt"
  }
  dnssec_sign() {
    for z in big-1.test big-2.test; do
      curl -fsS -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d "{\"signed\": $1}" "http://127.0.0.1:$ZK_HTTP_PORT/api/v1/zones/$z/dnssec" >/dev/null || return 1
      for _ in $(seq 1 300); do
        signed=$(dig +norec +dnssec +short -p "$ZK_DNS_PORT" @127.0.0.1 "$z" DNSKEY | grep -c . || true)
        { [ "$1" = true ] && [ "$signed" -gt 0 ]; } || { [ "$1" = false ] && [ "$signed" -eq 0 ]; } && break
        sleep 0.2
      done
    done
  }
  dnssec_measure unsigned -e || return 1
  dnssec_sign true || return 1
  dnssec_measure signed-without-do -e && dnssec_measure signed-with-do -D
  # DNSSEC_KEEP=1 leaves them signed (to measure a node loading them, say)
  [ -n "${DNSSEC_KEEP:-}" ] || dnssec_sign false
  python3 - "$ZK_WORK/dnssec.jsonl" <<'PY' | tee -a "$ZK_WORK/summary.txt"
import json, sys
rows = {json.loads(l)["tag"].split()[1]: json.loads(l) for l in open(sys.argv[1])}
pc = lambda r: (r.get("qps") or 0) / max(r.get("server_cpu_pct") or 1, 1) * 100
base = pc(rows["unsigned"])
for tag in ("unsigned", "signed-without-do", "signed-with-do"):
    r = rows.get(tag, {})
    print(f"{tag:18s} qps {r.get('qps', 0):9.0f}  server cpu {r.get('server_cpu_pct', 0):5.1f} %  "
          f"qps/core {pc(r):9.0f}  {100 * pc(r) / base:5.1f} % of unsigned  response {r.get('resp_size')} octets  {r.get('rcodes')}")
PY
}

trap 'zk_stop' EXIT
trap 'zk_stop; exit 130' INT TERM
case "${1:-all}" in
  setup) do_setup ;;
  import) do_import ;;
  load) do_load ;;
  perf) do_perf ;;
  verify) do_verify ;;
  classes) do_classes ;;
  dnssec) do_dnssec ;;
  latency) do_latency ;;
  stop) zk_stop ;;
  all) do_setup && do_import && do_load && do_verify && do_perf && do_classes
       python3 "$HARNESS/summarize.py" "$RESULTS" 2>&1 | tee -a "$ZK_WORK/summary.txt" ;;
  *) sed -n 2,24p "$0" ;;
esac
