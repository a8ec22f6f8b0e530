/**
 * `serve`'s settings of the store itself: `--types FILE` (JSON Schemas for the `data` of resource
 * kinds and predicate types, the store's `TypeRegistration`, checked at start with errors naming the
 * field) and the change log's retention (`--retention-revisions`, `--retention-age`).
 */
import { Ajv, type ErrorObject } from 'ajv';
import type { RetentionOptions, TypeRegistration } from '../store/index.ts';
import { optionalInteger, UsageError } from './command.ts';
import { readYamlFile } from './config-file.ts';

const SCHEMA_ENTRY = { type: 'object' };

/** The shape of a types file. */
const TYPES_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    resources: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'schema'],
        properties: {
          group: { type: 'string' },
          version: { type: 'string', minLength: 1 },
          kind: { type: 'string', minLength: 1 },
          schema: SCHEMA_ENTRY,
        },
      },
    },
    predicates: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'schema'],
        properties: { type: { type: 'string', minLength: 1 }, schema: SCHEMA_ENTRY },
      },
    },
  },
};

const ajv = new Ajv({ allErrors: true, strict: false });
const validateTypesFile = ajv.compile<TypeRegistration>(TYPES_FILE_SCHEMA);

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'the file' : error.instancePath;
  const extra =
    error.keyword === 'additionalProperties' ? ` ("${String(error.params.additionalProperty)}")` : '';
  return `${where} ${error.message ?? 'is invalid'}${extra}`;
}

/** Every schema of a registration compiles; the first that does not is named by its path. */
function checkSchemas(types: TypeRegistration, source: string): void {
  const entries = [
    ...(types.resources ?? []).map((entry, i) => [`/resources/${i}/schema`, entry.schema] as const),
    ...(types.predicates ?? []).map((entry, i) => [`/predicates/${i}/schema`, entry.schema] as const),
  ];
  for (const [path, schema] of entries) {
    try {
      new Ajv({ strict: false }).compile(schema);
    } catch (error) {
      throw new UsageError(`${source}: ${path} is not a valid JSON Schema: ${(error as Error).message}`);
    }
  }
}

/** Reads and checks a types file (YAML or JSON). Throws a {@link UsageError} naming the field. */
export function loadTypesFile(path: string): TypeRegistration {
  if (path === '') throw new UsageError('--types needs a file');
  const source = `--types ${path}`;
  const parsed = readYamlFile(path, source);
  if (!validateTypesFile(parsed)) {
    throw new UsageError(`${source}: ${(validateTypesFile.errors ?? []).map(describe).join('; ')}`);
  }
  checkSchemas(parsed, source);
  return parsed;
}

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration: a positive integer with a unit, `ms`, `s`, `m`, `h` or `d` (`90s`, `2h`, `7d`). */
export function durationMs(source: string, value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  const ms = match ? Number(match[1]) * UNITS_MS[match[2]!]! : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 1) {
    throw new UsageError(`${source} must be a duration like 90s, 30m, 2h or 7d, given "${value}"`);
  }
  return ms;
}

/** The retention of the change log from its flags, else their variables; undefined for the store's defaults. */
export function retentionSetting(
  flags: { 'retention-revisions'?: string; 'retention-age'?: string },
  env: NodeJS.ProcessEnv,
): RetentionOptions | undefined {
  const revisions = flags['retention-revisions'] ?? env.RESOURCE_STORE_RETENTION_REVISIONS;
  const age = flags['retention-age'] ?? env.RESOURCE_STORE_RETENTION_AGE;
  const retention: { minRevisions?: number; minAgeMs?: number } = {};
  if (revisions !== undefined) retention.minRevisions = optionalInteger('--retention-revisions', revisions);
  if (age !== undefined) retention.minAgeMs = durationMs('--retention-age', age);
  return Object.keys(retention).length === 0 ? undefined : retention;
}
