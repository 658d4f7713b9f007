/**
 * The node's DNS message handler shared by every transport: rate limit →
 * synchronous query path → response rate limiting (UDP only: TCP and DoH
 * peers cannot be spoofed) → (async, after the queries: `pipeline/query_first_lane.ts`)
 * UPDATE / TSIG path, or the transfer path
 * (AXFR, IXFR, NOTIFY; streamed over TCP by {@linkcode DnsService.stream}) →
 * metrics. Returns the
 * response bytes, null to drop, or a promise for the async path only, so
 * queries are answered without a promise or closure per packet.
 *
 * @module
 */

import type { MetricsRegistry } from "../../packages/core/metrics/catalog.ts";
import { TokenBucketTable } from "../../packages/core/rate_limit/token_bucket_table.ts";
import {
  RESPONSE_CLASS_NAMES,
  ResponseRateLimiter,
  type ResponseRateLimiterOptions,
  RRL_VERDICT,
} from "../../packages/core/rate_limit/response_rate_limiter.ts";
import type { ZoneIndex } from "../../packages/core/zone/zone_index.ts";
import type { Logger } from "../../packages/core/log/logger.ts";
import type { StreamEdns } from "../../packages/core/wire/edns.ts";
import { answerQuery, type QuerySettings } from "./pipeline/answer_query.ts";
import { slipResponse } from "./pipeline/slip_response.ts";
import { isNodataResponse } from "../../packages/core/wire/nodata_response.ts";
import type { TransferHandler } from "./transfer/transfer_handler.ts";
import type { QueryFirstLane } from "./pipeline/query_first_lane.ts";
import {
  type QueryLogRecorder,
  readQuestion,
  transportName,
} from "./query_log/query_log_recorder.ts";

/** Handles the async path (UPDATE and TSIG-signed messages). */
export type AsyncHandler = (
  request: Uint8Array,
  ctx: { tcp: boolean; remoteAddress: string; now: number },
) => Promise<{ bytes: Uint8Array | null; outcome: string; rrl?: { class: number; name: number } }>;

/**
 * A DO=1 answer already signed and cached (`pipeline/signed_answer_cache.ts`),
 * answered synchronously as unsigned queries are; undefined sends the query
 * to the signed handler.
 */
export type CachedSignedHandler = (
  request: Uint8Array,
  ctx: { tcp: boolean; now: number },
) => { bytes: Uint8Array; outcome: string; rrl: { class: number; name: number } } | undefined;

/** Settings of the DNS service. */
export interface DnsServiceOptions {
  index: ZoneIndex;
  metrics: MetricsRegistry;
  logger: Logger;
  query: QuerySettings;
  rate: number;
  burst: number;
  maxConcurrency: number;
  /** response rate limiting of UDP answers; absent = off */
  rrl?: ResponseRateLimiterOptions;
  asyncHandler?: AsyncHandler;
  /** DO=1 answers of signed zones (`pipeline/signed_answer.ts`) */
  signedHandler?: AsyncHandler;
  /** DO=1 answers of signed zones from their cache, tried first */
  cachedSignedHandler?: CachedSignedHandler;
  /** seconds clock; injected for tests */
  clock?: () => number;
  /** the sampled query log (`query_log/`); absent = off */
  queryLog?: QueryLogRecorder;
  /** where async messages (UPDATE, TSIG-signed) wait for their turn, so queries go first */
  lane?: QueryFirstLane;
}

/** The DNS message handler. */
export class DnsService {
  #queries: (outcome: string) => void;
  #o: DnsServiceOptions;
  #udpBuckets: TokenBucketTable;
  #tcpBuckets: TokenBucketTable;
  #rrl: ResponseRateLimiter | undefined;
  /** RRL counters bound once, by class: [drop, slip] */
  #rrlCounters: [() => void, () => void][];
  #inFlight = 0;
  #clock: () => number;
  #nodata: () => void;
  /** The sampled query being answered: #count and #settle write its outcome. */
  #sample: { outcome: string } | undefined;

