// SPDX-License-Identifier: GPL-2.0-or-later
// One of many processes attaching sandboxes to one network at the same time:
//   node --import tsx attach-worker.ts STATE_DIR HOST_NETNS NETNS_DIR NETWORK COUNT TAG
// Prints the addresses it got as JSON.
import { NetworkController } from '../../lib/cnm/controller';

const [stateDir, hostNetns, netnsDir, network, count, tag] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const ctl = await NetworkController.open({ stateDir, hostNetns, netnsDir });
const net = ctl.network(network);
const addresses: string[] = [];
for (let i = 0; i < Number(count); i++) {
  const sb = await ctl.createSandbox({ name: `${tag}-${i}` });
  const ep = await net.connect(sb);
  addresses.push(ep.info().ipv4Address as string);
}
await ctl.close();
process.stdout.write(`${JSON.stringify(addresses)}\n`);
