// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The demo's story, each step checked with real traffic: a bridge network
 * with an automatic subnet, two sandboxes that talk, a published port
 * reached from the host, a second network that cannot reach the first, and
 * an internal network with no way out. Every check has a control that must
 * succeed, so a "blocked" result cannot come from a broken setup.
 */
import type { Server } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { NetworkController } from '../../cnm/controller';
import type { Network } from '../../cnm/network';
import type { Sandbox } from '../../cnm/sandbox';
import { ask, greeter, said } from './probe';

/** One checked claim. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** What was seen, in words. */
  readonly detail: string;
  /** How long the step took, where that means something. */
  readonly ms?: number;
  /** Not run: something it needs is missing (`detail` says what, and how to get it). Not a failure. */
  readonly skipped?: boolean;
}

const WEB_PORT = 80;
const PUBLISHED_PORT = 8080;
const HOST_PORT = 9000;

/**
 * Builds the scene in `ctl`'s host namespace, runs every check, and removes
 * everything it made, whatever happened.
 *
 * @example
 * ```ts
 * for (const c of await runChecks(ctl)) console.log(c.ok ? 'PASS' : 'FAIL', c.name, c.detail)
 * ```
 */
export async function runChecks(ctl: NetworkController): Promise<Check[]> {
  const checks: Check[] = [];
  const networks: Network[] = [];
  const sandboxes: Sandbox[] = [];
  const servers: Server[] = [];
  const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now();
    const value = await fn();
    return [value, performance.now() - t0];
  };
  const sandbox = async (name: string) => {
    const sb = await ctl.createSandbox({ name });
    sandboxes.push(sb);
    return { sb, ns: await ctl.sandboxNamespace(sb.id) };
  };
  try {
    const [front, createMs] = await timed(() => ctl.createNetwork({ name: 'front' }));
    networks.push(front);
    const frontConfig = front.info().ipam.config[0];
    checks.push({
      name: 'bridge network "front" with an automatic subnet',
      ok: frontConfig !== undefined,
      detail: frontConfig ? `subnet ${frontConfig.subnet}, gateway ${frontConfig.gateway}` : 'no subnet was chosen',
      ms: createMs,
    });
    const gateway = frontConfig?.gateway ?? '';

    const web = await sandbox('web');
    const client = await sandbox('client');
    const [webEp, connectMs] = await timed(() =>
      front.connect(web.sb, { portBindings: [{ proto: 'tcp', hostPort: PUBLISHED_PORT, containerPort: WEB_PORT }] }),
    );
    await front.connect(client.sb);
    const webIp = (webEp.info().ipv4Address ?? '').split('/')[0] ?? '';
    servers.push(await greeter(web.ns, webIp, WEB_PORT, 'hello from web'));
    servers.push(await greeter(ctl.host, gateway, HOST_PORT, 'hello from the host'));

    const talk = await ask(client.ns, webIp, WEB_PORT);
    checks.push({
      name: 'two sandboxes on "front" reach each other by address',
      ok: talk.ok && talk.reply === 'hello from web',
      detail: `client → web ${webIp}:${WEB_PORT}: ${said(talk)} (connect took ${connectMs.toFixed(1)} ms)`,
      ...(talk.ok ? { ms: talk.ms } : {}),
    });

    const published = await ask(ctl.host, '127.0.0.1', PUBLISHED_PORT);
    checks.push({
      name: 'a published port is reached from the host',
      ok: published.ok && published.reply === 'hello from web',
      detail: `host → 127.0.0.1:${PUBLISHED_PORT} (-p ${PUBLISHED_PORT}:${WEB_PORT} on web): ${said(published)}`,
      ...(published.ok ? { ms: published.ms } : {}),
    });

    const back = await ctl.createNetwork({ name: 'back' });
    networks.push(back);
    const other = await sandbox('other');
    await back.connect(other.sb);
    const across = await ask(other.ns, webIp, WEB_PORT);
    checks.push({
      name: 'a second network cannot reach the first',
      ok: !across.ok && talk.ok,
      detail: `other (on "back") → web ${webIp}:${WEB_PORT}: ${said(across)}; from "front" it answered`,
    });

    const vaultNet = await ctl.createNetwork({ name: 'vault-net', internal: true });
    networks.push(vaultNet);
    const vault = await sandbox('vault');
    await vaultNet.connect(vault.sb);
    const out = await ask(vault.ns, gateway, HOST_PORT);
    const control = await ask(client.ns, gateway, HOST_PORT);
    const sideways = await ask(vault.ns, webIp, WEB_PORT);
    checks.push({
      name: 'an internal network has no way out',
      ok: !out.ok && !sideways.ok && control.ok,
      detail: `vault → host ${gateway}:${HOST_PORT}: ${said(out)}; vault → web: ${said(sideways)}; client → host: ${said(control)}`,
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await ctl.deleteSandboxes(sandboxes);
    for (const n of networks.reverse()) await n.delete();
  }
  return checks;
}
