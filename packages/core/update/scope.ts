/**
 * DMP key scopes (brief §2.4): which owner names a TSIG key may add to or
 * delete from. A suffix covers an owner when the owner equals it or ends with
 * "." + suffix. With `*`, labels are right-aligned and compared one by one;
 * `*` matches zero or more characters inside one label and never crosses a
 * dot; extra owner labels on the left are allowed. Deletes need a covering
 * suffix without `*` (shared wildcard namespaces are add-only).
 *
 * This module is browser compatible.
 * @module
 */

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
 * True when a key with `suffixes` may perform `op` at `owner`.
 *
 * @example
 * ```ts
 * import { scopeAllows } from "./scope.ts";
 * if (!scopeAllows(["chunk-*-*.example.com"], "chunk-0001-abc.example.com", "add")) throw new Error();
 * if (scopeAllows(["chunk-*-*.example.com"], "chunk-0001-abc.example.com", "delete")) throw new Error();
 * ```
 */
export function scopeAllows(
  suffixes: readonly string[],
  owner: string,
  op: "add" | "delete",
): boolean {
  return suffixes.some((s) => (op === "add" || !s.includes("*")) && suffixCovers(s, owner));
}
