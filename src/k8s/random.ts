/**
 * A small seeded pseudo-random generator (sfc32) and the random strings Kubernetes itself makes
 * (uids, ReplicaSet template hashes, pod name suffixes), so that generated clusters are reproducible.
 */

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no confusable characters). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const HEX = '0123456789abcdef';

/** A deterministic random source. */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d = 1;

  constructor(seed: number) {
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** An integer in `[0, n)`. */
  int(n: number): number {
    return Math.floor((this.next() / 2 ** 32) * n);
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() / 2 ** 32 < p;
  }

  /** A random version-4 UUID. */
  uuid(): string {
    const digits: string[] = [];
    for (let i = 0; i < 32; i++) digits.push(HEX[this.int(16)]!);
    const hex = digits.join('');
    const variant = HEX[8 + this.int(4)];
    // Joined, not concatenated: a concatenated string is a tree of pieces, several times its size in
    // memory, and an import of a million generated objects keeps every uid.
    return [
      hex.slice(0, 8),
      hex.slice(8, 12),
      `4${hex.slice(13, 16)}`,
      `${variant}${hex.slice(17, 20)}`,
      hex.slice(20),
    ].join('-');
  }

  /** A name suffix like the ones Kubernetes generates (`pod-template-hash` is 10 characters). */
  suffix(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += SUFFIX_ALPHABET[this.int(SUFFIX_ALPHABET.length)];
    return out;
  }
}
