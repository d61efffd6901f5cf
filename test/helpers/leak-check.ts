// SPDX-License-Identifier: GPL-2.0-or-later
// vitest globalSetup for the integration suite: after every file has run,
// nothing may be left in the private namespace the suite ran in — no link but
// lo, no nft table, no namespace file or mount under /run/cnm, no stray
// process outside the machine's own network namespace.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { run } from './run';

async function ancestors(): Promise<Set<number>> {
  const pids = new Set<number>();
  let pid = process.pid;
  while (pid > 1) {
    pids.add(pid);
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!ppid) break;
    pid = ppid;
  }
  return pids;
}

export async function leftovers(): Promise<string[]> {
  const found: string[] = [];
  const links = JSON.parse(await run('ip', ['-j', 'link'])) as { ifname: string }[];
  for (const l of links) if (l.ifname !== 'lo') found.push(`link ${l.ifname}`);
  const tables = (await run('nft', ['list', 'tables'])).trim();
  if (tables) found.push(`nft tables: ${tables.replace(/\n/g, '; ')}`);
  for (const name of await readdir('/run/cnm').catch(() => [])) found.push(`/run/cnm/${name}`);
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.includes(' /run/cnm/'));
  for (const m of mounts) found.push(`mount ${m.split(' ')[4]}`);
  // Processes this run started (they inherit CNM_TEST_RUN, set by
  // scripts/in-private-netns.sh), or anything in the run's private namespace.
  // Processes of other runs on the same machine are not ours to judge.
  const mark = process.env.CNM_TEST_RUN ? `CNM_TEST_RUN=${process.env.CNM_TEST_RUN}\0` : undefined;
  const ownNet = await readlink('/proc/self/ns/net');
  const mine = await ancestors();
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!pid || mine.has(pid)) continue;
    const net = await readlink(`/proc/${pid}/ns/net`).catch(() => '');
    const environ = mark ? await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '') : '';
    if (net !== ownNet && !(mark && environ.includes(mark))) continue;
    // A zombie has exited: it holds nothing but its pid until its parent reaps it.
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === '' || state === 'Z' || state === 'X') continue;
    const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ').trim();
    found.push(`process ${pid} (${state}) ${cmd}`);
  }
  return found;
}

export async function setup(): Promise<void> {
  const before = await leftovers();
  if (before.length > 0) throw new Error(`the integration suite must start clean; found: ${before.join(', ')}`);
}

export async function teardown(): Promise<void> {
  // A child killed by the last test may still be exiting (slowly under ASan, whose
  // leak check runs at exit): a bounded wait for it, then every leftover counts.
  let after = await leftovers();
  for (let waited = 0; after.length > 0 && waited < 10_000; waited += 250) {
    await new Promise((r) => setTimeout(r, 250));
    after = await leftovers();
  }
  if (after.length > 0) {
    // Vitest reports an error thrown here as "error during close" and still exits 0:
    // the exit code is set as well, so a leak fails the run.
    process.exitCode = 1;
    throw new Error(`leak check: left behind ${after.join(', ')}`);
  }
  console.log('leak check: no namespace, link, nft table, mount or process left behind');
}
