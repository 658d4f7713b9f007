/**
 * What the edge app is built from (issue 4): the store, parsed config, a
 * clock, randomness, a logger and the metrics registry, plus the one
 * runtime-specific capability the app needs, the transport peer address.
 * Adapters build these; the app itself is web-standard only.
 *
 * @module
 */

import type { Context } from "hono";
import type { Config } from "../../packages/core/config/env.ts";
import type { Logger } from "../../packages/core/log/logger.ts";
import type { MetricsRegistry } from "../../packages/core/metrics/catalog.ts";
import { RequestRates } from "../../packages/core/metrics/request_rates.ts";
import type { SqlClient } from "../../packages/core/store/sql_client.ts";

/** Dependencies of {@linkcode createApp}. */
export interface AppDeps {
  client: SqlClient;
  config: Config;
  /** Current time in unix milliseconds. */
  clock: () => number;
  /** Random bytes (default: `crypto.getRandomValues`). */
  random?: (n: number) => Uint8Array;
  logger: Logger;
  metrics: MetricsRegistry;
  /** The transport peer address of a request (socket address; on Workers the CF edge's header). */
  peerAddress?: (c: Context) => string | undefined;
  /** Request rates by route class, kept by this process (on Workers: this isolate). */
  requestRates?: RequestRates;
}

/** {@linkcode AppDeps} with defaults filled and derived secrets. */
export interface ResolvedDeps extends AppDeps {
  random: (n: number) => Uint8Array;
  /** Unix seconds. */
  nowSeconds: () => number;
  requestRates: RequestRates;
}

/**
 * Fills defaults.
 *
 * @param deps what the adapter passed
 * @returns deps with `random` and `nowSeconds`
 */
export function resolveDeps(deps: AppDeps): ResolvedDeps {
  return {
    ...deps,
    random: deps.random ?? ((n) => crypto.getRandomValues(new Uint8Array(n))),
    nowSeconds: () => Math.floor(deps.clock() / 1000),
    requestRates: deps.requestRates ?? new RequestRates(deps.clock() / 1000),
  };
}
