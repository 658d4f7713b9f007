/**
 * Standard base64 encode and the "strict" decode every node-verified DMP record uses
 * (brief §4.2, §4.9, §5.2: Python `base64.b64decode(s, validate=True)`).
 *
 * @module
 */

import { decodeBase64Lenient } from "./base64_lenient.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// Python's validate=True gate: re.fullmatch(b'[A-Za-z0-9+/]*={0,2}', s).
const STRICT_SHAPE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Encode bytes as standard, `=`-padded base64 (Python `base64.b64encode`). */
export function encodeBase64(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63] + ALPHABET[(v >> 6) & 63] +
      ALPHABET[v & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i] << 16;
    out += ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63] + "==";
  } else if (rest === 2) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63] + ALPHABET[(v >> 6) & 63] + "=";
  }
  return out;
}

/**
 * Strict decode, like Python `b64decode(s, validate=True)` (CPython ≥ 3.12.4 strict mode):
 * only `[A-Za-z0-9+/]` followed by exactly the padding the data length calls for (`QQ==`,
 * `QUI=`, `QUJD`); non-canonical trailing bits are accepted (`QR==` decodes like `QQ==`).
 * CPython 3.11–3.12.3 also tolerated surplus `=` after a complete quad (`QUJD=`); we refuse
 * those, which only affects wires no reference signer emits. Returns `null` on any error,
 * never throws.
 */
export function decodeBase64Strict(text: string): Uint8Array | null {
  if (typeof text !== "string" || !STRICT_SHAPE.test(text)) return null;
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const dataLen = text.length - pad;
  const rem = dataLen % 4;
  if (rem === 1) return null;
  if (pad !== (4 - rem) % 4) return null;
  return decodeBase64Lenient(text);
}
