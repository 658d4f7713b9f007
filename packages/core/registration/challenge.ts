/**
 * Stateless registration challenges (brief §2.1, redesigned for isolates).
 *
 * The reference keeps each challenge and its ephemeral X25519 key in memory.
 * An edge isolate cannot, so both are derived from a server secret instead:
 *
 *   challenge  = nonce(12) ‖ expires_at(u32 BE, unix s) ‖ HMAC(K, "mac" ‖ nonce ‖ expires_at)[:16]
 *   server_priv = HMAC(K, "x25519" ‖ challenge)
 *
 * Any isolate holding K recognizes a challenge it (or another isolate) issued,
 * reads its expiry from it, and re-derives the ephemeral key. Single use is
 * enforced by the store (`store/challenges.ts`), not here. Clients treat the
 * challenge as 32 opaque bytes, so this stays wire-compatible.
 *
 * This module is browser compatible.
 * @module
 */

import { timingSafeEqual } from "../crypto/timing_safe_equal.ts";
import { hmacSha256, x25519PublicKey } from "./x25519_pop.ts";

/** Seconds a challenge stays valid (brief §2.1). */
export const CHALLENGE_LIFETIME_SECONDS = 60;

const encoder = new TextEncoder();
const MAC_LABEL = encoder.encode("dmp-edge/registration-challenge/mac/v1");
const X25519_LABEL = encoder.encode("dmp-edge/registration-challenge/x25519/v1");

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** A freshly issued challenge. */
export interface IssuedChallenge {
  challenge: Uint8Array;
  expiresAt: number;
  serverPub: Uint8Array;
}

/**
 * Issues a challenge valid for {@linkcode CHALLENGE_LIFETIME_SECONDS}.
 *
 * @param secret the server's 32-byte challenge secret
 * @param options `now` in unix seconds and a source of random bytes
 * @returns the challenge, its expiry and the server's ephemeral X25519 public key
 *
 * @example
 * ```ts
 * import { issueChallenge, openChallenge } from "./challenge.ts";
 * const secret = new Uint8Array(32).fill(3);
 * const c = await issueChallenge(secret, { now: 1_800_000_000, random: (n) => new Uint8Array(n) });
 * const o = await openChallenge(secret, { challenge: c.challenge, now: 1_800_000_030 });
 * if (o.kind !== "ok" || o.expiresAt !== 1_800_000_060) throw new Error();
 * ```
 */
export async function issueChallenge(
  secret: Uint8Array,
  options: { now: number; random: (n: number) => Uint8Array },
): Promise<IssuedChallenge> {
  const expiresAt = Math.floor(options.now) + CHALLENGE_LIFETIME_SECONDS;
  const head = new Uint8Array(16);
  head.set(options.random(12).subarray(0, 12), 0);
  new DataView(head.buffer).setUint32(12, expiresAt >>> 0);
  const tag = (await hmacSha256(secret, concat(MAC_LABEL, head))).subarray(0, 16);
  const challenge = concat(head, tag);
  const serverPub = await x25519PublicKey(await challengePrivateKey(secret, challenge));
  return { challenge, expiresAt, serverPub };
}

/** The outcome of {@linkcode openChallenge}. */
export type OpenedChallenge =
  | { kind: "ok"; expiresAt: number; serverPriv: Uint8Array }
  | { kind: "unknown" }
  | { kind: "expired" };

/**
 * Recognizes a challenge issued with `secret` and re-derives its key.
 *
 * @param secret the server's challenge secret
 * @param options the 32 challenge bytes and `now` in unix seconds
 * @returns the expiry and ephemeral private key, or why it is not acceptable
 *
 * @example A forged challenge is unknown
 * ```ts
 * import { openChallenge } from "./challenge.ts";
 * const o = await openChallenge(new Uint8Array(32), { challenge: new Uint8Array(32), now: 0 });
 * if (o.kind !== "unknown") throw new Error();
 * ```
 */
export async function openChallenge(
  secret: Uint8Array,
  options: { challenge: Uint8Array; now: number },
): Promise<OpenedChallenge> {
  const c = options.challenge;
  if (c.length !== 32) return { kind: "unknown" };
  const head = c.slice(0, 16);
  const tag = (await hmacSha256(secret, concat(MAC_LABEL, head))).subarray(0, 16);
  if (!timingSafeEqual(tag, c.subarray(16))) return { kind: "unknown" };
  const expiresAt = new DataView(head.buffer).getUint32(12);
  if (expiresAt <= Math.floor(options.now)) return { kind: "expired" };
  return { kind: "ok", expiresAt, serverPriv: await challengePrivateKey(secret, c) };
}

/**
 * The challenge's ephemeral X25519 private key: `HMAC(secret, label ‖ challenge)`.
 *
 * @param secret the server's challenge secret
 * @param challenge the 32 challenge bytes
 * @returns 32 bytes
 *
 * @example
 * ```ts
 * import { challengePrivateKey } from "./challenge.ts";
 * if ((await challengePrivateKey(new Uint8Array(32), new Uint8Array(32))).length !== 32) throw new Error();
 * ```
 */
export async function challengePrivateKey(
  secret: Uint8Array,
  challenge: Uint8Array,
): Promise<Uint8Array> {
  return await hmacSha256(secret, concat(X25519_LABEL, challenge));
}
