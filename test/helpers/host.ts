// SPDX-License-Identifier: GPL-2.0-or-later
// One fresh "host" network namespace per test file, in a directory of its
// own under /run/cnm (a tmpfs inside the private mount namespace the
// integration suite runs in). After every test the host must be back to just
// `lo` and every namespace the test made must be gone: anything left is
// removed and the test fails, naming it.
import { readdir, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Netns } from '../../lib/kernel/binding';
import { netnsCreate, netnsDelete, netnsRemove } from '../../lib/kernel/netns';
import { type Rtnl, rtnl } from '../../lib/kernel/rtnl';
import { type IpLink, ipJson, run } from './run';

export interface TestHost {
  /** The file's host namespace. */
  readonly host: Netns;
  /** rtnetlink in the host namespace. */
  readonly r: Rtnl;
  /** Where this file's namespaces live. */
  readonly dir: string;
  /** Creates a namespace in this file's directory. */
  netns(name: string): Promise<Netns>;
  /** `ip -j -d ARGS` inside the host (or inside ns). */
  ip<T = IpLink[]>(args: readonly string[], ns?: Netns): Promise<T>;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Registers the per-file host namespace and the per-test leak check. */
export function useTestHost(file: string): TestHost {
  const dir = `/run/cnm/${basename(file).replace(/\W+/g, '-')}-${process.pid}`;
  let host: Netns | undefined;
  const fixture: TestHost = {
    get host(): Netns {
      if (!host) throw new Error('the test host is not set up yet');
      return host;
    },
    get r(): Rtnl {
      return rtnl(fixture.host);
    },
    dir,
    netns: (name) => netnsCreate(name, { dir }),
    ip: (args, ns) => ipJson(ns?.path ?? fixture.host.path, args),
  };

  beforeAll(async () => {
    host = await netnsCreate('host', { dir });
    await rtnl(host).linkSet({ dev: 'lo', up: true });
  });

  afterEach(async () => {
    const leaks: string[] = [];
    for (const name of await readdir(dir)) {
      if (name === 'host') continue;
      leaks.push(`namespace ${name}`);
      await netnsRemove(`${dir}/${name}`);
    }
    // Links of a deleted namespace's veths go away asynchronously.
    const onlyLo = async () => (await fixture.ip(['link'])).every((l) => l.ifname === 'lo');
    if (!(await until(onlyLo, 5_000))) {
      for (const l of await fixture.ip(['link'])) {
        if (l.ifname === 'lo') continue;
        leaks.push(`link ${l.ifname}`);
        await fixture.r.linkDel(l.ifindex).catch(() => {});
      }
    }
    if (leaks.length > 0) throw new Error(`test left behind: ${leaks.join(', ')}`);
  });

  afterAll(async () => {
    if (host) await netnsDelete(host);
    // The directory was made a shared bind mount of itself when the first namespace was created in it.
    await run('umount', [dir]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  return fixture;
}
