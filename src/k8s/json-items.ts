/**
 * The objects of one JSON dump, read as its bytes arrive, one List item at a time: the items of a
 * top-level `List` (or a typed list such as `PodList`, whose items may omit `apiVersion` and `kind`
 * and take them from the list), or else the whole top-level value as one object — what `read.ts`
 * makes of the same text parsed whole. Only the item being read and the top level without its items
 * are held.
 *
 * The bytes are not parsed one token at a time in JavaScript: a scan follows only strings, nesting
 * and the top level's keys, cuts out the text of each element of the top level's `items`, and hands
 * it to `JSON.parse`. The top level without its items' elements is parsed the same way at the end,
 * and every error is located at its byte offset in the file.
 *
 * Whether the top level is a list is known from its `kind`, which `kubectl get -o json` writes after
 * the items. Until the kind has come, each item is taken as a list item as it is; an item that needs
 * the list's `apiVersion` or `kind` before they have come stops the read with {@link NeedsHeader}
 * (the caller learns them in a read of its own and reads again with them). A top level whose items
 * came before a `kind` that is not a list's is refused.
 */
import { Tokenizer, TokenizerError, TokenParser } from '@streamparser/json';
import type { SourcedObject } from './convert.ts';
import { isObject } from './objects.ts';

/** The top level's `kind` and `apiVersion` (each undefined when absent). */
export interface ListHeader {
  readonly kind: unknown;
  readonly apiVersion: unknown;
}

/** Thrown when an item needs the list's `apiVersion` and `kind` before they have been read. */
export class NeedsHeader extends Error {}

/** Malformed JSON, at a byte offset of the stream. */
export class JsonSyntaxError extends Error {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** How the items of the top level are taken. */
type ItemMode = 'list' | 'object' | 'unknown';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Whether a byte is JSON white space. */
const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/** Bytes collected from the stream, with the offset of each run in the stream (to locate errors). */
class Collected {
  readonly #parts: Buffer[] = [];
  /** [offset in the collected bytes, offset in the stream] of each run. */
  readonly #runs: [number, number][] = [];
  #length = 0;

