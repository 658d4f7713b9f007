/**
 * Client-side verification of TSIG-signed responses (RFC 8945 §5.4): a single
 * response chained to the request MAC (§4.3.2, §5.4.1) and the messages of a
 * multi-message TCP response (§5.3.1). Used
 * by tests and by DMP clients; the server side is `verify.ts`.
 *
 * Never throws; time is passed in.
 *
 * This module is browser compatible.
 * @module
 */

import { CLASS } from "../wire/constants.ts";
import { concatBytes } from "../wire/message.ts";
import { canonicalName } from "../wire/name.ts";
import { minimumMacLength, tsigAlgorithm } from "./algorithm.ts";
import { macPrefixEquals } from "./constant_time.ts";
import { defaultMacKeyCache, type MacKeyCache, type TsigKey } from "./keyring.ts";
import { macPrefix, tsigTimers, tsigVariables, unsignedMessage } from "./mac_input.ts";
import { readTsigRecord, type TsigRdata } from "./tsig_rdata.ts";

/** Result of verifying one response message. */
export type ResponseVerification =
  | {
    ok: true;
    /** The response's MAC (chains into the next message of a TCP stream). */
    mac: Uint8Array;
    /** The TSIG of the response. */
    rdata: TsigRdata;
  }
  | {
    ok: false;
    /**
     * `badkey`: key name/algorithm differ from ours; `badsig`: MAC wrong;
     * `badtime`: outside the fudge; `formerr`: malformed TSIG; `unsigned`: no
     * TSIG (or an empty MAC, e.g. a BADKEY/BADSIG error from the server, in
     * which case `rdata.error` says which).
     */
    reason: "badkey" | "badsig" | "badtime" | "formerr" | "unsigned";
    rdata?: TsigRdata;
  };

/** Options of {@linkcode verifyResponse}. */
export interface VerifyResponseOptions {
  key: TsigKey;
  /** MAC of the request this answers. */
  requestMac: Uint8Array;
  /** Current time, unix seconds. */
  now: number;
  cache?: MacKeyCache;
}

/**
 * Verifies a response's TSIG (RFC 8945 §5.4.1): MAC over request MAC size +
 * request MAC + response without TSIG (Original ID restored) + TSIG variables;
 * then the time. `tsigOffset` undefined means the response was unsigned.
 *
 * @example
 * ```ts
 * import { verifyResponse } from "./verify_response.ts";
 * import { tsigKey } from "./keyring.ts";
 * const r = await verifyResponse(new Uint8Array(12), undefined, {
 *   key: tsigKey("k", "hmac-sha256", "c2VjcmV0"), requestMac: new Uint8Array(), now: 0 });
 * if (r.ok || r.reason !== "unsigned") throw new Error();
 * ```
 */
export async function verifyResponse(
  wire: Uint8Array,
  tsigOffset: number | undefined,
  options: VerifyResponseOptions,
): Promise<ResponseVerification> {
  return await check(wire, tsigOffset, options.key, options.now, options.cache, (m, rd) => [
    macPrefix(options.requestMac),
    m,
    tsigVariables({ keyName: options.key.name, ...rd }),
  ]);
}

/** Verifies the messages of one multi-message TCP response in order. */
export interface TcpVerifier {
  /**
   * Verifies the next message (`tsigOffset` undefined when it carries no
   * TSIG). Unsigned messages are accepted provisionally (returned as
   * `unsigned`) and folded into the next signed one; more than 99 in a row,
   * or an unsigned first message, is an error the caller must treat as fatal.
   */
  verify(
    wire: Uint8Array,
    tsigOffset: number | undefined,
    now: number,
  ): Promise<ResponseVerification>;
  /** True when the last message seen was signed and verified. */
  readonly settled: boolean;
}

/**
 * A verifier for a multi-message TCP response (RFC 8945 §5.3.1): the first
 * message as a normal response; each later signed message over prior MAC
 * (size + MAC) + the messages since + TSIG timers.
 *
 * @example
 * ```ts
 * import { createTcpVerifier } from "./verify_response.ts";
 * import { tsigKey } from "./keyring.ts";
 * const v = createTcpVerifier({ key: tsigKey("k", "hmac-sha256", "c2VjcmV0"),
 *   requestMac: new Uint8Array() });
 * if (v.settled) throw new Error();
 * ```
 */
export function createTcpVerifier(
  options: { key: TsigKey; requestMac: Uint8Array; cache?: MacKeyCache },
): TcpVerifier {
  let priorMac: Uint8Array | undefined;
  let pending: Uint8Array[] = [];
  let settled = false;
  return {
    get settled() {
      return settled;
    },
    async verify(wire, tsigOffset, now) {
      settled = false;
      if (priorMac === undefined) {
        const r = await verifyResponse(wire, tsigOffset, { ...options, now });
        if (r.ok) {
          priorMac = r.mac;
          settled = true;
        }
        return r;
      }
      if (tsigOffset === undefined) {
        pending.push(wire);
        if (pending.length > 99) return { ok: false, reason: "formerr" };
        return { ok: false, reason: "unsigned" };
      }
      const prior = priorMac;
      const r = await check(wire, tsigOffset, options.key, now, options.cache, (m, rd) => [
        macPrefix(prior),
        ...pending,
        m,
        tsigTimers(rd.timeSigned, rd.fudge),
      ]);
      if (r.ok) {
        priorMac = r.mac;
        pending = [];
        settled = true;
      }
      return r;
    },
  };
}

async function check(
  wire: Uint8Array,
  tsigOffset: number | undefined,
  key: TsigKey,
  now: number,
  cache: MacKeyCache | undefined,
  parts: (message: Uint8Array, rdata: TsigRdata) => Uint8Array[],
): Promise<ResponseVerification> {
  try {
    if (tsigOffset === undefined) return { ok: false, reason: "unsigned" };
    const read = readTsigRecord(wire, tsigOffset);
    if (!read.ok) return { ok: false, reason: "formerr" };
    const { rdata, keyName, klass } = read.record;
    if (klass !== CLASS.ANY) return { ok: false, reason: "formerr", rdata };
    const message = unsignedMessage(wire, tsigOffset, rdata.originalId);
    if (!message) return { ok: false, reason: "formerr", rdata };
    const algorithm = tsigAlgorithm(rdata.algorithm);
    if (
      keyName !== canonicalName(key.name) || !algorithm ||
      algorithm.name !== tsigAlgorithm(key.algorithm)?.name
    ) return { ok: false, reason: "badkey", rdata };
    if (rdata.mac.length === 0) return { ok: false, reason: "unsigned", rdata };
    if (rdata.mac.length > algorithm.macLength || rdata.mac.length < minimumMacLength(algorithm)) {
      return { ok: false, reason: "formerr", rdata };
    }
    const macKey = await (cache ?? defaultMacKeyCache).get(key);
    if (!macKey) return { ok: false, reason: "badkey", rdata };
    const expected = await macKey.sign(concatBytes(parts(message, rdata)));
    if (!macPrefixEquals(rdata.mac, expected)) return { ok: false, reason: "badsig", rdata };
    if (!(Math.abs(now - rdata.timeSigned) <= rdata.fudge)) {
      return { ok: false, reason: "badtime", rdata };
    }
    return { ok: true, mac: rdata.mac, rdata };
  } catch {
    return { ok: false, reason: "formerr" };
  }
}
