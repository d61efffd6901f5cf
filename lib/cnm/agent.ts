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
import type { NetworkController } from './controller';
import { releaseWithdrawnHere, withdrawLostHosts } from './host-loss';
import { nowIso } from './ids';
import { syncPeers } from './peers';
import { releaseGoneNetworks } from './released';
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
  /** Seconds after the agent stops answering that the others drop this host (default 15). */
  readonly ttlSeconds?: number;
  /** Aborted: the agent withdraws the host and returns. */
  readonly signal?: AbortSignal;
  readonly log?: (event: AgentEvent) => void;
}

/** A host's id in the cluster: the same for the same underlay address, across restarts. */
export function hostIdOf(address: string): string {
  return createHash('sha256').update(`cnm-host:${address}`).digest('hex').slice(0, 32);
}

/** Runs the agent until `signal` aborts (then withdraws the host) or the membership is lost (then throws). */
export async function runAgent(ctl: NetworkController, o: AgentOptions = {}): Promise<void> {
  const cluster = ctl.cluster;
  if (!cluster) {
    throw new CnmError('CNM_INVALID_CONFIG', 'the agent needs a cluster store: --cluster-store etcd://HOST:PORT');
  }
  const address = ctl.advertiseAddress;
  if (!address) {
    throw new CnmError('CNM_INVALID_CONFIG', "the agent needs this host's underlay address: --advertise-addr IP");
  }
  const ttlSeconds = o.ttlSeconds ?? 15;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 2 || ttlSeconds > 3600) {
    throw new CnmError('CNM_INVALID_CONFIG', `ttl: ${ttlSeconds} is not a whole number of seconds from 2 to 3600`);
  }
  const say = (level: AgentEvent['level'], msg: AgentEvent['msg'], h: Pick<HostRecord, 'id' | 'address'>) =>
    o.log?.({ time: nowIso(), level, msg, host: h.id, address: h.address, hosts: cluster.hosts().length });
  const me: HostRecord = { id: hostIdOf(address), address, name: hostname(), started: nowIso() };
  if (o.signal?.aborted) return;
  const membership = await cluster.join(me, ttlSeconds);
  say('info', 'joined', me);
  // Who comes and goes, from the store's own watch.
  // This host counts as known from the start (the store's watch may bring its record a moment later).
  let known = new Map([...cluster.hosts().map((h) => [h.id, h] as const), [me.id, me] as const]);
  const tell = (msg: AgentEvent['msg'], lines: readonly string[]) => {
    for (const line of lines) o.log?.({ time: nowIso(), level: 'info', msg, host: me.id, detail: line });
  };
  const failed = (error: unknown) =>
    o.log?.({ time: nowIso(), level: 'error', msg: 'peers', host: me.id, detail: (error as Error).message });
  const stopWatching = cluster.onChange(() => {
    const now = new Map([...cluster.hosts().map((h) => [h.id, h] as const), [me.id, me] as const]);
    for (const [id, h] of now) if (!known.has(id)) say('info', 'host joined', h);
    const left = [...known].filter(([id]) => !now.has(id));
    for (const [id, h] of left) say(id === me.id ? 'warn' : 'info', 'host left', h);
    known = now;
    // Overlay peers as endpoints come and go on the other hosts; networks deleted elsewhere
    // released here.
    follow();
    // A host is lost only when one leaves (its lease gone): not looked for on other changes.
    if (left.length > 0) withdrawLost();
  });
  // What a change calls for is tried again until it is done (etcd busy or away for a moment,
  // a kernel call that failed): once a second, while the agent runs. Without this, a failure
  // would wait for the next change, which may never come.
  let running = true;
  const timers = new Set<NodeJS.Timeout>();
  const retrying = (work: () => Promise<void>) => {
    let timer: NodeJS.Timeout | undefined;
    const attempt = () => {
      if (timer) timers.delete(timer);
      clearTimeout(timer);
      work().catch((error: unknown) => {
        failed(error);
        if (!running) return;
        timer = setTimeout(attempt, 1_000);
        timers.add(timer);
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
  // cut off, for longer than its ttl: an agent that loses its membership while it runs stops,
  // and this runs when it starts again), then the peers and hosts lost while no agent ran here.
  await releaseWithdrawnHere(ctl)
    .then((released) => tell('released', released))
    .catch(failed);
  follow();
  withdrawLost();
  try {
    const stopped = new Promise<'stopped'>((resolve) => {
      if (o.signal?.aborted) resolve('stopped');
      o.signal?.addEventListener('abort', () => resolve('stopped'), { once: true });
    });
    const outcome = await Promise.race([stopped, membership.lost]);
    if (outcome !== 'stopped') {
      say('error', 'membership lost', me);
      throw new CnmError(
        'CNM_STORE_UNAVAILABLE',
        `this host's membership in the cluster was lost: ${outcome.message}`,
        {
          cause: outcome,
        },
      );
    }
    await membership.leave();
    say('info', 'withdrew', me);
  } finally {
    running = false;
    for (const timer of timers) clearTimeout(timer);
    stopWatching();
  }
}
