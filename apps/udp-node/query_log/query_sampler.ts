/**
 * Which queries the query log samples (issue 14): on average one in
 * `every`, and never more than `maxPerSecond` in one second, so a flood
 * costs the log nothing more than a quiet minute. The gap to the next sample
 * is drawn at random between 1 and 2·every−1 (mean `every`), so a client
 * cannot time its queries to stay out of the sample, and the decision on the
 * hot path is one decrement and one compare; the random draw and the
 * per-second count run only for a query that is sampled.
 *
 * @module
 */

/** Settings of a {@linkcode QuerySampler}. */
export interface QuerySamplerOptions {
  /** DMP_QUERY_LOG_SAMPLE: one query in this many on average (≥ 1) */
  every: number;
  /** DMP_QUERY_LOG_MAX_PER_SECOND */
  maxPerSecond: number;
  /** uniform [0, 1); injected by tests */
  random?: () => number;
}

/** Decides, per query, whether it is sampled. */
export class QuerySampler {
  #every: number;
  #max: number;
  #random: () => number;
  #countdown: number;
  #second = -1;
  #taken = 0;

  constructor(options: QuerySamplerOptions) {
    this.#every = Math.max(1, Math.floor(options.every));
    this.#max = Math.max(0, Math.floor(options.maxPerSecond));
    this.#random = options.random ?? Math.random;
    this.#countdown = this.#gap();
  }

  /** Whether the query arriving at `nowSeconds` is sampled. */
  take(nowSeconds: number): boolean {
    if (--this.#countdown > 0) return false;
    this.#countdown = this.#gap();
    const second = Math.floor(nowSeconds);
    if (second !== this.#second) {
      this.#second = second;
      this.#taken = 0;
    }
    if (this.#taken >= this.#max) return false;
    this.#taken++;
    return true;
  }

  #gap(): number {
    return 1 + Math.floor(this.#random() * (2 * this.#every - 1));
  }
}
