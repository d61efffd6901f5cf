// SPDX-License-Identifier: GPL-2.0-or-later
// The CLI's output shapes: Docker's filters for network ls, tables as Go's
// tabwriter aligns them, natural name order, Go's time forms, the JSON of
// inspect views (Docker's field order, Gateway only when set, sorted maps),
// and the --format plumbing (-q, json, table headers, inspect fallbacks).
// The template engine itself is checked against Go in cli-go-template-golden.test.ts.
import { describe, expect, it } from 'vitest';
import type { DockerNetwork, DockerSandbox } from '../../lib/cli/docker-json';
import { formatInspect, formatList } from '../../lib/cli/format/docker-formatter';
import {
  headerContext,
  NETWORK_HEADERS,
  networkInspectView,
  networkRow,
  SANDBOX_HEADERS,
  sandboxInspectView,
  sandboxRow,
} from '../../lib/cli/format/docker-views';
import { sprintf } from '../../lib/cli/format/go-fmt';
import { goJson, plainJson } from '../../lib/cli/format/go-json';
import { goTime } from '../../lib/cli/format/go-time';
import { GoFloat, stringMap } from '../../lib/cli/format/go-values';
import { naturalCompare } from '../../lib/cli/format/natural-sort';
import { tabwrite } from '../../lib/cli/format/tabwriter';
import { GoTemplate } from '../../lib/cli/format/template';
import { listFormat } from '../../lib/cli/formatted';
import { NETWORK_TABLE } from '../../lib/cli/network-commands';
import { type FilterableNetwork, networkFilter } from '../../lib/cli/network-filter';
import { UsageError } from '../../lib/cli/run-many';

const net = (over: Partial<DockerNetwork> = {}): DockerNetwork => ({
  Name: 'web',
  Id: '0f3a9c1d2b4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff',
  Created: '2026-12-01T21:19:15.123456789Z',
  Scope: 'local',
  Driver: 'bridge',
  EnableIPv4: true,
  EnableIPv6: false,
  IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: '10.77.0.0/24', Gateway: '10.77.0.1' }] },
  Internal: false,
  Attachable: false,
  Ingress: false,
  ConfigFrom: { Network: '' },
  ConfigOnly: false,
  Containers: {},
  Options: {},
  Labels: {},
  ...over,
});

describe('network ls --filter (Docker’s rules)', () => {
  const nets: FilterableNetwork[] = [
    { id: 'aaa111', name: 'web', driver: 'bridge', scope: 'local', labels: { tier: 'front', team: 'a' }, endpoints: 2 },
    { id: 'bbb222', name: 'web-2', driver: 'bridge', scope: 'local', labels: { tier: 'back' }, endpoints: 0 },
    { id: 'ccc333', name: 'none', driver: 'null', scope: 'local', labels: {}, endpoints: 0 },
    { id: 'ddd444', name: 'host', driver: 'host', scope: 'local', labels: {}, endpoints: 1 },
    { id: 'eee555', name: 'bridge', driver: 'bridge', scope: 'local', labels: {}, endpoints: 0 },
    { id: 'fff666', name: 'db', driver: 'bridge', scope: 'global', labels: { team: 'a' }, endpoints: 0 },
  ];
  const names = (...filters: string[]) => nets.filter(networkFilter(filters)).map((n) => n.name);

  it.each([
    [[], ['web', 'web-2', 'none', 'host', 'bridge', 'db']],
    [['type=builtin'], ['none', 'host', 'bridge']],
    [['type=custom'], ['web', 'web-2', 'db']],
    [
      ['type=custom', 'type=builtin'],
      ['web', 'web-2', 'none', 'host', 'bridge', 'db'],
    ],
    // Dangling: no endpoints, and never a predefined network.
    [['dangling=true'], ['web-2', 'db']],
    [['dangling=1'], ['web-2', 'db']],
    [['dangling=false'], ['web', 'none', 'host', 'bridge']],
    [['dangling=0', 'type=custom'], ['web']],
    // Names and ids: exact, or a regular expression found anywhere.
    [['name=web'], ['web', 'web-2']],
    [['name=^web$'], ['web']],
    [['name=(?i)^WEB'], ['web', 'web-2']],
    [['name=[invalid'], []],
    [
      ['name=db', 'name=none'],
      ['none', 'db'],
    ],
    [['id=bbb'], ['web-2']],
    [['id=^ccc333$'], ['none']],
    [
      ['driver=bridge', 'scope=local'],
      ['web', 'web-2', 'bridge'],
    ],
    [
      ['driver=null', 'driver=host'],
      ['none', 'host'],
    ],
    // Labels: every label filter must match (Docker ANDs them).
    [['label=team'], ['web', 'db']],
    [['label=team=a', 'label=tier'], ['web']],
    [['label=tier=back'], ['web-2']],
    [['label=constructor'], []],
    [[' Name = web-2 '], ['web-2']],
  ])('%j', (filters, want) => {
    expect(names(...filters)).toEqual(want);
  });

  it.each([
    ['colour=red', "invalid filter 'colour'"],
    ['name', 'bad format of filter (expected name=value)'],
    ['type=weird', "invalid filter: 'type'='weird'"],
    ['dangling=maybe', `invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`],
  ])('refuses %j as a usage error', (filter, message) => {
    expect(() => networkFilter([filter])).toThrow(new UsageError(message));
  });

  it('refuses two dangling values', () => {
    expect(() => networkFilter(['dangling=true', 'dangling=0'])).toThrow(
      'got more than one value for filter key "dangling"',
    );
    expect(() => networkFilter(['dangling=true', 'dangling=true'])).not.toThrow();
  });
});

