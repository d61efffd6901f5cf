// SPDX-License-Identifier: GPL-2.0-or-later
// npm install hook: use a prebuild when one loads on this machine, else
// build the addon from source with cmake-js.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
try {
  require('node-gyp-build')(root);
  process.exit(0);
} catch (error) {
  console.error(`cnm: no prebuilt addon loads here (${String(error.message).split('\n')[0]}); building from source`);
}
execFileSync(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), 'compile', '--out', 'build'], {
  cwd: root,
  stdio: 'inherit',
});
