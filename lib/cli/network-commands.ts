// SPDX-License-Identifier: GPL-2.0-or-later
/** `cnm network …`: the verbs of `docker network`, with its flags and output. */
import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import type { NetworkController } from '../cnm/controller';
import type { Network } from '../cnm/network';
import { CnmError } from '../errors';
import { type DockerNetwork, inspectNetwork, inspectSandbox } from './docker-json';
import {
  headerContext,
  NETWORK_HEADERS,
  networkInspectView,
  networkRow,
  sandboxInspectView,
} from './format/docker-views';
import { naturalCompare } from './format/natural-sort';
import { checkInspectFormat, listFormat, renderList } from './formatted';
import { ipamConfigFrom, keyValues } from './ipam-flags';
import { type FilterableNetwork, networkFilter, PREDEFINED_NETWORKS } from './network-filter';
import { printInspect, printJson, printNames, writeInspect } from './output';
import { parsePortSpec } from './port-spec';
import { eachTarget } from './run-many';
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
    .option('-d, --driver <driver>', 'bridge, host, null, macvlan (overlay: not yet)', 'bridge')
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
        if (g.json) printInspect(networkInspectView(inspectNetwork(ctl, net)));
        else console.log(net.id);
      });
    });
}

/** `docker network ls`'s default table. */
export const NETWORK_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';

// What the filters look at, and the JSON the row and inspect views are built from.
function described(ctl: NetworkController, net: Network): { doc: DockerNetwork; filterable: FilterableNetwork } {
  const doc = inspectNetwork(ctl, net);
  return {
    doc,
    filterable: {
      id: doc.Id,
      name: doc.Name,
      driver: doc.Driver,
      scope: doc.Scope,
      labels: doc.Labels,
      endpoints: net.endpoints().length,
    },
  };
}

function lsCommand(): Command {
  return withGlobalFlags(new Command('ls'))
    .alias('list')
    .description('list networks, sorted by name (docker network ls)')
    .option('-q, --quiet', 'only ids')
    .option('--no-trunc', 'full ids')
    .option('--format <format>', "table (default), json, 'table TEMPLATE' or a Go template (docs/cli.md)")
    .option(
      '-f, --filter <key=value>',
      'driver=, id=, label=, name=, scope=, type=custom|builtin, dangling=true|false (repeatable)',
      collect,
      [],
    )
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      // Filters and format are checked before anything is opened.
      const keep = networkFilter(o.filter);
      const format = listFormat(o, NETWORK_TABLE, headerContext(NETWORK_HEADERS));
      await withController(g, async (ctl) => {
        const docs = ctl
          .networks()
          .map((n) => described(ctl, n))
          .filter((d) => keep(d.filterable))
          .map((d) => d.doc)
          .sort((a, b) => naturalCompare(a.Name, b.Name));
        const rows = docs.map((d) => networkRow(d, o.trunc));
        if (g.json) {
          const objects = rows.map((r) => (r.json as () => Record<string, string>)());
          printJson(o.quiet ? objects.map((r) => r.ID) : objects);
          return;
        }
        process.stdout.write(renderList(format, rows));
      });
    });
}

function inspectCommand(): Command {
  return withGlobalFlags(new Command('inspect'))
    .description('show networks as docker network inspect does')
    .argument('<network...>')
    .option('-f, --format <format>', 'json (one line) or a Go template run over each network (docs/cli.md)')
    .action(async (names: string[], o, cmd: Command) => {
      checkInspectFormat(o.format);
      await withController(globals(cmd), async (ctl) => {
        await eachTarget(
          names,
          async (name) => networkInspectView(inspectNetwork(ctl, ctl.network(name))),
          (views) => writeInspect(o.format, views),
        );
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
    .description('remove every custom network without endpoints; says on stderr which it skipped and why')
    .option('-f, --force', 'do not ask')
    .option('--filter <key=value>', 'only networks matching (as for ls; repeatable)', collect, [])
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      const keep = networkFilter(o.filter);
      if (!o.force && !(await confirm())) return;
      await withController(g, async (ctl) => {
        const deleted: string[] = [];
        const skipped: { Name: string; Reason: string }[] = [];
        for (const net of ctl.networks()) {
          const { doc, filterable } = described(ctl, net);
          // Only custom networks are pruned: the predefined ones are not even considered (as in Docker).
          if (!keep(filterable) || PREDEFINED_NETWORKS.has(doc.Name)) continue;
          // Docker skips networks in use silently; cnm says why, so a stale endpoint is never a mystery.
          const reason = filterable.endpoints > 0 ? `has ${filterable.endpoints} active endpoint(s)` : undefined;
          if (reason) {
            skipped.push({ Name: doc.Name, Reason: reason });
            continue;
          }
          await net.delete();
          deleted.push(doc.Name);
        }
        for (const s of skipped) process.stderr.write(`Skipped ${s.Name}: ${s.Reason}\n`);
        if (g.json) printJson({ NetworksDeleted: deleted, NetworksSkipped: skipped });
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
    .option(
      '--gw-priority <n>',
      "the endpoint's gateway priority: the highest of a sandbox's endpoints carries its default route",
      parseInteger('--gw-priority'),
    )
    .action(async (networkName: string, sandboxName: string, o, cmd: Command) => {
      const g = globals(cmd);
      const portBindings = (o.publish as string[]).map(parsePortSpec);
      await withController(g, async (ctl) => {
        const net = ctl.network(networkName);
        const sb = ctl.sandbox(sandboxName);
        const ep = await net.connect(sb, {
          ...(o.ip ? { ipv4Address: o.ip } : {}),
          ...(o.ip6 ? { ipv6Address: o.ip6 } : {}),
          ...(o.macAddress ? { macAddress: o.macAddress } : {}),
          ...(o.gwPriority !== undefined ? { priority: o.gwPriority as number } : {}),
          aliases: o.alias,
          portBindings,
        });
        for (const w of ep.info().warnings) process.stderr.write(`WARNING: ${w}\n`);
        if (g.json) printInspect(sandboxInspectView(inspectSandbox(ctl, sb)));
      });
    });
}

function disconnectCommand(): Command {
  return withGlobalFlags(new Command('disconnect'))
    .description('disconnect a sandbox from a network (its endpoint leaves and is removed)')
    .argument('<network>')
    .argument('<sandbox>')
    .option(
      '-f, --force',
      'disconnect even when a driver step fails; with -f SANDBOX may also name a stale endpoint (by name or id) whose sandbox is gone',
    )
    .action(async (networkName: string, sandboxName: string, o, cmd: Command) => {
      await withController(globals(cmd), async (ctl) => {
        // The name goes to the model as given: with -f it may name a stale endpoint whose sandbox is gone.
        await ctl.network(networkName).disconnect(sandboxName, { force: !!o.force });
      });
    });
}

// A whole number flag, refused with the flag's name otherwise.
function parseInteger(flag: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isSafeInteger(n)) {
      throw new CnmError('CNM_INVALID_CONFIG', `${flag}: "${text}" is not a whole number`);
    }
    return n;
  };
}