  constructor(options: DnsServiceOptions) {
    this.#o = options;
    // Separate UDP and TCP state (brief §1.8) so a TC=1 retry over TCP is not starved by UDP use.
    this.#udpBuckets = new TokenBucketTable({ rate: options.rate, burst: options.burst });
    this.#tcpBuckets = new TokenBucketTable({ rate: options.rate, burst: options.burst });
    this.#clock = options.clock ?? (() => Date.now() / 1000);
    const rrl = options.rrl && new ResponseRateLimiter(options.rrl);
    this.#rrl = rrl && !rrl.disabled ? rrl : undefined;
    this.#nodata = options.metrics.counter("dmp_dns_nodata_total");
    this.#queries = options.metrics.counterByLabel("dmp_dns_queries_total", "outcome");
    this.#rrlCounters = RESPONSE_CLASS_NAMES.map((cls) => [
      options.metrics.counter("dmp_dns_rrl_responses_total", { action: "drop", class: cls }),
      options.metrics.counter("dmp_dns_rrl_responses_total", { action: "slip", class: cls }),
    ]);
  }

  /** Replaces the async handler (set once UPDATE support is wired). */
  setAsyncHandler(h: AsyncHandler | undefined): void {
    this.#o.asyncHandler = h;
  }

  /**
   * Sets the handler of DO=1 queries for signed zones, and the synchronous
   * one that answers those it has cached.
   */
  setSignedHandler(h: AsyncHandler | undefined, cached?: CachedSignedHandler): void {
    this.#o.signedHandler = h;
    this.#o.cachedSignedHandler = cached;
  }

  #transfer: TransferHandler | undefined;

  /** Sets the AXFR/IXFR/NOTIFY handler (apps/udp-node/transfer/). */
  setTransferHandler(h: TransferHandler | undefined): void {
    this.#transfer = h;
  }

  /**
   * For TCP: the response messages to a zone transfer (AXFR/IXFR) or NOTIFY,
   * or null when the request is anything else (then call {@linkcode handle}).
   */
  stream(request: Uint8Array, remoteAddress: string): AsyncIterable<Uint8Array> | null {
    const h = this.#transfer;
    if (!h || !h.claims(request)) return null;
    return this.#stream(h, request, remoteAddress);
  }

  async *#stream(
    h: TransferHandler,
    request: Uint8Array,
    remoteAddress: string,
  ): AsyncGenerator<Uint8Array> {
    const now = this.#clock();
    if (!this.#tcpBuckets.take(remoteAddress, now)) {
      this.#count("rate_limited");
      return;
    }
    try {
      for await (const a of h.stream(request, { tcp: true, remoteAddress, now })) {
        if (a.outcome) this.#count(a.outcome);
        if (a.bytes) yield a.bytes;
      }
    } catch (e) {
      this.#count("internal_error");
      this.#o.logger.error("transfer handler failed", { error: String(e) });
    }
  }

  /**
   * Handles one message; see the module doc for the return shapes. `stream`
   * (TCP and DoT listeners) holds the EDNS keepalive and padding they add to
   * answers of queries that ask for them.
   */
  handle(
    request: Uint8Array,
    tcp: boolean,
    remoteAddress: string,
    stream?: StreamEdns,
  ): Uint8Array | null | Promise<Uint8Array | null> {
    const now = this.#clock();
    const log = this.#o.queryLog;
    // The query log's whole cost for a query it does not sample: one decrement and compare.
    if (log === undefined || !log.sample(now)) {
      return this.#handle(request, tcp, remoteAddress, stream, now);
    }
    return this.#handleSampled(log, request, tcp, remoteAddress, stream, now);
  }

  /** {@linkcode handle} for a sampled query: timed, and recorded once answered. */
  #handleSampled(
    log: QueryLogRecorder,
    request: Uint8Array,
    tcp: boolean,
    remoteAddress: string,
    stream: StreamEdns | undefined,
    now: number,
  ): Uint8Array | null | Promise<Uint8Array | null> {
    // Read now: an async answer may come after the listener reused the request's buffer.
    const question = readQuestion(request);
    const t0 = performance.now();
    const sample = { outcome: "" };
    this.#sample = sample;
    let r;
    try {
      r = this.#handle(request, tcp, remoteAddress, stream, now);
    } finally {
      this.#sample = undefined;
    }
    const done = (response: Uint8Array | null) =>
      log.record({
        question,
        outcome: sample.outcome,
        response,
        latencyUs: (performance.now() - t0) * 1000,
        transport: transportName(tcp, stream),
        remoteAddress,
        nowMs: now * 1000,
      });
    if (r instanceof Promise) r.then(done, () => {});
    else done(r);
    return r;
  }

  #handle(
    request: Uint8Array,
    tcp: boolean,
    remoteAddress: string,
    stream: StreamEdns | undefined,
    now: number,
  ): Uint8Array | null | Promise<Uint8Array | null> {
    const buckets = tcp ? this.#tcpBuckets : this.#udpBuckets;
    if (!buckets.take(remoteAddress, now)) {
      this.#count("rate_limited");
      return null;
    }
    let result;
    try {
      result = answerQuery(request, this.#o.index, this.#o.query, { tcp, now, stream });
    } catch (e) {
      // Last-resort guard (CoreDNS-style recover): a bug must not kill the listener.
      this.#count("internal_error");
      this.#o.logger.error("query handler failed", { error: String(e) });
      return null;
    }
    // The async paths below read the request after this call returns, and the UDP listeners
    // reuse their receive buffers: those paths take their own copy (`request.slice()`).
    const transfer = this.#transfer;
    if (
      transfer &&
      (result.kind === "async" || (result.kind === "reply" && result.outcome === "notimp")) &&
      transfer.claims(request)
    ) {
      const owned = request.slice();
      return this.#settle(() => transfer.answer(owned, { tcp, remoteAddress, now }));
    }
    if (result.kind === "reply") {
      this.#count(result.outcome);
      if (result.outcome === "noerror" && isNodataResponse(result.bytes)) this.#nodata();
      if (tcp || !this.#rrl) return result.bytes;
      return this.#limit(
        result.bytes,
        { class: result.rrlClass, name: result.rrlName },
        remoteAddress,
        now,
      );
    }
    if (result.kind === "drop") {
      this.#count(result.outcome);
      return null;
    }
    if (result.kind === "async" && result.path === "dnssec") {
      // A cached signed answer: no promise, no concurrency slot, limited like unsigned ones.
      const hit = this.#o.cachedSignedHandler?.(request, { tcp, now });
      if (hit) {
        this.#count(hit.outcome);
        if (tcp || !this.#rrl) return hit.bytes;
        return this.#limit(hit.bytes, hit.rrl, remoteAddress, now);
      }
      const signed = this.#o.signedHandler;
      if (!signed) {
        this.#count("internal_error");
        return null;
      }
      // Signed answers are the largest we send: UDP ones go through response rate limiting
      // like the synchronous path's (the handler says which class and key).
      let rrl: { class: number; name: number } | undefined;
      const owned = request.slice();
      const pending = this.#settle(async () => {
        const r = await signed(owned, { tcp, remoteAddress, now });
        rrl = r.rrl;
        return r;
      });
      if (tcp || !this.#rrl || pending === null) return pending;
      return pending.then((bytes) =>
        bytes && rrl ? this.#limit(bytes, rrl, remoteAddress, now) : bytes
      );
    }
    const handler = this.#o.asyncHandler;
    if (!handler) {
      this.#count("malformed");
      return null;
    }
    const owned = request.slice();
    const lane = this.#o.lane;
    const ctx = { tcp, remoteAddress, now };
    return this.#settle(
      lane ? () => lane.turn().then(() => handler(owned, ctx)) : () => handler(owned, ctx),
    );
  }

  /** Response rate limiting of one UDP answer: the answer, null (drop) or a TC=1 slip. */
  #limit(
    bytes: Uint8Array,
    rrl: { class: number; name: number },
    remoteAddress: string,
    now: number,
  ): Uint8Array | null {
    const verdict = this.#rrl!.check(remoteAddress, rrl.class, rrl.name, now);
    if (verdict === RRL_VERDICT.SEND) return bytes;
    if (verdict === RRL_VERDICT.DROP) {
      this.#rrlCounters[rrl.class][0]();
      return null;
    }
    this.#rrlCounters[rrl.class][1]();
    return slipResponse(bytes);
  }

  /** Counts and unwraps an async answer, bounded by maxConcurrency. */
  #settle(
    start: () => Promise<{ bytes: Uint8Array | null; outcome: string }>,
  ): Promise<Uint8Array | null> | null {
    if (this.#inFlight >= this.#o.maxConcurrency) {
      this.#count("overloaded");
      return null;
    }
    this.#inFlight++;
    // A sampled query's outcome is known only when its answer is.
    const sample = this.#sample;
    return start().then(
      (r) => {
        this.#count(r.outcome);
        if (r.outcome === "noerror" && r.bytes && isNodataResponse(r.bytes)) this.#nodata();
        if (sample !== undefined) sample.outcome = r.outcome;
        return r.bytes;
      },
      (e) => {
        this.#count("internal_error");
        if (sample !== undefined) sample.outcome = "internal_error";
        this.#o.logger.error("async handler failed", { error: String(e) });
        return null;
      },
    ).finally(() => {
      this.#inFlight--;
    });
  }

  #count(outcome: string): void {
    this.#queries(outcome);
    const sample = this.#sample;
    if (sample !== undefined) sample.outcome = outcome;
  }
}
