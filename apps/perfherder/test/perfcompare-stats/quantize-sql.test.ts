import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantize2, quantize2HalfEvenSql } from '../../src/perf/perfcompare/stats/quantize.ts';
import { withTestDatabase } from '../support/database.ts';

// Stopped after the file's tests (withTestDatabase registers it).
const db = await withTestDatabase({ replicas: 0 });

describe('quantize2HalfEvenSql: quantize2 half-even in PostgreSQL', () => {
  it('rounds every value as quantize2 does, ties and long fractions included', async () => {
    const ties = [0.125, -0.125, 0.135, -0.135, 2.675, 1.005, 0.145, 0.155, 123456789.125, -2.665];
    const near = [0.12500000000000003, 0.12499999999999999, 2.6750000000000003, 0.30000000000000004];
    const odd = [0, -0, -0.001, 0.0049999, 1e-7, 1.5e-5, 1e20, 12.3456, 999.995, -999.995, 7, 33.33333333];
    // A spread of values with 15 to 17 significant digits, as computed results have.
    const spread = Array.from({ length: 2000 }, (_, i) => (i * 7919.123456789) / 997 - 5000);
    const values = [...ties, ...near, ...odd, ...spread];
    const { rows } = await db.primary.query(
      `SELECT json_agg(${quantize2HalfEvenSql('v.t')} ORDER BY i)::text AS rounded
       FROM unnest($1::float8[]) WITH ORDINALITY x(value, i)
       CROSS JOIN LATERAL (SELECT x.value::text AS t) v`,
      [values],
    );
    const rounded = JSON.parse(rows[0].rounded) as number[];
    const expected = values.map((v) => quantize2(v, 'half-even'));
    assert.equal(JSON.stringify(rounded), JSON.stringify(expected));
  });
});
