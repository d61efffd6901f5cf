#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `npm run test:sanitize [-- FILES]`: the unit and integration suites against
# the addon built by clang with AddressSanitizer and UndefinedBehaviorSanitizer
# (build-sanitize/, never build/), loaded through CNM_ADDON_PATH.
#
# Node is not instrumented, so the ASan runtime must be preloaded into it. A
# `node` first on PATH (build-sanitize/bin) does that for every Node process
# of the run — vitest, its workers, the CLI children they start — while the
# tools the suites run (ip, nft, nsenter, ...) are started without it: they
# are not ours, and ASan would abort them over their own bugs.
#
# Every report is fatal (halt_on_error, abort_on_error) and is also written
# to build-sanitize/reports/ (log_path), so a report from any process fails
# the run even where nobody reads that process's exit status. Leaks are
# checked when each process exits: scripts/sanitize/lsan.supp quiets Node's
# own (V8 keeps pointers where LeakSanitizer does not look), and
# scripts/sanitize/classify.sh fails the run on every leak whose stack passes
# through cnm.node, suppressed or not.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/need-clang.sh
npx cmake-js compile --out build-sanitize --CDCNM_SANITIZE=ON --CDCMAKE_CXX_COMPILER=clang++-14 --log-level error \
  >/dev/null
npm run --silent build:ts

addon="$PWD/build-sanitize/Release/cnm.node"
asan=$(ldd "$addon" | awk '/libclang_rt\.asan/ { print $3 }')
[ -e "$asan" ] || { echo "test:sanitize: no ASan runtime linked into $addon" >&2; exit 1; }
reports="$PWD/build-sanitize/reports"
bin="$PWD/build-sanitize/bin"
rm -rf "$reports" "$bin"
mkdir -p "$reports" "$bin"

node=$(command -v node)
printf '#!/bin/sh\n# node with the ASan runtime first (npm run test:sanitize)\nLD_PRELOAD=%s exec %s "$@"\n' \
  "$asan" "$node" >"$bin/node"
for tool in nsenter ip bridge nft mount umount python3 cat sleep; do
  real=$(command -v "$tool") || continue
  printf '#!/bin/sh\n# %s without the ASan runtime: not ours (npm run test:sanitize)\nunset LD_PRELOAD\nexec %s "$@"\n' \
    "$tool" "$real" >"$bin/$tool"
done
chmod +x "$bin"/*
export PATH="$bin:$PATH"

export CNM_ADDON_PATH="$addon"
# Names for the frames, which lsan.supp matches on.
export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
# exitcode=0: a leak report alone leaves a process's exit status alone (vitest
# treats a worker that exits non-zero as crashed); classify.sh judges leaks.
# Errors still abort (abort_on_error), whatever exitcode says.
common="halt_on_error=1:abort_on_error=1:exitcode=0:log_path=$reports/report"
# Allocation stacks of 10 frames reach the addon's own frames and cost far less than 30.
export ASAN_OPTIONS="$common:detect_leaks=1:malloc_context_size=10:strict_string_checks=1:detect_stack_use_after_return=0"
export LSAN_OPTIONS="suppressions=$PWD/scripts/sanitize/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="$common:print_stacktrace=1"

status=0
# ASan makes Node slower, and leak checks make every exit slower: the
# suites' timeouts are for a plain run.
slow=(--testTimeout=180000 --hookTimeout=180000)
npx vitest run --project unit "${slow[@]}" || status=$?
bash scripts/in-private-netns.sh vitest run --project integration "${slow[@]}" "$@" || status=$?
bash scripts/sanitize/classify.sh "$reports" "$addon" "$PWD/native" || status=1
[ "$status" = 0 ] && echo "test:sanitize: clean (ASan + UBSan, leaks checked)"
exit "$status"
