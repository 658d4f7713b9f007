/**
 * Signing with TSIG (RFC 8945 §5.1, §5.3): requests, responses chained to the
 * request MAC, error responses (§5.3.2, §5.2.3) and multi-message TCP
 * responses (§5.3.1).
 *
 * Every function takes a message WITHOUT a TSIG RR, appends the TSIG RR as the
 * last additional record and increments ARCOUNT (§5.1). Time is passed in as
 * unix seconds, never read from a clock.
 *
 * This module is browser compatible.
 * @module
 */

import { RCODE } from "../wire/constants.ts";
import { concatBytes } from "../wire/message.ts";
import { readUint16, writeUint16 } from "../wire/network_order.ts";
import { tsigAlgorithm } from "./algorithm.ts";
import { defaultMacKeyCache, type MacKey, type MacKeyCache, type TsigKey } from "./keyring.ts";
import { appendRecord, macInput, macPrefix, messageId, tsigTimers } from "./mac_input.ts";
import { encodeTsigRecord, encodeU48, tsigRecordLength, writeTsigRecord } from "./tsig_rdata.ts";

/** Fudge DMP puts in what it signs (RFC 8945 §5.2.3 window; 300 s as the reference node and BIND use). */
export const DEFAULT_FUDGE = 300;

const EMPTY = new Uint8Array(0);

/** Options of {@linkcode signResponse}. */
export interface SignResponseOptions {
  /** The key the request was verified with. */
  key: TsigKey;
  /** The request's MAC exactly as received (RFC 8945 §4.3.2 chains it). */
  requestMac: Uint8Array;
  /** Current time, unix seconds (becomes Time Signed). */
  now: number;
  /** Fudge; default 300. */
  fudge?: number;
  /** TSIG error field; default 0. */
  error?: number;
  /** Other Data; default empty. */
  otherData?: Uint8Array;
  /** Imported-key cache; defaults to the process-wide one. */
  cache?: MacKeyCache;
}

/**
 * Signs a response to a verified request (RFC 8945 §5.3, §4.3.2): MAC over
 * request MAC size + request MAC + the response + TSIG variables. Original ID
 * is the response's ID. Rejects with RangeError on an unusable key.
 *
 * @example
 * ```ts
 * import { signResponse } from "./sign.ts";
 * import { tsigKey } from "./keyring.ts";
 * const key = tsigKey("k", "hmac-sha256", "c2VjcmV0");
 * const out = await signResponse(new Uint8Array(12), { key, requestMac: new Uint8Array(32), now: 1 });
 * if (out[11] !== 1) throw new Error();
 * ```
 */
export async function signResponse(
  responseWireWithoutTsig: Uint8Array,
  options: SignResponseOptions,
): Promise<Uint8Array> {
  return (await signMessage(responseWireWithoutTsig, {
    key: options.key,
    prefix: macPrefix(options.requestMac),
    timeSigned: options.now,
    fudge: options.fudge ?? DEFAULT_FUDGE,
    error: options.error ?? 0,
    otherData: options.otherData ?? EMPTY,
    originalId: messageId(responseWireWithoutTsig),
    cache: options.cache,
  })).wire;
}

/** Options of {@linkcode signRequest}. */
export interface SignRequestOptions {
  key: TsigKey;
  /** Current time, unix seconds. */
  now: number;
  /** Fudge; default 300. */
  fudge?: number;
  cache?: MacKeyCache;
}

/** A signed message and its MAC (needed to verify the reply, RFC 8945 §5.4.1). */
export interface SignedMessage {
  wire: Uint8Array;
  mac: Uint8Array;
}

/**
 * Signs a request (RFC 8945 §5.1, §4.3.1): MAC over the message + TSIG
 * variables. For clients and tests.
 *
 * @example
 * ```ts
 * import { signRequest } from "./sign.ts";
 * import { tsigKey } from "./keyring.ts";
 * const { wire, mac } = await signRequest(new Uint8Array(12), {
 *   key: tsigKey("k", "hmac-sha256", "c2VjcmV0"), now: 1 });
 * if (mac.length !== 32 || wire[11] !== 1) throw new Error();
 * ```
 */
export function signRequest(wire: Uint8Array, options: SignRequestOptions): Promise<SignedMessage> {
  return signMessage(wire, {
    key: options.key,
    prefix: EMPTY,
    timeSigned: options.now,
    fudge: options.fudge ?? DEFAULT_FUDGE,
    error: 0,
    otherData: EMPTY,
    originalId: messageId(wire),
    cache: options.cache,
  });
}

