/**
 * SVCB and HTTPS RDATA (RFC 9460): `SvcPriority TargetName SvcParams…`, with
 * the SvcParams of §7 (mandatory, alpn, no-default-alpn, port, ipv4hint, ech,
 * ipv6hint) and `keyNNNNN` for the rest, in presentation form (§2.1) and on
 * the wire (§2.2: keys strictly increasing). The canonical stored value is
 * what {@linkcode svcbToValue} prints: the target absolute and lower case
 * without the trailing dot ("." for the root), parameters in key order, alpn
 * and keyNNNNN values quoted.
 *
 * Not supported: commas or backslashes inside one ALPN id (the value-list
 * escapes of RFC 9460 Appendix A.1); such values are refused, not mangled.
 *
 * This module is browser compatible.
 * @module
 */

import { decodeName, nameToLabels } from "./name.ts";
import { parseIpv4 } from "../values/ipv4.ts";
import { formatIpv6, parseIpv6 } from "../values/ipv6.ts";
import type { FieldRdataResult } from "./rdata_fields.ts";

/** SvcParamKey names (RFC 9460 §14.3.2). */
const KEY_NAMES = ["mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint"];

/** Number of a SvcParamKey in presentation (`alpn`, `key65000`), or -1. */
function keyNumber(name: string): number {
  const i = KEY_NAMES.indexOf(name);
  if (i >= 0) return i;
  const m = /^key(\d{1,5})$/.exec(name);
  return m && Number(m[1]) <= 65535 ? Number(m[1]) : -1;
}

function keyName(key: number): string {
  return KEY_NAMES[key] ?? `key${key}`;
}

/**
 * Encodes an SVCB/HTTPS presentation value; the error names the parameter.
 *
 * @example
 * ```ts
 * import { encodeSvcb } from "./svcb.ts";
 * const r = encodeSvcb('1 . alpn="h2,h3" port=8443');
 * if (!r.ok || r.rdata.length !== 3 + 4 + 6 + 4 + 2) throw new Error();
 * ```
 */
export function encodeSvcb(value: string): FieldRdataResult {
  const tokens = splitParams(value);
  if (!tokens || tokens.length < 2) {
    return { ok: false, error: "SVCB needs a priority and a target name" };
  }
  const priority = /^\d{1,5}$/.test(tokens[0]) ? Number(tokens[0]) : NaN;
  if (!(priority <= 0xffff)) return { ok: false, error: "SVCB priority: expected 0..65535" };
  const target = tokens[1] === "." ? [] : nameToLabels(tokens[1].toLowerCase());
  if (!target) return { ok: false, error: "SVCB target: not a domain name" };
  const params = new Map<number, number[]>();
  for (const token of tokens.slice(2)) {
    const eq = token.indexOf("=");
    const name = (eq < 0 ? token : token.slice(0, eq)).toLowerCase();
    const key = keyNumber(name);
    if (key < 0) return { ok: false, error: `SVCB: unknown parameter "${name}"` };
    if (params.has(key)) return { ok: false, error: `SVCB ${name}: given twice` };
    let raw = eq < 0 ? undefined : token.slice(eq + 1);
    if (raw !== undefined && raw.startsWith('"')) {
      if (!raw.endsWith('"') || raw.length < 2) {
        return { ok: false, error: `SVCB ${name}: bad quotes` };
      }
      raw = raw.slice(1, -1);
    }
    const bytes = raw === undefined ? undefined : unescape(raw);
    if (raw !== undefined && !bytes) return { ok: false, error: `SVCB ${name}: bad escape` };
    const encoded = encodeParam(key, raw, bytes ?? undefined);
    if (typeof encoded === "string") return { ok: false, error: `SVCB ${name}: ${encoded}` };
    params.set(key, encoded);
  }
  const mandatory = params.get(0);
  if (mandatory) {
    for (let i = 0; i < mandatory.length; i += 2) {
      const k = (mandatory[i] << 8) | mandatory[i + 1];
      if (!params.has(k)) return { ok: false, error: `SVCB mandatory: ${keyName(k)} is not given` };
    }
  }
  const out: number[] = [priority >> 8, priority & 0xff];
  for (const l of target) out.push(l.length, ...l);
  out.push(0);
  for (const key of [...params.keys()].sort((a, b) => a - b)) {
    const v = params.get(key)!;
    out.push(key >> 8, key & 0xff, v.length >> 8, v.length & 0xff, ...v);
  }
  if (out.length > 0xffff) return { ok: false, error: "SVCB RDATA longer than 65535 octets" };
  return { ok: true, rdata: Uint8Array.from(out) };
}

