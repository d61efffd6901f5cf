// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The way out for sandboxes whose networks offer no gateway (overlay), as
 * Docker's `docker_gwbridge` (libnetwork default_gateway.go): a bridge
 * network of this host's (no traffic between its endpoints, masqueraded
 * out), made at the first need; a sandbox that needs it gets one endpoint
 * there (`gateway_<sandbox id>`), which carries its default route and the
 * ports asked on its gateway-less endpoints; it goes when nothing needs it.
 *
 * One function settles a sandbox from what the store says — after every
 * join and leave, and in recover() after a crash between the two halves —
 * so there is no state of its own to lose.
 */
import type { ResolvedBinding } from '../drivers/driver';
import { GATEWAY_NETWORK as GATEWAY } from '../drivers/registry';
import { CnmError } from '../errors';
import type { NetworkController } from './controller';
import { Endpoint } from './endpoint';
import type { Network } from './network';
import { publishedBindings } from './ports';
import type { Sandbox } from './sandbox';
import { gatewayCandidates } from './sandbox-gateway';
import type { EndpointRecord, IntentRecord } from './store/records';
import type { PortBinding } from './types';

/** The gateway network's name, as Docker's (scripts look for it). */
export const GATEWAY_NETWORK = GATEWAY.name;

/** The endpoint a sandbox has on the gateway network, named as Docker names it. */
export const gatewayEndpointName = (sandboxId: string) => `gateway_${sandboxId.slice(0, 12)}`;

/**
 * What the sandbox needs of the gateway network (Docker's `needDefaultGW`):
 * whether any joined endpoint is on a non-internal network of a driver
 * without gateways while no other endpoint offers one, and the ports asked
 * on those endpoints.
 */
function need(ctl: NetworkController, sandboxId: string): { wanted: boolean; ports: PortBinding[] } {
  const store = ctl.read;
  const joined = store.endpoints.list({ sandboxId, joined: true }).flatMap((e) => {
    const net = store.networks.get(e.networkId);
    return net && net.name !== GATEWAY_NETWORK && !net.internal ? [{ e, net }] : [];
  });
  const without = joined.filter(({ net }) => ctl.driver(net.driver).capabilities.egressThroughGatewayNetwork);
  // No network of a driver without gateways (every bridge-only sandbox): nothing more to read.
  if (without.length === 0) return { wanted: false, ports: [] };
  const offers = new Map(gatewayCandidates(ctl, sandboxId).map((c) => [c.endpointId, c.gateway]));
  if (joined.some(({ e }) => offers.get(e.id)?.ipv4 || offers.get(e.id)?.ipv6)) return { wanted: false, ports: [] };
  return { wanted: true, ports: without.flatMap(({ e }) => e.portBindings) };
}

/** The sandbox's endpoint on the gateway network, if it has one. */
function present(ctl: NetworkController, sandboxId: string): EndpointRecord | undefined {
  const net = ctl.read.networks.byName(GATEWAY_NETWORK);
  return net ? ctl.read.endpoints.list({ sandboxId, networkId: net.id })[0] : undefined;
}

/**
 * Gives the sandbox an endpoint on the gateway network when it needs one
 * and has none, takes it away when it is no longer needed, and makes the
 * ports it publishes those its gateway-less endpoints ask for. Says what it
 * changed, if anything.
 *
 * @example
 * ```ts
 * await net.connect(sb)   // an overlay network: settleEgress runs after the join, sb gets eth1 on docker_gwbridge
 * ```
 * @internal
 */
