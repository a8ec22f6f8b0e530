/**
 * Permissions: rules compiled for checks, held against a plain reading of the rules (any rule naming
 * the verb, the namespace and the kind) over random rules and refs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type NonResourceRule,
  Permissions,
  type ResourceRule,
  type Rule,
  VERBS,
  type Verb,
} from '../../src/auth/index.ts';
import { isStoreError } from '../../src/store/index.ts';

const NAMESPACES = ['a', 'b', ''];
const GROUPS = ['', 'apps', 'batch'];
const KINDS = ['Pod', 'Deployment', 'Job'];
const KIND_ENTRIES = ['*', ...KINDS, ...KINDS.flatMap((kind) => GROUPS.map((g) => `${g || 'core'}/${kind}`))];

/** The rules read the plain way. */
function allowed(
  rules: readonly ResourceRule[],
  verb: Verb,
  ref: { group: string; kind: string; namespace: string },
) {
  return rules.some(
    (rule) =>
      (rule.verbs.includes('*') || rule.verbs.includes(verb)) &&
      (rule.namespaces.includes('*') || rule.namespaces.includes(ref.namespace)) &&
      rule.kinds.some(
        (kind) => kind === '*' || kind === ref.kind || kind === `${ref.group || 'core'}/${ref.kind}`,
      ),
  );
}

const ruleArbitrary: fc.Arbitrary<ResourceRule> = fc.record({
  verbs: fc.subarray([...VERBS, '*' as const], { minLength: 1 }),
  namespaces: fc.subarray(['*', ...NAMESPACES], { minLength: 1 }),
  kinds: fc.subarray(KIND_ENTRIES, { minLength: 1 }),
});

const urlRuleArbitrary: fc.Arbitrary<NonResourceRule> = fc.record({
  verbs: fc.subarray(['get', '*'] as const, { minLength: 1 }),
  nonResourceURLs: fc.subarray(['/metrics', '*'], { minLength: 1 }),
});

const can = (...rules: Rule[]) => new Permissions({ name: 'tester', rules });

describe('permissions', () => {
  it('should allow exactly what a plain reading of random rules allows, whatever path rules come with them', () => {
    fc.assert(
      fc.property(fc.array(ruleArbitrary, { maxLength: 4 }), fc.array(urlRuleArbitrary), (rules, urls) => {
        const permissions = can(...rules, ...urls);
        for (const verb of VERBS)
          for (const namespace of NAMESPACES)
            for (const group of GROUPS)
              for (const kind of KINDS) {
                const ref = { group, kind, namespace };
                assert.equal(
                  permissions.allows(verb, ref),
                  allowed(rules, verb, ref),
                  JSON.stringify({ verb, ref }),
                );
              }
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('should cover a scope only when every resource in it is allowed', () => {
    fc.assert(
      fc.property(fc.array(ruleArbitrary, { maxLength: 4 }), (rules) => {
        const permissions = can(...rules);
        for (const verb of VERBS)
          for (const namespace of [...NAMESPACES, null])
            for (const kind of [...KINDS, null])
              for (const group of [...GROUPS, null]) {
                if (!permissions.covers(verb, namespace, group, kind)) continue;
                for (const ns of namespace === null ? NAMESPACES : [namespace])
                  for (const k of kind === null ? KINDS : [kind])
                    for (const g of group === null ? GROUPS : [group])
                      assert.ok(allowed(rules, verb, { group: g, kind: k, namespace: ns }));
              }
      }),
      { numRuns: 200, seed: 12 },
    );
  });

  it('should name the namespaces a kind is allowed in, or all of them', () => {
    const permissions = can(
      { verbs: ['list'], namespaces: ['a'], kinds: ['Pod'] },
      { verbs: ['list'], namespaces: ['b', ''], kinds: ['core/Pod', 'apps/Deployment'] },
      { verbs: ['*'], namespaces: ['*'], kinds: ['batch/Job'] },
    );
    assert.deepEqual(permissions.namespacesFor('list', '', 'Pod'), new Set(['a', 'b', '']));
    assert.deepEqual(permissions.namespacesFor('list', 'apps', 'Pod'), new Set(['a']));
    assert.deepEqual(permissions.namespacesFor('list', 'apps', 'Deployment'), new Set(['b', '']));
    assert.deepEqual(permissions.namespacesFor('get', '', 'Pod'), new Set());
    assert.equal(permissions.namespacesFor('get', 'batch', 'Job'), '*');
  });

  it('should tell the core group from every other by core/Kind', () => {
    const permissions = can({ verbs: ['get'], namespaces: ['*'], kinds: ['core/Pod'] });
    assert.ok(permissions.allows('get', { group: '', kind: 'Pod', namespace: 'a' }));
    assert.ok(!permissions.allows('get', { group: 'core', kind: 'Pod', namespace: 'a' }));
    assert.ok(!permissions.allows('get', { group: 'apps', kind: 'Pod', namespace: 'a' }));
    assert.ok(permissions.covers('get', null, '', 'Pod'));
    assert.ok(!permissions.covers('get', null, null, 'Pod'), 'a Pod of any group is not covered');
  });

  it('should open a server path only to a rule naming it or every path, never to rules on resources', () => {
    const everything: ResourceRule = { verbs: ['*'], namespaces: ['*'], kinds: ['*'] };
    assert.ok(!can(everything).allowsUrl('/metrics'));
    assert.ok(can({ verbs: ['get'], nonResourceURLs: ['/metrics'] }).allowsUrl('/metrics'));
    assert.ok(can({ verbs: ['*'], nonResourceURLs: ['*'] }).allowsUrl('/metrics'));
    const metricsOnly = can({ verbs: ['get'], nonResourceURLs: ['/metrics'] });
    assert.ok(!metricsOnly.covers('get', null, null, null), 'a path rule allows no resource');
    assert.ok(!metricsOnly.allows('get', { group: '', kind: 'Pod', namespace: 'a' }));
  });

  it('should allow nothing without rules, and refuse with FORBIDDEN naming who, what and where', () => {
    const none = can();
    assert.ok(!none.covers('get', null, null, null));
    assert.throws(
      () => none.require('delete', { group: 'apps', kind: 'Deployment', namespace: 'a' }),
      (error: unknown) =>
        isStoreError(error, 'FORBIDDEN') &&
        error.message === 'tester may not delete apps/Deployment in namespace "a"',
    );
    assert.throws(
      () => none.require('get', { group: '', kind: 'Node', namespace: '' }),
      /^StoreError: tester may not get Node cluster-scoped$/,
    );
  });
});
