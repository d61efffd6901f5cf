#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `npm run fuzz -- [--seconds N] [--build-only] [TARGET...]`: builds every
# libFuzzer target of fuzz/ into build-fuzz/ (clang, ASan + UBSan) and runs
# each for N seconds (default 60), then prints per target the executions,
# the corpus size and the crashes. Exits 1 if any target crashed; the input
# that did it is kept under build-fuzz/crashes/. docs/native-robustness.md
# says what each target covers.
#
# Each run starts from the committed seeds (fuzz/corpus/TARGET, read only)
# and the corpus earlier runs grew (build-fuzz/corpus/TARGET, where new
# inputs go), so every committed regression input is replayed first.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
build_only=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '3,12p' "$0"; exit 0 ;;
    -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(nl_attr rtnl_reply nl_ack nft_dump rtnl_ops nft_ops)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

bash scripts/need-clang.sh

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f build-fuzz/CMakeCache.txt ]; then
  cmake -S fuzz -B build-fuzz "${generator[@]}" -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
fi
cmake --build build-fuzz -j "$(nproc)" >build-fuzz/build.log 2>&1 || {
  tail -40 build-fuzz/build.log >&2
  exit 1
}
[ "$build_only" = 1 ] && exit 0

mkdir -p build-fuzz/crashes build-fuzz/logs
crashed=0
printf '%-11s %12s %10s %8s  %s\n' target executions corpus crashes 'exec/s'
for t in "${targets[@]}"; do
  [ -x "build-fuzz/$t" ] || { echo "fuzz: no target $t (have: ${all[*]})" >&2; exit 2; }
  mkdir -p "build-fuzz/corpus/$t"
  dict=()
  [ -f "fuzz/dict/$t.dict" ] && dict=("-dict=fuzz/dict/$t.dict")
  log="build-fuzz/logs/$t.log"
  status=0
  "build-fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/crashes/$t-" "${dict[@]}" "build-fuzz/corpus/$t" "fuzz/corpus/$t" \
    >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  crashes=0
  if [ "$status" != 0 ]; then
    crashes=1
    crashed=1
  fi
  printf '%-11s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "${corpus:-?}" "$crashes" "${rate:-?}"
  if [ "$status" != 0 ]; then
    grep -m1 -E 'ERROR:|runtime error|invariant violated' "$log" >&2 || tail -5 "$log" >&2
    grep -m1 'Test unit written to' "$log" >&2 || true
  fi
done
exit "$crashed"
