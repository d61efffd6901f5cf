// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Predefined networks (Docker's `bridge`, `host` and `none`) and lazy
 * making. The registry lists them; opening a controller makes their rows
 * (and the default bridge's subnet) in one store transaction and nothing in
 * the kernel. A network whose driver objects are not made yet on this host
 * (`made = 0`) gets them before its first join: one process claims the work
 * with a `network.make` intent in an IMMEDIATE transaction, the others wait
 * (bounded) for it to finish. A crash part way is undone by the intent's
 * repair; the network stays, not made yet, and the next join makes it.
 * "Not made yet" (`made = 0`) is not "creation interrupted" (a
 * `network.create` intent whose network has no driver state): the first is
 * never forgotten by a repair.
 */
import { PREDEFINED_NETWORKS } from '../drivers/registry';
import { CnmError } from '../errors';
import type { NetworkController } from './controller';
import { crashPoint } from './crash';
import { newId, nowIso } from './ids';
import { ownerAlive } from './intents';
import type { Prefix } from './ipam/cidr';
import type { NetworkRecord } from './store/records';
import { allOrNothing } from './undo';

/** How long a join waits for another process to finish making a network. */
const MAKE_WAIT_MS = 30_000;

/** The predefined networks a controller keeps, by the option that drops the optional one. */
export function wantedPredefined(defaultBridge: boolean): typeof PREDEFINED_NETWORKS {
  return PREDEFINED_NETWORKS.filter((p) => defaultBridge || !p.optional);
}

/** Names of the predefined networks whose rows are missing (one query, no transaction). */
export function missingPredefined(ctl: NetworkController, defaultBridge: boolean): string[] {
  const have = new Set(ctl.store.read.networks.list().map((r) => r.name));
  return wantedPredefined(defaultBridge)
    .filter((p) => !have.has(p.name))
    .map((p) => p.name);
}

/**
 * Makes the rows of the missing predefined networks, in one transaction: no
 * driver objects (`made = 0`), a subnet from the default pools for a driver
 * that gives addresses (the first free one, so `bridge` takes 172.17.0.0/16
 * on a fresh store). A name already taken, or a driver whose single network
 * exists under another name, is left as it is.
 */
export async function storePredefined(
  ctl: NetworkController,
  defaultBridge: boolean,
  hostRoutes: readonly Prefix[],
): Promise<void> {
  // One time for all: listed by name, as Docker lists them (bridge, host, none).
  const created = nowIso();
  await ctl.store.transact((tx) => {
    for (const p of wantedPredefined(defaultBridge)) {
      if (tx.networks.byName(p.name)) continue;
      const driver = ctl.driver(p.driver);
      if (!driver.capabilities.addresses && tx.networks.list({ driver: p.driver }).length > 0) continue;
      const id = newId();
      const options = { ...p.options };
      driver.parseOptions({ id, name: p.name, options, internal: false, enableIPv6: false });
      tx.networks.insert({
        id,
        name: p.name,
        driver: driver.type,
        scope: driver.capabilities.dataScope,
        created,
        internal: false,
        attachable: false,
        enableIPv6: false,
        ipamDriver: 'default',
        options,
        labels: {},
        driverState: {},
        allocation: {},
        predefined: true,
        made: false,
      });
      if (driver.capabilities.addresses) ctl.ipam.requestPools(tx, id, [], [4], hostRoutes);
    }
  });
}

/**
 * The network's row once its driver objects exist on this host: made here
 * (under a `network.make` intent) if no one has, or waited for if another
 * process (or call) is making them. Fails with CNM_TIMEOUT if they never
 * appear.
 */
export async function ensureMade(ctl: NetworkController, row: NetworkRecord): Promise<NetworkRecord> {
  if (row.made) return row;
  const deadline = Date.now() + MAKE_WAIT_MS;
  for (;;) {
    const claim = await ctl.store.transact((tx) => {
      const now = ctl.networkRow(row.id, ctl.readIn(tx));
      if (now.made) return { row: now };
      const holder = ctl.intents.about('network.make', row.id, tx);
      if (holder) return { row: now, holder };
      return { row: now, intent: ctl.intents.record(tx, 'network.make', { id: row.id }) };
    });
    if (claim.intent !== undefined) return makeNetwork(ctl, claim.row, claim.intent);
    if (!claim.holder) return claim.row;
    if (!ownerAlive(claim.holder.owner)) {
      // Its maker died part way: undone here (as opening would), then made anew.
      await ctl.repairOrphansNow();
      continue;
    }
    if (Date.now() > deadline) {
      throw new CnmError(
        'CNM_TIMEOUT',
        `network ${row.name}: process ${claim.holder.owner.pid} has been making its objects for more than ${MAKE_WAIT_MS / 1000} s`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

// The driver's objects made and recorded; undone whole on failure (the network stays, not made).
async function makeNetwork(ctl: NetworkController, row: NetworkRecord, intent: number): Promise<NetworkRecord> {
  const driver = ctl.driver(row.driver);
  const { state: _none, ...net } = ctl.driverNetwork(row);
  const others = ctl.driverNetworks(row.driver, row.id);
  return allOrNothing(async (undo) => {
    undo.push(() => ctl.intents.end(intent));
    crashPoint('network.make.stored');
    const state = await driver.createNetwork(ctl.ctx, net, others);
    undo.push(() => driver.deleteNetwork(ctl.ctx, { ...net, state }, others));
    crashPoint('network.make.kernel');
    // Compare and set against the record the claim read: no one else makes it meanwhile.
    return ctl.store.transact((tx) => {
      const made = ctl.setHostState(tx, row, { driverState: state, made: true }, row.revision);
      tx.intents.remove(intent);
      return made;
    });
  });
}

/**
 * Takes a made network's driver objects on this host away (the row stays,
 * not made, and the next join makes them again): a predefined network's
 * (`releasePredefined`), or a global network's after its last endpoint here
 * left. Refused while it has endpoints (a global network: on this host);
 * not done while a join here is under way on it. Under a `network.make`
 * intent, so joins wait for it, and a crash part way is finished on the
 * next open.
 */
export async function releaseNetwork(ctl: NetworkController, id: string): Promise<boolean> {
  const intent = await ctl.store.transact((tx) => {
    const read = ctl.readIn(tx);
    const row = ctl.networkRow(id, read);
    if (!row.made || ctl.intents.about('network.make', id, tx)) return undefined;
    // A global network's endpoints on other hosts do not keep this host's objects.
    const global = ctl.storeOf(id) !== ctl.store;
    const endpoints = read.endpoints.list({ networkId: id });
    const n = global ? endpoints.filter((e) => e.sandboxId && tx.sandboxes.get(e.sandboxId)).length : endpoints.length;
    if (n > 0) {
      throw new CnmError(
        'CNM_NETWORK_IN_USE',
        `network ${row.name} has active endpoints (${n}); disconnect them before releasing its objects`,
      );
    }
    // A join under way here (its intent names the network) is about to use them.
    if (global && tx.intents.list().some((i) => i.subject.network === id)) return undefined;
    ctl.setHostState(tx, row, { made: false });
    return ctl.intents.record(tx, 'network.make', { id });
  });
  if (intent === undefined) return false;
  try {
    await unmake(ctl, ctl.networkRow(id));
  } finally {
    await ctl.intents.end(intent);
  }
  return true;
}

/** Whatever of a network's driver objects exists goes; the row stays, not made. @internal */
export async function unmake(ctl: NetworkController, row: NetworkRecord): Promise<void> {
  const driver = ctl.driver(row.driver);
  await driver.deleteNetwork(ctl.ctx, ctl.driverNetwork(row), ctl.driverNetworks(row.driver, row.id));
  await ctl.store.transact((tx) => ctl.setHostState(tx, row, { driverState: {}, made: false }));
}
