/**
 * Big-endian (network order, RFC 1035 §2.3.2) integer writers for the hot
 * path: a `DataView` per message is an allocation per query, these are not.
 * Cold paths use `DataView` directly.
 *
 * This module is browser compatible.
 * @module
 */

/**
 * Writes a 16-bit value at `pos`.
 *
 * @example
 * ```ts
 * import { writeUint16 } from "./network_order.ts";
 * const b = new Uint8Array(2);
 * writeUint16(b, 0, 0x1234);
 * if (b[0] !== 0x12 || b[1] !== 0x34) throw new Error();
 * ```
 */
export function writeUint16(out: Uint8Array, pos: number, value: number): void {
  out[pos] = (value >>> 8) & 0xff;
  out[pos + 1] = value & 0xff;
}

/**
 * Writes a 32-bit value at `pos`.
 *
 * @example
 * ```ts
 * import { writeUint32 } from "./network_order.ts";
 * const b = new Uint8Array(4);
 * writeUint32(b, 0, 0x80000001);
 * if (b[0] !== 0x80 || b[3] !== 1) throw new Error();
 * ```
 */
export function writeUint32(out: Uint8Array, pos: number, value: number): void {
  out[pos] = value >>> 24;
  out[pos + 1] = (value >>> 16) & 0xff;
  out[pos + 2] = (value >>> 8) & 0xff;
  out[pos + 3] = value & 0xff;
}
