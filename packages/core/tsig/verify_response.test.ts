import assert from "node:assert/strict";
import { encodeMessage } from "../wire/message.ts";
import { tsigKey } from "./keyring.ts";
import { buildTsigErrorResponse, createTcpSigner, signRequest, signResponse } from "./sign.ts";
import { createTcpVerifier, verifyResponse } from "./verify_response.ts";

const key = tsigKey("k.example", "hmac-sha256", new Uint8Array(32).fill(9));
const msg = encodeMessage({
  id: 9,
  flags: 0x8400,
  opcode: 0,
  rcode: 0,
  questions: [{ name: "example.com", type: 16, class: 1 }],
  answers: [],
  authorities: [],
  additionals: [],
});

Deno.test("verifyResponse: ok, unsigned, unsigned error, tampered", async () => {
  const req = await signRequest(msg, { key, now: 100 });
  const resp = await signResponse(msg, { key, requestMac: req.mac, now: 100 });
  const opts = { key, requestMac: req.mac, now: 100 };
  assert.equal((await verifyResponse(resp, msg.length, opts)).ok, true);
  const u = await verifyResponse(msg, undefined, opts);
  assert.deepEqual([u.ok, !u.ok && u.reason], [false, "unsigned"]);
  const badkey = await buildTsigErrorResponse(msg, {
    keyName: key.name,
    algorithm: key.algorithm,
    error: 17,
    originalId: 9,
    timeSigned: 100,
    fudge: 300,
    now: 100,
  });
  const e = await verifyResponse(badkey, msg.length, opts);
  assert.ok(!e.ok);
  assert.equal(e.reason, "unsigned");
  assert.equal(e.rdata?.error, 17);
  const tampered = resp.slice();
  tampered[13] ^= 1;
  const t = await verifyResponse(tampered, msg.length, opts);
  assert.deepEqual([t.ok, !t.ok && t.reason], [false, "badsig"]);
  const f = await verifyResponse(resp.slice(0, -1), msg.length, opts);
  assert.deepEqual([f.ok, !f.ok && f.reason], [false, "formerr"]);
});

Deno.test("TCP verifier: first message must be signed; >99 unsigned in a row fails", async () => {
  const v = createTcpVerifier({ key, requestMac: new Uint8Array() });
  const r = await v.verify(msg, undefined, 0);
  assert.deepEqual([r.ok, !r.ok && r.reason], [false, "unsigned"]);
  assert.equal(v.settled, false);

  const signer = createTcpSigner({ key, requestMac: new Uint8Array(32), interval: 100 });
  const v2 = createTcpVerifier({ key, requestMac: new Uint8Array(32) });
  assert.equal((await v2.verify(await signer.sign(msg, 0, false), msg.length, 0)).ok, true);
  for (let i = 0; i < 99; i++) {
    const m = await signer.sign(msg, 0, false);
    assert.equal(m.length, msg.length, "unsigned pass-through");
    await v2.verify(m, undefined, 0);
  }
  const hundredth = await signer.sign(msg, 0, false);
  assert.notEqual(hundredth.length, msg.length, "the 100th after a signed one is signed");
  assert.equal((await v2.verify(hundredth, msg.length, 0)).ok, true);
  for (let i = 0; i < 99; i++) await v2.verify(msg, undefined, 0);
  const over = await v2.verify(msg, undefined, 0);
  assert.deepEqual([over.ok, !over.ok && over.reason], [false, "formerr"]);
});
