// SPDX-License-Identifier: GPL-2.0-or-later
/** Network: creates endpoints, connects sandboxes, and is deleted when empty. */
import { CnmError } from '../errors';
import { type ConnectManyResult, type ConnectManySpec, connectMany } from './connect-many';
import type { NetworkController } from './controller';
import { Endpoint } from './endpoint';
import { checkMac, checkName, newId, newMac } from './ids';
import { crashPoint } from './intents';
import { parsePrefix } from './ipam/cidr';
import { validateBinding } from './ports';
import type { Sandbox } from './sandbox';
import type { EndpointCreateOptions, JoinOptions, NetworkInfo } from './types';
import { allOrNothing } from './undo';

export class Network {
  constructor(
    private readonly ctl: NetworkController,
    readonly id: string,
  ) {}

  /** `docker network inspect` (without containers). @example `net.info().ipam.config[0].subnet` */
  info(): NetworkInfo {
    return this.ctl.networkInfo(this.ctl.networkRow(this.id));
  }

  /**
   * An endpoint with its addresses allocated (in one store transaction).
   *
   * @example
   * ```ts
   * const ep = await net.createEndpoint({ name: 'web-1', ipv4Address: '10.10.0.5' })
   * ```
   */
  async createEndpoint(o: EndpointCreateOptions = {}): Promise<Endpoint> {
    const row = this.ctl.networkRow(this.id);
    const driver = this.ctl.driver(row.driver);
    const id = newId();
    const name = o.name ?? `ep-${id.slice(0, 12)}`;
    checkName(name, 'endpoint');
    if (o.macAddress) checkMac(o.macAddress);
    const mac = (o.macAddress ?? newMac()).toLowerCase();
    for (const [field, v] of [
      ['ipv4Address', o.ipv4Address],
      ['ipv6Address', o.ipv6Address],
    ] as const) {
      if (v !== undefined && !driver.capabilities.addresses) {
        throw new CnmError('CNM_INVALID_CONFIG', `${field}: the ${row.driver} driver gives no addresses`);
      }
    }
    for (const [i, b] of (o.portBindings ?? []).entries()) validateBinding(b, i, row.enable_ipv6 === 1);
    if ((o.portBindings?.length ?? 0) > 0 && row.driver !== 'bridge') {
      throw new CnmError('CNM_INVALID_CONFIG', `portBindings: the ${row.driver} driver publishes no ports`);
    }
    if (o.ipv6Address && row.enable_ipv6 !== 1) {
      throw new CnmError('CNM_INVALID_CONFIG', 'ipv6Address: the network has no IPv6 (enableIPv6)');
    }
    return allOrNothing(async (undo) => {
      const { ipv4, ipv6 } = this.ctl.store.tx(() => {
        if (this.ctl.store.db.prepare('SELECT 1 FROM endpoints WHERE network_id = ? AND name = ?').get(this.id, name)) {
          throw new CnmError('CNM_ENDPOINT_EXISTS', `endpoint ${name} already exists on network ${row.name}`);
        }
        const addresses = driver.capabilities.addresses;
        const ipv4 = addresses ? this.ctl.ipam.requestAddress(this.id, 4, id, o.ipv4Address) : null;
        const ipv6 =
          addresses && row.enable_ipv6 === 1 ? this.ctl.ipam.requestAddress(this.id, 6, id, o.ipv6Address) : null;
        this.ctl.store.db
          .prepare(
            `INSERT INTO endpoints (id, network_id, name, ipv4, ipv6, mac, aliases, port_bindings, exposed_ports, created)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            id,
            this.id,
            name,
            ipv4,
            ipv6,
            mac,
            JSON.stringify(o.aliases ?? []),
            JSON.stringify(o.portBindings ?? []),
            JSON.stringify(o.exposedPorts ?? []),
            new Date().toISOString(),
          );
        return { ipv4, ipv6 };
      });
      undo.push(() =>
        this.ctl.store.tx(() => {
          this.ctl.ipam.releaseAddresses(this.id, id);
          this.ctl.store.db.prepare('DELETE FROM endpoints WHERE id = ?').run(id);
        }),
      );
      await driver.createEndpoint(this.ctl.ctx, this.ctl.driverNetwork(row), {
        id,
        mac,
        ...(ipv4 ? { ipv4 } : {}),
        ...(ipv6 ? { ipv6 } : {}),
      });
      return new Endpoint(this.ctl, id);
    });
  }

  /**
   * createEndpoint + join (`docker network connect`). All or nothing.
   *
   * @example
   * ```ts
   * const ep = await net.connect(sb, { ipv4Address: '10.10.0.9' })
   * ```
   */
  async connect(sb: Sandbox, o: EndpointCreateOptions & JoinOptions = {}): Promise<Endpoint> {
    const ep = await this.createEndpoint(o);
    try {
      await ep.join(sb, o);
    } catch (error) {
      await ep.delete().catch(() => {});
      throw error;
    }
    return ep;
  }

  /**
   * The sandbox's endpoint on this network leaves and is deleted
   * (`docker network disconnect`); `force` leaves even when a driver step
   * fails (see {@link Endpoint.leave}).
   *
   * @example
   * ```ts
   * await net.disconnect(sb)
   * ```
   */
  async disconnect(sb: Sandbox, o: { readonly force?: boolean } = {}): Promise<void> {
    const row = this.ctl.store.db
      .prepare('SELECT id FROM endpoints WHERE sandbox_id = ? AND network_id = ?')
      .get(sb.id, this.id) as { id: string } | undefined;
    if (!row) {
      throw new CnmError(
        'CNM_ENDPOINT_NOT_FOUND',
        `sandbox "${sb.info().name}" is not connected to network "${this.info().name}"`,
      );
    }
    const ep = new Endpoint(this.ctl, row.id);
    await ep.leave(sb, o);
    await ep.delete();
  }

  /**
   * Attaches many new sandboxes at once, for harnesses: one store
   * transaction allocates every address, each sandbox is then one crossing
   * into the addon, `concurrency` at a time. A result per item: a failed
   * item is fully undone, the others stay.
   *
   * @example
   * ```ts
   * const results = await net.connectMany(Array.from({ length: 100 }, () => ({})), { concurrency: 4 })
   * const sandboxes = results.flatMap((r) => (r.ok ? [r.sandbox] : []))
   * ```
   */
  connectMany(
    specs: readonly ConnectManySpec[],
    options: { readonly concurrency?: number } = {},
  ): Promise<ConnectManyResult[]> {
    return connectMany(this.ctl, this, specs, options.concurrency ?? 4);
  }

  /** The network's endpoints. @example `net.endpoints().length` */
  endpoints(): Endpoint[] {
    const rows = this.ctl.store.db
      .prepare('SELECT id FROM endpoints WHERE network_id = ? ORDER BY created')
      .all(this.id) as {
      id: string;
    }[];
    return rows.map((r) => new Endpoint(this.ctl, r.id));
  }

  /**
   * `docker network rm`: refused while endpoints exist.
   *
   * @example
   * ```ts
   * await net.delete()
   * ```
   */
  async delete(): Promise<void> {
    const row = this.ctl.networkRow(this.id);
    const count = (
      this.ctl.store.db.prepare('SELECT COUNT(*) AS n FROM endpoints WHERE network_id = ?').get(this.id) as {
        n: number;
      }
    ).n;
    if (count > 0) {
      throw new CnmError('CNM_NETWORK_IN_USE', `network "${row.name}" has ${count} endpoint(s); disconnect them first`);
    }
    const intent = this.ctl.intents.begin('network.delete', { id: this.id });
    await this.ctl.driver(row.driver).deleteNetwork(this.ctl.ctx, this.ctl.driverNetwork(row));
    crashPoint('network.delete.kernel');
    this.ctl.store.tx(() => {
      this.ctl.forgetNetwork(this.id);
      this.ctl.intents.end(intent);
    });
  }
}

/** The prefix length of an `address/len`. */
export function prefixLength(cidr: string): number {
  return parsePrefix(cidr, 'address', true).len;
}
