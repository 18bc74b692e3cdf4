// docs/configuration.md lists exactly the variables the router reads, each tunable with the default and the
// bounds the code enforces.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { routerTunables } from '../src/config/router-config.ts';
import { readRouterConfig, routerEnvironment } from '../src/index.ts';

const doc = readFileSync(join(import.meta.dirname, '../../../docs/configuration.md'), 'utf8');
const MARKER = '<!-- service variables below -->';

/** Table rows: variable → cells (meaning, unit, default, bounds, invalid value), in order. */
function rows(markdown: string): [string, string[]][] {
  return [...markdown.matchAll(/^\|\s*`([A-Z0-9_]+)`\s*\|(.*)\|\s*$/gm)].map((m) => [
    m[1]!,
    m[2]!.split('|').map((c) => c.trim()),
  ]);
}

describe('docs/configuration.md', () => {
  const table = rows(doc);
  const markerAt = table.findIndex(([, cells]) => cells.some((c) => c.includes(MARKER)));

  test('the router’s rows (down to the marker) are exactly routerEnvironment', () => {
    assert.notEqual(markerAt, -1, 'the marker row is missing');
    const documented = table.slice(0, markerAt + 1).map(([name]) => name);
    assert.deepEqual([...documented].sort(), [...routerEnvironment].sort());
  });

  for (const [name, spec] of Object.entries(routerTunables)) {
    test(`${name}: default ${spec.default}, bounds ${spec.min} – ${spec.max}`, () => {
      const row = table.find(([n]) => n === name);
      assert.ok(row, `${name} has no row`);
      const [, , defaultCell, bounds] = row[1];
      assert.ok(defaultCell?.startsWith(`\`${spec.default}\``), `${name} default cell: ${defaultCell}`);
      assert.ok(bounds?.startsWith(`${spec.min} – ${spec.max}`), `${name} bounds cell: ${bounds}`);
      assert.equal(readRouterConfig({})[spec.key], spec.default);
    });
  }

  test('READ_REPLICA_CONSISTENCY’s documented default is the code’s', () => {
    const row = table.find(([n]) => n === 'READ_REPLICA_CONSISTENCY');
    assert.equal(row?.[1][2], `\`${readRouterConfig({}).consistency}\``);
  });
});
