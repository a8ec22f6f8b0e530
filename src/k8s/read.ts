/**
 * Reads Kubernetes dumps: `kubectl get -o json` output (a `List` or a single object) and `-o yaml`
 * output (one or several YAML documents, each a `List` or an object). Every object comes back with a
 * source string naming the file and where in it the object is, for error messages. Malformed files
 * fail with BAD_USER_INPUT naming the file, line and column.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import { readingFile } from '../ingest/index.ts';
import { badInput } from '../store/index.ts';
import type { SourcedObject } from './convert.ts';
import { isObject } from './objects.ts';

/** Reads and parses one dump file. */
export async function readDumpFile(path: string): Promise<SourcedObject[]> {
  return parseDump(await readingFile(path, readFile(path, 'utf8')), path);
}

/** Parses dump text: JSON when it starts with `{` or `[`, YAML otherwise. `name` prefixes sources. */
export function parseDump(text: string, name: string): SourcedObject[] {
  const start = text.search(/\S/);
  if (start < 0) return [];
  return text[start] === '{' || text[start] === '[' ? parseJson(text, name) : parseYaml(text, name);
}

/** A JSON document: a List or one object. */
function parseJson(text: string, name: string): SourcedObject[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badInput(name, `invalid JSON${describeJsonError(text, (error as Error).message)}`);
  }
  return expandList(value, name);
}

/**
 * ` at line L, column C: reason` for a JSON.parse error. When V8 gives no position, a strict JSON
 * parse by the YAML parser locates the problem.
 */
function describeJsonError(text: string, message: string): string {
  const match = /at position (\d+)/.exec(message);
  if (match) return `${lineColumn(text, Number(match[1]))}: ${message}`;
  if (message.startsWith('Unexpected end')) return `${lineColumn(text, text.length)}: ${message}`;
  const located = parseDocument(text, { schema: 'json', prettyErrors: false }).errors[0];
  if (located) return `${lineColumn(text, located.pos[0])}: ${located.message}`;
  return `: ${message.length > 200 ? `${message.slice(0, 200)}…` : message}`;
}

/** ` at line L, column C` (both 1-based) of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return ` at line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/** Every document of a YAML stream; empty documents are skipped. */
function parseYaml(text: string, name: string): SourcedObject[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  if (!Array.isArray(documents)) return [];
  const objects: SourcedObject[] = [];
  documents.forEach((document, i) => {
    const line = lineCounter.linePos(document.range[0]).line;
    const where = `${name}: document ${i + 1} (line ${line})`;
    const error = document.errors[0];
    if (error) {
      const { line: errorLine, col } = lineCounter.linePos(error.pos[0]);
      throw badInput(name, `invalid YAML at line ${errorLine}, column ${col}: ${error.message}`);
    }
    const value: unknown = document.toJS();
    if (value !== null && value !== undefined) objects.push(...expandList(value, where));
  });
  return objects;
}

/**
 * A `List` (or a typed list like `PodList`) becomes its items, anything else one object. Items of a
 * typed list that omit `apiVersion` and `kind` (as the API server writes them) take them from the list.
 */
function expandList(value: unknown, where: string): SourcedObject[] {
  if (
    !isObject(value) ||
    typeof value.kind !== 'string' ||
    !value.kind.endsWith('List') ||
    !Array.isArray(value.items)
  ) {
    return [{ object: value, source: where }];
  }
  const itemKind = value.kind === 'List' ? undefined : value.kind.slice(0, -'List'.length);
  return value.items.map((item, i) => ({
    object:
      isObject(item) && itemKind !== undefined
        ? { apiVersion: value.apiVersion, kind: itemKind, ...item }
        : item,
    source: `${where}: items[${i}]`,
  }));
}
