// SPDX-License-Identifier: GPL-2.0-or-later
/** Endpoint: joins and leaves a sandbox, reports what it is, and is deleted. */

import { BRIDGE_PORT_LIMIT } from '../drivers/bridge/bridge-driver';
import { BRIDGE_OPTIONS } from '../drivers/bridge/options';
import type { DriverEndpoint, ResolvedBinding } from '../drivers/driver';
import { CnmError } from '../errors';
import type { LinkStats } from '../kernel/ops';
import { rtnl } from '../kernel/rtnl';
import type { NetworkController } from './controller';
import { crashPoint } from './intents';
import { publish, publishedBindings, unpublish, unpublishBindings, validateBinding } from './ports';
import type { Sandbox } from './sandbox';
import type { EndpointInfo, JoinOptions, PortBinding } from './types';
import { allOrNothing } from './undo';

interface EndpointRow {
  id: string;
  network_id: string;
  name: string;
  ipv4: string | null;
  ipv6: string | null;
  mac: string;
  aliases: string;
  port_bindings: string;
  exposed_ports: string;
  sandbox_id: string | null;
  host_ifname: string | null;
  sandbox_ifname: string | null;
  created: string;
}

export class Endpoint {
  constructor(
    private readonly ctl: NetworkController,
    readonly id: string,
  ) {}

  private row(): EndpointRow {
    const row = this.ctl.store.db.prepare('SELECT * FROM endpoints WHERE id = ?').get(this.id) as
      | EndpointRow
      | undefined;
    if (!row) throw new CnmError('CNM_ENDPOINT_NOT_FOUND', `endpoint ${this.id} not found`);
    return row;
  }

  private driverEndpoint(row: EndpointRow): DriverEndpoint {
    return {
      id: row.id,
      mac: row.mac,
      ...(row.ipv4 ? { ipv4: row.ipv4 } : {}),
      ...(row.ipv6 ? { ipv6: row.ipv6 } : {}),
    };
  }

  /** What the endpoint is. @example `ep.info().ipv4Address // '172.18.0.2/16'` */
  info(): EndpointInfo {
    const r = this.row();
    return {
      id: r.id,
      name: r.name,
      networkId: r.network_id,
      ...(r.ipv4 ? { ipv4Address: r.ipv4 } : {}),
      ...(r.ipv6 ? { ipv6Address: r.ipv6 } : {}),
      macAddress: r.mac,
      aliases: JSON.parse(r.aliases),
      portBindings: JSON.parse(r.port_bindings) as PortBinding[],
      published: publishedBindings(this.ctl, this.id),
      exposedPorts: JSON.parse(r.exposed_ports),
      ...(r.sandbox_id ? { sandboxId: r.sandbox_id } : {}),
      ...(r.sandbox_ifname ? { ifname: r.sandbox_ifname } : {}),
      ...(r.host_ifname ? { hostIfname: r.host_ifname } : {}),
      created: r.created,
    };
  }

