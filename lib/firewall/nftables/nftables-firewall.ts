// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The firewall port on nftables: cnm's constant ruleset (./ruleset), whose
 * state is set and map elements (./elements), sent through libnftnl in one
 * batch per call.
 */
import type { Netns } from '../../kernel/binding';
import { nft } from '../../kernel/nft';
import type { NftOp } from '../../kernel/nft-ops';
import type { Firewall, FirewallState, PortMapping } from '../firewall';
import { networkOps, portMappingOps } from './elements';
import { ensureRulesetOps, SETS, TABLE } from './ruleset';

// A missing table or element: what removing something already gone meets.
const gone = (e: { code?: string }) => {
  if (e.code !== 'ENOENT') throw e;
};

/**
 * The firewall of one host namespace, on nftables.
 *
 * @example
 * ```ts
 * const fw = nftablesFirewall(await netnsCurrent())
 * await fw.ensure()
 * ```
 */
export function nftablesFirewall(host: Netns): Firewall {
  const batch = (ops: NftOp[]) => (ops.length > 0 ? nft(host).batch(ops) : Promise.resolve(null));
  const forwardOps = (verb: 'add' | 'del', forwards: readonly PortMapping[]) =>
    forwards.flatMap((f) => portMappingOps(verb, f));
  return {
    async ensure() {
      await batch(ensureRulesetOps());
    },
    async addNetwork(network) {
      await batch([...ensureRulesetOps(), ...networkOps('add', network)]);
    },
    async removeNetwork(network) {
      await batch(networkOps('del', network)).catch(gone);
    },
    async addPortForwards(forwards) {
      await batch(forwardOps('add', forwards));
    },
    async removePortForwards(forwards) {
      try {
        await batch(forwardOps('del', forwards));
      } catch (error) {
        gone(error as { code?: string });
        // One missing element fails the whole (atomic) batch and deletes nothing: after a
        // crash some forwards may have no element. Then each forward alone.
        for (const f of forwards) await batch(forwardOps('del', [f])).catch(gone);
      }
    },
    async rebuild(state: readonly FirewallState[]) {
      const had = (await nft(host).tables({ family: TABLE.family, table: TABLE.table })).length > 0;
      const ops: NftOp[] = [
        ...ensureRulesetOps(),
        ...Object.keys(SETS).map((name) => ({ op: 'set.flush' as const, ...TABLE, name })),
      ];
      for (const { network, forwards } of state)
        ops.push(...networkOps('add', network), ...forwardOps('add', forwards));
      await batch(ops);
      return { rulesetRecreated: !had };
    },
  };
}
