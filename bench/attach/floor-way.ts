// SPDX-License-Identifier: GPL-2.0-or-later
// The physical floor: bench/floor, a C program doing the same kernel work
// with the fewest round trips in one process.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../lib/kernel/binding';
import type { Sample, Way } from './common';

const execFileP = promisify(execFile);

export const floorWay: Way = {
  name: 'floor (C)',
  describe: 'bench/floor: raw netlink, pipelined, one process',
  async run(n, dir, budgetMs) {
    const floor = await floorBinary();
    const { stdout } = await execFileP(floor, ['--n', String(n), '--dir', dir, '--json'], {
      timeout: Math.max(budgetMs * 4, 120_000),
      maxBuffer: 16 << 20,
    });
    const out = JSON.parse(stdout) as { attachMs: number[]; netnsMs: number[]; teardownMs: number };
    return {
      reached: out.attachMs.length,
      attachMs: out.attachMs,
      netnsMs: out.netnsMs,
      teardownMs: out.teardownMs,
    } satisfies Sample;
  },
};

// The benchmarks run from a source checkout only (npm run bench). The floor
// is built next to its source (npm run build:floor, which scripts/setup.sh
// runs), never under the shared temp directory, where another local user
// could plant a file of that name for root to run. A binary in the checkout
// is as trusted as the checkout's own code that runs it; it is still refused
// if someone else owns it or it is writable by group or others.
async function floorBinary(): Promise<string> {
  const root = packageRoot();
  const built = join(root, 'bench/floor/floor');
  if (!existsSync(built)) {
    await execFileP('npm', ['run', '--silent', 'build:floor'], { cwd: root }).catch((error: unknown) => {
      throw new Error(`bench/floor: cannot build it (npm run build:floor, needs cc): ${(error as Error).message}`);
    });
  }
  const st = statSync(built);
  const me = process.getuid?.() ?? 0;
  if ((st.uid !== me && st.uid !== 0) || (st.mode & 0o022) !== 0) {
    throw new Error(`bench/floor: refusing to run ${built}: owned by uid ${st.uid} or writable by others`);
  }
  return built;
}
