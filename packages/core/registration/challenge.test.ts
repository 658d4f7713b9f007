import assert from "node:assert/strict";
import { challengePrivateKey, issueChallenge, openChallenge } from "./challenge.ts";
import { x25519PublicKey } from "./x25519_pop.ts";

const SECRET = new Uint8Array(32).fill(0x5a);
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

Deno.test("openChallenge() accepts a challenge within 60 s and re-derives its X25519 key (brief §2.1)", async () => {
  const c = await issueChallenge(SECRET, { now: 1_800_000_000, random });
  assert.equal(c.challenge.length, 32);
  assert.equal(c.expiresAt, 1_800_000_060);
  const o = await openChallenge(SECRET, { challenge: c.challenge, now: 1_800_000_059 });
  assert.equal(o.kind, "ok");
  if (o.kind !== "ok") return;
  assert.deepEqual(await x25519PublicKey(o.serverPriv), c.serverPub);
  assert.deepEqual(o.serverPriv, await challengePrivateKey(SECRET, c.challenge));
});

Deno.test("openChallenge() reports expiry at 60 s, a tampered byte and another secret as not acceptable", async () => {
  const c = await issueChallenge(SECRET, { now: 1_800_000_000, random });
  assert.equal(
    (await openChallenge(SECRET, { challenge: c.challenge, now: 1_800_000_060 })).kind,
    "expired",
  );
  const t = c.challenge.slice();
  t[13] ^= 1; // moves the expiry: the MAC must catch it
  assert.equal((await openChallenge(SECRET, { challenge: t, now: 1_800_000_000 })).kind, "unknown");
  const other = new Uint8Array(32).fill(1);
  assert.equal(
    (await openChallenge(other, { challenge: c.challenge, now: 1_800_000_000 })).kind,
    "unknown",
  );
});
