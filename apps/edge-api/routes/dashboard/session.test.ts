import assert from "node:assert/strict";
import { checkCsrf, csrfToken, mintSession, SESSION_SECONDS, verifySession } from "./session.ts";

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

Deno.test("a minted session verifies until it expires, and only under its operator token", async () => {
  const { cookie, session } = await mintSession("tok-a", 1000, random);
  assert.deepEqual(await verifySession("tok-a", cookie, 1000), session);
  assert.deepEqual(await verifySession("tok-a", cookie, 1000 + SESSION_SECONDS - 1), session);
  assert.equal(await verifySession("tok-a", cookie, 1000 + SESSION_SECONDS), undefined);
  // Rotating the operator token ends every session.
  assert.equal(await verifySession("tok-b", cookie, 1000), undefined);
});

Deno.test("a session with a changed expiry, nonce or MAC does not verify", async () => {
  const { cookie } = await mintSession("tok", 1000, random);
  const [exp, nonce, mac] = cookie.split(".");
  const other = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1);
  for (
    const forged of [
      `${Number(exp) + 1}.${nonce}.${mac}`,
      `${exp}.${other(nonce)}.${mac}`,
      `${exp}.${nonce}.${other(mac)}`,
      `${exp}.${nonce}`,
      "",
      `${exp}.${nonce}.${mac}.x`,
    ]
  ) assert.equal(await verifySession("tok", forged, 1000), undefined, forged);
});

Deno.test("the CSRF token is bound to its session", async () => {
  const a = (await mintSession("tok", 1000, random)).session;
  const b = (await mintSession("tok", 1000, random)).session;
  const ta = await csrfToken("tok", a);
  assert.ok(await checkCsrf("tok", a, ta));
  assert.ok(!await checkCsrf("tok", b, ta));
  assert.ok(!await checkCsrf("tok", a, ""));
  assert.ok(!await checkCsrf("tok-b", a, ta));
});
