// SPDX-License-Identifier: GPL-2.0-or-later
// npm install hook. The package ships a prebuilt addon for linux-x64 with
// glibc, which node-gyp-build finds at run time even when npm skips this
// script (npm 11 runs dependencies' install scripts only when allowed). Here
// it is loaded once to tell, before anything runs:
//   - a missing system library (libnftnl11, libmnl0): the apt line, exit 1;
//     building cannot help, the addon links them either way;
//   - no prebuild for this platform, or one that does not load: build from
//     source with cmake-js, or, when the tools for that are missing, say
//     which ones and how to get them, exit 1.
// The messages come from dist/addon-diagnosis.cjs, shared with the error a
// program gets at run time; a source checkout before its first build has no
// dist/ and just builds.
'use strict';
const { execFileSync } = require('node:child_process');
const { accessSync, constants } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function diagnosis() {
  try {
    return require('../dist/addon-diagnosis.cjs');
  } catch {
    return undefined;
  }
}

function say(line) {
  process.stderr.write(`cnm: ${line}\n`);
}

// An executable on PATH, as the shell would find it.
function onPath(command) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    try {
      accessSync(path.join(dir || '.', command), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

function resolvable(pkg) {
  try {
    require.resolve(`${pkg}/package.json`, { paths: [root] });
    return true;
  } catch {
    return false;
  }
}

// What a source build needs that this machine lacks.
function missingForBuild() {
  const commands = ['cmake', 'c++', 'pkg-config'].filter((c) => !onPath(c));
  const libraries = [];
  if (!commands.includes('pkg-config')) {
    for (const lib of ['libnftnl', 'libmnl']) {
      try {
        execFileSync('pkg-config', ['--exists', lib], { stdio: 'ignore' });
      } catch {
        libraries.push(lib);
      }
    }
  }
  const packages = ['cmake-js', 'node-addon-api'].filter((p) => !resolvable(p));
  return { commands, libraries, packages };
}

function loads() {
  require('node-gyp-build')(root);
}

function main() {
  const explain = diagnosis();
  try {
    loads();
    return 0;
  } catch (error) {
    if (!explain) {
      say(`no addon loads yet (${String(error.message).split('\n')[0]}); building it from source`);
    } else {
      const problem = explain.diagnoseAddonLoad(error);
      say(explain.addonLoadAdvice(problem, 'install'));
      if (problem.kind === 'missing-library') return 1;
    }
  }
  const missing = missingForBuild();
  const count = missing.commands.length + missing.libraries.length + missing.packages.length;
  if (count > 0) {
    say(
      explain
        ? explain.buildToolsAdvice(missing)
        : `cannot build from source, missing: ${[...missing.commands, ...missing.libraries, ...missing.packages].join(', ')}`,
    );
    return 1;
  }
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
  execFileSync(process.execPath, [cmakeJs, 'compile', '--out', 'build'], { cwd: root, stdio: 'inherit' });
  try {
    loads();
    return 0;
  } catch (error) {
    say(explain ? explain.addonLoadAdvice(explain.diagnoseAddonLoad(error), 'runtime') : String(error.message));
    return 1;
  }
}

process.exitCode = main();
