// SPDX-License-Identifier: GPL-2.0-or-later
// The model suite (test/model/suite.ts) against the real kernel, as root in
// this file's own host namespace, checked with `ip -j` and `nft -j`. The same
// suite runs unprivileged against the fake kernel in test/unit/model-fake.test.ts.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { NetworkController } from '../../lib/index';
import { tcpListen } from '../../lib/kernel/exec';
import { useTestHost } from '../helpers/host';
import { ipJson, run } from '../helpers/run';
import type { KernelView, ModelEnv } from '../model/kernel-view';
import { modelSuite } from '../model/suite';

const t = useTestHost(import.meta.url);
let opened = 0;

interface IpAddrJson {
  readonly ifname: string;
  readonly addr_info: readonly { readonly family: string; readonly local: string; readonly prefixlen: number }[];
}

// One value of `nft -j` element output as nft prints it: `tcp . 8080`.
function nftValue(v: unknown): string {
  if (v && typeof v === 'object' && 'concat' in v) return (v as { concat: unknown[] }).concat.map(nftValue).join(' . ');
  if (v && typeof v === 'object' && 'elem' in v) return nftValue((v as { elem: { val: unknown } }).elem.val);
  return String(v);
}

const view: KernelView = {
  async links(netns) {
    const links = await ipJson(netns ?? t.host.path, ['link']);
    return links.map((l) => ({
      name: l.ifname,
      up: l.flags.includes('UP'),
      mtu: l.mtu,
      ...(l.address ? { address: l.address } : {}),
      ...(l.master ? { master: l.master } : {}),
      ...(l.inet6_addr_gen_mode ? { addrGenMode: l.inet6_addr_gen_mode } : {}),
      ...(l.linkinfo?.info_slave_kind === 'bridge' ? { hairpin: l.linkinfo.info_slave_data?.hairpin === true } : {}),
    }));
  },
  async addrs4(netns, ifname) {
    const [a] = await ipJson<IpAddrJson[]>(netns ?? t.host.path, ['-4', 'addr', 'show', 'dev', ifname]);
    return (a?.addr_info ?? []).map((i) => `${i.local}/${i.prefixlen}`);
  },
  async routes4(netns) {
    const routes = await ipJson<{ dst: string; gateway?: string }[]>(netns ?? t.host.path, ['-4', 'route']);
    return routes.map((r) => (r.gateway ? `${r.dst} via ${r.gateway}` : r.dst));
  },
  async elements(set) {
    const out = await run('nsenter', [`--net=${t.host.path}`, 'nft', '-j', 'list', 'set', 'inet', 'cnm', set]).catch(
      () => run('nsenter', [`--net=${t.host.path}`, 'nft', '-j', 'list', 'map', 'inet', 'cnm', set]),
    );
    const items = (JSON.parse(out) as { nftables: Record<string, { elem?: unknown[] }>[] }).nftables;
    const found = items.find((i) => i.set ?? i.map);
    const elems = (found?.set ?? found?.map)?.elem ?? [];
    return elems.map((e) => (Array.isArray(e) ? `${nftValue(e[0])} : ${nftValue(e[1])}` : nftValue(e))).sort();
  },
  exists: (path) => existsSync(path),
  async deleteLink(name) {
    await run('nsenter', [`--net=${t.host.path}`, 'ip', 'link', 'del', name]);
  },
  async holdPort(port) {
    const server = await tcpListen(t.host, '0.0.0.0', port);
    return () => new Promise<void>((resolve) => server.close(() => resolve()));
  },
};

const env: ModelEnv = {
  name: 'the real kernel',
  async open() {
    const stateDir = `/run/cnm-state-model-real-${process.pid}-${opened++}`;
    const ctl = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir });
    return {
      ctl,
      view,
      async close() {
        await ctl.close();
        await rm(stateDir, { recursive: true, force: true });
      },
    };
  },
};

modelSuite(env);
