// SPDX-License-Identifier: GPL-2.0-or-later
// The settings of one simulated host of a cluster, as the environment of the
// cnm processes (commands, agent) that run for it.

/** `CNM_*` for a host: its state, host namespace, namespace directory, cluster store and underlay address. */
export function clusterHostEnv(h: {
  readonly stateDir: string;
  readonly hostNetns: string;
  readonly netnsDir: string;
  readonly store: string;
  readonly address: string;
}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CNM_STATE_DIR: h.stateDir,
    CNM_HOST_NETNS: h.hostNetns,
    CNM_NETNS_DIR: h.netnsDir,
    CNM_DEFAULT_BRIDGE: '0',
    CNM_CLUSTER_STORE: h.store,
    CNM_ADVERTISE_ADDR: h.address,
  };
}
