/**
 * Cloudflare Workers entry point (`export default { fetch }`): the Workers
 * env binding → config → `@libsql/client/web` over HTTP(S) → app. The app is
 * built once per isolate and env (configuration only; no protocol state is
 * kept between requests). The schema must already be migrated (run any
 * `dmp` command or a Node/Deno edge against the database first).
 *
 * The directory crawl runs from the `scheduled` handler (a cron trigger in
 * `wrangler.toml`) when seeds and DoH resolvers are configured.
 *
 * The client address is `CF-Connecting-IP`, which Cloudflare's edge sets
 * itself; `DMP_TRUSTED_PROXY_HEADER` still overrides it when configured.
 *
 * @module
 */

import type { ExecutionContext, Hono } from "hono";
import { createClient } from "@libsql/client/web";
import { ConfigError, loadConfig } from "../../../packages/core/config/env.ts";
import { createLogger } from "../../../packages/core/log/logger.ts";
import { MetricsRegistry } from "../../../packages/core/metrics/catalog.ts";
import { createApp } from "../app.ts";
import { createDirectoryCrawler, type DirectoryCrawler } from "../crawl/mod.ts";
import { assertBindAllowed } from "../auth_mode.ts";

type Built =
  | { env: unknown; app: Hono; crawler: DirectoryCrawler | undefined }
  | { env: unknown; error: string };

let built: Built | undefined;

function writeLine(line: string): void {
  // deno-lint-ignore no-console
  console.log(line);
}

function build(env: Record<string, unknown>): Built {
  const strings: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === "string") strings[k] = v;
  try {
    const config = loadConfig(strings);
    assertBindAllowed(config, undefined); // Workers are always public (brief §1.1).
    if (!config.DMP_DB_URL) {
      throw new ConfigError(
        "Cannot start: DMP_DB_URL (http(s):// or libsql://) is required on Workers",
      );
    }
    const client = createClient({ url: config.DMP_DB_URL, authToken: config.DMP_DB_AUTH_TOKEN });
    const logger = createLogger({
      name: "dmp.edge",
      level: config.DMP_LOG_LEVEL,
      format: config.DMP_LOG_FORMAT,
      sink: writeLine,
    });
    const app = createApp({
      client,
      config,
      clock: Date.now,
      logger,
      metrics: new MetricsRegistry(),
      peerAddress: (c) => c.req.header("cf-connecting-ip"),
    });
    const crawler = createDirectoryCrawler({ client, config, logger, clock: Date.now });
    return { env, app, crawler };
  } catch (e) {
    const msg = e instanceof ConfigError ? e.message : "Cannot start: internal error";
    writeLine(
      `edge-api: ${e instanceof ConfigError ? e.message : String((e as Error)?.stack ?? e)}`,
    );
    return { env, error: msg };
  }
}

export default {
  /** The Workers fetch handler. */
  fetch(
    request: Request,
    env: Record<string, unknown>,
    ctx: ExecutionContext,
  ): Response | Promise<Response> {
    if (!built || built.env !== env) built = build(env);
    if ("error" in built) return Response.json({ error: built.error }, { status: 500 });
    return built.app.fetch(request, env, ctx);
  },
  /** The Workers cron trigger: one directory crawl (issue 6). */
  scheduled(
    _controller: { cron: string; scheduledTime: number },
    env: Record<string, unknown>,
    ctx: ExecutionContext,
  ): void {
    if (!built || built.env !== env) built = build(env);
    if ("error" in built || !built.crawler) return;
    ctx.waitUntil(built.crawler.run());
  },
};
