/**
 * The objects of one JSON dump, read as its bytes arrive, one List item at a time: the items of a
 * top-level `List` (or a typed list such as `PodList`, whose items may omit `apiVersion` and `kind`
 * and take them from the list), or else the whole top-level value as one object — what `read.ts`
 * makes of the same text parsed whole. Parsing is `@streamparser/json`'s; only the item being read
 * and the top level without its items are held.
 *
 * Whether the top level is a list is known from its `kind`, which `kubectl get -o json` writes after
 * the items. Until the kind has come, each item is taken as a list item as it is; an item that needs
 * the list's `apiVersion` or `kind` before they have come stops the read with {@link NeedsHeader}
 * (the caller learns them in a read of its own and reads again with them). A top level whose items
 * came before a `kind` that is not a list's is refused.
 */
import {
  type ParsedElementInfo,
  Tokenizer,
  TokenizerError,
  TokenParser,
  TokenType,
} from '@streamparser/json';
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

/** Reads one JSON document fed in chunks; `take()` hands out the objects read so far. */
export class JsonItemReader {
  readonly #name: string;
  readonly #header: ListHeader | undefined;
  readonly #ignoreItems: boolean;
  readonly #tokenizer = new Tokenizer();
  readonly #parser = new TokenParser({ paths: ['$.*', '$.items.*'], keepStack: false });
  #root: Record<string, unknown> | unknown[] | undefined;
  #ready: SourcedObject[] = [];
  #offset = 0;
  #bytes = 0;
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
    this.#tokenizer.onToken = (token) => {
      this.#offset = token.offset;
      if (this.#root === undefined) this.#root = token.token === TokenType.LEFT_BRACKET ? [] : {};
      try {
        this.#parser.write(token);
      } catch (error) {
        if (error instanceof NeedsHeader) throw error;
        throw new JsonSyntaxError((error as Error).message, token.offset);
      }
    };
    this.#parser.onValue = (info) => this.#value(info);
  }

  /** Reads the next chunk of bytes. Throws {@link JsonSyntaxError} or {@link NeedsHeader}. */
  write(chunk: Uint8Array): void {
    try {
      this.#tokenizer.write(chunk);
    } catch (error) {
      throw this.#located(error);
    }
    this.#bytes += chunk.byteLength;
  }

  /** Ends the document: fails when it is incomplete; the whole top level is the object when not a list. */
  end(): void {
    try {
      this.#tokenizer.end();
      if (this.#root !== undefined && !this.#parser.isEnded) this.#parser.end();
    } catch (error) {
      throw error instanceof JsonSyntaxError
        ? error
        : new JsonSyntaxError((error as Error).message, this.#bytes);
    }
    if (this.#root === undefined || this.#ignoreItems) return;
    if (this.#mode() === 'list' && isObject(this.#root) && Array.isArray(this.#root.items)) return;
    if (this.#tentative > 0) {
      throw new JsonSyntaxError(
        `the top level has "items" before a "kind" that is not a list's (${JSON.stringify(this.header.kind)}); put "kind" first`,
        this.#bytes,
      );
    }
    this.#ready.push({ object: this.#root, source: this.#name });
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
    const root = isObject(this.#root) ? this.#root : {};
    return { kind: root.kind, apiVersion: root.apiVersion };
  }

  /** Items taken as list items so far. */
  get listItems(): number {
    return this.#listItems;
  }

  #value({ value, key, parent, stack }: ParsedElementInfo): void {
    if (stack.length === 1) {
      if (Array.isArray(this.#root)) this.#root.push(value);
      else if (this.#root !== undefined) this.#root[key as string] = value;
      return;
    }
    const mode = Array.isArray(parent) ? this.#mode() : 'object';
    if (mode === 'object') return; // the item stays in the top level's items
    if (this.#ignoreItems) {
      (parent as unknown[]).pop();
      return;
    }
    if (mode === 'unknown' && isObject(value) && !('apiVersion' in value && 'kind' in value)) {
      throw new NeedsHeader(`${this.#name}: items[${key}] needs the list's apiVersion and kind`);
    }
    (parent as unknown[]).pop(); // taken: the items array keeps none of them
    if (mode === 'unknown') this.#tentative++;
    this.#listItems++;
    this.#ready.push({ object: listItem(value, this.header), source: `${this.#name}: items[${key}]` });
  }

  /** `list` once the top level's kind is known to end in `List`, `object` once known otherwise. */
  #mode(): ItemMode {
    if (Array.isArray(this.#root)) return 'object';
    const known = this.#header !== undefined || (isObject(this.#root) && 'kind' in this.#root);
    if (!known) return 'unknown';
    const { kind } = this.header;
    return typeof kind === 'string' && kind.endsWith('List') ? 'list' : 'object';
  }

  #located(error: unknown): unknown {
    if (error instanceof JsonSyntaxError || error instanceof NeedsHeader) return error;
    if (!(error instanceof TokenizerError)) return error;
    const position = /absolute position "(\d+)"/.exec(error.message)?.[1];
    const message = error.message.replace(/ at chunk position "\d+" \(absolute position "\d+"\)/, '');
    return new JsonSyntaxError(message, position === undefined ? this.#offset : Number(position));
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
