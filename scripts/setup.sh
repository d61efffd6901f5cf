#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what cnm needs to build and test, then builds it. Idempotent and
# quick when everything is there already. Used by `npm test`, `npm run bench`
# and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages, by apt, only when something is missing.
need=()
command -v cmake >/dev/null || need+=(cmake)
command -v g++ >/dev/null || need+=(g++)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v nft >/dev/null || need+=(nftables)
command -v ip >/dev/null || need+=(iproute2)
command -v nsenter >/dev/null || need+=(util-linux)
pkg-config --exists libnftnl 2>/dev/null || need+=(libnftnl-dev)
pkg-config --exists libmnl 2>/dev/null || need+=(libmnl-dev)
# etcd for the cluster store's tests, which start their own private etcd.
command -v etcd >/dev/null || need+=(etcd-server)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing ${need[*]}; run as root, or: apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "setup: apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Debian starts a packaged daemon on install (etcd-server's would listen on
  # this machine's 2379): a policy-rc.d that says no keeps it stopped; the
  # tests start etcd themselves, inside their private namespace.
  policy=/usr/sbin/policy-rc.d
  created=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created=1
  fi
  status=0
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || status=$?
  if [ -n "$created" ]; then rm -f "$policy"; fi
  [ "$status" = 0 ] || exit "$status"
fi

# npm dependencies, exactly as locked. Install scripts are skipped (ours
# would build the addon twice); better-sqlite3 is built here instead, from
# source, because its prebuilt binaries are downloaded from outside npm.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --ignore-scripts --no-audit --no-fund
fi
if ! node -e "new (require('better-sqlite3'))(':memory:').close()" 2>/dev/null; then
  echo "setup: building better-sqlite3"
  npm rebuild better-sqlite3 --no-audit --no-fund >/dev/null
fi

# The addon (incremental) and the C floor of the benchmarks.
npx cmake-js compile --out build --log-level error >/dev/null
npm run --silent build:floor
