#!/usr/bin/env bash
# Fails when the dependency tree of the core (`--no-default-features`) of `alys-metrics` or
# `alys-metrics-runtime` holds a crate that only the exporter, the process collector or the actor
# runtime may bring: hyper, hyper-util, http-body-util, flate2, sysinfo, rustix, or tokio with its
# `net` feature (or tokio's `macros`, whose proc-macro crate builds a second syn major version).
#
#   bash scripts/core_deps.sh                      # the check CI runs
#   bash scripts/core_deps.sh --features exporter  # shows what it reports (and fails)
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='^(hyper|hyper-util|http-body-util|flate2|sysinfo|rustix) v'
status=0
for package in alys-metrics-runtime alys-metrics; do
  # One line per crate: `name vX.Y.Z feature,feature,..` (the features of normal dependencies).
  tree=$(cargo tree --quiet --locked -p "$package" --no-default-features "$@" -e normal \
    --prefix none -f '{p} {f}' | sed 's/ (\*)$//; s/ ([^)]*)//' | sort -u)
  found=$(grep -E "$forbidden|^tokio v[^ ]+ .*\b(net|macros)\b" <<<"$tree" || true)
  if [ -n "$found" ]; then
    echo "$package --no-default-features $*: the core's tree holds" >&2
    echo "$found" | sed 's/^/  /' >&2
    status=1
  else
    echo "   $package: $(wc -l <<<"$tree") crates, none of hyper, hyper-util, http-body-util, flate2, sysinfo, rustix, tokio net"
  fi
done
exit $status
