/**
 * UTF-8 helpers with Python `bytes.decode("utf-8")` semantics (brief §4.2, §4.9, §5.2: every
 * variable-length text field in a DMP body must be valid UTF-8).
 *
 * @module
 */

const ENCODER = new TextEncoder();
// fatal: invalid sequences (overlongs, surrogates, truncation) are errors, as in Python.
// ignoreBOM: Python's "utf-8" codec keeps a leading U+FEFF; the WHATWG default would strip it
// and silently change the decoded field.
const DECODER = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Encode a string as UTF-8 bytes. */
export function encodeUtf8(text: string): Uint8Array {
  return ENCODER.encode(text);
}

/**
 * Length in bytes of `text` encoded as UTF-8, exactly what {@linkcode encodeUtf8} returns, without
 * encoding it: a lone surrogate counts as the 3 bytes of the U+FFFD it becomes.
 */
export function utf8ByteLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Decode UTF-8 strictly; returns `null` instead of throwing on invalid input. */
export function decodeUtf8Strict(bytes: Uint8Array): string | null {
  try {
    return DECODER.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * True iff every UTF-16 code unit is ASCII (< 0x80). Python's `str.encode("ascii")` check;
 * a lone surrogate is non-ASCII here as it is there.
 */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Number of Unicode code points (Python `len(str)`), which differs from `.length` for astral chars. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** True iff the string has a code point ≤ 0x20 or equal to 0x7F (DMP's "whitespace/control" rule). */
export function hasControlOrSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c === 0x7f) return true;
  }
  return false;
}