  /**
   * Puts the endpoint into a sandbox (`docker network connect`, second half).
   *
   * @example
   * ```ts
   * await ep.join(sb)
   * ```
   */
  async join(sb: Sandbox, o: JoinOptions = {}): Promise<void> {
    const row = this.row();
    if (row.sandbox_id) {
      throw new CnmError(
        'CNM_ENDPOINT_EXISTS',
        `endpoint ${row.name} is already joined to sandbox ${row.sandbox_id.slice(0, 12)}`,
      );
    }
    const net = this.ctl.networkRow(row.network_id);
    const driver = this.ctl.driver(net.driver);
    const db = this.ctl.store.db;
    if (db.prepare('SELECT 1 FROM endpoints WHERE sandbox_id = ? AND network_id = ?').get(sb.id, row.network_id)) {
      throw new CnmError('CNM_ENDPOINT_EXISTS', `sandbox ${sb.info().name} is already on network ${net.name}`);
    }
    if (net.driver === 'bridge') {
      const joined = (
        db
          .prepare('SELECT COUNT(*) AS n FROM endpoints WHERE network_id = ? AND sandbox_id IS NOT NULL')
          .get(row.network_id) as {
          n: number;
        }
      ).n;
      if (joined >= BRIDGE_PORT_LIMIT) {
        throw new CnmError(
          'CNM_BRIDGE_FULL',
          `network ${net.name} has ${joined} endpoints: a Linux bridge holds ${BRIDGE_PORT_LIMIT} ports`,
        );
      }
    }
    const dnet = this.ctl.driverNetwork(net);
    const prefix = (dnet.state.ifacePrefix as string | undefined) ?? 'eth';
    const used = new Set(
      (
        db.prepare('SELECT sandbox_ifname FROM endpoints WHERE sandbox_id = ?').all(sb.id) as {
          sandbox_ifname: string;
        }[]
      ).map((r) => r.sandbox_ifname),
    );
    let n = 0;
    while (used.has(`${prefix}${n}`)) n++;
    const ifname = `${prefix}${n}`;
    const first = used.size === 0;
    // A namespace cnm made holds only lo until it gets its first link: that one is ifindex 2.
    const made = db.prepare('SELECT owned, links_made FROM sandboxes WHERE id = ?').get(sb.id) as {
      owned: number;
      links_made: number;
    };
    const pristine = made.owned === 1 && made.links_made === 0;
    const sandbox = await this.ctl.sandboxNamespace(sb.id);
    await allOrNothing(async (undo) => {
      const planned = driver.plannedJoin(dnet, this.driverEndpoint(row));
      const intent = this.ctl.intents.begin('endpoint.join', { endpoint: this.id, ...planned });
      undo.push(() => this.ctl.intents.end(intent));
      const joined = await driver.join(this.ctl.ctx, dnet, this.driverEndpoint(row), {
        sandbox,
        ifname,
        defaultRoute: o.gatewayEndpoint ?? first,
        ...(pristine ? { ifindex: 2 } : {}),
      });
      undo.push(() => driver.leave(this.ctl.ctx, dnet, this.driverEndpoint(row), joined));
      crashPoint('endpoint.join.kernel');
      this.ctl.store.tx(() => {
        db.prepare('UPDATE endpoints SET sandbox_id = ?, host_ifname = ?, sandbox_ifname = ? WHERE id = ?').run(
          sb.id,
          joined.hostIfname ?? null,
          ifname,
          this.id,
        );
        db.prepare('UPDATE sandboxes SET links_made = links_made + 1 WHERE id = ?').run(sb.id);
      });
      undo.push(() => this.ctl.store.tx(() => this.markLeft()));
      // Published ports: host ports settled and recorded, then one nft batch of elements.
      const requested = JSON.parse(row.port_bindings) as PortBinding[];
      const settled = await publish(this.ctl, this.id, requested, dnet.options[BRIDGE_OPTIONS.hostBindingIpv4]);
      undo.push(() => this.ctl.store.tx(() => unpublish(this.ctl, this.id)));
      const withPorts = { ...this.driverEndpoint(row), portBindings: settled };
      await driver.programExternalConnectivity(this.ctl.ctx, dnet, withPorts);
      undo.push(() => driver.revokeExternalConnectivity(this.ctl.ctx, dnet, withPorts));
      crashPoint('endpoint.publish.kernel');
      this.ctl.intents.end(intent);
    });
  }

