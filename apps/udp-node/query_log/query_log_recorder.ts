/**
 * What the DNS service calls for a query the sampler picked (issue 14):
 * {@linkcode QueryLogRecorder.record} reads the question from the request
 * and the rcode from the answer, reduces the client address to its network
 * (`net/client_prefix.ts`: /24 or /48, never the address) and pushes one
 * sample into the ring. Only sampled queries get here, so the decoding done
 * here costs the hot path nothing.
 *
 * @module
 */

import { clientPrefix } from "../../../packages/core/net/client_prefix.ts";
import { capText, QUERY_LOG_NAME_MAX } from "../../../packages/core/store/query_log.ts";
import { LIMIT } from "../../../packages/core/wire/constants.ts";
import { decodeName } from "../../../packages/core/wire/name.ts";
import type { StreamEdns } from "../../../packages/core/wire/edns.ts";
import { QueryRing } from "./query_ring.ts";
import { QuerySampler, type QuerySamplerOptions } from "./query_sampler.ts";

/** The question of a request: presentation name (lower-cased) and type; "" and -1 when unreadable. */
export function readQuestion(request: Uint8Array): { name: string; qtype: number } {
  const qdcount = request.length >= LIMIT.HEADER ? (request[4] << 8) | request[5] : 0;
  if (qdcount === 0) return { name: "", qtype: -1 };
  const d = decodeName(request, LIMIT.HEADER);
  if (!d.ok) return { name: "", qtype: -1 };
  const qtype = d.end + 2 <= request.length ? (request[d.end] << 8) | request[d.end + 1] : -1;
  return { name: capText(d.name.toLowerCase() || ".", QUERY_LOG_NAME_MAX), qtype };
}

/**
 * The transport a query came over, from what the listener passed: UDP has
 * `tcp` false; TCP and DoT pass their stream settings (DoT pads, RFC 8467);
 * DoH passes none.
 */
export function transportName(tcp: boolean, stream: StreamEdns | undefined): string {
  if (!tcp) return "udp";
  if (stream === undefined) return "doh";
  return stream.padBlock > 0 ? "dot" : "tcp";
}

/** Sampler plus ring: the node's query log. */
export class QueryLogRecorder {
  readonly ring: QueryRing;
  #sampler: QuerySampler;

  constructor(options: QuerySamplerOptions & { capacity: number }) {
    this.ring = new QueryRing(options.capacity);
    this.#sampler = new QuerySampler(options);
  }

  /** Whether the query arriving now is sampled (the hot path's only call). */
  sample(nowSeconds: number): boolean {
    return this.#sampler.take(nowSeconds);
  }

  /**
   * Records one sampled query.
   *
   * @param q the question (read before an async answer, whose request buffer may be reused),
   *   the outcome label, the answer (null = none sent), latency, transport and client address
   */
  record(q: {
    question: { name: string; qtype: number };
    outcome: string;
    response: Uint8Array | null;
    latencyUs: number;
    transport: string;
    remoteAddress: string;
    nowMs: number;
  }): void {
    const r = q.response;
    this.ring.push({
      tsMs: Math.floor(q.nowMs),
      name: q.question.name,
      qtype: q.question.qtype,
      outcome: q.outcome || "unknown",
      // RFC 1035 §4.1.1: RCODE is the low four bits of the fourth header byte.
      rcode: r !== null && r.length >= LIMIT.HEADER ? r[3] & 0x0f : -1,
      latencyUs: Math.max(0, Math.round(q.latencyUs)),
      transport: q.transport,
      client: clientPrefix(q.remoteAddress),
    });
  }
}
