/**
 * Reads the export format (`format.ts`) back. Reading is strict: an unknown field, a statement of
 * another shape, a named graph, or reified data without its triple fails with BAD_USER_INPUT naming
 * the file and line; so does a duplicate ref or uid, found by the index of the file's resources
 * (`content.ts`) that `parseExport` and the first pass of an import (`scan.ts`) build.
 */
import { Parser, type Quad, type Term } from 'n3';
import {
  isStoreError,
  type JsonObject,
  normalizePredicateType,
  normalizeRef,
  normalizeResourceInput,
  type ResourceRef,
  StoreError,
} from '../store/index.ts';
import { ExportIndex, type ExportStatements, type HeldExport, type Sourced } from './content.ts';
import {
  DATA_IRI,
  EXPORT_EXTENSIONS,
  EXPORT_FORMAT,
  type ExportedRelationship,
  type ExportedResource,
  PREDICATE_IRI,
  predicateIri,
  RDF_JSON,
  RDF_STATEMENT,
  RDF_TYPE,
  REF_IRI,
  REIFICATION,
  RESOURCE_FIELDS,
  refIri,
} from './format.ts';

export type {
  ExportContent,
  ExportStatements,
  HeldExport,
  ScannedExport,
  Sourced,
} from './content.ts';

/** What the reader is given of each resource line, and what it reads. */
export interface ExportReaderOptions {
  /** Called with each resource, checked, and its line number, in the order of the lines. */
  readonly onResource: (resource: Sourced<ExportedResource>, line: number) => void;
  /** False: N-Quads lines are skipped, neither checked nor kept (default true). */
  readonly statements?: boolean;
}

/** True when `name` has an export extension, or `head` (the start of the text) looks like one. */
export function looksLikeExport(name: string, head: string): boolean {
  const lower = name.toLowerCase();
  if (EXPORT_EXTENSIONS.some((extension) => lower.endsWith(extension))) return true;
  for (const raw of head.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    return line.startsWith('{"resource-store":"export"') || line.startsWith('<') || line.startsWith('_:');
  }
  return false;
}

/** A reified statement being collected, by blank node label. */
interface Reification {
  readonly source: string;
  subject?: string;
  predicate?: string;
  object?: string;
  data?: JsonObject;
}

/**
 * Reads an export line by line (`line(text)` for each line in order, then `finish()`), passing each
 * resource on as it comes and keeping the relationships. Every problem is a BAD_USER_INPUT error
 * naming `name` and the line.
 */
export class ExportReader {
  readonly #name: string;
  readonly #onResource: ExportReaderOptions['onResource'];
  readonly #statements: boolean;
  #lineNumber = 0;
  #revision: number | null = null;
  /** Relationships by `subjectIri predicateIri objectIri`, in the order of their triples. */
  readonly #relationships = new Map<string, Sourced<ExportedRelationship>>();
  readonly #reifications = new Map<string, Reification>();
  /** Decoded IRIs: every ref and predicate is named by many statements. */
  readonly #refs = new Map<string, { ref: ResourceRef; iri: string }>();
  readonly #predicates = new Map<string, { type: string; iri: string }>();
  /** Blank node labels are scoped to one document, so one parser (one label space) per file. */
  readonly #parser = new Parser({ format: 'N-Quads', blankNodePrefix: '' });

  constructor(name: string, options: ExportReaderOptions) {
    this.#name = name;
    this.#onResource = options.onResource;
    this.#statements = options.statements ?? true;
  }

