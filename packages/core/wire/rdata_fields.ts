/**
 * RDATA of the record types whose presentation form is a plain sequence of
 * fields (numbers, names, character-strings, a trailing hex or base64 blob),
 * described once in {@linkcode RDATA_FIELDS} and encoded/decoded from that
 * description; plus the RFC 3597 §5 generic form `\# <length> <hex>` for any
 * type. The stored value is the canonical presentation: fields separated by
 * one space, names absolute and lower case without the trailing dot (as for
 * NS), character-strings quoted, hex upper case without spaces (as dig
 * prints it), base64 without spaces.
 *
 * This module is browser compatible.
 * @module
 */

import { bytesToHex, hexToBytes } from "../dmp/hex.ts";
import { LIMIT } from "./constants.ts";
import { decodeName, nameToLabels } from "./name.ts";

/** One field of a presentation form. */
export interface RdataField {
  /** `text`: the rest of the RDATA as raw octets, presented as one quoted string */
  kind: "u8" | "u16" | "u32" | "name" | "string" | "hex" | "base64" | "text";
  /** what an error message calls it */
  label: string;
  /** mnemonics accepted for an integer field (the stored form is the number) */
  names?: Readonly<Record<string, number>>;
}

const f = (
  kind: RdataField["kind"],
  label: string,
  names?: Readonly<Record<string, number>>,
): RdataField => ({ kind, label, names });

/** RFC 4398 §2.1 certificate type mnemonics. */
const CERT_TYPES = {
  PKIX: 1,
  SPKI: 2,
  PGP: 3,
  IPKIX: 4,
  ISPKI: 5,
  IPGP: 6,
  ACPKIX: 7,
  IACPKIX: 8,
  URI: 253,
  OID: 254,
} as const;

/** Field layouts by TYPE code. hex, base64 and text fields are last and take the rest of the RDATA. */
export const RDATA_FIELDS: Readonly<Record<number, readonly RdataField[]>> = {
  // RFC 1035 §3.3.2
  13: [f("string", "HINFO CPU"), f("string", "HINFO OS")],
  // RFC 3403 §4.1
  35: [
    f("u16", "NAPTR order"),
    f("u16", "NAPTR preference"),
    f("string", "NAPTR flags"),
    f("string", "NAPTR services"),
    f("string", "NAPTR regexp"),
    f("name", "NAPTR replacement"),
  ],
  // RFC 6672 §2.1
  39: [f("name", "DNAME target")],
  // RFC 4034 §5.1
  43: [
    f("u16", "DS key tag"),
    f("u8", "DS algorithm"),
    f("u8", "DS digest type"),
    f("hex", "DS digest"),
  ],
  // RFC 4255 §3.1
  44: [f("u8", "SSHFP algorithm"), f("u8", "SSHFP type"), f("hex", "SSHFP fingerprint")],
  // RFC 4398 §2.2
  37: [
    f("u16", "CERT type", CERT_TYPES),
    f("u16", "CERT key tag"),
    f("u8", "CERT algorithm"),
    f("base64", "CERT certificate"),
  ],
  // RFC 4034 §2.1
  48: [
    f("u16", "DNSKEY flags"),
    f("u8", "DNSKEY protocol"),
    f("u8", "DNSKEY algorithm"),
    f("base64", "DNSKEY public key"),
  ],
  // RFC 6698 §2.1
  52: [
    f("u8", "TLSA usage"),
    f("u8", "TLSA selector"),
    f("u8", "TLSA matching type"),
    f("hex", "TLSA data"),
  ],
  // RFC 8162 §2
  53: [
    f("u8", "SMIMEA usage"),
    f("u8", "SMIMEA selector"),
    f("u8", "SMIMEA matching type"),
    f("hex", "SMIMEA data"),
  ],
  // RFC 7929 §2.1
  61: [f("base64", "OPENPGPKEY key")],
  // RFC 7553 §4.5
  256: [f("u16", "URI priority"), f("u16", "URI weight"), f("text", "URI target")],
};

/** Result of {@linkcode encodeFieldRdata}. */
export type FieldRdataResult = { ok: true; rdata: Uint8Array } | { ok: false; error: string };

