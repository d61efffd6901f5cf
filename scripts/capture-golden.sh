#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Records the netlink request bytes iproute2 sends for each command in
# test/unit/golden/ip-commands.txt, as test/unit/golden/rtnl.json. Runs in a
# private network + mount namespace: nothing touches the host. Needs root and strace.
set -euo pipefail
cd "$(dirname "$0")/.."
exec unshare --net --mount --propagation private -- python3 - <<'PY'
import json, re, subprocess
out = []
# A fixed starting point: br0 is ifindex 2, v0 is 4 (its peer eth0, made first, 3).
subprocess.run(['ip', 'link', 'add', 'br0', 'type', 'bridge'], check=True)
subprocess.run(['ip', 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'eth0'], check=True)
for line in open('test/unit/golden/ip-commands.txt'):
    line = line.strip()
    if not line or line.startswith('#'):
        continue
    name, cmd = [s.strip() for s in line.split('|', 1)]
    p = subprocess.run(['strace', '-f', '-e', 'trace=sendmsg', '-e', 'write=3,4,5', 'ip', *cmd.split()],
                       capture_output=True, text=True)
    dumps, cur = [], None
    for l in p.stderr.splitlines():
        if l.startswith('sendmsg(') or 'sendmsg(' in l.split(' ')[0:2][-1]:
            cur = []
            dumps.append(cur)
        m = re.match(r'\s*\|\s*[0-9a-f]{5}\s+((?:[0-9a-f]{2}\s+)+)', l)
        if m and cur is not None:
            cur.extend(m.group(1).split())
    if not dumps:
        raise SystemExit(f'no sendmsg captured for {cmd}: {p.stderr}')
    out.append({'name': name, 'ip': f'ip {cmd}', 'hex': ''.join(dumps[-1])})
json.dump(out, open('test/unit/golden/rtnl.json', 'w'), indent=2)
print(f'{len(out)} messages written')
PY
