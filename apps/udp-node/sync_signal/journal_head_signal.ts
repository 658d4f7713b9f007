/**
 * The node's side of the change signal (issue 15 item 6): long-polls the
 * edge's `GET /v1/sync/journal-head?after=N` (DMP_SYNC_SIGNAL_URL) and calls
 * `onChange` as soon as the primary's journal head passes what the node has
 * applied, so the sync loop pulls the replica at once instead of at its next
 * poll. The poll (DMP_DB_SYNC_INTERVAL) stays the fallback: when the edge is
 * unreachable or answers an error, nothing is lost, writes are only seen at
 * poll speed, and the subscriber retries with a capped backoff.
 *
 * `after` is the larger of the applied sequence and the last head signalled,
 * so a node that cannot reach a head (its replica sync failing) is not woken
 * again for the same head in a loop.
 *
 * @module
 */

import { readCappedBody } from "../../../packages/core/http/capped_body.ts";
import type { Logger } from "../../../packages/core/log/logger.ts";
import type { MetricsRegistry } from "../../../packages/core/metrics/catalog.ts";

/** Backoff after a failed long-poll: doubles from the first to the last. */
const BACKOFF_MS = [250, 30_000] as const;
/** A long-poll answer is at most this long (`{"head": N}` is ~30 bytes). */
const MAX_BODY_BYTES = 1024;
/** Extra time over the edge's hold before a long-poll is given up as hung. */
const HOLD_MARGIN_MS = 10_000;

/** Settings of {@linkcode JournalHeadSignal}. */
export interface JournalHeadSignalOptions {
  /** the edge's journal-head URL */
  url: string;
  /** bearer token (DMP_SYNC_SIGNAL_TOKEN, else the operator token) */
  token: string | undefined;
  /** the journal sequence the node has applied */
  appliedSeq: () => number;
  /** called when the head moved past `appliedSeq` */
  onChange: () => void;
  logger: Logger;
  metrics: MetricsRegistry;
  /** the longest the edge holds a request (its DMP_SYNC_SIGNAL_WAIT ≤ 55 s) */
  maxHoldMs?: number;
}

/** A running subscription; {@linkcode JournalHeadSignal.stop} ends it. */
export class JournalHeadSignal {
  #o: JournalHeadSignalOptions;
  #stopped = false;
  #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #signalled = 0;

  /** @param options where to poll and whom to tell */
  constructor(options: JournalHeadSignalOptions) {
    this.#o = options;
  }

  /** Starts long-polling in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops at once (an outstanding long-poll is aborted). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    let failures = 0;
    let warned = false;
    while (!this.#stopped) {
      try {
        const after = Math.max(this.#o.appliedSeq(), this.#signalled);
        const head = await this.#poll(after);
        if (failures > 0 && warned) this.#o.logger.info("change signal reachable again");
        failures = 0;
        warned = false;
        if (head > after) {
          this.#signalled = head;
          this.#o.metrics.inc("dmp_sync_signals_total", { result: "changed" });
          this.#o.logger.debug("change signalled", { head, after });
          this.#o.onChange();
        } else {
          this.#o.metrics.inc("dmp_sync_signals_total", { result: "unchanged" });
        }
      } catch (e) {
        if (this.#stopped) return;
        this.#o.metrics.inc("dmp_sync_signals_total", { result: "error" });
        failures++;
        // One warning per outage, not one per retry.
        if (!warned) {
          this.#o.logger.warn("change signal failed; syncing at the poll interval meanwhile", {
            error: String((e as Error)?.message ?? e).slice(0, 200),
          });
          warned = true;
        }
        const delay = Math.min(BACKOFF_MS[0] * 2 ** (failures - 1), BACKOFF_MS[1]);
        await this.#sleep(delay);
      }
    }
  }

  /** One long-poll: the head the edge answered. */
  async #poll(after: number): Promise<number> {
    const url = new URL(this.#o.url);
    url.searchParams.set("after", String(after));
    const hung = AbortSignal.timeout((this.#o.maxHoldMs ?? 55_000) + HOLD_MARGIN_MS);
    const r = await fetch(url, {
      headers: this.#o.token ? { authorization: `Bearer ${this.#o.token}` } : {},
      signal: AbortSignal.any([this.#abort.signal, hung]),
      redirect: "error",
    });
    const text = await readBounded(r);
    if (r.status !== 200) throw new Error(`HTTP ${r.status} from the change signal`);
    const head = (JSON.parse(text) as { head?: unknown }).head;
    if (typeof head !== "number" || !Number.isSafeInteger(head) || head < 0) {
      throw new Error("change signal answer has no head");
    }
    return head;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#abort.signal.addEventListener("abort", () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
  }
}

/** The body as text, refused past {@linkcode MAX_BODY_BYTES} (read no further). */
async function readBounded(r: Response): Promise<string> {
  const body = await readCappedBody(r, MAX_BODY_BYTES);
  if (body === null) throw new Error("change signal answer too large");
  return new TextDecoder().decode(body);
}
