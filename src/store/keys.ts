/**
 * Every LMDB key layout of the store lives in this file.
 *
 * Keys are binary tuples whose byte order is the order the store lists things in:
 * - a string component is its UTF-8 bytes followed by a 0x00 terminator (input validation rejects
 *   control characters, so a string never contains 0x00 and never starts with 0xFF);
 * - a number component (revision, term id) is 8 bytes, big-endian, unsigned.
 *
 * | database   | key                                   | value                                   |
 * |------------|---------------------------------------|-----------------------------------------|
 * | `resources`| ref = group, version, kind, ns, name  | the resource's metadata (records.ts)    |
 * | `payloads` | revision, ref                         | the JSON text of the resource's `data`  |
 * | `uids`     | uid                                   | ref key (bytes)                         |
 * | `labels`   | label key, label value, ref           | empty                                   |
 * | `types`    | group, version, kind                  | number of resources of that type        |
 * | `nsTypes`  | namespace, group, version, kind       | number of resources of that type in ns  |
 * | `refIds`   | ref                                   | term id of the ref (relationship ends)  |
 * | `idRefs`   | term id                               | ref key (bytes)                         |
 * | `predIds`  | predicate type                        | term id of the predicate type           |
 * | `idPreds`  | term id                               | predicate type                          |
 * | `spo`      | subject id, predicate id, object id   | relationship value                      |
 * | `pos`      | predicate id, object id, subject id   | relationship value                      |
 * | `osp`      | object id, subject id, predicate id   | relationship value                      |
 * | `log`      | revision                              | the changes committed at that revision  |
 * | `meta`     | name (string key)                     | counters: revision, next term id, floor |
 *
 * The three relationship indexes serve every triplet pattern with one prefix range scan:
 * S, SP, SPO and none → spo; P, PO → pos; O, OS → osp.
 *
 * LMDB refuses keys over 1,978 bytes. Input validation keeps every key well below that: the longest
 * is a label index key — a label key (≤ 317 bytes) and value (≤ 63) before a ref (≤ 1,020) — at
 * 1,402 bytes.
 */
import type { ResourceRef } from './types.ts';

/** Where lmdb keeps its shared msgpack structures: above every key this file makes. */
export const STRUCTURES_KEY = Buffer.from([0xff, 0xff, 0x73]);

/** Exclusive upper bound of every key this file makes (below {@link STRUCTURES_KEY}). */
export const KEY_SPACE_END = Buffer.from([0xff]);

const ID_BYTES = 8;
const TWO_POW_32 = 2 ** 32;

/** Builds a tuple key from strings (0-terminated) and numbers (8-byte big-endian). */
export function tupleKey(...parts: ReadonlyArray<string | number | Buffer>): Buffer {
  let size = 0;
  for (const part of parts) {
    size +=
      typeof part === 'string'
        ? Buffer.byteLength(part) + 1
        : typeof part === 'number'
          ? ID_BYTES
          : part.length;
  }
  const key = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const part of parts) {
    if (typeof part === 'string') {
      offset += key.write(part, offset);
      key[offset++] = 0;
    } else if (typeof part === 'number') {
      writeId(key, offset, part);
      offset += ID_BYTES;
    } else {
      offset += part.copy(key, offset);
    }
  }
  return key;
}

function writeId(target: Buffer, offset: number, id: number): void {
  target.writeUInt32BE(Math.floor(id / TWO_POW_32), offset);
  target.writeUInt32BE(id >>> 0, offset + 4);
}

/** Reads the 8-byte number at `offset`. */
export function readId(key: Buffer, offset = 0): number {
  return key.readUInt32BE(offset) * TWO_POW_32 + key.readUInt32BE(offset + 4);
}

/** Reads the 0-terminated string at `offset`; returns it with the offset after its terminator. */
function readString(key: Buffer, offset: number): [string, number] {
  const end = key.indexOf(0, offset);
  return [key.toString('utf8', offset, end), end + 1];
}

/** The smallest key greater than every key that starts with `prefix`. */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return KEY_SPACE_END;
}

/** The smallest key greater than `key` itself. */
export function keySuccessor(key: Buffer): Buffer {
  return Buffer.concat([key, Buffer.from([0])]);
}

// --- resources ------------------------------------------------------------------------------------

/** Key of a resource in `resources`, `refIds`, and the ref suffix of `labels` keys. */
export function refKey(ref: ResourceRef): Buffer {
  return tupleKey(ref.group, ref.version, ref.kind, ref.namespace, ref.name);
}

/**
 * The leading parts (group, version, kind, namespace) of the last ref key decoded, with their bytes:
 * a listing decodes run after run of keys that share them, and then shares their strings too.
 */
let lastLeading: { bytes: Buffer; parts: [string, string, string, string] } | null = null;

