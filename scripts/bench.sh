#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `npm run bench -- ARGS`: the peer benchmark's packages are installed here,
# on the machine's own network (apt cannot reach a mirror from the private
# namespace), then the benchmark runs inside one.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" = peers || "${1:-}" = peers-publish ]] && [[ " $* " != *" --no-install "* ]]; then
  npx tsx bench/peers/install-main.ts
fi
exec bash scripts/in-private-netns.sh tsx bench/run.ts "$@"