/**
 * Encodes a presentation value of a type in {@linkcode RDATA_FIELDS}, or the
 * RFC 3597 generic form for any type; the error names the field.
 *
 * @example
 * ```ts
 * import { encodeFieldRdata } from "./rdata_fields.ts";
 * const r = encodeFieldRdata(43, "12345 13 2 ABCD");
 * if (!r.ok || r.rdata.length !== 6) throw new Error();
 * ```
 */
export function encodeFieldRdata(type: number, value: string): FieldRdataResult {
  if (!isStorableType(type)) return { ok: false, error: `type ${type} cannot be stored` };
  const tokens = tokenize(value);
  if (!tokens) return { ok: false, error: "unbalanced quotes or a bad escape" };
  if (tokens[0]?.text === "\\#" && !tokens[0].quoted) return encodeGeneric(tokens.slice(1));
  const fields = RDATA_FIELDS[type];
  if (!fields) {
    return { ok: false, error: "this type takes only the RFC 3597 form \\# <length> <hex>" };
  }
  const out: number[] = [];
  let t = 0;
  for (const field of fields) {
    if (field.kind === "hex" || field.kind === "base64") {
      const rest = tokens.slice(t).map((x) => x.text).join("");
      t = tokens.length;
      const bytes = field.kind === "hex" ? hexToBytes(rest) : fromBase64(rest);
      if (!bytes || bytes.length === 0) {
        return { ok: false, error: `${field.label}: expected ${field.kind}` };
      }
      out.push(...bytes);
      continue;
    }
    const token = tokens[t++];
    if (!token) return { ok: false, error: `${field.label}: missing` };
    if (field.kind === "text") {
      if (token.bytes.length === 0) return { ok: false, error: `${field.label}: empty` };
      out.push(...token.bytes);
    } else if (field.kind === "string") {
      if (token.bytes.length > LIMIT.CHARACTER_STRING) {
        return { ok: false, error: `${field.label}: longer than 255 octets` };
      }
      out.push(token.bytes.length, ...token.bytes);
    } else if (field.kind === "name") {
      // Canonical form: names in lower case (RFC 4034 §6.2 for the DNSSEC types among these).
      const labels = token.quoted ? null : nameToLabels(token.text.toLowerCase());
      if (!labels) return { ok: false, error: `${field.label}: not a domain name` };
      for (const l of labels) out.push(l.length, ...l);
      out.push(0);
    } else {
      const max = field.kind === "u8" ? 0xff : field.kind === "u16" ? 0xffff : 0xffffffff;
      const named = token.quoted ? undefined : field.names?.[token.text.toUpperCase()];
      const n = named ??
        (/^\d{1,10}$/.test(token.text) && !token.quoted ? Number(token.text) : NaN);
      if (!(n <= max)) return { ok: false, error: `${field.label}: expected an integer 0..${max}` };
      if (field.kind === "u32") out.push(n >>> 24, (n >>> 16) & 0xff);
      if (field.kind !== "u8") out.push((n >>> 8) & 0xff);
      out.push(n & 0xff);
    }
  }
  if (t < tokens.length) return { ok: false, error: `unexpected extra field "${tokens[t].text}"` };
  if (out.length > 0xffff) return { ok: false, error: "RDATA longer than 65535 octets" };
  return { ok: true, rdata: Uint8Array.from(out) };
}

/**
 * The canonical presentation of RDATA of a type in {@linkcode RDATA_FIELDS};
 * any other type gets the RFC 3597 generic form. Null when malformed.
 *
 * @example
 * ```ts
 * import { fieldRdataToValue } from "./rdata_fields.ts";
 * if (fieldRdataToValue(65534, Uint8Array.of(1, 2)) !== "\\# 2 0102") throw new Error();
 * ```
 */
