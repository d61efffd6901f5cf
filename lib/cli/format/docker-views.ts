// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The objects Docker's templates see, built from cnm's Docker-shaped JSON:
 * for `network inspect`, Docker's typed `network.Inspect` (Go field names,
 * `ID` whose JSON key is `Id`, `Created` a `time.Time`); for `network ls`,
 * Docker's row with its methods (`.ID`, `.Name`, `.Label "key"`, …) and its
 * header names for tables. Sandboxes get the same treatment after Docker's
 * container objects.
 */
import type { DockerNetwork, DockerSandbox } from '../docker-json';
import { goTime } from './go-time';
import { type GoField, GoMap, type GoMethod, GoSlice, GoStruct, type GoValue, stringMap } from './go-values';

const f = (name: string, value: GoValue, more: Omit<GoField, 'name' | 'value'> = {}): GoField => ({
  name,
  value,
  ...more,
});

// A struct whose methods each return a string, as Docker's list contexts are.
function rowContext(
  type: string,
  methods: Record<string, () => string>,
  extra: Record<string, GoMethod> = {},
): GoStruct {
  const all: Record<string, GoMethod> = { ...extra };
  for (const [name, fn] of Object.entries(methods)) all[name] = { params: [], fn };
  // formatter.MarshalJSON: every method without arguments, keys sorted, HTML escaped.
  const json = () =>
    Object.fromEntries(
      Object.keys(methods)
        .sort()
        .map((k) => [k, (methods[k] as () => string)()]),
    );
  return new GoStruct(type, [f('Header', null, { type: 'interface {}' })], all, json);
}

/**
 * Docker's header context: column names by field; `.Label "a.b-c"` heads its column `b c`.
 *
 * @example
 * ```ts
 * headerContext({ ID: 'NETWORK ID' }).entries.get('ID') // 'NETWORK ID'
 * ```
 */
export function headerContext(names: Readonly<Record<string, string>>): GoMap {
  return new GoMap('formatter.SubHeaderContext', 'string', new Map(Object.entries(names)), '', {
    Label: {
      params: ['string'],
      fn: (name) => String(name).split('.').pop()?.replace(/[-_]/g, ' ') ?? '',
    },
  });
}

/** `docker network ls`'s column names. */
export const NETWORK_HEADERS = {
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv4: 'IPV4',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  CreatedAt: 'CREATED AT',
} as const;

/**
 * A `docker network ls` row: `.ID` (12 characters unless `--no-trunc`),
 * `.Name`, `.Driver`, `.Scope`, `.IPv4`, `.IPv6`, `.Internal` (`"true"` or
 * `"false"`), `.Labels` (`k=v,…`), `.Label "k"`, `.CreatedAt` (Go's time form).
 *
 * @example
 * ```ts
 * GoTemplate.parse('{{.Name}} {{.Label "tier"}}').execute(networkRow(inspectNetwork(ctl, net), true))
 * ```
 */
export function networkRow(n: DockerNetwork, truncate: boolean): GoStruct {
  const labels = n.Labels;
  return rowContext(
    '*network.networkContext',
    {
      ID: () => (truncate ? n.Id.slice(0, 12) : n.Id),
      Name: () => n.Name,
      Driver: () => n.Driver,
      Scope: () => n.Scope,
      IPv4: () => String(n.EnableIPv4),
      IPv6: () => String(n.EnableIPv6),
      Internal: () => String(n.Internal),
      Labels: () =>
        Object.keys(labels)
          .sort()
          .map((k) => `${k}=${labels[k]}`)
          .join(','),
      CreatedAt: () => goTime(n.Created).text,
    },
    {
      Label: { params: ['string'], fn: (k) => (Object.hasOwn(labels, String(k)) ? (labels[String(k)] as string) : '') },
    },
  );
}

/**
 * Docker's typed `network.Inspect` for `network inspect -f`.
 *
 * @example
 * ```ts
 * GoTemplate.parse('{{range .IPAM.Config}}{{.Subnet}}{{end}}').execute(networkInspectView(inspectNetwork(ctl, net)))
 * ```
 */
export function networkInspectView(n: DockerNetwork): GoStruct {
  const config = n.IPAM.Config.map(
    (c) =>
      new GoStruct('network.IPAMConfig', [
        f('Subnet', c.Subnet ?? '', { json: { omitEmpty: true } }),
        f('IPRange', c.IPRange ?? '', { json: { omitEmpty: true } }),
        f('Gateway', c.Gateway ?? '', { json: { omitEmpty: true } }),
        f('AuxAddress', stringMap(c.AuxiliaryAddresses), {
          json: { name: 'AuxiliaryAddresses', omitEmpty: true },
        }),
      ]),
  );
  const endpoint = (e?: DockerNetwork['Containers'][string]) =>
    new GoStruct('network.EndpointResource', [
      f('Name', e?.Name ?? ''),
      f('EndpointID', e?.EndpointID ?? ''),
      f('MacAddress', e?.MacAddress ?? ''),
      f('IPv4Address', e?.IPv4Address ?? ''),
      f('IPv6Address', e?.IPv6Address ?? ''),
    ]);
  const containers = new Map(Object.entries(n.Containers).map(([id, e]) => [id, endpoint(e)]));
  return new GoStruct('network.Inspect', [
    f('Name', n.Name),
    f('ID', n.Id, { json: { name: 'Id' } }),
    f('Created', goTime(n.Created)),
    f('Scope', n.Scope),
    f('Driver', n.Driver),
    f('EnableIPv4', n.EnableIPv4),
    f('EnableIPv6', n.EnableIPv6),
    f(
      'IPAM',
      new GoStruct('network.IPAM', [
        f('Driver', n.IPAM.Driver),
        f('Options', stringMap(n.IPAM.Options)),
        f('Config', new GoSlice('network.IPAMConfig', config)),
      ]),
    ),
    f('Internal', n.Internal),
    f('Attachable', n.Attachable),
    f('Ingress', n.Ingress),
    f('ConfigFrom', new GoStruct('network.ConfigReference', [f('Network', n.ConfigFrom.Network)])),
    f('ConfigOnly', n.ConfigOnly),
    f(
      'Containers',
      new GoMap('map[string]network.EndpointResource', 'network.EndpointResource', containers, endpoint()),
    ),
    f('Options', stringMap(n.Options)),
    f('Labels', stringMap(n.Labels)),
    f(
      'Peers',
      new GoSlice(
        'network.PeerInfo',
        (n.Peers ?? []).map((p) => new GoStruct('network.PeerInfo', [f('Name', p.Name), f('IP', p.IP)])),
        // nil (left out of the JSON) when none, as for a local network.
        (n.Peers ?? []).length === 0,
      ),
      { json: { omitEmpty: true } },
    ),
    f('Services', new GoMap('map[string]network.ServiceInfo', 'network.ServiceInfo', new Map(), null, {}, true), {
      json: { omitEmpty: true },
    }),
  ]);
}

