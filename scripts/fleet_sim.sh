#!/usr/bin/env bash
# Fleet simulation on loopback: N example nodes (default 50) scraped by one Prometheus that runs
# ops/prometheus.yml with every rule of the bundle (alerts, spellings, fleet rules), at the
# production scrape interval. Reports what a Prometheus operator sizes by: ingested samples/s,
# head series, Prometheus's resident memory and CPU, and the rule groups' evaluation time.
#
#   bash scripts/fleet_sim.sh                                  # 50 nodes, 15 s scrapes, 240 s
#   bash scripts/fleet_sim.sh --nodes 20 --duration 120 --scrape-interval 5s
#   bash scripts/fleet_sim.sh --profile dev                    # debug build of the node
#   bash scripts/fleet_sim.sh --bin /tmp/node-before           # a node binary built elsewhere
#
# Bounded: at most 200 nodes and 1,800 s; everything listens on 127.0.0.1; every process it
# starts is stopped (by its pid) when it ends, also on Ctrl-C. Needs prometheus, curl, python3;
# prometheus-node-exporter is used when present (one, for the host).
# The report is also written to target/fleet-sim-N<nodes>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

nodes=50
duration=240
scrape=15s
profile=release
node_bin=
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --scrape-interval) scrape="$2"; shift 2 ;;
    --profile) profile="$2"; shift 2 ;;
    --bin) node_bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument $1; see --help" >&2; exit 2 ;;
  esac
done
[[ "$nodes" =~ ^[0-9]+$ ]] && [ "$nodes" -ge 1 ] && [ "$nodes" -le 200 ] \
  || { echo "--nodes must be 1..200" >&2; exit 2; }
[[ "$duration" =~ ^[0-9]+$ ]] && [ "$duration" -ge 60 ] && [ "$duration" -le 1800 ] \
  || { echo "--duration must be 60..1800 seconds" >&2; exit 2; }
[[ "$scrape" =~ ^[0-9]+s$ ]] || { echo "--scrape-interval must be like 15s" >&2; exit 2; }
case "$profile" in release) dir=release ;; dev) dir=debug ;; *) echo "--profile release|dev" >&2; exit 2 ;; esac
for tool in prometheus curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (Debian: apt-get install prometheus curl python3)" >&2; exit 1; }
done

if [ -n "$node_bin" ]; then
  [ -x "$node_bin" ] || { echo "--bin $node_bin: not an executable" >&2; exit 2; }
  bin="$node_bin"
else
  echo "== building the example node ($profile)"
  cargo build -q --profile "$profile" --example node
  bin="target/$dir/examples/node"
fi

