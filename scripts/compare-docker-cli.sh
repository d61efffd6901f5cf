#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs the same `network` commands against a private dockerd and against cnm,
# each in its own throwaway namespace (scripts/in-private-netns.sh), and shows
# where their outputs differ once ids and times are masked. Needs dockerd and a
# docker CLI (DOCKER, default `docker`); builds nothing. Known differences:
# exit codes and the `error: ` prefix of usage errors, `EnableIPv4`/`IPv4`
# with a dockerd older than 28, cnm's prune report on stderr, error texts.
#   bash scripts/compare-docker-cli.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
cat > "$out/run.sh" <<'SCRIPT'
set -u
side=$1 out=$2
export CNM_STATE_DIR=/run/cnm/state
if [ "$side" = docker ]; then
  dockerd --data-root /run/dd --exec-root /run/de -H unix:///run/d.sock --pidfile /run/d.pid \
    --iptables=false --ip6tables=false --bridge=none > /run/dockerd.log 2>&1 &
  dpid=$!
  for _ in $(seq 1 60); do "${DOCKER:-docker}" -H unix:///run/d.sock version > /dev/null 2>&1 && break; sleep 0.5; done
  x() { "${DOCKER:-docker}" -H unix:///run/d.sock "$@"; }
else
  # Docker predefines host and none (bridge is off here): cnm makes the same.
  x() { node dist/cli.js "$@"; }
  x network create -d host host > /dev/null
  x network create -d null none > /dev/null
fi
x network create --label tier=front --label com.example.team=ops web > /dev/null
x network create --subnet 10.77.0.0/24 --gateway 10.77.0.254 --ip-range 10.77.0.128/25 \
  --aux-address router=10.77.0.2 -o com.docker.network.bridge.name=br-back --internal back > /dev/null
x network create net10 > /dev/null
x network create net2 > /dev/null
n=0
each() {
  n=$((n + 1))
  { echo "### $*"; x "$@" 2>&1; echo "[exit $?]"; } > "$out/$side.$(printf %02d $n)"
}
each network ls
each network ls --no-trunc
each network ls -q
each network ls --format 'table {{.Name}}\t{{.Driver}}\t{{.Labels}}\t{{.Label "com.example.team"}}\t{{.IPv6}}\t{{.Internal}}'
each network ls --format 'table {{.Name}}\t{{.CreatedAt}}'
each network ls --format json
each network ls --format '{{.Name}} {{.Scope}} {{.Label "tier"}}'
each network ls -f type=custom
each network ls -q -f type=builtin
each network ls --format '{{.Name}}' -f dangling=true
each network ls --format '{{.Name}}' -f dangling=false
each network ls --format '{{.Name}}' -f name=^net
each network ls --format '{{.Name}}' -f name=e -f driver=bridge
each network ls --format '{{.Name}}' -f label=tier -f label=com.example.team=ops
each network ls -f type=weird
each network ls -f dangling=maybe
each network ls --format '{{foo}}'
each network ls --format '{{.Nope}}'
each network inspect back
each network inspect -f '{{.Name}} {{.Driver}} {{.Created}}' web back
each network inspect -f '{{.Id}} {{.Created}}' web
each network inspect -f '{{json .IPAM}}' back
each network inspect -f '{{.IPAM.Config}}' back
each network inspect -f '{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}' web
each network inspect -f '{{.Labels.nope}}|{{index .Labels "nope"}}|{{len .Options}}' web back
each network inspect -f '{{.Nope}}' web
each network inspect -f json net2
each network prune -f
if [ "$side" = docker ]; then kill "$dpid"; wait "$dpid" 2> /dev/null || true; fi
SCRIPT
bash scripts/in-private-netns.sh bash "$out/run.sh" docker "$out"
bash scripts/in-private-netns.sh bash "$out/run.sh" cnm "$out"
mask() {
  sed -E 's/\b[0-9a-f]{64}\b/<ID>/g; s/\b[0-9a-f]{12}\b/<id>/g; s/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+(Z| \+0000 UTC)/<TIME\1>/g' "$1"
}
same=0
for f in "$out"/docker.*; do
  c="$out/cnm.${f##*.}"
  if diff <(mask "$f") <(mask "$c") > /dev/null; then
    same=$((same + 1))
  else
    echo "--- docker / +++ cnm: $(head -1 "$f")"
    diff <(mask "$f") <(mask "$c") | grep '^[<>]' || true
  fi
done
echo "$same of $(ls "$out"/docker.* | wc -l) commands print the same (outputs in $out)"
