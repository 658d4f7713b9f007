import assert from "node:assert/strict";
import { RCODE, TYPE } from "../wire/constants.ts";
import { decodeMessage, encodeMessage, type ResourceRecord } from "../wire/message.ts";
import { encodeSoaRdata } from "../wire/rdata.ts";
import { createKeyring, tsigKey } from "./keyring.ts";
import { buildTsigErrorResponse, createTcpSigner, signRequest, signResponse } from "./sign.ts";
import { readTsigRecord } from "./tsig_rdata.ts";
import { verifyTsig } from "./verify.ts";
import { createTcpVerifier, verifyResponse } from "./verify_response.ts";
import {
  answerTo,
  nowSeconds,
  randomSecret,
  run,
  tcpServeOnce,
  txt,
  UdpCapture,
} from "./dns_client_harness_deno.ts";

const KEY_NAME = "alice-abc.example.com";

function tsigOffsetOf(wire: Uint8Array): number | undefined {
  const d = decodeMessage(wire);
  assert.ok(d.ok, d.ok ? "" : d.error);
  return d.message.tsigOffset;
}

/**
 * Runs a real `nsupdate -y` UPDATE against a capture socket and answers it
 * with whatever `respond` builds from the verification of the request.
 */
async function nsupdateWith(
  respond: (request: Uint8Array, secret: Uint8Array) => Promise<Uint8Array>,
): Promise<{ code: number; text: string }> {
  const cap = await UdpCapture.open();
  const secret = randomSecret();
  const script =
    `server 127.0.0.1 ${cap.port}\nzone example.com\nupdate add a.example.com 60 TXT "x"\nsend\n`;
  const client = run("nsupdate", [
    "-y",
    `hmac-sha256:${KEY_NAME}:${secret.b64}`,
    "-u",
    "2",
    "-r",
    "0",
    "-t",
    "4",
  ], {
    stdin: script,
    timeoutMs: 10_000,
  });
  try {
    const d = await cap.next(5000);
    await cap.reply(d, await respond(d.data, secret.raw));
  } finally {
    await cap.close();
  }
  const out = await client;
  assert.equal(out.timedOut, false, "nsupdate finished");
  return { code: out.code, text: out.stdout + out.stderr };
}

async function verifiedRequest(request: Uint8Array, secret: Uint8Array, now: number) {
  const off = tsigOffsetOf(request);
  assert.ok(off !== undefined);
  const ring = createKeyring([tsigKey(KEY_NAME, "hmac-sha256", secret)]);
  return await verifyTsig(request, off, ring, { now });
}

Deno.test("nsupdate -y accepts a signed NOERROR answer to its UPDATE", async () => {
  const { code, text } = await nsupdateWith(async (req, secret) => {
    const v = await verifiedRequest(req, secret, nowSeconds());
    assert.equal(v.kind, "verified");
    assert.ok(v.kind === "verified");
    return await signResponse(answerTo(req), {
      key: v.key,
      requestMac: v.requestMac,
      now: nowSeconds(),
    });
  });
  assert.equal(code, 0, text);
  assert.doesNotMatch(text, /fail|error|BAD/i, text);
});

Deno.test("nsupdate -y sees a signed REFUSED as a clean REFUSED (no TSIG complaint)", async () => {
  const { code, text } = await nsupdateWith(async (req, secret) => {
    const v = await verifiedRequest(req, secret, nowSeconds());
    assert.ok(v.kind === "verified");
    return await signResponse(answerTo(req, [], RCODE.REFUSED), {
      key: v.key,
      requestMac: v.requestMac,
      now: nowSeconds(),
    });
  });
  assert.notEqual(code, 0);
  assert.match(text, /REFUSED/, text);
  assert.doesNotMatch(text, /tsig|BADSIG|BADKEY/i, text);
});

