// SPDX-License-Identifier: GPL-2.0-or-later
// Long operations stop on an AbortSignal at a consistent point, and teardown
// tries every step and reports what failed as one TeardownError — against
// the fake kernel, unprivileged, with its dump as the independent view.
import { afterEach, describe, expect, it } from 'vitest';
import type { Firewall } from '../../lib/firewall/firewall';
import { nftablesFirewall } from '../../lib/firewall/nftables/nftables-firewall';
import { TeardownError } from '../../lib/index';
import type { FakeNetns } from '../../lib/kernel/fake/index';
import { type FakeController, openFakeController } from '../helpers/fake-controller';
import { storeDb } from '../helpers/store-db';

let opened: FakeController | undefined;

afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

async function open(firewall?: (host: FakeNetns) => Firewall) {
  opened = await openFakeController(firewall ? { firewall } : {});
  const { fake, ctl, host } = opened;
  const links = () => fake.dump(host.path).links.map((l) => l.name);
  const intents = () => storeDb(ctl).prepare('SELECT COUNT(*) AS n FROM intents').get();
  return { fake, ctl, links, intents };
}

describe('AbortSignal', () => {
  it('connectMany: items not started when the signal aborts fail with CNM_ABORTED and are undone', async () => {
    const { fake, ctl, links, intents } = await open();
    const net = await ctl.createNetwork({ name: 'n', ipam: { config: [{ subnet: '10.5.0.0/24' }] } });
    const abort = new AbortController();
    const pending = net.connectMany([{}, {}, {}], { signal: abort.signal, concurrency: 1 });
    abort.abort();
    const results = await pending;
    expect(results.map((r) => (r.ok ? 'ok' : (r.error as { code?: string }).code))).toEqual([
      'CNM_ABORTED',
      'CNM_ABORTED',
      'CNM_ABORTED',
    ]);
    expect(net.endpoints()).toEqual([]);
    expect(ctl.sandboxes()).toEqual([]);
    expect(intents()).toEqual({ n: 0 });
    expect(links()).toEqual(['lo', `br-${net.id.slice(0, 12)}`]);
    expect(fake.paths().filter((p) => p.startsWith('/cnm-fake-netns/'))).toEqual([]);
    await expect(net.connectMany([{}], { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'CNM_ABORTED',
    });
    await net.delete();
  });

  it('deleteSandboxes and recover stop before they start when already aborted', async () => {
    const { ctl, intents } = await open();
    const net = await ctl.createNetwork({ name: 'n', ipam: { config: [{ subnet: '10.5.0.0/24' }] } });
    const results = await net.connectMany([{}, {}]);
    const sandboxes = results.flatMap((r) => (r.ok ? [r.sandbox] : []));
    await expect(ctl.deleteSandboxes(sandboxes, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'CNM_ABORTED',
    });
    expect(ctl.sandboxes()).toHaveLength(2);
    await expect(ctl.recover({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CNM_ABORTED' });
    expect(intents()).toEqual({ n: 0 });
    await ctl.deleteSandboxes(sandboxes);
    await net.delete();
  });
});

describe('TeardownError', () => {
  it('network.delete tries every step: the bridge goes though the firewall refused, and the failure is reported', async () => {
    const { ctl, links } = await open((host) => {
      const real = nftablesFirewall(host);
      return {
        ...real,
        async removeNetwork() {
          throw new Error('the firewall refused on purpose');
        },
      };
    });
    const net = await ctl.createNetwork({ name: 'n', ipam: { config: [{ subnet: '10.5.0.0/24' }] } });
    const bridge = `br-${net.id.slice(0, 12)}`;
    expect(links()).toContain(bridge);
    const err = await net.delete().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TeardownError);
    expect(err).toMatchObject({ code: 'CNM_TEARDOWN_INCOMPLETE' });
    expect((err as TeardownError).errors.map((e) => (e as Error).message)).toEqual(['the firewall refused on purpose']);
    // The step after the failing one ran: the bridge is gone; the network stays for a retry.
    expect(links()).not.toContain(bridge);
    expect(ctl.networks().map((n) => n.info().name)).toContain('n');
  });
});
