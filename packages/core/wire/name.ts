/**
 * Domain names on the wire (RFC 1035 §3.1, §4.1.4): decoding with a guard
 * against compression loops, encoding, and the ASCII lower-casing used for
 * lookups (RFC 4343: DNS names compare case-insensitively in ASCII only).
 *
 * Names are handled in their text form without the trailing dot ("" is the
 * root), labels joined by ".". Labels holding "." or non-printable bytes are
 * escaped as `\DDD` so that the text form stays unambiguous.
 *
 * This module is browser compatible.
 * @module
 */

import { LIMIT } from "./constants.ts";

/** Result of {@linkcode decodeName}: the name and the offset just after it, or an error. */
export type DecodedName =
  | { ok: true; name: string; end: number }
  | { ok: false; error: string };

const MAX_POINTER_HOPS = 128;

/**
 * Decodes a possibly compressed name starting at `offset`. Never throws.
 *
 * @example
 * ```ts
 * import { decodeName } from "./name.ts";
 * const r = decodeName(new Uint8Array([3, 119, 119, 119, 0]), 0);
 * if (!r.ok || r.name !== "www" || r.end !== 5) throw new Error();
 * ```
 */
export function decodeName(buf: Uint8Array, offset: number): DecodedName {
  let pos = offset;
  let end = -1;
  let hops = 0;
  let wireLength = 1;
  const labels: string[] = [];
  for (;;) {
    if (pos >= buf.length) return { ok: false, error: "name runs past the end of the message" };
    const len = buf[pos];
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) return { ok: false, error: "truncated compression pointer" };
      const target = ((len & 0x3f) << 8) | buf[pos + 1];
      if (end < 0) end = pos + 2;
      // RFC 1035 §4.1.4 pointers point backwards; a forward or self pointer can only loop.
      if (target >= pos || ++hops > MAX_POINTER_HOPS) {
        return { ok: false, error: "compression pointer loop" };
      }
      pos = target;
      continue;
    }
    if (kind !== 0) return { ok: false, error: "unsupported label type" };
    if (pos + 1 + len > buf.length) return { ok: false, error: "label runs past the end" };
    wireLength += len + 1;
    if (wireLength > LIMIT.NAME) return { ok: false, error: "name longer than 255 octets" };
    labels.push(labelToText(buf, pos + 1, len));
    pos += 1 + len;
  }
  return { ok: true, name: labels.join("."), end };
}

/**
 * Skips a name at `offset` without decoding it; returns the end offset or -1.
 *
 * @example
 * ```ts
 * import { skipName } from "./name.ts";
 * if (skipName(new Uint8Array([1, 97, 0]), 0) !== 3) throw new Error();
 * ```
 */
export function skipName(buf: Uint8Array, offset: number): number {
  let pos = offset;
  for (let guard = 0; guard < 128; guard++) {
    if (pos >= buf.length) return -1;
    const len = buf[pos];
    if (len === 0) return pos + 1;
    if ((len & 0xc0) === 0xc0) return pos + 2 <= buf.length ? pos + 2 : -1;
    if ((len & 0xc0) !== 0) return -1;
    pos += 1 + len;
  }
  return -1;
}

function labelToText(buf: Uint8Array, start: number, len: number): string {
  let s = "";
  for (let i = start; i < start + len; i++) {
    const c = buf[i];
    if (c === 0x2e || c === 0x5c) s += "\\" + String.fromCharCode(c);
    else if (c > 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += "\\" + c.toString().padStart(3, "0");
  }
  return s;
}

/**
 * Splits a text name into raw label bytes, resolving `\DDD` and `\X` escapes.
 * Returns null when a label exceeds 63 octets or the name 255 (RFC 1035 §2.3.4).
 *
 * @example
 * ```ts
 * import { nameToLabels } from "./name.ts";
 * if (nameToLabels("a.b.")?.length !== 2) throw new Error();
 * ```
 */
export function nameToLabels(name: string): Uint8Array[] | null {
  const text = name.endsWith(".") && !name.endsWith("\\.") ? name.slice(0, -1) : name;
  if (text === "") return [];
  const labels: Uint8Array[] = [];
  let current: number[] = [];
  let total = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c) {
      const d = text.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(d)) {
        const v = Number(d);
        if (v > 255) return null;
        current.push(v);
        i += 3;
      } else if (i + 1 < text.length) {
        current.push(text.charCodeAt(i + 1) & 0xff);
        i += 1;
      } else return null;
    } else if (ch === 0x2e) {
      if (current.length === 0) return null;
      labels.push(Uint8Array.from(current));
      total += current.length + 1;
      current = [];
    } else if (ch > 0x7f) {
      return null;
    } else current.push(ch);
  }
  if (current.length === 0) return null;
  labels.push(Uint8Array.from(current));
  total += current.length + 1;
  if (total > LIMIT.NAME || labels.some((l) => l.length > LIMIT.LABEL)) return null;
  return labels;
}

/**
 * Encodes a text name uncompressed into `buf` at `offset`; returns the new offset.
 * Throws RangeError on an invalid name: callers validate names before encoding.
 *
 * @example
 * ```ts
 * import { encodeName } from "./name.ts";
 * const buf = new Uint8Array(16);
 * if (encodeName(buf, 0, "ab.c") !== 6) throw new Error();
 * ```
 */
