/**
 * An in-memory model of the store for the model-based test: resources of a small universe of refs,
 * relationships between them, and the global revision, with the store's documented semantics written
 * plainly (a map per kind of thing, a loop to a fixed point for cascades). `fc.commands` drives random
 * writes through the model and the store alike; after each, `compareStore` checks every read.
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import type {
  DeletePropagation,
  JsonObject,
  JsonValue,
  Operation,
  OperationResult,
  Relationship,
  RelationshipInput,
  Resource,
  ResourceRef,
  Store,
} from '../../src/store/index.ts';

/** The refs every command picks from: owners and dependents across namespaces and scopes. */
export const REFS: readonly ResourceRef[] = [
  { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'a', name: 'd' },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', namespace: 'a', name: 'r1' },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', namespace: 'a', name: 'r2' },
  { group: '', version: 'v1', kind: 'Pod', namespace: 'a', name: 'p1' },
  { group: '', version: 'v1', kind: 'Pod', namespace: 'a', name: 'p2' },
  { group: '', version: 'v1', kind: 'Pod', namespace: 'b', name: 'p1' },
  { group: '', version: 'v1', kind: 'Node', namespace: '', name: 'n' },
];
const OWNER = 'OwnerReference';
const LINK = 'Link';
const PREDICATES = [OWNER, LINK] as const;
/** OwnerReference data that its built-in schema accepts. */
const VALID_OWNER_DATA: readonly JsonObject[] = [
  { kind: 'Deployment', name: 'd', uid: 'owner-1' },
  { kind: 'ReplicaSet', name: 'r', uid: 'owner-2', controller: true },
];

const refName = (i: number) => {
  const ref = REFS[i]!;
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
};
const keyOf = (ref: ResourceRef) => `${ref.group}/${ref.version}/${ref.kind}/${ref.namespace}/${ref.name}`;
const relKey = (s: number, type: string, o: number) => `${s}|${type}|${o}`;

// --- what commands are made of ----------------------------------------------------------------------

/** A resource's writable content; `uid` null lets the store generate one. */
export interface Content {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly data: JsonValue;
  readonly dataType: string | null;
  readonly uid: string | null;
}

/** How a write states its expected version: none, the current one, or a stale/future one. */
type Expect = 'none' | 'current' | 'older' | 'newer';

interface RelSpec {
  readonly s: number;
  readonly type: string;
  readonly o: number;
  readonly data: JsonObject | null;
}

/** One write, before its expected version is resolved against the model. */
export type Step =
  | { readonly op: 'add'; readonly ref: number; readonly content: Content }
  | { readonly op: 'update'; readonly ref: number; readonly content: Content; readonly expect: Expect }
  | { readonly op: 'apply'; readonly ref: number; readonly content: Content; readonly expect: Expect }
  | {
      readonly op: 'delete';
      readonly ref: number;
      readonly expect: Expect;
      readonly propagation: DeletePropagation;
    }
  | { readonly op: 'link'; readonly rel: RelSpec }
  | { readonly op: 'unlink'; readonly rel: RelSpec };

const refArb = fc.nat(REFS.length - 1);
const contentArb: fc.Arbitrary<Content> = fc.record({
  labels: fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom('web', 'db'), {
    maxKeys: 2,
    noNullPrototype: true,
  }),
  annotations: fc.constantFrom<Record<string, string>>({}, {}, { note: 'kept' }),
  data: fc.constantFrom<JsonValue>(null, 1, 2, 'two', { replicas: 3 }, [1, 2]),
  dataType: fc.constantFrom(null, null, 'example.com/v1.Thing'),
  uid: fc.oneof(
    { weight: 10, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom('uid-1', 'uid-2') },
  ),
});
const expectArb = fc.constantFrom<Expect>('none', 'current', 'current', 'current', 'older', 'newer');
/** Two distinct refs; rarely the same one twice, which every relationship call rejects. */
const pairArb = (ordered: boolean) =>
  fc.oneof(
    {
      weight: 12,
      arbitrary: fc
        .tuple(refArb, refArb)
        .filter(([s, o]) => (ordered ? s < o : s !== o))
        .map(([s, o]) => ({ s, o })),
    },
    { weight: 1, arbitrary: refArb.map((s) => ({ s, o: s })) },
  );
