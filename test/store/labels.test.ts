import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isStoreError } from '../../src/store/errors.ts';
import { parseLabelSelector, type Requirement, validateLabels } from '../../src/store/labels.ts';

/** Asserts that `run` throws BAD_USER_INPUT on `field` with a message matching `pattern`. */
function assertBadInput(run: () => unknown, field: string, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isStoreError(error, 'BAD_USER_INPUT'), `expected BAD_USER_INPUT, got ${String(error)}`);
    assert.equal(error.details.field, field);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('parseLabelSelector', () => {
  const valid: Array<[string, Requirement[]]> = [
    ['', []],
    ['   ', []],
    ['a=b', [{ key: 'a', operator: 'In', values: ['b'] }]],
    ['a==b', [{ key: 'a', operator: 'In', values: ['b'] }]],
    ['a!=b', [{ key: 'a', operator: 'NotIn', values: ['b'] }]],
    ['a=', [{ key: 'a', operator: 'In', values: [''] }]],
    ['a in (y, x, y)', [{ key: 'a', operator: 'In', values: ['x', 'y'] }]],
    ['a notin (x)', [{ key: 'a', operator: 'NotIn', values: ['x'] }]],
    ['a', [{ key: 'a', operator: 'Exists', values: [] }]],
    ['!a', [{ key: 'a', operator: 'DoesNotExist', values: [] }]],
    ['! a', [{ key: 'a', operator: 'DoesNotExist', values: [] }]],
    ['a>5', [{ key: 'a', operator: 'Gt', values: ['5'] }]],
    ['a < 10', [{ key: 'a', operator: 'Lt', values: ['10'] }]],
    ['in in (in, notin)', [{ key: 'in', operator: 'In', values: ['in', 'notin'] }]],
    ['x=in', [{ key: 'x', operator: 'In', values: ['in'] }]],
    [
      ' tier = web ,\tapp.kubernetes.io/name in(api,db), !canary ',
      [
        { key: 'app.kubernetes.io/name', operator: 'In', values: ['api', 'db'] },
        { key: 'canary', operator: 'DoesNotExist', values: [] },
        { key: 'tier', operator: 'In', values: ['web'] },
      ],
    ],
    ['A_b.c-D=x_Y.z-9', [{ key: 'A_b.c-D', operator: 'In', values: ['x_Y.z-9'] }]],
  ];
  for (const [text, expected] of valid) {
    it(`should parse ${JSON.stringify(text)} into requirements sorted by key`, () => {
      const selector = parseLabelSelector(text);
      assert.deepEqual(selector.requirements, expected);
      assert.equal(selector.empty, expected.length === 0);
    });
  }

  const invalid: Array<[string, RegExp]> = [
    ['a=b,', /label key or '!' after ',', found end of input at position 4/],
    [',a', /expected a label key or '!', found ',' at position 0/],
    ['a,,b', /after ',', found ',' at position 2/],
    ['a in ()', /at least one value inside \(\), found '\)' at position 6/],
    ['a in (x', /unclosed '\(' at position 5: expected ',' or '\)', found end of input at position 7/],
    ['a in (x,', /unclosed '\(' at position 5: expected a value, found end of input/],
    ['a in (x,)', /expected a value, found '\)' at position 8/],
    ['a in x', /expected '\(' after in\/notin, found 'x' at position 5/],
    ['a b', /expected an operator .*, found 'b' at position 2/],
    ['a=b=c', /expected ',' or end of input, found '=' at position 3/],
    ['!a=b', /'!key' takes no operator.*found '=' at position 2/],
    ['!', /expected a label key after '!', found end of input at position 1/],
    ['a=(', /expected a value, found '\(' at position 2/],
    ['a>x', /'a' > needs an integer value, found 'x' at position 2/],
    ['a<', /'a' < needs an integer value, found '' at position 2/],
    ['a>99999999999999999999', /needs an integer value/],
    ['a>-5', /invalid value '-5' for 'a'/],
    ['-a=b', /invalid label key '-a'/],
    ['Example.com/a=b', /prefix part must be a lowercase DNS subdomain/],
    ['/a', /prefix part must not be empty/],
    ['a/b/c', /one "\/"/],
    [`${'k'.repeat(64)}=v`, /name part must be at most 63 characters/],
    [`k=${'v'.repeat(64)}`, /must be at most 63 characters at position 2/],
    ['a=b c', /expected ',' or end of input, found 'c' at position 4/],
  ];
  for (const [text, pattern] of invalid) {
    it(`should reject ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)} with the position`, () => {
      assertBadInput(() => parseLabelSelector(text), 'labelSelector', pattern);
    });
  }

  it('should match with Kubernetes semantics: NotIn and != hold when the key is absent', () => {
    assert.equal(parseLabelSelector('a!=b').matches({}), true);
    assert.equal(parseLabelSelector('a notin (b)').matches({ c: 'd' }), true);
    assert.equal(parseLabelSelector('a notin (b)').matches({ a: 'b' }), false);
    assert.equal(parseLabelSelector('a in (b)').matches({}), false);
    assert.equal(parseLabelSelector('a=').matches({ a: '' }), true);
  });

  it('should compare Gt/Lt as integers and fail on non-integer or absent labels', () => {
    const gt = parseLabelSelector('n>9');
    assert.equal(gt.matches({ n: '10' }), true);
    assert.equal(gt.matches({ n: '9' }), false);
    assert.equal(gt.matches({ n: 'ten' }), false);
    assert.equal(gt.matches({}), false);
    assert.equal(parseLabelSelector('n<10').matches({ n: '-3' }), true);
  });

  it('should match everything when empty and return frozen requirements', () => {
    const selector = parseLabelSelector('');
    assert.equal(selector.matches({ any: 'thing' }), true);
    assert.ok(Object.isFrozen(parseLabelSelector('a in (x)').requirements[0]?.values));
  });
});