export function encodeName(buf: Uint8Array, offset: number, name: string): number {
  const plain = encodePlainName(buf, offset, name);
  if (plain >= 0) return plain;
  const labels = nameToLabels(name);
  if (!labels) throw new RangeError(`Cannot encode name: "${name}" is not a valid domain name`);
  let pos = offset;
  for (const label of labels) {
    buf[pos++] = label.length;
    buf.set(label, pos);
    pos += label.length;
  }
  buf[pos++] = 0;
  return pos;
}

/**
 * Wire length of a text name (as {@linkcode nameWireLength}), for a caller
 * about to encode it: throws RangeError when it is not a valid name.
 *
 * @example
 * ```ts
 * import { encodableNameLength } from "./name.ts";
 * if (encodableNameLength("ab.c") !== 6) throw new Error();
 * ```
 */
export function encodableNameLength(name: string): number {
  const n = nameWireLength(name);
  if (n < 0) throw new RangeError(`Cannot encode name: "${name}" is not a valid domain name`);
  return n;
}

/**
 * Wire length of a text name, or -1 if it is not a valid name.
 *
 * @example
 * ```ts
 * import { nameWireLength } from "./name.ts";
 * if (nameWireLength("ab.c") !== 6) throw new Error();
 * ```
 */
export function nameWireLength(name: string): number {
  const plain = plainNameWireLength(name);
  if (plain >= 0) return plain;
  const labels = nameToLabels(name);
  if (!labels) return -1;
  let n = 1;
  for (const l of labels) n += l.length + 1;
  return n;
}

/**
 * Wire length of a name without escapes, or -1 when it has one (or a byte
 * above 0x7f), or is not a valid name: the common case measured without the
 * per-label arrays {@linkcode nameToLabels} builds.
 */
function plainNameWireLength(name: string): number {
  let end = name.length;
  if (end > 0 && name.charCodeAt(end - 1) === 0x2e) end--;
  if (end === 0) return 1;
  if (end + 2 > LIMIT.NAME) return -1;
  let labelLen = 0;
  for (let i = 0; i < end; i++) {
    const ch = name.charCodeAt(i);
    if (ch === 0x2e) {
      if (labelLen === 0 || labelLen > LIMIT.LABEL) return -1;
      labelLen = 0;
    } else if (ch === 0x5c || ch > 0x7f) return -1;
    else labelLen++;
  }
  return labelLen === 0 || labelLen > LIMIT.LABEL ? -1 : end + 2;
}

/**
 * Encodes a name without escapes straight into `buf` (RFC 1035 §3.1); -1,
 * with nothing written, when the name needs {@linkcode nameToLabels} (escapes),
 * is invalid, or does not fit.
 */
function encodePlainName(buf: Uint8Array, offset: number, name: string): number {
  const length = plainNameWireLength(name);
  if (length < 0 || offset + length > buf.length) return -1;
  if (length === 1) {
    buf[offset] = 0; // the root
    return offset + 1;
  }
  let lenPos = offset;
  let pos = offset + 1;
  for (let i = 0; i < length - 2; i++) {
    const ch = name.charCodeAt(i);
    if (ch === 0x2e) {
      buf[lenPos] = pos - lenPos - 1;
      lenPos = pos++;
    } else buf[pos++] = ch;
  }
  buf[lenPos] = pos - lenPos - 1;
  buf[pos++] = 0;
  return pos;
}

/**
 * Canonical lookup key of a name: ASCII lower-case, no trailing dot (RFC 4343).
 *
 * @example
 * ```ts
 * import { canonicalName } from "./name.ts";
 * if (canonicalName("WwW.Example.COM.") !== "www.example.com") throw new Error();
 * ```
 */
export function canonicalName(name: string): string {
  let s = name;
  if (s.endsWith(".") && !s.endsWith("\\.")) s = s.slice(0, -1);
  // Most names are canonical already (every TSIG and UPDATE runs several through here): a scan
  // that finds no upper-case letter returns the string itself, with no regexp and no new string.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  }
  return s;
}

/**
 * True when `name` equals `zone` or lies below it (both canonical).
 *
 * @example
 * ```ts
 * import { isInZone } from "./name.ts";
 * if (!isInZone("a.example.com", "example.com") || isInZone("xexample.com", "example.com")) throw new Error();
 * ```
 */
export function isInZone(name: string, zone: string): boolean {
  if (zone === "" || name === zone) return true;
  // No "." + zone string per call: the zone index asks this of every name it loads.
  return name.length > zone.length && name.charCodeAt(name.length - zone.length - 1) === 0x2e &&
    name.endsWith(zone);
}

/**
 * Validates a host name in text form for storage: non-empty labels of at most
 * 63 octets, at most 253 characters, printable ASCII without spaces or quotes.
 *
 * @example
 * ```ts
 * import { isValidOwnerName } from "./name.ts";
 * if (!isValidOwnerName("_dnsmesh-heartbeat.example.com") || isValidOwnerName("a..b")) throw new Error();
 * ```
 */
export function isValidOwnerName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  if (!/^[\x21-\x7e]+$/.test(name) || /["\\;()]/.test(name)) return false;
  return name.split(".").every((l) => l.length > 0 && l.length <= LIMIT.LABEL);
}