  /** Reads the next line (without its line break). */
  line(raw: string): void {
    this.#lineNumber++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const start = text.search(/\S/);
    if (start < 0) return;
    if (text[start] === '{') this.#json(text);
    else if (text[start] !== '#' && this.#statements) this.#quads(text);
  }

  /** The header and the relationships; fails on reified data whose triple never came. */
  finish(): ExportStatements {
    for (const [label, reification] of this.#reifications) {
      const { subject, predicate, object, data } = reification;
      const at = (message: string) => new StoreError('BAD_USER_INPUT', `${reification.source}: ${message}`);
      if (subject === undefined || predicate === undefined || object === undefined || data === undefined) {
        throw at(
          `_:${label} needs rdf:subject, rdf:predicate, rdf:object and <${DATA_IRI}> (it is a relationship's data)`,
        );
      }
      const relationship = this.#relationships.get(tripleIdentity(subject, predicate, object))?.value;
      if (!relationship) throw at(`_:${label} gives data for a relationship the file does not state`);
      relationship.predicate.data = data;
    }
    return { revision: this.#revision, relationships: [...this.#relationships.values()] };
  }

  get #source(): string {
    return `${this.#name}: line ${this.#lineNumber}`;
  }

  #fail(message: string): StoreError {
    return new StoreError('BAD_USER_INPUT', `${this.#source}: ${message}`, { field: this.#source });
  }

  #json(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw this.#fail(`invalid JSON: ${(error as Error).message}`);
    }
    if (!isRecord(value)) throw this.#fail('a JSON line must be an object (a resource or the header)');
    if ('resource-store' in value) this.#header(value);
    else this.#resource(value);
  }