describe('tables (Go’s tabwriter: minimum width 10, padding 3)', () => {
  it('pads each column to its widest cell plus 3, at least 10', () => {
    expect(tabwrite('NETWORK ID\tNAME\tDRIVER\tSCOPE\n0f3a9c1d2b4e\tweb\tbridge\tlocal\n')).toBe(
      'NETWORK ID     NAME      DRIVER    SCOPE\n0f3a9c1d2b4e   web       bridge    local\n',
    );
  });

  it('aligns only consecutive lines that have the column; the text after the last tab is free', () => {
    expect(tabwrite('a\tb\tc\nlonger-cell\tx\nsolo\nq\tr\n')).toBe(
      'a             b         c\nlonger-cell   x\nsolo\nq         r\n',
    );
  });

  it('counts code points, not bytes', () => {
    expect(tabwrite('é\tx\n')).toBe('é         x\n');
  });
});

describe('natural order (docker network ls)', () => {
  it('compares digit runs as numbers and puts digits first', () => {
    const names = ['net10', 'net2', 'net1', 'Net', 'net', 'a-1', 'a1', 'net02', 'web'];
    expect(names.sort(naturalCompare)).toEqual(['Net', 'a1', 'a-1', 'net', 'net1', 'net2', 'net02', 'net10', 'web']);
  });
});

describe('Go time forms from the model’s timestamps', () => {
  it.each([
    ['2026-12-01T21:19:15.123456789Z', '2026-12-01 21:19:15.123456789 +0000 UTC', '2026-12-01T21:19:15.123456789Z'],
    ['2026-12-01T21:19:15.123456780Z', '2026-12-01 21:19:15.12345678 +0000 UTC', '2026-12-01T21:19:15.12345678Z'],
    ['2026-12-01T21:19:15.120Z', '2026-12-01 21:19:15.12 +0000 UTC', '2026-12-01T21:19:15.12Z'],
    ['2026-12-01T21:19:15.000000000Z', '2026-12-01 21:19:15 +0000 UTC', '2026-12-01T21:19:15Z'],
    ['2026-12-01T21:19:15Z', '2026-12-01 21:19:15 +0000 UTC', '2026-12-01T21:19:15Z'],
    ['2026-12-01T21:19:15.5', undefined, undefined],
    ['2026-12-01T23:19:15.5+02:00', '2026-12-01 21:19:15.5 +0000 UTC', '2026-12-01T21:19:15.5Z'],
  ])('%s', (iso, text, rfc3339) => {
    if (text === undefined) {
      expect(() => goTime(iso)).toThrow('not an ISO 8601 timestamp');
      return;
    }
    expect(goTime(iso)).toMatchObject({ text, rfc3339 });
  });
});

