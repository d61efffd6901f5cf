// SPDX-License-Identifier: GPL-2.0-or-later
// Misuse refused before the first kernel change, with a CNM_* code and the
// original error as its cause, leaving the kernel exactly as it was: host
// ports a host process holds, ports another endpoint has, bad network
// options and names, `none` with another network, unusable state and
// namespace directories, a corrupt store, a bad host namespace, a bridge name
// another link has. And what new sandboxes get: Docker's network sysctls.
// Kernel state is read with ip, nft and /proc.
import { once } from 'node:events';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NetworkController } from '../../lib/cnm/controller';
import type { Network } from '../../lib/cnm/network';
import { CnmError } from '../../lib/errors';
import { netnsSpawn, tcpListen } from '../../lib/kernel/exec';
import { cli } from '../helpers/cli';
import { useTestHost } from '../helpers/host';
import { userNetworks } from '../helpers/networks';
import { ipJson, run } from '../helpers/run';

const t = useTestHost(import.meta.filename);
const stateDir = `/run/cnm-state-bad-${process.pid}`;
let ctl: NetworkController;
let net: Network;

beforeAll(async () => {
  ctl = await NetworkController.open({ stateDir, hostNetns: t.host, netnsDir: t.dir });
});

// Each test starts from one network; the host is back to lo after it.
beforeEach(async () => {
  net = await ctl.createNetwork({ name: 'bad', ipam: { config: [{ subnet: '10.70.0.0/24' }] } });
});

afterEach(async () => {
  await ctl.deleteSandboxes(ctl.sandboxes());
  for (const n of userNetworks(ctl)) await n.delete();
  // A test that joined the predefined bridge leaves no cnm0 behind.
  await ctl.releasePredefined();
});

afterAll(async () => {
  await ctl.close();
  await rm(stateDir, { recursive: true, force: true });
});

// What changes on its own: the bridge's running timers (ip -d), and operstate, which
// the kernel's link watcher settles up to a second after a link comes up. The flags
// (UP, LOWER_UP, NO-CARRIER) change at once and are compared.
const steady = (key: string, value: unknown) => (/_timer$/.test(key) || key === 'operstate' ? undefined : value);

/** What "the kernel as it was" means here: every link with its flags and state, every namespace's, the ruleset. */
async function kernelState(): Promise<unknown> {
  const namespaces: Record<string, unknown> = {};
  for (const sb of ctl.sandboxes()) {
    const path = sb.info().netnsPath;
    namespaces[sb.info().name] = {
      links: await ipJson(path, ['link']),
      addresses: await ipJson(path, ['addr']),
      routes: await ipJson(path, ['route']),
    };
  }
  const state = {
    links: await t.ip(['link']),
    addresses: await t.ip(['addr']),
    ruleset: await run('nsenter', [`--net=${t.host.path}`, 'nft', 'list', 'ruleset']),
    namespaces,
  };
  return JSON.parse(JSON.stringify(state, steady));
}

/** Expects `work` to fail with `code` (and its message to contain `words`), the kernel unchanged. */
async function refused(work: () => Promise<unknown>, code: string, words?: string): Promise<CnmError> {
  const before = await kernelState();
  const error = await work().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `refused with ${code}`).toBeInstanceOf(CnmError);
  expect((error as CnmError).code).toBe(code);
  if (words) expect((error as CnmError).message).toContain(words);
  expect(await kernelState(), 'the kernel as it was').toEqual(before);
  return error as CnmError;
}

