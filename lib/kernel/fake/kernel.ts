// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The fake kernel: a pure-TypeScript, in-memory implementation of the
 * addon's functions ({@link BindingFunctions}), for tests that run without
 * privileges and without the addon. Install it with `useKernelBinding()`
 * (lib/kernel/binding.ts) and everything above lib/kernel runs on it
 * unchanged; look at what it holds with {@link FakeKernel.dump}, the
 * analogue of `ip -j` and `nft -j` for the real one. docs/testing.md says
 * what it models and what it does not.
 */
import { type BindingFunctions, FUNCTION_NAMES, type Netns, type TcpOptions } from '../binding';
import type { Addr, Link, Neigh, Route } from '../ops';
import { allAddrs } from './addresses';
import { KernelRefusal, notModelled, toNetlinkError } from './errors';
import type { FakeNamespace } from './model';
import { FakeNetns, NamespaceTable } from './namespaces';
import { runNftBatch } from './nft-batch';
import { type FakeNftDump, nftDump } from './nft-dump';
import { listNft, type NftListKind } from './nft-list';
import { readNftOp } from './nft-read';
import { parseIp } from './op-reader';
import { renderAddr, renderLink, renderNeigh, renderRoute } from './render';
import { allRoutes } from './routes';
import { type NsRef, type ReadRtnlOp, type RtnlContext, readRtnlOps, runRtnlOps } from './rtnl';
import { normaliseKey, readSysctl, writeSysctl } from './sysctls';

/** What {@link FakeKernel.dump} shows of one namespace: what `ip -j link/addr/route/neigh` and `nft -j` would. */
export interface FakeKernelDump {
  readonly ino: number;
  readonly paths: readonly string[];
  readonly links: readonly Link[];
  readonly addrs: readonly Addr[];
  readonly routes: readonly Route[];
  readonly neighs: readonly Neigh[];
  readonly nft: FakeNftDump;
}

// The addon's functions, by the list binding.ts keeps (a new one fails to compile until it is served here).
const FUNCTIONS = FUNCTION_NAMES;

function sysctlList(value: unknown, fn: string): [string, string][] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object') throw new TypeError(`${fn}: sysctls must be an object`);
  return Object.entries(value as Record<string, unknown>).map(([key, v]) => {
    if (typeof v !== 'string') throw new TypeError(`${fn}: sysctls.${key} must be a string`);
    const k = normaliseKey(key);
    if (!k) throw new TypeError(`${fn}: sysctls.${key} must name a file under /proc/sys/net`);
    return [k, v];
  });
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name === '' || name.includes('/') || name === '.' || name === '..')
    throw new TypeError("name must be a file name without '/'");
  return name;
}

/**
 * An in-memory kernel with the addon's interface.
 *
 * @example
 * ```ts
 * const fake = new FakeKernel()
 * useKernelBinding(fake)
 * const ns = await netnsCreate('sb1', { dir: '/fake/netns' })
 * await rtnl(ns).linkAdd({ kind: 'bridge', name: 'br0' })
 * fake.dump(ns).links.map((l) => l.name) // ['lo', 'br0']
 * restoreKernelBinding()
 * ```
 *
 * @internal
 */
export class FakeKernel implements BindingFunctions {
  private readonly table = new NamespaceTable();
  private cacheLimit = 1024;

  /** The functions as `useKernelBinding` takes them, bound to this kernel. */
  functions(): BindingFunctions {
    const out: Record<string, unknown> = {};
    for (const name of FUNCTIONS) out[name] = (this[name] as (...a: unknown[]) => unknown).bind(this);
    return out as unknown as BindingFunctions;
  }

  private ns(value: unknown, fn: string): FakeNamespace {
    const ns = this.table.resolve(value);
    if (!ns) throw new TypeError(`${fn}: the first argument must be an open Netns handle`);
    return ns;
  }

  async netnsOpen(path: string): Promise<Netns> {
    if (typeof path !== 'string') throw new TypeError('path must be a string');
    try {
      return this.table.handle(this.table.lookup(path), path);
    } catch (error) {
      throw toNetlinkError(error, { op: 'netns.open', object: path });
    }
  }

