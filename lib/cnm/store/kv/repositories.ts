// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The store's repositories over keys: every record a JSON value under a key
 * of its kind, so any ordered key-value store (etcd, memory) holds the
 * model's records with the same rules as SQLite — unique names, revisions
 * and compare-and-set, one owner per address and host port. Queries scan
 * the keys of one kind: a cluster store holds global-scope networks and
 * their endpoints, not thousands of sandboxes.
 */
import { CnmError } from '../../../errors';
import type { IntentOp, Owner, SubjectValue } from '../../intents';
import { byCreated, sortEndpoints } from '../order';
import type {
  AddressRepository,
  EndpointRepository,
  HostNetworkRepository,
  IntentRepository,
  NetworkRepository,
  PortRepository,
  SandboxRepository,
  StoreTx,
} from '../ports';
import type {
  EndpointChange,
  EndpointRecord,
  HostNetworkChange,
  HostNetworkState,
  IntentRecord,
  NetworkChange,
  NetworkRecord,
  NewEndpoint,
  NewNetwork,
  NewSandbox,
  ResolvedBinding,
  SandboxRecord,
  SubnetRecord,
} from '../records';
import { conflict, nextHostState } from '../revision';
import type { Kv } from './kv';

/** The key of each kind of record. */
export const KEYS = {
  network: (id: string) => `net/${id}`,
  hostNetwork: (id: string) => `hostnet/${id}`,
  subnet: (networkId: string, family: number, subnet: string) => `sub/${networkId}/${family}/${subnet}`,
  address: (networkId: string, address: string) => `addr/${networkId}/${address}`,
  endpoint: (id: string) => `ep/${id}`,
  sandbox: (id: string) => `sb/${id}`,
  // Ports zero-padded, so key order is port order.
  hostPort: (proto: string, port: number, hostIp: string) => `port/${proto}/${String(port).padStart(5, '0')}/${hostIp}`,
  binding: (endpointId: string, seq: number) => `bind/${endpointId}/${String(seq).padStart(12, '0')}`,
  intent: (id: number) => `intent/${String(id).padStart(12, '0')}`,
  sequence: (name: string) => `seq/${name}`,
};

/**
 * Parsed records by their stored text. An agent reads the same records on
 * every change the watch brings (every endpoint of every network it has):
 * each text is parsed once. The records handed out are frozen, as they are
 * shared.
 */
const parsed = new Map<string, unknown>();
const PARSED_LIMIT = 100_000;

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const inner of Object.values(v)) deepFreeze(inner);
  }
  return v;
}

function parse<T>(text: string): T {
  let v = parsed.get(text);
  if (v === undefined) {
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    v = deepFreeze(JSON.parse(text));
    parsed.set(text, v);
  }
  return v as T;
}

function values<T>(kv: Kv, prefix: string): T[] {
  return kv.range(prefix).map(([, v]) => parse<T>(v));
}

function read<T>(kv: Kv, key: string): T | undefined {
  const v = kv.get(key);
  return v === undefined ? undefined : parse<T>(v);
}

function write(kv: Kv, key: string, value: unknown): void {
  kv.put(key, JSON.stringify(value));
}

/** The next number of a sequence (intent ids, binding order). */
function next(kv: Kv, name: string): number {
  const n = (read<number>(kv, KEYS.sequence(name)) ?? 0) + 1;
  write(kv, KEYS.sequence(name), n);
  return n;
}

/** Records found as Docker finds networks and containers: by id, name, or id prefix. */
abstract class KvNamed<T extends { readonly id: string; readonly name: string }> {
  constructor(
    protected readonly kv: Kv,
    private readonly keyOf: (id: string) => string,
  ) {}

  get(id: string): T | undefined {
    return read(this.kv, this.keyOf(id));
  }

  byName(name: string): T | undefined {
    return this.all().find((r) => r.name === name);
  }

  find(nameOrId: string): T | undefined {
    return this.byName(nameOrId) ?? this.get(nameOrId);
  }

  withIdPrefix(prefix: string, limit: number): T[] {
    return values<T>(this.kv, this.keyOf(prefix)).slice(0, limit);
  }

  protected all(): T[] {
    return values<T>(this.kv, this.keyOf(''));
  }
}

