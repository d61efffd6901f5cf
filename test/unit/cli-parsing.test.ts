// SPDX-License-Identifier: GPL-2.0-or-later
// The CLI's pure parts: Docker's -p syntax, the IPAM flag grouping, key=value
// flags, tables, timestamps and the one-line error form.
import { describe, expect, it } from 'vitest';
import { ipamConfigFrom, keyValues } from '../../lib/cli/ipam-flags';
import { dockerTable } from '../../lib/cli/output';
import { parsePortSpec } from '../../lib/cli/port-spec';
import { errorLine } from '../../lib/cli/run-many';
import { CnmError } from '../../lib/errors';

describe('parsePortSpec (docker run -p)', () => {
  it.each([
    ['80', { proto: 'tcp', containerPort: 80 }],
    ['8080:80', { proto: 'tcp', hostPort: 8080, containerPort: 80 }],
    ['8080:80/udp', { proto: 'udp', hostPort: 8080, containerPort: 80 }],
    ['127.0.0.1:8080:80', { proto: 'tcp', hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80 }],
    ['127.0.0.1::80', { proto: 'tcp', hostIp: '127.0.0.1', containerPort: 80 }],
    ['[2001:db8::1]:8080:80/sctp', { proto: 'sctp', hostIp: '2001:db8::1', hostPort: 8080, containerPort: 80 }],
    [
      '8000-8010:9000-9010',
      { proto: 'tcp', hostPort: 8000, hostPortEnd: 8010, containerPort: 9000, containerPortEnd: 9010 },
    ],
    ['8000-8010:80', { proto: 'tcp', hostPort: 8000, hostPortEnd: 8010, containerPort: 80 }],
    ['7000-7002', { proto: 'tcp', containerPort: 7000, containerPortEnd: 7002 }],
    ['0:80/UDP', { proto: 'udp', containerPort: 80 }],
    ['80/', { proto: 'tcp', containerPort: 80 }],
    // Numbers out of range are the model's to refuse (validateBinding), with the field named.
    ['8080:70000', { proto: 'tcp', hostPort: 8080, containerPort: 70000 }],
  ])('%s', (spec, want) => {
    expect(parsePortSpec(spec)).toEqual(want);
  });

  it.each([
    ['', 'a container port is required'],
    ['8080:', 'a container port is required'],
    ['80/icmp', 'the protocol is tcp, udp or sctp'],
    ['80/tcp/udp', 'the protocol is tcp, udp or sctp'],
    ['8080:123456', 'container port "123456" is not a port or a range'],
    ['http:80', 'host port "http" is not a port or a range'],
    ['2001:db8::1:8080:80', 'an IPv6 host address goes in brackets'],
    ['[::1]:80', 'expected [hostIp]:hostPort:containerPort'],
  ])('refuses %j', (spec, why) => {
    const error = (() => {
      try {
        parsePortSpec(spec);
      } catch (e) {
        return e;
      }
    })() as CnmError;
    expect(error).toBeInstanceOf(CnmError);
    expect(error.code).toBe('CNM_INVALID_CONFIG');
    expect(error.message).toContain(why);
  });
});

describe('ipamConfigFrom (network create flags)', () => {
  it('puts each gateway, range and aux address with the subnet holding it', () => {
    expect(
      ipamConfigFrom({
        subnet: ['10.1.0.0/16', 'fd00:1::/64'],
        gateway: ['fd00:1::fe', '10.1.0.254'],
        ipRange: ['10.1.128.0/17'],
        auxAddress: ['router=10.1.0.2', 'dns=fd00:1::53', 'other=10.1.0.3'],
      }),
    ).toEqual([
      {
        subnet: '10.1.0.0/16',
        gateway: '10.1.0.254',
        ipRange: '10.1.128.0/17',
        auxAddresses: { router: '10.1.0.2', other: '10.1.0.3' },
      },
      { subnet: 'fd00:1::/64', gateway: 'fd00:1::fe', auxAddresses: { dns: 'fd00:1::53' } },
    ]);
  });

  it.each([
    [{ gateway: ['10.0.0.1'] }, '--gateway 10.0.0.1: no --subnet contains it'],
    [{ subnet: ['10.1.0.0/24'], gateway: ['10.2.0.1'] }, '--gateway 10.2.0.1: no --subnet contains it'],
    [{ subnet: ['10.1.0.0/24'], gateway: ['10.1.0.1', '10.1.0.2'] }, 'has a gateway already'],
    [{ subnet: ['10.1.0.0/24'], ipRange: ['10.1.0.0/16'] }, '--ip-range 10.1.0.0/16: no --subnet contains it'],
    [{ subnet: ['10.1.0.0/24'], auxAddress: ['10.1.0.9'] }, 'expected name=IP'],
    [{ subnet: ['10.1.0.1/24'] }, 'has host bits set'],
    [{ subnet: ['nope'] }, 'is not a subnet in CIDR form'],
  ])('refuses %j', (flags, why) => {
    expect(() => ipamConfigFrom({ subnet: [], gateway: [], ipRange: [], auxAddress: [], ...flags })).toThrow(why);
  });
});

describe('the rest', () => {
  it('keyValues reads key=value and bare keys', () => {
    expect(keyValues(['a=b', 'c', 'd=e=f'], '--label')).toEqual({ a: 'b', c: '', d: 'e=f' });
    expect(() => keyValues(['=x'], '-o')).toThrow('-o =x: expected key=value');
  });

  it('dockerTable pads columns three spaces apart', () => {
    expect(
      dockerTable(
        ['NETWORK ID', 'NAME', 'DRIVER'],
        [
          ['0123456789ab', 'web', 'bridge'],
          ['ba9876543210', 'a-longer-name', 'null'],
        ],
      ),
    ).toBe(
      [
        'NETWORK ID     NAME            DRIVER',
        '0123456789ab   web             bridge',
        'ba9876543210   a-longer-name   null',
      ].join('\n'),
    );
  });

  it('errorLine names the code once', () => {
    expect(errorLine(new CnmError('CNM_NETWORK_NOT_FOUND', 'network "x" not found'))).toBe(
      'Error CNM_NETWORK_NOT_FOUND: network "x" not found',
    );
    expect(errorLine(Object.assign(new Error('File exists'), { code: 'EEXIST' }))).toBe('Error EEXIST: File exists');
    expect(errorLine(new Error('plain'))).toBe('Error: plain');
  });
});