/** Options of {@linkcode buildTsigErrorResponse}. */
export interface TsigErrorOptions {
  /** Key name from the request (echoed, RFC 8945 §5.3.2). */
  keyName: string;
  /** Algorithm from the request (echoed). */
  algorithm: string;
  /** BADSIG (16), BADKEY (17), BADTIME (18) or BADTRUNC (22). */
  error: number;
  /** Original ID from the request's TSIG. */
  originalId: number;
  /** Time Signed of the request (echoed in BADTIME, RFC 8945 §5.2.3). */
  timeSigned: number;
  /** Fudge of the request (echoed in BADTIME, RFC 8945 §5.2.3). */
  fudge: number;
  /** Current time, unix seconds. */
  now: number;
  /** The verified key: with it, BADTIME/BADTRUNC answers are signed (§5.3.2). */
  key?: TsigKey;
  /** The request MAC (it validated for BADTIME/BADTRUNC), chained into the signature. */
  requestMac?: Uint8Array;
  cache?: MacKeyCache;
}

/**
 * Appends a TSIG RR carrying a TSIG error to a response and sets the header
 * RCODE to NOTAUTH (RFC 8945 §5.2.1–§5.2.3).
 *
 * * BADKEY / BADSIG (and anything else without a validated key): UNSIGNED —
 *   MAC Size 0, Time Signed = now (RFC 8945 §5.3.2: "MUST NOT send back a
 *   signed error message" for key or MAC errors).
 * * BADTIME with `key`: SIGNED with the key, chained to the request MAC;
 *   Time Signed and Fudge are the request's, Other Data is the server's
 *   current time as u48 (RFC 8945 §5.2.3), so the client can verify it.
 * * BADTRUNC with `key`: signed the same way, Time Signed = now (§5.3.2).
 *
 * @example
 * ```ts
 * import { buildTsigErrorResponse } from "./sign.ts";
 * const out = await buildTsigErrorResponse(new Uint8Array(12), { keyName: "k",
 *   algorithm: "hmac-sha256", error: 17, originalId: 0, timeSigned: 1, fudge: 300, now: 1 });
 * if ((out[3] & 0xf) !== 9 || out[11] !== 1) throw new Error();
 * ```
 */
export async function buildTsigErrorResponse(
  responseWireWithoutTsig: Uint8Array,
  options: TsigErrorOptions,
): Promise<Uint8Array> {
  const wire = withRcode(responseWireWithoutTsig, RCODE.NOTAUTH);
  const badTime = options.error === RCODE.BADTIME;
  const otherData = badTime ? encodeU48(options.now) : EMPTY;
  const timeSigned = badTime ? options.timeSigned : options.now;
  const signable = options.key !== undefined &&
    (badTime || options.error === RCODE.BADTRUNC);
  if (signable && options.key) {
    return (await signMessage(wire, {
      key: options.key,
      prefix: options.requestMac ? macPrefix(options.requestMac) : EMPTY,
      timeSigned,
      fudge: options.fudge,
      error: options.error,
      otherData,
      originalId: options.originalId,
      cache: options.cache,
    })).wire;
  }
  return appendRecord(
    wire,
    encodeTsigRecord(options.keyName, {
      algorithm: options.algorithm,
      timeSigned,
      fudge: options.fudge,
      mac: EMPTY,
      originalId: options.originalId,
      error: options.error,
      otherData,
    }),
  );
}

/** Options of {@linkcode createTcpSigner}. */
export interface TcpSignerOptions {
  key: TsigKey;
  /** MAC of the request that started the stream. */
  requestMac: Uint8Array;
  /** Fudge; default 300. */
  fudge?: number;
  /**
   * Sign every `interval`-th message (1..100, default 1 = every message).
   * The first and last are always signed (RFC 8945 §5.3.1).
   */
  interval?: number;
  cache?: MacKeyCache;
}

/** Signs the messages of one multi-message TCP response in order (RFC 8945 §5.3.1). */
export interface TcpSigner {
  /**
   * Signs (or, between signing points, passes through unchanged) the next
   * message of the stream. `isLast` marks the final message, which is always
   * signed. Calls must be sequential (await each before the next).
   */
  sign(wire: Uint8Array, now: number, isLast: boolean): Promise<Uint8Array>;
  /** MAC of the most recently signed message (empty before the first). */
  readonly lastMac: Uint8Array;
}