describe('published ports', () => {
  it('a TCP port a host process listens on is refused, on every address and on the one it holds', async () => {
    const sb = await ctl.createSandbox({ name: 'p1' });
    const servers: Server[] = [await tcpListen(t.host, '0.0.0.0', 19090), await tcpListen(t.host, '127.0.0.1', 19091)];
    try {
      for (const [hostPort, hostIp] of [
        [19090, undefined],
        [19091, undefined],
        [19091, '127.0.0.1'],
      ] as const) {
        const e = await refused(
          () =>
            net.connect(sb, {
              portBindings: [{ proto: 'tcp', hostPort, containerPort: 80, ...(hostIp ? { hostIp } : {}) }],
            }),
          'CNM_PORT_IN_USE',
          'port is already allocated',
        );
        expect(e.message).toContain(String(hostPort));
      }
      // A range that crosses a held port is refused whole.
      await refused(
        () =>
          net.connect(sb, {
            portBindings: [
              { proto: 'tcp', hostPort: 19088, hostPortEnd: 19092, containerPort: 88, containerPortEnd: 92 },
            ],
          }),
        'CNM_PORT_IN_USE',
      );
      expect(net.endpoints()).toEqual([]);
    } finally {
      for (const s of servers) s.close();
    }
    // Once the host process has gone, the same port publishes.
    const ep = await net.connect(sb, { portBindings: [{ proto: 'tcp', hostPort: 19090, containerPort: 80 }] });
    expect(ep.info().published).toEqual([{ proto: 'tcp', hostPort: 19090, containerPort: 80 }]);
  });

  it('a UDP port a host process has bound is refused; automatic ports skip it', async () => {
    const sb = await ctl.createSandbox({ name: 'p2' });
    const holder = netnsSpawn(t.host, process.execPath, [
      '-e',
      "require('dgram').createSocket('udp4').bind(19093, '0.0.0.0', () => console.log('bound'))",
    ]);
    try {
      holder.stdout?.setEncoding('utf8');
      await once(holder.stdout as NodeJS.ReadableStream, 'data');
      await refused(
        () => net.connect(sb, { portBindings: [{ proto: 'udp', hostPort: 19093, containerPort: 53 }] }),
        'CNM_PORT_IN_USE',
        'port is already allocated',
      );
      // The same port over TCP is free.
      const ep = await net.connect(sb, {
        portBindings: [
          { proto: 'tcp', hostPort: 19093, containerPort: 53 },
          { proto: 'udp', hostPort: 19093, hostPortEnd: 19094, containerPort: 53 },
        ],
      });
      const udp = ep.info().published.find((b) => b.proto === 'udp');
      expect(udp?.hostPort, 'the host range skips the bound port').toBe(19094);
    } finally {
      holder.kill();
    }
  });

  it('a port another endpoint publishes is refused before any link, address or route is made', async () => {
    const a = await ctl.createSandbox({ name: 'p3' });
    const b = await ctl.createSandbox({ name: 'p4' });
    await net.connect(a, { portBindings: [{ proto: 'tcp', hostPort: 19100, containerPort: 80 }] });
    // b's namespace, the bridge (its ports, carrier and state) and the ruleset stay exactly as they are.
    await refused(
      () => net.connect(b, { portBindings: [{ proto: 'tcp', hostPort: 19100, containerPort: 80 }] }),
      'CNM_PORT_IN_USE',
      'Bind for 0.0.0.0:19100 failed: port is already allocated',
    );
    // A network with no endpoint yet: its bridge must not lose its carrier state either.
    const empty = await ctl.createNetwork({ name: 'empty', ipam: { config: [{ subnet: '10.71.0.0/24' }] } });
    await refused(
      () => empty.connect(b, { portBindings: [{ proto: 'tcp', hostPort: 19100, containerPort: 80 }] }),
      'CNM_PORT_IN_USE',
    );
    expect(empty.endpoints()).toEqual([]);
  });
});

