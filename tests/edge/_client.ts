/**
 * A registration client written from the brief (§2.1–§2.3), independent of
 * the server's modules: Ed25519 with @noble/ed25519, X25519 and HMAC-SHA256
 * with WebCrypto. It signs `challenge ‖ subject ‖ node ‖ 0x01` and proves
 * possession of its X25519 key with `HMAC(X25519(priv, server_pub),
 * challenge ‖ subject ‖ x25519_pub)`.
 *
 * @module
 */

import * as ed from "@noble/ed25519";

const enc = new TextEncoder();

/** Hex of bytes. */
export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Bytes of hex (test input is trusted). */
export function fromHex(h: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const PKCS8_PREFIX = fromHex("302e020100300506032b656e04220420");

async function x25519Private(seed: Uint8Array): Promise<CryptoKey> {
  return await crypto.subtle.importKey(
    "pkcs8",
    concat(PKCS8_PREFIX, seed),
    { name: "X25519" },
    true,
    [
      "deriveBits",
    ],
  );
}

/** A user's keys. */
export interface Identity {
  edSeed: Uint8Array;
  spkHex: string;
  x25519Seed: Uint8Array;
  x25519PubHex: string;
}

/** A fresh identity. */
export async function newIdentity(): Promise<Identity> {
  const edSeed = crypto.getRandomValues(new Uint8Array(32));
  const x25519Seed = crypto.getRandomValues(new Uint8Array(32));
  const jwk = await crypto.subtle.exportKey("jwk", await x25519Private(x25519Seed));
  const x = atob(String(jwk.x).replace(/-/g, "+").replace(/_/g, "/") + "=");
  return {
    edSeed,
    spkHex: toHex(await ed.getPublicKeyAsync(edSeed)),
    x25519Seed,
    x25519PubHex: toHex(Uint8Array.from(x, (ch) => ch.charCodeAt(0))),
  };
}

/** Signs the registration message (brief §2.2). */
export async function signRegistration(
  id: Identity,
  o: { challengeHex: string; subject: string; node: string },
): Promise<string> {
  const msg = concat(
    fromHex(o.challengeHex),
    enc.encode(o.subject),
    enc.encode(o.node),
    new Uint8Array([1]),
  );
  return toHex(await ed.signAsync(msg, id.edSeed));
}

/** The X25519 proof of possession (brief §2.3 step 8). */
export async function proveX25519(
  id: Identity,
  o: { challengeHex: string; subject: string; serverPubHex: string },
): Promise<string> {
  const server = await crypto.subtle.importKey(
    "raw",
    fromHex(o.serverPubHex),
    { name: "X25519" },
    true,
    [],
  );
  const shared = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "X25519", public: server },
      await x25519Private(id.x25519Seed),
      256,
    ),
  );
  const key = await crypto.subtle.importKey(
    "raw",
    shared,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const msg = concat(fromHex(o.challengeHex), enc.encode(o.subject), fromHex(id.x25519PubHex));
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, msg)));
}

/** The challenge response (brief §2.1). */
export interface Challenge {
  challenge: string;
  node: string;
  expires_at: number;
  server_x25519_pub: string;
  version: number;
}

/** Options of {@linkcode register}. */
export interface RegisterOptions {
  subject: string;
  id: Identity;
  /** client address presented through the trusted proxy header */
  ip: string;
  flavour?: "tsig" | "token";
  pop?: boolean;
  /** base URL confirming, when it differs from the one issuing */
  confirmAt?: string;
  /** reuse a challenge */
  challenge?: Challenge;
  /** override the signed subject (to sign a non-canonical spelling) */
  signSubject?: string;
}

/** Fetches a challenge from `base` as client `ip`. */
export async function getChallenge(base: string, ip: string): Promise<Challenge> {
  const r = await fetch(`${base}/v1/registration/challenge`, {
    headers: { "x-forwarded-for": ip },
  });
  if (r.status !== 200) throw new Error(`challenge: ${r.status} ${await r.text()}`);
  return await r.json() as Challenge;
}

/** Runs the full flow; returns status, body and the challenge used. */
export async function register(
  base: string,
  o: RegisterOptions,
): Promise<{ status: number; body: Record<string, unknown>; challenge: Challenge }> {
  const ch = o.challenge ?? await getChallenge(base, o.ip);
  const signature = await signRegistration(o.id, {
    challengeHex: ch.challenge,
    subject: o.signSubject ?? o.subject,
    node: ch.node,
  });
  const body: Record<string, string> = {
    subject: o.subject,
    ed25519_spk: o.id.spkHex,
    challenge: ch.challenge,
    signature,
  };
  if ((o.flavour ?? "tsig") === "tsig" && o.pop !== false) {
    body.x25519_pub = o.id.x25519PubHex;
    body.x25519_pop = await proveX25519(o.id, {
      challengeHex: ch.challenge,
      subject: o.subject,
      serverPubHex: ch.server_x25519_pub,
    });
  }
  const path = (o.flavour ?? "tsig") === "tsig" ? "tsig-confirm" : "confirm";
  const r = await fetch(`${o.confirmAt ?? base}/v1/registration/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": o.ip },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() as Record<string, unknown>, challenge: ch };
}
