/**
 * DMP key scopes (brief §2.4): which owner names a TSIG key may add to or
 * delete from. A suffix covers an owner when the owner equals it or ends with
 * "." + suffix. With `*`, labels are right-aligned and compared one by one;
 * `*` matches zero or more characters inside one label and never crosses a
 * dot; extra owner labels on the left are allowed. Deletes need a covering
 * suffix without `*` (shared wildcard namespaces are add-only). An entry
 * `acme:<zone>` is no suffix: it allows TXT at ACME challenge names only
 * (`acme_scope.ts`).
 *
 * This module is browser compatible.
 * @module
 */

import { acmeScopeZone, isAcmeChallengeName } from "./acme_scope.ts";

function normalize(s: string): string {
  return s.toLowerCase().replace(/\.+$/, "");
}

function labelMatches(pattern: string, label: string): boolean {
  if (!pattern.includes("*")) return pattern === label;
  const re = new RegExp(
    "^" + pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^.]*") +
      "$",
  );
  return re.test(label);
}

/**
 * True when `suffix` covers `owner`.
 *
 * @example
 * ```ts
 * import { suffixCovers } from "./scope.ts";
 * if (!suffixCovers("slot-*.mb-*.example.com", "slot-3.mb-abc.example.com")) throw new Error();
 * if (suffixCovers("example.com", "badexample.com")) throw new Error();
 * ```
 */
export function suffixCovers(suffix: string, owner: string): boolean {
  const s = normalize(suffix);
  const o = normalize(owner);
  if (s === "") return false;
  if (!s.includes("*")) return o === s || o.endsWith("." + s);
  const sl = s.split(".");
  const ol = o.split(".");
  if (ol.length < sl.length) return false;
  for (let i = 1; i <= sl.length; i++) {
    if (!labelMatches(sl[sl.length - i], ol[ol.length - i])) return false;
  }
  return true;
}

/**
 * True when a key with `suffixes` may perform `op` at `owner` on records of
 * `type` (a type mnemonic; "ANY" for a delete of every RRset at the name). An
 * `acme:<zone>` entry allows adds and deletes of TXT at `_acme-challenge`
 * names of its zone and nothing else, so it needs `type`.
 *
 * @example
 * ```ts
 * import { scopeAllows } from "./scope.ts";
 * if (!scopeAllows(["chunk-*-*.example.com"], "chunk-0001-abc.example.com", "add")) throw new Error();
 * if (scopeAllows(["chunk-*-*.example.com"], "chunk-0001-abc.example.com", "delete")) throw new Error();
 * if (!scopeAllows(["acme:example.com"], "_acme-challenge.www.example.com", "delete", "TXT")) {
 *   throw new Error();
 * }
 * if (scopeAllows(["acme:example.com"], "_acme-challenge.example.com", "add", "CNAME")) throw new Error();
 * ```
 */
export function scopeAllows(
  suffixes: readonly string[],
  owner: string,
  op: "add" | "delete",
  type?: string,
): boolean {
  return suffixes.some((s) => {
    // Checked first: read as a suffix, `acme:z` would cover the owner `x.acme:z`.
    const acmeZone = acmeScopeZone(s);
    if (acmeZone !== undefined) return type === "TXT" && isAcmeChallengeName(owner, acmeZone);
    return (op === "add" || !s.includes("*")) && suffixCovers(s, owner);
  });
}
