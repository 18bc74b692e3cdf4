import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonNumberSql } from '../../src/db/json-text-sql.ts';
import {
  quantize2,
  quantize2HalfEvenJsonSql,
  quantize2HalfEvenSql,
} from '../../src/perf/perfcompare/stats/quantize.ts';
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

// Values whose shortest text has at most two decimals (the fast path), more, exponents, ties, -0, huge.
const JSON_CASES = [
  ...[0.125, -0.125, 0.135, 2.675, 1.005, 0.145, -2.665, 123456789.125, 999.995, -999.995],
  ...[0, -0, -0.001, 0.0049999, 1e-7, 1.5e-5, 5e-5, 1e-4, 1e20, 1.5e21, 1e21, 1e15 + 0.5, 2 ** 53 + 2],
  // Written as text: more digits than a double keeps.
  ...['123456789012345.67', '99999999999999.99', '9999999999999.995'].map(Number),
  ...[12, 12.3, 12.34, -7.5, 33.33333333],
  ...Array.from({ length: 2000 }, (_, i) => (i * 7919.123456789) / 997 - 5000),
  ...Array.from({ length: 500 }, (_, i) => Math.round(((i * 7919) % 100003) - 50000) / 100),
];

describe('JSON text in PostgreSQL: what JSON.stringify writes', () => {
  it('quantize2HalfEvenJsonSql writes JSON.stringify(quantize2(x)) for every value', async () => {
    const { rows } = await db.primary.query(
      `SELECT '[' || string_agg(${quantize2HalfEvenJsonSql('v.t')}, ',' ORDER BY i) || ']' AS text
       FROM unnest($1::float8[]) WITH ORDINALITY x(value, i)
       CROSS JOIN LATERAL (SELECT x.value::text AS t) v`,
      [JSON_CASES],
    );
    assert.equal(rows[0].text, JSON.stringify(JSON_CASES.map((v) => quantize2(v, 'half-even'))));
  });

  it("performance_value_json (migration 0010, the datums' stored text) writes what quantize2HalfEvenJsonSql writes", async () => {
    // performance_value_json under other extra_float_digits (it pins its own), and the text form the datum
    // trigger calls on the shortest text.
    const client = await db.primary.connect();
    try {
      for (const [setting, call] of [
        ['3', 'performance_value_json(x.value)'],
        ['0', 'performance_value_json(x.value)'],
        ['1', 'performance_value_text_json(x.value::text)'],
      ]) {
        await client.query(`SET extra_float_digits = ${setting}`);
        const { rows } = await client.query(
          `SELECT '[' || string_agg(${call}, ',' ORDER BY i) || ']' AS text,
           string_agg(${call}, ',' ORDER BY i) FILTER (WHERE x.value IN ('NaN', 'Infinity', '-Infinity')) AS special
         FROM unnest($1::float8[] || ARRAY['NaN', 'Infinity', '-Infinity']::float8[]) WITH ORDINALITY x(value, i)`,
          [JSON_CASES],
        );
        const expected = JSON.stringify(JSON_CASES.map((v) => quantize2(v, 'half-even')));
        assert.equal(rows[0].text, `${expected.slice(0, -1)},null,null,null]`);
        assert.equal(rows[0].special, 'null,null,null');
      }
    } finally {
      client.release();
    }
  });

  it('jsonNumberSql writes JSON.stringify(x) for every double, NaN and infinities as null', async () => {
    const values = [...JSON_CASES, 1e-6, 9.99e-7, 1e300, -1e-300, 5e-324, 1.7976931348623157e308, 0.1 + 0.2];
    const { rows } = await db.primary.query(
      `SELECT '[' || string_agg(${jsonNumberSql('x.value')}, ',' ORDER BY i) || ']' AS text
       FROM unnest($1::float8[]) WITH ORDINALITY x(value, i)`,
      [values],
    );
    assert.equal(rows[0].text, JSON.stringify(values));
    const special = await db.primary.query(
      `SELECT string_agg(${jsonNumberSql('x.value')}, ',') AS text
       FROM unnest(ARRAY['NaN', 'Infinity', '-Infinity', NULL]::float8[]) x(value)`,
    );
    assert.equal(special.rows[0].text, 'null,null,null,null');
  });
});
