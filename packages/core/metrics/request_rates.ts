/**
 * The edge's own request rates by route class (issue 14, the overview): a
 * fixed set of classes (so no request can add a series), each a ring of
 * 10-second buckets covering the last hour. Kept in memory by the process
 * that answers: on Node and Deno that is the edge; on Workers it is one
 * isolate, so the figures are that isolate's share of the traffic since it
 * started (Cloudflare spreads requests over many isolates).
 *
 * This module is browser compatible.
 * @module
 */

/** Route classes, matched by path prefix in this order; anything else is `other`. */
export const ROUTE_CLASSES: readonly { name: string; prefix: string }[] = [
  { name: "admin_api", prefix: "/v1/admin/" },
  { name: "dashboard", prefix: "/admin" },
  { name: "registration", prefix: "/v1/registration/" },
  { name: "records", prefix: "/v1/records/" },
  { name: "sync", prefix: "/v1/sync/" },
  { name: "directory", prefix: "/v1/heartbeat" },
  { name: "directory", prefix: "/v1/nodes/" },
  { name: "directory", prefix: "/v1/directory/" },
  { name: "directory", prefix: "/nodes" },
  { name: "ops", prefix: "/health" },
  { name: "ops", prefix: "/metrics" },
  { name: "ops", prefix: "/stats" },
];

/** Every class name, in display order. */
export const ROUTE_CLASS_NAMES: readonly string[] = [
  ...new Set([...ROUTE_CLASSES.map((c) => c.name), "other"]),
];

const SLOT_SECONDS = 10;
const SLOTS = 360; // one hour
/** The window of the "now" rate. */
const RATE_WINDOW_SECONDS = 60;

/**
 * The route class of a path.
 *
 * @param path the request path
 * @returns a name from {@linkcode ROUTE_CLASS_NAMES}
 *
 * @example
 * ```ts
 * import { routeClass } from "./request_rates.ts";
 * if (routeClass("/v1/admin/zones") !== "admin_api") throw new Error();
 * if (routeClass("/anything") !== "other") throw new Error();
 * ```
 */
export function routeClass(path: string): string {
  for (const c of ROUTE_CLASSES) if (path.startsWith(c.prefix)) return c.name;
  return "other";
}

/** One class's figures. */
export interface RouteClassRates {
  name: string;
  /** requests since the counter started */
  total: number;
  /** requests per second over the last minute (or since the start, when shorter) */
  perSecond: number;
  /** requests per minute, one point per minute of the last hour, oldest first */
  perMinute: number[];
}

/** Request counters by route class over the last hour. */
export class RequestRates {
  #since: number;
  #slot: number;
  #rings = new Map<string, { total: number; slots: Float64Array }>();

  /** @param now unix seconds when counting starts */
  constructor(now: number) {
    this.#since = now;
    this.#slot = Math.floor(now / SLOT_SECONDS);
    for (const name of ROUTE_CLASS_NAMES) {
      this.#rings.set(name, { total: 0, slots: new Float64Array(SLOTS) });
    }
  }

  /** When counting started (unix seconds). */
  get since(): number {
    return this.#since;
  }

  /** Counts one request to `path` at `now` (unix seconds). */
  record(path: string, now: number): void {
    this.#advance(now);
    const ring = this.#rings.get(routeClass(path))!;
    ring.total++;
    ring.slots[this.#slot % SLOTS]++;
  }

  /** Every class's figures at `now`. */
  snapshot(now: number): RouteClassRates[] {
    this.#advance(now);
    const recent = RATE_WINDOW_SECONDS / SLOT_SECONDS;
    // The recent slots span from the start of the oldest one (or the start of counting) to now.
    const spanStart = Math.max((this.#slot - recent + 1) * SLOT_SECONDS, this.#since);
    const window = Math.max(1, now - spanStart);
    const out: RouteClassRates[] = [];
    for (const name of ROUTE_CLASS_NAMES) {
      const ring = this.#rings.get(name)!;
      let inWindow = 0;
      for (let i = 0; i < recent; i++) inWindow += ring.slots[(this.#slot - i + SLOTS) % SLOTS];
      const perMinute: number[] = [];
      const perMin = 60 / SLOT_SECONDS;
      // Minutes end at the current slot: the last point is the latest (partial) minute.
      for (let m = SLOTS / perMin - 1; m >= 0; m--) {
        let sum = 0;
        for (let j = 0; j < perMin; j++) {
          sum += ring.slots[(this.#slot - m * perMin - j + SLOTS * 2) % SLOTS];
        }
        perMinute.push(sum);
      }
      out.push({ name, total: ring.total, perSecond: inWindow / window, perMinute });
    }
    return out;
  }

  /** Moves to the slot of `now`, zeroing the slots skipped (a clock going back changes nothing). */
  #advance(now: number): void {
    const slot = Math.floor(now / SLOT_SECONDS);
    if (slot <= this.#slot) return;
    const steps = Math.min(slot - this.#slot, SLOTS);
    for (const ring of this.#rings.values()) {
      for (let i = 1; i <= steps; i++) ring.slots[(this.#slot + i) % SLOTS] = 0;
    }
    this.#slot = slot;
  }
}