/**
 * Where a cluster store counts link groups from: far above a host's own
 * (1,001 up), so a global network's links never share a group with a local
 * network's on any host.
 */
export const CLUSTER_LINK_GROUP_BASE = 1_000_000;

class KvNetworks extends KvNamed<NetworkRecord> implements NetworkRepository {
  constructor(
    kv: Kv,
    private readonly linkGroupBase: number,
  ) {
    super(kv, KEYS.network);
  }

  list(filter: { driver?: string; made?: boolean; predefined?: boolean } = {}): NetworkRecord[] {
    return this.all()
      .filter(
        (n) =>
          (filter.driver === undefined || n.driver === filter.driver) &&
          (filter.made === undefined || n.made === filter.made) &&
          (filter.predefined === undefined || n.predefined === filter.predefined),
      )
      .sort(byCreated);
  }

  linkGroups(): Map<number, string> {
    return new Map(this.all().map((n) => [n.linkGroup, n.id]));
  }

  insert(n: NewNetwork): NetworkRecord {
    const all = this.all();
    if (all.some((o) => o.name === n.name))
      throw new CnmError('CNM_NETWORK_EXISTS', `network with name ${n.name} already exists`);
    const linkGroup = Math.max(this.linkGroupBase, ...all.map((o) => o.linkGroup)) + 1;
    const record: NetworkRecord = { ...n, linkGroup, revision: 1 };
    write(this.kv, KEYS.network(n.id), record);
    return record;
  }

  update(id: string, change: NetworkChange, revision?: number): NetworkRecord {
    const now = this.get(id);
    if (!now) throw new CnmError('CNM_NETWORK_NOT_FOUND', `network ${id.slice(0, 12)} is gone`);
    if (revision !== undefined && now.revision !== revision) throw conflict('network', id, now.revision, revision);
    const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
    const record: NetworkRecord = { ...now, ...defined, revision: now.revision + 1 };
    write(this.kv, KEYS.network(id), record);
    return record;
  }

  remove(id: string): void {
    this.kv.delete(KEYS.network(id));
    // Its subnets and addresses go with it (as SQLite's ON DELETE CASCADE takes them).
    for (const [key] of this.kv.range(`sub/${id}/`)) this.kv.delete(key);
    for (const [key] of this.kv.range(`addr/${id}/`)) this.kv.delete(key);
  }
}

class KvHostNetworks implements HostNetworkRepository {
  constructor(private readonly kv: Kv) {}

  get(networkId: string): HostNetworkState | undefined {
    return read(this.kv, KEYS.hostNetwork(networkId));
  }

  list(): HostNetworkState[] {
    return values<HostNetworkState>(this.kv, 'hostnet/');
  }

  put(networkId: string, change: HostNetworkChange, revision?: number): HostNetworkState {
    const next = nextHostState(networkId, this.get(networkId), change, revision);
    write(this.kv, KEYS.hostNetwork(networkId), next);
    return next;
  }

  remove(networkId: string): void {
    this.kv.delete(KEYS.hostNetwork(networkId));
  }
}

class KvEndpoints implements EndpointRepository {
  constructor(
    private readonly kv: Kv,
    private readonly ports: KvPorts,
  ) {}

  get(id: string): EndpointRecord | undefined {
    return read(this.kv, KEYS.endpoint(id));
  }

  byName(networkId: string, name: string): EndpointRecord | undefined {
    return this.all().find((e) => e.networkId === networkId && e.name === name);
  }

  list(filter: { networkId?: string; sandboxId?: string; joined?: boolean }): EndpointRecord[] {
    const found = this.all().filter(
      (e) =>
        (filter.networkId === undefined || e.networkId === filter.networkId) &&
        (filter.sandboxId === undefined || e.sandboxId === filter.sandboxId) &&
        (!filter.joined || e.sandboxId !== undefined),
    );
    // A sandbox's endpoints in interface order, others in creation order (as SQLite lists them).
    return sortEndpoints(found, filter.sandboxId !== undefined);
  }

  count(networkId: string, filter: { joined?: boolean } = {}): number {
    return this.list({ networkId, ...(filter.joined ? { joined: true } : {}) }).length;
  }

  insert(e: NewEndpoint): EndpointRecord {
    if (this.byName(e.networkId, e.name))
      throw new CnmError('CNM_ENDPOINT_EXISTS', `endpoint with name ${e.name} already exists in the network`);
    const record: EndpointRecord = { ...e, revision: 1 };
    write(this.kv, KEYS.endpoint(e.id), record);
    return record;
  }

