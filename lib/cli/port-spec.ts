// SPDX-License-Identifier: GPL-2.0-or-later
/** Docker's `-p` syntax, read into the model's port bindings. */
import type { PortBinding } from '../cnm/types';
import { CnmError } from '../errors';

const PROTOS = ['tcp', 'udp', 'sctp'] as const;

/**
 * Reads `[hostIp:][hostPort[-end]]:containerPort[-end][/proto]` (or a bare
 * `containerPort[-end][/proto]`), as `docker run -p` does. An IPv6 host
 * address goes in brackets: `[2001:db8::1]:8080:80`. Only the syntax is
 * checked here; ranges and addresses are the model's to judge.
 *
 * @example
 * ```ts
 * parsePortSpec('127.0.0.1:8080:80/tcp') // { proto: 'tcp', hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80 }
 * parsePortSpec('80')                    // { proto: 'tcp', containerPort: 80 }: an automatic host port
 * ```
 */
export function parsePortSpec(spec: string): PortBinding {
  const bad = (why: string) => new CnmError('CNM_INVALID_CONFIG', `-p ${spec}: ${why}`);
  const [ports = '', protoText = '', ...extra] = spec.split('/');
  const proto = protoText.toLowerCase() || 'tcp';
  if (extra.length > 0 || !(PROTOS as readonly string[]).includes(proto)) {
    throw bad('the protocol is tcp, udp or sctp');
  }
  let hostIp: string | undefined;
  let rest = ports;
  const bracketed = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(rest);
  if (bracketed) {
    hostIp = bracketed[1];
    rest = bracketed[2] ?? '';
  }
  const parts = rest.split(':');
  if (hostIp !== undefined && parts.length !== 2) throw bad('expected [hostIp]:hostPort:containerPort');
  if (parts.length > 3) throw bad('an IPv6 host address goes in brackets: [2001:db8::1]:8080:80');
  if (parts.length === 3) hostIp = parts.shift() || undefined;
  const container = range(parts.pop() ?? '', 'container port', bad);
  if (!container) throw bad('a container port is required');
  let host = parts.length > 0 ? range(parts[0] ?? '', 'host port', bad) : undefined;
  if (host?.from === 0 && host.to === undefined) host = undefined;
  return {
    proto: proto as PortBinding['proto'],
    ...(hostIp !== undefined ? { hostIp } : {}),
    ...(host ? { hostPort: host.from, ...(host.to !== undefined ? { hostPortEnd: host.to } : {}) } : {}),
    containerPort: container.from,
    ...(container.to !== undefined ? { containerPortEnd: container.to } : {}),
  };
}

// `N` or `N-M`; an empty string is "not given" (Docker's `ip::80`).
function range(text: string, what: string, bad: (why: string) => Error): { from: number; to?: number } | undefined {
  if (text === '') return undefined;
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) throw bad(`${what} "${text}" is not a port or a range`);
  return m[2] === undefined ? { from: Number(m[1]) } : { from: Number(m[1]), to: Number(m[2]) };
}