describe('inspect views', () => {
  it("network: Docker's field order, Gateway only when set, maps sorted, HTML escaped as the daemon does", () => {
    const doc = net({
      IPAM: {
        Driver: 'default',
        Options: {},
        Config: [{ Subnet: '10.1.0.0/24', IPRange: '10.1.0.128/25', AuxiliaryAddresses: { r: '10.1.0.2' } }],
      },
      Options: { z: '1', 'a<b': '2' },
      Labels: { '10': 'x', '9': 'y', b: 'z' },
    });
    const text = goJson(networkInspectView(doc), { escapeHTML: true });
    expect(Object.keys(JSON.parse(text))).toEqual(Object.keys(doc));
    expect(text).toContain(
      '"Config":[{"Subnet":"10.1.0.0/24","IPRange":"10.1.0.128/25","AuxiliaryAddresses":{"r":"10.1.0.2"}}]',
    );
    expect(text).toContain('"Options":{"a\\u003cb":"2","z":"1"}');
    // Go sorts keys as strings: "10" before "9" (a JS object would not keep that order).
    expect(text).toContain('"Labels":{"10":"x","9":"y","b":"z"}');
    expect(JSON.parse(text)).toEqual(doc);
  });

  it('network: the typed view has Go field names; .Created is a time', () => {
    const view = networkInspectView(net());
    expect(GoTemplate.parse('{{.ID}} {{.Created}} {{printf "%T" .Created}}').execute(view)).toBe(
      '0f3a9c1d2b4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff 2026-12-01 21:19:15.123456789 +0000 UTC time.Time',
    );
  });

  it('sandbox: its JSON is the inspect object; rows and templates see Docker-like fields', () => {
    const doc: DockerSandbox = {
      Id: 'abcdef0123456789'.repeat(4),
      Name: 'c1',
      Created: '2026-12-01T21:19:15.5Z',
      Owned: true,
      NetworkSettings: {
        SandboxKey: '/run/cnm/netns/abcdef012345',
        Ports: {
          '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }],
          '53/udp': [{ HostIp: '127.0.0.1', HostPort: '53' }],
        },
        Networks: {
          web: {
            Aliases: ['api'],
            MacAddress: '02:42:ac:11:00:02',
            NetworkID: 'n1',
            EndpointID: 'e1',
            Gateway: '172.17.0.1',
            IPAddress: '172.17.0.2',
            IPPrefixLen: 16,
            IPv6Gateway: '',
            GlobalIPv6Address: '',
            GlobalIPv6PrefixLen: 0,
            DNSNames: ['c1', 'api'],
          },
        },
      },
    };
    expect(JSON.parse(goJson(sandboxInspectView(doc)))).toEqual(doc);
    const t =
      '{{.Id}} {{.NetworkSettings.Networks.web.IPAddress}}/{{.NetworkSettings.Networks.web.IPPrefixLen}} {{index .NetworkSettings.Ports "80/tcp"}}';
    expect(formatInspect(t, [{ typed: sandboxInspectView(doc) }]).out).toBe(
      `${doc.Id} 172.17.0.2/16 [map[HostIp:0.0.0.0 HostPort:8080]]\n`,
    );
    const row = sandboxRow(doc, true);
    expect(
      GoTemplate.parse('{{.ID}}|{{.Name}}|{{.Networks}}|{{.Netns}}|{{.Owned}}|{{.Ports}}|{{.CreatedAt}}').execute(row),
    ).toBe(
      'abcdef012345|c1|web|/run/cnm/netns/abcdef012345|true|127.0.0.1:53->53/udp, 8080->80/tcp|2026-12-01 21:19:15.5 +0000 UTC',
    );
    expect(
      formatList('table', [row], headerContext(SANDBOX_HEADERS), 'table {{.ID}}\t{{.Name}}\t{{.Networks}}\t{{.Netns}}'),
    ).toBe(
      'SANDBOX ID     NAME      NETWORKS   NETNS\nabcdef012345   c1        web        /run/cnm/netns/abcdef012345\n',
    );
  });
});

