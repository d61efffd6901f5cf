#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Judges the sanitizer reports of a test:sanitize run (one file per process,
# from log_path): any error report (ASan, UBSan) fails; a leak report fails
# when one of its leaks was allocated on a stack through the addon (its
# file, or a source file under native/). Leaks of Node or of other addons
# that lsan.supp does not list yet are counted, not failed: they are not
# ours, and a Node upgrade must not break the run.
#   classify.sh REPORT_DIR ADDON_FILE SOURCE_DIR
set -euo pipefail
reports="$1" addon="$2" sources="$3"
shopt -s nullglob
files=("$reports"/report.*)
errors=0 ours=0 theirs=0
for f in "${files[@]}"; do
  if grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: UndefinedBehaviorSanitizer' "$f"; then
    echo "--- $f" >&2
    head -80 "$f" >&2
    errors=$((errors + 1))
    continue
  fi
  # One leak per paragraph ("Direct leak of ..." up to a blank line).
  counts=$(awk -v RS='' -v a="$addon" -v s="$sources/" '/leak of/ { if (index($0, a) || index($0, s)) ours++; else theirs++ }
                         END { printf "%d %d", ours, theirs }' "$f")
  read -r o t <<<"$counts"
  if [ "$o" -gt 0 ]; then
    echo "--- $f: $o leak(s) through cnm.node" >&2
    awk -v RS='' -v ORS='\n\n' -v a="$addon" -v s="$sources/" '/leak of/ && (index($0, a) || index($0, s))' "$f" |
      head -80 >&2
  fi
  ours=$((ours + o))
  theirs=$((theirs + t))
done
echo "sanitizer reports: ${#files[@]} process(es) reported; $errors error report(s), $ours leak(s) through cnm.node, $theirs leak(s) of Node itself not ours and not in lsan.supp"
[ "$errors" = 0 ] && [ "$ours" = 0 ]
