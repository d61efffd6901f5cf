#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# publint and are-the-types-wrong on the tarball `npm pack` makes (its
# prepack builds dist/ and the prebuilt addon), as consumers would get it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npm pack --silent --pack-destination "$out" >/dev/null
tgz=$(echo "$out"/cnm-*.tgz)
npx publint run "$tgz" --strict
npx attw "$tgz" --quiet