Deno.test("nsupdate -y reports an unsigned BADKEY answer", async () => {
  const { code, text } = await nsupdateWith(async (req) => {
    // The node does not know the key.
    const off = tsigOffsetOf(req);
    assert.ok(off !== undefined);
    const v = await verifyTsig(req, off, createKeyring([]), { now: nowSeconds() });
    assert.equal(v.kind, "badkey");
    assert.ok(v.kind === "badkey");
    return await buildTsigErrorResponse(answerTo(req), {
      ...v,
      error: RCODE.BADKEY,
      now: nowSeconds(),
    });
  });
  assert.notEqual(code, 0);
  assert.match(text, /NOTAUTH\(BADKEY\)/, text);
  assert.match(text, /tsig indicates error/, text);
});

Deno.test("nsupdate -y reports an unsigned BADSIG answer", async () => {
  const { code, text } = await nsupdateWith(async (req) => {
    const off = tsigOffsetOf(req);
    assert.ok(off !== undefined);
    const ring = createKeyring([tsigKey(KEY_NAME, "hmac-sha256", randomSecret().raw)]);
    const v = await verifyTsig(req, off, ring, { now: nowSeconds() });
    assert.equal(v.kind, "badsig");
    assert.ok(v.kind === "badsig");
    return await buildTsigErrorResponse(answerTo(req), {
      keyName: v.keyName,
      algorithm: v.algorithm,
      originalId: v.originalId,
      timeSigned: v.timeSigned,
      fudge: v.fudge,
      error: RCODE.BADSIG,
      now: nowSeconds(),
    });
  });
  assert.notEqual(code, 0);
  assert.match(text, /NOTAUTH\(BADSIG\)/, text);
  assert.match(text, /tsig indicates error/, text);
});

Deno.test("nsupdate -y reports a signed BADTIME answer (server clock an hour ahead)", async () => {
  const serverNow = nowSeconds() + 3600;
  const { code, text } = await nsupdateWith(async (req, secret) => {
    const v = await verifiedRequest(req, secret, serverNow);
    assert.equal(v.kind, "badtime");
    assert.ok(v.kind === "badtime");
    const out = await buildTsigErrorResponse(answerTo(req), {
      ...v,
      error: RCODE.BADTIME,
      now: serverNow,
    });
    // RFC 8945 §5.2.3: signed, request's Time Signed/Fudge, server time in Other Data.
    const off = tsigOffsetOf(out);
    assert.ok(off !== undefined);
    const rec = readTsigRecord(out, off);
    assert.ok(rec.ok);
    assert.equal(rec.record.rdata.error, RCODE.BADTIME);
    assert.equal(rec.record.rdata.timeSigned, v.timeSigned);
    assert.equal(rec.record.rdata.otherData.length, 6);
    assert.equal(rec.record.rdata.mac.length, 32);
    const check = await verifyResponse(out, off, {
      key: v.key,
      requestMac: v.requestMac,
      now: nowSeconds(),
    });
    assert.equal(check.ok, true);
    return out;
  });
  assert.notEqual(code, 0);
  assert.match(text, /NOTAUTH\(BADTIME\)/, text);
  // BIND only reports the clock skew after the signed BADTIME answer verified.
  assert.match(text, /clocks are unsynchronized/, text);
  assert.doesNotMatch(text, /tsig verify failure|expected a TSIG/i, text);
});

Deno.test("nsupdate -y rejects a BADTIME answer signed with the wrong key", async () => {
  const serverNow = nowSeconds() + 3600;
  const { code, text } = await nsupdateWith(async (req, secret) => {
    const v = await verifiedRequest(req, secret, serverNow);
    assert.ok(v.kind === "badtime");
    return await buildTsigErrorResponse(answerTo(req), {
      ...v,
      key: tsigKey(KEY_NAME, "hmac-sha256", randomSecret().raw),
      error: RCODE.BADTIME,
      now: serverNow,
    });
  });
  assert.notEqual(code, 0);
  assert.match(text, /tsig verify failure/, text);
  assert.doesNotMatch(text, /clocks are unsynchronized/, text);
});

// ---- multi-message TCP (RFC 8945 §5.3.1), verified by dig AXFR ----

const SOA: ResourceRecord = {
  name: "example.com",
  type: TYPE.SOA,
  class: 1,
  ttl: 60,
  rdata: encodeSoaRdata({
    mname: "ns.example.com",
    rname: "hostmaster.example.com",
    serial: 7,
    refresh: 60,
    retry: 60,
    expire: 600,
    minimum: 60,
  }),
};