  update(id: string, change: EndpointChange, revision?: number): EndpointRecord {
    const now = this.get(id);
    if (!now) throw new CnmError('CNM_ENDPOINT_NOT_FOUND', `endpoint ${id.slice(0, 12)} is gone`);
    if (revision !== undefined && now.revision !== revision) throw conflict('endpoint', id, now.revision, revision);
    const { sandboxId, hostIfname, sandboxIfname, joinInfo, mac, vtep } = change;
    const next: Record<string, unknown> = { ...now, revision: now.revision + 1 };
    // A join's fields are set (or cleared) together when given; what it recorded is kept.
    if ('sandboxId' in change) {
      for (const [k, v] of Object.entries({ sandboxId, hostIfname, sandboxIfname, vtep })) {
        if (v === undefined) delete next[k];
        else next[k] = v;
      }
    }
    if (joinInfo !== undefined) next.joinInfo = joinInfo;
    if (mac !== undefined) next.mac = mac;
    write(this.kv, KEYS.endpoint(id), next);
    return next as unknown as EndpointRecord;
  }

  remove(id: string): void {
    this.ports.remove(id);
    this.kv.delete(KEYS.endpoint(id));
  }

  private all(): EndpointRecord[] {
    return values<EndpointRecord>(this.kv, 'ep/');
  }
}

class KvSandboxes extends KvNamed<SandboxRecord> implements SandboxRepository {
  constructor(kv: Kv) {
    super(kv, KEYS.sandbox);
  }

  list(): SandboxRecord[] {
    return this.all().sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
  }

  insert(s: NewSandbox): SandboxRecord {
    if (this.byName(s.name)) throw new CnmError('CNM_SANDBOX_EXISTS', `sandbox ${s.name} already exists`);
    const record: SandboxRecord = { ...s, revision: 1 };
    write(this.kv, KEYS.sandbox(s.id), record);
    return record;
  }

  countLink(id: string): SandboxRecord {
    const before = this.get(id);
    if (!before) throw new CnmError('CNM_SANDBOX_NOT_FOUND', `sandbox ${id.slice(0, 12)} is gone`);
    write(this.kv, KEYS.sandbox(id), { ...before, linksMade: before.linksMade + 1, revision: before.revision + 1 });
    return before;
  }

  remove(id: string): void {
    this.kv.delete(KEYS.sandbox(id));
  }
}

class KvAddresses implements AddressRepository {
  constructor(private readonly kv: Kv) {}

  allSubnets(): string[] {
    return values<SubnetRecord>(this.kv, 'sub/').map((s) => s.subnet);
  }

  subnets(networkId: string): SubnetRecord[] {
    // Keyed by family first: IPv4 before IPv6, as SQLite orders them.
    return values<SubnetRecord>(this.kv, `sub/${networkId}/`);
  }

  holder(networkId: string, address: string): string | undefined {
    return read<string>(this.kv, KEYS.address(networkId, address));
  }

  addSubnet(networkId: string, s: SubnetRecord): void {
    write(this.kv, KEYS.subnet(networkId, s.family, s.subnet), s);
  }

  setNextFree(networkId: string, subnet: string, address: string): void {
    const s = this.subnets(networkId).find((o) => o.subnet === subnet);
    if (s) write(this.kv, KEYS.subnet(networkId, s.family, subnet), { ...s, nextFree: address });
  }

  reserve(networkId: string, address: string, owner: string): boolean {
    const key = KEYS.address(networkId, address);
    if (this.kv.get(key) !== undefined) return false;
    write(this.kv, key, owner);
    return true;
  }

  release(networkId: string, owner: string): string[] {
    const freed: string[] = [];
    for (const [key, value] of this.kv.range(`addr/${networkId}/`)) {
      if (JSON.parse(value) !== owner) continue;
      this.kv.delete(key);
      freed.push(key.slice(`addr/${networkId}/`.length));
    }
    return freed;
  }
}

interface HostPort {
  readonly endpointId: string;
  readonly containerPort: number;
}

class KvPorts implements PortRepository {
  constructor(private readonly kv: Kv) {}

