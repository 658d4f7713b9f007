/**
 * The value of one record written through the operator API, read by the
 * master-file parser's own RDATA code ({@linkcode parseRdataText}), so every
 * type a zone file may hold (but SOA, which is zone settings) can be written,
 * and the API and `dmp zone import` agree on what a value is (issue 10).
 *
 * On top of the master-file syntax, names inside RDATA that must be host
 * names are held to {@linkcode canonicalHostName}: NS (RFC 1035 §3.3.11), MX
 * (RFC 1035 §3.3.9, RFC 2181 §10.3), SRV (RFC 2782; `.` means "no service"),
 * and CNAME targets (an alias of a name a resolver can look up). A master
 * file may spell stranger names with escapes; an API client has no reason to.
 *
 * This module is browser compatible.
 * @module
 */

import { canonicalHostName, HOST_NAME_EXPECTED } from "../values/host_name.ts";
import { parseRdataText, type RdataTextType } from "./master_file.ts";

/** Where the host name sits in each type's canonical value (index of the space-split field). */
const TARGET_FIELD: Partial<Record<string, number>> = { NS: 0, CNAME: 0, MX: 1, SRV: 3 };

/**
 * The canonical stored value of a record, or why the text is not one.
 *
 * @param type the record type
 * @param text the value in presentation form (names absolute, trailing dot optional)
 * @returns the canonical value, or an error naming what is wrong
 *
 * @example
 * ```ts
 * import { canonicalRecordValue } from "./record_value.ts";
 * const r = canonicalRecordValue("SRV", "0 5 443 Host.Example.");
 * if (!r.ok || r.value !== "0 5 443 host.example") throw new Error();
 * ```
 */
export function canonicalRecordValue(
  type: RdataTextType | string,
  text: string,
): { ok: true; value: string } | { ok: false; error: string } {
  const r = parseRdataText(type, text);
  if (!r.ok) return r;
  const field = TARGET_FIELD[type];
  if (field === undefined) return r;
  const fields = r.value.split(" ");
  const target = fields[field];
  if (type === "SRV" && target === ".") return r;
  if (canonicalHostName(target) === null) {
    return { ok: false, error: `${type} target "${target}": ${HOST_NAME_EXPECTED}` };
  }
  return r;
}
