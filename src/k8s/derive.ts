/**
 * Relationships derived from the fields of Kubernetes objects. Each triplet reads "subject predicate
 * object", and belongs to (is written with) the object whose field declares it:
 *
 * | predicate            | subject → object                         | declared by                                | data                                   |
 * |----------------------|------------------------------------------|--------------------------------------------|----------------------------------------|
 * | `OwnerReference`     | owner → dependent                        | dependent's `metadata.ownerReferences[]`   | `{ apiVersion, kind, name, uid, controller?, blockOwnerDeletion? }` |
 * | `PodNodeBinding`     | Pod → Node                               | Pod's `spec.nodeName`                      | `{ nodeName }`                         |
 * | `PodVolumeClaim`     | Pod → PersistentVolumeClaim              | Pod's `spec.volumes[].persistentVolumeClaim.claimName`, or the claim `<pod>-<volume>` of an `ephemeral` volume | `{ volume, readOnly? }` |
 * | `VolumeClaimBinding` | PersistentVolumeClaim → PersistentVolume | PVC's `spec.volumeName`                    | `{ volumeName }`                       |
 * | `ServiceSelector`    | Service → Pod                            | Service's `spec.selector`: pods of its namespace with all those labels (not for `ExternalName`) | `{ selector }` |
 *
 * Owners are matched by uid, because dumps may spell an owner's kind in lower case and owners may be
 * cluster-scoped or in custom groups. An owner whose uid is in neither the dump nor the store is still
 * linked ("dangling"), by the reference's apiVersion, kind (re-cased when the dump has that kind) and
 * name, in the dependent's namespace unless that kind is cluster-scoped. Edges to Nodes, claims and
 * volumes absent from the dump are dangling too: a store allows relationships to resources it lacks.
 */
import type { DanglingOwner } from '../ingest/index.ts';
import {
  badInput,
  type JsonObject,
  OWNER_REFERENCE,
  POD_NODE_BINDING,
  type RelationshipInput,
  type ResourceRef,
} from '../store/index.ts';
import { isObject, type KubeObject, nonEmptyString as nonEmpty, splitApiVersion } from './objects.ts';

/** The predicate types the importer writes. */
export const PREDICATES = {
  ownerReference: OWNER_REFERENCE,
  podNodeBinding: POD_NODE_BINDING,
  podVolumeClaim: 'PodVolumeClaim',
  volumeClaimBinding: 'VolumeClaimBinding',
  serviceSelector: 'ServiceSelector',
} as const;

/** Kinds that are cluster-scoped even when a dump holds none of them. */
const CLUSTER_SCOPED = new Set(['/Node', '/Namespace', '/PersistentVolume', 'storage.k8s.io/StorageClass']);

/** A core (group `""`, version `v1`) ref. */
const core = (kind: string, namespace: string, name: string): ResourceRef => ({
  group: '',
  version: 'v1',
  kind,
  namespace,
  name,
});

interface IndexedPod {
  readonly ref: ResourceRef;
  readonly labels: Readonly<Record<string, string>>;
}

/** What relationship derivation needs to know about the whole dump. */
export class DumpIndex {
  readonly #byUid = new Map<string, ResourceRef>();
  /** `group/Kind` of every type in the dump, and `group/kind` in lower case → `Kind`. */
  readonly #types = new Set<string>();
  readonly #kindCase = new Map<string, string>();
  readonly #clusterScoped = new Set(CLUSTER_SCOPED);
  readonly #podsByNamespace = new Map<string, IndexedPod[]>();
  /** Pods by namespace, label key and label value, built per key on first use. */
  readonly #postings = new Map<string, Map<string, Map<string, IndexedPod[]>>>();
  readonly #resolveUid: (uid: string) => ResourceRef | null;

  constructor(
    resources: Iterable<{ ref: ResourceRef; uid: string | null; labels: Readonly<Record<string, string>> }>,
    resolveUid: (uid: string) => ResourceRef | null = () => null,
  ) {
    this.#resolveUid = resolveUid;
    for (const resource of resources) this.add(resource);
  }

