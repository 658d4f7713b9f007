/**
 * Cloudflare Workers entry point (`export default { fetch }`): the Workers
 * env binding → config → `@libsql/client/web` over HTTP(S) → app. The app is
 * built once per isolate and env (configuration only; no protocol state is
 * kept between requests). The schema must already be migrated (run any
 * `dmp` command or a Node/Deno edge against the database first).
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
import { assertBindAllowed } from "../auth_mode.ts";

let built: { env: unknown; app: Hono } | { env: unknown; error: string } | undefined;

function writeLine(line: string): void {
  // deno-lint-ignore no-console
  console.log(line);
}

function build(
  env: Record<string, unknown>,
): { env: unknown; app: Hono } | { env: unknown; error: string } {
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
    const app = createApp({
      client,
      config,
      clock: Date.now,
      logger: createLogger({
        name: "dmp.edge",
        level: config.DMP_LOG_LEVEL,
        format: config.DMP_LOG_FORMAT,
        sink: writeLine,
      }),
      metrics: new MetricsRegistry(),
      peerAddress: (c) => c.req.header("cf-connecting-ip"),
    });
    return { env, app };
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
};
