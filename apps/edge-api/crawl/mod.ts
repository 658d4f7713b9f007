/**
 * The scheduled directory crawl (issue 6) as the adapters use it: settings
 * from config, checked once at start-up ({@linkcode createDirectoryCrawler}),
 * and a timer for runtimes with long-lived processes
 * ({@linkcode startCrawlTimer}). Workers call `run()` from their `scheduled`
 * handler instead (cron trigger in `wrangler.toml`).
 *
 * @module
 */

import type { Config } from "../../../packages/core/config/env.ts";
import type { Logger } from "../../../packages/core/log/logger.ts";
import { seenLimits } from "../../../packages/core/store/heartbeats_seen.ts";
import type { SqlClient } from "../../../packages/core/store/sql_client.ts";
import { type CrawlReport, runCrawl } from "./crawl.ts";
import { parseDohUrls } from "./doh_url.ts";

export type { CrawlReport } from "./crawl.ts";

/** A configured crawler. */
export interface DirectoryCrawler {
  /** Seconds between runs on Node/Deno. */
  intervalSeconds: number;
  /** Runs one crawl now; never throws (failures are logged and reported). */
  run(): Promise<CrawlReport | undefined>;
}

/**
 * Builds the crawler, or returns undefined when the directory is off
 * (DMP_DIRECTORY_ENABLED) or no seeds or no DoH resolvers are configured. Throws `ConfigError` for a DoH URL that
 * may not be used.
 *
 * @param deps store, config, logger, clock (unix ms) and optionally fetch
 * @returns the crawler, or undefined
 */
export function createDirectoryCrawler(
  deps: {
    client: SqlClient;
    config: Config;
    logger: Logger;
    clock: () => number;
    fetch?: typeof fetch;
  },
): DirectoryCrawler | undefined {
  const c = deps.config;
  const dohUrls = parseDohUrls(c.DMP_DIRECTORY_DOH_URLS, {
    allowHttp: c.DMP_DIRECTORY_DOH_ALLOW_HTTP,
  });
  const hasSeeds = c.DMP_DIRECTORY_SEEDS.length > 0 || c.DMP_DIRECTORY_SEED_URLS.length > 0;
  if (!c.DMP_DIRECTORY_ENABLED || !hasSeeds || dohUrls.length === 0) return undefined;
  let running: Promise<CrawlReport | undefined> | undefined;
  const once = async (): Promise<CrawlReport | undefined> => {
    try {
      const report = await runCrawl({
        client: deps.client,
        logger: deps.logger,
        seeds: c.DMP_DIRECTORY_SEEDS,
        seedUrls: c.DMP_DIRECTORY_SEED_URLS,
        dohUrls,
        maxDepth: c.DMP_DIRECTORY_MAX_DEPTH,
        maxZones: c.DMP_DIRECTORY_MAX_ZONES,
        limits: seenLimits(c),
        tsSkewSeconds: c.DMP_DIRECTORY_INGEST_SKEW_SECONDS,
        now: Math.floor(deps.clock() / 1000),
        fetch: deps.fetch,
      });
      deps.logger.info("directory crawl done", {
        zones: report.zones.length,
        accepted: report.accepted,
        refused: report.refused,
        stored: report.stored,
        edges: report.edges,
        failures: report.failures.length,
        first_failure: report.failures[0]
          ? `${report.failures[0].zone}: ${report.failures[0].reason}`
          : undefined,
      });
      return report;
    } catch (e) {
      deps.logger.warn("directory crawl failed", { error: String((e as Error)?.message ?? e) });
      return undefined;
    }
  };
  return {
    intervalSeconds: c.DMP_DIRECTORY_CRAWL_INTERVAL_SECONDS,
    // One crawl at a time per process: a slow crawl is not overlapped by the next tick.
    run() {
      running ??= once().finally(() => running = undefined);
      return running;
    },
  };
}

/**
 * Runs the crawl now and then every `intervalSeconds` (Node, Deno).
 *
 * @param crawler the crawler
 * @returns a function that stops the timer (a crawl in flight is abandoned:
 *   it writes in one batch at its end, so stopping never leaves half a crawl)
 */
export function startCrawlTimer(crawler: DirectoryCrawler): () => void {
  crawler.run();
  const timer = setInterval(() => crawler.run(), crawler.intervalSeconds * 1000);
  return () => clearInterval(timer);
}
