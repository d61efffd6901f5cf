// SPDX-License-Identifier: GPL-2.0-or-later
// The `cnm` binary, run for real against this file's host namespace: every
// command, its JSON against Docker's field names and types, exit codes,
// usage errors, bad input that must change nothing, and the demo end to end.
// Kernel state is checked with ip and nft, not with cnm's own output.
import { readdir, rm } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type CliResult, cli } from '../helpers/cli';
import { useTestHost } from '../helpers/host';
import { run } from '../helpers/run';

const t = useTestHost(import.meta.filename);
const stateDir = `/run/cnm-state-cli-${process.pid}`;
let env: Record<string, string> = {};

function cnm(args: readonly string[], o: Parameters<typeof cli>[2] = {}): Promise<CliResult> {
  env = { CNM_STATE_DIR: stateDir, CNM_HOST_NETNS: t.host.path, CNM_NETNS_DIR: t.dir };
  return cli(args, env, o);
}

/** Runs cnm and expects exit code 0; returns stdout. */
async function ok(args: readonly string[], o: { input?: string } = {}): Promise<string> {
  const r = await cnm(args, o);
  expect(r, `cnm ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
  return r.stdout;
}

/** Every row of every table of the store: what "changes nothing" means for the model. */
function storeContents(): Record<string, unknown[]> {
  const db = new Database(`${stateDir}/cnm.db`, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[];
    return Object.fromEntries(tables.map((t) => [t.name, db.prepare(`SELECT * FROM "${t.name}"`).all()]));
  } finally {
    db.close();
  }
}

/** --debug's output split into the ops it logged and everything else. */
function splitTrace(stderr: string): [string[], string] {
  const ops: string[] = [];
  const rest: string[] = [];
  for (const line of stderr.split('\n')) {
    if (line.startsWith('[rtnl ') || line.startsWith('[nft ')) continue;
    if (line.startsWith('  ')) ops.push(line.trim());
    else rest.push(line);
  }
  return [ops, rest.join('\n')];
}

/** `docker network inspect`'s keys, in its order. */
const DOCKER_NETWORK_KEYS = [
  'Name',
  'Id',
  'Created',
  'Scope',
  'Driver',
  'EnableIPv4',
  'EnableIPv6',
  'IPAM',
  'Internal',
  'Attachable',
  'Ingress',
  'ConfigFrom',
  'ConfigOnly',
  'Containers',
  'Options',
  'Labels',
];

/** Go's time.Time String() of an RFC 3339 UTC timestamp, as Docker's `CreatedAt`. */
function goTimeString(rfc3339: string): string {
  return rfc3339.replace('T', ' ').replace(/Z$/, ' +0000 UTC');
}

/** A table as Docker's tabwriter lays it out: each column but the last padded to max(10, widest + 3). */
function dockerLayout(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(10, ...rows.map((r) => (r[i] ?? '').length + 3)));
  return `${rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i] ?? 0) : c)).join('')).join('\n')}\n`;
}

function nsenter(path: string, ...command: string[]): Promise<string> {
  return run('nsenter', [`--net=${path}`, ...command]);
}

afterEach(async () => {
  // Whatever a test left in the model goes, so the host is back to lo.
  const sandboxes = (await cnm(['sandbox', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
  if (sandboxes.length > 0) await cnm(['sandbox', 'rm', ...sandboxes]);
  await cnm(['network', 'prune', '-f']);
});

afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('usage', () => {
  it('--version and -h exit 0; usage errors exit 2 with a message', async () => {
    const version = await cnm(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
    for (const args of [['-h'], ['network', '-h'], ['network', 'connect', '--help'], ['sandbox', 'rm', '-h']]) {
      const r = await cnm(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: cnm/);
    }
    for (const [args, message] of [
      [[], /^Usage: cnm /m],
      [['frobnicate'], /^error: unknown command 'frobnicate'/],
      [['network', 'ls', '--bogus'], /^error: unknown option '--bogus'/],
      [['network', 'create'], /^error: missing required argument 'name'/],
      [['network', 'connect', 'only-one'], /^error: missing required argument 'sandbox'/],
      [
        ['network', 'ls', '--format', '{{foo}}'],
        /^error: template parsing error: template: :1: function "foo" not defined/,
      ],
      [['network', 'ls', '--filter', 'colour=red'], /^error: invalid filter 'colour'/],
      [['network', 'inspect', '-f', '{{.Name', 'x'], /^error: template parsing error: template: :1: unclosed action/],
      [['sandbox', 'ls', '--format', '{{.Name | 3}}'], /non executable command in pipeline stage 2/],
      [['sandbox', 'create', 'x', '--pid', 'abc'], /^error: --pid abc: not a process id/],
      [['exec', 'x'], /^error: missing required argument 'command'/],
      [['demo', '--state-dir', '/tmp/x'], /^error: the demo makes its own namespace/],
    ] as [string[], RegExp][]) {
      const r = await cnm(args);
      expect(r.code, `cnm ${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, `cnm ${args.join(' ')}`).toMatch(message);
    }
    // Help asked for in every form exits 0.
    for (const args of [['help', 'network']]) {
      const r = await cnm(args);
      expect(r.code, `cnm ${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/usage/i);
    }
  });

  it('global flags work before or after the verb and win over the environment', async () => {
    const other = `${stateDir}-other`;
    const flagged = ['--state-dir', stateDir, '--host-netns', t.host.path, '--netns-dir', t.dir];
    const elsewhere = { CNM_STATE_DIR: other, CNM_HOST_NETNS: '/nonexistent', CNM_NETNS_DIR: '/nonexistent' };
    try {
      const made = await cli(['network', 'create', ...flagged, 'flagged'], elsewhere);
      expect(made.code, made.stderr).toBe(0);
      const before = await cli([...flagged, 'network', 'ls', '-q', '--json'], elsewhere);
      // The flagged network and the predefined bridge, host and none.
      expect(JSON.parse(before.stdout)).toHaveLength(4);
      const middle = await cli(['network', ...flagged, '--json', 'ls'], elsewhere);
      expect((JSON.parse(middle.stdout) as { Name: string }[]).map((n) => n.Name)).toEqual([
        'bridge',
        'flagged',
        'host',
        'none',
      ]);
      expect(await ok(['network', 'ls', '-q'])).toMatch(/^([0-9a-f]{12}\n){4}$/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe('networks', () => {
  it('create, ls (table, json, -q, filters), inspect in Docker shapes, rm', async () => {
    const id = (await ok(['network', 'create', 'web'])).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const backId = (
      await ok([
        'network',
        'create',
        '--subnet',
        '10.77.0.0/24',
        '--gateway',
        '10.77.0.254',
        '--ip-range',
        '10.77.0.128/25',
        '--aux-address',
        'router=10.77.0.2',
        '--label',
        'tier=back',
        '-o',
        'com.docker.network.bridge.name=br-back',
        '--internal',
        'back',
      ])
    ).trim();
    // The kernel has both bridges, the explicit one with its gateway.
    const links = await t.ip(['link', 'show', 'type', 'bridge']);
    expect(links.map((l) => l.ifname)).toContain('br-back');
    const addrs = await t.ip<{ addr_info: { local: string }[] }[]>(['addr', 'show', 'dev', 'br-back']);
    expect(addrs[0]?.addr_info.map((a) => a.local)).toContain('10.77.0.254');

    const [bridgeId, hostId, noneId] = (await ok(['network', 'inspect', '-f', '{{.Id}}', 'bridge', 'host', 'none']))
      .trim()
      .split('\n') as [string, string, string];
    const table = await ok(['network', 'ls']);
    const [header, ...rows] = table.trim().split('\n');
    // Go's tabwriter as Docker sets it: columns at least 10 wide, 3 spaces of padding.
    expect(header).toMatch(/^NETWORK ID {5}NAME {6}DRIVER {4}SCOPE$/);
    // Sorted by name, as Docker lists them, the predefined networks among them.
    expect(rows.map((r) => r.split(/ +/))).toEqual([
      [backId.slice(0, 12), 'back', 'bridge', 'local'],
      [bridgeId.slice(0, 12), 'bridge', 'bridge', 'local'],
      [hostId.slice(0, 12), 'host', 'host', 'local'],
      [noneId.slice(0, 12), 'none', 'null', 'local'],
      [id.slice(0, 12), 'web', 'bridge', 'local'],
    ]);
    const lines = (await ok(['network', 'ls', '--format', 'json'])).trim().split('\n');
    for (const line of lines) {
      const row = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(row).sort()).toEqual(
        ['CreatedAt', 'Driver', 'ID', 'IPv4', 'IPv6', 'Internal', 'Labels', 'Name', 'Scope'].sort(),
      );
      for (const v of Object.values(row)) expect(typeof v).toBe('string');
      // Go's time.Time String(): the fraction without its trailing zeros.
      expect(row.CreatedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{0,8}[1-9])? \+0000 UTC$/);
    }
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ Name: 'back', Internal: 'true', Labels: 'tier=back' });
    expect(await ok(['network', 'ls', '-q', '--no-trunc'])).toBe(
      `${backId}\n${bridgeId}\n${hostId}\n${noneId}\n${id}\n`,
    );
    expect(JSON.parse(await ok(['network', 'ls', '--no-trunc', '--json']))[0].ID).toBe(backId);
    // A label filter on a key no network has (and one every object has in JS) matches nothing.
    expect(await ok(['network', 'ls', '-q', '--filter', 'label=constructor'])).toBe('');
    expect(await ok(['network', 'ls', '-q', '--filter', 'label=tier=back'])).toBe(`${backId.slice(0, 12)}\n`);
    expect(await ok(['network', 'ls', '-q', '-f', 'name=we', '-f', 'name=ack'])).toBe(
      `${backId.slice(0, 12)}\n${id.slice(0, 12)}\n`,
    );
    expect(await ok(['network', 'ls', '-q', '-f', 'driver=bridge', '-f', 'name=zzz'])).toBe('');

    const text = await ok(['network', 'inspect', 'back']);
    const [net] = JSON.parse(text) as Record<string, unknown>[];
    // Docker's key order, Config's too; Created in RFC 3339 with nanoseconds, trailing zeros dropped.
    expect(Object.keys(net ?? {})).toEqual(DOCKER_NETWORK_KEYS);
    expect(text).toMatch(
      /"Subnet": "10.77.0.0\/24",\s+"IPRange": "10.77.0.128\/25",\s+"Gateway": "10.77.0.254",\s+"AuxiliaryAddresses"/,
    );
    expect(net).toEqual({
      Name: 'back',
      Id: backId,
      Created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z$/),
      Scope: 'local',
      Driver: 'bridge',
      EnableIPv4: true,
      EnableIPv6: false,
      IPAM: {
        Driver: 'default',
        Options: {},
        Config: [
          {
            Subnet: '10.77.0.0/24',
            Gateway: '10.77.0.254',
            IPRange: '10.77.0.128/25',
            AuxiliaryAddresses: { router: '10.77.0.2' },
          },
        ],
      },
      Internal: true,
      Attachable: false,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Containers: {},
      Options: { 'com.docker.network.bridge.name': 'br-back' },
      Labels: { tier: 'back' },
    });
    // By id prefix, several at once; --json on create prints the same object.
    const both = JSON.parse(await ok(['network', 'inspect', id.slice(0, 8), 'back'])) as { Name: string }[];
    expect(both.map((n) => n.Name)).toEqual(['web', 'back']);
    // none is the null driver's single network, predefined: another is refused, and it cannot be removed.
    expect(await cnm(['network', 'create', '-d', 'null', 'nothing'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error CNM_NETWORK_EXISTS: only one null network may exist\n',
    });
    expect(await cnm(['network', 'rm', 'web', 'none'])).toEqual({
      code: 1,
      stdout: 'web\n',
      stderr: 'Error CNM_INVALID_CONFIG: none is a pre-defined network and cannot be removed\n',
    });
    const partly = await cnm(['network', 'rm', 'nope', 'back']);
    expect(partly).toEqual({
      code: 1,
      stdout: 'back\n',
      stderr: 'Error CNM_NETWORK_NOT_FOUND: No such network: nope\n',
    });
    expect((await t.ip(['link', 'show', 'type', 'bridge'])).length).toBe(0);
  });

  it('prune asks first; -f removes every network without endpoints', async () => {
    await ok(['network', 'create', 'a']);
    await ok(['network', 'create', 'b']);
    await ok(['sandbox', 'create', 's1']);
    await ok(['network', 'connect', 'b', 's1']);
    // End of input is "no", as is "n".
    const eof = await cnm(['network', 'prune']);
    expect(eof.code).toBe(0);
    const declined = await cnm(['network', 'prune'], { input: 'n\n' });
    expect(declined.code).toBe(0);
    expect(declined.stderr).toContain('Are you sure you want to continue? [y/N]');
    // a, b and the predefined bridge, host and none.
    expect(await ok(['network', 'ls', '-q'])).toMatch(/^(\w{12}\n){5}$/);
    const accepted = await cnm(['network', 'prune', '--json'], { input: 'y\n' });
    expect(JSON.parse(accepted.stdout)).toEqual({
      NetworksDeleted: ['a'],
      NetworksSkipped: [{ Name: 'b', Reason: 'has 1 active endpoint(s)' }],
    });
    expect(accepted.stderr).toMatch(/\[y\/N\] Skipped b: has 1 active endpoint\(s\)\n$/);
    expect(await cnm(['network', 'prune', '-f'])).toEqual({
      code: 0,
      stdout: '',
      stderr: 'Skipped b: has 1 active endpoint(s)\n',
    });
    // The predefined networks are not custom: prune leaves them, silently, as Docker does.
    expect((JSON.parse(await ok(['network', 'ls', '--json'])) as { Name: string }[]).map((n) => n.Name)).toEqual([
      'b',
      'bridge',
      'host',
      'none',
    ]);
  });
});

describe('what Docker users type: --format, filters, -q, prune’s report', () => {
  it('ls and inspect print what docker network ls/inspect would for the same state', async () => {
    const webId = (
      await ok(['network', 'create', '--label', 'tier=front', '--label', 'com.example.team=ops', 'web'])
    ).trim();
    const net10 = (await ok(['network', 'create', 'net10'])).trim();
    const net2 = (await ok(['network', 'create', '-o', 'com.docker.network.bridge.name=br-n2', 'net2'])).trim();
    // bridge, host and none are predefined.
    const [bridgeId, hostId, noneId] = (await ok(['network', 'inspect', '-f', '{{.Id}}', 'bridge', 'host', 'none']))
      .trim()
      .split('\n') as [string, string, string];
    const sbId = (await ok(['sandbox', 'create', 's1'])).trim();
    await ok(['network', 'connect', '-p', '8080:80', 'web', 's1']);
    const inspected = JSON.parse(
      await ok(['network', 'inspect', 'bridge', 'host', 'net10', 'net2', 'none', 'web']),
    ) as {
      Name: string;
      Id: string;
      Created: string;
      Driver: string;
      Labels: Record<string, string>;
    }[];
    // Natural order, as Docker sorts: net2 before net10.
    const byName = ['bridge', 'host', 'net2', 'net10', 'none', 'web'].map((n) => inspected.find((i) => i.Name === n));
    // Docker's default bridge, as `docker network inspect bridge` shows it (on cnm0, not docker0).
    expect(inspected[0]).toMatchObject({
      Name: 'bridge',
      Id: bridgeId,
      Driver: 'bridge',
      Scope: 'local',
      EnableIPv6: false,
      IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }] },
      Internal: false,
      Attachable: false,
      Containers: {},
      Options: {
        'com.docker.network.bridge.default_bridge': 'true',
        'com.docker.network.bridge.enable_icc': 'true',
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
        'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
        'com.docker.network.bridge.name': 'cnm0',
        'com.docker.network.driver.mtu': '1500',
      },
      Labels: {},
    });
    const short = (id: string) => id.slice(0, 12);

    // The default table, field by field as Docker lays it out.
    expect(await ok(['network', 'ls'])).toBe(
      dockerLayout([
        ['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'],
        ...byName.map((n) => [short(n?.Id ?? ''), n?.Name ?? '', n?.Driver ?? '', 'local']),
      ]),
    );
    // A table of one's own: header from Docker's names, .Label "k" headed by its last part.
    expect(
      await ok(['network', 'ls', '--format', 'table {{.Name}}\\t{{.Label "com.example.team"}}\\t{{.Labels}}']),
    ).toBe(
      dockerLayout([
        ['NAME', 'team', 'LABELS'],
        ['bridge', '', ''],
        ['host', '', ''],
        ['net2', '', ''],
        ['net10', '', ''],
        ['none', '', ''],
        ['web', 'ops', 'com.example.team=ops,tier=front'],
      ]),
    );
    // Plain templates: one line per network; CreatedAt is Go's time.Time String() of inspect's Created.
    expect(
      await ok(['network', 'ls', '--no-trunc', '--format', '{{.ID}} {{.Name}} {{.CreatedAt}} {{.IPv6}} {{.Internal}}']),
    ).toBe(byName.map((n) => `${n?.Id} ${n?.Name} ${goTimeString(n?.Created ?? '')} false false\n`).join(''));
    expect(await ok(['network', 'ls', '--format', '{{json .}}'])).toBe(await ok(['network', 'ls', '--format', 'json']));
    expect(
      await ok(['network', 'ls', '--format', '{{if eq .Driver "bridge"}}{{upper .Name}}{{end}}', '-f', 'name=^net']),
    ).toBe('NET2\nNET10\n');

    // Filters: type and dangling, with the others; -q prints ids.
    expect(await ok(['network', 'ls', '-q', '-f', 'type=builtin'])).toBe(
      `${short(bridgeId)}\n${short(hostId)}\n${short(noneId)}\n`,
    );
    expect(await ok(['network', 'ls', '-q', '-f', 'dangling=true'])).toBe(`${short(net2)}\n${short(net10)}\n`);
    expect(await ok(['network', 'ls', '-q', '-f', 'dangling=0', '-f', 'type=custom'])).toBe(`${short(webId)}\n`);
    expect(await ok(['network', 'ls', '-q', '--no-trunc', '-f', 'type=custom', '-f', 'label=tier'])).toBe(`${webId}\n`);
    expect(await ok(['network', 'ls', '-q', '--format', '{{.Name}}', '-f', 'driver=host'])).toBe('host\n');
    for (const [filter, message] of [
      ['type=weird', "invalid filter: 'type'='weird'"],
      ['dangling=maybe', `invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`],
    ]) {
      expect(await cnm(['network', 'ls', '-f', filter as string])).toEqual({
        code: 2,
        stdout: '',
        stderr: `error: ${message}\n`,
      });
    }

    // inspect -f: Docker's typed object first (.ID, .Created a time), its JSON when that fails (.Id).
    const web = byName[5];
    expect(await ok(['network', 'inspect', '-f', '{{.Name}} {{.ID}} {{.Created}}', 'web'])).toBe(
      `web ${webId} ${goTimeString(web?.Created ?? '')}\n`,
    );
    expect(await ok(['network', 'inspect', '-f', '{{.Id}} {{.Created}}', 'web', 'net2'])).toBe(
      `${webId} ${web?.Created}\n${net2} ${byName[2]?.Created}\n`,
    );
    expect(
      await ok([
        'network',
        'inspect',
        '-f',
        '{{range $id, $c := .Containers}}{{$id}} {{$c.Name}} {{$c.IPv4Address}}{{end}}',
        'web',
      ]),
    ).toMatch(new RegExp(`^${sbId} s1 172\\.\\d+\\.0\\.2/16\\n$`));
    expect(
      await ok([
        'network',
        'inspect',
        '-f',
        '{{index .Options "com.docker.network.bridge.name"}}|{{.Labels.nope}}|{{len .Labels}}',
        'net2',
        'web',
      ]),
    ).toBe('br-n2|<no value>|0\nnone|<no value>|2\n'.replace('none', ''));
    const config = JSON.parse(await ok(['network', 'inspect', '-f', '{{json .IPAM.Config}}', 'web'])) as unknown;
    expect(config).toEqual([{ Subnet: expect.stringMatching(/^172\./), Gateway: expect.stringMatching(/^172\./) }]);
    expect(
      JSON.parse(await ok(['network', 'inspect', '-f', 'json', 'bridge', 'host', 'net10', 'net2', 'none', 'web'])),
    ).toEqual(inspected);
    // A template that fails on the objects is a usage error, worded as Docker's.
    expect(await cnm(['network', 'inspect', '-f', '{{.Nope}}', 'web'])).toEqual({
      code: 2,
      stdout: '\n',
      stderr:
        'error: template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"\n',
    });
    expect(await cnm(['network', 'ls', '--format', '{{.Nope}}'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *network.networkContext\n',
    });

    // Sandboxes: the same verbs.
    expect(await ok(['sandbox', 'ls', '-q'])).toBe(`${short(sbId)}\n`);
    expect(await ok(['sandbox', 'ls', '-q', '--no-trunc'])).toBe(`${sbId}\n`);
    expect(await ok(['sandbox', 'ls', '--format', '{{.Name}} {{.Networks}} {{.Ports}}'])).toBe('s1 web 8080->80/tcp\n');
    expect(
      await ok([
        'sandbox',
        'inspect',
        '-f',
        '{{.Name}} {{(index .NetworkSettings.Networks "web").Gateway}} {{index .NetworkSettings.Ports "80/tcp"}}',
        's1',
      ]),
    ).toMatch(/^s1 172\.\d+\.0\.1 \[\{0\.0\.0\.0 8080\}\]\n$/);

    // prune: removes the dangling custom networks, says which custom one it skipped and why, exits 0;
    // the predefined networks are not custom and are not considered (as in Docker).
    const pruned = await cnm(['network', 'prune', '-f', '--json']);
    expect(pruned.code).toBe(0);
    expect(JSON.parse(pruned.stdout)).toEqual({
      NetworksDeleted: ['net10', 'net2'],
      NetworksSkipped: [{ Name: 'web', Reason: 'has 1 active endpoint(s)' }],
    });
    expect(pruned.stderr).toBe('Skipped web: has 1 active endpoint(s)\n');
    await ok(['sandbox', 'rm', 's1']);
    expect(await ok(['network', 'rm', 'web'])).toBe('web\n');
    expect((await ok(['network', 'ls', '--format', '{{.Name}}'])).split('\n')).toEqual(['bridge', 'host', 'none', '']);
  });
});

describe('sandboxes, connect, exec', () => {
  it('connects with an address, an alias and published ports, as ip and nft see it', async () => {
    await ok(['network', 'create', '--subnet', '10.78.0.0/24', 'app']);
    const sbId = (await ok(['sandbox', 'create', 'c1'])).trim();
    expect(sbId).toMatch(/^[0-9a-f]{64}$/);
    await ok([
      'network',
      'connect',
      '--ip',
      '10.78.0.50',
      '--alias',
      'api',
      '-p',
      '8080:80',
      '-p',
      '9000-9001:90-91/udp',
      'app',
      'c1',
    ]);

    const [sb] = JSON.parse(await ok(['sandbox', 'inspect', 'c1'])) as {
      NetworkSettings: { SandboxKey: string; Ports: unknown; Networks: Record<string, unknown> };
    }[];
    const key = sb?.NetworkSettings.SandboxKey ?? '';
    expect(key.startsWith(`${t.dir}/`)).toBe(true);
    expect(sb?.NetworkSettings.Ports).toEqual({
      '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }],
      '90/udp': [{ HostIp: '0.0.0.0', HostPort: '9000' }],
      '91/udp': [{ HostIp: '0.0.0.0', HostPort: '9001' }],
    });
    expect(sb?.NetworkSettings.Networks.app).toEqual({
      Aliases: ['api'],
      MacAddress: expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/),
      NetworkID: expect.stringMatching(/^[0-9a-f]{64}$/),
      EndpointID: expect.stringMatching(/^[0-9a-f]{64}$/),
      Gateway: '10.78.0.1',
      IPAddress: '10.78.0.50',
      IPPrefixLen: 24,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      DNSNames: ['c1', 'api', sbId.slice(0, 12)],
    });
    const eth0 = JSON.parse(await nsenter(key, 'ip', '-j', 'addr', 'show', 'eth0')) as {
      addr_info: { local: string }[];
    }[];
    expect(eth0[0]?.addr_info.map((a) => a.local)).toContain('10.78.0.50');
    expect(await nsenter(t.host.path, 'nft', 'list', 'map', 'inet', 'cnm', 'ports4any')).toContain(
      'tcp . 8080 : 10.78.0.50 . 80',
    );
    const [net] = JSON.parse(await ok(['network', 'inspect', 'app'])) as { Containers: Record<string, unknown> }[];
    expect(net?.Containers).toEqual({
      [sbId]: {
        Name: 'c1',
        EndpointID: expect.stringMatching(/^[0-9a-f]{64}$/),
        MacAddress: expect.any(String),
        IPv4Address: '10.78.0.50/24',
        IPv6Address: '',
      },
    });

    // exec: the command runs in the sandbox's namespace and its exit code comes back.
    const inside = JSON.parse(await ok(['exec', 'c1', '--', 'ip', '-j', 'addr', 'show', 'eth0'])) as {
      addr_info: { local: string }[];
    }[];
    expect(inside[0]?.addr_info.map((a) => a.local)).toContain('10.78.0.50');
    expect((await cnm(['exec', 'c1', 'sh', '-c', 'exit 7'])).code).toBe(7);
    // Ctrl-C is the command's to handle (cnm outlives it); SIGTERM to cnm reaches the command.
    // The signals wait for cnm to be running the command: starting node and opening the
    // store can take most of a second on a loaded machine.
    const signalled = await cnm(['exec', 'c1', '--', 'sh', '-c', 'trap "kill $!; exit 3" TERM; sleep 10 & wait'], {
      signals: [
        { name: 'SIGINT', afterMs: 2500 },
        { name: 'SIGTERM', afterMs: 3500 },
      ],
    });
    expect(signalled.code).toBe(3);

    const table = (await ok(['sandbox', 'ls'])).trim().split('\n');
    expect(table[0]).toMatch(/^SANDBOX ID {5}NAME {6}NETWORKS {3}NETNS$/);
    expect(table[1]?.split(/ +/)).toEqual([sbId.slice(0, 12), 'c1', 'app', key]);

    await ok(['network', 'disconnect', 'app', 'c1']);
    expect(JSON.parse(await nsenter(key, 'ip', '-j', 'link'))).toHaveLength(1);
    expect(await nsenter(t.host.path, 'nft', 'list', 'map', 'inet', 'cnm', 'ports4any')).not.toContain('8080');
    const again = await cnm(['network', 'disconnect', 'app', 'c1']);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/^Error CNM_ENDPOINT_NOT_FOUND: /) });

    expect(await ok(['sandbox', 'rm', 'c1'])).toBe('c1\n');
    expect(await readdir(t.dir)).toEqual(['host']);
  });

  it('adopts a namespace by path and leaves it in place on rm', async () => {
    const own = await t.netns('adopted');
    await ok(['sandbox', 'create', '--netns', own.path, 'outside']);
    await ok(['network', 'create', 'n1']);
    await ok(['network', 'connect', 'n1', 'outside']);
    expect((await t.ip(['link'], own)).map((l) => l.ifname)).toContain('eth0');
    await ok(['sandbox', 'rm', 'outside']);
    // Left in place, its interface gone.
    expect((await t.ip(['link'], own)).map((l) => l.ifname)).toEqual(['lo']);
    own.close();
    await run('umount', [own.path]);
    await rm(own.path);
  });

  it('disconnect still works when the namespace vanished; recover forgets the sandbox and says so', async () => {
    await ok(['network', 'create', 'n2']);
    await ok(['sandbox', 'create', 'gone']);
    await ok(['sandbox', 'create', 'kept']);
    await ok(['network', 'connect', 'n2', 'gone']);
    await ok(['network', 'connect', 'n2', 'kept']);
    const [sb] = JSON.parse(await ok(['sandbox', 'inspect', 'gone'])) as { NetworkSettings: { SandboxKey: string } }[];
    const key = sb?.NetworkSettings.SandboxKey ?? '';
    // Outside interference: the namespace is removed behind cnm's back (its veth goes with it).
    await run('umount', [key]);
    await rm(key);
    await ok(['network', 'disconnect', 'n2', 'gone']);
    // -f on a healthy endpoint is a plain disconnect.
    await ok(['network', 'disconnect', '-f', 'n2', 'kept']);
    expect(JSON.parse(await ok(['network', 'inspect', 'n2']))[0].Containers).toEqual({});
    // No veth of either endpoint is left on the host.
    expect(await t.ip(['link', 'show', 'type', 'veth'])).toEqual([]);
    const repaired = JSON.parse(await ok(['recover', '--json'])) as string[];
    expect(repaired).toEqual([expect.stringMatching(/^forgot sandbox gone: its namespace .* is gone$/)]);
    expect(await ok(['recover'])).toBe('nothing to repair\n');
    expect(JSON.parse(await ok(['sandbox', 'ls', '--json'])).map((s: { Name: string }) => s.Name)).toEqual(['kept']);
  });
});

describe('bad input', () => {
  it('each prints its code, exits 1 and changes nothing', async () => {
    await ok(['network', 'create', '--subnet', '10.79.0.0/24', 'taken']);
    await ok(['sandbox', 'create', 'here']);
    const snapshot = async () => ({
      // Without -d: the bridge's timers tick between two dumps.
      links: await nsenter(t.host.path, 'ip', '-j', 'addr'),
      ruleset: await nsenter(t.host.path, 'nft', '-j', 'list', 'ruleset'),
      store: storeContents(),
      namespaces: (await readdir(t.dir)).sort(),
    });
    const before = await snapshot();
    const cases: [string[], string][] = [
      [['network', 'create', '--subnet', '10.0.0.0/33', 'x'], 'CNM_INVALID_CONFIG'],
      [['network', 'create', '--subnet', '10.79.0.0/16', 'x'], 'CNM_SUBNET_OVERLAP'],
      [['network', 'create', '--subnet', '10.81.0.0/24', '--subnet', '10.82.0.0/24', 'x'], 'CNM_NOT_SUPPORTED'],
      [['network', 'create', '--gateway', '10.1.1.1', 'x'], 'CNM_INVALID_CONFIG'],
      [['network', 'create', 'taken'], 'CNM_NETWORK_EXISTS'],
      [['network', 'create', 'bad/name'], 'CNM_INVALID_CONFIG'],
      [['network', 'create', '-d', 'macvlan', '-o', 'macvlan_mode=l3', 'x'], 'CNM_INVALID_CONFIG'],
      [
        ['network', 'create', '-d', 'macvlan', '-o', 'parent=nope0', '--subnet', '10.83.0.0/24', 'x'],
        'CNM_INVALID_CONFIG',
      ],
      [['network', 'create', '-d', 'ipvlan', 'x'], 'CNM_NOT_SUPPORTED'],
      [['network', 'create', '-d', 'weave', 'x'], 'CNM_INVALID_CONFIG'],
      [['network', 'create', '-o', 'com.docker.network.bridge.enable_icc=maybe', 'x'], 'CNM_INVALID_CONFIG'],
      [['network', 'create', '--ipam-driver', 'dhcp', 'x'], 'CNM_NOT_SUPPORTED'],
      [['network', 'inspect', 'nope'], 'CNM_NETWORK_NOT_FOUND'],
      [['network', 'connect', 'nope', 'here'], 'CNM_NETWORK_NOT_FOUND'],
      [['network', 'connect', 'taken', 'nobody'], 'CNM_SANDBOX_NOT_FOUND'],
      [['network', 'connect', '--ip', '10.80.0.5', 'taken', 'here'], 'CNM_INVALID_CONFIG'],
      [['network', 'connect', '--ip', '10.79.0.1', 'taken', 'here'], 'CNM_ADDRESS_IN_USE'],
      [['network', 'connect', '-p', '80/icmp', 'taken', 'here'], 'CNM_INVALID_CONFIG'],
      [['network', 'connect', '-p', '8080:70000', 'taken', 'here'], 'CNM_INVALID_CONFIG'],
      [['network', 'connect', '-p', '[::1]:80:80', 'taken', 'here'], 'CNM_NOT_SUPPORTED'],
      [['network', 'connect', '--mac-address', '01:00:00:00:00:01', 'taken', 'here'], 'CNM_INVALID_CONFIG'],
      [['network', 'rm', 'nope'], 'CNM_NETWORK_NOT_FOUND'],
      [['sandbox', 'create', 'here'], 'CNM_SANDBOX_EXISTS'],
      [['sandbox', 'create', '--netns', '/nonexistent/ns', 'y'], 'CNM_INVALID_CONFIG'],
      [['sandbox', 'inspect', 'nobody'], 'CNM_SANDBOX_NOT_FOUND'],
      [['sandbox', 'rm', 'nobody'], 'CNM_SANDBOX_NOT_FOUND'],
      [['exec', 'nobody', 'true'], 'CNM_SANDBOX_NOT_FOUND'],
    ];
    for (const [args, code] of cases) {
      // --debug shows every kernel transaction: none may change anything.
      const r = await cnm([...args, '--debug']);
      const what = `cnm ${args.join(' ')}: ${r.stderr}`;
      expect(r.code, what).toBe(1);
      const [ops, rest] = splitTrace(r.stderr);
      expect(rest, what).toMatch(new RegExp(`^Error ${code}: [^\\n]+\\n$`));
      for (const op of ops) expect(op, what).toMatch(/"op":"(link|addr|route|neigh)\.(dump|get)"/);
    }
    // Without --debug the error is the only line.
    const plain = await cnm(['network', 'create', 'taken']);
    expect(plain.stderr).toBe('Error CNM_NETWORK_EXISTS: network with name taken already exists\n');
    expect(await snapshot()).toEqual(before);
  });
});

describe('--debug', () => {
  it('logs each netlink and nftables transaction on stderr', async () => {
    const r = await cnm(['network', 'create', '--debug', 'dbg']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\[rtnl \S+\] \d+ op\(s\) [\d.]+ ms ok\n {2}\{"op":"link.add","kind":"bridge"/m);
    expect(r.stderr).toMatch(/^\[nft \S+\] \d+ op\(s\) [\d.]+ ms ok\n {2}add table inet cnm/m);
  });
});

describe('demo', () => {
  it('runs end to end in its own namespace, every check passing, and leaves nothing here', async () => {
    // The demo's own namespace is a child of the one this test process runs in: compare that one.
    const here = async () => ({
      links: JSON.parse(await run('ip', ['-j', 'link'])) as { ifname: string }[],
      ruleset: await run('nft', ['list', 'ruleset']),
      mounts: (await run('cat', ['/proc/self/mountinfo'])).split('\n').filter((l) => l.includes('cnm-private')),
    });
    const before = await here();
    // The demo makes its own throwaway namespace: this file's settings do not apply.
    const r = await cli(['demo', '--json'], {}, { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      checks: { name: string; ok: boolean; detail: string }[];
      scale: { n: number; cnm: { attachMs: number }; ipBatch: { attachMs: number } };
    };
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ['bridge network "front" with an automatic subnet', true],
      ['two sandboxes on "front" reach each other by address', true],
      ['a published port is reached from the host', true],
      ['a second network cannot reach the first', true],
      ['an internal network has no way out', true],
      ['macvlan network on "lan0": sandboxes reach each other and the LAN router, and it reaches them', true],
      ['overlay network across two simulated hosts (private etcd, an agent each): sandboxes reach each other', true],
    ]);
    expect(report.scale.n).toBe(200);
    expect(report.scale.cnm.attachMs).toBeGreaterThan(0);
    expect(report.scale.ipBatch.attachMs).toBeGreaterThan(0);
    expect(await here()).toEqual(before);
    const text = await cli(['demo', '--sandboxes', '0'], {}, { timeoutMs: 120_000 });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^PASS {2}a published port is reached from the host$/m);
    expect(text.stdout).toMatch(/all 7 checks passed/);
    // Without etcd the multi-host check says how to get it, and is skipped, not failed.
    const bare = await cli(['demo', '--sandboxes', '0'], { CNM_ETCD: '/nonexistent/etcd' }, { timeoutMs: 120_000 });
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toMatch(/^SKIP {2}overlay network across two simulated hosts/m);
    expect(bare.stdout).toMatch(/skipped: etcd is not installed \(apt-get install etcd-server/);
    expect(bare.stdout).toMatch(/all 6 checks passed in [\d.]+ s \(1 skipped\)/);
  });
});
