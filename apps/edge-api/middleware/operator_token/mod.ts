/**
 * The operator bearer token (brief §1.5): `Authorization: Bearer <token>`,
 * compared in constant time. The scheme name is matched case-insensitively
 * (RFC 7235 §2.1, RFC 6750 §2.1 via RFC 9110 §11.1): the reference wants the
 * exact "Bearer ", which turns a correct `bearer` header into a 401 (issue 10).
 *
 * @module
 */

import type { Context } from "hono";
import { timingSafeEqual } from "../../../../packages/core/crypto/timing_safe_equal.ts";
import { bearerCredentials } from "../../../../packages/core/http/bearer_credentials.ts";

/**
 * The bearer value of a request, or "" when the header is absent or another scheme.
 *
 * @param c the request context
 * @returns the presented token
 */
export function bearerToken(c: Context): string {
  return bearerCredentials(c.req.header("authorization"));
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