describe('validateLabels', () => {
  it('should treat null and undefined as no labels', () => {
    assert.deepEqual(validateLabels(null, 'labels'), {});
    assert.deepEqual(validateLabels(undefined, 'labels'), {});
  });

  it('should return a fresh copy of valid labels', () => {
    const input = { 'app.kubernetes.io/name': 'web', tier: '', 'k8s-app': 'kube-dns' };
    const output = validateLabels(input, 'labels');
    assert.deepEqual(output, input);
    assert.notEqual(output, input);
  });

  const invalid: Array<[unknown, string, RegExp]> = [
    [[], 'labels', /must be an object of strings/],
    ['a=b', 'labels', /must be an object of strings/],
    [new Map(), 'labels', /must be an object of strings/],
    [{ a: 1 }, 'labels.a', /must be a string/],
    [{ '-a': 'x' }, 'labels.-a', /invalid label key: name part/],
    [{ 'UPPER.io/a': 'x' }, 'labels.UPPER.io/a', /prefix part/],
    [{ [`${'p'.repeat(254)}/a`]: 'x' }, `labels.${'p'.repeat(254)}/a`, /at most 253/],
    [{ a: 'x y' }, 'labels.a', /invalid label value/],
    [{ a: 'v'.repeat(64) }, 'labels.a', /at most 63/],
    [{ '': 'x' }, 'labels.', /name part must not be empty/],
  ];
  for (const [value, field, pattern] of invalid) {
    it(`should reject ${JSON.stringify(value)?.slice(0, 50) ?? String(value)} naming ${field.slice(0, 30)}`, () => {
      assertBadInput(() => validateLabels(value, 'labels'), field, pattern);
    });
  }
});

/** A straightforward evaluator of requirements, written independently of the parser's. */
function referenceMatches(requirements: Requirement[], labels: Record<string, string>): boolean {
  return requirements.every(({ key, operator, values }) => {
    const has = key in labels;
    const value = labels[key];
    if (operator === 'Exists') return has;
    if (operator === 'DoesNotExist') return !has;
    if (operator === 'In') return has && values.some((v) => v === value);
    if (operator === 'NotIn') return !has || values.every((v) => v !== value);
    if (!has || !/^\d+$/.test(value ?? '')) return false;
    return operator === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
  });
}

/** Renders a requirement in one of its equivalent textual forms. */
function render(requirement: Requirement, style: number): string {
  const { key, operator, values } = requirement;
  const space = style % 2 === 0 ? '' : ' ';
  switch (operator) {
    case 'Exists':
      return key;
    case 'DoesNotExist':
      return `!${space}${key}`;
    case 'Gt':
      return `${key}${space}>${space}${values[0]}`;
    case 'Lt':
      return `${key}${space}<${space}${values[0]}`;
    case 'In':
      if (values.length === 1 && style > 1)
        return `${key}${space}${style > 2 ? '==' : '='}${space}${values[0]}`;
      return `${key} in (${values.join(`,${space}`)})`;
    case 'NotIn':
      if (values.length === 1 && style > 1) return `${key}${space}!=${space}${values[0]}`;
      return `${key} notin${space}(${values.join(',')})`;
  }
}

describe('selector property', () => {
  const keys = fc.constantFrom('app', 'tier', 'example.com/team', 'n');
  const values = fc.constantFrom('a', 'b', 'web', '1', '7', '12');
  const requirement: fc.Arbitrary<Requirement> = fc.oneof(
    fc.record({
      key: keys,
      operator: fc.constantFrom('In' as const, 'NotIn' as const),
      values: fc.uniqueArray(values, { minLength: 1, maxLength: 3 }).map((v) => v.sort()),
    }),
    fc.record({
      key: keys,
      operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const),
      values: fc.constant<string[]>([]),
    }),
    fc.record({
      key: keys,
      operator: fc.constantFrom('Gt' as const, 'Lt' as const),
      values: fc.integer({ min: 0, max: 15 }).map((v) => [String(v)]),
    }),
  );
  const labels = fc.dictionary(keys, values, { maxKeys: 4 });

  it('should match a selector rendered from random requirements exactly as a reference evaluator does', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(requirement, fc.nat(3)), { maxLength: 4 }), labels, (parts, map) => {
        const text = parts.map(([r, style]) => render(r, style)).join(' , ');
        const selector = parseLabelSelector(text);
        const expected = parts.map(([r]) => r);
        const canonical = (list: readonly Requirement[]) => list.map((r) => JSON.stringify(r)).sort();
        assert.deepEqual(canonical(selector.requirements), canonical(expected));
        assert.equal(selector.matches(map), referenceMatches(expected, map));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('selector robustness', () => {
  it('should either parse arbitrary text or reject it with BAD_USER_INPUT', () => {
    const alphabet = fc.constantFrom(
      'a',
      'b',
      '1',
      '=',
      '!',
      '(',
      ')',
      ',',
      '<',
      '>',
      ' ',
      '/',
      '.',
      '-',
      'in',
      'notin',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(alphabet).map((parts) => parts.join('')),
        ),
        (text) => {
          try {
            parseLabelSelector(text);
          } catch (error) {
            assert.ok(isStoreError(error, 'BAD_USER_INPUT'), String(error));
            assert.match((error as Error).message, /at position \d+$/);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
