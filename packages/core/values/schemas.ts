/**
 * The value validators of this folder as zod schemas, for the boundaries that
 * parse with zod (env in `config/env.ts`, the operator API). Each schema
 * trims, checks with the one validator of its kind and yields the canonical
 * spelling, so env, API and CLI accept exactly the same texts.
 *
 * This module is browser compatible.
 * @module
 */

import { z } from "zod";
import { canonicalHostName, HOST_NAME_EXPECTED } from "./host_name.ts";
import { IPV4_EXPECTED, parseIpv4 } from "./ipv4.ts";
import { canonicalIpv6, IPV6_EXPECTED } from "./ipv6.ts";
import { LIFETIME_EXPECTED, MAX_LIFETIME_SECONDS } from "./lifetime.ts";
import { MAX_TTL, TTL_EXPECTED } from "./ttl.ts";

/** An IPv4 address text ({@linkcode parseIpv4}), trimmed. */
export const ipv4Schema: z.ZodType<string, string> = z.string().trim().refine(
  (s) => parseIpv4(s) !== null,
  IPV4_EXPECTED,
);

/** An IPv6 address text ({@linkcode canonicalIpv6}), yielding its RFC 5952 spelling. */
export const ipv6Schema: z.ZodType<string, string> = z.string().trim().transform((s, ctx) => {
  const v = canonicalIpv6(s);
  if (v === null) {
    ctx.addIssue({ code: "custom", message: IPV6_EXPECTED });
    return z.NEVER;
  }
  return v;
});

/** A host name ({@linkcode canonicalHostName}), yielding its canonical spelling. */
export const hostNameSchema: z.ZodType<string, string> = z.string().transform((s, ctx) => {
  const v = canonicalHostName(s);
  if (v === null) {
    ctx.addIssue({ code: "custom", message: HOST_NAME_EXPECTED });
    return z.NEVER;
  }
  return v;
});

/** A JSON TTL: whole seconds, 0..{@linkcode MAX_TTL}. */
export const ttlSecondsSchema: z.ZodType<number, number> = z.number().int(TTL_EXPECTED).min(
  0,
  TTL_EXPECTED,
).max(MAX_TTL, TTL_EXPECTED);

/** A JSON lifetime: whole seconds, 0..{@linkcode MAX_LIFETIME_SECONDS} (0 = never). */
export const lifetimeSecondsSchema: z.ZodType<number, number> = z.number().int(LIFETIME_EXPECTED)
  .min(0, LIFETIME_EXPECTED).max(MAX_LIFETIME_SECONDS, LIFETIME_EXPECTED);

/**
 * A list of at most `max` values of `item`, refusing duplicates after
 * canonicalisation (a zone's apex RRset is a set, RFC 2181 §5: two equal
 * values would be one RR, and the store's unique key refuses the second).
 *
 * @param item the element schema
 * @param max the largest list length
 * @returns the list schema
 *
 * @example
 * ```ts
 * import { ipv4Schema, uniqueList } from "./schemas.ts";
 * if (uniqueList(ipv4Schema, 4).safeParse(["192.0.2.1", "192.0.2.1"]).success) throw new Error();
 * ```
 */
export function uniqueList(
  item: z.ZodType<string, string>,
  max: number,
): z.ZodType<string[], string[]> {
  return z.array(item).max(max).superRefine((values, ctx) => {
    const seen = new Set<string>();
    values.forEach((v, i) => {
      if (seen.has(v)) {
        ctx.addIssue({ code: "custom", path: [i], message: `duplicate value ${v}` });
      }
      seen.add(v);
    });
  });
}
