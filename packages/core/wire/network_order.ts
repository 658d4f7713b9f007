/**
 * Big-endian (network order, RFC 1035 §2.3.2) integer readers and writers for
 * the hot path: a `DataView` per message is an allocation per query, these
 * are not. Cold paths use `DataView` directly. Readers do not check bounds:
 * the caller has.
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

/**
 * Reads a 16-bit value at `pos`.
 *
 * @example
 * ```ts
 * import { readUint16 } from "./network_order.ts";
 * if (readUint16(Uint8Array.of(0, 0x12, 0x34), 1) !== 0x1234) throw new Error();
 * ```
 */
export function readUint16(b: Uint8Array, pos: number): number {
  return (b[pos] << 8) | b[pos + 1];
}

/**
 * Reads a 32-bit unsigned value at `pos`.
 *
 * @example
 * ```ts
 * import { readUint32 } from "./network_order.ts";
 * if (readUint32(Uint8Array.of(0x80, 0, 0, 1), 0) !== 0x80000001) throw new Error();
 * ```
 */
export function readUint32(b: Uint8Array, pos: number): number {
  return ((b[pos] << 24) | (b[pos + 1] << 16) | (b[pos + 2] << 8) | b[pos + 3]) >>> 0;
}
