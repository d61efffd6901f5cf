// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The per-host agent: the long-lived part of cnm on a host in a cluster. It
 * keeps the host's membership as a lease in the cluster store (the record
 * goes `ttlSeconds` after the agent stops answering: killed, host gone) and
 * says what it sees of the other hosts. A runtime embedding the library
 * runs the same with `ctl.runAgent()`; `cnm agent` runs it as a process.
 * The overlay driver's peer programming, the Docker plugin and DNS are to
 * run here too.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { CnmError } from '../errors';
import { checkTtl } from './cluster';
import type { NetworkController } from './controller';
import { releaseWithdrawnHere, withdrawLostHosts } from './host-loss';
import { nowIso } from './ids';
import { syncPeers } from './peers';
import { releaseGoneNetworks } from './released';
import type { Membership } from './store/ports';
import type { HostRecord } from './store/records';

/** What the agent says, one event at a time (`cnm agent` prints each as a JSON line). */
export interface AgentEvent {
  readonly time: string;
  readonly level: 'info' | 'warn' | 'error';
  readonly msg:
    | 'joined'
    | 'host joined'
    | 'host left'
    | 'host lost'
    | 'withdrew'
    | 'membership lost'
    | 'peers'
    | 'released';
  readonly host: string;
  /** What went wrong, for errors. */
  readonly detail?: string;
  readonly address?: string;
  readonly hosts?: number;
}

/**
 * How the agent runs.
 *
 * @example
 * ```ts
 * const stop = new AbortController()
 * process.on('SIGTERM', () => stop.abort())
 * await ctl.runAgent({ ttlSeconds: 15, signal: stop.signal, log: (e) => console.error(JSON.stringify(e)) })
 * ```
 */
export interface AgentOptions {
  /** Seconds after the agent stops answering that the others drop this host (default `cluster.ttlSeconds`, else 15). */
  readonly ttlSeconds?: number;
  /** Aborted: the agent withdraws the host and returns. */
  readonly signal?: AbortSignal;
  readonly log?: (event: AgentEvent) => void;
}

/** A host's id in the cluster: the same for the same underlay address, across restarts. */
export function hostIdOf(address: string): string {
  return createHash('sha256').update(`cnm-host:${address}`).digest('hex').slice(0, 32);
}

/**
 * How long an agent waits, after a host's lease went, before it counts the
 * host lost and withdraws its endpoints: a host whose own agent lost its
 * lease for a moment (etcd or the host starved past the ttl) learns it at
 * its next keepalive (a third of its ttl) and joins again at once, within
 * this grace, and keeps its endpoints.
 *
 * @example
 * ```ts
 * lossGraceMs(15)   // 7000: 5 s to the next keepalive, 2 s to join again
 * ```
 */
export function lossGraceMs(ttlSeconds: number): number {
  return Math.ceil((ttlSeconds * 1000) / 3) + 2_000;
}

/**
 * Runs the agent until `signal` aborts (then withdraws the host). A lost
 * membership (the lease expired under it) is taken again as soon as the
 * store answers.
 */
