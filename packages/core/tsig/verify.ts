/**
 * Server-side verification of a TSIG-signed request (RFC 8945 §5.2).
 *
 * Order of checks, as RFC 8945 §5.2 lays them out:
 * 1. the TSIG RR must parse and be the last record (§5.1) → `formerr`;
 * 2. key known and its algorithm equal to the request's, algorithm supported
 *    (§5.2.1) → `badkey`;
 * 3. MAC Size within [max(10, hash/2), hash] (§5.2.2.1) → `formerr`;
 * 4. MAC over the request (§4.3.1) compared in constant time (§5.2.2) → `badsig`;
 * 5. only then the time: |now − Time Signed| ≤ Fudge, fudge taken from the
 *    request (§5.2.3) → `badtime`.
 *
 * The MAC covers the request with its TSIG RR removed, ARCOUNT decremented
 * and the Original ID restored into the header (§4.3.1), followed by the
 * TSIG variables (§4.3.3). Never throws; time is passed in, never read.
 *
 * This module is browser compatible.
 * @module
 */

import { CLASS } from "../wire/constants.ts";
import { readUint16 } from "../wire/network_order.ts";
import { minimumMacLength, tsigAlgorithm } from "./algorithm.ts";
import { macPrefixEquals } from "./constant_time.ts";
import {
  defaultMacKeyCache,
  type Keyring,
  type MacKey,
  type MacKeyCache,
  type TsigKey,
} from "./keyring.ts";
import { macInput } from "./mac_input.ts";
import { readTsigRecord, type TsigRdata } from "./tsig_rdata.ts";

const EMPTY = new Uint8Array(0);

/** Fields of the request's TSIG that every non-`formerr` result carries. */
export interface TsigRequestFields {
  /** Key name from the TSIG owner, canonical. */
  keyName: string;
  /** Algorithm name from the TSIG RDATA, canonical. */
  algorithm: string;
  /** Original ID from the TSIG (RFC 8945 §4.2). */
  originalId: number;
  /** Time Signed of the request. */
  timeSigned: number;
  /** Fudge of the request (RFC 8945 §5.2.3: the window the server applies). */
  fudge: number;
  /** The MAC exactly as received (possibly truncated, §5.2.2.1). */
  requestMac: Uint8Array;
}

/** The request verified: answer it signed with `key`, chaining `requestMac` (§5.3). */
export interface TsigVerified extends TsigRequestFields {
  kind: "verified";
  key: TsigKey;
  /** Other Data of the request (normally empty). */
  otherData: Uint8Array;
}

/** Unknown key, algorithm mismatch or unsupported algorithm (§5.2.1): answer unsigned BADKEY. */
export interface TsigBadKey extends TsigRequestFields {
  kind: "badkey";
}

/** MAC did not verify (§5.2.2): answer unsigned BADSIG. */
export interface TsigBadSig extends TsigRequestFields {
  kind: "badsig";
  key: TsigKey;
}

/** MAC verified but the time is outside the fudge (§5.2.3): answer BADTIME signed with `key`. */
export interface TsigBadTime extends TsigRequestFields {
  kind: "badtime";
  key: TsigKey;
}

/** The TSIG RR or its MAC size is malformed (§5.2.2.1, §5.1): answer FORMERR. */
export interface TsigFormErr extends Partial<TsigRequestFields> {
  kind: "formerr";
  /** Why the TSIG was rejected (for logs). */
  reason: string;
}

/** Result of {@linkcode verifyTsig}, discriminated by `kind`. */
export type TsigVerification = TsigVerified | TsigBadKey | TsigBadSig | TsigBadTime | TsigFormErr;

/** Options of {@linkcode verifyTsig}. */
export interface VerifyOptions {
  /** Current time, unix seconds. */
  now: number;
  /** Imported-key cache; defaults to the process-wide one. */
  cache?: MacKeyCache;
}

/**
 * Verifies the TSIG RR at `tsigOffset` (as reported by `decodeMessage`) of a
 * request per RFC 8945 §5.2. Never throws.
 *
 * @example
 * ```ts
 * import { verifyTsig } from "./verify.ts";
 * import { createKeyring } from "./keyring.ts";
 * const r = await verifyTsig(new Uint8Array(12), 12, createKeyring([]), { now: 0 });
 * if (r.kind !== "formerr") throw new Error();
 * ```
 */
export async function verifyTsig(
  wire: Uint8Array,
  tsigOffset: number,
  keyring: Keyring,
  options: VerifyOptions,
): Promise<TsigVerification> {
  try {
    return await verifyInner(wire, tsigOffset, keyring, options);
  } catch (e) {
    return { kind: "formerr", reason: `verification failed: ${String(e)}` };
  }
}

async function verifyInner(
  wire: Uint8Array,
  tsigOffset: number,
  keyring: Keyring,
  options: VerifyOptions,
): Promise<TsigVerification> {
  const read = readTsigRecord(wire, tsigOffset);
  if (!read.ok) return { kind: "formerr", reason: read.error, keyName: read.keyName };
  const { keyName, rdata, klass } = read.record;
  const fields = requestFields(keyName, rdata);
  // RFC 8945 §4.2: CLASS is ANY.
  if (klass !== CLASS.ANY) return { kind: "formerr", reason: "TSIG class is not ANY", ...fields };
  // RFC 8945 §5.1: the TSIG RR is the last of the additional section, so ARCOUNT counts it.
  const arcount = tsigOffset >= 12 ? readUint16(wire, 10) : 0;
  if (arcount === 0) {
    return { kind: "formerr", reason: "TSIG outside the additional section", ...fields };
  }

  // §5.2.1: key and algorithm.
  const algorithm = tsigAlgorithm(rdata.algorithm);
  const key = keyring.lookup(keyName);
  if (!algorithm || !key || tsigAlgorithm(key.algorithm)?.name !== algorithm.name) {
    return { kind: "badkey", ...fields };
  }
  const cache = options.cache ?? defaultMacKeyCache;
  const macKey: MacKey | undefined = cache.peek(key) ?? await cache.get(key);
  if (!macKey) return { kind: "badkey", ...fields };

  // §5.2.2.1: MAC truncation limits.
  const size = rdata.mac.length;
  if (size > algorithm.macLength || size < minimumMacLength(algorithm)) {
    return {
      kind: "formerr",
      reason: `MAC size ${size} not allowed for ${algorithm.name}`,
      ...fields,
    };
  }

  // §5.2.2 / §4.3.1: request MAC.
  const input = macInput(EMPTY, wire, tsigOffset, rdata.originalId, arcount - 1, {
    keyName,
    algorithm: rdata.algorithm,
    timeSigned: rdata.timeSigned,
    fudge: rdata.fudge,
    error: rdata.error,
    otherData: rdata.otherData,
  });
  const expected = macKey.macSync ? macKey.macSync(input) : await macKey.sign(input);
  if (!macPrefixEquals(rdata.mac, expected)) return { kind: "badsig", key, ...fields };

  // §5.2.3: time, checked only after the MAC, with the request's fudge.
  if (!(Math.abs(options.now - rdata.timeSigned) <= rdata.fudge)) {
    return { kind: "badtime", key, ...fields };
  }
  return { kind: "verified", key, otherData: rdata.otherData, ...fields };
}

function requestFields(keyName: string, rdata: TsigRdata): TsigRequestFields {
  return {
    keyName,
    algorithm: rdata.algorithm,
    originalId: rdata.originalId,
    timeSigned: rdata.timeSigned,
    fudge: rdata.fudge,
    requestMac: rdata.mac,
  };
}
