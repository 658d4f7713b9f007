/**
 * The node's small HTTP listener: `/health` (open; does a real store read),
 * `/metrics` (Prometheus text; operator token when one is set). A Hono app,
 * served by @hono/node-server on Node and Deno alike.
 *
 * @module
 */

import { Hono } from "hono";
import { serve } from "@hono/node-server";
import type { MetricsRegistry } from "../../packages/core/metrics/catalog.ts";
import type { SqlClient } from "../../packages/core/store/sql_client.ts";
import { timingSafeEqual } from "../../packages/core/crypto/timing_safe_equal.ts";
import { bearerCredentials } from "../../packages/core/http/bearer_credentials.ts";

/** Dependencies of the ops app. */
export interface OpsDeps {
  client: SqlClient;
  metrics: MetricsRegistry;
  operatorToken?: string;
  /** extra routes (DoH) mounted by the node */
  extend?: (app: Hono) => void;
}

/** Builds the ops Hono app. */
export function createOpsApp(deps: OpsDeps): Hono {
  const app = new Hono();
  app.get("/health", async (c) => {
    try {
      await deps.client.execute("SELECT 1");
      return c.json({ status: "ok" });
    } catch (e) {
      return c.json(
        { status: "degraded", store: String((e as Error).message ?? e).slice(0, 200) },
        503,
      );
    }
  });
  app.get("/metrics", (c) => {
    if (deps.operatorToken) {
      const given = bearerCredentials(c.req.header("authorization"));
      if (!timingSafeEqual(given, deps.operatorToken)) {
        return c.json({ error: "unauthorized" }, 401);
      }
    }
    return c.body(deps.metrics.render(), 200, { "content-type": "text/plain; version=0.0.4" });
  });
  deps.extend?.(app);
  app.notFound((c) => c.json({ error: "not found" }, 404));
  return app;
}

/** Serves the ops app; resolves with the bound port and a close function. */
export function serveOps(
  app: Hono,
  host: string,
  port: number,
): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
      resolve({
        port: info.port,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
    server.once("error", reject);
  });
}
