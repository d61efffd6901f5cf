// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Published ports: settling host ports (given, picked from a host range, or
 * automatic from the kernel's ephemeral range, never one already bound on
 * the host) and recording them, so one host port is never published twice
 * on one address and protocol — across processes sharing the store.
 */
import type { ResolvedBinding } from '../drivers/driver';
import { CnmError } from '../errors';
import { portBound } from '../kernel/exec';
import { sysctlRead } from '../kernel/sysctl';
import type { NetworkController } from './controller';
import { parseAddress } from './ipam/cidr';
import type { StoreReads, StoreTx } from './store/ports';
import type { PortBinding } from './types';

function checkPort(n: number | undefined, field: string): void {
  if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > 65535)) {
    throw new CnmError('CNM_INVALID_CONFIG', `${field}: ${n} is not a port from 1 to 65535`);
  }
}

/** Checks a binding's shape before anything is allocated. */
export function validateBinding(b: PortBinding, i: number, hasV6: boolean): void {
  const field = `portBindings[${i}]`;
  if (!['tcp', 'udp', 'sctp'].includes(b.proto))
    throw new CnmError('CNM_INVALID_CONFIG', `${field}.proto: tcp, udp or sctp`);
  checkPort(b.hostPort, `${field}.hostPort`);
  checkPort(b.hostPortEnd, `${field}.hostPortEnd`);
  checkPort(b.containerPort, `${field}.containerPort`);
  checkPort(b.containerPortEnd, `${field}.containerPortEnd`);
  if (b.hostPortEnd !== undefined && b.hostPort === undefined)
    throw new CnmError('CNM_INVALID_CONFIG', `${field}: hostPortEnd without hostPort`);
  if (
    (b.hostPortEnd ?? b.hostPort ?? 0) < (b.hostPort ?? 0) ||
    (b.containerPortEnd ?? b.containerPort) < b.containerPort
  ) {
    throw new CnmError('CNM_INVALID_CONFIG', `${field}: a range ends before it starts`);
  }
  const containerSpan = (b.containerPortEnd ?? b.containerPort) - b.containerPort;
  const hostSpan = (b.hostPortEnd ?? b.hostPort ?? 0) - (b.hostPort ?? 0);
  if (containerSpan > 0 && b.hostPort !== undefined && hostSpan !== containerSpan) {
    throw new CnmError('CNM_INVALID_CONFIG', `${field}: host and container ranges differ in length`);
  }
  if (b.hostIp !== undefined) {
    if (b.hostIp === '::1') {
      throw new CnmError('CNM_NOT_SUPPORTED', `${field}.hostIp: [::1] needs a proxy (IPv6 has no route_localnet)`);
    }
    const a = parseAddress(b.hostIp);
    if (!a) throw new CnmError('CNM_INVALID_CONFIG', `${field}.hostIp: "${b.hostIp}" is not an address`);
    if (a.family === 6 && !hasV6 && b.hostIp !== '::') {
      throw new CnmError('CNM_INVALID_CONFIG', `${field}.hostIp: an IPv6 host address needs an IPv6 endpoint`);
    }
  }
}

/**
 * The first host port in [from, to] that a process on the host holds for
 * the protocol (listening on TCP, bound on UDP) on the address a binding
 * uses, or 0: publishing over it would silently take the host's service
 * away (DNAT wins over the local socket). One crossing for the whole range.
 */
async function heldOnHost(
  ctl: NetworkController,
  proto: PortBinding['proto'],
  hostIp: string | undefined,
  from: number,
  to: number,
): Promise<number> {
  // No probe for SCTP (the store's own check still holds).
  if (proto === 'sctp') return 0;
  if (hostIp === undefined || hostIp === '0.0.0.0' || hostIp === '::') {
    // Every address: a dual-stack socket on [::] also meets IPv4 sockets; 0.0.0.0
    // where the host has no IPv6.
    return portBound(ctl.host, proto, '::', from, to).catch((error: { code?: string }) => {
      if (error.code !== 'EAFNOSUPPORT' && error.code !== 'EADDRNOTAVAIL') throw error;
      return portBound(ctl.host, proto, '0.0.0.0', from, to);
    });
  }
  return portBound(ctl.host, proto, hostIp, from, to).catch((error: { code?: string }) => {
    if (error.code !== 'EADDRNOTAVAIL') throw error;
    throw new CnmError('CNM_INVALID_CONFIG', `hostIp ${hostIp} is not an address of this host`, { cause: error });
  });
}

/** Docker's wording for a host port that is taken, so scripts that grep for it still match. */
function allocated(proto: string, hostIp: string | undefined, port: number, why: string): CnmError {
  const where = hostIp?.includes(':') ? `[${hostIp}]` : (hostIp ?? '0.0.0.0');
  return new CnmError(
    'CNM_PORT_IN_USE',
    `Bind for ${where}:${port} failed: port is already allocated (${proto}, ${why})`,
  );
}

/**
 * Settles and records an endpoint's published ports (one store row per host
 * port). Refuses a port already published on the same address and protocol
 * with CNM_PORT_IN_USE.
 */
