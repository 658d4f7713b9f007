import assert from "node:assert/strict";
import { createKeyring, MacKeyCache, tsigKey } from "./keyring.ts";

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("tsigKey canonicalises and decodes base64", () => {
  const k = tsigKey("Alice-1234.Example.COM.", "HMAC-SHA256.", "AAEC");
  assert.deepEqual(k, {
    name: "alice-1234.example.com",
    algorithm: "hmac-sha256",
    secret: new Uint8Array([0, 1, 2]),
  });
  assert.throws(() => tsigKey("k", "hmac-sha256", ""), RangeError);
  assert.throws(() => tsigKey("k", "hmac-sha256", "not base64!"), RangeError);
  const raw = new Uint8Array([5]);
  const copy = tsigKey("k", "hmac-sha256", raw);
  raw[0] = 6;
  assert.equal(copy.secret[0], 5, "secret copied");
});

Deno.test("createKeyring looks up case-insensitively, with or without the trailing dot", () => {
  const k = tsigKey("a.example", "hmac-sha256", "AAEC");
  const ring = createKeyring([k]);
  assert.equal(ring.lookup("A.EXAMPLE."), k);
  assert.equal(ring.lookup("a.example"), k);
  assert.equal(ring.lookup("b.example"), undefined);
});

Deno.test("MacKeyCache: RFC 4231 HMAC values for every WebCrypto algorithm", async () => {
  const cache = new MacKeyCache();
  const data = new TextEncoder().encode("Hi There");
  const secret = new Uint8Array(20).fill(0x0b);
  const expected: Record<string, string> = {
    "hmac-sha224": "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
    "hmac-sha256": "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    "hmac-sha384":
      "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
    "hmac-sha512":
      "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
  };
  for (const [alg, mac] of Object.entries(expected)) {
    const mk = await cache.get(tsigKey("k", alg, secret));
    assert.ok(mk);
    assert.equal(hex(await mk.sign(data)), mac, alg);
  }
  assert.equal(
    await cache.get({ name: "k", algorithm: "hmac-md5.sig-alg.reg.int", secret }),
    undefined,
  );
  assert.equal(
    await cache.get({ name: "k", algorithm: "hmac-sha256", secret: new Uint8Array() }),
    undefined,
  );
});

Deno.test("MacKeyCache is bounded (LRU) and re-imports a changed secret", async () => {
  const cache = new MacKeyCache(2);
  const a = tsigKey("a", "hmac-sha256", "AAEC");
  const b = tsigKey("b", "hmac-sha256", "AAEC");
  const c = tsigKey("c", "hmac-sha256", "AAEC");
  const ma = await cache.get(a);
  await cache.get(b);
  assert.equal(await cache.get(a), ma, "hit returns the same imported key");
  await cache.get(c); // evicts b (least recently used)
  assert.equal(cache.size, 2);
  assert.equal(await cache.get(a), ma, "a survived");
  const rotated = tsigKey("a", "hmac-sha256", "BBEC");
  const mr = await cache.get(rotated);
  assert.notEqual(mr, ma);
  const data = new Uint8Array([1]);
  assert.notEqual(hex(await mr!.sign(data)), hex(await ma!.sign(data)));
  cache.clear();
  assert.equal(cache.size, 0);
});

Deno.test("MacKeyCache.peek: only an imported key with the same secret, computing the same MAC", async () => {
  const cache = new MacKeyCache();
  const key = tsigKey("k.test", "hmac-sha256", "c2VjcmV0");
  assert.equal(cache.peek(key), undefined, "nothing before the first get");
  const imported = await cache.get(key);
  const peeked = cache.peek(key);
  assert.ok(imported && peeked);
  const data = new TextEncoder().encode("message");
  assert.deepEqual(peeked.macSync?.(data), await imported.sign(data));
  assert.equal(cache.peek(tsigKey("k.test", "hmac-sha256", "b3RoZXI=")), undefined, "new secret");
  assert.equal(
    cache.peek(tsigKey("k.test", "hmac-sha512", "c2VjcmV0")),
    undefined,
    "other algorithm",
  );
  const sha1 = tsigKey("s.test", "hmac-sha1", "c2VjcmV0");
  await cache.get(sha1);
  assert.equal(cache.peek(sha1)?.macSync, undefined, "WebCrypto keys have no synchronous MAC");
});
