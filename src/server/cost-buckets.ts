/**
 * A budget of query cost per principal: one token bucket each, holding up to `perMinute` and filling
 * at `perMinute` a minute. An operation is admitted when its principal's bucket holds its estimated
 * cost, which it then takes out; one that costs more than a whole bucket is admitted only into a full
 * one, which it leaves in debt (so every principal averages at most `perMinute`, and no operation the
 * cost limit admits is refused forever).
 *
 * Memory is bounded: a bucket is kept only until it would be full again (lru-cache's per-entry time
 * to live, so an idle principal costs nothing), and at most `maxBuckets` are kept, the least recently
 * used dropped first. (rate-limiter-flexible's memory limiter counts points per fixed window rather
 * than refilling continuously; a bucket is a few lines on top of lru-cache.)
 */
import { LRUCache } from 'lru-cache';

/** How many principals' buckets are kept at most, by default. */
export const MAX_BUCKETS = 100_000;

/** What spending from a bucket decided. */
export type Spending =
  | { readonly admitted: true; readonly remaining: number }
  | { readonly admitted: false; readonly remaining: number; readonly retryAfterSeconds: number };

/** A bucket not full: its tokens when last spent from (may be negative: in debt), and when. */
interface Bucket {
  readonly tokens: number;
  readonly at: number;
}

/** Token buckets by principal. */
export class CostBuckets {
  readonly #capacity: number;
  /** Tokens a millisecond. */
  readonly #rate: number;
  readonly #buckets: LRUCache<string, Bucket>;

  constructor(perMinute: number, maxBuckets = MAX_BUCKETS) {
    if (!(Number.isFinite(perMinute) && perMinute > 0)) {
      throw new RangeError(`the cost budget must be a positive number a minute, given ${perMinute}`);
    }
    this.#capacity = perMinute;
    this.#rate = perMinute / 60_000;
    this.#buckets = new LRUCache({ max: maxBuckets });
  }

  /** Buckets kept now (principals that spent within the time their bucket takes to fill). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes `cost` from the bucket of `key` if it holds it (see the module comment), else says when. */
  spend(key: string, cost: number): Spending {
    const now = performance.now();
    const available = this.#available(key, now);
    const full = available >= this.#capacity;
    if (cost <= available || full) {
      const remaining = available - cost;
      this.#keep(key, remaining, now);
      return { admitted: true, remaining: Math.floor(remaining) };
    }
    const missing = Math.min(cost, this.#capacity) - available;
    const retryAfterSeconds = Math.max(1, Math.ceil(missing / this.#rate / 1000));
    return { admitted: false, remaining: Math.floor(available), retryAfterSeconds };
  }

  /** The tokens in the bucket of `key` at `now`. */
  #available(key: string, now: number): number {
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) return this.#capacity;
    return Math.min(this.#capacity, bucket.tokens + (now - bucket.at) * this.#rate);
  }

  /** Keeps a bucket holding `tokens` until it would be full again; a full one is not kept. */
  #keep(key: string, tokens: number, now: number): void {
    if (tokens >= this.#capacity) {
      this.#buckets.delete(key);
      return;
    }
    const ttl = Math.ceil((this.#capacity - tokens) / this.#rate);
    this.#buckets.set(key, { tokens, at: now }, { ttl });
  }
}
