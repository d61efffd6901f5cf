// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Network namespaces of the fake kernel and their handles. A namespace lives
 * while a file is bound to it (`netnsCreate` makes `dir/name`, in the fake's
 * memory only: no file is written), a handle is open, or it is the process's
 * own; then it is freed with every link in it (and the far ends of its
 * veths, wherever they are). A handle that is garbage-collected unclosed
 * lets go of its namespace, as the addon's does.
 */
import type { Netns } from '../binding';
import { refuse } from './errors';
import { destroyAllLinks, makeLoopback } from './links';
import type { FakeNamespace } from './model';
import { emptyRuleset } from './nft-state';
import { FAKE_SYSCTL_DEFAULTS } from './sysctls';

/** The device number of nsfs, as `stat` reports a namespace file's. */
const NSFS_DEV = 4;
/** Where namespace inode numbers start (the kernel's proc inodes are about there). */
const FIRST_INO = 4026532100;

/** Paths that name the process's own namespace. */
const OWN = /^\/proc\/(self|thread-self|\d+)(\/task\/\d+)?\/ns\/net$/;

interface HandleState {
  ns: FakeNamespace | undefined;
}

/**
 * A handle on a fake namespace: the {@link Netns} interface, as the addon's
 * handle implements it.
 */
export class FakeNetns implements Netns {
  readonly id: string;
  readonly dev = NSFS_DEV;
  readonly ino: number;

  /** @internal */
  constructor(
    readonly path: string,
    /** @internal */
    readonly state: HandleState,
    private readonly table: NamespaceTable,
  ) {
    const ns = state.ns as FakeNamespace;
    this.ino = ns.ino;
    this.id = `${NSFS_DEV}:${ns.ino}`;
  }

  get closed(): boolean {
    return this.state.ns === undefined;
  }

  close(): void {
    this.table.release(this);
  }
}

/** Every namespace of one fake kernel, by inode and by file. */
export class NamespaceTable {
  readonly byIno = new Map<number, FakeNamespace>();
  readonly byPath = new Map<string, FakeNamespace>();
  /** The process's own namespace (`/proc/self/ns/net`). */
  readonly own: FakeNamespace;
  private nextIno = FIRST_INO;
  private readonly collected = new FinalizationRegistry<HandleState>((state) => {
    const ns = state.ns;
    state.ns = undefined;
    if (ns) this.letGo(ns);
  });

  constructor() {
    this.own = this.make(true);
  }

  private make(pinned: boolean): FakeNamespace {
    const ns: FakeNamespace = {
      ino: this.nextIno++,
      links: new Map(),
      nextIndex: 1,
      addrs: [],
      routes: [],
      neighs: [],
      sysctls: new Map(Object.entries(FAKE_SYSCTL_DEFAULTS)),
      nft: emptyRuleset(),
      nsids: new Map(),
      handles: 0,
      paths: new Set(),
      pinned,
      alive: true,
      heldPorts: new Set(),
    };
    makeLoopback(ns);
    this.byIno.set(ns.ino, ns);
    return ns;
  }

  /**
   * `ip netns add`: a new namespace bound at `path`; `setup` (its sysctls)
   * runs before it is bound, and a failure there leaves nothing.
   */
  create(path: string, setup: (ns: FakeNamespace) => void): FakeNamespace {
    if (this.byPath.has(path)) refuse('EEXIST', path, 'open');
    const ns = this.make(false);
    try {
      setup(ns);
    } catch (error) {
      this.free(ns);
      throw error;
    }
    ns.paths.add(path);
    this.byPath.set(path, ns);
    return ns;
  }

  /** The namespace a file names, or ENOENT. */
  lookup(path: string): FakeNamespace {
    if (OWN.test(path)) return this.own;
    return this.byPath.get(path) ?? refuse('ENOENT', path, 'open');
  }

  /** A new handle on a namespace. */
  handle(ns: FakeNamespace, path: string): FakeNetns {
    const state: HandleState = { ns };
    ns.handles++;
    const h = new FakeNetns(path, state, this);
    this.collected.register(h, state, h);
    return h;
  }

  /** The namespace of an open handle of this table, or undefined. */
  resolve(value: unknown): FakeNamespace | undefined {
    if (!(value instanceof FakeNetns) || value.closed) return undefined;
    const ns = value.state.ns;
    return ns && this.byIno.get(ns.ino) === ns ? ns : undefined;
  }

  /** Closes a handle. */
  release(h: FakeNetns): void {
    const ns = h.state.ns;
    if (!ns) return;
    h.state.ns = undefined;
    this.collected.unregister(h);
    this.letGo(ns);
  }

  private letGo(ns: FakeNamespace): void {
    ns.handles--;
    this.maybeFree(ns);
  }

  /** `ip netns del` by path: the file goes; the namespace too, unless something holds it. */
  unbind(path: string): void {
    const ns = this.byPath.get(path);
    if (!ns) return;
    this.byPath.delete(path);
    ns.paths.delete(path);
    this.maybeFree(ns);
  }

  private maybeFree(ns: FakeNamespace): void {
    if (ns.pinned || ns.handles > 0 || ns.paths.size > 0 || !ns.alive) return;
    this.free(ns);
  }

  private free(ns: FakeNamespace): void {
    ns.alive = false;
    destroyAllLinks(ns, this.byIno.values());
    this.byIno.delete(ns.ino);
    for (const p of ns.paths) this.byPath.delete(p);
  }
}
