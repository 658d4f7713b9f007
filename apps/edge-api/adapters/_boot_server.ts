/**
 * What the two long-running entry points (Deno, Node) do alike: env → config
 * → libSQL client (file databases in WAL with a busy timeout) → migrate → app
 * and directory crawler. Each adapter adds only its server and its way of
 * reading the peer address. Private to `adapters/`.
 *
 * @module
 */

import { createClient } from "@libsql/client";
import type { Context, Hono } from "hono";
import { type Config, loadConfig } from "../../../packages/core/config/env.ts";
import { createLogger, type Logger } from "../../../packages/core/log/logger.ts";
import { MetricsRegistry } from "../../../packages/core/metrics/catalog.ts";
import { migrate } from "../../../packages/core/store/migrate.ts";
import { prepareFileDatabase } from "../../../packages/core/store/file_database.ts";
import { createApp } from "../app.ts";
import { assertBindAllowed } from "../auth_mode.ts";
import { createDirectoryCrawler, type DirectoryCrawler } from "../crawl/mod.ts";
import { edgeDatabaseUrl } from "../db_url.ts";

/** The booted pieces an adapter serves. */
export interface BootedEdge {
  config: Config;
  logger: Logger;
  app: Hono;
  crawler: DirectoryCrawler | undefined;
}

/** Boots the edge app from an environment record. */
export async function bootEdge(
  env: Record<string, string | undefined>,
  options: { writeLine: (line: string) => void; peerAddress: (c: Context) => string | undefined },
): Promise<BootedEdge> {
  const config = loadConfig(env);
  assertBindAllowed(config, config.DMP_HTTP_HOST);
  const logger = createLogger({
    name: "dmp.edge",
    level: config.DMP_LOG_LEVEL,
    format: config.DMP_LOG_FORMAT,
    sink: options.writeLine,
  });
  const url = edgeDatabaseUrl(config);
  const client = createClient({ url, authToken: config.DMP_DB_AUTH_TOKEN });
  // Several local processes may share a file database (the local stack): WAL + busy timeout.
  if (url.startsWith("file:")) await prepareFileDatabase(client);
  await migrate(client);
  const app = createApp({
    client,
    config,
    clock: Date.now,
    logger,
    metrics: new MetricsRegistry(),
    peerAddress: options.peerAddress,
  });
  const crawler = createDirectoryCrawler({ client, config, logger, clock: Date.now });
  return { config, logger, app, crawler };
}