tmp=$(mktemp -d /tmp/alys-fleet-sim.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# N+2 free loopback ports (nodes, node_exporter, Prometheus), all held while picked.
mapfile -t ports < <(python3 - "$((nodes + 2))" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
for s in socks:
    print(s.getsockname()[1])
PY
)
prom_port=${ports[$nodes + 1]}
ne_port=${ports[$nodes]}

echo "== starting $nodes nodes"
targets=()
for i in $(seq 0 $((nodes - 1))); do
  port=${ports[$i]}
  "$bin" --port "$port" --seed "$((1000 + i))" >"$tmp/node-$i.log" 2>&1 &
  pids+=($!)
  targets+=("\"127.0.0.1:$port\"")
done
if command -v prometheus-node-exporter >/dev/null; then
  prometheus-node-exporter --web.listen-address="127.0.0.1:$ne_port" --collector.processes \
    --log.level=warn >"$tmp/node-exporter.log" 2>&1 &
  pids+=($!)
fi
for i in $(seq 0 $((nodes - 1))); do
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:${ports[$i]}/metrics" && break
    sleep 0.2
  done
done
series_per_node=$(curl -sf "http://127.0.0.1:${ports[0]}/metrics" | grep -vc '^#')

# ops/prometheus.yml with the nodes as targets, absolute rule paths and the fleet rules.
target_list=$(IFS=,; echo "${targets[*]}")
python3 - "$PWD/ops" "$scrape" "$target_list" "$ne_port" "$prom_port" >"$tmp/prometheus.yml" <<'PY'
import sys
ops, scrape, targets, ne, prom = sys.argv[1:]
cfg = open(ops + "/prometheus.yml").read()
for a, b in [
    ("scrape_interval: 15s", "scrape_interval: " + scrape),
    ("scrape_timeout: 10s", "scrape_timeout: %ds" % min(10, int(scrape[:-1]))),
    ("- alerts.yml", "- %s/alerts.yml" % ops),
    ("- spellings.yml", "- %s/spellings.yml\n  - %s/fleet/rules.yml" % (ops, ops)),
    ('targets: ["localhost:9001"]', "targets: [%s]" % targets),
    ('targets: ["localhost:9100"]', 'targets: ["127.0.0.1:%s"]' % ne),
    ('targets: ["localhost:9090"]', 'targets: ["127.0.0.1:%s"]' % prom),
]:
    assert a in cfg, a
    cfg = cfg.replace(a, b)
print(cfg)
PY

echo "== starting Prometheus on 127.0.0.1:$prom_port for ${duration}s"
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$tmp/prometheus.log" 2>&1 &
prom_pid=$!
pids+=("$prom_pid")
for _ in $(seq 1 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$prom_port/-/ready" && break
  sleep 0.2
done

# Peak RSS of the Prometheus process, sampled every 5 s while it runs.
peak_rss=0
end=$((SECONDS + duration))
while [ $SECONDS -lt $end ]; do
  rss=$(awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$prom_pid/status" 2>/dev/null || echo 0)
  [ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
  kill -0 "$prom_pid" 2>/dev/null || { echo "prometheus exited:" >&2; tail "$tmp/prometheus.log" >&2; exit 1; }
  sleep 5
done

report="target/fleet-sim-N$nodes.txt"
mkdir -p target
python3 - "$prom_port" "$nodes" "$scrape" "$duration" "$peak_rss" "$series_per_node" <<'PY' | tee "$report"
import json, os, sys, urllib.parse, urllib.request
port, nodes, scrape, duration, peak_rss, per_node = sys.argv[1:]
def q(expr):
    url = "http://127.0.0.1:%s/api/v1/query?query=%s" % (port, urllib.parse.quote(expr))
    data = json.load(urllib.request.urlopen(url))["data"]["result"]
    return data
def one(expr):
    r = q(expr)
    return float(r[0]["value"][1]) if r else float("nan")
# Rates over the last 2 minutes (1 minute on short runs).
win = "2m" if int(duration) >= 180 else "1m"
up = one('count(up{job="alys"} == 1)')
print("fleet simulation: %s nodes (%d up), scrape interval %s, run %s s" % (nodes, up, scrape, duration))
print("host: %d cores, load average (1/5 min) %s" % (os.cpu_count(), " / ".join(open("/proc/loadavg").read().split()[:2])))
print("series exposed per node (one scrape)       %s" % per_node)
print("samples scraped per node (avg)             %.0f" % one('avg(scrape_samples_scraped{job="alys"})'))
print("ingest, samples/s (rate over %s)           %.0f" % (win, one("rate(prometheus_tsdb_head_samples_appended_total[%s])" % win)))
print("head series                                %.0f" % one("prometheus_tsdb_head_series"))
print("Prometheus RSS now / peak, MiB             %.0f / %.0f" % (one('process_resident_memory_bytes{job="prometheus"}') / 2**20, int(peak_rss) / 2**20))
print("Prometheus CPU, cores (rate over %s)       %.3f" % (win, one('rate(process_cpu_seconds_total{job="prometheus"}[%s])' % win)))
print("the nodes' own CPU, cores (sum)            %.2f" % one('sum(rate(process_cpu_seconds_total{job="alys"}[%s]))' % win))
print("scrape duration per node, avg / max, ms    %.1f / %.1f" % (1000 * one('avg(scrape_duration_seconds{job="alys"})'), 1000 * one('max(scrape_duration_seconds{job="alys"})')))
# Each group's evaluation time over the last 2 minutes (after the first rate windows fill):
# the least is the cost with the fewest other processes competing for the CPU.
print("rule group evaluation over the last %s, least / last / most, ms:" % win)
def by_group(expr):
    return {r["metric"]["rule_group"].split(";")[-1]: float(r["value"][1]) for r in q(expr)}
low = by_group("min_over_time(prometheus_rule_group_last_duration_seconds[%s])" % win)
last = by_group("prometheus_rule_group_last_duration_seconds")
peak = by_group("max_over_time(prometheus_rule_group_last_duration_seconds[%s])" % win)
nan = float("nan")
for g in sorted(last):
    print("  %-22s %8.2f / %8.2f / %8.2f" % (g, 1000 * low.get(g, nan), 1000 * last[g], 1000 * peak.get(g, nan)))
print("  %-22s %8.2f / %8.2f / %8.2f" % ("all groups", 1000 * sum(low.values()), 1000 * sum(last.values()), 1000 * sum(peak.values())))
PY
echo "(written to $report)"
