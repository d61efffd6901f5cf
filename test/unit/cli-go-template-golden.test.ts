// SPDX-License-Identifier: GPL-2.0-or-later
// The template engine against real Go: test/unit/golden/go-template.json holds
// templates, the objects they run over (Docker's typed network.Inspect, its
// plain JSON, a `network ls` row, a whole `ls` listing) and what Go's
// text/template printed or the error it gave. Regenerate it with
// scripts/go-template-golden (needs Go): `cd scripts/go-template-golden && go run . < cases.json > ../../test/unit/golden/go-template.json`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DockerNetwork } from '../../lib/cli/docker-json';
import { formatInspect, formatList } from '../../lib/cli/format/docker-formatter';
import { headerContext, NETWORK_HEADERS, networkInspectView, networkRow } from '../../lib/cli/format/docker-views';
import { fromJson, type GoValue } from '../../lib/cli/format/go-values';
import { GoTemplate } from '../../lib/cli/format/template';

interface Golden {
  Go: string;
  Nets: Record<string, DockerNetwork>;
  Cases: { Mode: string; Tmpl: string; Data: string }[];
  Results: { out: string; err?: string }[];
}

const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'golden/go-template.json'), 'utf8')) as Golden;
const DEFAULT_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';

// What cnm does for each mode; a failure comes back as its message.
function run(mode: string, tmpl: string, data: string): { out: string; err?: string } {
  const net = (name: string) => golden.Nets[name] as DockerNetwork;
  try {
    const once = (value: GoValue, missingKey?: 'error') =>
      GoTemplate.parse(tmpl).execute(value, missingKey ? { missingKey } : {});
    switch (mode) {
      case 'typed':
        return { out: once(networkInspectView(net(data))) };
      case 'raw':
        return { out: once(fromJson(net(data))) };
      case 'rawerr':
        return { out: once(fromJson(net(data)), 'error') };
      case 'row':
        return { out: once(networkRow(net(data), true)) };
      case 'inspect': {
        const r = formatInspect(tmpl, [{ typed: networkInspectView(net(data)) }]);
        return r.failures.length > 0 ? { out: '', err: r.failures[0] as string } : { out: r.out };
      }
      case 'list': {
        const rows = data.split(',').map((n) => networkRow(net(n), true));
        return { out: formatList(tmpl, rows, headerContext(NETWORK_HEADERS), DEFAULT_TABLE) };
      }
    }
    throw new Error(`bad mode ${mode}`);
  } catch (error) {
    return { out: '', err: (error as Error).message };
  }
}

describe(`Go templates as ${golden.Go} runs them`, () => {
  it.each(
    golden.Cases.map((c, i) => [i, c.Mode, c.Tmpl, c.Data, golden.Results[i]] as const),
  )('#%i %s %j', (_i, mode, tmpl, data, want) => {
    const got = run(mode, tmpl, data);
    if (want?.err) expect(got.err).toBe(want.err);
    else expect(got).toEqual({ out: want?.out });
  });
});