/** AXFR-shaped messages: SOA first, TXT records, SOA last, `count` messages. */
function axfrMessages(request: Uint8Array, count: number): Uint8Array[] {
  const d = decodeMessage(request);
  assert.ok(d.ok);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const answers: ResourceRecord[] = [];
    if (i === 0) answers.push(SOA);
    answers.push(txt(`r${i}.example.com`, `value-${i}`));
    if (i === count - 1) answers.push(SOA);
    out.push(encodeMessage({
      id: d.message.id,
      flags: 0x8400,
      opcode: 0,
      rcode: 0,
      questions: i === 0 ? d.message.questions : [],
      answers,
      authorities: [],
      additionals: [],
    }));
  }
  return out;
}

async function digAxfr(
  makeReplies: (
    request: Uint8Array,
    key: ReturnType<typeof tsigKey>,
    requestMac: Uint8Array,
  ) => Promise<Uint8Array[]>,
): Promise<string> {
  const secret = randomSecret();
  const key = tsigKey(KEY_NAME, "hmac-sha256", secret.raw);
  const server = await tcpServeOnce(async (request) => {
    const off = tsigOffsetOf(request);
    assert.ok(off !== undefined);
    const v = await verifyTsig(request, off, createKeyring([key]), { now: nowSeconds() });
    assert.equal(v.kind, "verified");
    assert.ok(v.kind === "verified");
    return await makeReplies(request, key, v.requestMac);
  });
  try {
    const out = await run("dig", [
      "@127.0.0.1",
      "-p",
      String(server.port),
      "-y",
      `hmac-sha256:${KEY_NAME}:${secret.b64}`,
      "example.com",
      "AXFR",
      "+tries=1",
      "+time=3",
    ], { timeoutMs: 10_000 });
    assert.equal(out.timedOut, false);
    return out.stdout + out.stderr;
  } finally {
    server.close();
  }
}