const relArb: fc.Arbitrary<RelSpec> = fc.oneof(
  {
    // Owners mostly before their dependents in REFS (Deployment > ReplicaSet > Pod), so chains form.
    weight: 3,
    arbitrary: fc
      .record({
        pair: fc.oneof({ weight: 3, arbitrary: pairArb(true) }, { weight: 1, arbitrary: pairArb(false) }),
        // Mostly valid data; sometimes none or incomplete, which the schema rejects.
        data: fc.oneof(
          { weight: 10, arbitrary: fc.constantFrom(...VALID_OWNER_DATA) },
          { weight: 1, arbitrary: fc.constantFrom<JsonObject | null>(null, { kind: 'X' }) },
        ),
      })
      .map(({ pair, data }) => ({ ...pair, type: OWNER, data })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ pair: pairArb(false), data: fc.constantFrom<JsonObject | null>(null, { w: 1 }, { w: 2 }) })
      .map(({ pair, data }) => ({ ...pair, type: LINK, data })),
  },
);

/** Arbitraries of single steps, by operation. */
export const stepArbs = {
  add: fc.record({ op: fc.constant('add' as const), ref: refArb, content: contentArb }),
  update: fc.record({
    op: fc.constant('update' as const),
    ref: refArb,
    content: contentArb,
    expect: expectArb,
  }),
  apply: fc.record({
    op: fc.constant('apply' as const),
    ref: refArb,
    content: contentArb,
    expect: expectArb,
  }),
  delete: fc.record({
    op: fc.constant('delete' as const),
    ref: refArb,
    expect: expectArb,
    propagation: fc.constantFrom<DeletePropagation>('ORPHAN', 'BACKGROUND', 'FOREGROUND'),
  }),
  link: fc.record({ op: fc.constant('link' as const), rel: relArb }),
  unlink: fc.record({ op: fc.constant('unlink' as const), rel: relArb }),
} satisfies Record<Step['op'], fc.Arbitrary<Step>>;

/**
 * Steps that upsert a few resources and link each (but the first) to an earlier one as its owner, as
 * a controller writes an ownership tree: what cascading deletes need to find.
 */
export const ownerTreeArb: fc.Arbitrary<Step[]> = fc
  .uniqueArray(refArb, { minLength: 2, maxLength: 4 })
  .chain((refs) => {
    const sorted = [...refs].sort((a, b) => a - b);
    return fc.tuple(
      fc.constant(sorted),
      fc.array(
        contentArb.map((content) => ({ ...content, uid: null })),
        {
          minLength: sorted.length,
          maxLength: sorted.length,
        },
      ),
      fc.tuple(...sorted.slice(1).map((_, i) => fc.nat(i))),
      fc.constantFrom(...VALID_OWNER_DATA),
    );
  })
  .map(([refs, contents, owners, data]) => [
    ...refs.map((ref, i): Step => ({ op: 'apply', ref, content: contents[i]!, expect: 'none' })),
    ...owners.map(
      (owner, i): Step => ({ op: 'link', rel: { s: refs[owner]!, type: OWNER, o: refs[i + 1]!, data } }),
    ),
  ]);

function describeStep(step: Step): string {
  switch (step.op) {
    case 'add':
      return `add(${refName(step.ref)}, ${JSON.stringify(step.content)})`;
    case 'update':
    case 'apply':
      return `${step.op}(${refName(step.ref)}, ${JSON.stringify(step.content)}, expect ${step.expect})`;
    case 'delete':
      return `delete(${refName(step.ref)}, expect ${step.expect}, ${step.propagation})`;
    case 'link':
    case 'unlink':
      return `${step.op}(${refName(step.rel.s)} -${step.rel.type}${JSON.stringify(step.rel.data)}-> ${refName(step.rel.o)})`;
  }
}

