// SPDX-License-Identifier: GPL-2.0-or-later
// The package carries lib/ only: nothing in it may import the benchmarks,
// the tests or a development-only package, or the build would ship them
// (or fail for consumers, who do not get devDependencies).
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

// Every module specifier: static imports and re-exports, dynamic import(),
// require(). Comments are left out (TSDoc examples import from 'cnm').
function specifiers(source: string): string[] {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  for (const re of [
    /\bfrom\s+'([^']+)'/g,
    /\bimport\s*\(\s*'([^']+)'\s*\)/g,
    /\brequire\s*\(\s*'([^']+)'\s*\)/g,
    /^import\s+'([^']+)'/gm,
  ]) {
    for (const m of text.matchAll(re)) if (m[1]) found.push(m[1]);
  }
  return found;
}

describe('lib/ stands alone', () => {
  const files = sources(join(root, 'lib'));

  it('imports nothing outside lib/ but node builtins and runtime dependencies', () => {
    const outside: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const where = `${relative(root, file)}: ${spec}`;
        if (spec.startsWith('.')) {
          if (relative(join(root, 'lib'), resolve(dirname(file), spec)).startsWith('..')) outside.push(where);
        } else if (spec.startsWith('node:') || builtinModules.includes(spec)) {
          // a Node builtin
        } else {
          const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
          if (!manifest.dependencies[pkg]) outside.push(where);
        }
      }
    }
    expect(files.length).toBeGreaterThan(20);
    expect(outside).toEqual([]);
  });

  it('the model names no driver: lib/cnm reaches drivers only through the driver interface and the registry', () => {
    const model = files.filter((f) => relative(join(root, 'lib'), f).startsWith('cnm/'));
    const found: string[] = [];
    for (const file of model) {
      const source = readFileSync(file, 'utf8');
      for (const spec of specifiers(source)) {
        const target = relative(join(root, 'lib'), resolve(dirname(file), spec));
        if (target.startsWith('drivers/') && target !== 'drivers/driver' && target !== 'drivers/registry')
          found.push(`${relative(root, file)}: imports ${spec}`);
      }
      const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const name of ['bridge', 'macvlan', 'overlay', 'ipvlan']) {
        if (new RegExp(`['"\`]${name}['"\`]`).test(code)) found.push(`${relative(root, file)}: names '${name}'`);
      }
    }
    expect(model.length).toBeGreaterThan(10);
    expect(found).toEqual([]);
  });

  it('only lib/cnm/store/sqlite imports better-sqlite3', () => {
    const found = files
      .filter((f) => !relative(join(root, 'lib'), f).startsWith('cnm/store/sqlite/'))
      .filter((f) => specifiers(readFileSync(f, 'utf8')).includes('better-sqlite3'))
      .map((f) => relative(root, f));
    expect(found).toEqual([]);
  });

  it('the model sees no SQL and no database type: only lib/cnm/store/sqlite speaks SQLite', () => {
    const model = files.filter((f) => {
      const at = relative(join(root, 'lib'), f);
      return at.startsWith('cnm/') && !at.startsWith('cnm/store/sqlite/');
    });
    const found: string[] = [];
    for (const file of model) {
      const source = readFileSync(file, 'utf8');
      for (const spec of specifiers(source)) {
        const target = relative(join(root, 'lib'), resolve(dirname(file), spec));
        if (spec === 'better-sqlite3') found.push(`${relative(root, file)}: imports better-sqlite3`);
        if (target.startsWith('cnm/store/sqlite/') && !relative(join(root, 'lib'), file).startsWith('cnm/controller'))
          found.push(`${relative(root, file)}: imports ${spec}`);
      }
      const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      if (/\b(SELECT\s+\S+\s+FROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET)\b/.test(code))
        found.push(`${relative(root, file)}: SQL`);
    }
    expect(model.length).toBeGreaterThan(10);
    expect(found).toEqual([]);
  });
});
