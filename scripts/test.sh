#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, doc, trybuild ui-tests, and the tests that
# drive a real prometheus/promtool/node_exporter, and the tracking allocator's tests under valgrind
# memcheck (scripts/valgrind.sh). Installs what the tests need when it is missing.
#
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh --quick    # skip fmt/clippy
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
command -v amtool >/dev/null 2>&1 || need_apt+=(prometheus-alertmanager)
command -v prometheus-node-exporter >/dev/null 2>&1 || need_apt+=(prometheus-node-exporter)
command -v valgrind >/dev/null 2>&1 || need_apt+=(valgrind)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing ${need_apt[*]} (Debian packages)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "missing ${need_apt[*]}: install these Debian packages (needs root)" >&2
    exit 1
  fi
fi
# Prometheus 3.5 LTS and its promtool next to the system's 2.x (Debian sid's packages unpacked
# into a cache directory, nothing installed): every real-Prometheus test runs against both.
echo "== Prometheus 3.5 (scripts/prometheus3.sh)"
ALYS_PROMETHEUS3_BIN="$(bash scripts/prometheus3.sh)"
export ALYS_PROMETHEUS3_BIN
echo "   $ALYS_PROMETHEUS3_BIN"
# Tests that need promtool/prometheus/node_exporter (2.x and 3.x) fail, never skip, when they
# are missing.
export ALYS_REQUIRE_PROMTOOL=1

if [ "${1:-}" != "--quick" ]; then
  echo "== cargo fmt --check"
  cargo fmt --all -- --check
  echo "== cargo clippy"
  cargo clippy --workspace --all-targets --quiet -- -D warnings
  echo "== cargo doc (warnings and broken intra-doc links are errors)"
  RUSTDOCFLAGS="-D warnings -D rustdoc::broken_intra_doc_links" \
    cargo doc --no-deps --quiet -p alys-metrics -p alys-metrics-runtime -p alys-metrics-macros
  echo "== the runtime without default features, and with each feature alone (clippy -D warnings)"
  cargo clippy --quiet -p alys-metrics-runtime --no-default-features -- -D warnings
  for feature in $(sed -n '/^\[features\]/,/^\[/{s/^\([a-z][a-z0-9_-]*\) *=.*/\1/p}' alys-metrics-runtime/Cargo.toml | grep -vx default); do
    echo "   --features $feature"
    cargo clippy --quiet -p alys-metrics-runtime --no-default-features --features "$feature" -- -D warnings
  done
  echo "== the core's dependency tree (--no-default-features) holds no exporter or collector crate"
  bash scripts/core_deps.sh
fi

echo "== cargo test"
mkdir -p target
set +e
cargo test --workspace --locked --no-fail-fast 2>&1 | tee target/test-output.txt
rc=${PIPESTATUS[0]}

echo "== valgrind memcheck: the tests of the runtime's one unsafe module, the TrackingAllocator"
bash scripts/valgrind.sh
memcheck_rc=$?
set -e

# A one-line summary that any runner can read.
passed=$(grep -Eo '[0-9]+ passed' target/test-output.txt | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' target/test-output.txt | awk '{s+=$1} END {print s+0}')
[ "$memcheck_rc" = 0 ] && memcheck=ok || memcheck=FAILED
echo "valgrind memcheck of the tracking allocator's tests: ${memcheck}"
echo "tests: ${passed} passed, ${failed} failed"
[ "$rc" = 0 ] && [ "$failed" = 0 ] && [ "$memcheck_rc" = 0 ]
