/**
 * The edge API as one Hono app (issue 4): web-standard Request in, Response
 * out, so the same app runs on Deno, Node and Cloudflare Workers; each
 * adapter in `adapters/` only turns its environment into {@linkcode AppDeps}.
 * No protocol state lives in memory between requests: challenges, buckets,
 * tokens and keys are all in libSQL.
 *
 * Errors: routes answer `{"error": "..."}` naming the field; an unreachable
 * store is 503 JSON; anything unexpected is 500 `{"error":"internal error"}`
 * with the details only in the log.
 *
 * @module
 */

import { Hono } from "hono";
import { type AppDeps, resolveDeps } from "./app_deps.ts";
import { isStoreUnavailable } from "./store_errors.ts";
import { adminRoutes } from "./routes/admin/mod.ts";
import { dashboardRoutes } from "./routes/dashboard/mod.ts";
import { heartbeatRoutes } from "./routes/heartbeat/mod.ts";
import { landingRoutes } from "./routes/landing/mod.ts";
import { nodesRoutes } from "./routes/nodes/mod.ts";
import { opsRoutes } from "./routes/ops/mod.ts";
import { recordsRoutes } from "./routes/records/mod.ts";
import { registrationRoutes } from "./routes/registration/mod.ts";
import { sharedJournalHeadWatch, syncRoutes } from "./routes/sync/mod.ts";
import { kickOnWrites } from "./routes/sync/journal_head_watch.ts";

export type { AppDeps } from "./app_deps.ts";

/**
 * Builds the edge app. Throws `ConfigError` for settings that cannot work
 * (e.g. registration without a challenge secret).
 *
 * @param deps store, config, clock, randomness, logger, metrics, peer address
 * @returns the Hono app; call `app.fetch(request, env)`
 */
export function createApp(deps: AppDeps): Hono {
  // One journal-head reader for the change signal's held requests; writes through this edge
  // wake it at once (routes/sync/journal_head_watch.ts).
  const journalHead = sharedJournalHeadWatch(deps.client);
  const d = resolveDeps(
    journalHead ? { ...deps, client: kickOnWrites(deps.client, journalHead) } : deps,
  );
  const log = deps.logger;
  const app = new Hono({ strict: false });

  // Brief §1.4: every request counts in dmp_http_requests_total{method,status}.
  app.use("*", async (c, next) => {
    // The overview's request rates by route class (a fixed set: a path cannot add one).
    d.requestRates.record(c.req.path, d.clock() / 1000);
    await next();
    d.metrics.inc("dmp_http_requests_total", {
      method: c.req.method,
      status: String(c.res.status),
    });
  });

  app.route("/", landingRoutes(d));
  app.route("/", opsRoutes(d));
  app.route("/", registrationRoutes(d));
  app.route("/", recordsRoutes(d));
  app.route("/", adminRoutes(d));
  app.route("/", dashboardRoutes(d));
  app.route("/", heartbeatRoutes(d));
  app.route("/", nodesRoutes(d));
  app.route("/", syncRoutes(d, journalHead));

  app.notFound((c) => c.json({ error: "not found" }, 404));
  app.onError((e, c) => {
    if (isStoreUnavailable(e)) {
      log.warn("store unavailable", { path: c.req.path, error: String(e.message) });
      return c.json({ error: "store unavailable" }, 503);
    }
    log.error("unexpected error", { path: c.req.path, error: String(e.stack ?? e.message) });
    return c.json({ error: "internal error" }, 500);
  });
  return app;
}
