/**
 * TXT lookups over DNS over HTTPS (RFC 8484 §4.1): one POST of an
 * `application/dns-message` query per resolver, tried in order. The edge
 * cannot send UDP, so this is how the directory reads `_dnsmesh-*` RRsets.
 *
 * Each request has a timeout and a response-size cap (a DNS message is at
 * most 65535 bytes), follows no redirects, and checks that the answer is a
 * response to our question. REFUSED, SERVFAIL, a transport error or a bad
 * answer moves on to the next resolver (an authoritative-only node refuses
 * zones it does not serve); NOERROR and NXDOMAIN are final.
 *
 * This module is browser compatible.
 * @module
 */

import { CLASS, FLAG, RCODE, TYPE } from "../../../packages/core/wire/constants.ts";
import { decodeMessage, encodeMessage } from "../../../packages/core/wire/message.ts";
import { decodeTxtValue } from "../../../packages/core/wire/rdata.ts";
import { readCappedBody } from "../../../packages/core/http/capped_body.ts";

const MEDIA_TYPE = "application/dns-message";
/** Largest DNS message (RFC 1035 §4.2.2 framing bound); bigger bodies are refused. */
export const DOH_MAX_RESPONSE_BYTES = 65535;
/** Per-request timeout. */
export const DOH_TIMEOUT_MS = 5000;

/** What a lookup gives. */
export type TxtLookup =
  | { kind: "answer"; values: string[] }
  | { kind: "nxdomain" }
  | { kind: "failed"; reason: string };

/** Options of {@linkcode queryTxtOverDoh}. */
export interface DohQueryOptions {
  /** resolvers, tried in order */
  urls: readonly URL[];
  /** most TXT values kept */
  maxValues: number;
  /** the fetch to use (the runtime's by default) */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

async function askOne(
  url: URL,
  name: string,
  options: DohQueryOptions,
): Promise<TxtLookup> {
  // RFC 8484 §4.1: "DoH clients SHOULD use a DNS ID of 0 in every DNS request".
  const query = encodeMessage({
    id: 0,
    flags: FLAG.RD,
    opcode: 0,
    rcode: 0,
    questions: [{ name, type: TYPE.TXT, class: CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: [],
  });
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(url, {
      method: "POST",
      headers: { "content-type": MEDIA_TYPE, accept: MEDIA_TYPE },
      body: query.slice(),
      // Never follow a redirect: "manual" hands us the 3xx, refused below as any non-200.
      // (Workers reject `redirect: "error"`; "manual" + the status check is the same guarantee.)
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs ?? DOH_TIMEOUT_MS),
    });
  } catch (e) {
    return { kind: "failed", reason: `fetch: ${String((e as Error)?.message ?? e).slice(0, 200)}` };
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    return { kind: "failed", reason: `http ${res.status}` };
  }
  if ((res.headers.get("content-type") ?? "").split(";")[0].trim() !== MEDIA_TYPE) {
    await res.body?.cancel();
    return { kind: "failed", reason: "not application/dns-message" };
  }
  let body: Uint8Array | null;
  try {
    body = await readCappedBody(res, DOH_MAX_RESPONSE_BYTES);
  } catch (e) {
    return { kind: "failed", reason: `read: ${(e as Error)?.name ?? "error"}` };
  }
  if (!body) return { kind: "failed", reason: "response too large" };
  const m = decodeMessage(body);
  if (!m.ok) return { kind: "failed", reason: `malformed answer: ${m.error}` };
  const msg = m.message;
  const q = msg.questions[0];
  if (
    !(msg.flags & FLAG.QR) || msg.questions.length !== 1 || q.type !== TYPE.TXT ||
    q.name.toLowerCase() !== name.toLowerCase()
  ) {
    return { kind: "failed", reason: "answer does not match the question" };
  }
  if (msg.rcode === RCODE.NXDOMAIN) return { kind: "nxdomain" };
  if (msg.rcode !== RCODE.NOERROR) return { kind: "failed", reason: `rcode ${msg.rcode}` };
  const values: string[] = [];
  for (const rr of msg.answers) {
    if (rr.type !== TYPE.TXT || rr.name.toLowerCase() !== name.toLowerCase()) continue;
    // Brief §4.4: the character-strings of one RR are concatenated into one value.
    const v = decodeTxtValue(rr.rdata);
    if (v !== null) values.push(v);
    if (values.length >= options.maxValues) break;
  }
  return { kind: "answer", values };
}

/**
 * Looks up the TXT RRset at `name` through the configured DoH resolvers.
 *
 * @param name owner name (no trailing dot)
 * @param options resolvers, value cap, fetch and timeout
 * @returns the values, NXDOMAIN, or why every resolver failed
 */
export async function queryTxtOverDoh(name: string, options: DohQueryOptions): Promise<TxtLookup> {
  const reasons: string[] = [];
  for (const url of options.urls) {
    const r = await askOne(url, name, options);
    if (r.kind !== "failed") return r;
    reasons.push(`${url.host}: ${r.reason}`);
  }
  return { kind: "failed", reason: reasons.join("; ") || "no resolvers" };
}