  async netnsCreate(
    dir: string,
    name: string,
    options?: { sysctls?: Readonly<Record<string, string>> },
  ): Promise<Netns> {
    if (typeof dir !== 'string') throw new TypeError('dir must be a string');
    checkName(name);
    const sysctls = sysctlList(options?.sysctls, 'netnsCreate');
    try {
      return this.create(dir, name, sysctls);
    } catch (error) {
      throw toNetlinkError(error, { op: 'netns.create', object: `${dir}/${name}` });
    }
  }

  // Throws a KernelRefusal (EEXIST, or a sysctl the namespace refused).
  private create(dir: string, name: string, sysctls: readonly [string, string][]): FakeNetns {
    const path = `${dir}/${name}`;
    const ns = this.table.create(path, (created) => {
      for (const [key, value] of sysctls) writeSysctl(created, key, value);
    });
    return this.table.handle(ns, path);
  }

  async netnsDelete(ns: Netns): Promise<void> {
    if (!this.isHandle(ns)) throw new TypeError('netnsDelete takes a Netns handle');
    if (ns.closed) throw new Error('the Netns handle is closed');
    const path = ns.path;
    ns.close();
    this.table.unbind(path);
  }

  async netnsRemovePath(path: string): Promise<void> {
    if (typeof path !== 'string') throw new TypeError('path must be a string');
    this.table.unbind(path);
  }

  private isHandle(v: unknown): v is FakeNetns {
    return v instanceof FakeNetns;
  }

  socketCacheSize(): number {
    return Math.min(this.cacheLimit, [...this.table.byIno.values()].filter((n) => n.handles > 0).length);
  }

  setSocketCacheLimit(limit: number): void {
    if (typeof limit !== 'number' || limit < 1) throw new TypeError('limit must be a positive number');
    this.cacheLimit = limit;
  }

  async rtnlBatch(ns: Netns, ops: readonly object[], _options?: { timeoutMs?: number }): Promise<unknown[]> {
    const here = this.table.resolve(ns);
    if (!here) throw new TypeError('rtnlBatch: netns must be an open Netns handle or one created earlier');
    const read = readRtnlOps(ops, (v) => {
      const found = this.table.resolve(v);
      return found ? { ns: found } : undefined;
    });
    return runRtnlOps(
      read,
      this.context(here, [], () => new KernelRefusal('ENOENT')),
    );
  }

  private context(
    here: FakeNamespace,
    created: readonly (FakeNamespace | undefined)[],
    notCreated: (slot: number) => KernelRefusal,
  ): RtnlContext {
    return {
      here,
      all: () => this.table.byIno.values(),
      resolve: (ref: NsRef) => {
        const ns = 'ns' in ref ? ref.ns : created[ref.slot];
        if (!ns) throw notCreated((ref as { slot: number }).slot);
        return ns;
      },
    };
  }

