/**
 * Reading a bearer token out of an `Authorization` header, the one place
 * every HTTP surface (edge operator and user tokens, node `/metrics`) does it.
 *
 * RFC 9110 §11.1 (formerly RFC 7235 §2.1): the auth scheme is a
 * case-insensitive token, separated from the credentials by one or more
 * spaces. The reference node wants the exact text "Bearer " (brief §1.5),
 * so a client sending `bearer` got a 401; accepting any case of the scheme
 * only accepts what the RFC says is the same header.
 *
 * This module is browser compatible.
 * @module
 */

const CREDENTIALS = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +(\S.*)$/;

/**
 * The bearer token of an `Authorization` header value, or "" when the header
 * is absent, malformed or of another scheme. The token is returned as sent
 * (callers compare it in constant time).
 *
 * @param header the header value (undefined or null when absent)
 * @returns the token, or ""
 *
 * @example
 * ```ts
 * import { bearerCredentials } from "./bearer_credentials.ts";
 * if (bearerCredentials("bearer abc") !== "abc" || bearerCredentials("Basic abc") !== "") {
 *   throw new Error();
 * }
 * ```
 */
export function bearerCredentials(header: string | null | undefined): string {
  const m = CREDENTIALS.exec(header ?? "");
  if (!m || m[1].toLowerCase() !== "bearer") return "";
  return m[2];
}
