/**
 * Lenient base64 decode with the semantics of Python's default `base64.b64decode(s)`
 * (CPython `binascii.a2b_base64`, non-strict mode). Some DMP record types (identity, slot
 * manifest, prekey) are decoded this way by the reference (brief §8.4 item 24), and the strict
 * decoder in `base64_strict.ts` is this same state machine behind an alphabet/padding gate.
 *
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE_TABLE: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();
const PAD = 0x3d; // "="

/**
 * Run CPython's non-strict `a2b_base64` loop over an ASCII string: non-alphabet characters are
 * skipped, a pad that completes a quad ends decoding (anything after it is ignored), stray pads
 * are ignored, and a dangling partial quad is an error. Non-canonical trailing bits are accepted
 * (e.g. `QR==` decodes like `QQ==`). Returns `null` on error or on a non-ASCII string (Python
 * refuses to turn such a `str` into bytes). Never throws.
 */
export function decodeBase64Lenient(text: string): Uint8Array | null {
  if (typeof text !== "string") return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) + 3);
  let n = 0;
  let quadPos = 0;
  let leftChar = 0;
  let pads = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return null;
    if (code === PAD) {
      // A pad only counts once at least two data characters of the quad were seen.
      if (quadPos >= 2 && quadPos + ++pads >= 4) return out.slice(0, n);
      continue;
    }
    const v = DECODE_TABLE[code];
    if (v < 0) continue;
    pads = 0;
    switch (quadPos) {
      case 0:
        quadPos = 1;
        leftChar = v;
        break;
      case 1:
        quadPos = 2;
        out[n++] = (leftChar << 2) | (v >> 4);
        leftChar = v & 0x0f;
        break;
      case 2:
        quadPos = 3;
        out[n++] = ((leftChar << 4) | (v >> 2)) & 0xff;
        leftChar = v & 0x03;
        break;
      default:
        quadPos = 0;
        out[n++] = ((leftChar << 6) | v) & 0xff;
        leftChar = 0;
    }
  }
  if (quadPos !== 0) return null;
  return out.slice(0, n);
}