  firstTaken(proto: string, hostIp: string, from: number, to: number): number | undefined {
    for (const [key] of this.kv.range(`port/${proto}/`)) {
      const [, , port, ip] = key.split('/') as [string, string, string, string];
      const p = Number(port);
      if (p < from || p > to) continue;
      if (ip === hostIp || ip === '' || hostIp === '') return p;
    }
    return undefined;
  }

  highest(proto: string, from: number, to: number): number | undefined {
    let top: number | undefined;
    for (const [key] of this.kv.range(`port/${proto}/`)) {
      const p = Number(key.split('/')[2]);
      if (p >= from && p <= to) top = p;
    }
    return top;
  }

  bindings(endpointId: string): ResolvedBinding[] {
    return values<ResolvedBinding>(this.kv, `bind/${endpointId}/`);
  }

  add(endpointId: string, bindings: readonly ResolvedBinding[]): void {
    for (const b of bindings) {
      const last = b.hostPortEnd ?? b.hostPort;
      for (let k = 0; k <= last - b.hostPort; k++) {
        const port: HostPort = { endpointId, containerPort: b.containerPort + k };
        write(this.kv, KEYS.hostPort(b.proto, b.hostPort + k, b.hostIp ?? ''), port);
      }
      write(this.kv, KEYS.binding(endpointId, next(this.kv, 'binding')), b);
    }
  }

  remove(endpointId: string, bindings?: readonly ResolvedBinding[]): void {
    const gone = new Set((bindings ?? this.bindings(endpointId)).map((b) => JSON.stringify(b)));
    for (const [key, value] of this.kv.range(`bind/${endpointId}/`)) {
      if (!gone.has(value)) continue;
      this.kv.delete(key);
      const b = JSON.parse(value) as ResolvedBinding;
      for (let p = b.hostPort; p <= (b.hostPortEnd ?? b.hostPort); p++) {
        const portKey = KEYS.hostPort(b.proto, p, b.hostIp ?? '');
        if (read<HostPort>(this.kv, portKey)?.endpointId === endpointId) this.kv.delete(portKey);
      }
    }
  }
}

class KvIntents implements IntentRepository {
  constructor(private readonly kv: Kv) {}

  list(): IntentRecord[] {
    return values<IntentRecord>(this.kv, 'intent/');
  }

  about(op: IntentOp, subjectId: string): IntentRecord | undefined {
    return this.list().find((i) => i.op === op && i.subject.id === subjectId);
  }

  insert(op: IntentOp, subject: Readonly<Record<string, SubjectValue>>, owner: Owner): number {
    const id = next(this.kv, 'intent');
    write(this.kv, KEYS.intent(id), { id, op, subject, owner } satisfies IntentRecord);
    return id;
  }

  amend(id: number, more: Readonly<Record<string, SubjectValue>>): void {
    const now = read<IntentRecord>(this.kv, KEYS.intent(id));
    if (now) write(this.kv, KEYS.intent(id), { ...now, subject: { ...now.subject, ...more } });
  }

  remove(id: number): void {
    this.kv.delete(KEYS.intent(id));
  }

  claim(id: number, from: Owner, to: Owner): boolean {
    const now = read<IntentRecord>(this.kv, KEYS.intent(id));
    const o = now?.owner;
    if (!now || !o || o.pid !== from.pid || o.startTime !== from.startTime || o.bootId !== from.bootId) return false;
    write(this.kv, KEYS.intent(id), { ...now, owner: to });
    return true;
  }
}

/**
 * Every repository over `kv`; `attempt` needs the transaction's savepoints.
 *
 * @example
 * ```ts
 * const tx = kvRepositories(overlay, (fn) => { const saved = overlay.savepoint(); try { return fn() } catch (e) { overlay.rollbackTo(saved); throw e } })
 * ```
 */
export function kvRepositories(kv: Kv, attempt: StoreTx['attempt'], linkGroupBase = 1000): StoreTx {
  const ports = new KvPorts(kv);
  return {
    networks: new KvNetworks(kv, linkGroupBase),
    hostNetworks: new KvHostNetworks(kv),
    endpoints: new KvEndpoints(kv, ports),
    sandboxes: new KvSandboxes(kv),
    addresses: new KvAddresses(kv),
    ports,
    intents: new KvIntents(kv),
    attempt,
  };
}