// --- the model ----------------------------------------------------------------------------------------

interface ModelResource {
  readonly uid: string | null;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly data: JsonValue;
  readonly dataType: string | null;
  readonly version: number;
  readonly revision: number;
}

interface ModelRelationship extends RelSpec {
  readonly revision: number;
}

/** A deliberate mistake, to show that a wrong model makes the property fail. */
export type ModelBug = 'none' | 'update-keeps-version';

/** What the commands did, for the test's figures. */
export const stats = {
  commands: 0,
  committed: 0,
  unchanged: 0,
  rejected: new Map<string, number>(),
  cascades: 0,
  dependentsDeleted: 0,
};

/** The model: current resources and relationships, the revision, and each revision's changes. */
export class Model {
  resources = new Map<number, ModelResource>();
  relationships = new Map<string, ModelRelationship>();
  revision = 0;
  /** Per revision, the resource changes and relationship changes it logged. */
  readonly log = new Map<number, { resources: string[]; relationships: string[] }>();
  constructor(readonly bug: ModelBug = 'none') {}
}

class ModelError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

const fail = (code: string): never => {
  throw new ModelError(code);
};

/** A step with its expected version resolved: what the store is asked to do. */
type Concrete = Step & { readonly expectedVersion: number | null };

/** What the model says one step returns. */
type Expected =
  | { op: 'write'; ref: number; changed: boolean; resource: ModelResource }
  | { op: 'delete'; ref: number; dependents: number[]; removed: number }
  | { op: 'link'; changed: boolean; revision: number }
  | { op: 'unlink'; deleted: boolean };

/** One commit on a copy of the model's state; adopted only when every step succeeds. */
class Draft {
  readonly resources: Map<number, ModelResource>;
  readonly relationships: Map<string, ModelRelationship>;
  readonly changes = { resources: [] as string[], relationships: [] as string[] };
  changed = false;

  constructor(
    readonly model: Model,
    /** The revision this commit gets if it changes anything. */
    readonly revision = model.revision + 1,
  ) {
    this.resources = new Map(model.resources);
    this.relationships = new Map(model.relationships);
  }

  resolve(step: Step): Concrete {
    if (step.op !== 'update' && step.op !== 'apply' && step.op !== 'delete') {
      return { ...step, expectedVersion: null };
    }
    const current = this.resources.get(step.ref)?.version ?? 1;
    const expectedVersion =
      step.expect === 'none' && step.op !== 'update'
        ? null
        : step.expect === 'older'
          ? Math.max(1, current - 1)
          : step.expect === 'newer'
            ? current + 1
            : current;
    return { ...step, expectedVersion };
  }

  run(step: Concrete): Expected {
    switch (step.op) {
      case 'add':
      case 'update':
      case 'apply':
        return this.#write(step.op, step.ref, step.content, step.expectedVersion);
      case 'delete':
        return this.#delete(step.ref, step.expectedVersion, step.propagation);
      case 'link':
        return this.#link(step.rel);
      case 'unlink':
        return this.#unlink(step.rel);
    }
  }

