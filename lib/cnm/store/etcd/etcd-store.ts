// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The cluster store on etcd v3: the model's repositories over keys (../kv),
 * kept under one prefix. Each process holds a mirror of those keys — a full
 * read at a revision, then a watch from the next revision, so no change is
 * missed or seen twice — and reads it synchronously. A transaction runs
 * against the mirror and commits as one etcd transaction that succeeds only
 * if no other commit happened since the mirror was current: every commit
 * also writes one key (`meta/commit`), and the transaction compares that
 * key's modification revision. A refused commit waits for the watch to
 * bring the other commit in, and runs again. Writers are serialised, as
 * SQLite's IMMEDIATE transactions are; reads never wait.
 */
import { noop } from 'cockatiel';
import { Etcd3, type Namespace } from 'etcd3';
import { CnmError } from '../../../errors';
import { MemoryKv } from '../kv/kv';
import { type CommitOutcome, type KvBackend, KvStore } from '../kv/kv-store';
import { CLUSTER_LINK_GROUP_BASE } from '../kv/repositories';

/** Where the cluster store is. */
export interface EtcdStoreOptions {
  /** `http://HOST:PORT` of each etcd member. */
  readonly endpoints: readonly string[];
  /** The keys' prefix (default `cnm/`): several clusters may share an etcd. */
  readonly prefix?: string;
  /** How long one request may take before the store counts as unavailable (default 5 s). */
  readonly timeoutMs?: number;
}

const COMMIT_KEY = 'meta/commit';

interface KeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly mod_revision: string;
}

class EtcdBackend implements KvBackend {
  readonly base = new MemoryKv();
  /** The modification revision of the commit key the mirror shows (0: no commit yet). */
  private commitRevision = 0;
  private readonly waiting = new Set<{ readonly done: () => boolean; readonly wake: () => void }>();
  private readonly listeners = new Set<() => void>();
  private closing: (() => Promise<void>) | undefined;

  constructor(
    private readonly ns: Namespace,
    private readonly prefix: string,
    private readonly where: string,
    private readonly timeoutMs: number,
  ) {}

  /** The full read, then the watch from the revision after it. */
  async start(client: Etcd3): Promise<void> {
    const all = await this.timed('reading the cluster store', this.ns.getAll().exec());
    for (const kv of all.kvs as KeyValue[]) this.apply('Put', kv);
    const watcher = await this.timed(
      'watching the cluster store',
      this.ns
        .watch()
        .prefix('')
        .startRevision(String(Number(all.header.revision) + 1))
        .create(),
    );
    watcher.on('data', (res) => {
      for (const e of res.events as { type: string; kv: KeyValue }[])
        this.apply(e.type === 'DELETE' || e.type === 'Delete' ? 'Delete' : 'Put', e.kv);
      for (const w of [...this.waiting]) if (w.done()) w.wake();
      for (const l of [...this.listeners]) l();
    });
    this.closing = async () => {
      await watcher.cancel();
      client.close();
    };
  }

  async commit(changes: ReadonlyMap<string, string | null>): Promise<CommitOutcome> {
    const seen = this.commitRevision;
    const ops = [...changes].map(([key, value]) =>
      value === null ? this.ns.delete().key(key) : this.ns.put(key).value(value),
    );
    const guard = seen === 0 ? this.ns.if(COMMIT_KEY, 'Version', '==', 0) : this.ns.if(COMMIT_KEY, 'Mod', '==', seen);
    const res = await this.timed(
      // Sent, and no answer: it may have been applied (etcd applied it, then went away).
      'committing to the cluster store (the change may or may not have been applied: read the store again before repeating it)',
      guard.then(...ops, this.ns.put(COMMIT_KEY).value(String(Date.now()))).commit(),
    );
    if (res.succeeded) {
      // Ours is the commit at this revision: once the watch has brought it, reads show it.
      const at = Number(res.header?.revision);
      await this.until(() => this.commitRevision >= at, 'its own commit');
      return 'committed';
    }
    // Someone committed after the mirror was current: the watch brings that commit in.
    await this.until(() => this.commitRevision > seen, 'a newer commit');
    return 'conflict';
  }

  async catchUp(): Promise<void> {
    // commit() waited already for the commit that won.
  }

  async lease(
    key: string,
    value: string,
    ttlSeconds: number,
  ): Promise<{ lost: Promise<Error>; leave(): Promise<void> }> {
    // The client keeps it alive (a heartbeat every third of the ttl); etcd drops the key
    // ttlSeconds after the heartbeats stop (the agent killed, its host gone).
    const lease = this.ns.lease(ttlSeconds);
    const lost = new Promise<Error>((resolve) => lease.on('lost', (error) => resolve(error)));
    await this.timed('taking a lease in the cluster store', lease.grant());
    await this.timed('registering in the cluster store', lease.put(key).value(value).exec());
    return {
      lost,
      leave: async () => {
        await this.timed('withdrawing from the cluster store', lease.revoke());
      },
    };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.closing?.();
  }

  private apply(type: 'Put' | 'Delete', kv: KeyValue): void {
    let key = kv.key.toString();
    if (key.startsWith(this.prefix)) key = key.slice(this.prefix.length);
    if (key === COMMIT_KEY) {
      this.commitRevision = type === 'Delete' ? 0 : Number(kv.mod_revision);
      return;
    }
    if (type === 'Delete') this.base.delete(key);
    else this.base.put(key, kv.value.toString());
  }

  private until(done: () => boolean, what: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const entry = {
        done,
        wake: () => {
          clearTimeout(timer);
          this.waiting.delete(entry);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiting.delete(entry);
        reject(unavailable(this.where, `the watch did not bring ${what} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiting.add(entry);
    });
  }

  private timed<T>(what: string, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(unavailable(this.where, `${what} took more than ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    return Promise.race([
      work.catch((error: unknown) => {
        throw unavailable(this.where, `${what}: ${(error as Error).message}`, error);
      }),
      late,
    ]).finally(() => clearTimeout(timer));
  }
}

function unavailable(where: string, why: string, cause?: unknown): CnmError {
  return new CnmError('CNM_STORE_UNAVAILABLE', `the cluster store at ${where} is unavailable: ${why}`, {
    ...(cause ? { cause } : {}),
  });
}

/**
 * Opens the cluster store: reads every key under the prefix and watches
 * from there. Fails with CNM_STORE_UNAVAILABLE when etcd does not answer.
 *
 * @example
 * ```ts
 * const store = await openEtcdStore({ endpoints: ['http://10.0.0.1:2379'] })
 * ```
 */
export async function openEtcdStore(options: EtcdStoreOptions): Promise<KvStore> {
  const where = options.endpoints.join(',');
  const prefix = options.prefix ?? 'cnm/';
  const timeoutMs = options.timeoutMs ?? 5_000;
  // No retries inside the client (its default retries a failed call three times, so a
  // commit could be applied after it was reported failed): each call reaches etcd once,
  // and what failed is the caller's to look at again.
  const client = new Etcd3({
    hosts: [...options.endpoints],
    dialTimeout: timeoutMs,
    faultHandling: { global: noop, host: () => noop },
  });
  const backend = new EtcdBackend(client.namespace(prefix), prefix, where, timeoutMs);
  try {
    await backend.start(client);
  } catch (error) {
    client.close();
    throw error;
  }
  return new KvStore(backend, `the cluster store at ${where}`, CLUSTER_LINK_GROUP_BASE);
}
