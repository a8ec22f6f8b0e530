/**
 * What an import takes of an export file: its relationships, its header's revision, and an index of
 * its resources' refs and uids (to find one given twice) — with the resources themselves when the
 * file was read whole (standard input), or the file to read them from again when it was only checked.
 */
import { badInput, type ResourceRef } from '../store/index.ts';
import { type ExportedRelationship, type ExportedResource, REF_IRI } from './format.ts';

/** A record of an export with where it came from (`file: line N`). */
export interface Sourced<T> {
  readonly source: string;
  readonly value: T;
}

/** What every content of an export file has: the header and relationships, and the resources' index. */
export interface ExportStatements {
  /** The header's revision; null for a file without header (a split-off part). */
  readonly revision: number | null;
  readonly relationships: Sourced<ExportedRelationship>[];
}

/** An export read whole, resources and all (`parseExport`). */
export interface HeldExport extends ExportStatements {
  readonly resources: Sourced<ExportedResource>[];
  readonly index: ExportIndex;
}

/** An export file read once and checked, whose resources are read from `path` again when imported. */
export interface ScannedExport extends ExportStatements {
  readonly path: string;
  readonly index: ExportIndex;
}

/** What one export file holds, as an import takes it. */
export type ExportContent = HeldExport | ScannedExport;

/**
 * The refs and uids of one file's resources with their lines, to find a ref or uid given twice
 * without holding the resources: per resource, its ref's IRI and its uid (the strings) and two map
 * entries.
 */
export class ExportIndex {
  /** The file's name, as sources name it. */
  readonly name: string;
  /** Each resource's ref, as its canonical IRI, to its uid. */
  readonly #uidOfRef = new Map<string, string>();
  /** Each resource's uid to its line. */
  readonly #lineOfUid = new Map<string, number>();

  constructor(name: string) {
    this.name = name;
  }

  /** The resources indexed. */
  get size(): number {
    return this.#lineOfUid.size;
  }

  /** Indexes the resource at `line`; fails (BAD_USER_INPUT) when an earlier line gave its ref or uid. */
  add(iri: string, uid: string, line: number): void {
    const refLine = this.lineOfRef(iri);
    if (refLine !== undefined) throw given(this.source(line), 'ref', this.source(refLine));
    const uidLine = this.#lineOfUid.get(uid);
    if (uidLine !== undefined) throw given(this.source(line), uidWhat(uid), this.source(uidLine));
    this.#uidOfRef.set(iri, uid);
    this.#lineOfUid.set(uid, line);
  }

  /** Whether the resource at `line` has the ref and uid indexed for it. */
  holds(iri: string, uid: string, line: number): boolean {
    return this.#uidOfRef.get(iri) === uid && this.#lineOfUid.get(uid) === line;
  }

  /** The line of the resource with this ref IRI. */
  lineOfRef(iri: string): number | undefined {
    const uid = this.#uidOfRef.get(iri);
    return uid === undefined ? undefined : this.#lineOfUid.get(uid);
  }

  /** The line of the resource with this uid. */
  lineOfUid(uid: string): number | undefined {
    return this.#lineOfUid.get(uid);
  }

  /** `name: line N`. */
  source(line: number): string {
    return `${this.name}: line ${line}`;
  }

  /** Every resource's ref IRI, uid and line, in the order of the lines. */
  *entries(): Generator<{ readonly iri: string; readonly uid: string; readonly line: number }> {
    for (const [iri, uid] of this.#uidOfRef) yield { iri, uid, line: this.#lineOfUid.get(uid)! };
  }
}

/**
 * Fails (BAD_USER_INPUT) at the first resource, in the order of the files and their lines, whose ref
 * or uid an earlier file gives; a file's own duplicates were found when it was indexed.
 */
export function checkAcrossFiles(indexes: readonly ExportIndex[]): void {
  indexes.forEach((index, j) => {
    if (j === 0) return;
    const earlier = indexes.slice(0, j);
    for (const { iri, uid, line } of index.entries()) {
      for (const other of earlier) {
        const first = other.lineOfRef(iri);
        if (first !== undefined) throw given(index.source(line), 'ref', other.source(first));
      }
      for (const other of earlier) {
        const first = other.lineOfUid(uid);
        if (first !== undefined) throw given(index.source(line), uidWhat(uid), other.source(first));
      }
    }
  });
}

/** The ref a canonical ref IRI (`refIri`) names. */
export function refOfIri(iri: string): ResourceRef {
  const [group, version, kind, namespace, name] = iri
    .slice(REF_IRI.length)
    .split('/')
    .map((part) => decodeURIComponent(part)) as [string, string, string, string, string];
  return { group, version, kind, namespace, name };
}

function given(source: string, what: string, first: string) {
  return badInput(source, `${what} is already given at ${first}`);
}

function uidWhat(uid: string): string {
  return `uid ${JSON.stringify(uid)}`;
}
