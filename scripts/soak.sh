#!/usr/bin/env bash
# The exporter under load (issue 13): scrape latency under attack, request rates of 1 and 64
# concurrent scrapers (plain and gzip), and TLS against plain on a kept-alive connection.
# Loopback only; about 2 minutes after the build. Figures go to BENCHMARKS.md, section 5.
#
#   bash scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# The soak opens about 1,000 sockets (both ends in this process).
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4096 ]; then
  ulimit -n 4096 2>/dev/null || echo "warning: fewer than 4096 file descriptors; the soak may fail to connect" >&2
fi

echo "== soak: latency under attack, request rates"
cargo bench -p alys-metrics-benches --bench soak
echo
echo "== TLS vs plain, full catalogue, kept-alive connection"
cargo bench -p alys-metrics-benches --bench exporter -- --warm-up-time 1 --measurement-time 5
