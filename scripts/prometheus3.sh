#!/usr/bin/env bash
# Provides Prometheus 3.5 LTS and its promtool next to the system's Prometheus 2.x, without
# installing anything over it: downloads Debian sid's `prometheus` and `promtool` packages with
# apt-get (the Debian archive only, through a private APT state directory so the system's
# sources and lists are untouched) and unpacks them with `dpkg -x` into a cache directory.
# Prints the directory that holds the `prometheus` and `promtool` 3.5 binaries.
#
#   dir=$(bash scripts/prometheus3.sh)      # e.g. ~/.cache/alys-metrics/prometheus3/root/usr/bin
#   ALYS_PROMETHEUS3_BIN=$dir cargo test --test e2e
#
# Both packages are single Go binaries linked to libc only, so they run on bookworm as they are.
# A second run finds the unpacked binaries and downloads nothing. When sid no longer has the
# pinned version, its current packages are taken, provided they are still Prometheus 3.
set -euo pipefail

VERSION="${ALYS_PROMETHEUS3_VERSION:-3.5.3+ds1-6}"
CACHE="${ALYS_PROMETHEUS3_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alys-metrics/prometheus3}"
ROOT="$CACHE/root"
BIN="$ROOT/usr/bin"
STAMP="$ROOT/.version"

if [ -x "$BIN/prometheus" ] && [ -x "$BIN/promtool" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$VERSION" ]; then
  echo "$BIN"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || { echo "prometheus3.sh: apt-get is required" >&2; exit 1; }
command -v dpkg >/dev/null 2>&1 || { echo "prometheus3.sh: dpkg is required" >&2; exit 1; }

apt_dir="$CACHE/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/debs"
# Debian sid, main only; the archive keyring of the system verifies it.
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$apt_dir/sid.list" <<LIST
deb [signed-by=$keyring] http://deb.debian.org/debian sid main
LIST
apt_opts=(
  -o "Dir::Etc::sourcelist=$apt_dir/sid.list"
  -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::Cache::Archives=$apt_dir/archives"
  -o "Dir::Cache::pkgcache="
  -o "Dir::Cache::srcpkgcache="
  -o "APT::Get::List-Cleanup=0"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=$(id -un)"
)
echo "prometheus3.sh: fetching Debian sid's package lists (private APT directory $apt_dir)" >&2
apt-get "${apt_opts[@]}" update -qq >&2
echo "prometheus3.sh: downloading prometheus=$VERSION promtool=$VERSION" >&2
if ! (cd "$apt_dir/debs" && rm -f ./*.deb && apt-get "${apt_opts[@]}" download -qq "prometheus=$VERSION" "promtool=$VERSION" >&2); then
  # sid moves on: take its current packages, which must still be Prometheus 3 (checked below).
  echo "prometheus3.sh: $VERSION is no longer in sid; taking sid's current prometheus and promtool" >&2
  (cd "$apt_dir/debs" && rm -f ./*.deb && apt-get "${apt_opts[@]}" download -qq prometheus promtool >&2)
fi

rm -rf "$ROOT"
mkdir -p "$ROOT"
for deb in "$apt_dir"/debs/*.deb; do
  dpkg -x "$deb" "$ROOT"
done
for tool in prometheus promtool; do
  [ -x "$BIN/$tool" ] || { echo "prometheus3.sh: $tool is missing from the unpacked packages" >&2; exit 1; }
done
"$BIN/prometheus" --version 2>&1 | head -1 | grep -q "version 3\." \
  || { echo "prometheus3.sh: $BIN/prometheus is not Prometheus 3" >&2; exit 1; }
echo "$VERSION" >"$STAMP"
# The lists and packages are not needed once unpacked.
rm -rf "$apt_dir"
echo "$BIN"