  #write(mode: 'add' | 'update' | 'apply', ref: number, content: Content, expected: number | null): Expected {
    const previous = this.resources.get(ref);
    if (mode === 'add' && previous) fail('ALREADY_EXISTS');
    if (mode === 'update' && !previous) fail('NOT_FOUND');
    if (expected !== null && !previous) fail('NOT_FOUND');
    if (expected !== null && previous && previous.version !== expected) fail('VERSION_CONFLICT');
    if (previous && content.uid !== null && content.uid !== previous.uid) fail('BAD_USER_INPUT');
    if (previous && sameContent(previous, content)) {
      return { op: 'write', ref, changed: false, resource: previous };
    }
    if (
      !previous &&
      content.uid !== null &&
      [...this.resources.values()].some((r) => r.uid === content.uid)
    ) {
      fail('ALREADY_EXISTS');
    }
    const bumped = this.model.bug === 'update-keeps-version' ? 0 : 1;
    const resource: ModelResource = {
      uid: previous?.uid ?? content.uid,
      labels: content.labels,
      annotations: content.annotations,
      data: content.data,
      dataType: content.dataType,
      version: previous ? previous.version + bumped : 1,
      revision: this.revision,
    };
    this.resources.set(ref, resource);
    this.changed = true;
    this.changes.resources.push(`${previous ? 'UPDATED' : 'ADDED'} ${refName(ref)} v${resource.version}`);
    return { op: 'write', ref, changed: true, resource };
  }

  /** Every stored, transitive dependent whose stored owners are all being deleted (a fixed point). */
  #doomed(root: number, propagation: DeletePropagation): number[] {
    const doomed = new Set([root]);
    if (propagation === 'ORPHAN') return [];
    const ownersOf = (dependent: number) =>
      [...this.relationships.values()].filter((r) => r.type === OWNER && r.o === dependent).map((r) => r.s);
    for (let grew = true; grew; ) {
      grew = false;
      for (const candidate of this.resources.keys()) {
        if (doomed.has(candidate)) continue;
        const owners = ownersOf(candidate);
        const reached = owners.some((owner) => doomed.has(owner));
        const liveOwner = owners.some((owner) => !doomed.has(owner) && this.resources.has(owner));
        if (reached && !liveOwner) {
          doomed.add(candidate);
          grew = true;
        }
      }
    }
    doomed.delete(root);
    return [...doomed];
  }

  #delete(ref: number, expected: number | null, propagation: DeletePropagation): Expected {
    const previous = this.resources.get(ref);
    if (!previous) return fail('NOT_FOUND');
    if (expected !== null && previous.version !== expected) fail('VERSION_CONFLICT');
    const dependents = this.#doomed(ref, propagation);
    let removed = 0;
    for (const target of [ref, ...dependents]) {
      const gone = this.resources.get(target)!;
      this.resources.delete(target);
      this.changes.resources.push(`DELETED ${refName(target)} v${gone.version}`);
      for (const [key, rel] of this.relationships) {
        if (rel.s !== target && rel.o !== target) continue;
        this.relationships.delete(key);
        this.changes.relationships.push(`DELETED ${key}`);
        removed++;
      }
    }
    this.changed = true;
    return { op: 'delete', ref, dependents, removed };
  }

  #link(rel: RelSpec): Expected {
    if (rel.type === OWNER && !VALID_OWNER_DATA.some((valid) => isDeepStrictEqual(valid, rel.data))) {
      fail('BAD_USER_INPUT');
    }
    const key = relKey(rel.s, rel.type, rel.o);
    const existing = this.relationships.get(key);
    if (existing && isDeepStrictEqual(existing.data, rel.data)) {
      return { op: 'link', changed: false, revision: existing.revision };
    }
    this.relationships.set(key, { ...rel, revision: this.revision });
    this.changed = true;
    this.changes.relationships.push(`${existing ? 'UPDATED' : 'ADDED'} ${key}`);
    return { op: 'link', changed: true, revision: this.revision };
  }

  #unlink(rel: RelSpec): Expected {
    const key = relKey(rel.s, rel.type, rel.o);
    if (!this.relationships.has(key)) return { op: 'unlink', deleted: false };
    this.relationships.delete(key);
    this.changed = true;
    this.changes.relationships.push(`DELETED ${key}`);
    return { op: 'unlink', deleted: true };
  }

  /** Makes this commit the model's state. */
  adopt(): void {
    this.model.resources = this.resources;
    this.model.relationships = this.relationships;
    if (!this.changed) return;
    this.model.revision = this.revision;
    this.model.log.set(this.revision, this.changes);
  }
}

function sameContent(resource: ModelResource, content: Content): boolean {
  return (
    resource.dataType === content.dataType &&
    isDeepStrictEqual(resource.labels, content.labels) &&
    isDeepStrictEqual(resource.annotations, content.annotations) &&
    isDeepStrictEqual(resource.data, content.data)
  );
}

