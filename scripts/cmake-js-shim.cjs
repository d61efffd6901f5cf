#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-or-later
// prebuildify drives node-gyp; this stands in for it and runs cmake-js,
// which writes build/Release/cnm.node where prebuildify looks for it.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const args = process.argv.slice(2);
if (!args.includes('rebuild') && !args.includes('build')) process.exit(0);
const target = args.find((a) => a.startsWith('--target='))?.split('=')[1];
const cmake = [require.resolve('cmake-js/bin/cmake-js'), 'rebuild', '--out', 'build'];
if (target) cmake.push('--runtime-version', target);
execFileSync(process.execPath, cmake, { cwd: path.join(__dirname, '..'), stdio: 'inherit' });