  /**
   * Takes the endpoint out of its sandbox (`docker network disconnect`, first half).
   *
   * With `force`, a failing driver step does not stop it: the host end of
   * the link is deleted if still there and the endpoint is recorded as left
   * (`docker network disconnect -f`). Elements a failed firewall step left
   * go on the next `recover()`, which rebuilds them from the store.
   *
   * @example
   * ```ts
   * await ep.leave(sb)
   * ```
   */
  async leave(sb: Sandbox, o: { readonly force?: boolean } = {}): Promise<void> {
    const row = this.row();
    if (row.sandbox_id !== sb.id) {
      throw new CnmError('CNM_ENDPOINT_NOT_FOUND', `endpoint ${row.name} is not joined to sandbox ${sb.info().name}`);
    }
    const net = this.ctl.networkRow(row.network_id);
    const driver = this.ctl.driver(net.driver);
    const dnet = this.ctl.driverNetwork(net);
    const joined = row.host_ifname ? { hostIfname: row.host_ifname } : {};
    const intent = this.ctl.intents.begin('endpoint.leave', { endpoint: this.id, ...joined });
    const ep = { ...this.driverEndpoint(row), portBindings: publishedBindings(this.ctl, this.id) };
    // Firewall state first, then links (netavark #1482).
    const steps = [
      () => driver.revokeExternalConnectivity(this.ctl.ctx, dnet, ep),
      () => driver.leave(this.ctl.ctx, dnet, this.driverEndpoint(row), joined),
    ];
    let failed = false;
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        if (!o.force) {
          // Still joined in the store, and every step can run again: a retry or recover() finishes it.
          this.ctl.intents.end(intent);
          throw error;
        }
        failed = true;
      }
    }
    // Forced past a failure: at least the host end goes (it takes the peer with it).
    if (failed && row.host_ifname)
      await rtnl(this.ctl.host)
        .linkDel(row.host_ifname)
        .catch(() => {});
    crashPoint('endpoint.leave.kernel');
    this.ctl.store.tx(() => {
      unpublish(this.ctl, this.id);
      this.markLeft();
      this.ctl.intents.end(intent);
    });
  }

  /**
   * Publishes more ports on a joined endpoint (host ports settled and
   * recorded, then one nft batch of elements). Returns them as settled.
   *
   * @example
   * ```ts
   * const [b] = await ep.publish([{ proto: 'tcp', containerPort: 80 }])   // an automatic host port
   * ```
   */
  async publish(bindings: readonly PortBinding[]): Promise<ResolvedBinding[]> {
    const row = this.row();
    if (!row.sandbox_id) throw new CnmError('CNM_ENDPOINT_NOT_FOUND', `endpoint ${row.name} is not joined`);
    const net = this.ctl.networkRow(row.network_id);
    if (net.driver !== 'bridge')
      throw new CnmError('CNM_INVALID_CONFIG', `portBindings: the ${net.driver} driver publishes no ports`);
    for (const [i, b] of bindings.entries()) validateBinding(b, i, net.enable_ipv6 === 1);
    const dnet = this.ctl.driverNetwork(net);
    // The intent is recorded in the same transaction as the ports: a crash
    // before the elements are in leaves an intent that takes the rows back.
    let intent: number | undefined;
    const settled = await publish(this.ctl, this.id, bindings, dnet.options[BRIDGE_OPTIONS.hostBindingIpv4], (s) => {
      intent = this.ctl.intents.begin('endpoint.publish', { endpoint: this.id, bindings: JSON.stringify(s) });
    });
    try {
      crashPoint('endpoint.publish.recorded');
      await this.ctl.driver(net.driver).programExternalConnectivity(this.ctl.ctx, dnet, {
        ...this.driverEndpoint(row),
        portBindings: settled,
      });
      crashPoint('endpoint.publish.late');
    } catch (error) {
      this.ctl.store.tx(() => unpublishBindings(this.ctl, this.id, settled));
      throw error;
    } finally {
      if (intent !== undefined) this.ctl.intents.end(intent);
    }
    return settled;
  }

  /**
   * Takes back the endpoint's published ports, or only `some` of them
   * (elements, then rows). Elements already missing are not an error.
   *
   * @example
   * ```ts
   * await ep.revokePorts()                       // unpublish everything, stay joined
   * ```
   */
  async revokePorts(some?: readonly ResolvedBinding[]): Promise<void> {
    const bindings = some ?? publishedBindings(this.ctl, this.id);
    if (bindings.length === 0) return;
    const row = this.row();
    const net = this.ctl.networkRow(row.network_id);
    await this.ctl.driver(net.driver).revokeExternalConnectivity(this.ctl.ctx, this.ctl.driverNetwork(net), {
      ...this.driverEndpoint(row),
      portBindings: bindings,
    });
    this.ctl.store.tx(() => (some ? unpublishBindings(this.ctl, this.id, some) : unpublish(this.ctl, this.id)));
  }

  /** Records that the endpoint is in no sandbox (its links are already gone). @internal */
  markLeft(): void {
    const run = () =>
      this.ctl.store.db
        .prepare('UPDATE endpoints SET sandbox_id = NULL, host_ifname = NULL, sandbox_ifname = NULL WHERE id = ?')
        .run(this.id);
    if (this.ctl.store.db.inTransaction) run();
    else this.ctl.store.tx(run);
  }

  /**
   * Deletes the endpoint and frees its addresses; refused while joined.
   *
   * @example
   * ```ts
   * await ep.delete()
   * ```
   */
  async delete(): Promise<void> {
    const row = this.row();
    if (row.sandbox_id) throw new CnmError('CNM_ENDPOINT_EXISTS', `endpoint ${row.name} is still joined; leave first`);
    const net = this.ctl.networkRow(row.network_id);
    await this.ctl
      .driver(net.driver)
      .deleteEndpoint(this.ctl.ctx, this.ctl.driverNetwork(net), this.driverEndpoint(row));
    this.ctl.store.tx(() => {
      this.ctl.ipam.releaseAddresses(row.network_id, row.id);
      this.ctl.store.db.prepare('DELETE FROM endpoints WHERE id = ?').run(row.id);
    });
  }

  /**
   * Packet and byte counters of the endpoint's interface in its sandbox.
   *
   * @example
   * ```ts
   * const { rxPackets } = await ep.stats()
   * ```
   */
  async stats(): Promise<LinkStats> {
    const row = this.row();
    if (!row.sandbox_id || !row.sandbox_ifname)
      throw new CnmError('CNM_ENDPOINT_NOT_FOUND', `endpoint ${row.name} is not joined`);
    const link = await rtnl(await this.ctl.sandboxNamespace(row.sandbox_id)).link(row.sandbox_ifname);
    if (!link.stats) throw new CnmError('CNM_NOT_SUPPORTED', 'the kernel reported no statistics');
    return link.stats;
  }
}
