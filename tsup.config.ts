// SPDX-License-Identifier: GPL-2.0-or-later
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'lib/index.ts', cli: 'lib/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  shims: true,
  external: ['node-gyp-build'],
});
