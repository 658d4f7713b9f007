/**
 * `GET /v1/sync/journal-head?after=N` (issue 15 item 6): the change signal
 * the udp-nodes long-poll so a write is answered everywhere at once rather
 * than at each node's next replica poll.
 *
 * The route watches the primary's change journal, so it covers every writer
 * (this edge, a node applying a DNS UPDATE, the `dmp` CLI): it answers
 * `{"head": H}` as soon as the journal head H is above `after`, else holds
 * the request for DMP_SYNC_SIGNAL_WAIT seconds, reading the head every
 * {@linkcode CHECK_INTERVAL_MS}, and then answers the unchanged head (the
 * node asks again). Each request reads on its own, with no state shared
 * between requests, so the route works unchanged on Workers, where I/O may
 * not cross request contexts.
 *
 * Order: bearer token (DMP_SYNC_SIGNAL_TOKEN or the operator token, compared
 * in constant time) else 401 → `after` (a non-negative integer) else 400
 * naming it → at most DMP_SYNC_SIGNAL_MAX_WAITERS requests in progress per
 * process, else 503 → 200. Without either token configured the route is 404: a held
 * connection per anonymous caller would be a free way to exhaust the edge.
 *
 * @module
 */

import { Hono } from "hono";
import { operatorToken } from "../../../../packages/core/config/env.ts";
import { timingSafeEqual } from "../../../../packages/core/crypto/timing_safe_equal.ts";
import { readJournalHead } from "../../../../packages/core/store/records.ts";
import type { ResolvedDeps } from "../../app_deps.ts";
import { bearerToken } from "../../middleware/operator_token/mod.ts";
import { JournalHeadWatch } from "./journal_head_watch.ts";
import type { SqlClient } from "../../../../packages/core/store/sql_client.ts";

/**
 * How often the edge reads the journal head while requests are held: one indexed MAX() per
 * interval for all of them (journal_head_watch.ts). 25 ms costs the primary 40 reads/s per
 * edge process whatever the number of nodes held; before the shared reader, 50 ms per held
 * request cost 20 reads/s per node.
 */
export const CHECK_INTERVAL_MS = 25;

/**
 * The interval on Cloudflare Workers, where each held request reads for itself (see
 * {@linkcode syncRoutes}), so each costs the primary its own reads.
 */
export const WORKERS_CHECK_INTERVAL_MS = 50;

/** A journal sequence number as the query string carries it (at most 2^53 - 1). */
const AFTER = /^\d{1,16}$/;

/**
 * The edge process's one journal-head reader (journal_head_watch.ts), or undefined on
 * Cloudflare Workers: there a request's I/O belongs to that request, so a read loop started
 * by one request must not go on serving others after it has answered; each held request
 * reads for itself there.
 */
export function sharedJournalHeadWatch(client: SqlClient): JournalHeadWatch | undefined {
  if (globalThis.navigator?.userAgent === "Cloudflare-Workers") return undefined;
  return new JournalHeadWatch(() => readJournalHead(client), CHECK_INTERVAL_MS);
}

/**
 * Builds the sync sub-app.
 *
 * @param deps the app dependencies
 * @param shared the process's journal-head reader ({@linkcode sharedJournalHeadWatch});
 *   without one each held request reads for itself
 * @returns a Hono app to mount at the root
 */
export function syncRoutes(deps: ResolvedDeps, shared?: JournalHeadWatch): Hono {
  const app = new Hono();
  const tokens = [deps.config.DMP_SYNC_SIGNAL_TOKEN, operatorToken(deps.config)].filter(
    (t): t is string => !!t,
  );
  if (tokens.length === 0) return app;
  const waitMs = deps.config.DMP_SYNC_SIGNAL_WAIT * 1000;
  const maxWaiters = deps.config.DMP_SYNC_SIGNAL_MAX_WAITERS;
  let waiters = 0;
  const read = () => readJournalHead(deps.client);

  app.get("/v1/sync/journal-head", async (c) => {
    c.header("cache-control", "no-store");
    const presented = bearerToken(c);
    // Every configured token is compared, so the time taken does not tell which one matched.
    let ok = false;
    for (const t of tokens) ok = timingSafeEqual(presented, t) || ok;
    if (!ok) return c.json({ error: "unauthorized" }, 401);
    const afterText = c.req.query("after") ?? "";
    const after = AFTER.test(afterText) ? Number(afterText) : NaN;
    if (!Number.isSafeInteger(after)) {
      return c.json({ error: "after (a non-negative integer journal sequence) required" }, 400);
    }
    // Counted from the first read on (synchronously, so concurrent requests cannot all slip in).
    if (waiters >= maxWaiters) {
      return c.json({ error: "too many journal-head waiters; retry later" }, 503);
    }
    waiters++;
    let head: number;
    // The hold ends at the deadline or when the node hangs up, whichever comes first.
    const hold = new AbortController();
    const timer = setTimeout(() => hold.abort(), waitMs);
    const hangUp = () => hold.abort();
    c.req.raw.signal.addEventListener("abort", hangUp, { once: true });
    try {
      const watch = shared ?? new JournalHeadWatch(read, WORKERS_CHECK_INTERVAL_MS);
      head = await watch.waitPast(after, hold.signal);
    } finally {
      clearTimeout(timer);
      c.req.raw.signal.removeEventListener("abort", hangUp);
      waiters--;
    }
    return c.json({ head });
  });
  return app;
}
