// SPDX-License-Identifier: GPL-2.0-or-later
// One of many processes attaching sandboxes to one network at the same time:
//   node --import tsx attach-worker.ts STATE_DIR HOST_NETNS NETNS_DIR NETWORK COUNT TAG [publish]
// Prints the addresses it got as JSON (with `publish`, the automatic host ports instead).
import { NetworkController } from '../../lib/cnm/controller';
import { storeDb } from './store-db';

const [stateDir, hostNetns, netnsDir, network, count, tag, mode] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string | undefined,
];
const ctl = await NetworkController.open({ stateDir, hostNetns, netnsDir });
const net = ctl.network(network);
const addresses: string[] = [];
for (let i = 0; i < Number(count); i++) {
  const sb = await ctl.createSandbox({ name: `${tag}-${i}` });
  if (mode === 'publish') {
    const ep = await net.connect(sb, { portBindings: [{ proto: 'tcp', containerPort: 80 }] });
    const row = storeDb(ctl).prepare('SELECT host_port FROM published_ports WHERE endpoint_id = ?').get(ep.id) as {
      host_port: number;
    };
    addresses.push(String(row.host_port));
  } else {
    const ep = await net.connect(sb);
    addresses.push(ep.info().ipv4Address as string);
  }
}
await ctl.close();
process.stdout.write(`${JSON.stringify(addresses)}\n`);
