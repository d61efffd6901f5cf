// SPDX-License-Identifier: GPL-2.0-or-later
// Records for store tests: a network and an endpoint with every field set,
// as the model would write them, changed where a test says.
import type { NewEndpoint, NewNetwork } from '../../lib/cnm/store/records';

export function networkRecord(id: string, more: Partial<NewNetwork> = {}): NewNetwork {
  return {
    id,
    name: id,
    driver: 'bridge',
    scope: 'local',
    created: '2026-01-01T00:00:00.000Z',
    internal: false,
    attachable: false,
    enableIPv6: false,
    ipamDriver: 'default',
    options: {},
    labels: {},
    driverState: {},
    allocation: {},
    predefined: false,
    made: true,
    ...more,
  };
}

export function endpointRecord(id: string, networkId: string, name = id): NewEndpoint {
  return {
    id,
    networkId,
    name,
    mac: '02:42:ac:11:00:02',
    aliases: [],
    portBindings: [],
    exposedPorts: [],
    created: '2026-01-01T00:00:00.000Z',
  };
}
