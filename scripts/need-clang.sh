#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs clang-14 with libFuzzer and the sanitizer runtimes by apt, only
# when something is missing (as scripts/setup.sh does for the rest). Used by
# npm run fuzz and npm run test:sanitize.
set -euo pipefail
need=()
command -v clang++-14 >/dev/null || need+=(clang-14)
compgen -G '/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null || need+=(libfuzzer-14-dev)
compgen -G '/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.asan-x86_64.so' >/dev/null || need+=(libclang-rt-14-dev)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing ${need[*]}; run as root, or: apt-get install ${need[*]}" >&2
  exit 1
fi
echo "apt-get install ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