/** Decodes a ref key starting at `offset`. */
export function decodeRefKey(key: Buffer, offset = 0): ResourceRef {
  const a = key.indexOf(0, offset) + 1;
  const b = key.indexOf(0, a) + 1;
  const c = key.indexOf(0, b) + 1;
  const d = key.indexOf(0, c) + 1;
  const name = key.toString('utf8', d, key.indexOf(0, d));
  const leading = lastLeading;
  if (
    leading !== null &&
    leading.bytes.length === d - offset &&
    key.compare(leading.bytes, 0, d - offset, offset, d) === 0
  ) {
    const [group, version, kind, namespace] = leading.parts;
    return { group, version, kind, namespace, name };
  }
  const group = key.toString('utf8', offset, a - 1);
  const version = key.toString('utf8', a, b - 1);
  const kind = key.toString('utf8', b, c - 1);
  const namespace = key.toString('utf8', c, d - 1);
  lastLeading = { bytes: Buffer.from(key.subarray(offset, d)), parts: [group, version, kind, namespace] };
  return { group, version, kind, namespace, name };
}

/**
 * Key in `payloads`: the payload of a resource's state written at `revision`. The revision leads, so
 * each commit writes its payloads past every stored one, in ref order when it writes them in that
 * order: a bulk load appends them (full pages, no tree search) instead of inserting all over the tree.
 */
export const payloadKey = (refKey: Buffer, revision: number): Buffer => tupleKey(revision, refKey);

/** The ref key and revision of a format 4 `payloads` key (ref key first, then the revision). */
export function decodeFormat4PayloadKey(key: Buffer): { refKey: Buffer; revision: number } {
  const end = key.length - ID_BYTES;
  return { refKey: key.subarray(0, end), revision: readId(key, end) };
}

/** Prefix of the ref keys of one group/version/kind, optionally narrowed to a namespace. */
export function typePrefix(group: string, version: string, kind: string, namespace?: string): Buffer {
  return namespace === undefined ? tupleKey(group, version, kind) : tupleKey(group, version, kind, namespace);
}

/** Key in `types`. */
export const typeCountKey = (group: string, version: string, kind: string): Buffer =>
  tupleKey(group, version, kind);

/** Decodes a `types` key. */
export function decodeTypeCountKey(key: Buffer): { group: string; version: string; kind: string } {
  const [group, a] = readString(key, 0);
  const [version, b] = readString(key, a);
  const [kind] = readString(key, b);
  return { group, version, kind };
}

/** Key in `nsTypes`; `nsTypesPrefix(ns)` lists the types present in a namespace. */
export const nsTypeKey = (namespace: string, group: string, version: string, kind: string): Buffer =>
  tupleKey(namespace, group, version, kind);

export const nsTypesPrefix = (namespace: string): Buffer => tupleKey(namespace);

/** Decodes an `nsTypes` key. */
export function decodeNsTypeKey(key: Buffer): { group: string; version: string; kind: string } {
  const [, a] = readString(key, 0);
  return decodeTypeCountKey(key.subarray(a));
}

/** Key in `labels`: the label, then the resource's ref key. */
export const labelKey = (key: string, value: string, ref: Buffer): Buffer => tupleKey(key, value, ref);

/** Prefix of the `labels` keys of one label key and value. */
export const labelValuePrefix = (key: string, value: string): Buffer => tupleKey(key, value);

/** The ref key inside a `labels` key. */
export function refKeyOfLabelKey(key: Buffer): Buffer {
  const afterKey = key.indexOf(0) + 1;
  const afterValue = key.indexOf(0, afterKey) + 1;
  return key.subarray(afterValue);
}

// --- relationships --------------------------------------------------------------------------------

/** Subject, predicate and object term ids of a triplet. */
export interface TripleIds {
  s: number;
  p: number;
  o: number;
}

/** The relationship indexes, each named by its component order. */
export type TripleIndex = 'spo' | 'pos' | 'osp';

/** Key of a triplet in one of the relationship indexes. */
export function tripleKey(index: TripleIndex, { s, p, o }: TripleIds): Buffer {
  switch (index) {
    case 'spo':
      return tupleKey(s, p, o);
    case 'pos':
      return tupleKey(p, o, s);
    case 'osp':
      return tupleKey(o, s, p);
  }
}

/** Decodes a key of one of the relationship indexes. */
export function decodeTripleKey(index: TripleIndex, key: Buffer): TripleIds {
  const a = readId(key, 0);
  const b = readId(key, ID_BYTES);
  const c = readId(key, 2 * ID_BYTES);
  switch (index) {
    case 'spo':
      return { s: a, p: b, o: c };
    case 'pos':
      return { p: a, o: b, s: c };
    case 'osp':
      return { o: a, s: b, p: c };
  }
}

/** Prefix of an index's keys whose leading components are `ids` (in that index's order). */
export const triplePrefix = (...ids: number[]): Buffer => tupleKey(...ids);

/** Key in `idRefs` / `idPreds`. */
export const termIdKey = (id: number): Buffer => tupleKey(id);

// --- change log -----------------------------------------------------------------------------------

/** Key of a revision in `log`. */
export const revisionKey = (revision: number): Buffer => tupleKey(revision);

/** Decodes a `log` key. */
export const decodeRevisionKey = (key: Buffer): number => readId(key, 0);

/** Names of the counters in `meta`. */
export const META = {
  revision: 'revision',
  nextTermId: 'nextTermId',
  compactedRevision: 'compactedRevision',
  format: 'format',
  /** Shared structures of the relationship indexes when not 1,024 (stores created as format 2). */
  tripleStructures: 'tripleStructures',
} as const;