  /** Indexes one more object of the dump (before any lookup: lookups cache what they find). */
  add({
    ref,
    uid,
    labels,
  }: {
    ref: ResourceRef;
    uid: string | null;
    labels: Readonly<Record<string, string>>;
  }) {
    if (uid !== null) this.#byUid.set(uid, ref);
    this.#addType(ref);
    if (ref.group === '' && ref.kind === 'Pod') push(this.#podsByNamespace, ref.namespace, { ref, labels });
  }

  /** The ref of the object with this uid, in the dump or through the resolver. */
  owner(uid: string): ResourceRef | null {
    return this.#byUid.get(uid) ?? this.#resolveUid(uid);
  }

  /** A best-effort ref for an owner that is not known by uid. */
  guessOwner(apiVersion: string, kind: string, name: string, dependentNamespace: string): ResourceRef {
    const { group, version } = splitApiVersion(apiVersion);
    const cased = this.#kindCase.get(`${group}/${kind.toLowerCase()}`) ?? kind;
    const namespace = this.#clusterScoped.has(`${group}/${cased}`) ? '' : dependentNamespace;
    return { group, version, kind: cased, namespace, name };
  }

  /** Pods of `namespace` whose labels include every pair of `selector`. */
  podsSelectedBy(namespace: string, selector: Readonly<Record<string, string>>): ResourceRef[] {
    const pairs = Object.entries(selector);
    if (pairs.length === 0) return [];
    const postings = pairs.map(([key, value]) => this.#postingsOf(namespace, key).get(value) ?? []);
    const smallest = postings.reduce((a, b) => (b.length < a.length ? b : a));
    return smallest
      .filter((pod) =>
        pairs.every(([key, value]) => Object.hasOwn(pod.labels, key) && pod.labels[key] === value),
      )
      .map((pod) => pod.ref);
  }

  #addType(ref: ResourceRef): void {
    const type = `${ref.group}/${ref.kind}`;
    if (ref.namespace === '') this.#clusterScoped.add(type);
    if (this.#types.has(type)) return;
    this.#types.add(type);
    this.#kindCase.set(`${ref.group}/${ref.kind.toLowerCase()}`, ref.kind);
  }

  /** The pods of `namespace` by their value of label `key`. */
  #postingsOf(namespace: string, key: string): Map<string, IndexedPod[]> {
    const byKey = this.#postings.get(namespace) ?? new Map<string, Map<string, IndexedPod[]>>();
    this.#postings.set(namespace, byKey);
    let byValue = byKey.get(key);
    if (byValue === undefined) {
      byValue = new Map();
      for (const pod of this.#podsByNamespace.get(namespace) ?? []) {
        if (Object.hasOwn(pod.labels, key)) push(byValue, pod.labels[key]!, pod);
      }
      byKey.set(key, byValue);
    }
    return byValue;
  }
}

/** Appends `item` to the list at `key`. */
function push<K, V>(map: Map<K, V[]>, key: K, item: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [item]);
  else list.push(item);
}

/** Shared state of one derivation: the index, where dangling owners are collected, the object's source. */
export interface DeriveContext {
  readonly index: DumpIndex;
  readonly dangling: DanglingOwner[];
  readonly source: string;
}

/** The relationships declared by one object's fields; dangling owners are appended to the context's. */
export function deriveRelationships(
  object: KubeObject,
  ref: ResourceRef,
  context: DeriveContext,
): RelationshipInput[] {
  const edges = ownerEdges(object, ref, context);
  if (ref.group !== '' || !isObject(object.spec)) return edges;
  const spec = object.spec;
  if (ref.kind === 'Pod') edges.push(...podEdges(spec, ref));
  if (ref.kind === 'PersistentVolumeClaim' && nonEmpty(spec.volumeName)) {
    const volumeName = spec.volumeName;
    edges.push(
      edge(ref, PREDICATES.volumeClaimBinding, core('PersistentVolume', '', volumeName), { volumeName }),
    );
  }
  if (ref.kind === 'Service' && isObject(spec.selector) && spec.type !== 'ExternalName') {
    edges.push(...serviceEdges(spec.selector, ref, context.index));
  }
  return edges;
}

/**
 * Checks `metadata.ownerReferences` as {@link deriveRelationships} reads it: a list (or absent) of
 * references with a non-empty apiVersion, kind, name and uid. Throws BAD_USER_INPUT naming `source`.
 */
export function checkOwnerReferences(object: KubeObject, source: string): OwnerReference[] {
  const references = object.metadata.ownerReferences;
  if (references === undefined || references === null) return [];
  if (!Array.isArray(references)) throw badInput(source, 'metadata.ownerReferences must be a list');
  return references.map((reference, i) =>
    checkOwnerReference(reference, `${source}: metadata.ownerReferences[${i}]`),
  );
}

