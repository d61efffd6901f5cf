#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-or-later
// prebuildify drives node-gyp; this stands in for it and runs cmake-js,
// which writes build/Release/cnm.node where prebuildify looks for it.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const args = process.argv.slice(2);
if (!args.includes('rebuild') && !args.includes('build')) process.exit(0);
// An N-API addon does not depend on the Node version prebuildify names with
// --target, so it is not passed on (cmake-js would fetch that version's
// headers). `compile` rather than `rebuild`: build/ is the same Release
// configuration that scripts/setup.sh and npm run build:native make (the
// sanitizer build has build-sanitize/ of its own), so an incremental build is
// the same file, and npm pack does not recompile every source each time.
const cmake = [require.resolve('cmake-js/bin/cmake-js'), 'compile', '--out', 'build', '--log-level', 'error'];
execFileSync(process.execPath, cmake, { cwd: path.join(__dirname, '..'), stdio: 'inherit' });
