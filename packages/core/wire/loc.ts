/**
 * LOC RDATA (RFC 1876): a position as latitude, longitude and altitude with
 * size and precisions. Presentation (§3): `d1 [m1 [s1]] N|S d2 [m2 [s2]] E|W
 * alt[m] [size[m] [hp[m] [vp[m]]]]`, defaults 1m, 10000m, 10m. The canonical
 * stored value is what {@linkcode locToValue} prints: every field written, as
 * `52 22 23.000 N 4 53 32.000 E -2.00m 1m 10000m 10m`.
 *
 * This module is browser compatible.
 * @module
 */

import type { FieldRdataResult } from "./rdata_fields.ts";

/** 2^31: the equator and the prime meridian (§2: latitude/longitude are offsets from it). */
const EQUATOR = 2 ** 31;
/** Altitude is in centimetres above 100,000 m below the WGS 84 reference spheroid (§2). */
const ALTITUDE_BASE = 10_000_000;

/**
 * Encodes a LOC presentation value; the error names the field.
 *
 * @example
 * ```ts
 * import { encodeLoc } from "./loc.ts";
 * const r = encodeLoc("52 22 23.000 N 4 53 32.000 E -2.00m");
 * if (!r.ok || r.rdata.length !== 16) throw new Error();
 * ```
 */
export function encodeLoc(value: string): FieldRdataResult {
  const t = value.trim().split(/\s+/);
  let i = 0;
  const angle = (hemispheres: string, max: number, what: string): number | string => {
    const isHemisphere = (x: string | undefined) => x === hemispheres[0] || x === hemispheres[1];
    const parts: number[] = [];
    while (i < t.length && !isHemisphere(t[i].toUpperCase()) && parts.length < 3) {
      if (!/^\d+(\.\d{1,3})?$/.test(t[i])) return `${what}: "${t[i]}" is not a number`;
      parts.push(Number(t[i++]));
    }
    const h = t[i++]?.toUpperCase();
    if (parts.length === 0 || !isHemisphere(h)) {
      return `${what}: expected degrees [minutes [seconds]] ${hemispheres[0]}|${hemispheres[1]}`;
    }
    const [d, m = 0, s = 0] = parts;
    if (!Number.isInteger(d) || !Number.isInteger(m) || m >= 60 || s >= 60 || d > max) {
      return `${what}: out of range`;
    }
    const thousandths = Math.round(((d * 60 + m) * 60 + s) * 1000);
    if (thousandths > max * 3600 * 1000) return `${what}: out of range`;
    return h === hemispheres[0] ? EQUATOR + thousandths : EQUATOR - thousandths;
  };
  const lat = angle("NS", 90, "LOC latitude");
  if (typeof lat === "string") return { ok: false, error: lat };
  const lon = angle("EW", 180, "LOC longitude");
  if (typeof lon === "string") return { ok: false, error: lon };
  const metres = (text: string | undefined, what: string, min: number, max: number) => {
    const m = text === undefined ? null : /^(-?\d+(?:\.\d{1,2})?)m?$/.exec(text);
    const n = m ? Number(m[1]) : NaN;
    return n >= min && n <= max ? Math.round(n * 100) : `${what}: expected metres ${min}..${max}`;
  };
  const alt = metres(t[i++], "LOC altitude", -100000, 42849672.95);
  if (typeof alt === "string") return { ok: false, error: alt };
  const precisions: number[] = [];
  for (
    const [what, def] of [["size", "1"], ["horizontal precision", "10000"], [
      "vertical precision",
      "10",
    ]]
  ) {
    const cm = metres(t[i] ?? def, `LOC ${what}`, 0, 90000000);
    if (i < t.length) i++;
    if (typeof cm === "string") return { ok: false, error: cm };
    precisions.push(precisionByte(cm));
  }
  if (i < t.length) return { ok: false, error: `unexpected extra field "${t[i]}"` };
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  out.set([0, ...precisions]);
  v.setUint32(4, lat);
  v.setUint32(8, lon);
  v.setUint32(12, alt + ALTITUDE_BASE);
  return { ok: true, rdata: out };
}

/**
 * The canonical presentation of LOC RDATA; null when malformed (length,
 * version, a precision digit over 9).
 *
 * @example
 * ```ts
 * import { encodeLoc, locToValue } from "./loc.ts";
 * const r = encodeLoc("42 21 54 N 71 6 18 W -24m 30m");
 * if (!r.ok || locToValue(r.rdata) !== "42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000m 10m") throw new Error();
 * ```
 */
export function locToValue(rdata: Uint8Array): string | null {
  if (rdata.length !== 16 || rdata[0] !== 0) return null;
  const sizes = [rdata[1], rdata[2], rdata[3]].map(precisionMetres);
  if (sizes.some((s) => s === null)) return null;
  const v = new DataView(rdata.buffer, rdata.byteOffset, 16);
  const angle = (raw: number, hemispheres: string): string => {
    const off = raw - EQUATOR;
    let rest = Math.abs(off);
    const ms = rest % 1000;
    rest = (rest - ms) / 1000;
    const s = rest % 60;
    rest = (rest - s) / 60;
    const m = rest % 60;
    const d = (rest - m) / 60;
    const h = off >= 0 ? hemispheres[0] : hemispheres[1];
    return `${d} ${m} ${s}.${String(ms).padStart(3, "0")} ${h}`;
  };
  const altCm = v.getUint32(12) - ALTITUDE_BASE;
  const sign = altCm < 0 ? "-" : "";
  const abs = Math.abs(altCm);
  const alt = `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}m`;
  return `${angle(v.getUint32(4), "NS")} ${angle(v.getUint32(8), "EW")} ${alt} ${sizes.join(" ")}`;
}

/** RFC 1876 §2: a size as mantissa (high nibble) × 10^exponent (low nibble) centimetres. */
function precisionByte(cm: number): number {
  let e = 0;
  while (e < 9 && cm >= 10 ** (e + 1)) e++;
  return (Math.min(9, Math.floor(cm / 10 ** e)) << 4) | e;
}

function precisionMetres(b: number): string | null {
  const m = b >> 4;
  const e = b & 0xf;
  if (m > 9 || e > 9) return null;
  const cm = m * 10 ** e;
  return cm % 100 === 0 ? `${cm / 100}m` : `${(cm / 100).toFixed(2)}m`;
}
