// SPDX-License-Identifier: GPL-2.0-or-later
// `npm run bench -- [attach|nft|publish] ...`, run by scripts/in-private-netns.sh.
import { runBench } from './main';

await runBench(process.argv.slice(2));