/** Runs the steps on a draft; a self-loop anywhere fails the whole call before anything runs. */
function simulate(model: Model, steps: readonly Step[]) {
  const draft = new Draft(model);
  const concrete = steps.map((step) => draft.resolve(step));
  let error: string | null = null;
  const expected: Expected[] = [];
  if (steps.some((step) => (step.op === 'link' || step.op === 'unlink') && step.rel.s === step.rel.o)) {
    error = 'BAD_USER_INPUT';
  }
  for (let i = 0; i < concrete.length && error === null; i++) {
    try {
      expected.push(draft.run(concrete[i]!));
      // Later steps see the earlier ones' effects when their versions are resolved.
      for (let j = i + 1; j < concrete.length; j++) concrete[j] = draft.resolve(steps[j]!);
    } catch (caught) {
      if (!(caught instanceof ModelError)) throw caught;
      error = caught.code;
    }
  }
  return { draft, concrete, error, expected };
}

// --- running a command on the store -----------------------------------------------------------------

const inputOf = (ref: number, content: Content) => ({ ref: REFS[ref]!, ...content });
const relInput = (rel: RelSpec): RelationshipInput => ({
  subject: REFS[rel.s]!,
  predicate: { type: rel.type, data: rel.data },
  object: REFS[rel.o]!,
});

/** The store error code of a rejected call, or the call's value. */
async function attempt<T>(call: () => Promise<T>): Promise<{ value: T } | { code: string }> {
  try {
    return { value: await call() };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    return { code };
  }
}

/** A resource as the model expects `get` to return it (timestamps aside). */
function expectedResource(ref: number, resource: ModelResource) {
  return {
    ref: REFS[ref]!,
    uid: resource.uid,
    labels: resource.labels,
    annotations: resource.annotations,
    data: resource.data,
    dataType: resource.dataType,
    version: resource.version,
    revision: resource.revision,
    deletedAt: null,
  };
}

function actualResource(resource: Resource, uid: string | null) {
  const { ref, labels, annotations, data, dataType, version, revision, deletedAt } = resource;
  // A generated uid is not known to the model until it reads it back.
  return {
    ref: { ...ref },
    uid: uid === null ? null : resource.uid,
    labels,
    annotations,
    data,
    dataType,
    version,
    revision,
    deletedAt,
  };
}

function checkResult(expected: Expected, actual: OperationResult | undefined, where: string): void {
  assert.ok(actual, `${where}: a result`);
  switch (expected.op) {
    case 'write':
      assert.ok(actual.op === 'add' || actual.op === 'update' || actual.op === 'apply', where);
      assert.equal(actual.changed, expected.changed, `${where}: changed`);
      assert.deepEqual(
        actualResource(actual.resource, expected.resource.uid),
        expectedResource(expected.ref, expected.resource),
        `${where}: the written resource`,
      );
      return;
    case 'delete':
      assert.ok(actual.op === 'delete', where);
      assert.equal(keyOf(actual.deleted.ref), keyOf(REFS[expected.ref]!), `${where}: deleted`);
      assert.ok(actual.deleted.deletedAt, `${where}: deletedAt set`);
      assert.deepEqual(
        actual.dependents.map((r) => keyOf(r.ref)).sort(),
        expected.dependents.map((i) => keyOf(REFS[i]!)).sort(),
        `${where}: dependents deleted with it`,
      );
      assert.equal(actual.removedRelationships.length, expected.removed, `${where}: relationships removed`);
      return;
    case 'link':
      assert.ok(actual.op === 'addRelationship', where);
      assert.equal(actual.changed, expected.changed, `${where}: changed`);
      assert.equal(actual.relationship.revision, expected.revision, `${where}: relationship revision`);
      return;
    case 'unlink':
      assert.ok(actual.op === 'deleteRelationship', where);
      assert.equal(actual.deleted, expected.deleted, `${where}: deleted`);
  }
}

