// SPDX-License-Identifier: GPL-2.0-or-later
// The publish benchmark's work: N ports published through the model, one
// `Endpoint.publish` call each, on one sandbox joined to one bridge network
// (store rows, conflict check, one nft transaction per call), and the same N
// map elements inserted bare through libnftnl, one transaction each, in a
// namespace of their own: the floor the model's publish is measured against.
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { NetworkController } from '../../lib/cnm/controller';
import { netnsCreate, netnsDelete } from '../../lib/kernel/netns';
import { run } from '../../test/helpers/run';
import { cnmMap } from '../nft/layouts';

/** One size's run: microseconds per publish and per bare insert, in order, and the rule counts. */
export interface PublishSample {
  readonly publishUs: number[];
  readonly bareUs: number[];
  readonly rulesBefore: number;
  readonly rulesAfter: number;
}

const FIRST_HOST_PORT = 20_000; // below the ephemeral range: nothing else picks these

/** Rules in this namespace's ruleset, counted by `nft -j` (an independent tool). */
async function ruleCount(): Promise<number> {
  const json = JSON.parse(await run('nft', ['-j', 'list', 'ruleset'])) as { nftables: Record<string, unknown>[] };
  return json.nftables.filter((o) => 'rule' in o).length;
}

export async function publishRun(n: number, dir: string): Promise<PublishSample> {
  const stateDir = `${dir}-state`;
  const ctl = await NetworkController.open({ stateDir, netnsDir: dir });
  let publishUs: number[] = [];
  let rulesBefore = 0;
  let rulesAfter = 0;
  try {
    const net = await ctl.createNetwork({ name: 'bench', ipam: { config: [{ subnet: '10.89.0.0/24' }] } });
    const sb = await ctl.createSandbox({ name: 'publisher' });
    const ep = await net.connect(sb);
    rulesBefore = await ruleCount();
    publishUs = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await ep.publish([{ proto: 'tcp', hostPort: FIRST_HOST_PORT + i, containerPort: 80 }]);
      publishUs.push((performance.now() - t0) * 1000);
    }
    rulesAfter = await ruleCount();
    await ctl.deleteSandboxes([sb]);
    await net.delete();
  } finally {
    await ctl.close();
    await rm(stateDir, { recursive: true, force: true });
  }
  const ns = await netnsCreate('publish-floor', { dir });
  try {
    const bare = await cnmMap.run(ns, n);
    return { publishUs, bareUs: bare.addUs, rulesBefore, rulesAfter };
  } finally {
    await netnsDelete(ns);
  }
}
