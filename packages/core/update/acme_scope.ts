/**
 * The ACME DNS-01 key scope (issue 16 item 6): a scope entry `acme:<zone>`
 * lets a TSIG key add and delete TXT records at `_acme-challenge.<zone>` and
 * `_acme-challenge.<name>.<zone>` only (RFC 8555 §8.4: the validation record
 * is the TXT RRset at "_acme-challenge" prepended to the domain being
 * validated; a wildcard certificate for `*.<name>` is validated at
 * `_acme-challenge.<name>`). That is what lego, certbot-dns-rfc2136 and
 * acme.sh write, and nothing else: no other type (an operator's CNAME that
 * delegates the challenge elsewhere stays out of reach), no other name.
 *
 * The entry lives in the key's list of allowed suffixes beside plain
 * suffixes; ":" makes it impossible to confuse with a name suffix, and every
 * check of a scope entry looks for the prefix first (a plain-suffix reading
 * of `acme:example.com` would cover the owner `x.acme:example.com`).
 *
 * This module is browser compatible.
 * @module
 */

import { canonicalName, isValidOwnerName } from "../wire/name.ts";

/** Prefix of the scope entry that allows only ACME challenge TXT records in one zone. */
export const ACME_SCOPE_PREFIX = "acme:";

/** The label RFC 8555 §8.4 prepends to the validated domain. */
export const ACME_CHALLENGE_LABEL = "_acme-challenge";

/**
 * How long a TXT value written with an ACME key stays when the client never
 * deletes it (seconds). Challenge values are worth nothing once validated, but
 * clients wait for propagation before asking for validation (acme.sh sleeps
 * 120 s by default, longer than the 60 s TTL it writes), so the record must
 * outlive its TTL; a day bounds what a crashed client leaves behind.
 */
export const ACME_CHALLENGE_LIFETIME = 86400;

/**
 * The zone of an `acme:<zone>` scope entry, or undefined for any other entry.
 *
 * @example
 * ```ts
 * import { acmeScopeZone } from "./acme_scope.ts";
 * if (acmeScopeZone("acme:Example.COM.") !== "example.com") throw new Error();
 * if (acmeScopeZone("example.com") !== undefined) throw new Error();
 * ```
 */
export function acmeScopeZone(entry: string): string | undefined {
  if (!entry.toLowerCase().startsWith(ACME_SCOPE_PREFIX)) return undefined;
  return canonicalName(entry.slice(ACME_SCOPE_PREFIX.length));
}

/**
 * True when `owner` is an ACME challenge name in `zone`: its first label is
 * `_acme-challenge` and the rest is the zone or a name below it.
 *
 * @example
 * ```ts
 * import { isAcmeChallengeName } from "./acme_scope.ts";
 * if (!isAcmeChallengeName("_acme-challenge.www.example.com", "example.com")) throw new Error();
 * if (isAcmeChallengeName("www.example.com", "example.com")) throw new Error();
 * ```
 */
export function isAcmeChallengeName(owner: string, zone: string): boolean {
  const o = canonicalName(owner);
  const z = canonicalName(zone);
  const head = ACME_CHALLENGE_LABEL + ".";
  if (z === "" || !o.startsWith(head)) return false;
  const rest = o.slice(head.length);
  return rest === z || rest.endsWith("." + z);
}

/** The outcome of {@linkcode parseScopeEntry}. */
export type ScopeEntryResult = { ok: true; entry: string } | { ok: false; error: string };

/**
 * Checks one scope entry given by an operator (CLI `--scope`, the operator
 * API's `scope`): a name suffix, possibly with `*` inside labels, or
 * `acme:<zone>`. Returns the stored form (lower-case, no trailing dot).
 *
 * @example
 * ```ts
 * import { parseScopeEntry } from "./acme_scope.ts";
 * const r = parseScopeEntry("ACME:example.com.");
 * if (!r.ok || r.entry !== "acme:example.com") throw new Error();
 * if (parseScopeEntry("acme:").ok || parseScopeEntry("a b.example").ok) throw new Error();
 * ```
 */
export function parseScopeEntry(raw: string): ScopeEntryResult {
  const s = raw.trim();
  const acme = acmeScopeZone(s);
  if (acme !== undefined) {
    if (!isValidOwnerName(acme) || acme.includes("*") || acme.includes(":")) {
      return { ok: false, error: `${s}: acme:ZONE needs a zone name` };
    }
    return { ok: true, entry: ACME_SCOPE_PREFIX + acme };
  }
  const suffix = canonicalName(s);
  if (!isValidOwnerName(suffix) || suffix.includes(":")) {
    return { ok: false, error: `${s}: not a name suffix or acme:ZONE` };
  }
  return { ok: true, entry: suffix };
}

/**
 * Parses a comma-separated scope list with {@linkcode parseScopeEntry}:
 * the stored entries, sorted and de-duplicated, or the first error.
 *
 * @example
 * ```ts
 * import { parseScopeList } from "./acme_scope.ts";
 * const r = parseScopeList("acme:b.example, a.example,");
 * if (!r.ok || r.entries.join() !== "a.example,acme:b.example") throw new Error();
 * ```
 */
export function parseScopeList(
  raw: string | readonly string[],
): { ok: true; entries: string[] } | { ok: false; error: string } {
  const parts = typeof raw === "string" ? raw.split(",") : raw;
  const out = new Set<string>();
  for (const p of parts) {
    if (p.trim() === "") continue;
    const r = parseScopeEntry(p);
    if (!r.ok) return r;
    out.add(r.entry);
  }
  return { ok: true, entries: [...out].sort() };
}
