/**
 * `POST /v1/heartbeat` (brief §4.7, the pre-0.5.0 gossip endpoint; issue 6):
 * a node or a tool submits its signed heartbeat wire directly to the
 * directory and gets up to 10 other operators' wires back.
 *
 * Served only with DMP_DIRECTORY_ENABLED (else 404). Order: per-IP bucket 429 (the reference's submit bucket, 1/s burst 30) →
 * body `{"wire": string}` else 400 `wire (string) required` → full
 * verification (strict base64, ≤ 1200 bytes, Ed25519, `exp`, a skew of
 * DMP_DIRECTORY_INGEST_SKEW_SECONDS) else 400 `heartbeat verification
 * failed` → store, refused as the same 400 when we hold a newer wire for the
 * same (operator key, endpoint) (a replay of an older wire), 429 `heartbeat
 * quota exceeded` when it would be a new row beyond its operator key's or its
 * source /24 (/56)'s quota (issue 12 finding 11) → 200.
 * The 400 bodies are the reference's, plus a `reason` field.
 *
 * @module
 */

import { Hono } from "hono";
import { z } from "zod";
import { parseHeartbeatWire } from "../../../../packages/core/dmp/heartbeat_record.ts";
import {
  listRecentHeartbeats,
  postSource,
  seenLimits,
  storeHeartbeats,
} from "../../../../packages/core/store/heartbeats_seen.ts";
import type { ResolvedDeps } from "../../app_deps.ts";
import { clientAddress } from "../../client_address.ts";
import { bodyTooLarge, readJsonObject } from "../../json_body.ts";
import { allowRequest } from "../../middleware/rate_limit/mod.ts";

/** Reference submit bucket (brief §4.7): 1 per second, burst 30. */
const SUBMIT_RATE = 1;
const SUBMIT_BURST = 30;
/** Wires returned to the submitter (brief §4.7). */
const SEEN_RETURNED = 10;

const HeartbeatBody = z.object({ wire: z.string() });

/**
 * Builds the heartbeat sub-app.
 *
 * @param deps the app dependencies
 * @returns a Hono app to mount at the root
 */
export function heartbeatRoutes(deps: ResolvedDeps): Hono {
  const app = new Hono();
  // Off by default: the current reference answers 404 here (brief §4.7).
  if (!deps.config.DMP_DIRECTORY_ENABLED) return app;

  app.post("/v1/heartbeat", async (c) => {
    c.header("cache-control", "no-store");
    const address = clientAddress(c, deps);
    const allowed = await allowRequest(deps, {
      key: `hb:${address}`,
      rate: SUBMIT_RATE,
      burst: SUBMIT_BURST,
    });
    if (!allowed) return c.json({ error: "rate limit exceeded" }, 429);
    const body = await readJsonObject(c.req.raw);
    if (body.kind === "too_large") return c.json({ error: bodyTooLarge() }, 413);
    const parsed = body.kind === "ok" ? HeartbeatBody.safeParse(body.value) : undefined;
    if (!parsed?.success) return c.json({ error: "wire (string) required" }, 400);
    const now = deps.nowSeconds();
    const r = await parseHeartbeatWire(parsed.data.wire, {
      now,
      tsSkewSeconds: deps.config.DMP_DIRECTORY_INGEST_SKEW_SECONDS,
    });
    if (!r.ok) {
      return c.json({ error: "heartbeat verification failed", reason: r.reason }, 400);
    }
    const source = postSource(address);
    const [outcome] = await storeHeartbeats(deps.client, {
      entries: [{ heartbeat: r.record, via: [], source }],
      now,
      limits: seenLimits(deps.config),
    });
    if (outcome === "quota") {
      deps.logger.warn("heartbeat refused by quota", {
        source,
        operator: r.record.operatorSpkHex.slice(0, 16),
      });
      return c.json({
        error: "heartbeat quota exceeded",
        reason:
          "this operator key or this source network already holds the most endpoints the directory keeps",
      }, 429);
    }
    if (outcome === "stale") {
      return c.json({
        error: "heartbeat verification failed",
        reason: "older than the stored wire for this operator and endpoint",
      }, 400);
    }
    const others = await listRecentHeartbeats(deps.client, {
      now,
      limit: SEEN_RETURNED,
      excludeSpkHex: r.record.operatorSpkHex,
    });
    return c.json({
      ok: true,
      accepted_operator_spk_hex: r.record.operatorSpkHex,
      seen: others.map((o) => o.wire),
    });
  });

  return app;
}
