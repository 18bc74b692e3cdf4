import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawJson } from '../../src/perf/perfcompare/perfcompare-rows.ts';

describe('RawJson: JSON texts spliced into JSON.stringify output', () => {
  it('writes each embedded text as it is, in place, and leaves look-alike strings alone', () => {
    const raw = new RawJson();
    const value = {
      a: raw.embed('[1,2.5,null]'),
      text: '\u0000raw:0',
      nested: [{ b: raw.embed('[]') }, raw.embed('["x\\"y"]')],
      tag: 'raw0',
    };
    assert.equal(
      raw.stringify(value),
      '{"a":[1,2.5,null],"text":"\\u0000raw:0","nested":[{"b":[]},["x\\"y"]],"tag":"raw0"}',
    );
  });

  it('two instances use different placeholders', () => {
    const one = new RawJson();
    const two = new RawJson();
    const fromOne = one.embed('[1]');
    two.embed('[2]');
    assert.equal(two.stringify([fromOne]), JSON.stringify([fromOne]));
  });
});
