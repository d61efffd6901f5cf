// SPDX-License-Identifier: GPL-2.0-or-later
// The kill matrix, endpoints: network connect and disconnect, sandbox rm with
// its endpoints, and connectMany of 20 — each SIGKILLed after every step it
// takes and at random moments, then `cnm recover`; the state must be whole,
// and the CLI must remove everything at the end (test/helpers/kill-matrix.ts).
import type { NetworkController } from '../../lib/cnm/controller';
import { CLI, defineKillMatrix, ensureJoined, ensureNetwork, ensureNoSandbox } from '../helpers/kill-matrix';

const base = async (ctl: NetworkController) => {
  await ensureNetwork(ctl, 'knet', '10.90.0.0/24');
  await ensureNetwork(ctl, 'kn2', '10.93.0.0/24');
};

defineKillMatrix(
  import.meta.filename,
  'endpoints',
  (kit) => [
    {
      name: 'network connect -p',
      argv: [CLI, 'network', 'connect', '-p', '18080:80', '-p', '18081:81/udp', 'knet', 'ks1'],
      prepare: async (ctl) => {
        await base(ctl);
        await ensureJoined(ctl, 'knet', 'ks1', undefined);
      },
    },
    {
      name: 'network connect --ip (second network)',
      argv: [CLI, 'network', 'connect', '--ip', '10.93.0.50', 'kn2', 'ks2'],
      prepare: async (ctl) => {
        await base(ctl);
        await ensureJoined(ctl, 'knet', 'ks2', {});
        await ensureJoined(ctl, 'kn2', 'ks2', undefined);
      },
    },
    {
      name: 'network disconnect',
      argv: [CLI, 'network', 'disconnect', 'knet', 'ks3'],
      prepare: async (ctl) => {
        await base(ctl);
        await ensureJoined(ctl, 'knet', 'ks3', {
          portBindings: [{ proto: 'tcp', hostPort: 18082, containerPort: 80 }],
        });
      },
    },
    {
      name: 'sandbox rm',
      argv: [CLI, 'sandbox', 'rm', 'ks4'],
      prepare: async (ctl) => {
        await base(ctl);
        await ensureJoined(ctl, 'knet', 'ks4', {
          portBindings: [{ proto: 'tcp', hostPort: 18083, containerPort: 80 }],
        });
        await ensureJoined(ctl, 'kn2', 'ks4', {});
      },
    },
    {
      name: 'connectMany of 20',
      argv: [kit.manyScript],
      prepare: async (ctl) => {
        await base(ctl);
        await ensureNoSandbox(ctl, ...Array.from({ length: 20 }, (_, i) => `km${i}`));
      },
    },
  ],
  25,
);
