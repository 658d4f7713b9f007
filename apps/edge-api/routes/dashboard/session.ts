/**
 * The dashboard's session and CSRF tokens (issue 14), stateless so every
 * isolate and runtime agrees without a table: a session is
 * `<expires>.<nonce>.<mac>` with `mac = HMAC-SHA256(k, "session|exp|nonce")`,
 * and the form token of that session is `HMAC-SHA256(k, "csrf|nonce")`
 * (a session-bound synchronizer token, OWASP CSRF cheat sheet). The key `k`
 * is derived from the operator token, so rotating the token ends every
 * session at once. MACs are compared in constant time.
 *
 * This module is browser compatible.
 * @module
 */

import { timingSafeEqual } from "../../../../packages/core/crypto/timing_safe_equal.ts";

/** How long a session lasts (seconds); the cookie's Max-Age is the same. */
export const SESSION_SECONDS = 8 * 3600;
/** The session cookie's name. */
export const SESSION_COOKIE = "dmp_admin_session";

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function b64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function hmac(key: CryptoKey, text: string): Promise<string> {
  return b64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text))));
}

/** The session key of an operator token: HMAC(token, label), never the token itself. */
function sessionKey(operatorToken: string): Promise<CryptoKey> {
  let k = keys.get(operatorToken);
  if (!k) {
    k = (async () => {
      const raw = await crypto.subtle.importKey(
        "raw",
        encoder.encode(operatorToken),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      const derived = await crypto.subtle.sign(
        "HMAC",
        raw,
        encoder.encode("dmp-edge dashboard session key v1"),
      );
      return await crypto.subtle.importKey(
        "raw",
        derived,
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
    })();
    // One operator token per deployment; the map never grows past a handful.
    if (keys.size > 4) keys.clear();
    keys.set(operatorToken, k);
  }
  return k;
}

/** A verified session. */
export interface Session {
  nonce: string;
  expiresAt: number;
}

/**
 * Mints a session cookie value.
 *
 * @param operatorToken the configured operator token (the key's source)
 * @param nowSeconds the time
 * @param random randomness
 * @returns the cookie value and the session it stands for
 */
export async function mintSession(
  operatorToken: string,
  nowSeconds: number,
  random: (n: number) => Uint8Array,
): Promise<{ cookie: string; session: Session }> {
  const nonce = b64url(random(18));
  const expiresAt = nowSeconds + SESSION_SECONDS;
  const mac = await hmac(await sessionKey(operatorToken), `session|${expiresAt}|${nonce}`);
  return { cookie: `${expiresAt}.${nonce}.${mac}`, session: { nonce, expiresAt } };
}

/**
 * Checks a session cookie value: well formed, MAC valid (constant time), not expired.
 *
 * @param operatorToken the configured operator token
 * @param value the cookie value ("" when absent)
 * @param nowSeconds the time
 * @returns the session, or undefined
 */
export async function verifySession(
  operatorToken: string,
  value: string,
  nowSeconds: number,
): Promise<Session | undefined> {
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!m) return undefined;
  const expiresAt = Number(m[1]);
  const want = await hmac(await sessionKey(operatorToken), `session|${expiresAt}|${m[2]}`);
  if (!timingSafeEqual(want, m[3])) return undefined;
  // A forged far-future expiry cannot pass the MAC; a real one is never past the lifetime.
  if (expiresAt <= nowSeconds || expiresAt > nowSeconds + SESSION_SECONDS) return undefined;
  return { nonce: m[2], expiresAt };
}

/**
 * The CSRF form token of a session.
 *
 * @param operatorToken the configured operator token
 * @param session the session
 * @returns the token every state-changing form carries
 */
export async function csrfToken(operatorToken: string, session: Session): Promise<string> {
  return await hmac(await sessionKey(operatorToken), `csrf|${session.nonce}`);
}

/**
 * True when `presented` is the session's CSRF token (constant time).
 *
 * @param operatorToken the configured operator token
 * @param session the session
 * @param presented the form's `_csrf` field
 * @returns whether it matches
 */
export async function checkCsrf(
  operatorToken: string,
  session: Session,
  presented: string,
): Promise<boolean> {
  return timingSafeEqual(await csrfToken(operatorToken, session), presented);
}
