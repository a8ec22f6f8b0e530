import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GraphQLError } from 'graphql';
import { printSchemaSDL } from '../../src/schema/index.ts';
import { parseRevision, serializeRevision } from '../../src/schema/scalars.ts';

describe('schema', () => {
  it('should match the checked-in schema/schema.graphql (run `npm run print-schema` if not)', () => {
    const checkedIn = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
    assert.equal(checkedIn, `${printSchemaSDL()}\n`);
  });
});

describe('Revision scalar', () => {
  it('should round-trip every non-negative safe integer as a decimal string', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (revision) => {
        const wire = serializeRevision(revision);
        assert.equal(wire, String(revision));
        assert.equal(parseRevision(wire), revision);
        assert.equal(parseRevision(revision), revision);
      }),
    );
  });

  it('should reject anything else with BAD_USER_INPUT', () => {
    const invalid = fc.oneof(
      fc.integer({ max: -1 }),
      fc.double().filter((value) => !Number.isSafeInteger(value) || value < 0),
      fc.string().filter((value) => !/^(0|[1-9][0-9]*)$/.test(value) || !Number.isSafeInteger(Number(value))),
      fc.constantFrom(null, true, {}, [], '9007199254740992', '01', '1e3', ' 1'),
    );
    fc.assert(
      fc.property(invalid, (value) => {
        assert.throws(
          () => parseRevision(value),
          (error) => error instanceof GraphQLError && error.extensions.code === 'BAD_USER_INPUT',
        );
      }),
    );
  });
});