export async function settleEgress(ctl: NetworkController, sb: Sandbox): Promise<string | undefined> {
  const { wanted, ports } = need(ctl, sb.id);
  const has = present(ctl, sb.id);
  if (!wanted) {
    if (!has) return undefined;
    await (await gatewayNetwork(ctl)).disconnect(sb);
    return `disconnected it from ${GATEWAY_NETWORK}: no network of its needs a way out there`;
  }
  if (!has) {
    const net = await gatewayNetwork(ctl);
    await net.attach(sb, { name: gatewayEndpointName(sb.id), portBindings: ports }).catch((error: unknown) => {
      // Another join of this sandbox settled it first.
      if (!present(ctl, sb.id)) throw error;
    });
    return `connected it to ${GATEWAY_NETWORK}, its way out`;
  }
  const ep = new Endpoint(ctl, has.id);
  const { missing, extra } = comparePorts(ports, publishedBindings(ctl, has.id));
  if (extra.length > 0) await ep.revokePorts(extra);
  if (missing.length > 0) await ep.publish(missing);
  return missing.length + extra.length > 0
    ? `published ${missing.length} and revoked ${extra.length} port(s) on its ${GATEWAY_NETWORK} endpoint`
    : undefined;
}

/**
 * settleEgress for every sandbox of this host that no operation in flight
 * (`inFlight`: the store's intents) names; a line for each one changed.
 * Failures are collected and thrown together after the others were tried.
 *
 * @internal
 */
export async function settleEveryEgress(ctl: NetworkController, inFlight: readonly IntentRecord[]): Promise<string[]> {
  const busy = new Set(inFlight.map((i) => i.subject.sandbox));
  const report: string[] = [];
  const failures: unknown[] = [];
  for (const sb of ctl.read.sandboxes.list()) {
    if (busy.has(sb.id)) continue;
    try {
      const done = await settleEgress(ctl, ctl.sandbox(sb.id));
      if (done) report.push(`sandbox ${sb.name}: ${done}`);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `settling sandboxes' way out: ${failures.length} failed`);
  return report;
}

/** The gateway network, made on first need (another process may make it at the same moment). */
async function gatewayNetwork(ctl: NetworkController): Promise<Network> {
  const found = ctl.read.networks.byName(GATEWAY_NETWORK);
  if (found) return checked(ctl, found.id);
  try {
    return await ctl.createNetwork(GATEWAY);
  } catch (error) {
    const made = ctl.read.networks.byName(GATEWAY_NETWORK);
    if ((error as { code?: string }).code === 'CNM_NETWORK_EXISTS' && made) return checked(ctl, made.id);
    throw error;
  }
}

// A user may make docker_gwbridge beforehand (to choose its subnet, as with Docker): it must be a local bridge.
function checked(ctl: NetworkController, id: string): Network {
  const net = ctl.network(id);
  const { driver, internal } = net.info();
  if (driver !== GATEWAY.driver || internal) {
    throw new CnmError(
      'CNM_INVALID_CONFIG',
      `network ${GATEWAY_NETWORK} gives overlay sandboxes their way out: it must be a ${GATEWAY.driver} network that is not internal (it is ${internal ? 'internal' : `a ${driver} network`})`,
    );
  }
  return net;
}

/**
 * Which asked bindings no published one serves yet, and which published
 * ones no asked binding wants any more. A published binding serves an
 * asked one with the same protocol, address and container ports, on the
 * asked host port (or in its range; any when none was asked).
 */
export function comparePorts(
  asked: readonly PortBinding[],
  published: readonly ResolvedBinding[],
): { missing: PortBinding[]; extra: ResolvedBinding[] } {
  const free = [...published];
  const missing: PortBinding[] = [];
  for (const b of asked) {
    const i = free.findIndex((r) => serves(r, b));
    if (i < 0) missing.push(b);
    else free.splice(i, 1);
  }
  return { missing, extra: free };
}

function serves(r: ResolvedBinding, b: PortBinding): boolean {
  const anyAddress = (ip: string | undefined) => (ip === undefined || ip === '0.0.0.0' || ip === '::' ? '' : ip);
  return (
    r.proto === b.proto &&
    anyAddress(r.hostIp) === anyAddress(b.hostIp) &&
    r.containerPort === b.containerPort &&
    (r.containerPortEnd ?? r.containerPort) === (b.containerPortEnd ?? b.containerPort) &&
    (b.hostPort === undefined || (r.hostPort >= b.hostPort && r.hostPort <= (b.hostPortEnd ?? b.hostPort)))
  );
}
