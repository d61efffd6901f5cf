// SPDX-License-Identifier: GPL-2.0-or-later
// iproute2 into premade namespaces: `ip -batch` (one host batch per block
// and one `ip -n NS -batch` per namespace) and one `ip` process per command.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { hostCommands, ipBatch, namespaceCommands } from '../attach/ip-ways';
import { GATEWAY, type PeerSystem } from './system';

const execFileP = promisify(execFile);
const BRIDGE = 'ipbr0';
const GROUP = 78;

// The attach benchmark's commands, into the premade namespaces, on a bridge of this row's.
const host = (i: number, ns: string) => hostCommands(i, { netns: ns, bridge: BRIDGE, group: GROUP, prefix: 'vp' });
const bridgeCommands = [
  `link add ${BRIDGE} type bridge`,
  `link set ${BRIDGE} addrgenmode none`,
  `addr add ${GATEWAY}/16 dev ${BRIDGE}`,
  `link set ${BRIDGE} up`,
];

export const ipBatchSystem: PeerSystem = {
  name: 'ip -batch',
  describe: 'one host ip -batch per 100 endpoints + one ip -n NS -batch per namespace',
  block: 100,
  leavesNothing: true,
  async open(ns) {
    await ipBatch([], bridgeCommands);
    return {
      async attach(from, to) {
        const ids = Array.from({ length: to - from }, (_, k) => from + k);
        await ipBatch(
          [],
          ids.flatMap((i) => host(i, ns.names[i] as string)),
        );
        for (const i of ids) await ipBatch(['-n', ns.names[i] as string], namespaceCommands(i));
      },
      async detachAll() {
        await execFileP('ip', ['link', 'del', 'group', String(GROUP)]);
      },
      async close() {
        await execFileP('ip', ['link', 'del', BRIDGE]).catch(() => {});
      },
    };
  },
};

export const ipNaiveSystem: PeerSystem = {
  name: 'ip, one process per command',
  describe: '8 awaited execFile("ip", ...) per endpoint; ip link del per endpoint',
  leavesNothing: true,
  async open(ns) {
    for (const c of bridgeCommands) await execFileP('ip', c.split(' '));
    return {
      async attach(i) {
        for (const c of host(i, ns.names[i] as string)) await execFileP('ip', c.split(' '));
        for (const c of namespaceCommands(i)) await execFileP('ip', ['-n', ns.names[i] as string, ...c.split(' ')]);
      },
      async detach(i) {
        await execFileP('ip', ['link', 'del', `vp${i}`]);
      },
      async close() {
        await execFileP('ip', ['link', 'del', BRIDGE]).catch(() => {});
      },
    };
  },
};
