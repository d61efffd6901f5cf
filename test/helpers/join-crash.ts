// SPDX-License-Identifier: GPL-2.0-or-later
// A join that dies (CNM_CRASH_AT=endpoint.join.kernel) after its kernel part,
// for the repair's tests. Everything before the dying join is set up first.
//   tsx join-crash.ts STATE_DIR HOST_NETNS NETNS_DIR macvlan PARENT
//   tsx join-crash.ts STATE_DIR HOST_NETNS NETNS_DIR gateway-setup   (no crash), then
//   tsx join-crash.ts STATE_DIR HOST_NETNS NETNS_DIR gateway
//   tsx join-crash.ts STATE_DIR HOST_NETNS NETNS_DIR adopt-macvlan PARENT NETNS_PATH
//     (connectMany adopting NETNS_PATH, killed at connect-many.kernel)
import { NetworkController } from '../../lib/cnm/controller';

const [stateDir, hostNetns, netnsDir, mode, parent, adopted] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const ctl = await NetworkController.open({ stateDir, hostNetns, netnsDir, defaultBridge: false });
const sb = mode === 'gateway' || mode === 'adopt-macvlan' ? undefined : await ctl.createSandbox({ name: 'jc' });
if (mode === 'adopt-macvlan') {
  // The sandbox is never recorded: only the intent says where the child went.
  const lan = await ctl.createNetwork({
    name: 'jc-lan',
    driver: 'macvlan',
    options: { parent },
    ipam: { config: [{ subnet: '192.168.77.0/24' }] },
  });
  process.stdout.write('ready\n');
  await lan.connectMany([{ sandboxName: 'jc-adopted', netnsPath: adopted }]);
} else if (mode === 'macvlan') {
  // A macvlan child is made inside the sandbox: no host-side link says where it is.
  const lan = await ctl.createNetwork({
    name: 'jc-lan',
    driver: 'macvlan',
    options: { parent },
    ipam: { config: [{ subnet: '192.168.77.0/24' }] },
  });
  const ep = await lan.createEndpoint({ name: 'jc-ep' });
  process.stdout.write('ready\n');
  await ep.join(sb ?? ctl.sandbox('jc'));
} else if (mode === 'gateway-setup') {
  // Run first, without CNM_CRASH_AT: the sandbox on jc-a, which carries its default route.
  const a = await ctl.createNetwork({ name: 'jc-a', ipam: { config: [{ subnet: '10.67.1.0/24' }] } });
  await ctl.createNetwork({ name: 'jc-b', ipam: { config: [{ subnet: '10.67.2.0/24' }] } });
  await a.connect(sb ?? ctl.sandbox('jc'));
  process.stdout.write('ready\n');
} else {
  // Then the dying join, which takes the default route from jc-a.
  process.stdout.write('ready\n');
  await ctl.network('jc-b').connect(ctl.sandbox('jc'), { gatewayEndpoint: true });
}
process.stdout.write('finished\n');
