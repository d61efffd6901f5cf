// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Cluster settings: where the cluster store is (global-scope networks and
 * their endpoints and addresses live there; everything else stays in this
 * host's store) and this host's underlay address.
 */
import { CnmError } from '../errors';
import { parseAddress } from './ipam/cidr';
import type { ClusterStore } from './store/ports';

/**
 * `NetworkController.open({ cluster })`.
 *
 * @example
 * ```ts
 * const ctl = await NetworkController.open({ cluster: { store: 'etcd://10.0.0.1:2379', advertiseAddress: '10.0.0.2' } })
 * ```
 */
export interface ClusterOptions {
  /**
   * `etcd://HOST:PORT[,HOST:PORT…]` (Docker's `--cluster-store`), or an open
   * store (tests: the in-memory key store; the caller closes it).
   */
  readonly store: string | ClusterStore;
  /** This host's underlay address (the VTEP of its overlay networks). */
  readonly advertiseAddress?: string;
  /** The keys' prefix in etcd (default `cnm/`). */
  readonly prefix?: string;
  /**
   * Seconds after this host's agent stops answering that the other hosts
   * count it lost (its lease's ttl; default 15). `runAgent({ ttlSeconds })`
   * and `cnm agent --ttl` override it.
   */
  readonly ttlSeconds?: number;
}

/** Checks a lease ttl: a whole number of seconds from 2 to 3600. @internal */
export function checkTtl(ttlSeconds: number, field: string): number {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 2 || ttlSeconds > 3600) {
    throw new CnmError('CNM_INVALID_CONFIG', `${field}: ${ttlSeconds} is not a whole number of seconds from 2 to 3600`);
  }
  return ttlSeconds;
}

/**
 * The etcd members of an `etcd://` URL, as the client wants them.
 *
 * @example
 * ```ts
 * etcdEndpoints('etcd://10.0.0.1:2379,10.0.0.2:2379')   // ['http://10.0.0.1:2379', 'http://10.0.0.2:2379']
 * ```
 */
export function etcdEndpoints(url: string): string[] {
  const m = /^etcd:\/\/(.+)$/.exec(url.trim());
  const members = m?.[1]?.split(',') ?? [];
  const endpoints = members.map((hostPort) => {
    const port = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(hostPort);
    if (!port || Number(port[2]) < 1 || Number(port[2]) > 65535) return undefined;
    return `http://${hostPort}`;
  });
  if (endpoints.length === 0 || endpoints.some((e) => e === undefined)) {
    throw new CnmError(
      'CNM_INVALID_CONFIG',
      `cluster.store: "${url}" is not etcd://HOST:PORT[,HOST:PORT...] (etcd v3 is the cluster store cnm speaks)`,
    );
  }
  return endpoints as string[];
}

/** The cluster store the options name, and whether the controller owns (closes) it. */
export async function openCluster(o: ClusterOptions): Promise<{ store: ClusterStore; owned: boolean }> {
  if (o.advertiseAddress !== undefined && !parseAddress(o.advertiseAddress)) {
    throw new CnmError('CNM_INVALID_CONFIG', `cluster.advertiseAddress: "${o.advertiseAddress}" is not an address`);
  }
  if (o.ttlSeconds !== undefined) checkTtl(o.ttlSeconds, 'cluster.ttlSeconds');
  if (typeof o.store !== 'string') return { store: o.store, owned: false };
  const endpoints = etcdEndpoints(o.store);
  // Loaded only when a cluster is configured: the etcd client (gRPC) is large.
  const { openEtcdStore } = await import('./store/etcd/etcd-store');
  return { store: await openEtcdStore({ endpoints, ...(o.prefix ? { prefix: o.prefix } : {}) }), owned: true };
}
