#!/usr/bin/env bash
# Runs the tests of the runtime's one unsafe module, the `TrackingAllocator` (a `GlobalAlloc`:
# a bug there corrupts the node), under valgrind memcheck: any read or write outside a live
# block, read of uninitialised bytes, use after free or free of a pointer malloc did not hand
# out fails the run, as does any failed test. Miri would need a nightly toolchain.
#
#   bash scripts/valgrind.sh      # about 15 s once the test binaries are built
#
# Two test binaries, each with only its allocator tests:
# - `tests/solo` (`actor_alloc`), whose global allocator is the `TrackingAllocator`: the
#   property tests of `tests/solo/actor_alloc.rs` (module `raw`) and the actix tests beside them;
# - the runtime's unit tests (`actor_system::alloc::`), on an allocator instance of their own.
#
# Flags: `--leak-check=no` because the process ends with live thread-locals, statics and the
# actix system's threads, which are not the allocator's leaks (its own frees are exercised,
# and memcheck checks every one); no suppressions are needed: a run of Rust's test harness,
# std and actix/tokio reports no error with valgrind 3.19 (Debian bookworm). `scripts/test.sh`
# runs this script; it installs Debian's `valgrind` when it is missing (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing valgrind (Debian package)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null
  else
    echo "missing valgrind: install the Debian package (needs root)" >&2
    exit 1
  fi
fi

# The path of test executable NAME that `cargo test --workspace ARGS --no-run` builds. With
# `--workspace` the features resolve as in `scripts/test.sh`'s `cargo test --workspace`, so
# there the binaries are already built.
test_binary() {
  local name=$1 bin
  shift
  bin=$(cargo test --locked --quiet --workspace "$@" --no-run --message-format=json |
    sed -n "s/.*\"name\":\"${name}\".*\"executable\":\"\([^\"]*\)\".*/\1/p" | tail -n 1)
  if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "no test executable ${name} from: cargo test --workspace $* --no-run" >&2
    exit 1
  fi
  echo "$bin"
}

memcheck() {
  valgrind --quiet --error-exitcode=1 --leak-check=no --track-origins=yes "$@"
}

solo=$(test_binary solo --test solo)
unit=$(test_binary alys_metrics_runtime --lib)

rc=0
echo "== valgrind memcheck: tests/solo actor_alloc (the TrackingAllocator as global allocator)"
memcheck "$solo" actor_alloc --test-threads=1 || rc=1
echo "== valgrind memcheck: the runtime's unit tests of actor_system::alloc"
memcheck "$unit" actor_system::alloc:: --test-threads=1 || rc=1
if [ "$rc" = 0 ]; then
  echo "valgrind memcheck: no error"
else
  echo "valgrind memcheck: FAILED (memcheck errors or failed tests above)" >&2
fi
exit "$rc"
