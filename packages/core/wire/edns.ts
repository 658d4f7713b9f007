/**
 * EDNS options a stream transport adds to answers: edns-tcp-keepalive
 * (RFC 7828) on TCP and DoT, padding (RFC 7830, with the block-length policy
 * of RFC 8467 §4.1) on DoT. UDP answers carry neither (RFC 7828 §3.3.2: the
 * option is meaningless and forbidden there), so the UDP path passes no
 * {@linkcode StreamEdns} and does no work for them.
 *
 * This module is browser compatible.
 * @module
 */

/** What a stream listener puts in the OPT of answers to queries that ask. */
export interface StreamEdns {
  /**
   * edns-tcp-keepalive TIMEOUT in units of 100 ms (RFC 7828 §3.1), sent when
   * the query carried the option; -1 = never sent.
   */
  keepalive: number;
  /** pad answers to a multiple of this many octets when the query carried padding; 0 = never */
  padBlock: number;
}

/** RFC 8467 §4.1: responders pad to a multiple of 468 octets. */
export const RESPONSE_PADDING_BLOCK = 468;

/** Bytes of an option header (code, length), RFC 6891 §6.1.2. */
export const OPTION_HEADER_BYTES = 4;

/** Bytes of the edns-tcp-keepalive option in a response: header + 16-bit TIMEOUT. */
export const KEEPALIVE_OPTION_BYTES = OPTION_HEADER_BYTES + 2;

/**
 * The edns-tcp-keepalive TIMEOUT for an idle timeout in milliseconds: units of
 * 100 ms, rounded down (a client never waits past our timeout), capped at
 * the 16-bit field.
 *
 * @example
 * ```ts
 * import { keepaliveTimeout } from "./edns.ts";
 * if (keepaliveTimeout(5000) !== 50) throw new Error();
 * ```
 */
export function keepaliveTimeout(idleMs: number): number {
  return Math.min(0xffff, Math.max(0, Math.floor(idleMs / 100)));
}

/**
 * Bytes of the padding option (header included) that bring a message of
 * `length` octets to a multiple of `block` (RFC 7830 §3, RFC 8467 §4.1),
 * without passing `max` (the 65535-octet message limit): less padding then,
 * and none when even the option header does not fit.
 *
 * @example
 * ```ts
 * import { paddingOptionBytes } from "./edns.ts";
 * if (paddingOptionBytes(100, 468, 65535) !== 368) throw new Error();
 * if (paddingOptionBytes(464, 468, 65535) !== 4) throw new Error();
 * ```
 */
export function paddingOptionBytes(length: number, block: number, max: number): number {
  if (block <= 0 || length + OPTION_HEADER_BYTES > max) return 0;
  const padded = Math.ceil((length + OPTION_HEADER_BYTES) / block) * block;
  return Math.min(padded, max) - length;
}
