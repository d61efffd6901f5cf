// SPDX-License-Identifier: GPL-2.0-or-later
// A controller on the fake kernel, unprivileged: a fresh fake kernel with a
// host namespace, a state directory of its own, no default bridge. `close`
// undoes it all (call it from afterEach).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControllerOptions } from '../../lib/cnm/controller';
import type { Firewall } from '../../lib/firewall/firewall';
import { NetworkController } from '../../lib/index';
import { restoreKernelBinding, useKernelBinding } from '../../lib/kernel/binding';
import { FakeKernel, FakeNetns } from '../../lib/kernel/fake/index';

export interface FakeController {
  readonly fake: FakeKernel;
  readonly ctl: NetworkController;
  readonly host: FakeNetns;
  /** The names of the host namespace's links, as the fake kernel holds them. */
  hostLinks(): string[];
  close(): Promise<void>;
}

export async function openFakeController(
  o: { readonly firewall?: (host: FakeNetns) => Firewall } & Omit<ControllerOptions, 'firewall'> = {},
): Promise<FakeController> {
  const fake = new FakeKernel();
  useKernelBinding(fake, FakeNetns);
  const stateDir = mkdtempSync(join(tmpdir(), 'cnm-fake-'));
  const host = (await fake.netnsCreate('/cnm-fake-hosts', 'host')) as FakeNetns;
  const { firewall, ...options } = o;
  const ctl = await NetworkController.open({
    stateDir,
    hostNetns: host.path,
    netnsDir: '/cnm-fake-netns',
    defaultBridge: false,
    ...options,
    ...(firewall ? { firewall: firewall(host) } : {}),
  });
  return {
    fake,
    ctl,
    host,
    hostLinks: () => fake.dump(host.path).links.map((l) => l.name),
    async close() {
      await ctl.close();
      await fake.netnsDelete(host);
      restoreKernelBinding();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