/** Calls the store for one command; results in the shape of a transaction's. */
async function callStore(store: Store, kind: 'single' | 'batch' | 'transaction', steps: readonly Concrete[]) {
  if (kind === 'transaction') {
    const operations: Operation[] = steps.map((step): Operation => {
      switch (step.op) {
        case 'add':
          return { op: 'add', resource: inputOf(step.ref, step.content) };
        case 'update':
          return {
            op: 'update',
            resource: inputOf(step.ref, step.content),
            expectedVersion: step.expectedVersion!,
          };
        case 'apply':
          return {
            op: 'apply',
            resource: inputOf(step.ref, step.content),
            expectedVersion: step.expectedVersion,
          };
        case 'delete':
          return {
            op: 'delete',
            ref: REFS[step.ref]!,
            expectedVersion: step.expectedVersion,
            propagation: step.propagation,
          };
        case 'link':
          return { op: 'addRelationship', relationship: relInput(step.rel) };
        default:
          return { op: 'deleteRelationship', relationship: relInput(step.rel) };
      }
    });
    return attempt(() => store.transaction(operations));
  }
  if (kind === 'batch') {
    const first = steps[0]!;
    const inputs = steps.map((step) => relInput((step as { rel: RelSpec }).rel));
    if (first.op === 'link') {
      return attempt(async () => {
        const { relationships, revision } = await store.addRelationships(inputs);
        return { revision, results: [], relationships };
      });
    }
    return attempt(async () => {
      const before = store.revision;
      const { deleted, revision } = await store.deleteRelationships(inputs);
      // Which of them existed is not reported: the count is checked against the model's.
      return { revision, results: [], deleted, changed: revision !== before };
    });
  }
  const step = steps[0]!;
  return attempt(async (): Promise<{ revision: number; results: OperationResult[] }> => {
    switch (step.op) {
      case 'add':
      case 'update':
      case 'apply': {
        const input = inputOf(step.ref, step.content);
        const written =
          step.op === 'add'
            ? await store.add(input)
            : step.op === 'update'
              ? await store.update(input, step.expectedVersion!)
              : await store.apply(input, step.expectedVersion);
        return {
          revision: written.revision,
          results: [{ op: step.op, resource: written.resource, changed: written.changed }],
        };
      }
      case 'delete': {
        const result = await store.delete(REFS[step.ref]!, step.expectedVersion, {
          propagation: step.propagation,
        });
        assert.equal(result.dryRun, false);
        return {
          revision: result.revision,
          results: [
            {
              op: 'delete',
              deleted: result.deleted,
              dependents: result.dependents,
              removedRelationships: result.removedRelationships,
            },
          ],
        };
      }
      default:
        throw new Error(`not a single step: ${step.op}`);
    }
  });
}

/**
 * A command: one call to the store (a single write, a batch of relationship writes, or a
 * transaction), checked against the model, then every read checked against the model.
 */
