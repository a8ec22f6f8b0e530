/**
 * Kubernetes label semantics: label key and value syntax, and label selectors with the grammar of
 * `k8s.io/apimachinery/pkg/labels.Parse`:
 *
 * ```
 * selector    := "" | requirement ("," requirement)*
 * requirement := ["!"] KEY | KEY ("=" | "==" | "!=" | ">" | "<") [VALUE] | KEY ("in" | "notin") "(" VALUE ("," VALUE)* ")"
 * ```
 *
 * Whitespace may separate any two tokens. A word is any run of characters other than whitespace and
 * `= ! ( ) , > <`. Positions in error messages are 0-based character offsets into the selector text.
 *
 * One deliberate difference from Kubernetes: an empty value list (`in ()`) and empty entries inside a
 * list (`in (a,)`) are rejected instead of being read as the empty value; write `key=` for that.
 */
import { badInput } from './errors.ts';

/** One condition of a selector. `=`/`==` become `In` with one value and `!=` becomes `NotIn`. */
export interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  /** Sorted and without duplicates; empty for Exists/DoesNotExist; one integer for Gt/Lt. */
  values: string[];
}

/** A parsed label selector: the conjunction of its requirements. */
export interface LabelSelector {
  /** Requirements sorted by key (stable for equal keys). */
  readonly requirements: readonly Requirement[];
  /** True when every requirement holds for `labels`. */
  matches(labels: Readonly<Record<string, string>>): boolean;
  /** True for the empty selector, which matches everything. */
  readonly empty: boolean;
}

const NAME_MAX = 63;
const PREFIX_MAX = 253;
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

/** Why `key` is not a valid label key (`[prefix/]name`), or null when it is. */
export function labelKeyError(key: string): string | null {
  let error = keyErrors.get(key);
  if (error === undefined) {
    error = checkLabelKey(key);
    if (keyErrors.size >= MAX_CACHED_KEYS) keyErrors.clear();
    keyErrors.set(key, error);
  }
  return error;
}

/** Label keys repeat across resources: their verdicts are remembered, up to this many keys. */
const MAX_CACHED_KEYS = 10_000;
const keyErrors = new Map<string, string | null>();

function checkLabelKey(key: string): string | null {
  const parts = key.split('/');
  if (parts.length > 2) return 'must be a name with an optional DNS subdomain prefix and one "/"';
  const name = parts.at(-1)!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix.length === 0) return 'prefix part must not be empty';
    if (prefix.length > PREFIX_MAX) return `prefix part must be at most ${PREFIX_MAX} characters`;
    if (!DNS_SUBDOMAIN.test(prefix)) return 'prefix part must be a lowercase DNS subdomain (like "a.io")';
  }
  if (name.length === 0) return 'name part must not be empty';
  if (name.length > NAME_MAX) return `name part must be at most ${NAME_MAX} characters`;
  if (!NAME.test(name)) {
    return 'name part must consist of alphanumerics, "-", "_" or ".", and start and end with an alphanumeric';
  }
  return null;
}

/** Why `value` is not a valid label value (empty, or up to 63 name characters), or null when it is. */
export function labelValueError(value: string): string | null {
  if (value.length > NAME_MAX) return `must be at most ${NAME_MAX} characters`;
  if (value.length > 0 && !NAME.test(value)) {
    return 'must be empty or consist of alphanumerics, "-", "_" or ".", and start and end with an alphanumeric';
  }
  return null;
}

/**
 * Validates a labels map: a plain object of Kubernetes-valid keys and string values. Null and
 * undefined mean no labels. Returns a fresh copy; throws BAD_USER_INPUT naming `field.key`.
 */