  async rtnlSequence(
    steps: readonly ({ netns: object; ops: readonly object[] } | { create: object })[],
    _options?: { timeoutMs?: number },
  ): Promise<unknown[][]> {
    if (!Array.isArray(steps)) throw new TypeError('rtnlSequence: expected an array of steps');
    type Step =
      | { kind: 'create'; slot: number; dir: string; name: string; sysctls: [string, string][] }
      | { kind: 'ops'; where: NsRef; ops: ReadRtnlOp[] };
    const pending: object[] = [];
    const plan: Step[] = [];
    const resolve = (v: unknown): NsRef | undefined => {
      const ns = this.table.resolve(v);
      if (ns) return { ns };
      const slot = pending.indexOf(v as object);
      return slot >= 0 ? { slot } : undefined;
    };
    for (const step of steps) {
      if (typeof step !== 'object' || step === null)
        throw new TypeError('rtnlSequence: each step is { netns, ops } or { create }');
      if ('create' in step && typeof step.create === 'object' && step.create !== null) {
        const c = step.create as { dir?: unknown; name?: unknown; sysctls?: unknown };
        if (typeof c.dir !== 'string' || typeof c.name !== 'string')
          throw new TypeError('rtnlSequence: create needs { dir, name }');
        if (c.name === '' || c.name.includes('/') || c.name === '.' || c.name === '..')
          throw new TypeError("rtnlSequence: create.name must be a file name without '/'");
        plan.push({
          kind: 'create',
          slot: pending.length,
          dir: c.dir,
          name: c.name,
          sysctls: sysctlList(c.sysctls, 'rtnlSequence'),
        });
        pending.push(step.create);
        continue;
      }
      const s = step as { netns?: unknown; ops?: unknown };
      const where = resolve(s.netns);
      if (!where) throw new TypeError('rtnlSequence: netns must be an open Netns handle or one created earlier');
      if (!Array.isArray(s.ops)) throw new TypeError('rtnlSequence: ops must be an array');
      plan.push({ kind: 'ops', where, ops: readRtnlOps(s.ops, resolve) });
    }
    const created: (FakeNamespace | undefined)[] = [];
    const failures: KernelRefusal[] = [];
    const notCreated = (slot: number) =>
      failures[slot] ?? new KernelRefusal('ENOENT', 'the namespace was not created', 'netns');
    const out: unknown[][] = [];
    for (const step of plan) {
      if (step.kind === 'create') {
        const path = `${step.dir}/${step.name}`;
        try {
          const h = this.create(step.dir, step.name, step.sysctls);
          created[step.slot] = this.table.resolve(h);
          out.push([h]);
        } catch (error) {
          if (!(error instanceof KernelRefusal)) throw error;
          failures[step.slot] = error;
          out.push([toNetlinkError(error, { op: 'netns.create', index: 0, object: path })]);
        }
        continue;
      }
      const here = 'ns' in step.where ? step.where.ns : created[step.where.slot];
      if (!here) {
        const why = notCreated((step.where as { slot: number }).slot);
        out.push(step.ops.map((op, index) => toNetlinkError(why, { op: op.op, index, object: op.object })));
        continue;
      }
      out.push(runRtnlOps(step.ops, this.context(here, created, notCreated)));
    }
    return out;
  }

  rtnlEncode(_ops: readonly object[]): Buffer[] {
    return notModelled(0, '', 'rtnlEncode (netlink message bytes)');
  }

  rtnlParse(_messages: readonly Buffer[]): unknown[] {
    return notModelled(0, '', 'rtnlParse (netlink message bytes)');
  }

  nftEncode(_ops: readonly object[]): Buffer[][] {
    return notModelled(0, '', 'nftEncode (nftables message bytes)');
  }

  async nftBatch(ns: Netns, ops: readonly object[], _options?: { timeoutMs?: number }): Promise<null> {
    const here = this.ns(ns, 'nftBatch');
    if (!Array.isArray(ops)) throw new TypeError('nftBatch: ops must be an array');
    const read = ops.map((op, i) => readNftOp(op, i));
    if (read.length > 0) here.nft = runNftBatch(here.nft, read);
    return null;
  }

  async nftList(
    ns: Netns,
    what: 'tables' | 'chains' | 'rules' | 'sets' | 'elements',
    filter?: { family?: string; table?: string; set?: string },
  ): Promise<unknown[]> {
    const here = this.ns(ns, 'nftList');
    if (!['tables', 'chains', 'rules', 'sets', 'elements'].includes(what))
      throw new TypeError('nftList: what must be tables, chains, rules, sets or elements');
    const family = filter?.family;
    if (family && !['ip', 'ip6', 'inet', 'bridge', 'arp', 'netdev'].includes(family))
      throw new TypeError('nftList: unknown family');
    if (what === 'elements' && (!filter?.table || !filter.set || !family))
      throw new TypeError('nftList: elements need family, table and set');
    try {
      return listNft(here.nft, what as NftListKind, filter);
    } catch (error) {
      throw toNetlinkError(error, { op: 'nft.list', object: what });
    }
  }

  private key(key: unknown, fn: string): string {
    const k = typeof key === 'string' ? normaliseKey(key) : undefined;
    if (!k) throw new TypeError(`${fn}: key must name a file under /proc/sys/net`);
    return k;
  }

  async sysctlRead(ns: Netns, key: string): Promise<string> {
    const here = this.ns(ns, 'sysctlRead');
    const k = this.key(key, 'sysctlRead');
    try {
      return readSysctl(here, k);
    } catch (error) {
      throw toNetlinkError(error, { op: 'sysctl.read', object: k.replaceAll('.', '/') });
    }
  }

  async sysctlWrite(ns: Netns, key: string, value: string): Promise<void> {
    const here = this.ns(ns, 'sysctlWrite');
    const k = this.key(key, 'sysctlWrite');
    if (typeof value !== 'string') throw new TypeError('sysctlWrite: value must be a string');
    try {
      writeSysctl(here, k, value);
    } catch (error) {
      throw toNetlinkError(error, { op: 'sysctl.write', object: k.replaceAll('.', '/') });
    }
  }

