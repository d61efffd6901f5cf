// SPDX-License-Identifier: GPL-2.0-or-later
/** `cnm network …`: the verbs of `docker network`, with its flags and output. */
import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import type { Network } from '../cnm/network';
import { inspectNetwork, inspectSandbox, lsRow } from './docker-json';
import { ipamConfigFrom, keyValues } from './ipam-flags';
import { dockerTable, printJson, printNames } from './output';
import { parsePortSpec } from './port-spec';
import { eachTarget, UsageError } from './run-many';
import { globals, withController, withGlobalFlags } from './session';

const collect = (value: string, previous: string[]) => [...previous, value];

/** `cnm network` and its verbs. */
export function networkCommand(): Command {
  const network = withGlobalFlags(new Command('network')).description('manage networks (docker network)');
  network.addCommand(createCommand());
  network.addCommand(lsCommand());
  network.addCommand(inspectCommand());
  network.addCommand(rmCommand());
  network.addCommand(pruneCommand());
  network.addCommand(connectCommand());
  network.addCommand(disconnectCommand());
  return network;
}

function createCommand(): Command {
  return withGlobalFlags(new Command('create'))
    .description('create a network; prints its id')
    .argument('<name>')
    .option('-d, --driver <driver>', 'bridge, host, null (macvlan, overlay: not yet)', 'bridge')
    .option('--subnet <cidr>', 'a subnet (repeatable; one per family)', collect, [])
    .option('--gateway <ip>', 'the gateway of the subnet holding it (repeatable)', collect, [])
    .option('--ip-range <cidr>', 'allocate endpoint addresses from this part of a subnet (repeatable)', collect, [])
    .option('--aux-address <name=ip>', 'an address IPAM must not hand out (repeatable)', collect, [])
    .option('--ipam-driver <driver>', 'the IPAM driver', 'default')
    .option('--ipv6', 'give endpoints IPv6 addresses too')
    .option('--internal', 'no way in or out except between its endpoints')
    .option('--attachable', 'recorded, as Docker does (sandboxes may always attach)')
    .option('-o, --opt <key=value>', 'a driver option (repeatable)', collect, [])
    .option('--label <key=value>', 'a label (repeatable)', collect, [])
    .action(async (name: string, o, cmd: Command) => {
      const g = globals(cmd);
      // Every flag is read and checked before anything is opened or made.
      const config = ipamConfigFrom({
        subnet: o.subnet,
        gateway: o.gateway,
        ipRange: o.ipRange,
        auxAddress: o.auxAddress,
      });
      const options = keyValues(o.opt, '-o');
      const labels = keyValues(o.label, '--label');
      await withController(g, async (ctl) => {
        const net = await ctl.createNetwork({
          name,
          driver: o.driver,
          ipam: { driver: o.ipamDriver, config },
          enableIPv6: !!o.ipv6,
          internal: !!o.internal,
          attachable: !!o.attachable,
          options,
          labels,
        });
        if (g.json) printJson(inspectNetwork(ctl, net));
        else console.log(net.id);
      });
    });
}

/** Docker's `--filter key=value` for networks: the same key ORs, different keys AND. */
export function networkFilter(filters: readonly string[]): (net: Network) => boolean {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const at = f.indexOf('=');
    const key = at < 0 ? f : f.slice(0, at);
    if (!['driver', 'name', 'label', 'id', 'scope'].includes(key) || at < 0) {
      throw new UsageError(`invalid filter "${f}": use driver=, name=, label=, id= or scope=`);
    }
    byKey.set(key, [...(byKey.get(key) ?? []), f.slice(at + 1)]);
  }
  const tests: Record<string, (net: ReturnType<Network['info']>, want: string) => boolean> = {
    driver: (n, want) => n.driver === want,
    // Docker matches names as a substring, ids as a prefix.
    name: (n, want) => n.name.includes(want),
    id: (n, want) => n.id.startsWith(want),
    scope: (n, want) => n.scope === want,
    label: (n, want) => {
      const at = want.indexOf('=');
      return at < 0 ? Object.hasOwn(n.labels, want) : n.labels[want.slice(0, at)] === want.slice(at + 1);
    },
  };
  return (net) => {
    const info = net.info();
    return [...byKey].every(([key, wants]) => wants.some((w) => tests[key]?.(info, w)));
  };
}