/** The wire value of one SvcParam (RFC 9460 §7), or what is wrong with it. */
function encodeParam(
  key: number,
  raw: string | undefined,
  bytes: number[] | undefined,
): number[] | string {
  const list = (text: string) => text.split(",");
  switch (key) {
    case 0: {
      if (!raw) return "expected a list of keys";
      const keys = list(raw).map(keyNumber);
      if (keys.some((k) => k < 0 || k === 0)) return "unknown or invalid key in the list";
      const sorted = [...new Set(keys)].sort((a, b) => a - b);
      if (sorted.length !== keys.length) return "a key is listed twice";
      return sorted.flatMap((k) => [k >> 8, k & 0xff]);
    }
    case 1: {
      if (!raw || raw.includes("\\")) return "expected a comma-separated list of ALPN ids";
      const out: number[] = [];
      for (const id of list(raw)) {
        const b = [...new TextEncoder().encode(id)];
        if (b.length === 0 || b.length > 255) return "an ALPN id is empty or too long";
        out.push(b.length, ...b);
      }
      return out;
    }
    case 2:
      return raw === undefined ? [] : "takes no value";
    case 3: {
      const n = raw && /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
      return n <= 0xffff ? [n >> 8, n & 0xff] : "expected a port 0..65535";
    }
    case 4:
    case 6: {
      if (!raw) return "expected a list of addresses";
      const out: number[] = [];
      for (const a of list(raw)) {
        const b = key === 4 ? parseIpv4(a) : parseIpv6(a);
        if (!b) return `"${a}" is not an IPv${key === 4 ? 4 : 6} address`;
        out.push(...b);
      }
      return out;
    }
    case 5: {
      if (!raw || !/^[A-Za-z0-9+/]+={0,2}$/.test(raw) || raw.length % 4 !== 0) {
        return "expected base64";
      }
      return [...atob(raw)].map((c) => c.charCodeAt(0));
    }
    default:
      return bytes ?? [];
  }
}

/**
 * The canonical presentation of SVCB/HTTPS RDATA; null when malformed (keys
 * out of order, a value of the wrong size, a compressed target).
 *
 * @example
 * ```ts
 * import { encodeSvcb, svcbToValue } from "./svcb.ts";
 * const r = encodeSvcb("1 Svc.Example. port=8443 alpn=h2");
 * if (!r.ok || svcbToValue(r.rdata) !== '1 svc.example alpn="h2" port=8443') throw new Error();
 * ```
 */
export function svcbToValue(rdata: Uint8Array): string | null {
  if (rdata.length < 3 || (rdata[2] & 0xc0) !== 0) return null;
  const target = decodeName(rdata, 2);
  if (!target.ok) return null;
  const parts = [
    String((rdata[0] << 8) | rdata[1]),
    target.name === "" ? "." : target.name.toLowerCase(),
  ];
  let p = target.end;
  let last = -1;
  while (p < rdata.length) {
    if (p + 4 > rdata.length) return null;
    const key = (rdata[p] << 8) | rdata[p + 1];
    const len = (rdata[p + 2] << 8) | rdata[p + 3];
    const v = rdata.subarray(p + 4, p + 4 + len);
    if (key <= last || v.length !== len) return null;
    last = key;
    const shown = renderParam(key, v);
    if (shown === null) return null;
    parts.push(shown === "" ? keyName(key) : `${keyName(key)}=${shown}`);
    p += 4 + len;
  }
  return parts.join(" ");
}

function renderParam(key: number, v: Uint8Array): string | null {
  switch (key) {
    case 0: {
      if (v.length === 0 || v.length % 2 !== 0) return null;
      const keys: string[] = [];
      for (let i = 0; i < v.length; i += 2) keys.push(keyName((v[i] << 8) | v[i + 1]));
      return keys.join(",");
    }
    case 1: {
      const ids: string[] = [];
      for (let i = 0; i < v.length; i += 1 + v[i]) {
        if (v[i] === 0 || i + 1 + v[i] > v.length) return null;
        const id = v.subarray(i + 1, i + 1 + v[i]);
        if (id.some((b) => b === 0x2c || b === 0x5c)) return null;
        ids.push(quoteBytes(id));
      }
      return `"${ids.join(",")}"`;
    }
    case 2:
      return v.length === 0 ? "" : null;
    case 3:
      return v.length === 2 ? String((v[0] << 8) | v[1]) : null;
    case 4:
    case 6: {
      const size = key === 4 ? 4 : 16;
      if (v.length === 0 || v.length % size !== 0) return null;
      const out: string[] = [];
      for (let i = 0; i < v.length; i += size) {
        const a = v.subarray(i, i + size);
        out.push(key === 4 ? a.join(".") : formatIpv6(a));
      }
      return out.join(",");
    }
    case 5:
      return v.length === 0 ? null : btoa(String.fromCharCode(...v));
    default:
      return `"${quoteBytes(v)}"`;
  }
}

/** Bytes inside a quoted presentation value: `"` and `\` escaped, non-printables as \DDD. */
function quoteBytes(b: Uint8Array): string {
  let s = "";
  for (const x of b) {
    if (x === 0x22 || x === 0x5c) s += "\\" + String.fromCharCode(x);
    else if (x >= 0x20 && x < 0x7f) s += String.fromCharCode(x);
    else s += "\\" + String(x).padStart(3, "0");
  }
  return s;
}

/** Resolves \DDD and \X escapes; null on a bad escape. */
function unescape(raw: string): number[] | null {
  const out: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== "\\") {
      out.push(...utf8.encode(raw[i]));
      continue;
    }
    const d = raw.slice(i + 1, i + 4);
    if (/^\d{3}$/.test(d)) {
      if (Number(d) > 255) return null;
      out.push(Number(d));
      i += 3;
    } else if (i + 1 < raw.length) {
      out.push(...utf8.encode(raw[++i]));
    } else return null;
  }
  return out;
}

/** Splits on spaces outside quotes (`key="a b"` stays one token); null on an open quote. */
function splitParams(value: string): string[] | null {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === "\\" && i + 1 < value.length) {
      cur += c + value[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (!quoted && (c === " " || c === "\t")) {
      if (cur) out.push(cur);
      cur = "";
      continue;
    }
    cur += c;
  }
  if (quoted) return null;
  if (cur) out.push(cur);
  return out;
}