/** `cnm sandbox ls`'s column names. */
export const SANDBOX_HEADERS = {
  ID: 'SANDBOX ID',
  Name: 'NAME',
  Networks: 'NETWORKS',
  Netns: 'NETNS',
  Owned: 'OWNED',
  Ports: 'PORTS',
  CreatedAt: 'CREATED AT',
} as const;

/**
 * A `cnm sandbox ls` row: `.ID`, `.Name`, `.Networks` (names, comma
 * separated, `-` for none), `.Netns` (its namespace file), `.Owned`,
 * `.Ports` (`8080->80/tcp, …`), `.CreatedAt`.
 *
 * @example
 * ```ts
 * GoTemplate.parse('{{.Name}} {{.Netns}}').execute(sandboxRow(inspectSandbox(ctl, sb), true))
 * ```
 */
export function sandboxRow(s: DockerSandbox, truncate: boolean): GoStruct {
  const ports = Object.keys(s.NetworkSettings.Ports)
    .sort()
    .flatMap((key) =>
      (s.NetworkSettings.Ports[key] ?? []).map(
        (b) => `${b.HostIp === '0.0.0.0' ? '' : `${b.HostIp}:`}${b.HostPort}->${key}`,
      ),
    );
  return rowContext('*cnm.sandboxContext', {
    ID: () => (truncate ? s.Id.slice(0, 12) : s.Id),
    Name: () => s.Name,
    Networks: () => Object.keys(s.NetworkSettings.Networks).sort().join(',') || '-',
    Netns: () => s.NetworkSettings.SandboxKey,
    Owned: () => String(s.Owned),
    Ports: () => ports.join(', '),
    CreatedAt: () => goTime(s.Created).text,
  });
}

/**
 * A sandbox for `sandbox inspect -f`, typed after Docker's container
 * inspect (`.ID`/`.Id`, `.NetworkSettings.Networks.NAME.IPAddress`, …).
 *
 * @example
 * ```ts
 * GoTemplate.parse('{{.NetworkSettings.SandboxKey}}').execute(sandboxInspectView(inspectSandbox(ctl, sb)))
 * ```
 */
export function sandboxInspectView(s: DockerSandbox): GoStruct {
  const ns = s.NetworkSettings;
  const binding = (b: { HostIp: string; HostPort: string }) =>
    new GoStruct('nat.PortBinding', [f('HostIp', b.HostIp), f('HostPort', b.HostPort)]);
  const ports = new Map(
    Object.entries(ns.Ports).map(([k, list]) => [k, new GoSlice('nat.PortBinding', list.map(binding))] as const),
  );
  const networks = new Map(
    Object.entries(ns.Networks).map(([name, e]) => [
      name,
      new GoStruct('*network.EndpointSettings', [
        f('Aliases', new GoSlice('string', e.Aliases)),
        f('MacAddress', e.MacAddress),
        f('NetworkID', e.NetworkID),
        f('EndpointID', e.EndpointID),
        f('Gateway', e.Gateway),
        f('IPAddress', e.IPAddress),
        f('IPPrefixLen', e.IPPrefixLen),
        f('IPv6Gateway', e.IPv6Gateway),
        f('GlobalIPv6Address', e.GlobalIPv6Address),
        f('GlobalIPv6PrefixLen', e.GlobalIPv6PrefixLen),
        f('DNSNames', new GoSlice('string', e.DNSNames)),
      ]),
    ]),
  );
  return new GoStruct('cnm.Sandbox', [
    f('ID', s.Id, { json: { name: 'Id' } }),
    f('Name', s.Name),
    f('Created', s.Created),
    f('Owned', s.Owned),
    f(
      'NetworkSettings',
      new GoStruct('*cnm.NetworkSettings', [
        f('SandboxKey', ns.SandboxKey),
        f('Ports', new GoMap('nat.PortMap', '[]nat.PortBinding', ports, new GoSlice('nat.PortBinding', [], true))),
        f('Networks', new GoMap('map[string]*network.EndpointSettings', '*network.EndpointSettings', networks, null)),
      ]),
    ),
  ]);
}