function lsCommand(): Command {
  return withGlobalFlags(new Command('ls'))
    .alias('list')
    .description('list networks')
    .option('-q, --quiet', 'only ids')
    .option('--no-trunc', 'full ids')
    .option('--format <format>', 'table or json (a JSON object per line, as Docker prints)', 'table')
    .option('-f, --filter <key=value>', 'driver=, name=, label=, id=, scope= (repeatable)', collect, [])
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      if (!['table', 'json'].includes(o.format)) throw new UsageError(`--format ${o.format}: use table or json`);
      const keep = networkFilter(o.filter);
      await withController(g, async (ctl) => {
        // Sorted by name, as docker network ls prints them.
        const rows = ctl
          .networks()
          .filter(keep)
          .map((n) => lsRow(n, o.trunc))
          .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
        if (o.quiet) {
          if (g.json) printJson(rows.map((r) => r.ID));
          else for (const r of rows) console.log(r.ID);
        } else if (g.json) {
          printJson(rows);
        } else if (o.format === 'json') {
          for (const r of rows) console.log(JSON.stringify(r));
        } else {
          console.log(
            dockerTable(
              ['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'],
              rows.map((r) => [r.ID, r.Name, r.Driver, r.Scope]),
            ),
          );
        }
      });
    });
}

function inspectCommand(): Command {
  return withGlobalFlags(new Command('inspect'))
    .description('show networks as docker network inspect does (JSON)')
    .argument('<network...>')
    .action(async (names: string[], _o, cmd: Command) => {
      await withController(globals(cmd), async (ctl) => {
        await eachTarget(names, async (name) => inspectNetwork(ctl, ctl.network(name)), printJson);
      });
    });
}

function rmCommand(): Command {
  return withGlobalFlags(new Command('rm'))
    .alias('remove')
    .description('remove networks (refused while endpoints are attached)')
    .argument('<network...>')
    .action(async (names: string[], _o, cmd: Command) => {
      const g = globals(cmd);
      await withController(g, async (ctl) => {
        await eachTarget(
          names,
          (name) =>
            ctl
              .network(name)
              .delete()
              .then(() => name),
          (removed) => printNames(removed, g.json),
        );
      });
    });
}

function pruneCommand(): Command {
  return withGlobalFlags(new Command('prune'))
    .description('remove every network without endpoints')
    .option('-f, --force', 'do not ask')
    .option('--filter <key=value>', 'only networks matching (as for ls; repeatable)', collect, [])
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      const keep = networkFilter(o.filter);
      if (!o.force && !(await confirm())) return;
      await withController(g, async (ctl) => {
        const unused = ctl.networks().filter((n) => keep(n) && n.endpoints().length === 0);
        const deleted: string[] = [];
        for (const n of unused) {
          const name = n.info().name;
          await n.delete();
          deleted.push(name);
        }
        if (g.json) printJson({ NetworksDeleted: deleted });
        else if (deleted.length > 0) console.log(`Deleted Networks:\n${deleted.join('\n')}\n`);
      });
    });
}

// Docker's question. End of input (a closed or empty stdin) is "no".
async function confirm(): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('close', () => resolve(''));
      rl.question(
        'WARNING! This will remove all custom networks not used by at least one endpoint.\nAre you sure you want to continue? [y/N] ',
      ).then(resolve, () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

function connectCommand(): Command {
  return withGlobalFlags(new Command('connect'))
    .description('connect a sandbox to a network (an endpoint, joined)')
    .argument('<network>')
    .argument('<sandbox>')
    .option('--ip <address>', 'the IPv4 address')
    .option('--ip6 <address>', 'the IPv6 address')
    .option('--alias <name>', 'a network-scoped alias (repeatable)', collect, [])
    .option('--mac-address <mac>', 'the MAC address')
    .option('-p, --publish <[hostIP:]hostPort:containerPort[/proto]>', 'publish a port (repeatable)', collect, [])
    .action(async (networkName: string, sandboxName: string, o, cmd: Command) => {
      const g = globals(cmd);
      const portBindings = (o.publish as string[]).map(parsePortSpec);
      await withController(g, async (ctl) => {
        const net = ctl.network(networkName);
        const sb = ctl.sandbox(sandboxName);
        await net.connect(sb, {
          ...(o.ip ? { ipv4Address: o.ip } : {}),
          ...(o.ip6 ? { ipv6Address: o.ip6 } : {}),
          ...(o.macAddress ? { macAddress: o.macAddress } : {}),
          aliases: o.alias,
          portBindings,
        });
        if (g.json) printJson(inspectSandbox(ctl, sb));
      });
    });
}

function disconnectCommand(): Command {
  return withGlobalFlags(new Command('disconnect'))
    .description('disconnect a sandbox from a network (its endpoint leaves and is removed)')
    .argument('<network>')
    .argument('<sandbox>')
    .option('-f, --force', 'disconnect even when a driver step fails (links already gone, say)')
    .action(async (networkName: string, sandboxName: string, o, cmd: Command) => {
      await withController(globals(cmd), async (ctl) => {
        await ctl.network(networkName).disconnect(ctl.sandbox(sandboxName), { force: !!o.force });
      });
    });
}