export async function runAgent(ctl: NetworkController, o: AgentOptions = {}): Promise<void> {
  const cluster = ctl.cluster;
  if (!cluster) {
    throw new CnmError('CNM_INVALID_CONFIG', 'the agent needs a cluster store: --cluster-store etcd://HOST:PORT');
  }
  const address = ctl.advertiseAddress;
  if (!address) {
    throw new CnmError('CNM_INVALID_CONFIG', "the agent needs this host's underlay address: --advertise-addr IP");
  }
  const ttlSeconds = checkTtl(o.ttlSeconds ?? ctl.clusterTtlSeconds ?? 15, 'ttl');
  const say = (
    level: AgentEvent['level'],
    msg: AgentEvent['msg'],
    h: Pick<HostRecord, 'id' | 'address'>,
    detail?: string,
  ) =>
    o.log?.({
      time: nowIso(),
      level,
      msg,
      host: h.id,
      address: h.address,
      hosts: cluster.hosts().length,
      ...(detail ? { detail } : {}),
    });
  const me: HostRecord = { id: hostIdOf(address), address, name: hostname(), started: nowIso(), ttlSeconds };
  if (o.signal?.aborted) return;
  const stopped = new Promise<'stopped'>((resolve) => {
    if (o.signal?.aborted) resolve('stopped');
    o.signal?.addEventListener('abort', () => resolve('stopped'), { once: true });
  });
  let membership: Membership | undefined = await cluster.join(me, ttlSeconds);
  say('info', 'joined', me);
  let running = true;
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void, ms: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  const tell = (msg: AgentEvent['msg'], lines: readonly string[]) => {
    for (const line of lines) o.log?.({ time: nowIso(), level: 'info', msg, host: me.id, detail: line });
  };
  const failed = (error: unknown) =>
    o.log?.({ time: nowIso(), level: 'error', msg: 'peers', host: me.id, detail: (error as Error).message });
  // What a change calls for is tried again until it is done (etcd busy or away for a moment,
  // a kernel call that failed): once a second, while the agent runs. Without this, a failure
  // would wait for the next change, which may never come.
  const retrying = (work: () => Promise<void>) => {
    const attempt = () => {
      work().catch((error: unknown) => {
        failed(error);
        if (running) later(attempt, 1_000);
      });
    };
    return attempt;
  };
  const follow = retrying(async () => {
    await syncPeers(ctl);
    tell('released', await releaseGoneNetworks(ctl));
  });
  const withdrawLost = retrying(async () => tell('host lost', await withdrawLostHosts(ctl)));
  // What this host still holds of endpoints withdrawn while it was lost (an agent killed, or
  // cut off, for longer than its ttl and the others' grace), then the peers and hosts lost
  // while no agent ran here.
  const settle = async () => {
    await releaseWithdrawnHere(ctl)
      .then((released) => tell('released', released))
      .catch(failed);
    follow();
    withdrawLost();
  };
  // Who comes and goes, from the store's own watch. This host counts as known from the
  // start (the store's watch may bring its record a moment later).
  let known = new Map([...cluster.hosts().map((h) => [h.id, h] as const), [me.id, me] as const]);
  const stopWatching = cluster.onChange(() => {
    const now = new Map([...cluster.hosts().map((h) => [h.id, h] as const), [me.id, me] as const]);
    for (const [id, h] of now) if (!known.has(id)) say('info', 'host joined', h);
    const left = [...known].filter(([id]) => !now.has(id));
    for (const [id, h] of left) say(id === me.id ? 'warn' : 'info', 'host left', h);
    known = now;
    // Overlay peers as endpoints come and go on the other hosts; networks deleted elsewhere
    // released here.
    follow();
    // A host is lost only when one leaves (its lease gone), and only if it is still gone after
    // the grace: not looked for on other changes.
    if (left.length > 0) later(withdrawLost, Math.max(...left.map(([, h]) => lossGraceMs(h.ttlSeconds ?? ttlSeconds))));
  });
  // Joins again once a second until the store takes it (or the agent is stopped: undefined).
  const rejoin = async (stop: Promise<'stopped'>): Promise<Membership | undefined> => {
    for (;;) {
      const attempt = await Promise.race([
        stop,
        cluster.join(me, ttlSeconds).catch((error: unknown) => error as Error),
      ]);
      if (attempt === 'stopped') return undefined;
      if (!(attempt instanceof Error)) return attempt;
      failed(attempt);
      const pause = await Promise.race([stop, new Promise<'again'>((r) => setTimeout(() => r('again'), 1_000))]);
      if (pause === 'stopped') return undefined;
    }
  };
  try {
    await settle();
    for (;;) {
      const outcome: 'stopped' | Error = await Promise.race([stopped, membership.lost]);
      if (outcome === 'stopped') break;
      say('error', 'membership lost', me, outcome.message);
      membership = await rejoin(stopped);
      if (!membership) break;
      say('info', 'joined', me);
      await settle();
    }
    if (membership) {
      await membership.leave();
      say('info', 'withdrew', me);
    }
  } finally {
    running = false;
    for (const timer of timers) clearTimeout(timer);
    stopWatching();
  }
}