describe('networks and sandboxes', () => {
  it('bad network options, names and gateways are refused at create, leaving nothing', async () => {
    const rows = () => ctl.networks().map((n) => n.info().name);
    const before = rows();
    await refused(
      () => ctl.createNetwork({ name: 'x', options: { 'com.docker.network.bridge.host_binding_ipv4': 'notanip' } }),
      'CNM_INVALID_CONFIG',
      'notanip',
    );
    await refused(
      () => ctl.createNetwork({ name: 'x', ipam: { config: [{ subnet: '10.72.0.0/24', gateway: '10.72.0.0' }] } }),
      'CNM_INVALID_CONFIG',
      'network address',
    );
    await refused(
      () => ctl.createNetwork({ name: 'x', ipam: { config: [{ subnet: '10.72.0.0/24', gateway: '10.72.0.255' }] } }),
      'CNM_INVALID_CONFIG',
      'broadcast address',
    );
    await refused(
      () => ctl.createNetwork({ name: 'x', ipam: { config: [{ subnet: '010.72.0.0/24' }] } }),
      'CNM_INVALID_CONFIG',
    );
    await refused(() => ctl.createNetwork({} as never), 'CNM_INVALID_CONFIG', 'needs a name');
    await refused(() => ctl.createNetwork({ name: 42 } as never), 'CNM_INVALID_CONFIG', 'needs a name');
    await refused(() => ctl.createNetwork(undefined as never), 'CNM_INVALID_CONFIG');
    await refused(() => ctl.createNetwork({ name: 'x', labels: { a: 1 } } as never), 'CNM_INVALID_CONFIG');
    await refused(
      () => ctl.createNetwork({ name: 'x', ipam: { config: [{ subnet: '10.70.0.0/16' }] } }),
      'CNM_SUBNET_OVERLAP',
      'Pool overlaps with other one on this address space',
    );
    await refused(() => ctl.createNetwork({ name: 'bad' }), 'CNM_NETWORK_EXISTS', 'already exists');
    expect(rows()).toEqual(before);
  });

  it('a bridge name another link has is refused, and that link is left as it was', async () => {
    await t.r.linkAdd({ kind: 'veth', name: 'takenbr', peer: { name: 'takenbr-p' } });
    try {
      const e = await refused(
        () => ctl.createNetwork({ name: 'clash', options: { 'com.docker.network.bridge.name': 'takenbr' } }),
        'CNM_INVALID_CONFIG',
        'takenbr',
      );
      expect((e.cause as { code?: string }).code).toBe('EEXIST');
      expect(ctl.networks().map((n) => n.info().name)).not.toContain('clash');
    } finally {
      await t.r.linkDel('takenbr');
    }
  });

  it('none is on no other network, either way round, as in Docker', async () => {
    // The null driver's single network, which always exists.
    const none = ctl.network('none');
    const sb = await ctl.createSandbox({ name: 'n1' });
    await none.connect(sb);
    await refused(() => net.connect(sb), 'CNM_INVALID_CONFIG', 'null');
    await ctl.deleteSandboxes([sb]);
    const other = await ctl.createSandbox({ name: 'n2' });
    await net.connect(other);
    await refused(() => none.connect(other), 'CNM_INVALID_CONFIG', 'null');
  });

  it('a new sandbox gets Docker’s network sysctls: a non-root process binds port 80', async () => {
    const sb = await ctl.createSandbox({ name: 's1', sysctls: { 'net.ipv4.ip_forward': '1' } });
    const path = sb.info().netnsPath;
    const read = (key: string) => run('nsenter', [`--net=${path}`, 'cat', `/proc/sys/${key}`]).then((s) => s.trim());
    expect(await read('net/ipv4/ip_unprivileged_port_start')).toBe('0');
    expect((await read('net/ipv4/ping_group_range')).split(/\s+/)).toEqual(['0', '2147483647']);
    expect(await read('net/ipv4/ip_forward')).toBe('1');
    expect((await ipJson(path, ['link', 'show', 'lo']))[0]?.flags).toContain('UP');
    const bound = await run('nsenter', [
      `--net=${path}`,
      'setpriv',
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--',
      process.execPath,
      '-e',
      "require('net').createServer().listen(80, '127.0.0.1', function () { console.log('bound ' + this.address().port); this.close() })",
    ]);
    expect(bound.trim()).toBe('bound 80');
    // Opted out: the kernel's own defaults.
    const plain = await ctl.createSandbox({ name: 's2', defaultSysctls: false });
    expect(
      (
        await run('nsenter', [
          `--net=${plain.info().netnsPath}`,
          'cat',
          '/proc/sys/net/ipv4/ip_unprivileged_port_start',
        ])
      ).trim(),
    ).toBe('1024');
    // Not a network sysctl, or one the kernel refuses: refused, and no namespace is left.
    await refused(
      () => ctl.createSandbox({ name: 's3', sysctls: { 'kernel.shmmax': '1' } }),
      'CNM_INVALID_CONFIG',
      'net.*',
    );
    await refused(
      () => ctl.createSandbox({ name: 's3', sysctls: { 'net.ipv4.no_such_thing': '1' } }),
      'CNM_INVALID_CONFIG',
      'net.ipv4.no_such_thing',
    );
    expect(ctl.sandboxes().map((s) => s.info().name)).toEqual(['s1', 's2']);
  });
});

