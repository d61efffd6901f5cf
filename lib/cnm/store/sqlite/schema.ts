// SPDX-License-Identifier: GPL-2.0-or-later
// The store's schema, as numbered migrations. A database is at version N
// when migrations 1..N have run; each runs once, in one transaction.

export const MIGRATIONS: readonly string[] = [
  // 1: the model
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE networks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    driver TEXT NOT NULL,
    scope TEXT NOT NULL,
    created TEXT NOT NULL,
    internal INTEGER NOT NULL,
    attachable INTEGER NOT NULL,
    enable_ipv6 INTEGER NOT NULL,
    ipam_driver TEXT NOT NULL,
    options TEXT NOT NULL,
    labels TEXT NOT NULL,
    driver_state TEXT NOT NULL
  );
  CREATE TABLE subnets (
    network_id TEXT NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    subnet TEXT NOT NULL,
    family INTEGER NOT NULL,
    gateway TEXT,
    ip_range TEXT,
    aux TEXT NOT NULL,
    PRIMARY KEY (network_id, subnet)
  );
  CREATE TABLE addresses (
    network_id TEXT NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    owner TEXT NOT NULL,
    PRIMARY KEY (network_id, address)
  );
  CREATE TABLE sandboxes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    netns_path TEXT NOT NULL,
    owned INTEGER NOT NULL,
    created TEXT NOT NULL
  );
  CREATE TABLE endpoints (
    id TEXT PRIMARY KEY,
    network_id TEXT NOT NULL REFERENCES networks(id),
    name TEXT NOT NULL,
    ipv4 TEXT,
    ipv6 TEXT,
    mac TEXT NOT NULL,
    aliases TEXT NOT NULL,
    port_bindings TEXT NOT NULL,
    exposed_ports TEXT NOT NULL,
    sandbox_id TEXT REFERENCES sandboxes(id),
    host_ifname TEXT,
    sandbox_ifname TEXT,
    created TEXT NOT NULL,
    UNIQUE (network_id, name)
  );
  CREATE INDEX endpoints_by_sandbox ON endpoints(sandbox_id);
  CREATE TABLE link_groups (group_id INTEGER PRIMARY KEY, network_id TEXT NOT NULL UNIQUE);
  CREATE TABLE intents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    op TEXT NOT NULL,
    subject TEXT NOT NULL,
    pid INTEGER NOT NULL,
    start_time TEXT NOT NULL,
    boot_id TEXT NOT NULL,
    created TEXT NOT NULL
  );
  `,
  // 2: how many links a sandbox has ever been given (ifindexes are never reused in a namespace)
  `
  ALTER TABLE sandboxes ADD COLUMN links_made INTEGER NOT NULL DEFAULT 0;
  `,
  // 3: the lowest address of a subnet that may be free: every one below it is taken
  `
  ALTER TABLE subnets ADD COLUMN next_free TEXT;
  `,
  // 4: published ports, one row per host port ('' host_ip: every address)
  `
  CREATE TABLE published_ports (
    endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
    proto TEXT NOT NULL,
    host_ip TEXT NOT NULL,
    host_port INTEGER NOT NULL,
    container_port INTEGER NOT NULL,
    PRIMARY KEY (proto, host_ip, host_port)
  );
  CREATE INDEX published_by_endpoint ON published_ports(endpoint_id);
  ALTER TABLE endpoints ADD COLUMN published TEXT NOT NULL DEFAULT '[]';
  `,
  // 5: publishing stays O(1) with thousands of ports: the conflict check by
  // (proto, host_port), and the settled bindings one row each, not one JSON
  // array per endpoint rewritten whole on every publish (endpoints.published
  // is no longer read)
  `
  CREATE INDEX published_by_port ON published_ports(proto, host_port);
  CREATE TABLE published_bindings (
    id INTEGER PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
    binding TEXT NOT NULL
  );
  CREATE INDEX published_bindings_by_endpoint ON published_bindings(endpoint_id);
  INSERT INTO published_bindings (endpoint_id, binding)
    SELECT e.id, j.value FROM endpoints e, json_each(e.published) j;
  `,
  // 6: driver API v2 — what each join made and offers (the driver's record, its
  // gateway, its routes, the join's priority), so the model can choose the
  // sandbox's default route again on every join and leave; and what a
  // network's driver settled once for the cluster
  `
  ALTER TABLE endpoints ADD COLUMN join_info TEXT;
  ALTER TABLE networks ADD COLUMN allocation TEXT NOT NULL DEFAULT '{}';
  `,
  // 7: predefined networks (Docker's bridge, host and none): never removed, and made
  // lazily — a row with made = 0 has no driver objects on this host yet, and gets
  // them before its first join (not the same as a creation a crash interrupted,
  // which a network.create intent marks)
  `
  ALTER TABLE networks ADD COLUMN predefined INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE networks ADD COLUMN made INTEGER NOT NULL DEFAULT 1;
  `,
  // 8: the store behind repository ports — a revision on every record that
  // changes, raised by each update, so an update can say which one it read
  // (compare and set)
  `
  ALTER TABLE networks ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE endpoints ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE sandboxes ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
  `,
  // 9: this host's part of global-scope networks (their records are the cluster
  // store's): the driver's per-host record, and whether its objects are made here
  `
  CREATE TABLE host_networks (
    network_id TEXT PRIMARY KEY,
    driver_state TEXT NOT NULL,
    made INTEGER NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1
  );
  `,
  // 10: a global network's record as it was when its objects were made on this host,
  // so they can be taken away once the cluster's record is gone
  `
  ALTER TABLE host_networks ADD COLUMN network TEXT;
  `,
];
