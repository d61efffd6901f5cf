// SPDX-License-Identifier: GPL-2.0-or-later
// Bundled into one file (ESM and CJS) with the addon copied beside it, run
// from a folder with no cnm package: setAddonPath names the addon. With
// --no-path it must fail and say how to name it.
import { dirname, join } from 'node:path';
import { kernel, setAddonPath } from 'cnm';

if (!process.argv.includes('--no-path')) setAddonPath(join(dirname(process.argv[1]), 'cnm.node'));
try {
  const [message] = kernel.rtnlEncode([{ op: 'link.set', dev: 1, up: true }]);
  console.log(`bundle: ok (${message.length} bytes)`);
} catch (error) {
  console.log(`bundle: ${error.code}: ${error.message}`);
  process.exitCode = 1;
}
