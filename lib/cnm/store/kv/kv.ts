// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * A key-value view of the store, for stores that keep records as keys (a
 * cluster store on etcd; an in-memory one for tests): JSON values under
 * ordered keys, and a transaction's changes kept aside until it commits.
 */

/** Reading keys: one, or every key under a prefix in key order. */
export interface KvReads {
  get(key: string): string | undefined;
  range(prefix: string): [key: string, value: string][];
}

/** Reading and writing keys. */
export interface Kv extends KvReads {
  put(key: string, value: string): void;
  delete(key: string): void;
}

/** An ordered in-memory map of keys (what a mirror of the cluster's keys, or a test store, holds). */
export class MemoryKv implements Kv {
  private readonly map = new Map<string, string>();
  private sorted: string[] | undefined;

  get(key: string): string | undefined {
    return this.map.get(key);
  }

  range(prefix: string): [string, string][] {
    this.sorted ??= [...this.map.keys()].sort();
    const keys = this.sorted;
    // The first key at or after the prefix, by binary search; then every key that starts with it.
    const lo = this.position(prefix);
    const out: [string, string][] = [];
    for (let i = lo; i < keys.length && (keys[i] as string).startsWith(prefix); i++) {
      const key = keys[i] as string;
      out.push([key, this.map.get(key) as string]);
    }
    return out;
  }

  put(key: string, value: string): void {
    // A new key goes in its place in the sorted keys (a mirror of many keys is not sorted again).
    if (!this.map.has(key) && this.sorted) this.sorted.splice(this.position(key), 0, key);
    this.map.set(key, value);
  }

  delete(key: string): void {
    if (this.map.delete(key) && this.sorted) this.sorted.splice(this.position(key), 1);
  }

  // Where `key` is, or would go, in the sorted keys.
  private position(key: string): number {
    const keys = this.sorted as string[];
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((keys[mid] as string) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * A transaction's view: reads see the base with this transaction's own
 * changes on top; the changes stay here (`changes`) until the store
 * commits them. `savepoint`/`rollbackTo` undo a part alone.
 */
export class OverlayKv implements Kv {
  /** Key → new value, or `null` for a deleted key. */
  readonly changes = new Map<string, string | null>();

  constructor(private readonly base: KvReads) {}

  get(key: string): string | undefined {
    const changed = this.changes.get(key);
    if (changed !== undefined) return changed ?? undefined;
    return this.base.get(key);
  }

  range(prefix: string): [string, string][] {
    const merged = new Map(this.base.range(prefix));
    for (const [key, value] of this.changes) {
      if (!key.startsWith(prefix)) continue;
      if (value === null) merged.delete(key);
      else merged.set(key, value);
    }
    return [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  put(key: string, value: string): void {
    this.changes.set(key, value);
  }

  delete(key: string): void {
    this.changes.set(key, null);
  }

  /** The changes so far, to go back to. */
  savepoint(): Map<string, string | null> {
    return new Map(this.changes);
  }

  rollbackTo(saved: Map<string, string | null>): void {
    this.changes.clear();
    for (const [key, value] of saved) this.changes.set(key, value);
  }
}
