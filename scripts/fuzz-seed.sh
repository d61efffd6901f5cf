#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Refreshes the seed corpora under fuzz/corpus/: the kernel's own replies,
# captured inside a private namespace (scripts/fuzz-capture.ts), and the
# iproute2 golden messages, merged into the binary targets' corpora keeping
# only inputs that add coverage; and the op readers' JSON seeds
# (scripts/fuzz-seed-ops.ts), written as they are. regress-* inputs (crashes
# found once) are kept.
# Needs root (the capture makes links and nft tables in its own namespace).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/fuzz.sh --build-only
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT
bash scripts/in-private-netns.sh tsx scripts/fuzz-capture.ts "$raw"
npx tsx scripts/fuzz-seed-ops.ts "$raw"
for t in nl_attr rtnl_reply nl_ack nft_dump; do
  mkdir -p "fuzz/corpus/$t"
  "build-fuzz/$t" -merge=1 "fuzz/corpus/$t" "$raw/$t" 2>&1 | grep -E '^MERGE-OUTER: [0-9]+ new files' || true
done
for t in rtnl_ops nft_ops; do
  mkdir -p "fuzz/corpus/$t"
  find "fuzz/corpus/$t" -name '*.json' ! -name 'regress-*' -delete
  cp "$raw/$t"/*.json "fuzz/corpus/$t/"
done
