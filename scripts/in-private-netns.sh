#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs a command as root inside a private network and mount namespace, with
# tmpfs over /run, so tests and benchmarks never touch the machine's own
# network stack or files: namespaces they create live in that tmpfs.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "integration tests and benchmarks need root (they create namespaces, links and nft tables)" >&2
  exit 1
fi
CNM_REAL_NETNS=$(readlink /proc/self/ns/net)
# Every process this run starts inherits this mark: the leak check judges
# only processes that carry it, so two runs on one machine never blame each other.
CNM_TEST_RUN="run-$$-$(date +%s%N)"
export CNM_REAL_NETNS CNM_TEST_RUN
exec unshare --net --mount --propagation private -- bash -c '
  set -euo pipefail
  mount -t tmpfs -o mode=0755 cnm-run /run
  mkdir -p /run/cnm
  ip link set lo up
  exec npx "$@"
' in-private-netns "$@"
