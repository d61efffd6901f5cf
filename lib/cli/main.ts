#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-or-later
// The `cnm` command. Only `--version` and `links` exist so far; the
// docker-network-shaped verbs come with the model and the CLI issue.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../kernel/binding';
import { netnsCurrent, netnsOpen } from '../kernel/netns';
import { rtnl } from '../kernel/rtnl';

const usage = `usage: cnm --version
       cnm links [--netns PATH]     list links as JSON (ip -j link), from any namespace`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    console.log(JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version);
    return 0;
  }
  if (command === 'links') {
    const at = rest.indexOf('--netns');
    const path = at >= 0 ? rest[at + 1] : undefined;
    if (at >= 0 && !path) {
      console.error(usage);
      return 2;
    }
    const ns = path ? await netnsOpen(path) : await netnsCurrent();
    console.log(JSON.stringify(await rtnl(ns).links(), null, 2));
    ns.close();
    return 0;
  }
  console.error(usage);
  return command === undefined || command === '-h' || command === '--help' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const e = error as { code?: string; message?: string };
    console.error(`Error ${e.code ?? ''}: ${e.message ?? String(error)}`.replace('Error : ', 'Error: '));
    process.exit(1);
  },
);