describe('the command line', () => {
  const base = () => ({ CNM_STATE_DIR: `${stateDir}-cli`, CNM_HOST_NETNS: t.host.path, CNM_NETNS_DIR: t.dir });

  afterAll(async () => {
    await rm(`${stateDir}-cli`, { recursive: true, force: true });
    await rm(`${stateDir}-files`, { recursive: true, force: true });
  });

  /** cnm ARGS with this environment: exit 1 and one line naming the code. */
  async function fails(args: readonly string[], env: Record<string, string>, code: string): Promise<string> {
    const r = await cli(args, { ...base(), ...env });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^Error ${code}: `));
    return r.stderr;
  }

  it('disconnect -f removes a stale endpoint whatever its state; sandbox create --sysctl', async () => {
    const cliCtl = await NetworkController.open({ stateDir: `${stateDir}-cli`, hostNetns: t.host, netnsDir: t.dir });
    try {
      const n = await cliCtl.createNetwork({ name: 'stale', ipam: { config: [{ subnet: '10.73.0.0/24' }] } });
      // An endpoint that was never joined (made through the library), and one whose sandbox lost its namespace.
      await n.createEndpoint({ name: 'lonely' });
      const sb = await cliCtl.createSandbox({ name: 'ghost' });
      await n.connect(sb, { portBindings: [{ proto: 'tcp', hostPort: 19110, containerPort: 80 }] });
      cliCtl.dropSandboxNamespace(sb.id)?.close();
      await run('umount', [sb.info().netnsPath]);
      await rm(sb.info().netnsPath);
    } finally {
      await cliCtl.close();
    }
    expect((await cli(['network', 'rm', 'stale'], base())).stderr).toMatch(
      /CNM_NETWORK_IN_USE: .*has active endpoints/,
    );
    await fails(['network', 'disconnect', 'stale', 'lonely'], {}, 'CNM_SANDBOX_NOT_FOUND');
    for (const target of ['lonely', 'ghost']) {
      const r = await cli(['network', 'disconnect', '-f', 'stale', target], base());
      expect(r, `disconnect -f stale ${target}`).toMatchObject({ code: 0, stderr: '' });
    }
    expect((await cli(['network', 'rm', 'stale'], base())).code).toBe(0);
    expect(await t.ip(['link', 'show', 'type', 'veth']), 'no veth is left').toEqual([]);
    expect(
      await run('nsenter', [`--net=${t.host.path}`, 'nft', 'list', 'map', 'inet', 'cnm', 'ports4any']),
    ).not.toContain('19110');
    expect((await cli(['sandbox', 'rm', 'ghost'], base())).code).toBe(0);

    const made = await cli(['sandbox', 'create', '--sysctl', 'net.ipv4.ip_forward=1', 'tuned'], base());
    expect(made.code, made.stderr).toBe(0);
    const path = JSON.parse((await cli(['sandbox', 'inspect', 'tuned'], base())).stdout)[0].NetworkSettings.SandboxKey;
    const read = (key: string) => run('nsenter', [`--net=${path}`, 'cat', `/proc/sys/${key}`]).then((x) => x.trim());
    expect(await read('net/ipv4/ip_forward')).toBe('1');
    expect(await read('net/ipv4/ip_unprivileged_port_start')).toBe('0');
    await fails(['sandbox', 'create', '--sysctl', 'kernel.shmmax=1', 'x'], {}, 'CNM_INVALID_CONFIG');
    expect((await cli(['sandbox', 'rm', 'tuned'], base())).code).toBe(0);
  });

  it('the issue as reported: a connect killed mid-join, then recover, then the network goes', async () => {
    expect((await cli(['network', 'create', 'n1'], base())).code).toBe(0);
    expect((await cli(['sandbox', 'create', 's1'], base())).code).toBe(0);
    const killed = await cli(['network', 'connect', '-p', '8080:80', 'n1', 's1'], {
      ...base(),
      CNM_CRASH_AT: 'endpoint.join.kernel',
    }).catch((e: Error) => e.message);
    expect(killed).toMatch(/ended by SIGKILL/);
    const recovered = await cli(['recover'], base());
    expect(recovered.code).toBe(0);
    expect(recovered.stdout, 'recover says what it did, also when opening did it').toMatch(
      /undid an unfinished connect/,
    );
    expect((await cli(['network', 'inspect', 'n1'], base())).stdout).toContain('"Containers": {}');
    expect((await cli(['sandbox', 'rm', 's1'], base())).code).toBe(0);
    expect(await cli(['network', 'rm', 'n1'], base())).toMatchObject({ code: 0, stdout: 'n1\n' });
    expect(await t.ip(['link', 'show', 'type', 'veth']), 'no veth is left').toEqual([]);
  });

  it('unusable state directories, a corrupt store, a bad host namespace and a netns directory that is a file', async () => {
    const files = `${stateDir}-files`;
    await mkdir(files, { recursive: true });
    await writeFile(`${files}/plain`, 'a file, not a directory');
    await fails(['network', 'ls'], { CNM_STATE_DIR: `${files}/plain` }, 'CNM_STORE_UNAVAILABLE');
    // Read-only: a read-only mount (this runs in the suite's private mount namespace).
    await mkdir(`${files}/ro`);
    await run('mount', ['-t', 'tmpfs', '-o', 'ro', 'cnm-ro', `${files}/ro`]);
    try {
      await fails(['network', 'ls'], { CNM_STATE_DIR: `${files}/ro` }, 'CNM_STORE_UNAVAILABLE');
    } finally {
      await run('umount', [`${files}/ro`]);
    }
    await mkdir(`${files}/corrupt`);
    await writeFile(`${files}/corrupt/cnm.db`, 'not a database, '.repeat(512));
    await fails(['network', 'ls'], { CNM_STATE_DIR: `${files}/corrupt` }, 'CNM_STORE_CORRUPT');
    await fails(['network', 'ls'], { CNM_HOST_NETNS: `${files}/plain` }, 'CNM_INVALID_CONFIG');
    await fails(['network', 'ls'], { CNM_HOST_NETNS: `${files}/missing` }, 'CNM_INVALID_CONFIG');
    // A namespace directory that is a file: refused, and no bind mount is left on it.
    const stderr = await fails(['sandbox', 'create', 'x'], { CNM_NETNS_DIR: `${files}/plain` }, 'CNM_INVALID_CONFIG');
    expect(stderr).toContain('netnsDir');
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain(`${files}/plain`);
    // One that others may write to (or a link another user planted) is refused too: cnm mounts there as root.
    await mkdir(`${files}/open`);
    await chmod(`${files}/open`, 0o777);
    const open = await fails(['sandbox', 'create', 'x'], { CNM_NETNS_DIR: `${files}/open` }, 'CNM_INVALID_CONFIG');
    expect(open).toContain('writable by others');
    expect(await readFile('/proc/self/mountinfo', 'utf8')).not.toContain(`${files}/open`);
    expect((await cli(['sandbox', 'ls', '-q'], base())).stdout).toBe('');
  });
});
