/**
 * The directory's read side (brief §4.6, §4.7, §4.10; issue 6):
 *
 * | route                         | shape                                                  |
 * | ----------------------------- | ------------------------------------------------------ |
 * | `GET /v1/nodes/seen`          | the reference's legacy JSON (§4.7), ≤ 500, newest first |
 * | `GET /v1/directory/feed.json` | the aggregator's version-2 feed (§4.10) with seen edges |
 * | `GET /nodes`                  | the HTML directory page (`nodes_page.tsx`)             |
 *
 * All three share the reference's per-IP "seen" bucket (5/s, burst 60) and
 * are cacheable for a minute: the crawl refreshes the data every few minutes
 * at most, so a short shared-cache lifetime costs nothing in freshness.
 * Served only with DMP_DIRECTORY_ENABLED (else 404, as the reference since
 * 0.5.0 and as its legacy routes with heartbeats disabled). Deviations: the edge is an aggregator, not a node, so `self` carries no
 * operator key; `geo`/`host` are null and `resolvers` is empty (no
 * third-party geolocation, no resolver probing); rows are shown as verified
 * when stored rather than re-verified on every request.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import {
  listRecentHeartbeats,
  listSeenEdges,
  SEEN_EDGES_RETENTION_SECONDS,
} from "../../../../packages/core/store/heartbeats_seen.ts";
import type { ResolvedDeps } from "../../app_deps.ts";
import { clientAddress } from "../../client_address.ts";
import { allowRequest } from "../../middleware/rate_limit/mod.ts";
import { FILTER_SCRIPT, PAGE_STYLE, renderNodesPage } from "./nodes_page.tsx";

/** Reference seen bucket (brief §4.7): 5 per second, burst 60. */
const SEEN_RATE = 5;
const SEEN_BURST = 60;
/** Rows listed by `/v1/nodes/seen` and `/nodes` (brief §4.6, §4.7). */
const LIST_LIMIT = 500;
/** Rows and edges in the feed. */
const FEED_NODE_LIMIT = 1000;
const FEED_EDGE_LIMIT = 5000;
const CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=60";

async function sha256Base64(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let bin = "";
  for (const b of new Uint8Array(d)) bin += String.fromCharCode(b);
  return btoa(bin);
}

let cspPromise: Promise<string> | undefined;

/** The page's CSP: nothing external; only our own inline style and script, by hash. */
function pageCsp(): Promise<string> {
  cspPromise ??= Promise.all([sha256Base64(PAGE_STYLE), sha256Base64(FILTER_SCRIPT)]).then((
    [style, script],
  ) =>
    [
      "default-src 'none'",
      `style-src 'sha256-${style}'`,
      `script-src 'sha256-${script}'`,
      "img-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; ")
  );
  return cspPromise;
}

/**
 * Builds the directory read routes.
 *
 * @param deps the app dependencies
 * @returns a Hono app to mount at the root
 */
export function nodesRoutes(deps: ResolvedDeps): Hono {
  const app = new Hono();
  // Off by default: the current reference answers 404 here (brief §4.7).
  if (!deps.config.DMP_DIRECTORY_ENABLED) return app;

  async function limited(c: Context): Promise<Response | undefined> {
    const ok = await allowRequest(deps, {
      key: `seen:${clientAddress(c, deps)}`,
      rate: SEEN_RATE,
      burst: SEEN_BURST,
    });
    return ok ? undefined : c.json({ error: "rate limit exceeded" }, 429);
  }

  app.get("/v1/nodes/seen", async (c) => {
    const refused = await limited(c);
    if (refused) return refused;
    const rows = await listRecentHeartbeats(deps.client, {
      now: deps.nowSeconds(),
      limit: LIST_LIMIT,
    });
    c.header("cache-control", CACHE_CONTROL);
    return c.json({
      version: 1,
      self: {
        endpoint: deps.config.DMP_NODE_HOSTNAME ? `https://${deps.config.DMP_NODE_HOSTNAME}` : "",
        operator_spk_hex: "",
        enabled: true,
      },
      seen: rows.map((r) => ({ wire: r.wire })),
    });
  });

  app.get("/v1/directory/feed.json", async (c) => {
    const refused = await limited(c);
    if (refused) return refused;
    const now = deps.nowSeconds();
    const [rows, edges] = await Promise.all([
      listRecentHeartbeats(deps.client, { now, limit: FEED_NODE_LIMIT }),
      listSeenEdges(deps.client, {
        limit: FEED_EDGE_LIMIT,
        since: now - SEEN_EDGES_RETENTION_SECONDS,
      }),
    ]);
    c.header("cache-control", CACHE_CONTROL);
    c.header("access-control-allow-origin", "*");
    return c.json({
      version: 2,
      generated_at: now,
      node_count: rows.length,
      nodes: rows.map((r) => ({
        operator_spk_hex: r.operatorSpkHex,
        endpoint: r.endpoint,
        version: r.version,
        ts: r.ts,
        exp: r.exp,
        wire: r.wire,
        last_seen_via: r.viaZones,
        geo: null,
        host: null,
      })),
      seen_edges: edges.map((e) => ({
        from_spk: e.fromSpk,
        to_spk: e.toSpk,
        last_seen_ts: e.lastSeenTs,
      })),
      resolvers: [],
    });
  });

  app.get("/nodes", async (c) => {
    const refused = await limited(c);
    if (refused) return refused;
    const now = deps.nowSeconds();
    const [rows, edges] = await Promise.all([
      listRecentHeartbeats(deps.client, { now, limit: LIST_LIMIT }),
      listSeenEdges(deps.client, { limit: FEED_EDGE_LIMIT, since: now - 86400 }),
    ]);
    return c.html(renderNodesPage({ rows, edges, now }), 200, {
      "cache-control": CACHE_CONTROL,
      "content-security-policy": await pageCsp(),
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
  });

  return app;
}