export function fieldRdataToValue(type: number, rdata: Uint8Array): string | null {
  if (!isStorableType(type)) return null;
  const fields = RDATA_FIELDS[type];
  if (!fields) return genericValue(rdata);
  const parts: string[] = [];
  let p = 0;
  for (const field of fields) {
    switch (field.kind) {
      case "u8":
      case "u16":
      case "u32": {
        const size = field.kind === "u8" ? 1 : field.kind === "u16" ? 2 : 4;
        if (p + size > rdata.length) return null;
        let n = 0;
        for (let i = 0; i < size; i++) n = n * 256 + rdata[p + i];
        parts.push(String(n));
        p += size;
        break;
      }
      case "string": {
        if (p >= rdata.length || p + 1 + rdata[p] > rdata.length) return null;
        parts.push(quote(rdata.subarray(p + 1, p + 1 + rdata[p])));
        p += 1 + rdata[p];
        break;
      }
      case "name": {
        const d = decodeName(rdata, p);
        // RDATA names of these types are never compressed (RFC 3597 §4).
        if (!d.ok || d.end > rdata.length || (rdata[p] & 0xc0) !== 0) return null;
        parts.push(d.name === "" ? "." : d.name.toLowerCase());
        p = d.end;
        break;
      }
      case "text": {
        if (p >= rdata.length) return null;
        parts.push(quote(rdata.subarray(p)));
        p = rdata.length;
        break;
      }
      case "hex":
      case "base64": {
        const rest = rdata.subarray(p);
        if (rest.length === 0) return null;
        parts.push(field.kind === "hex" ? bytesToHex(rest).toUpperCase() : toBase64(rest));
        p = rdata.length;
        break;
      }
    }
  }
  return p === rdata.length ? parts.join(" ") : null;
}

/**
 * Whether RRs of `type` may be stored as zone data in generic form: not
 * reserved type 0, OPT, nor the meta and query types 128–255 (RFC 6895 §3.1:
 * TKEY, TSIG, IXFR, AXFR, ANY…).
 *
 * @example
 * ```ts
 * import { isStorableType } from "./rdata_fields.ts";
 * if (isStorableType(250) || !isStorableType(65534)) throw new Error();
 * ```
 */
export function isStorableType(type: number): boolean {
  return Number.isInteger(type) && type > 0 && type <= 0xffff && type !== 41 &&
    (type < 128 || type > 255);
}

/** RFC 3597 §5: `\# <length> <hex>` (`\# 0` for empty RDATA). */
export function genericValue(rdata: Uint8Array): string {
  return rdata.length === 0 ? "\\# 0" : `\\# ${rdata.length} ${bytesToHex(rdata).toUpperCase()}`;
}

function encodeGeneric(tokens: Token[]): FieldRdataResult {
  const length = tokens[0] && /^\d{1,5}$/.test(tokens[0].text) ? Number(tokens[0].text) : NaN;
  if (!(length <= 0xffff)) return { ok: false, error: "\\# needs the RDATA length" };
  const bytes = hexToBytes(tokens.slice(1).map((t) => t.text).join(""));
  if (!bytes || bytes.length !== length) {
    return { ok: false, error: `\\# ${length}: expected ${length} octets of hex` };
  }
  return { ok: true, rdata: bytes };
}

interface Token {
  text: string;
  /** the octets the token stands for (escapes resolved) */
  bytes: number[];
  quoted: boolean;
}

/** Splits a value into whitespace-separated tokens; quoted strings may hold spaces. */
function tokenize(value: string): Token[] | null {
  const tokens: Token[] = [];
  const utf8 = new TextEncoder();
  let i = 0;
  while (i < value.length) {
    const c = value[i];
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    const quoted = c === '"';
    if (quoted) i++;
    let text = "";
    const bytes: number[] = [];
    for (;;) {
      if (i >= value.length) {
        if (quoted) return null;
        break;
      }
      const ch = value[i];
      if (quoted ? ch === '"' : ch === " " || ch === "\t") {
        if (quoted) i++;
        break;
      }
      if (ch === "\\") {
        const d = value.slice(i + 1, i + 4);
        if (/^\d{3}$/.test(d)) {
          if (Number(d) > 255) return null;
          bytes.push(Number(d));
          text += value.slice(i, i + 4);
          i += 4;
          continue;
        }
        if (i + 1 >= value.length) return null;
        bytes.push(...utf8.encode(value[i + 1]));
        text += value.slice(i, i + 2);
        i += 2;
        continue;
      }
      bytes.push(...utf8.encode(ch));
      text += ch;
      i++;
    }
    tokens.push({ text, bytes, quoted });
  }
  return tokens;
}

/** A character-string in presentation form: quoted, `"` and `\` escaped, non-printables as \DDD. */
function quote(bytes: Uint8Array): string {
  let s = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) s += "\\" + String.fromCharCode(b);
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += "\\" + String(b).padStart(3, "0");
  }
  return s + '"';
}

function fromBase64(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return null;
  try {
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function toBase64(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}