export class StoreCommand implements fc.AsyncCommand<Model, Store> {
  constructor(
    readonly kind: 'single' | 'batch' | 'transaction',
    readonly steps: readonly Step[],
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: Model, store: Store): Promise<void> {
    const { draft, concrete, error, expected } = simulate(model, this.steps);
    const outcome = await callStore(store, this.kind, concrete);
    stats.commands++;
    if (error !== null) stats.rejected.set(error, (stats.rejected.get(error) ?? 0) + 1);
    else if (draft.changed) stats.committed++;
    else stats.unchanged++;
    for (const e of expected) {
      if (e.op === 'delete' && e.dependents.length > 0 && error === null) {
        stats.cascades++;
        stats.dependentsDeleted += e.dependents.length;
      }
    }
    if (error !== null) {
      assert.deepEqual(outcome, { code: error }, `${this} fails with ${error}`);
    } else {
      assert.ok('value' in outcome, `${this} succeeds, but failed with ${JSON.stringify(outcome)}`);
      const { revision, results } = outcome.value as { revision: number; results: OperationResult[] };
      const committed = draft.changed ? model.revision + 1 : model.revision;
      assert.equal(
        revision,
        committed,
        `${this}: revision ${draft.changed ? 'advances by one' : 'unchanged'}`,
      );
      if (this.kind === 'batch' && this.steps[0]!.op === 'unlink') {
        const { deleted } = outcome.value as unknown as { deleted: number };
        assert.equal(
          deleted,
          expected.filter((e) => e.op === 'unlink' && e.deleted).length,
          `${this}: deleted`,
        );
      } else if (this.kind === 'batch') {
        // addRelationships reports each relationship as stored, not whether it changed.
        const { relationships } = outcome.value as unknown as { relationships: Relationship[] };
        assert.deepEqual(
          relationships.map(relationshipLine),
          this.steps.map((step, i) => {
            const { rel } = step as { rel: RelSpec };
            const { revision: at } = expected[i] as { revision: number };
            return modelRelationshipLine({ ...rel, revision: at });
          }),
          `${this}: the relationships written`,
        );
      } else {
        expected.forEach((e, i) => {
          checkResult(e, results[i], `${this} step ${i}`);
        });
      }
      draft.adopt();
    }
    learnUids(model, store);
    compareStore(model, store);
  }

  toString(): string {
    const steps = this.steps.map(describeStep).join('; ');
    return this.kind === 'single' ? steps : `${this.kind}[${steps}]`;
  }
}

/** Fills in the uids the store generated, once: from then on the model expects them unchanged. */
function learnUids(model: Model, store: Store): void {
  for (const [ref, resource] of model.resources) {
    if (resource.uid !== null) continue;
    const stored = store.get(REFS[ref]!);
    assert.ok(stored, `${refName(ref)} is stored`);
    assert.match(stored.uid, /^[0-9a-f-]{36}$/, 'a generated uid');
    model.resources.set(ref, { ...resource, uid: stored.uid });
  }
}

const relationshipLine = (r: Relationship) =>
  `${keyOf(r.subject)} -${r.predicate.type}${JSON.stringify(r.predicate.data)}-> ${keyOf(r.object)} @${r.revision}`;
const modelRelationshipLine = (r: ModelRelationship) =>
  `${keyOf(REFS[r.s]!)} -${r.type}${JSON.stringify(r.data)}-> ${keyOf(REFS[r.o]!)} @${r.revision}`;

/** Checks every read of the store against the model. */
export function compareStore(model: Model, store: Store): void {
  assert.equal(store.revision, model.revision, 'store revision');
  REFS.forEach((ref, i) => {
    const resource = model.resources.get(i);
    const stored = store.get(ref);
    if (!resource) {
      assert.equal(stored, null, `${refName(i)} is absent`);
      return;
    }
    assert.ok(stored, `${refName(i)} is stored`);
    assert.deepEqual(actualResource(stored, resource.uid), expectedResource(i, resource), refName(i));
    assert.equal(store.getByUid(stored.uid)?.version, resource.version, `${refName(i)} by uid`);
  });

  const listed = (query: Parameters<Store['list']>[0]) =>
    store
      .list({ ...query, limit: 1000 })
      .items.map((r) => keyOf(r.ref))
      .sort();
  const modelled = (keep: (ref: ResourceRef, resource: ModelResource) => boolean) =>
    [...model.resources]
      .filter(([i, resource]) => keep(REFS[i]!, resource))
      .map(([i]) => keyOf(REFS[i]!))
      .sort();
  assert.deepEqual(
    listed({}),
    modelled(() => true),
    'list()',
  );
  assert.deepEqual(
    listed({ namespace: 'a' }),
    modelled((ref) => ref.namespace === 'a'),
    'list(namespace a)',
  );
  assert.deepEqual(
    listed({ type: { kind: 'Pod' } }),
    modelled((ref) => ref.kind === 'Pod'),
    'list(kind Pod)',
  );
  assert.deepEqual(
    listed({ labelSelector: 'app=web' }),
    modelled((_, r) => r.labels.app === 'web'),
    'list(app=web)',
  );
  assert.deepEqual(
    listed({ labelSelector: 'tier, app!=db' }),
    modelled((_, r) => r.labels.tier !== undefined && r.labels.app !== 'db'),
    'list(tier, app!=db)',
  );
  assert.equal(store.count(), model.resources.size, 'count()');

  const stored = (pattern: Parameters<Store['relationships']>[0]) =>
    store.relationships(pattern, { limit: 1000 }).items.map(relationshipLine).sort();
  const expected = (keep: (r: ModelRelationship) => boolean) =>
    [...model.relationships.values()].filter(keep).map(modelRelationshipLine).sort();
  assert.deepEqual(
    stored({}),
    expected(() => true),
    'relationships()',
  );
  REFS.forEach((ref, i) => {
    assert.deepEqual(
      stored({ subject: ref }),
      expected((r) => r.s === i),
      `relationships(subject ${refName(i)})`,
    );
    assert.deepEqual(
      stored({ object: ref }),
      expected((r) => r.o === i),
      `relationships(object ${refName(i)})`,
    );
    assert.deepEqual(
      stored({ subject: ref, predicateType: OWNER }),
      expected((r) => r.s === i && r.type === OWNER),
      `relationships(${refName(i)} owns)`,
    );
  });
  for (const type of PREDICATES) {
    assert.deepEqual(
      stored({ predicateType: type }),
      expected((r) => r.type === type),
      `relationships(${type})`,
    );
  }
}

