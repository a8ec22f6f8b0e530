/**
 * Permissions: Kubernetes-RBAC-like rules (verbs × namespaces × kinds, and the server's other paths
 * such as `/metrics`), the principals they belong to, and {@link Permissions}, a principal's rules
 * compiled for the checks the authorized store makes on every resource it reads, walks or writes.
 */
import { type ResourceRef, StoreError } from '../store/index.ts';

/** What a rule may allow. */
export const VERBS = ['get', 'list', 'watch', 'create', 'update', 'delete'] as const;

/** One of {@link VERBS}. */
export type Verb = (typeof VERBS)[number];

/**
 * A rule on resources: it allows each of `verbs` on resources in any of `namespaces` whose kind is
 * any of `kinds`. `'*'` stands for every verb, namespace or kind. Cluster-scoped resources are in
 * namespace `""`. A kind is `Kind` (of any group) or `group/Kind` (the core group is written
 * `core/Kind`).
 */
export interface ResourceRule {
  readonly verbs: readonly (Verb | '*')[];
  readonly namespaces: readonly string[];
  readonly kinds: readonly string[];
}

/** The paths of the server besides GraphQL that a rule may open (as Kubernetes' `nonResourceURLs`). */
export const NON_RESOURCE_URLS = ['/metrics'] as const;

/**
 * A rule on the server's other paths: it allows `get` (also written `*`) of each of
 * `nonResourceURLs` (one of {@link NON_RESOURCE_URLS}, or `*` for all of them).
 */
export interface NonResourceRule {
  readonly verbs: readonly ('get' | '*')[];
  readonly nonResourceURLs: readonly string[];
}

/** One rule of a principal: on resources, or on the server's other paths. */
export type Rule = ResourceRule | NonResourceRule;

/** Whether `rule` is a rule on resources. */
function isResourceRule(rule: Rule): rule is ResourceRule {
  return 'kinds' in rule;
}

/** An authenticated caller and what it may do: the union of its rules. */
export interface Principal {
  readonly name: string;
  readonly rules: readonly Rule[];
}

/** The part of a ref that rules look at. */
export type Target = Pick<ResourceRef, 'group' | 'kind' | 'namespace'>;

/** A kind entry of a rule that names a kind of any group. */
const ANY_GROUP = '*';

/** A rule compiled for lookups: its namespaces as a set, its kinds by name with their groups. */
interface CompiledRule {
  readonly allNamespaces: boolean;
  readonly namespaces: ReadonlySet<string>;
  readonly allKinds: boolean;
  /** Each kind a rule names, with the groups it names it in ({@link ANY_GROUP}: any group). */
  readonly kinds: ReadonlyMap<string, typeof ANY_GROUP | ReadonlySet<string>>;
}

/** The kinds of a rule by name: `Kind` stands for any group, `group/Kind` for one. */
function compileKinds(entries: readonly string[]): Map<string, typeof ANY_GROUP | Set<string>> {
  const kinds = new Map<string, typeof ANY_GROUP | Set<string>>();
  for (const entry of entries) {
    const slash = entry.indexOf('/');
    if (slash < 0) {
      kinds.set(entry, ANY_GROUP);
      continue;
    }
    const kind = entry.slice(slash + 1);
    const group = entry.slice(0, slash);
    const groups = kinds.get(kind) ?? new Set<string>();
    if (groups === ANY_GROUP) continue;
    groups.add(group === 'core' ? '' : group);
    kinds.set(kind, groups);
  }
  return kinds;
}

function compileRule(rule: ResourceRule): CompiledRule {
  return {
    allNamespaces: rule.namespaces.includes('*'),
    namespaces: new Set(rule.namespaces),
    allKinds: rule.kinds.includes('*'),
    kinds: compileKinds(rule.kinds),
  };
}

