/**
 * Stored JSON text spliced into responses: `stringifyResult` writes exactly what `JSON.stringify`
 * writes for the parsed values, whatever the texts and the strings around them hold.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RawJson, stringifyResult } from '../../src/schema/raw-json.ts';

/** A result tree with some JSON values given as text, and the same tree with every value parsed. */
const results = fc
  .array(
    fc.record({
      raw: fc.boolean(),
      value: fc.jsonValue(),
      // Strings that look like the placeholders, or hold NUL characters.
      label: fc.oneof(
        fc.string(),
        fc.constant('\u0000'),
        fc.string().map((s) => `\u0000${s}:0`),
      ),
    }),
    { maxLength: 12 },
  )
  .map((items) => ({
    withText: {
      data: {
        items: items.map(({ raw, value, label }) => ({
          label,
          data: raw ? new RawJson(JSON.stringify(value)) : value,
        })),
      },
    },
    parsed: { data: { items: items.map(({ value, label }) => ({ label, data: value })) } },
  }));

describe('stored JSON in responses', () => {
  it('should write what JSON.stringify writes for the parsed values', () => {
    fc.assert(
      fc.property(results, ({ withText, parsed }) => {
        const expected = JSON.stringify(parsed);
        assert.equal(stringifyResult(withText), expected);
        assert.equal(JSON.stringify(withText), expected, 'a serializer that does not splice parses');
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('should leave a result without stored text as JSON.stringify writes it', () => {
    const result = { data: { a: [1, 'x', null], b: { c: true } }, errors: [{ message: 'm' }] };
    assert.equal(stringifyResult(result), JSON.stringify(result));
  });
});