/**
 * A signer for a response spanning several TCP messages (AXFR-style,
 * RFC 8945 §5.3.1): the first message is signed like a normal response
 * (§4.3.2); each later signed message's MAC covers the prior MAC (size +
 * MAC), every message sent since the prior signed one (each with its
 * original ID, unsigned ones verbatim), then only the TSIG timers (Time
 * Signed + Fudge). At most 99 unsigned messages may follow a signed one;
 * the last message is always signed.
 *
 * @example
 * ```ts
 * import { createTcpSigner } from "./sign.ts";
 * import { tsigKey } from "./keyring.ts";
 * const s = createTcpSigner({ key: tsigKey("k", "hmac-sha256", "c2VjcmV0"),
 *   requestMac: new Uint8Array(32) });
 * const a = await s.sign(new Uint8Array(12), 1, false);
 * const b = await s.sign(new Uint8Array(12), 1, true);
 * if (a[11] !== 1 || b[11] !== 1) throw new Error();
 * ```
 */
export function createTcpSigner(options: TcpSignerOptions): TcpSigner {
  const interval = options.interval ?? 1;
  if (!Number.isInteger(interval) || interval < 1 || interval > 100) {
    throw new RangeError("TSIG signing interval must be 1..100 (RFC 8945 §5.3.1)");
  }
  const fudge = options.fudge ?? DEFAULT_FUDGE;
  let lastMac: Uint8Array = EMPTY;
  let pending: Uint8Array[] = [];
  let count = 0;
  return {
    get lastMac() {
      return lastMac;
    },
    async sign(wire, now, isLast) {
      const index = count++;
      if (index === 0) {
        const signed = await signMessage(wire, {
          key: options.key,
          prefix: macPrefix(options.requestMac),
          timeSigned: now,
          fudge,
          error: 0,
          otherData: EMPTY,
          originalId: messageId(wire),
          cache: options.cache,
        });
        lastMac = signed.mac;
        return signed.wire;
      }
      if (!isLast && pending.length + 1 < interval) {
        pending.push(wire);
        return wire;
      }
      const macKey = await requireMacKey(options.key, options.cache);
      const mac = await macKey.sign(
        concatBytes([macPrefix(lastMac), ...pending, wire, tsigTimers(now, fudge)]),
      );
      pending = [];
      lastMac = mac;
      return appendRecord(
        wire,
        encodeTsigRecord(options.key.name, {
          algorithm: macKey.algorithm.name,
          timeSigned: now,
          fudge,
          mac,
          originalId: messageId(wire),
          error: 0,
          otherData: EMPTY,
        }),
      );
    },
  };
}

interface SignParams {
  key: TsigKey;
  /** Request MAC prefix (size + MAC) or empty. */
  prefix: Uint8Array;
  timeSigned: number;
  fudge: number;
  error: number;
  otherData: Uint8Array;
  originalId: number;
  cache: MacKeyCache | undefined;
}

async function signMessage(wire: Uint8Array, p: SignParams): Promise<SignedMessage> {
  if (wire.length < 12) throw new RangeError("message shorter than a header");
  const macKey = (p.cache ?? defaultMacKeyCache).peek(p.key) ??
    await requireMacKey(p.key, p.cache);
  const algorithm = macKey.algorithm.name;
  const arcount = readUint16(wire, 10);
  if (arcount === 0xffff) throw new RangeError("ARCOUNT overflow");
  // RFC 8945 §4.3.1: the digested message carries the Original ID.
  const input = macInput(p.prefix, wire, wire.length, p.originalId, arcount, {
    keyName: p.key.name,
    algorithm,
    timeSigned: p.timeSigned,
    fudge: p.fudge,
    error: p.error,
    otherData: p.otherData,
  });
  const mac = macKey.macSync ? macKey.macSync(input) : await macKey.sign(input);
  const rdata = {
    algorithm,
    timeSigned: p.timeSigned,
    fudge: p.fudge,
    mac,
    originalId: p.originalId,
    error: p.error,
    otherData: p.otherData,
  };
  // RFC 8945 §5.1: the TSIG RR goes last, written straight after a copy of the message.
  const out = new Uint8Array(wire.length + tsigRecordLength(p.key.name, rdata));
  out.set(wire, 0);
  writeTsigRecord(out, wire.length, p.key.name, rdata);
  writeUint16(out, 10, arcount + 1);
  return { wire: out, mac };
}

async function requireMacKey(key: TsigKey, cache: MacKeyCache | undefined): Promise<MacKey> {
  if (!tsigAlgorithm(key.algorithm)) {
    throw new RangeError(`unsupported TSIG algorithm: ${key.algorithm}`);
  }
  const macKey = await (cache ?? defaultMacKeyCache).get(key);
  if (!macKey) throw new RangeError(`cannot use TSIG key ${key.name}`);
  return macKey;
}

function withRcode(wire: Uint8Array, rcode: number): Uint8Array {
  if (wire.length < 12) throw new RangeError("message shorter than a header");
  const out = wire.slice();
  out[3] = (out[3] & 0xf0) | (rcode & 0xf);
  return out;
}
