/**
 * Stored JSON payloads on their way to a client without a parse and a re-encode.
 *
 * The `data` field resolves to a {@link RawJson} — the payload's stored JSON text — when the store
 * hands one out. Any serializer that knows nothing of it still writes the right JSON (`toJSON` parses
 * the text, costing what a decoded payload would have); {@link stringifyResult} splices the text
 * into the response as it is.
 */
import { randomBytes } from 'node:crypto';

/** Marks the strings that stand for raw texts while {@link stringifyResult} runs (never sent). */
const MARK = `\u0000${randomBytes(12).toString('base64url')}:`;
/** How a mark appears inside JSON.stringify's output (the NUL escaped, in quotes). */
const QUOTED_MARK = JSON.stringify(MARK).slice(0, -1);

/** The texts met by the running {@link stringifyResult}, in output order; null when none runs. */
let collected: string[] | null = null;

/** A JSON value given as its JSON text. */
export class RawJson {
  /** `text` must be valid JSON (the store's payload text is). */
  constructor(readonly text: string) {}

  /** The value, for serializers that do not splice; a placeholder while {@link stringifyResult} runs. */
  toJSON(): unknown {
    if (collected === null) return JSON.parse(this.text);
    collected.push(this.text);
    return `${MARK}${collected.length - 1}`;
  }
}

/**
 * `JSON.stringify(result)`, with every {@link RawJson} inside written as its text. The placeholders
 * carry a random per-process mark, so no client string can be taken for one.
 */
export function stringifyResult(result: unknown): string {
  const texts: string[] = [];
  collected = texts;
  let json: string;
  try {
    json = JSON.stringify(result);
  } finally {
    collected = null;
  }
  return texts.length === 0 ? json : splice(json, texts);
}

/** Replaces each quoted placeholder in `json` by its text. */
function splice(json: string, texts: readonly string[]): string {
  const parts: string[] = [];
  let from = 0;
  for (let at = json.indexOf(QUOTED_MARK); at >= 0; at = json.indexOf(QUOTED_MARK, from)) {
    const close = json.indexOf('"', at + QUOTED_MARK.length);
    const index = Number(json.slice(at + QUOTED_MARK.length, close));
    parts.push(json.slice(from, at), texts[index]!);
    from = close + 1;
  }
  parts.push(json.slice(from));
  return parts.join('');
}