for (const interval of [1, 2, 3]) {
  Deno.test(`dig AXFR over TCP verifies a 5-message response signed every ${interval} message(s)`, async () => {
    const text = await digAxfr(async (request, key, requestMac) => {
      const signer = createTcpSigner({ key, requestMac, interval });
      const msgs = axfrMessages(request, 5);
      const out: Uint8Array[] = [];
      for (let i = 0; i < msgs.length; i++) {
        out.push(await signer.sign(msgs[i], nowSeconds(), i === msgs.length - 1));
      }
      // The first and the last are always signed.
      assert.notEqual(tsigOffsetOf(out[0]), undefined);
      assert.notEqual(tsigOffsetOf(out[4]), undefined);
      if (interval === 3) {
        assert.equal(tsigOffsetOf(out[1]), undefined);
        assert.equal(tsigOffsetOf(out[2]), undefined);
        assert.notEqual(tsigOffsetOf(out[3]), undefined);
      }
      return out;
    });
    for (let i = 0; i < 5; i++) assert.match(text, new RegExp(`value-${i}`), text);
    assert.match(text, /XFR size: 7 records/, text);
    assert.doesNotMatch(text, /failed|tsig verify failure|Couldn't verify|WARNING/i, text);
  });
}

Deno.test("dig AXFR rejects a stream whose later message is chained to the wrong prior MAC", async () => {
  const text = await digAxfr(async (request, key, requestMac) => {
    const msgs = axfrMessages(request, 3);
    const good = createTcpSigner({ key, requestMac });
    const bogus = createTcpSigner({ key, requestMac: new Uint8Array(32) });
    const first = await good.sign(msgs[0], nowSeconds(), false);
    await bogus.sign(msgs[0], nowSeconds(), false);
    return [
      first,
      await bogus.sign(msgs[1], nowSeconds(), false),
      await good.sign(msgs[2], nowSeconds(), true),
    ];
  });
  assert.match(text, /Couldn't verify signature: tsig verify failure/, text);
});

// ---- pure unit tests ----

const key = tsigKey("k.example", "hmac-sha256", new Uint8Array(32).fill(3));
const query = encodeMessage({
  id: 0x4242,
  flags: 0x0100,
  opcode: 0,
  rcode: 0,
  questions: [{ name: "example.com", type: TYPE.TXT, class: 1 }],
  answers: [],
  authorities: [],
  additionals: [],
});

Deno.test("signResponse → verifyResponse round trip, chained to the request MAC", async () => {
  const req = await signRequest(query, { key, now: 1000 });
  const resp = await signResponse(answerTo(req.wire), { key, requestMac: req.mac, now: 1010 });
  const off = tsigOffsetOf(resp);
  assert.ok(off !== undefined);
  const ok = await verifyResponse(resp, off, { key, requestMac: req.mac, now: 1010 });
  assert.equal(ok.ok, true);
  assert.ok(ok.ok);
  assert.equal(ok.rdata.fudge, 300);
  assert.equal(ok.rdata.originalId, 0x4242);
  assert.equal(ok.rdata.error, 0);
  const wrongChain = await verifyResponse(resp, off, {
    key,
    requestMac: new Uint8Array(32),
    now: 1010,
  });
  assert.deepEqual([wrongChain.ok, !wrongChain.ok && wrongChain.reason], [false, "badsig"]);
  const late = await verifyResponse(resp, off, { key, requestMac: req.mac, now: 2000 });
  assert.deepEqual([late.ok, !late.ok && late.reason], [false, "badtime"]);
  const other = tsigKey("other", "hmac-sha256", key.secret);
  const bk = await verifyResponse(resp, off, { key: other, requestMac: req.mac, now: 1010 });
  assert.deepEqual([bk.ok, !bk.ok && bk.reason], [false, "badkey"]);
});

Deno.test("signResponse honours fudge, error and other data", async () => {
  const resp = await signResponse(query, {
    key,
    requestMac: new Uint8Array(32),
    now: 77,
    fudge: 10,
    error: RCODE.BADTRUNC,
    otherData: new Uint8Array([1, 2]),
  });
  const off = tsigOffsetOf(resp);
  assert.equal(off, query.length);
  const rec = readTsigRecord(resp, query.length);
  assert.ok(rec.ok);
  assert.equal(rec.record.keyName, "k.example");
  assert.equal(rec.record.rdata.algorithm, "hmac-sha256");
  assert.equal(rec.record.rdata.fudge, 10);
  assert.equal(rec.record.rdata.timeSigned, 77);
  assert.equal(rec.record.rdata.error, RCODE.BADTRUNC);
  assert.deepEqual([...rec.record.rdata.otherData], [1, 2]);
  assert.equal(resp[11], 1, "ARCOUNT incremented");
  assert.deepEqual(resp.subarray(12, query.length), query.subarray(12));
});

Deno.test("buildTsigErrorResponse: BADKEY/BADSIG unsigned, NOTAUTH, request fields echoed", async () => {
  for (const error of [RCODE.BADKEY, RCODE.BADSIG]) {
    const out = await buildTsigErrorResponse(answerTo(query), {
      keyName: "Unknown.Example.",
      algorithm: "hmac-sha256.",
      error,
      originalId: 0x4242,
      timeSigned: 500,
      fudge: 300,
      now: 600,
      key, // even with a key, key/MAC errors MUST NOT be signed (§5.3.2)
      requestMac: new Uint8Array(32),
    });
    assert.equal(out[3] & 0xf, RCODE.NOTAUTH);
    const d = decodeMessage(out);
    assert.ok(d.ok);
    assert.equal(d.message.questions[0].name, "example.com", "question echoed");
    const off = d.message.tsigOffset;
    assert.ok(off !== undefined);
    const rec = readTsigRecord(out, off);
    assert.ok(rec.ok);
    assert.equal(rec.record.keyName, "unknown.example");
    assert.equal(rec.record.rdata.error, error);
    assert.equal(rec.record.rdata.mac.length, 0);
    assert.equal(rec.record.rdata.originalId, 0x4242);
    assert.equal(rec.record.rdata.timeSigned, 600);
    assert.equal(rec.record.rdata.otherData.length, 0);
  }
});

Deno.test("buildTsigErrorResponse: BADTIME signed with request time/fudge and server time (§5.2.3)", async () => {
  const req = await signRequest(query, { key, now: 1000, fudge: 120 });
  const v = await verifyTsig(req.wire, query.length, createKeyring([key]), { now: 5000 });
  assert.ok(v.kind === "badtime");
  const out = await buildTsigErrorResponse(answerTo(req.wire), {
    ...v,
    error: RCODE.BADTIME,
    now: 5000,
  });
  const off = tsigOffsetOf(out);
  assert.ok(off !== undefined);
  const rec = readTsigRecord(out, off);
  assert.ok(rec.ok);
  assert.equal(rec.record.rdata.timeSigned, 1000);
  assert.equal(rec.record.rdata.fudge, 120);
  assert.deepEqual([...rec.record.rdata.otherData], [0, 0, 0, 0, 0x13, 0x88]);
  // The client (clock at 1000) can verify it.
  const check = await verifyResponse(out, off, { key, requestMac: req.mac, now: 1000 });
  assert.equal(check.ok, true);
  // Without a key a BADTIME answer is unsigned but still carries the times.
  const unsigned = await buildTsigErrorResponse(answerTo(req.wire), {
    keyName: v.keyName,
    algorithm: v.algorithm,
    originalId: v.originalId,
    timeSigned: v.timeSigned,
    fudge: v.fudge,
    error: RCODE.BADTIME,
    now: 5000,
  });
  const r2 = readTsigRecord(unsigned, tsigOffsetOf(unsigned) ?? -1);
  assert.ok(r2.ok);
  assert.equal(r2.record.rdata.mac.length, 0);
  assert.equal(r2.record.rdata.otherData.length, 6);
});

Deno.test("TCP signer + verifier agree for every interval, and catch reordering", async () => {
  const req = await signRequest(query, { key, now: 1000 });
  const base = answerTo(req.wire, [txt("example.com", "v")]);
  for (const interval of [1, 2, 7, 100]) {
    const signer = createTcpSigner({ key, requestMac: req.mac, interval });
    const verifier = createTcpVerifier({ key, requestMac: req.mac });
    const n = 250;
    let unsignedRun = 0;
    for (let i = 0; i < n; i++) {
      const msg = await signer.sign(base, 1000 + i, i === n - 1);
      const off = tsigOffsetOf(msg);
      const r = await verifier.verify(msg, off, 1000 + i);
      if (off === undefined) {
        unsignedRun++;
        assert.ok(unsignedRun < 100, "at least every 100th message is signed");
        assert.deepEqual([r.ok, !r.ok && r.reason], [false, "unsigned"]);
      } else {
        unsignedRun = 0;
        assert.equal(r.ok, true, `interval ${interval} message ${i}`);
        assert.ok(r.ok);
        assert.deepEqual(r.mac, signer.lastMac);
      }
    }
    assert.equal(verifier.settled, true, "last message signed");
  }
  // Swapping two signed messages breaks the chain.
  const signer = createTcpSigner({ key, requestMac: req.mac });
  const a = await signer.sign(base, 1000, false);
  const b = await signer.sign(base, 1000, false);
  const c = await signer.sign(base, 1000, true);
  const verifier = createTcpVerifier({ key, requestMac: req.mac });
  assert.equal((await verifier.verify(a, tsigOffsetOf(a), 1000)).ok, true);
  const r = await verifier.verify(c, tsigOffsetOf(c), 1000);
  assert.deepEqual([r.ok, !r.ok && r.reason], [false, "badsig"]);
  void b;
});

Deno.test("createTcpSigner rejects intervals outside 1..100", () => {
  assert.throws(
    () => createTcpSigner({ key, requestMac: new Uint8Array(), interval: 0 }),
    RangeError,
  );
  assert.throws(
    () => createTcpSigner({ key, requestMac: new Uint8Array(), interval: 101 }),
    RangeError,
  );
});

Deno.test("signing with an unsupported algorithm rejects", async () => {
  const md5 = { name: "k", algorithm: "hmac-md5.sig-alg.reg.int", secret: new Uint8Array(16) };
  await assert.rejects(signRequest(query, { key: md5, now: 1 }), RangeError);
});
