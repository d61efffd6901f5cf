// SPDX-License-Identifier: GPL-2.0-or-later
// A driver whose networks offer sandboxes no gateway, as overlay's do, but
// on one host: the bridge driver with the gateway left out of its join plan
// and egress through the gateway network. Lets the model's docker_gwbridge
// handling be tested without a cluster (on the fake kernel and the real one).
import type { Driver } from '../../lib/drivers/driver';
import { builtinDrivers } from '../../lib/drivers/registry';

const bridge = builtinDrivers().find((d) => d.type === 'bridge') as Driver;

export const gatewaylessDriver: Driver = {
  ...bridge,
  type: 'gwless',
  capabilities: { ...bridge.capabilities, publishesPorts: false, egressThroughGatewayNetwork: true },
  async join(ctx, net, ep, req) {
    const { gateway: _offered, ...plan } = await bridge.join(ctx, net, ep, req);
    return plan;
  },
};