/** One `OwnerReference` per distinct owner uid in `metadata.ownerReferences`. */
function ownerEdges(object: KubeObject, ref: ResourceRef, context: DeriveContext): RelationshipInput[] {
  const seen = new Set<string>();
  const edges: RelationshipInput[] = [];
  for (const checked of checkOwnerReferences(object, context.source)) {
    if (seen.has(checked.uid)) continue;
    seen.add(checked.uid);
    const owner = ownerOf(checked, ref, context);
    edges.push(edge(owner, PREDICATES.ownerReference, ref, ownerData(checked, owner.kind)));
  }
  return edges;
}

/** The owner's ref: by uid, or else built from the reference (and recorded as dangling). */
function ownerOf(reference: OwnerReference, dependent: ResourceRef, context: DeriveContext): ResourceRef {
  const known = context.index.owner(reference.uid);
  if (known !== null) return known;
  const { apiVersion, kind, name, uid } = reference;
  const owner = context.index.guessOwner(apiVersion, kind, name, dependent.namespace);
  context.dangling.push({ dependent, owner, uid });
  return owner;
}

/** The reference as predicate data, with the owner's kind as the dump spells it. */
function ownerData(reference: OwnerReference, kind: string): JsonObject {
  const { apiVersion, name, uid, controller, blockOwnerDeletion } = reference;
  const data: JsonObject = { apiVersion, kind, name, uid };
  if (typeof controller === 'boolean') data.controller = controller;
  if (typeof blockOwnerDeletion === 'boolean') data.blockOwnerDeletion = blockOwnerDeletion;
  return data;
}

/** An owner reference with the four fields Kubernetes requires. */
export type OwnerReference = JsonObject & { apiVersion: string; kind: string; name: string; uid: string };

/** Checks the four fields Kubernetes requires of an owner reference. */
function checkOwnerReference(value: unknown, field: string): OwnerReference {
  if (!isObject(value)) throw badInput(field, 'must be an object');
  for (const key of ['apiVersion', 'kind', 'name', 'uid'] as const) {
    if (!nonEmpty(value[key])) throw badInput(`${field}.${key}`, 'must be a non-empty string');
  }
  return value as OwnerReference;
}

/** `PodNodeBinding` for `spec.nodeName`, and one `PodVolumeClaim` per distinct claim. */
function podEdges(spec: JsonObject, pod: ResourceRef): RelationshipInput[] {
  const edges: RelationshipInput[] = [];
  if (nonEmpty(spec.nodeName)) {
    const nodeName = spec.nodeName;
    edges.push(edge(pod, PREDICATES.podNodeBinding, core('Node', '', nodeName), { nodeName }));
  }
  const claims = new Set<string>();
  for (const volume of Array.isArray(spec.volumes) ? spec.volumes : []) {
    const claim = claimOf(volume, pod.name);
    if (claim === null || claims.has(claim.name)) continue;
    claims.add(claim.name);
    const target = core('PersistentVolumeClaim', pod.namespace, claim.name);
    edges.push(edge(pod, PREDICATES.podVolumeClaim, target, claim.data));
  }
  return edges;
}

/** The claim a pod volume uses: a named claim, or the generated claim of a generic ephemeral volume. */
function claimOf(volume: unknown, podName: string): { name: string; data: JsonObject } | null {
  if (!isObject(volume) || !nonEmpty(volume.name)) return null;
  const claim = volume.persistentVolumeClaim;
  if (isObject(claim) && nonEmpty(claim.claimName)) {
    const data: JsonObject =
      claim.readOnly === true ? { volume: volume.name, readOnly: true } : { volume: volume.name };
    return { name: claim.claimName, data };
  }
  if (isObject(volume.ephemeral)) return { name: `${podName}-${volume.name}`, data: { volume: volume.name } };
  return null;
}

/** One `ServiceSelector` per Pod of the Service's namespace whose labels include the whole selector. */
function serviceEdges(selector: JsonObject, service: ResourceRef, index: DumpIndex): RelationshipInput[] {
  const pairs = Object.entries(selector).filter(
    (pair): pair is [string, string] => typeof pair[1] === 'string',
  );
  const labels = Object.fromEntries(pairs);
  return index
    .podsSelectedBy(service.namespace, labels)
    .map((pod) => edge(service, PREDICATES.serviceSelector, pod, { selector: labels }));
}

/** A relationship input. */
function edge(subject: ResourceRef, type: string, object: ResourceRef, data: JsonObject): RelationshipInput {
  return { subject, predicate: { type, data }, object };
}
