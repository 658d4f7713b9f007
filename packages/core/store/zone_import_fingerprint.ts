/**
 * The fingerprint of an import preview (issue 14): what a dry run saw, so
 * that applying it later is refused when the zone changed in between (the
 * operator approved a difference that is no longer the difference) or when
 * the file or options are not the previewed ones.
 *
 * Two SHA-256 digests, 128 bits of each, as `<zone state>-<input>`:
 * - zone state: the zone row (serial, SOA fields, serial policy) or its
 *   absence, and every zone-data record (name, type, TTL, value, TXT split),
 *   sorted. DMP values (records with a lifetime) are left out: they expire by
 *   themselves and an import never writes or deletes them; writing one moves
 *   the serial all the same, so the preview of a zone users are writing to
 *   goes stale, as the apply's serial guard would find anyway.
 * - input: the options (`replace`, serial policy) and the file text.
 * Keeping them apart lets the refusal say which one moved. The fingerprint is
 * not a secret (anyone who may apply may preview); it only detects change.
 *
 * This module is browser compatible.
 * @module
 */

import { bytesToHex } from "../dmp/hex.ts";
import { timingSafeEqual } from "../crypto/timing_safe_equal.ts";
import type { SerialPolicy } from "../zone/serial.ts";
import type { ZoneImportPlan } from "./zone_import.ts";

/** Hex digits kept of each digest (128 bits). */
const DIGEST_HEX = 32;

/** The shape of a fingerprint, for input validation (400 instead of a mismatch). */
export const FINGERPRINT_PATTERN = /^[0-9a-f]{32}-[0-9a-f]{32}$/;

/** What the apply-time check found. */
export type FingerprintCheck = "match" | "zone_changed" | "input_differs";

async function digest(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return bytesToHex(new Uint8Array(d)).slice(0, DIGEST_HEX);
}

/**
 * The fingerprint of a plan of the given file and options.
 *
 * @example
 * ```ts
 * import { zoneImportFingerprint, FINGERPRINT_PATTERN } from "./zone_import_fingerprint.ts";
 * const plan = { zone: "z.test", before: undefined, zoneData: [] };
 * const fp = await zoneImportFingerprint(plan, { text: "@ NS ns.z.test.\n", replace: false });
 * if (!FINGERPRINT_PATTERN.test(fp)) throw new Error(fp);
 * ```
 */
export async function zoneImportFingerprint(
  plan: Pick<ZoneImportPlan, "zone" | "before" | "zoneData">,
  input: { text: string; replace: boolean; serialPolicy?: SerialPolicy },
): Promise<string> {
  const z = plan.before;
  const head = z
    ? JSON.stringify([
      plan.zone,
      z.serial,
      z.soaMname,
      z.soaRname,
      z.soaRefresh,
      z.soaRetry,
      z.soaExpire,
      z.soaMinimum,
      z.serialPolicy ?? "",
    ])
    : JSON.stringify([plan.zone, "absent"]);
  const rows = plan.zoneData.map((r) =>
    JSON.stringify([r.name, r.type, r.ttl, r.value, r.txtSplit ?? ""])
  ).sort();
  const state = await digest([head, ...rows].join("\n"));
  const options = JSON.stringify([input.replace, input.serialPolicy ?? ""]);
  return `${state}-${await digest(options + "\n" + input.text)}`;
}

/**
 * Compares a presented fingerprint with the one computed now, saying which
 * half differs.
 *
 * @example
 * ```ts
 * import { checkFingerprint } from "./zone_import_fingerprint.ts";
 * const a = "0".repeat(32) + "-" + "1".repeat(32);
 * const b = "2".repeat(32) + "-" + "1".repeat(32);
 * if (checkFingerprint(a, a) !== "match" || checkFingerprint(a, b) !== "zone_changed") throw new Error();
 * ```
 */
export function checkFingerprint(current: string, presented: string): FingerprintCheck {
  const [state, input] = current.split("-");
  const [pState, pInput] = presented.split("-");
  if (!timingSafeEqual(state, pState ?? "")) return "zone_changed";
  if (!timingSafeEqual(input, pInput ?? "")) return "input_differs";
  return "match";
}
