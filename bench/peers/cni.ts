// SPDX-License-Identifier: GPL-2.0-or-later
// The CNI bridge plugin with host-local IPAM and ipMasq, executed exactly as
// a runtime executes it: CNI_* environment, the network configuration on
// stdin, once per container for ADD and once for DEL (Debian's
// containernetworking-plugins 1.1: cniVersion 1.0.0 at most).
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { execJson } from './exec-json';
import { GATEWAY, type PeerSystem, SUBNET } from './system';

const CNI_PATH = '/usr/lib/cni';
const PLUGIN = `${CNI_PATH}/bridge`;

function config(dataDir: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'benchnet',
    type: 'bridge',
    bridge: 'cni-bench0',
    isGateway: true,
    ipMasq: true,
    ipam: {
      type: 'host-local',
      dataDir,
      ranges: [[{ subnet: SUBNET, gateway: GATEWAY }]],
      routes: [{ dst: '0.0.0.0/0' }],
    },
  });
}

export const cniSystem: PeerSystem = {
  name: 'CNI bridge + host-local + ipMasq',
  describe: `${PLUGIN} ADD/DEL per container (CNI_* env, config on stdin), iptables masquerade per container`,
  async unavailable() {
    if (!existsSync(PLUGIN)) return `${PLUGIN} not found (Debian package containernetworking-plugins)`;
    if (!existsSync('/usr/sbin/iptables')) return 'ipMasq drives iptables: install the Debian package iptables';
    return undefined;
  },
  async open(ns, tmp) {
    const dataDir = `${tmp}/cni-ipam`;
    const conf = config(dataDir);
    const call = (command: 'ADD' | 'DEL', id: string, netns: string) =>
      execJson(PLUGIN, [], conf, {
        CNI_COMMAND: command,
        CNI_CONTAINERID: id,
        CNI_NETNS: netns,
        CNI_IFNAME: 'eth0',
        CNI_PATH,
      });
    // The first ADD also makes the bridge and its gateway: done here, untimed, as the others make their networks.
    await call('ADD', 'anchor', ns.anchor);
    return {
      async attach(i) {
        await call('ADD', `bench${i}`, ns.paths[i] as string);
      },
      async detach(i) {
        await call('DEL', `bench${i}`, ns.paths[i] as string);
      },
      async close() {
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};
