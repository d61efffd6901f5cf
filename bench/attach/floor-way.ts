// SPDX-License-Identifier: GPL-2.0-or-later
// The physical floor: bench/floor, a C program doing the same kernel work
// with the fewest round trips in one process.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

// Built by scripts/setup.sh in a clone; an installed package ships the source
// and builds it here once, with the same flags as `npm run build:floor`.
async function floorBinary(): Promise<string> {
  const built = join(packageRoot(), 'bench/floor/floor');
  if (existsSync(built)) return built;
  const cached = join(tmpdir(), `cnm-floor-${process.getuid?.() ?? 0}`);
  if (!existsSync(cached)) {
    const source = join(packageRoot(), 'bench/floor/floor.c');
    await execFileP('cc', ['-O2', '-std=gnu11', '-o', cached, source, '-lpthread']).catch((error: unknown) => {
      throw new Error(`bench/floor: cannot build ${source} with cc (install gcc): ${(error as Error).message}`);
    });
  }
  return cached;
}