  #header(value: Record<string, unknown>): void {
    if (this.#lineNumber !== 1 || value['resource-store'] !== 'export') {
      throw this.#fail(
        'an export header is allowed only on the first line (import concatenated exports as separate files)',
      );
    }
    if (value.format !== EXPORT_FORMAT) {
      throw this.#fail(`export format ${JSON.stringify(value.format)} is not supported (this is format 1)`);
    }
    const { revision } = value;
    if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) {
      throw this.#fail('the header revision must be a non-negative integer');
    }
    this.#revision = revision;
  }

  #resource(value: Record<string, unknown>): void {
    const unknown = Object.keys(value).find((key) => !(RESOURCE_FIELDS as readonly string[]).includes(key));
    if (unknown !== undefined) {
      throw this.#fail(
        `unknown field ${JSON.stringify(unknown)} (a resource has ${RESOURCE_FIELDS.join(', ')})`,
      );
    }
    if (typeof value.uid !== 'string') throw this.#fail('uid: must be a string');
    const content = this.#checked(() => normalizeResourceInput(value as never, 'resource'), 'resource.');
    this.#onResource({ source: this.#source, value: { ...content, uid: value.uid } }, this.#lineNumber);
  }

  #quads(text: string): void {
    let quads: Quad[];
    try {
      quads = this.#parser.parse(text);
    } catch (error) {
      const reason = (error as Error).message.replace(/ on line \d+\.?$/, '');
      throw this.#fail(`invalid N-Quads: ${reason}`);
    }
    if (quads.length !== 1) throw this.#fail('each N-Quads line must hold exactly one statement');
    const [quad] = quads as [Quad];
    if (quad.graph.termType !== 'DefaultGraph') {
      throw this.#fail('statements must be in the default graph (the export uses no named graphs)');
    }
    if (quad.subject.termType === 'BlankNode') this.#reified(quad.subject.value, quad);
    else this.#triple(quad);
  }

  /** `<subject> <predicate> <object>`: a relationship with null data (unless reified data comes). */
  #triple(quad: Quad): void {
    const subject = this.#ref(quad.subject, 'subject');
    const predicate = this.#predicate(quad.predicate, 'predicate');
    const object = this.#ref(quad.object, 'object');
    const key = tripleIdentity(subject.iri, predicate.iri, object.iri);
    if (this.#relationships.has(key)) return;
    this.#relationships.set(key, {
      source: this.#source,
      value: { subject: subject.ref, predicate: { type: predicate.type, data: null }, object: object.ref },
    });
  }

  /** One statement of a reification: `_:b rdf:subject|rdf:predicate|rdf:object|data ...`. */
  #reified(label: string, quad: Quad): void {
    const reification = this.#reifications.get(label) ?? { source: this.#source };
    this.#reifications.set(label, reification);
    const { predicate, object } = quad;
    const set = <K extends 'subject' | 'predicate' | 'object' | 'data'>(key: K, value: Reification[K]) => {
      const previous = reification[key];
      if (previous !== undefined && JSON.stringify(previous) !== JSON.stringify(value)) {
        throw this.#fail(`_:${label} already has another ${predicate.value}`);
      }
      reification[key] = value;
    };
    const iri = predicate.termType === 'NamedNode' ? predicate.value : '';
    if (iri === REIFICATION.subject) set('subject', this.#ref(object, 'object').iri);
    else if (iri === REIFICATION.predicate) set('predicate', this.#predicate(object, 'object').iri);
    else if (iri === REIFICATION.object) set('object', this.#ref(object, 'object').iri);
    else if (iri === DATA_IRI) set('data', this.#data(object));
    else if (iri !== RDF_TYPE || object.termType !== 'NamedNode' || object.value !== RDF_STATEMENT) {
      throw this.#fail(
        `unexpected statement about _:${label} (a blank node carries a relationship's data: rdf:subject, rdf:predicate, rdf:object, <${DATA_IRI}>)`,
      );
    }
  }

  /** A ref IRI's ref, and its canonical IRI (to match statements that encode it differently). */
  #ref(term: Term, position: string): { ref: ResourceRef; iri: string } {
    if (term.termType !== 'NamedNode' || !term.value.startsWith(REF_IRI)) {
      throw this.#fail(
        `the ${position} must be a resource IRI <${REF_IRI}GROUP/VERSION/KIND/NAMESPACE/NAME>`,
      );
    }
    const cached = this.#refs.get(term.value);
    if (cached) return cached;
    const parts = term.value.slice(REF_IRI.length).split('/');
    if (parts.length !== 5) {
      throw this.#fail(
        `<${term.value}> must have 5 parts GROUP/VERSION/KIND/NAMESPACE/NAME, has ${parts.length}`,
      );
    }
    const [group, version, kind, namespace, name] = parts.map((part) => this.#decode(part, term.value));
    const ref = this.#checked(
      () => normalizeRef({ group, version, kind, namespace, name } as never, 'ref'),
      '',
    );
    const decoded = { ref, iri: refIri(ref) };
    this.#refs.set(term.value, decoded);
    return decoded;
  }

  /** A predicate IRI's type, and its canonical IRI. */
  #predicate(term: Term, position: string): { type: string; iri: string } {
    if (term.termType !== 'NamedNode' || !term.value.startsWith(PREDICATE_IRI)) {
      throw this.#fail(`the ${position} must be a predicate IRI <${PREDICATE_IRI}TYPE>`);
    }
    const cached = this.#predicates.get(term.value);
    if (cached) return cached;
    const raw = this.#decode(term.value.slice(PREDICATE_IRI.length), term.value);
    const type = this.#checked(() => normalizePredicateType(raw, 'predicate type'), '');
    const decoded = { type, iri: predicateIri(type) };
    this.#predicates.set(term.value, decoded);
    return decoded;
  }

  #data(term: Term): JsonObject {
    if (term.termType !== 'Literal' || term.datatype.value !== RDF_JSON) {
      throw this.#fail(`<${DATA_IRI}> must be an rdf:JSON literal`);
    }
    let value: unknown;
    try {
      value = JSON.parse(term.value);
    } catch (error) {
      throw this.#fail(`the rdf:JSON literal is not JSON: ${(error as Error).message}`);
    }
    if (!isRecord(value)) throw this.#fail('relationship data must be a JSON object');
    return value as JsonObject;
  }

  #decode(part: string, iri: string): string {
    try {
      return decodeURIComponent(part);
    } catch {
      throw this.#fail(`<${iri}> has an invalid percent-encoding`);
    }
  }

  /** Runs a store validation, rethrowing its error with this line as source. */
  #checked<T>(validate: () => T, prefix: string): T {
    try {
      return validate();
    } catch (error) {
      if (!isStoreError(error)) throw error;
      throw this.#fail(prefix === '' ? error.message : error.message.replace(prefix, ''));
    }
  }
}

/** Reads a whole export held in memory; a ref or uid given twice fails too. */
export function parseExport(text: string, name: string): HeldExport {
  const resources: Sourced<ExportedResource>[] = [];
  const index = new ExportIndex(name);
  const reader = new ExportReader(name, {
    onResource: (resource, line) => {
      index.add(refIri(resource.value.ref), resource.value.uid, line);
      resources.push(resource);
    },
  });
  for (const line of text.split('\n')) reader.line(line);
  return { ...reader.finish(), resources, index };
}

function tripleIdentity(subject: string, predicate: string, object: string): string {
  return `${subject} ${predicate} ${object}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