/** The next `count` events of a watch, then none within 10 ms (a watch waits for more rather than ending). */
async function drain<T>(watch: AsyncIterator<T>, count: number, what: string): Promise<T[]> {
  const events: T[] = [];
  const within = async (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    });
    const next = watch.next();
    const result = await Promise.race([next, timeout]).finally(() => clearTimeout(timer));
    return { result, next };
  };
  while (events.length < count) {
    const { result } = await within(5000);
    assert.ok(result !== 'timeout' && !result.done, `${what}: ${events.length} of ${count} events`);
    events.push(result.value);
  }
  const { result } = await within(10);
  assert.equal(result, 'timeout', `${what}: no events beyond the ${count} the model logged`);
  return events;
}

/** Checks that the store's change log replays exactly the changes the model logged, revision by revision. */
export async function compareLog(model: Model, store: Store): Promise<void> {
  const logged = new Map<number, { resources: string[]; relationships: string[] }>();
  const entry = (revision: number) => {
    const changes = logged.get(revision) ?? { resources: [], relationships: [] };
    logged.set(revision, changes);
    return changes;
  };
  const refIndex = new Map(REFS.map((ref, i) => [keyOf(ref), i]));
  const count = (kind: 'resources' | 'relationships') =>
    [...model.log.values()].reduce((sum, changes) => sum + changes[kind].length, 0);
  const resources = store.watch({ since: 0 });
  for (const event of await drain(resources, count('resources'), 'resource log')) {
    assert.ok(event.resource);
    entry(event.revision).resources.push(
      `${event.type} ${refName(refIndex.get(keyOf(event.resource.ref))!)} v${event.resource.version}`,
    );
  }
  await resources.return();
  const relationships = store.watchRelationships({ since: 0 });
  for (const { type, revision, relationship: r } of await drain(
    relationships,
    count('relationships'),
    'relationship log',
  )) {
    const key = relKey(refIndex.get(keyOf(r.subject))!, r.predicate.type, refIndex.get(keyOf(r.object))!);
    entry(revision).relationships.push(`${type} ${key}`);
  }
  await relationships.return();
  const sorted = (log: Map<number, { resources: string[]; relationships: string[] }>) =>
    [...log]
      .sort(([a], [b]) => a - b)
      .map(([revision, changes]) => ({
        revision,
        resources: [...changes.resources].sort(),
        relationships: [...changes.relationships].sort(),
      }));
  assert.deepEqual(sorted(logged), sorted(model.log), 'the change log');
}
