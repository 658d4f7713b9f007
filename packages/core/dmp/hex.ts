/**
 * Hex codec used for keys and hashes in DMP records (brief §6: vector files carry
 * `*_hex` fields; §9 fact 6: hash12 labels are lower-case hex).
 *
 * @module
 */

const HEX_DIGITS = "0123456789abcdef";

/** "00" … "ff" by byte: one string append per byte, no per-digit strings (TSIG MACs, per UPDATE). */
const HEX_PAIRS: readonly string[] = Array.from(
  { length: 256 },
  (_, b) => HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 0x0f],
);

/** Encode bytes as lower-case hex (the form DMP owner names and feeds use). */
export function bytesToHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX_PAIRS[bytes[i]];
  return out;
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
