/**
 * `/health`, `/stats`, `/metrics` (brief §1.4 route table, §1.9).
 *
 * @module
 */

import { Hono } from "hono";
import { operatorToken } from "../../../../packages/core/config/env.ts";
import { countLiveRecords } from "../../../../packages/core/store/records.ts";
import type { ResolvedDeps } from "../../app_deps.ts";
import { isOperator } from "../../middleware/operator_token/mod.ts";

/**
 * Builds the ops sub-app.
 *
 * @param deps the app dependencies
 * @returns a Hono app to mount at the root
 */
export function opsRoutes(deps: ResolvedDeps): Hono {
  const app = new Hono();
  const token = operatorToken(deps.config);

  // Open; a real store read; 503 when the store is unreachable (brief §1.4).
  app.get("/health", async (c) => {
    try {
      await deps.client.execute("SELECT count(*) AS n FROM zones");
      return c.json({ status: "ok" });
    } catch (e) {
      deps.logger.warn("health check failed", { error: String((e as Error)?.message ?? e) });
      return c.json({ status: "degraded", store: "unreachable" }, 503);
    }
  });

  app.get("/stats", async (c) => {
    return c.json({ records: await countLiveRecords(deps.client, deps.nowSeconds()) });
  });

  // Operator token when one is configured (brief §1.4, §1.9).
  app.get("/metrics", async (c) => {
    if (token && !isOperator(c, token)) return c.json({ error: "unauthorized" }, 401);
    deps.metrics.set("dmp_records", await countLiveRecords(deps.client, deps.nowSeconds()));
    return c.body(deps.metrics.render(), 200, { "content-type": "text/plain; version=0.0.4" });
  });

  return app;
}
