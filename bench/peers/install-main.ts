// SPDX-License-Identifier: GPL-2.0-or-later
// Installs the peer benchmark's packages (run by scripts/bench.sh, outside the private namespace).
import { installPeers } from './install';

await installPeers((line) => process.stderr.write(`${line}\n`));