  async tcpListen(ns: Netns, _host: string, _port: number, _options?: TcpOptions): Promise<number> {
    this.ns(ns, 'tcpListen');
    return notModelled(0, '', 'tcpListen (sockets, traffic)');
  }

  async tcpConnect(ns: Netns, _host: string, _port: number, _options?: TcpOptions): Promise<number> {
    this.ns(ns, 'tcpConnect');
    return notModelled(0, '', 'tcpConnect (sockets, traffic)');
  }

  async portBound(ns: Netns, proto: 'tcp' | 'udp', host: string, from: number, to: number): Promise<number> {
    const here = this.ns(ns, 'portBound');
    if (proto !== 'tcp' && proto !== 'udp') throw new TypeError('portBound: proto must be tcp or udp');
    const ip = typeof host === 'string' ? parseIp(host) : undefined;
    if (!ip) throw new TypeError('portBound: host must be an IP address');
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to > 65535 || to < from)
      throw new TypeError('portBound: ports out of range');
    const wildcard = ip.text === '0.0.0.0' || ip.text === '::';
    if (!wildcard && !allAddrs(here).some((a) => a.address === ip.text))
      throw toNetlinkError(new KernelRefusal('EADDRNOTAVAIL', undefined, 'bind'), {
        op: 'port.probe',
        object: ip.text,
      });
    for (let port = from; port <= to; port++) {
      for (const held of here.heldPorts) {
        const [p, h, n] = held.split('/');
        if (p !== proto || Number(n) !== port) continue;
        const heldAny = h === '0.0.0.0' || h === '::';
        if (wildcard || heldAny || h === ip.text) return port;
      }
    }
    return 0;
  }

  // ---- for tests: what the fake holds, and what a test may set up in it ----

  private find(where: Netns | string): FakeNamespace {
    const ns = typeof where === 'string' ? this.table.lookup(where) : this.table.resolve(where);
    if (!ns) throw new Error(`fake kernel: no namespace ${typeof where === 'string' ? where : where.path}`);
    return ns;
  }

  /**
   * Everything one namespace holds, by its path or a handle: links,
   * addresses, routes, neighbours and the nftables ruleset (elements
   * decoded). Independent of the code under test: it reads the fake's state.
   *
   * @example
   * ```ts
   * const eth0 = fake.dump(sb.info().netnsPath).links.find((l) => l.name === 'eth0')
   * ```
   */
  dump(where: Netns | string): FakeKernelDump {
    const ns = this.find(where);
    return {
      ino: ns.ino,
      paths: [...ns.paths],
      links: [...ns.links.values()].sort((a, b) => a.index - b.index).map(renderLink),
      addrs: allAddrs(ns).map(renderAddr),
      routes: allRoutes(ns).map(renderRoute),
      neighs: ns.neighs.map(renderNeigh),
      nft: nftDump(ns.nft),
    };
  }

  /** Whether a namespace is bound at `path` (what `existsSync(path)` says of a real one). */
  exists(path: string): boolean {
    return this.table.byPath.has(path);
  }

  /** Every namespace file the fake holds. */
  paths(): string[] {
    return [...this.table.byPath.keys()].sort();
  }

  /** How many namespaces are alive (bound, held by a handle, or the process's own). */
  namespaceCount(): number {
    return this.table.byIno.size;
  }

  /**
   * Marks a port as held by a process in the namespace (a listener on TCP,
   * a bound socket on UDP), so `portBound` reports it.
   *
   * @example
   * ```ts
   * fake.holdPort(host, 'tcp', 8080)   // as `nc -l 8080` on the host would
   * ```
   */
  holdPort(where: Netns | string, proto: 'tcp' | 'udp', port: number, host = '0.0.0.0'): void {
    this.find(where).heldPorts.add(`${proto}/${host}/${port}`);
  }

  /** Lets a port held by {@link holdPort} go. */
  releasePort(where: Netns | string, proto: 'tcp' | 'udp', port: number, host = '0.0.0.0'): void {
    this.find(where).heldPorts.delete(`${proto}/${host}/${port}`);
  }
}
