// SPDX-License-Identifier: GPL-2.0-or-later
// A whole lifecycle, for crash tests: run with CNM_CRASH_AT=<step> it dies
// (SIGKILL) at that step; killed from outside it dies wherever it is.
//   tsx crash-scenario.ts STATE_DIR HOST_NETNS NETNS_DIR
import { NetworkController } from '../../lib/cnm/controller';

const [stateDir, hostNetns, netnsDir] = process.argv.slice(2) as [string, string, string];
const ctl = await NetworkController.open({ stateDir, hostNetns, netnsDir });
const net = await ctl.createNetwork({ name: 'crashnet', ipam: { config: [{ subnet: '10.66.0.0/24' }] } });
const sb = await ctl.createSandbox({ name: 'crashsb' });
const ep = await net.connect(sb, { portBindings: [{ proto: 'tcp', hostPort: 18080, containerPort: 80 }] });
await ep.publish([
  { proto: 'tcp', hostPort: 18081, containerPort: 81 },
  { proto: 'tcp', hostPort: 18090, hostPortEnd: 18091, containerPort: 90, containerPortEnd: 91 },
]);
const sb2 = await ctl.createSandbox({ name: 'crashsb2' });
await net.connect(sb2);
await ep.leave(sb);
await ep.delete();
await sb.delete();
await sb2.delete();
await net.delete();
await ctl.close();
process.stdout.write('finished\n');
