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
import { ConfigError } from "../../../packages/core/config/env.ts";
import { startCrawlTimer } from "../crawl/mod.ts";
import { bootEdge } from "./_boot_server.ts";

function writeLine(line: string): void {
  process.stdout.write(line + "\n");
}

async function main(): Promise<void> {
  const { config, app, crawler } = await bootEdge(process.env, {
    writeLine,
    peerAddress: (c) => getConnInfo(c).remote.address,
  });
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
