// SPDX-License-Identifier: GPL-2.0-or-later
// The kill matrix, networks and sandboxes: network create, rm and prune,
// sandbox create, and recover itself — each SIGKILLed after every step it
// takes and at random moments, then `cnm recover`; the state must be whole,
// and the CLI must remove everything at the end (test/helpers/kill-matrix.ts).
import type { NetworkController } from '../../lib/cnm/controller';
import { netnsRemove } from '../../lib/kernel/netns';
import {
  CLI,
  defineKillMatrix,
  ensureJoined,
  ensureNetwork,
  ensureNoNetwork,
  ensureNoSandbox,
} from '../helpers/kill-matrix';
import { userNetworks } from '../helpers/networks';

const base = async (ctl: NetworkController) => {
  await ensureNetwork(ctl, 'knet', '10.90.0.0/24');
  await ensureNetwork(ctl, 'kn2', '10.93.0.0/24');
};

defineKillMatrix(
  import.meta.filename,
  'networks and sandboxes',
  (_kit) => [
    {
      name: 'network create (icc off)',
      argv: [
        CLI,
        'network',
        'create',
        '--subnet',
        '10.91.0.0/24',
        '-o',
        'com.docker.network.bridge.enable_icc=false',
        'kn1',
      ],
      prepare: (ctl) => ensureNoNetwork(ctl, 'kn1'),
    },
    {
      name: 'network create (IPv6)',
      argv: [CLI, 'network', 'create', '--ipv6', '--subnet', '10.92.0.0/24', '--subnet', 'fd00:92::/64', 'kn6'],
      prepare: (ctl) => ensureNoNetwork(ctl, 'kn6'),
    },
    {
      name: 'sandbox create',
      argv: [CLI, 'sandbox', 'create', 'ks0'],
      prepare: (ctl) => ensureNoSandbox(ctl, 'ks0'),
    },
    {
      name: 'network rm',
      argv: [CLI, 'network', 'rm', 'kdel'],
      prepare: (ctl) => ensureNetwork(ctl, 'kdel', '10.94.0.0/24'),
    },
    {
      name: 'network prune',
      argv: [CLI, 'network', 'prune', '-f'],
      prepare: async (ctl) => {
        // Exactly two networks without endpoints, so every run takes the same steps.
        for (const net of userNetworks(ctl)) if (net.endpoints().length === 0) await net.delete();
        await ensureNetwork(ctl, 'kp1', '10.95.0.0/24');
        await ensureNetwork(ctl, 'kp2', '10.96.0.0/24');
      },
    },
    {
      name: 'recover (a namespace removed behind its back)',
      argv: [CLI, 'recover'],
      prepare: async (ctl) => {
        await base(ctl);
        await ensureJoined(ctl, 'knet', 'ks5', {
          portBindings: [{ proto: 'tcp', hostPort: 18084, containerPort: 80 }],
        });
        const path = ctl.sandbox('ks5').info().netnsPath;
        ctl.dropSandboxNamespace(ctl.sandbox('ks5').id)?.close();
        await netnsRemove(path);
      },
    },
  ],
  25,
);
