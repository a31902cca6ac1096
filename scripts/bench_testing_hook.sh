#!/usr/bin/env bash
# What the `testing` feature costs the metric hot path with no capture alive: the same
# criterion bench (alys-metrics-runtime/benches/testing_hook.rs) built without and with the
# feature, the two binaries run alternately (A B A B ..) so that drift on a shared machine hits
# both; prints each round's figures and ratio (with / without) and the median ratio per bench
# (BENCHMARKS.md, "The `testing` feature's hook").
#
#   scripts/bench_testing_hook.sh             # 6 rounds of 2 s per bench and binary
#   ROUNDS=10 SECS=3 scripts/bench_testing_hook.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-6}
secs=${SECS:-2}
out=$(mktemp -d)
exe() { # the bench binary built with these flags
    nice -n 10 cargo bench -q -p alys-metrics-runtime --no-default-features "$@" \
        --bench testing_hook --no-run --message-format=json 2>/dev/null |
        sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1
}
without=$(exe)
with=$(exe --features testing)
run() { # $1: binary; prints "bench median unit"
    nice -n 10 "$1" --bench --noplot --warm-up-time 1 --measurement-time "$secs" 2>/dev/null |
        awk '/^testing_hook\//{name=$1} /time:/{ if (name!="") { gsub(/\[/,""); print name, $4, $5; name="" } }' |
        sed -E 's#testing_hook/([a-z_]+)/[a-z_]+#\1#'
}
to_ns() { awk '{ f = ($3=="ps") ? 0.001 : ($3=="µs" || $3=="us") ? 1000 : 1; printf "%s %.4f\n", $1, $2*f }'; }
for r in $(seq 1 "$rounds"); do
    run "$without" | to_ns | sort >"$out/without.$r"
    run "$with" | to_ns | sort >"$out/with.$r"
    echo "round $r (ns, criterion's median estimate; ratio = with / without):"
    join "$out/without.$r" "$out/with.$r" |
        awk '{ printf "  %-18s without %8.3f  with %8.3f  ratio %.3f\n", $1, $2, $3, $3/$2 }' |
        tee -a "$out/all"
done
echo "median over $rounds rounds:"
for b in $(awk '{print $1}' "$out/all" | sort -u); do
    grep "^  $b " "$out/all" | awk '{print $3, $5, $7}' | sort -n -k1,1 >"$out/w"
    med='{a[NR]=$1} END{ if (NR % 2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2 }'
    mw=$(awk '{print $1}' "$out/w" | sort -n | awk "$med")
    mt=$(awk '{print $2}' "$out/w" | sort -n | awk "$med")
    mr=$(awk '{print $3}' "$out/w" | sort -n | awk "$med")
    printf "  %-18s without %8.3f ns  with %8.3f ns  median ratio %s\n" "$b" "$mw" "$mt" "$mr"
done