export async function publish(
  ctl: NetworkController,
  endpointId: string,
  bindings: readonly PortBinding[],
  defaultHostIp: string | undefined,
  /** Runs inside the transaction that records the ports (to record an intent with them). */
  onRecord?: (tx: StoreTx, settled: readonly ResolvedBinding[]) => void,
): Promise<ResolvedBinding[]> {
  if (bindings.length === 0) return [];
  // The kernel's ephemeral range, read only when a host port is to be picked from it.
  const picks = bindings.some((b) => b.hostPort === undefined);
  const [low, high] = picks
    ? ((await sysctlRead(ctl.host, 'net.ipv4.ip_local_port_range')).split(/\s+/).map(Number) as [number, number])
    : [0, 0];
  // Another process may take a picked port between the pick and the record:
  // then the record fails and the pick is made again (a bounded number of times).
  for (let attempt = 0; ; attempt++) {
    const settled = await settle(ctl, bindings, defaultHostIp, low, high);
    try {
      await record(
        ctl,
        endpointId,
        settled.map((s) => s.binding),
        onRecord,
      );
      return settled.map((s) => s.binding);
    } catch (error) {
      const picked = settled.some((s) => s.picked);
      if (!(error instanceof CnmError && error.code === 'CNM_PORT_IN_USE') || !picked || attempt >= 8) throw error;
    }
  }
}

async function settle(
  ctl: NetworkController,
  bindings: readonly PortBinding[],
  defaultHostIp: string | undefined,
  low: number,
  high: number,
): Promise<{ binding: ResolvedBinding; picked: boolean }[]> {
  const settled: { binding: ResolvedBinding; picked: boolean }[] = [];
  const published: StoreReads['ports'] = ctl.store.read.ports;
  for (const [i, b] of bindings.entries()) {
    const hostIp = b.hostIp ?? defaultHostIp;
    const any = hostIp === undefined || hostIp === '0.0.0.0' || hostIp === '::';
    const ipKey = any ? '' : (hostIp as string);
    const span = (b.containerPortEnd ?? b.containerPort) - b.containerPort;
    let hostPort = b.hostPort;
    const pickOne = hostPort === undefined || (span === 0 && b.hostPortEnd !== undefined && b.hostPortEnd > hostPort);
    if (pickOne) {
      // One host port: from the given host range, or the kernel's ephemeral range.
      const from = hostPort ?? low;
      const to = hostPort !== undefined ? (b.hostPortEnd as number) : high;
      hostPort = undefined;
      // As Docker's port allocator does: go on after the highest port already handed out
      // in the range, then wrap around. A pick costs O(1) however many are published.
      const start = Math.min((published.highest(b.proto, from, to) ?? from - 1) + 1, to + 1);
      const width = to - from + 1;
      for (let k = 0; k < width && hostPort === undefined; k++) {
        const p = from + ((start - from + k) % width);
        const takenHere = settled.some((s) => s.binding.proto === b.proto && s.binding.hostPort === p);
        if (takenHere || published.firstTaken(b.proto, ipKey, p, p) !== undefined) continue;
        if ((await heldOnHost(ctl, b.proto, hostIp, p, p)) === 0) hostPort = p;
      }
      if (hostPort === undefined) {
        throw new CnmError(
          'CNM_PORT_IN_USE',
          `portBindings[${i}]: all ports are allocated: no free ${b.proto} host port in ${from}-${to}`,
        );
      }
    } else {
      // A port the user chose: refused, as an automatic one would be skipped, when a
      // process on the host holds it.
      const last = (hostPort as number) + span;
      const held = await heldOnHost(ctl, b.proto, hostIp, hostPort as number, last);
      if (held !== 0) throw allocated(b.proto, any ? undefined : hostIp, held, 'a process on the host holds it');
    }
    settled.push({
      picked: pickOne,
      binding: {
        proto: b.proto,
        ...(any ? {} : { hostIp: hostIp as string }),
        hostPort: hostPort as number,
        ...(span > 0
          ? { hostPortEnd: (hostPort as number) + span, containerPortEnd: b.containerPortEnd as number }
          : {}),
        containerPort: b.containerPort,
      },
    });
  }
  return settled;
}

/** Records settled bindings in one transaction, or none: refuses a host port already published. */
async function record(
  ctl: NetworkController,
  endpointId: string,
  settled: readonly ResolvedBinding[],
  onRecord?: (tx: StoreTx, settled: readonly ResolvedBinding[]) => void,
): Promise<void> {
  await ctl.store.transact((tx) => {
    for (const s of settled) {
      // One query for the whole range (a record per port is still what later checks find),
      // each binding checked against those before it too.
      const taken = tx.ports.firstTaken(s.proto, s.hostIp ?? '', s.hostPort, s.hostPortEnd ?? s.hostPort);
      if (taken !== undefined) throw allocated(s.proto, s.hostIp, taken, 'published by another endpoint');
      tx.ports.add(endpointId, [s]);
    }
    onRecord?.(tx, settled);
  });
}

/** The endpoint's published ports as settled (what revoke must take back). */
export function publishedBindings(ctl: NetworkController, endpointId: string): ResolvedBinding[] {
  return ctl.store.read.ports.bindings(endpointId);
}
