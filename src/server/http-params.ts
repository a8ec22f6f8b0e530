/**
 * The GraphQL params of a JSON body, as the lean HTTP path takes them: only bodies that yoga's JSON
 * parser and params check (`useCheckGraphQLQueryParams`) would accept as they are. Anything else
 * (invalid JSON, a batch, a null or non-object body, an unknown param, a query that is not a string,
 * variables or extensions that are not objects, an operation name that is not a string) is left to
 * yoga, so that its answer — an error, or a batch — stays exactly yoga's.
 */

/** The params of one operation. */
export interface LeanParams {
  readonly query: string;
  readonly operationName?: string | null;
  readonly variables?: Readonly<Record<string, unknown>> | null;
  readonly extensions?: Readonly<Record<string, unknown>> | null;
}

/** A JSON object that is not an array. */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether one param is of a type yoga accepts without question (null or absent params it ignores). */
function isPlainParam(key: string, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  switch (key) {
    case 'query':
    case 'operationName':
      return typeof value === 'string';
    case 'variables':
    case 'extensions':
      return isObject(value);
    default:
      return false;
  }
}

/** Whether a decoded body is one operation's params that yoga would run as they are. */
export function isLeanParams(value: unknown): value is LeanParams {
  if (!isObject(value) || typeof value.query !== 'string') return false;
  // yoga checks params with for...in too; JSON.parse makes own properties only (even `__proto__`).
  for (const key in value) if (!isPlainParam(key, value[key])) return false;
  return true;
}

/** The params of a UTF-8 JSON body, or null when yoga should decide what the body is. */
export function paramsOf(body: Buffer): LeanParams | null {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  return isLeanParams(value) ? value : null;
}
