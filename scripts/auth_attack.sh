#!/usr/bin/env bash
# TLS and basic auth under attack, on loopback (examples/auth_attack.rs): which user names
# exist from the time a wrong password takes, a hostile bcrypt cost, special files as
# certificates, a wrong-password flood against good scrapes, half-open TLS handshakes.
#
#   bash scripts/auth_attack.sh                      # this tree, every measurement (~1 min)
#   bash scripts/auth_attack.sh timing flood         # some of: timing cost files flood handshake
#   bash scripts/auth_attack.sh --baseline 9c9017e   # the same example on another commit first
#
# With --baseline, the commit is extracted (git archive) into a temporary directory, given this
# tree's example, built in release there and measured, then this tree is: the figures of both
# come from the same machine in one run. The example uses only API both have.
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=""
if [ "${1:-}" = "--baseline" ]; then
  baseline=${2:?--baseline needs a commit}
  shift 2
fi
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4096 ]; then
  ulimit -n 4096 2>/dev/null || echo "warning: fewer than 4096 file descriptors" >&2
fi

if [ -n "$baseline" ]; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/alys-auth-baseline.XXXXXX")
  trap 'rm -rf "$dir"' EXIT
  git archive "$baseline" | tar -x -C "$dir"
  cp examples/auth_attack.rs "$dir/examples/"
  if ! grep -q 'name = "auth_attack"' "$dir/Cargo.toml"; then
    printf '\n[[example]]\nname = "auth_attack"\npath = "examples/auth_attack.rs"\nrequired-features = ["tls"]\n' >>"$dir/Cargo.toml"
  fi
  echo "== building $baseline in $dir"
  (cd "$dir" && cargo build --quiet --release --example auth_attack)
  echo "=== $baseline"
  "$dir/target/release/examples/auth_attack" "$@"
  echo
fi
cargo build --quiet --release --example auth_attack
echo "=== this tree ($(git rev-parse --short HEAD)$(git diff --quiet || echo ', modified'))"
target/release/examples/auth_attack "$@"