/** Whether a rule names the kind `kind` of `group` (of any group when `group` is null). */
function namesKind(rule: CompiledRule, group: string | null, kind: string): boolean {
  if (rule.allKinds) return true;
  const groups = rule.kinds.get(kind);
  // `group` may be '' (the core group): compare with null, not by truthiness.
  return groups === ANY_GROUP || (group !== null && groups?.has(group) === true);
}

/** `Kind` for the core group, `group/Kind` otherwise. */
function qualifiedKind(ref: Pick<Target, 'group' | 'kind'>): string {
  return ref.group === '' ? ref.kind : `${ref.group}/${ref.kind}`;
}

/** The error of a write the caller may not make (`extensions.code` FORBIDDEN). */
export function forbidden(message: string): StoreError {
  return new StoreError('FORBIDDEN', message);
}

/** A principal's rules, compiled for checks. */
export class Permissions {
  readonly #byVerb = new Map<Verb, CompiledRule[]>();
  /** The non-resource paths the principal may get (`*`: all). */
  readonly #urls = new Set<string>();

  /** Compiles the rules of `principal`, who is named in every refusal. */
  constructor(readonly principal: Principal) {
    for (const rule of principal.rules) {
      if (!isResourceRule(rule)) for (const url of rule.nonResourceURLs) this.#urls.add(url);
    }
    const compiled = principal.rules
      .filter(isResourceRule)
      .map((rule) => ({ rule, compiled: compileRule(rule) }));
    for (const verb of VERBS) {
      this.#byVerb.set(
        verb,
        compiled
          .filter(({ rule }) => rule.verbs.includes('*') || rule.verbs.includes(verb))
          .map(({ compiled }) => compiled),
      );
    }
  }

  #rules(verb: Verb): readonly CompiledRule[] {
    return this.#byVerb.get(verb) ?? [];
  }

  /** May the principal do `verb` on the resource at `ref`? */
  allows(verb: Verb, ref: Target): boolean {
    for (const rule of this.#rules(verb)) {
      if ((rule.allNamespaces || rule.namespaces.has(ref.namespace)) && namesKind(rule, ref.group, ref.kind))
        return true;
    }
    return false;
  }

  /**
   * May the principal do `verb` on every resource of the namespace (every namespace when null) and
   * kind (every kind when null; of any group when `group` is null)?
   */
  covers(verb: Verb, namespace: string | null, group: string | null, kind: string | null): boolean {
    return this.#rules(verb).some(
      (rule) =>
        (rule.allNamespaces || (namespace !== null && rule.namespaces.has(namespace))) &&
        (rule.allKinds || (kind !== null && namesKind(rule, group, kind))),
    );
  }

  /** The namespaces where `verb` is allowed on resources of group/kind: `'*'` for all of them. */
  namespacesFor(verb: Verb, group: string, kind: string): '*' | Set<string> {
    const namespaces = new Set<string>();
    for (const rule of this.#rules(verb)) {
      if (!namesKind(rule, group, kind)) continue;
      if (rule.allNamespaces) return '*';
      for (const namespace of rule.namespaces) namespaces.add(namespace);
    }
    return namespaces;
  }

  /** May the principal get the server's path `url` (one of {@link NON_RESOURCE_URLS})? */
  allowsUrl(url: string): boolean {
    return this.#urls.has(url) || this.#urls.has('*');
  }

  /** The FORBIDDEN error of `verb` on `ref`, naming the principal, the kind and the namespace. */
  refusal(verb: Verb, ref: Target): StoreError {
    const where = ref.namespace === '' ? 'cluster-scoped' : `in namespace "${ref.namespace}"`;
    return forbidden(`${this.principal.name} may not ${verb} ${qualifiedKind(ref)} ${where}`);
  }

  /** Throws FORBIDDEN unless the principal may do `verb` on `ref`. */
  require(verb: Verb, ref: Target): void {
    if (!this.allows(verb, ref)) throw this.refusal(verb, ref);
  }
}
