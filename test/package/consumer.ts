// SPDX-License-Identifier: GPL-2.0-or-later
// A consumer's TypeScript, type-checked strictly against the installed
// package (never run): ESM under moduleResolution node16 and bundler. It
// must need nothing but cnm and @types/node (no @types/better-sqlite3).
import {
  CnmError,
  type EndpointInfo,
  kernel,
  NetlinkError,
  NetworkController,
  type NetworkCreateOptions,
  type NetworkId,
  type NetworkInfo,
  type PortBinding,
  type Sandbox,
  type SandboxId,
  setAddonPath,
} from 'cnm';

export async function attach(stateDir: string): Promise<EndpointInfo> {
  setAddonPath('/opt/app/cnm.node');
  const ctl: NetworkController = await NetworkController.open({ stateDir, netnsDir: '/run/app/netns' });
  try {
    const options: NetworkCreateOptions = { name: 'web', ipam: { config: [{ subnet: '10.10.0.0/24' }] } };
    const net = await ctl.createNetwork(options);
    const info: NetworkInfo = net.info();
    const sb: Sandbox = await ctl.createSandbox({ name: 'c1' });
    const ports: PortBinding[] = [{ proto: 'tcp', hostPort: 8080, containerPort: 80 }];
    const ep = await net.connect(sb, { portBindings: ports });
    // Ids are public and typed apart.
    const netId: NetworkId = net.id;
    const sbId: SandboxId = sb.id;
    console.log(info.ipam.config[0]?.subnet, ep.info().ipv4Address, netId, sbId, ep.id, ep.info().warnings);
    return ep.info();
  } catch (error) {
    if (error instanceof NetlinkError) console.error(error.errno, error.code, error.extack);
    else if (error instanceof CnmError) console.error(error.code satisfies string);
    throw error;
  } finally {
    await ctl.close();
  }
}

export async function links(path: string): Promise<string[]> {
  const ns = await kernel.netnsOpen(path);
  try {
    return (await kernel.rtnl(ns).links()).map((l) => `${l.index}: ${l.name} mtu ${l.mtu}`);
  } finally {
    ns.close();
  }
}
