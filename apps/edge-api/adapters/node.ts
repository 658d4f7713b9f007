/**
 * Node entry point: `node --import tsx apps/edge-api/adapters/node.ts`.
 * process.env → config → libSQL client (embedded file or remote) → migrate →
 * app → @hono/node-server on DMP_HTTP_HOST:DMP_HTTP_PORT; the directory crawl
 * (when seeds and DoH resolvers are configured) runs on a `setInterval`.
 *
 * @module
 */

import process from "node:process";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { createClient } from "@libsql/client";
import { ConfigError, loadConfig } from "../../../packages/core/config/env.ts";
import { createLogger } from "../../../packages/core/log/logger.ts";
import { MetricsRegistry } from "../../../packages/core/metrics/catalog.ts";
import { migrate } from "../../../packages/core/store/migrate.ts";
import { prepareFileDatabase } from "../../../packages/core/store/file_database.ts";
import { createApp } from "../app.ts";
import { createDirectoryCrawler, startCrawlTimer } from "../crawl/mod.ts";
import { assertBindAllowed } from "../auth_mode.ts";
import { edgeDatabaseUrl } from "../db_url.ts";

function writeLine(line: string): void {
  process.stdout.write(line + "\n");
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  assertBindAllowed(config, config.DMP_HTTP_HOST);
  const logger = createLogger({
    name: "dmp.edge",
    level: config.DMP_LOG_LEVEL,
    format: config.DMP_LOG_FORMAT,
    sink: writeLine,
  });
  const client = createClient({
    url: edgeDatabaseUrl(config),
    authToken: config.DMP_DB_AUTH_TOKEN,
  });
  // Several local processes may share a file database (the local stack): WAL + busy timeout.
  if (edgeDatabaseUrl(config).startsWith("file:")) await prepareFileDatabase(client);
  await migrate(client);
  const app = createApp({
    client,
    config,
    clock: Date.now,
    logger,
    metrics: new MetricsRegistry(),
    peerAddress: (c) => getConnInfo(c).remote.address,
  });
  const crawler = createDirectoryCrawler({ client, config, logger, clock: Date.now });
  const server = serve(
    { fetch: app.fetch, hostname: config.DMP_HTTP_HOST, port: config.DMP_HTTP_PORT },
    (info) => writeLine(`edge-api listening on http://${config.DMP_HTTP_HOST}:${info.port}`),
  );
  const stopCrawl = crawler ? startCrawlTimer(crawler) : () => {};
  const stop = () => {
    stopCrawl();
    server.close(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((e) => {
  process.stderr.write(
    `edge-api: ${e instanceof ConfigError ? e.message : String(e?.stack ?? e)}\n`,
  );
  process.exit(1);
});
