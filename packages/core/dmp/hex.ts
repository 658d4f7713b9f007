/**
 * Hex codec used for keys and hashes in DMP records (brief §6: vector files carry
 * `*_hex` fields; §9 fact 6: hash12 labels are lower-case hex).
 *
 * @module
 */

const HEX_DIGITS = "0123456789abcdef";
const HEX_CODES = new TextEncoder().encode(HEX_DIGITS);
const ascii = new TextDecoder();
/** The digits of the last call, grown on demand (one string per call, no string per byte). */
let digits = new Uint8Array(128);

/** Encode bytes as lower-case hex (the form DMP owner names and feeds use). */
export function bytesToHex(bytes: Uint8Array): string {
  // Appending "00"…"ff" per byte made a cons string per byte: about 1 KB of garbage for the
  // request MAC of every signed UPDATE.
  const n = 2 * bytes.length;
  if (digits.length < n) digits = new Uint8Array(n);
  for (let i = 0; i < bytes.length; i++) {
    digits[2 * i] = HEX_CODES[bytes[i] >> 4];
    digits[2 * i + 1] = HEX_CODES[bytes[i] & 0x0f];
  }
  return ascii.decode(digits.subarray(0, n));
}

function nibble(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return -1;
}

/**
 * Decode hex (either case). Returns `null` on odd length or any non-hex character, so callers
 * handling untrusted configuration never need a try/catch.
 */
export function hexToBytes(hex: string): Uint8Array | null {
  if (typeof hex !== "string" || hex.length % 2 !== 0) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(hex.charCodeAt(2 * i));
    const lo = nibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return null;
    out[i] = (hi << 4) | lo;
  }
  return out;
}
