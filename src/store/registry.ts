/**
 * The type registry: JSON Schemas (validated with ajv) for the `data` of resources of a kind and of
 * predicates of a type. Types without a schema are accepted as they are.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TypeRegistration } from './api.ts';
import { badInput } from './errors.ts';
import type { JsonObject, JsonValue, ResourceRef } from './types.ts';

/** Owner → dependent, as in Kubernetes `metadata.ownerReferences` (subject = owner). */
export const OWNER_REFERENCE = 'OwnerReference';
/** Pod → Node it is scheduled on (subject = pod). */
export const POD_NODE_BINDING = 'PodNodeBinding';

const BUILT_IN_PREDICATES: TypeRegistration['predicates'] = [
  {
    type: OWNER_REFERENCE,
    schema: {
      type: 'object',
      required: ['kind', 'name', 'uid'],
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string', minLength: 1 },
        name: { type: 'string', minLength: 1 },
        uid: { type: 'string', minLength: 1 },
        controller: { type: 'boolean' },
        blockOwnerDeletion: { type: 'boolean' },
      },
      additionalProperties: false,
    },
  },
  {
    type: POD_NODE_BINDING,
    schema: {
      type: 'object',
      required: ['nodeName'],
      properties: { nodeName: { type: 'string', minLength: 1 } },
      additionalProperties: false,
    },
  },
];

interface ResourceSchema {
  group: string | undefined;
  version: string | undefined;
  kind: string;
  validate: ValidateFunction;
}

/** Compiled schemas for resource data and predicate data. */
export class TypeRegistry {
  readonly #ajv = new Ajv({ allErrors: true, strict: false });
  readonly #predicates = new Map<string, ValidateFunction>();
  readonly #resources: ResourceSchema[] = [];

  constructor(registration: TypeRegistration = {}) {
    for (const { type, schema } of [...(BUILT_IN_PREDICATES ?? []), ...(registration.predicates ?? [])]) {
      this.registerPredicate(type, schema);
    }
    for (const { group, version, kind, schema } of registration.resources ?? []) {
      this.registerResource({ group, version, kind }, schema);
    }
  }

  /** Registers (or replaces) the schema of a predicate type's data. */
  registerPredicate(type: string, schema: object): void {
    this.#predicates.set(type, this.#ajv.compile(schema));
  }

  /** Registers the schema of resources' data, matched by kind and (when given) group and version. */
  registerResource(
    type: { group?: string | undefined; version?: string | undefined; kind: string },
    schema: object,
  ) {
    this.#resources.push({
      group: type.group,
      version: type.version,
      kind: type.kind,
      validate: this.#ajv.compile(schema),
    });
  }

  /** Validates predicate data; unregistered types accept any object (or none). */
  checkPredicate(type: string, data: JsonObject | null, field: string): void {
    const validate = this.#predicates.get(type);
    if (validate && !validate(data ?? {})) throw schemaError(field, `${type} data`, validate.errors);
  }

  /** Validates resource data against every schema registered for its type. */
  checkResource(ref: ResourceRef, data: () => JsonValue, field: string): void {
    for (const schema of this.#resources) {
      if (schema.kind !== ref.kind) continue;
      if (schema.group !== undefined && schema.group !== ref.group) continue;
      if (schema.version !== undefined && schema.version !== ref.version) continue;
      if (!schema.validate(data())) throw schemaError(field, `${ref.kind} data`, schema.validate.errors);
    }
  }
}

function schemaError(field: string, what: string, errors: ErrorObject[] | null | undefined) {
  const messages = (errors ?? []).map(
    (error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`,
  );
  return badInput(field, `${what} does not match its schema: ${messages.join('; ')}`, {
    validationErrors: messages,
  });
}