export function validateLabels(value: unknown, field: string): Record<string, string> {
  if (value === null || value === undefined) return {};
  if (!isPlainRecord(value)) throw badInput(field, 'must be an object of strings');
  const copy: Record<string, string> = {};
  for (const key of Object.keys(value)) {
    const entry = value[key];
    if (typeof entry !== 'string') throw badInput(`${field}.${key}`, 'must be a string');
    const keyError = labelKeyError(key);
    if (keyError !== null) throw badInput(`${field}.${key}`, `invalid label key: ${keyError}`);
    const valueError = labelValueError(entry);
    if (valueError !== null) throw badInput(`${field}.${key}`, `invalid label value: ${valueError}`);
    copy[key] = entry;
  }
  return copy;
}

/** True for `{}`-like objects (not arrays or class instances). */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  const proto = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
  return proto === Object.prototype || proto === null;
}

/** Parses a selector. The empty (or all-whitespace) string matches everything. */
export function parseLabelSelector(text: string): LabelSelector {
  if (typeof text !== 'string') throw badInput('labelSelector', 'must be a string');
  const requirements = new SelectorParser(tokenize(text)).parse();
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return new ParsedSelector(requirements);
}

class ParsedSelector implements LabelSelector {
  readonly requirements: readonly Requirement[];
  readonly empty: boolean;

  constructor(requirements: Requirement[]) {
    for (const requirement of requirements) Object.freeze(requirement.values);
    this.requirements = Object.freeze(requirements.map((requirement) => Object.freeze(requirement)));
    this.empty = requirements.length === 0;
  }

  matches(labels: Readonly<Record<string, string>>): boolean {
    return this.requirements.every((requirement) => requirementMatches(requirement, labels));
  }
}

/** Kubernetes' `Requirement.Matches`: NotIn holds for absent keys, Gt/Lt need an integer label. */
function requirementMatches(requirement: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const value = Object.hasOwn(labels, requirement.key) ? labels[requirement.key] : undefined;
  switch (requirement.operator) {
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'In':
      return value !== undefined && requirement.values.includes(value);
    case 'NotIn':
      return value === undefined || !requirement.values.includes(value);
    default:
      return compareIntegers(requirement, value);
  }
}

/** Gt/Lt: both the label and the bound must parse as int64. */
function compareIntegers(requirement: Requirement, value: string | undefined): boolean {
  const actual = value === undefined ? null : parseInt64(value);
  const bound = parseInt64(requirement.values[0] ?? '');
  if (actual === null || bound === null) return false;
  return requirement.operator === 'Gt' ? actual > bound : actual < bound;
}

/** Go's `strconv.ParseInt(s, 10, 64)`: an optionally signed decimal within int64, else null. */
function parseInt64(text: string): bigint | null {
  if (!/^[+-]?[0-9]+$/.test(text)) return null;
  const value = BigInt(text);
  return value > INT64.max || value < INT64.min ? null : value;
}

/** A word, the end of input, or an operator/punctuation token whose kind is its text. */
interface Token {
  kind: 'word' | 'end' | '!' | '!=' | '=' | '==' | '>' | '<' | '(' | ')' | ',';
  text: string;
  pos: number;
}

/** Splits selector text into tokens; operators take the longest match (`!=`, `==`). */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    const ch = text[pos]!;
    if (WHITESPACE.has(ch)) {
      pos++;
    } else if (SPECIAL.has(ch)) {
      const pair = text.slice(pos, pos + 2);
      const symbol = pair === '!=' || pair === '==' ? pair : ch;
      tokens.push({ kind: symbol as Token['kind'], text: symbol, pos });
      pos += symbol.length;
    } else {
      const start = pos;
      while (pos < text.length && !WHITESPACE.has(text[pos]!) && !SPECIAL.has(text[pos]!)) pos++;
      tokens.push({ kind: 'word', text: text.slice(start, pos), pos: start });
    }
  }
  tokens.push({ kind: 'end', text: '', pos: text.length });
  return tokens;
}

/** Operators followed by a single value. */
const EXACT_OPERATORS: Partial<Record<Token['kind'], Requirement['operator']>> = {
  '=': 'In',
  '==': 'In',
  '!=': 'NotIn',
  '>': 'Gt',
  '<': 'Lt',
};

