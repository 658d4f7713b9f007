/**
 * The operator bearer token (brief §1.5): `Authorization: Bearer <token>`,
 * exact and case-sensitive "Bearer ", compared in constant time.
 *
 * @module
 */

import type { Context } from "hono";
import { timingSafeEqual } from "../../../../packages/core/crypto/timing_safe_equal.ts";

/**
 * The bearer value of a request, or "" (exact `Bearer ` prefix).
 *
 * @param c the request context
 * @returns the presented token
 */
export function bearerToken(c: Context): string {
  const h = c.req.header("authorization") ?? "";
  return h.startsWith("Bearer ") ? h.slice(7) : "";
}

/**
 * True when the request presents the operator token (false when none is configured).
 *
 * @param c the request context
 * @param token the configured operator token
 * @returns whether the caller is the operator
 */
export function isOperator(c: Context, token: string | undefined): boolean {
  if (!token) return false;
  return timingSafeEqual(bearerToken(c), token);
}