describe('--format plumbing', () => {
  const header = headerContext(NETWORK_HEADERS);
  const rows = [networkRow(net(), true), networkRow(net({ Name: 'db', Id: `1${'0'.repeat(63)}` }), false)];

  it('-q makes the default table {{.ID}}; a format given with -q wins', () => {
    expect(listFormat({ quiet: true }, NETWORK_TABLE, header).format).toBe('{{.ID}}');
    expect(listFormat({ quiet: true, format: 'table' }, NETWORK_TABLE, header).format).toBe('{{.ID}}');
    expect(listFormat({ quiet: true, format: '{{.Name}}' }, NETWORK_TABLE, header).format).toBe('{{.Name}}');
    expect(listFormat({}, NETWORK_TABLE, header).format).toBe('table');
  });

  it('a bad template is a usage error with Docker’s wording, found before anything runs', () => {
    expect(() => listFormat({ format: '{{.Name' }, NETWORK_TABLE, header)).toThrow(
      new UsageError('template parsing error: template: :1: unclosed action'),
    );
  });

  it('a table with no rows is its header alone', () => {
    expect(formatList('table', [], header, NETWORK_TABLE)).toBe('NETWORK ID   NAME      DRIVER    SCOPE\n');
  });

  it('json is one object per line, keys sorted, every value a string', () => {
    const lines = formatList('json', rows, header, NETWORK_TABLE).trim().split('\n');
    expect(lines.map((l) => Object.keys(JSON.parse(l)))).toEqual([
      ['CreatedAt', 'Driver', 'ID', 'IPv4', 'IPv6', 'Internal', 'Labels', 'Name', 'Scope'],
      ['CreatedAt', 'Driver', 'ID', 'IPv4', 'IPv6', 'Internal', 'Labels', 'Name', 'Scope'],
    ]);
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ ID: `1${'0'.repeat(63)}`, Name: 'db' });
  });

  it('inspect: json is one compact array; no object prints an empty line; failures are collected', () => {
    const view = networkInspectView(net());
    expect(
      formatInspect(
        'json',
        [view, view].map((typed) => ({ typed })),
      ).out,
    ).toMatch(/^\[\{"Name":"web".*\},\{.*\}\]\n$/);
    expect(formatInspect('{{.Name}}', [])).toEqual({ out: '\n', failures: [] });
    expect(formatInspect('{{.Nope}}', [{ typed: view }])).toEqual({
      out: '\n',
      failures: ['template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"'],
    });
  });
});

describe('beyond Go 1.19 (what Docker’s newer Go accepts)', () => {
  it('range over an int and else with', () => {
    expect(GoTemplate.parse('{{range 3}}{{.}}{{end}}').execute(null)).toBe('012');
    expect(
      GoTemplate.parse('{{with .a}}a{{else with .b}}b={{.}}{{else}}none{{end}}').execute(stringMap({ b: 'x' })),
    ).toBe('b=x');
  });

  it('printf widths, precisions and flags', () => {
    expect(
      sprintf('%-8s|%8.3f|%+.2e|%x|%05d|%%|%c', ['ab', new GoFloat(Math.PI), new GoFloat(12345.678), 255, 42, 0x263a]),
    ).toBe('ab      |   3.142|+1.23e+04|ff|00042|%|☺');
  });

  it('plain JSON keeps key order and escapes as Go does', () => {
    expect(plainJson({ b: '<\u2028>', a: ['\u0001'] }, { escapeHTML: true })).toBe(
      '{"b":"\\u003c\\u2028\\u003e","a":["\\u0001"]}',
    );
  });
});