/** Adds a note about an unclosed `(` to `expectation` when the input ended inside a value list. */
function unclosed(open: Token, found: Token, expectation: string): string {
  return found.kind === 'end' ? `unclosed '(' at position ${open.pos}: ${expectation}` : expectation;
}

/** A recursive-descent parser over the tokens of one selector. */
class SelectorParser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    if (this.peek().kind === 'end') return requirements;
    for (;;) {
      requirements.push(this.requirement());
      const separator = this.next();
      if (separator.kind === 'end') return requirements;
      if (separator.kind !== ',') throw this.fail(separator, "expected ',' or end of input");
      const following = this.peek();
      if (following.kind !== 'word' && following.kind !== '!') {
        throw this.fail(following, "expected a label key or '!' after ','");
      }
    }
  }

  private requirement(): Requirement {
    let token = this.next();
    const negated = token.kind === '!';
    if (negated) token = this.next();
    if (token.kind !== 'word') {
      throw this.fail(token, negated ? "expected a label key after '!'" : "expected a label key or '!'");
    }
    const key = this.checkKey(token);
    const after = this.peek();
    const ends = after.kind === 'end' || after.kind === ',';
    if (negated && !ends) throw this.fail(after, "'!key' takes no operator; expected ',' or end of input");
    if (ends) return { key, operator: negated ? 'DoesNotExist' : 'Exists', values: [] };
    const operatorToken = this.next();
    const exact = EXACT_OPERATORS[operatorToken.kind];
    if (exact !== undefined) return this.checkValues(key, exact, [this.exactValue()]);
    if (operatorToken.kind === 'word' && (operatorToken.text === 'in' || operatorToken.text === 'notin')) {
      return this.checkValues(key, operatorToken.text === 'in' ? 'In' : 'NotIn', this.valueList());
    }
    throw this.fail(operatorToken, 'expected an operator (=, ==, !=, in, notin, >, <)');
  }

  /** The value after `=`, `==`, `!=`, `>` or `<`; nothing before `,` or the end means `""`. */
  private exactValue(): Token {
    const token = this.peek();
    if (token.kind === 'end' || token.kind === ',') return { kind: 'word', text: '', pos: token.pos };
    this.index++;
    if (token.kind !== 'word') throw this.fail(token, 'expected a value');
    return token;
  }

  /** `( value, value, ... )` with at least one value. */
  private valueList(): Token[] {
    const open = this.next();
    if (open.kind !== '(') throw this.fail(open, "expected '(' after in/notin");
    if (this.peek().kind === ')') throw this.fail(this.peek(), 'expected at least one value inside ()');
    const values: Token[] = [];
    for (;;) {
      const value = this.next();
      if (value.kind !== 'word') throw this.fail(value, unclosed(open, value, 'expected a value'));
      values.push(value);
      const separator = this.next();
      if (separator.kind === ')') return values;
      if (separator.kind !== ',') {
        throw this.fail(separator, unclosed(open, separator, "expected ',' or ')'"));
      }
    }
  }

  private checkKey(token: Token): string {
    const error = labelKeyError(token.text);
    if (error !== null) throw this.fail(token, `invalid label key '${token.text}': ${error}`, false);
    return token.text;
  }

  private checkValues(key: string, operator: Requirement['operator'], tokens: Token[]): Requirement {
    for (const token of tokens) {
      const error = labelValueError(token.text);
      if (error !== null)
        throw this.fail(token, `invalid value '${token.text}' for '${key}': ${error}`, false);
      if ((operator === 'Gt' || operator === 'Lt') && parseInt64(token.text) === null) {
        throw this.fail(token, `'${key}' ${operator === 'Gt' ? '>' : '<'} needs an integer value`);
      }
    }
    const values = [...new Set(tokens.map((token) => token.text))].sort();
    return { key, operator, values };
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private fail(token: Token, message: string, showFound = true): Error {
    const found = token.kind === 'end' ? 'end of input' : `'${token.text}'`;
    const detail = showFound ? `${message}, found ${found}` : message;
    return badInput('labelSelector', `${detail} at position ${token.pos}`);
  }
}