  add(bytes: Buffer, streamOffset: number): void {
    if (bytes.length === 0) return;
    const last = this.#runs.at(-1);
    if (!last || last[1] + (this.#length - last[0]) !== streamOffset)
      this.#runs.push([this.#length, streamOffset]);
    this.#parts.push(bytes);
    this.#length += bytes.length;
  }

  get length(): number {
    return this.#length;
  }

  /** The collected text, parsed; a syntax error is located in the stream. */
  parse(): unknown {
    const bytes = Buffer.concat(this.#parts, this.#length);
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch {
      const { message, offset } = syntaxErrorOf(bytes);
      throw new JsonSyntaxError(message, this.#streamOffset(offset));
    }
  }

  /** The stream offset of a byte offset of the collected bytes. */
  #streamOffset(at: number): number {
    let run = this.#runs[0] ?? [0, 0];
    for (const candidate of this.#runs) if (candidate[0] <= at) run = candidate;
    return run[1] + (at - run[0]);
  }
}

/**
 * What is wrong with JSON that `JSON.parse` refused, and at which byte: `JSON.parse` of Node 20 often
 * gives no position, so the text is read again by a parser that does (only on this error path).
 */
function syntaxErrorOf(bytes: Buffer): { message: string; offset: number } {
  const tokenizer = new Tokenizer();
  const parser = new TokenParser();
  parser.onValue = () => {};
  let offset = 0;
  tokenizer.onToken = (token) => {
    offset = token.offset;
    parser.write(token);
  };
  try {
    tokenizer.write(bytes);
    tokenizer.end();
    if (!parser.isEnded) parser.end();
  } catch (error) {
    const message = (error as Error).message;
    const position = /absolute position "(\d+)"/.exec(message)?.[1];
    return {
      message: message.replace(/ at chunk position "\d+" \(absolute position "\d+"\)/, ''),
      offset: error instanceof TokenizerError && position !== undefined ? Number(position) : offset,
    };
  }
  return { message: 'Unexpected end of JSON input', offset: bytes.length };
}

/** Reads one JSON document fed in chunks; `take()` hands out the objects read so far. */
export class JsonItemReader {
  readonly #name: string;
  readonly #header: ListHeader | undefined;
  readonly #ignoreItems: boolean;
  #ready: SourcedObject[] = [];
  /** The stream offset of the next byte. */
  #bytes = 0;
  #depth = 0;
  #inString = false;
  #escaped = false;
  /**
   * At depth 1 of an object: whether the next string is a key; the string being captured (a key, or
   * the value of `kind` or `apiVersion`) from `#stringStart` of the current chunk; the last key.
   */
  #expectKey = false;
  #stringStart = -1;
  #string: Buffer[] = [];
  #capturingKey = false;
  #lastKey: string | null = null;
  /** The top level's `kind` and `apiVersion` strings, as soon as each is read. */
  readonly #seen: { kind?: string; apiVersion?: string } = {};
  /** Inside the top level's `items` array (depth 2 is its elements' level). */
  #inItems = false;
  /** Whether the top level has begun, and whether it has ended. */
  #started = false;
  #closed = false;
  #rootIsArray = false;
  #root = new Collected();
  #element: Collected | null = null;
  #index = 0;
  #rootValue: Record<string, unknown> | null = null;
  /** The next backslash of the chunk at or after the scan (-1: none; -2: not looked for yet). */
  #nextBackslash = -2;
  /** Items taken as list items before the top level's kind was known. */
  #tentative = 0;
  #listItems = 0;

  /**
   * `header`, when given, is the top level's, learned in an earlier read of the same text. With
   * `ignoreItems` the read only learns the header: list items are dropped as they are read.
   */
  constructor(name: string, options: { header?: ListHeader; ignoreItems?: boolean } = {}) {
    this.#name = name;
    this.#header = options.header;
    this.#ignoreItems = options.ignoreItems ?? false;
  }

  /** Reads the next chunk of bytes. Throws {@link JsonSyntaxError} or {@link NeedsHeader}. */
  write(chunk: Uint8Array): void {
    this.#nextBackslash = -2;
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let runStart = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (this.#inString) {
        i = this.#skipString(bytes, i);
        continue;
      }
      const byte = bytes[i]!;
      if (isSpace(byte)) continue;
      if (this.#depth === 0) {
        if (this.#closed) {
          throw new JsonSyntaxError('Unexpected non-whitespace character after JSON', this.#bytes + i);
        }
        if (!this.#started && (byte === 0xef || byte === 0xbb || byte === 0xbf)) continue; // a byte order mark
        // The top level starts here: what came before it (white space, a byte order mark) is not kept.
        this.#started = true;
        runStart = i;
        this.#rootIsArray = byte === OPEN_BRACKET;
      }
      if (this.#inItems && this.#depth === 2) {
        // Between the elements of `items`: a separator, the array's end, or an element's first byte.
        if (byte === COMMA || byte === CLOSE_BRACKET) {
          this.#flush(bytes, runStart, i);
          runStart = i;
          this.#endElement();
          if (byte === COMMA) {
            runStart = i + 1;
            continue;
          }
          this.#inItems = false;
        } else if (this.#element === null) {
          this.#root.add(bytes.subarray(runStart, i), this.#bytes + runStart);
          runStart = i;
          this.#element = new Collected();
        }
      }
      this.#structure(byte, i);
    }
    this.#flush(bytes, runStart, bytes.length);
    this.#bytes += bytes.length;
  }

  /** Ends the document: fails when it is incomplete; the whole top level is the object when not a list. */
  end(): void {
    if (this.#depth > 0 || this.#inString || this.#root.length === 0) {
      throw new JsonSyntaxError('Unexpected end of JSON input', this.#bytes);
    }
    const root = this.#root.parse();
    if (this.#rootIsArray || !isObject(root)) {
      if (!this.#ignoreItems) this.#ready.push({ object: root, source: this.#name });
      return;
    }
    this.#rootValue = root;
    if (this.#ignoreItems) return;
    if (this.#mode() === 'list' && Array.isArray(root.items)) return;
    if (this.#tentative > 0) {
      throw new JsonSyntaxError(
        `the top level has "items" before a "kind" that is not a list's (${JSON.stringify(this.header.kind)}); put "kind" first`,
        this.#bytes,
      );
    }
    this.#ready.push({ object: root, source: this.#name });
  }

  /** The objects read since the last call. */
  take(): SourcedObject[] {
    const ready = this.#ready;
    this.#ready = [];
    return ready;
  }

  /** The top level's `kind` and `apiVersion` as read so far (or as given). */
  get header(): ListHeader {
    if (this.#header) return this.#header;
    const root = this.#rootValue ?? this.#seen;
    return { kind: root.kind, apiVersion: root.apiVersion };
  }

  /** Items taken as list items so far. */
  get listItems(): number {
    return this.#listItems;
  }

  /**
   * Skips string content from `i` (memchr-fast: strings are most of a dump's bytes); returns the index
   * of its closing quote, or the chunk's last index when the string goes on in the next chunk.
   */
  #skipString(bytes: Buffer, i: number): number {
    let at = i;
    if (this.#escaped) {
      this.#escaped = false;
      at++;
    }
    for (;;) {
      const quote = bytes.indexOf(QUOTE, at);
      if (this.#nextBackslash !== -1 && this.#nextBackslash < at) {
        this.#nextBackslash = bytes.indexOf(BACKSLASH, at);
      }
      const backslash = this.#nextBackslash;
      if (backslash !== -1 && (quote === -1 || backslash < quote)) {
        if (backslash === bytes.length - 1) {
          this.#escaped = true;
          return backslash;
        }
        at = backslash + 2;
        continue;
      }
      if (quote === -1) return bytes.length - 1;
      this.#inString = false;
      if (this.#stringStart >= 0) this.#endString(bytes, quote);
      return quote;
    }
  }

  /** Follows nesting, strings and the top level's keys through one structural byte. */
  #structure(byte: number, i: number): void {
    switch (byte) {
      case QUOTE:
        this.#inString = true;
        if (this.#depth === 1 && !this.#rootIsArray && (this.#expectKey || this.#isHeaderKey())) {
          this.#capturingKey = this.#expectKey;
          this.#stringStart = i + 1;
          this.#string = [];
        }
        return;
      case OPEN_BRACE:
      case OPEN_BRACKET:
        if (this.#depth === 1 && byte === OPEN_BRACKET && this.#lastKey === 'items' && !this.#rootIsArray) {
          this.#inItems = true;
        }
        this.#depth++;
        if (this.#depth === 1) this.#expectKey = byte === OPEN_BRACE;
        return;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        this.#depth--;
        if (this.#depth === 0) this.#closed = true;
        if (this.#depth < 0)
          throw new JsonSyntaxError(`Unexpected token '${String.fromCharCode(byte)}'`, this.#bytes + i);
        return;
      case COMMA:
        if (this.#depth === 1) this.#expectKey = true;
        return;
      case COLON:
        if (this.#depth === 1) this.#expectKey = false;
        return;
    }
  }

  /** Whether the value about to be read is the top level's `kind` or `apiVersion`. */
  #isHeaderKey(): boolean {
    return this.#lastKey === 'kind' || this.#lastKey === 'apiVersion';
  }

  /** A captured string of the top level ends at `end` (its closing quote). */
  #endString(bytes: Buffer, end: number): void {
    this.#string.push(bytes.subarray(this.#stringStart, end));
    this.#stringStart = -1;
    // The raw text between the quotes; escapes are rare in keys, and resolved by JSON.parse.
    let text = Buffer.concat(this.#string).toString('utf8');
    if (text.includes('\\')) text = JSON.parse(`"${text}"`) as string;
    if (this.#capturingKey) this.#lastKey = text;
    else if (this.#lastKey === 'kind' || this.#lastKey === 'apiVersion') this.#seen[this.#lastKey] = text;
  }

  /** Collects bytes `[from, to)` of the chunk for the element being read, or else the top level. */
  #flush(bytes: Buffer, from: number, to: number): void {
    if (!this.#started) return;
    if (this.#stringStart >= 0) {
      this.#string.push(Buffer.from(bytes.subarray(this.#stringStart, to)));
      this.#stringStart = 0;
    }
    if (from >= to) return;
    const run = Buffer.from(bytes.subarray(from, to));
    if (this.#element) this.#element.add(run, this.#bytes + from);
    else this.#root.add(run, this.#bytes + from);
  }

  /** The element of `items` just read, taken as a list item or left in the top level. */
  #endElement(): void {
    const element = this.#element;
    this.#element = null;
    if (element === null) return;
    const value = element.parse();
    const index = this.#index++;
    const mode = this.#mode();
    if (mode === 'object') {
      this.#root.add(Buffer.from(`${index > 0 ? ',' : ''}${JSON.stringify(value)}`), this.#bytes);
      return;
    }
    if (this.#ignoreItems) return;
    if (mode === 'unknown' && isObject(value) && !('apiVersion' in value && 'kind' in value)) {
      throw new NeedsHeader(`${this.#name}: items[${index}] needs the list's apiVersion and kind`);
    }
    if (mode === 'unknown') this.#tentative++;
    this.#listItems++;
    this.#ready.push({ object: listItem(value, this.header), source: `${this.#name}: items[${index}]` });
  }

  /** `list` once the top level's kind is known to end in `List`, `object` once known otherwise. */
  #mode(): ItemMode {
    if (this.#rootIsArray) return 'object';
    const known =
      this.#header !== undefined ||
      this.#seen.kind !== undefined ||
      (this.#rootValue !== null && 'kind' in this.#rootValue);
    if (!known) return 'unknown';
    const { kind } = this.header;
    return typeof kind === 'string' && kind.endsWith('List') ? 'list' : 'object';
  }
}

/**
 * An item of a list as `read.ts` takes it: an item of a typed list (`PodList`) that is an object gets
 * the list's `apiVersion` and the kind its name says, unless it has its own.
 */
function listItem(item: unknown, header: ListHeader): unknown {
  const { kind, apiVersion } = header;
  if (!isObject(item) || typeof kind !== 'string' || kind === 'List') return item;
  return { apiVersion, kind: kind.slice(0, -'List'.length), ...item };
}
