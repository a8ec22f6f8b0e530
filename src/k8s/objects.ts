/**
 * The shape of Kubernetes objects as the importer reads them, and how they map to store refs and type
 * URLs. Everything beyond `apiVersion`, `kind` and `metadata` is read defensively where it is used.
 */
import { badInput, type JsonObject, type ResourceRef } from '../store/index.ts';

/** A Kubernetes object: any JSON object with `apiVersion`, `kind` and `metadata.name`. */
export type KubeObject = JsonObject & {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string };
};

/** Go packages of the built-in API groups, for `dataType` (`k8s.io/api/<package>/<version>.<Kind>`). */
const BUILTIN_PACKAGES: ReadonlyMap<string, string> = new Map([
  ['', 'k8s.io/api/core'],
  ['apps', 'k8s.io/api/apps'],
  ['batch', 'k8s.io/api/batch'],
  ['policy', 'k8s.io/api/policy'],
  ['autoscaling', 'k8s.io/api/autoscaling'],
  ['admissionregistration.k8s.io', 'k8s.io/api/admissionregistration'],
  ['certificates.k8s.io', 'k8s.io/api/certificates'],
  ['coordination.k8s.io', 'k8s.io/api/coordination'],
  ['discovery.k8s.io', 'k8s.io/api/discovery'],
  ['events.k8s.io', 'k8s.io/api/events'],
  ['flowcontrol.apiserver.k8s.io', 'k8s.io/api/flowcontrol'],
  ['networking.k8s.io', 'k8s.io/api/networking'],
  ['node.k8s.io', 'k8s.io/api/node'],
  ['rbac.authorization.k8s.io', 'k8s.io/api/rbac'],
  ['scheduling.k8s.io', 'k8s.io/api/scheduling'],
  ['storage.k8s.io', 'k8s.io/api/storage'],
  ['apiextensions.k8s.io', 'k8s.io/apiextensions-apiserver/pkg/apis/apiextensions'],
  ['apiregistration.k8s.io', 'k8s.io/kube-aggregator/pkg/apis/apiregistration'],
]);

/** Splits `apps/v1` into group and version; the core group (`v1`) is `""`. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * A type URL for an object's data: the Go package of built-in groups (`k8s.io/api/core/v1.Pod`,
 * `k8s.io/api/apps/v1.Deployment`), else `<group>/<version>.<Kind>` (`operator.openshift.io/v1.Network`).
 */
export function dataTypeOf(group: string, version: string, kind: string): string {
  return `${BUILTIN_PACKAGES.get(group) ?? group}/${version}.${kind}`;
}

/** The store ref of an object; cluster-scoped objects (no `metadata.namespace`) get namespace `""`. */
export function refOf(object: KubeObject): ResourceRef {
  const { group, version } = splitApiVersion(object.apiVersion);
  const namespace = object.metadata.namespace;
  return {
    group,
    version,
    kind: object.kind,
    namespace: typeof namespace === 'string' ? namespace : '',
    name: object.metadata.name,
  };
}

/** Checks the fields the importer relies on; throws BAD_USER_INPUT naming `source` otherwise. */
export function checkObject(value: unknown, source: string): KubeObject {
  if (!isObject(value)) throw badInput(source, 'must be a Kubernetes object (a JSON object)');
  requireString(value.apiVersion, source, 'apiVersion');
  requireString(value.kind, source, 'kind');
  if (!isObject(value.metadata)) throw badInput(source, 'metadata must be an object');
  requireString(value.metadata.name, source, 'metadata.name');
  for (const field of ['namespace', 'uid'] as const) {
    const entry = value.metadata[field];
    if (entry !== undefined && typeof entry !== 'string') {
      throw badInput(source, `metadata.${field} must be a string`);
    }
  }
  return value as KubeObject;
}

function requireString(value: unknown, source: string, field: string): void {
  if (!nonEmptyString(value)) throw badInput(source, `${field} must be a non-empty string`);
}

/** True for a JSON object (not an array or null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for a string with at least one character. */
export function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
