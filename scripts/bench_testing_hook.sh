#!/usr/bin/env bash
# What the `testing` feature costs the metric hot path with no capture alive: the same
# criterion bench (alys-metrics-runtime/benches/testing_hook.rs) built without and with the
# feature and run back to back, twice, alternating (A B A B) so that drift on a shared machine
# shows; prints each figure and the ratio with/without per round. BENCHMARKS.md, section 14.
#
#   scripts/bench_testing_hook.sh            # 2 rounds
#   ROUNDS=3 scripts/bench_testing_hook.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-2}
out=$(mktemp -d)
run() { # $1: label, rest: cargo flags
    local label=$1
    shift
    nice -n 10 cargo bench -q -p alys-metrics-runtime --no-default-features "$@" \
        --bench testing_hook -- --noplot 2>/dev/null |
        awk -v l="$label" '/^testing_hook\//{name=$1} /time:/{ if (name!="") { gsub(/\[/,""); print name, $4, $5; name="" } }' \
        | sed -E 's#testing_hook/([a-z_]+)/[a-z_]+#\1#'
}
# Build both first so that no round waits for a compile.
nice -n 10 cargo bench -q -p alys-metrics-runtime --no-default-features --bench testing_hook --no-run
nice -n 10 cargo bench -q -p alys-metrics-runtime --no-default-features --features testing --bench testing_hook --no-run
for r in $(seq 1 "$rounds"); do
    run without >"$out/without.$r"
    run with --features testing >"$out/with.$r"
    echo "round $r (median estimate; ratio = with / without):"
    join <(sort "$out/without.$r") <(sort "$out/with.$r") |
        awk '{ printf "  %-18s without %8s %-2s  with %8s %-2s  ratio %.3f\n", $1, $2, $3, $4, $5, $4/$2 }'
done
