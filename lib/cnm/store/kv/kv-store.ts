// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * A store on keys: reads from a local copy of the keys (`base`), and
 * transactions run optimistically against it — the function's changes kept
 * aside, then committed all at once by `commit`, which refuses them when
 * someone committed since the copy was taken (compare and set). Refused, the
 * copy catches up and the function runs again (it is pure but for its
 * transaction, so running it again is safe). In memory the commit always
 * succeeds; on etcd it is one etcd transaction.
 */
import { CnmError } from '../../../errors';
import { crashStep } from '../../crash';
import type { ClusterStore, Membership, StoreReads, StoreTx } from '../ports';
import type { HostRecord } from '../records';
import { type Kv, type KvReads, MemoryKv, OverlayKv } from './kv';
import { kvRepositories } from './repositories';

/** How a commit came out. */
export type CommitOutcome = 'committed' | 'conflict';

/** What a key store gives: its local copy, and how to commit changes against it. */
export interface KvBackend {
  /** The keys as last seen (a mirror kept current, or the keys themselves). */
  readonly base: KvReads;
  /** Applies the changes if nothing was committed since `base` was current; resolves once `base` shows them. */
  commit(changes: ReadonlyMap<string, string | null>): Promise<CommitOutcome>;
  /** After a conflict: resolves once `base` shows what was committed meanwhile. */
  catchUp(): Promise<void>;
  /**
   * Puts `key` for as long as a lease of `ttlSeconds` is kept alive;
   * `lost` settles if it is lost, `leave` revokes it.
   */
  lease(key: string, value: string, ttlSeconds: number): Promise<{ lost: Promise<Error>; leave(): Promise<void> }>;
  /** Calls `listener` whenever `base` changes. */
  onChange(listener: () => void): () => void;
  close(): Promise<void> | void;
}

/** Where a host's record lives among the keys (under its agent's lease). */
const hostKey = (id: string) => `host/${id}`;
/** Where a host whose agent stopped on purpose is recorded (no lease: it stays until the host joins again). */
const stoppedKey = (id: string) => `host-stopped/${id}`;

/** How many times a transaction runs again after conflicts before it gives up. */
const MAX_ATTEMPTS = 50;

/** A Store over a key backend; a cluster store when several hosts share the backend. */
export class KvStore implements ClusterStore {
  readonly read: StoreReads;
  private closed = false;

  constructor(
    private readonly backend: KvBackend,
    /** Named in errors: where the keys live. */
    private readonly where: string,
    /** Where link groups are counted from (a cluster's: CLUSTER_LINK_GROUP_BASE). */
    private readonly linkGroupBase = 1000,
  ) {
    // Reads outside a transaction: the base, with nothing to roll back.
    this.read = kvRepositories(
      backend.base as Kv,
      () => {
        throw new Error('attempt() outside a transaction');
      },
      linkGroupBase,
    );
  }

  get open(): boolean {
    return !this.closed;
  }

  async transact<T>(fn: (tx: StoreTx) => T): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const overlay = new OverlayKv(this.backend.base);
      const tx = kvRepositories(
        overlay,
        (part) => {
          const saved = overlay.savepoint();
          try {
            return part();
          } catch (error) {
            overlay.rollbackTo(saved);
            throw error;
          }
        },
        this.linkGroupBase,
      );
      const result = fn(tx);
      if (overlay.changes.size === 0) return result;
      if ((await this.backend.commit(overlay.changes)) === 'committed') {
        crashStep?.();
        return result;
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new CnmError(
          'CNM_CONFLICT',
          `${this.where}: ${MAX_ATTEMPTS} attempts of one transaction each lost to another writer; try again`,
        );
      }
      await this.backend.catchUp();
    }
  }

  hosts(): HostRecord[] {
    return this.backend.base.range('host/').map(([, v]) => JSON.parse(v) as HostRecord);
  }

  stoppedHosts(): HostRecord[] {
    return this.backend.base.range('host-stopped/').map(([, v]) => JSON.parse(v) as HostRecord);
  }

  async join(host: HostRecord, ttlSeconds: number): Promise<Membership> {
    const held = await this.backend.lease(hostKey(host.id), JSON.stringify(host), ttlSeconds);
    // Running again: no longer a stopped host.
    await this.put(stoppedKey(host.id), null);
    return {
      host,
      lost: held.lost,
      leave: async () => {
        // Recorded as stopped before the lease goes: no one ever sees it gone without that record.
        await this.put(stoppedKey(host.id), JSON.stringify({ ...host, stopped: new Date().toISOString() }));
        await held.leave();
      },
    };
  }

  // One key outside the repositories, written (or deleted: null) on its own commit.
  private async put(key: string, value: string | null): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (value === null && this.backend.base.get(key) === undefined) return;
      if ((await this.backend.commit(new Map([[key, value]]))) === 'committed') return;
      if (attempt >= MAX_ATTEMPTS) throw new CnmError('CNM_CONFLICT', `${this.where}: could not write ${key}`);
      await this.backend.catchUp();
    }
  }

  onChange(listener: () => void): () => void {
    return this.backend.onChange(listener);
  }

  close(): Promise<void> | void {
    this.closed = true;
    return this.backend.close();
  }
}

/**
 * A store in memory: nothing outlives the process. For tests, and as the
 * reference the other key stores are checked against.
 *
 * @example
 * ```ts
 * const store = memoryStore()
 * await store.transact((tx) => tx.sandboxes.insert({ id, name: 'c1', netnsPath, owned: true, created, linksMade: 0 }))
 * ```
 */
export function memoryStore(kv: Kv = new MemoryKv(), linkGroupBase = 1000): KvStore {
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of [...listeners]) l();
  };
  return new KvStore(
    {
      base: kv,
      async commit(changes) {
        for (const [key, value] of changes) {
          if (value === null) kv.delete(key);
          else kv.put(key, value);
        }
        changed();
        return 'committed';
      },
      async catchUp() {},
      // In memory a lease never expires: it is held until left.
      async lease(key, value) {
        kv.put(key, value);
        changed();
        return {
          lost: new Promise<Error>(() => {}),
          async leave() {
            kv.delete(key);
            changed();
          },
        };
      },
      onChange(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      close() {},
    },
    'memory store',
    linkGroupBase,
  );
}
