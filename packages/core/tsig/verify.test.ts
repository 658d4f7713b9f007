import assert from "node:assert/strict";
import { TYPE } from "../wire/constants.ts";
import { decodeMessage, encodeMessage } from "../wire/message.ts";
import { createKeyring, MacKeyCache, tsigKey } from "./keyring.ts";
import { signRequest, signResponse } from "./sign.ts";
import { encodeTsigRecord, readTsigRecord } from "./tsig_rdata.ts";
import { verifyTsig } from "./verify.ts";
import {
  answerTo,
  type Datagram,
  nowSeconds,
  randomSecret,
  run,
  txt,
  UdpCapture,
} from "./dns_client_harness_deno.ts";

const KEY_NAME = "alice-abc.example.com";
/** What dig/kdig print when a response's TSIG does not verify. */
const TSIG_FAILURE =
  /WARNING: (?!recursion requested)|verify failure|Couldn't verify|failed to verify|BADSIG|BADKEY|BADTIME/i;

interface Captured {
  capture: UdpCapture;
  datagram: Datagram;
  client: Promise<{ stdout: string; stderr: string; code: number }>;
}

/** Starts `tool` against a fresh capture socket and returns its first datagram. */
async function capture(
  tool: "dig" | "kdig",
  spec: string,
  extra: string[] = [],
): Promise<Captured> {
  const capture = await UdpCapture.open();
  const args = tool === "dig"
    ? [
      "@127.0.0.1",
      "-p",
      String(capture.port),
      "-y",
      spec,
      "example.com",
      "TXT",
      "+tries=1",
      "+time=3",
      ...extra,
    ]
    : [
      "@127.0.0.1",
      "-p",
      String(capture.port),
      "-y",
      spec,
      "example.com",
      "TXT",
      "+retry=0",
      "+time=3",
      ...extra,
    ];
  const client = run(tool, args, { timeoutMs: 10_000 });
  try {
    const datagram = await capture.next(5000);
    return { capture, datagram, client };
  } catch (e) {
    await capture.close();
    const out = await client;
    throw new Error(`${tool} sent nothing: ${String(e)} ${out.stdout} ${out.stderr}`);
  }
}

function tsigOffsetOf(wire: Uint8Array): number {
  const d = decodeMessage(wire);
  assert.ok(d.ok, "request decodes");
  assert.ok(d.message.tsigOffset !== undefined, "request carries TSIG");
  return d.message.tsigOffset;
}

const ALGORITHMS = ["hmac-sha256", "hmac-sha1", "hmac-sha512", "hmac-sha384", "hmac-sha224"];

for (const tool of ["dig", "kdig"] as const) {
  for (const alg of ALGORITHMS) {
    Deno.test(`${tool} -y ${alg}: verified, tampered → badsig, wrong key → badkey, late → badtime; signed answer accepted`, async () => {
      const secret = randomSecret(alg === "hmac-sha512" || alg === "hmac-sha384" ? 64 : 32);
      const { capture: cap, datagram, client } = await capture(
        tool,
        `${alg}:${KEY_NAME}:${secret.b64}`,
      );
      try {
        const wire = datagram.data;
        const off = tsigOffsetOf(wire);
        const key = tsigKey(KEY_NAME, alg, secret.raw);
        const ring = createKeyring([key]);
        const now = nowSeconds();

        const ok = await verifyTsig(wire, off, ring, { now });
        assert.equal(ok.kind, "verified");
        assert.ok(ok.kind === "verified");
        assert.equal(ok.keyName, KEY_NAME);
        assert.equal(ok.algorithm, alg);
        assert.equal(ok.key, key);
        assert.equal(ok.fudge, 300);
        assert.ok(Math.abs(ok.timeSigned - now) <= 5);
        assert.equal(ok.originalId, (wire[0] << 8) | wire[1]);

        // The ID may be rewritten in transit: the Original ID is what is signed (§4.3.1).
        const idRewritten = wire.slice();
        idRewritten[0] ^= 0x55;
        assert.equal((await verifyTsig(idRewritten, off, ring, { now })).kind, "verified");
        // Any other flipped byte of the signed part is caught.
        for (const i of [2, 3, 5, 13, off - 1]) {
          const bad = wire.slice();
          bad[i] ^= 0x20;
          const r = await verifyTsig(bad, off, ring, { now });
          assert.equal(r.kind, "badsig", `byte ${i}`);
        }
        // A flipped MAC byte, too.
        const macFlip = wire.slice();
        macFlip[wire.length - 8] ^= 1; // inside the MAC? check via parse below
        const parsedFlip = readTsigRecord(macFlip, off);
        if (parsedFlip.ok) {
          const r = await verifyTsig(macFlip, off, ring, { now });
          assert.notEqual(r.kind, "verified");
        }

        // Unknown key name, same secret under another name, algorithm mismatch.
        assert.equal((await verifyTsig(wire, off, createKeyring([]), { now })).kind, "badkey");
        const other = tsigKey("bob.example.com", alg, secret.raw);
        assert.equal((await verifyTsig(wire, off, createKeyring([other]), { now })).kind, "badkey");
        const otherAlg = alg === "hmac-sha256" ? "hmac-sha512" : "hmac-sha256";
        const mismatch = tsigKey(KEY_NAME, otherAlg, secret.raw);
        const mm = await verifyTsig(wire, off, createKeyring([mismatch]), { now });
        assert.equal(mm.kind, "badkey");
        assert.equal(mm.keyName, KEY_NAME);
        // Wrong secret under the right name.
        const wrong = tsigKey(KEY_NAME, alg, randomSecret().raw);
        assert.equal((await verifyTsig(wire, off, createKeyring([wrong]), { now })).kind, "badsig");

        // Time: fudge 300 from the request; checked after the MAC.
        assert.equal((await verifyTsig(wire, off, ring, { now: now + 3600 })).kind, "badtime");
        assert.equal((await verifyTsig(wire, off, ring, { now: now - 3600 })).kind, "badtime");
        const bt = await verifyTsig(wire, off, ring, { now: ok.timeSigned + 300 });
        assert.equal(bt.kind, "verified");
        assert.equal(
          (await verifyTsig(wire, off, ring, { now: ok.timeSigned + 301 })).kind,
          "badtime",
        );
        const late = wire.slice();
        late[5] ^= 1; // QDCOUNT tampered and late: MAC first → badsig
        assert.equal((await verifyTsig(late, off, ring, { now: now + 3600 })).kind, "badsig");

        // Answer it, signed: the client must accept the response.
        const response = await signResponse(answerTo(wire, [txt("example.com", "hello-tsig")]), {
          key,
          requestMac: ok.requestMac,
          now: nowSeconds(),
        });
        await cap.reply(datagram, response);
        const out = await client;
        const text = out.stdout + out.stderr;
        assert.match(text, /hello-tsig/);
        assert.doesNotMatch(text, TSIG_FAILURE, text);
      } finally {
        await cap.close();
        await client;
      }
    });
  }
}

Deno.test("dig -y with a truncated MAC (hmac-sha256-128) verifies", async () => {
  const secret = randomSecret();
  const { capture: cap, datagram, client } = await capture(
    "dig",
    `hmac-sha256-128:${KEY_NAME}:${secret.b64}`,
  );
  try {
    const off = tsigOffsetOf(datagram.data);
    const rec = readTsigRecord(datagram.data, off);
    assert.ok(rec.ok);
    assert.equal(rec.record.rdata.mac.length, 16);
    const ring = createKeyring([tsigKey(KEY_NAME, "hmac-sha256", secret.raw)]);
    const r = await verifyTsig(datagram.data, off, ring, { now: nowSeconds() });
    assert.equal(r.kind, "verified");
    assert.ok(r.kind === "verified");
    assert.equal(r.requestMac.length, 16);
    // The response chains the truncated request MAC as received (§4.3.2).
    const response = await signResponse(answerTo(datagram.data, [txt("example.com", "trunc")]), {
      key: r.key,
      requestMac: r.requestMac,
      now: nowSeconds(),
    });
    await cap.reply(datagram, response);
    const out = await client;
    assert.match(out.stdout, /trunc/);
    assert.doesNotMatch(out.stdout + out.stderr, TSIG_FAILURE, out.stdout + out.stderr);
  } finally {
    await cap.close();
    await client;
  }
});

for (const tool of ["dig", "kdig"] as const) {
  Deno.test(`${tool} answered with a response signed by the wrong secret reports a TSIG failure`, async () => {
    const secret = randomSecret();
    const { capture: cap, datagram, client } = await capture(
      tool,
      `hmac-sha256:${KEY_NAME}:${secret.b64}`,
    );
    try {
      const wire = datagram.data;
      const key = tsigKey(KEY_NAME, "hmac-sha256", secret.raw);
      const ok = await verifyTsig(wire, tsigOffsetOf(wire), createKeyring([key]), {
        now: nowSeconds(),
      });
      assert.equal(ok.kind, "verified");
      const wrongKey = tsigKey(KEY_NAME, "hmac-sha256", randomSecret().raw);
      const response = await signResponse(answerTo(wire, [txt("example.com", "x")]), {
        key: wrongKey,
        requestMac: ok.requestMac ?? new Uint8Array(),
        now: nowSeconds(),
      });
      await cap.reply(datagram, response);
      const out = await client;
      assert.match(out.stdout + out.stderr, TSIG_FAILURE, out.stdout + out.stderr);
    } finally {
      await cap.close();
      await client;
    }
  });
}

Deno.test("dig answered with a response chained to the wrong request MAC reports a TSIG failure", async () => {
  const secret = randomSecret();
  const { capture: cap, datagram, client } = await capture(
    "dig",
    `hmac-sha256:${KEY_NAME}:${secret.b64}`,
  );
  try {
    const wire = datagram.data;
    const key = tsigKey(KEY_NAME, "hmac-sha256", secret.raw);
    const response = await signResponse(answerTo(wire, [txt("example.com", "x")]), {
      key,
      requestMac: new Uint8Array(32),
      now: nowSeconds(),
    });
    await cap.reply(datagram, response);
    const out = await client;
    assert.match(out.stdout + out.stderr, TSIG_FAILURE);
  } finally {
    await cap.close();
    await client;
  }
});

// ---- pure unit tests ----

const query = encodeMessage({
  id: 0x1234,
  flags: 0,
  opcode: 5,
  rcode: 0,
  questions: [{ name: "example.com", type: TYPE.SOA, class: 1 }],
  answers: [txt("a.example.com", "v")],
  authorities: [],
  additionals: [],
});
const unitKey = tsigKey(
  "K.Example.",
  "hmac-sha256",
  new TextEncoder().encode("0123456789abcdef0123456789abcdef"),
);
const unitRing = createKeyring([unitKey]);

/** Rewrites the MAC of a signed message to `mac` (keeping everything else). */
function withMac(signed: Uint8Array, off: number, mac: Uint8Array): Uint8Array {
  const rec = readTsigRecord(signed, off);
  assert.ok(rec.ok);
  const rr = encodeTsigRecord(rec.record.keyName, { ...rec.record.rdata, mac });
  const out = new Uint8Array(off + rr.length);
  out.set(signed.subarray(0, off));
  out.set(rr, off);
  return out;
}

Deno.test("signRequest → verifyTsig round trip; key names compare case-insensitively", async () => {
  const { wire, mac } = await signRequest(query, { key: unitKey, now: 1_700_000_000 });
  const off = tsigOffsetOf(wire);
  assert.equal(off, query.length);
  const r = await verifyTsig(wire, off, unitRing, { now: 1_700_000_100 });
  assert.equal(r.kind, "verified");
  assert.deepEqual(r.requestMac, mac);
  const upper = createKeyring([tsigKey("K.EXAMPLE", "HMAC-SHA256.", unitKey.secret)]);
  assert.equal((await verifyTsig(wire, off, upper, { now: 1_700_000_000 })).kind, "verified");
});

Deno.test("the Original ID is restored before the MAC (RFC 8945 §4.3.1)", async () => {
  const { wire } = await signRequest(query, { key: unitKey, now: 1000 });
  const forwarded = wire.slice();
  forwarded[0] = 0xab; // an intermediary rewrote the ID
  forwarded[1] = 0xcd;
  const r = await verifyTsig(forwarded, query.length, unitRing, { now: 1000 });
  assert.equal(r.kind, "verified");
  assert.equal(r.originalId, 0x1234);
});

Deno.test("truncated MACs (RFC 8945 §5.2.2.1)", async () => {
  const { wire, mac } = await signRequest(query, { key: unitKey, now: 1000 });
  const off = query.length;
  for (const len of [16, 20, 31]) {
    const r = await verifyTsig(withMac(wire, off, mac.slice(0, len)), off, unitRing, { now: 1000 });
    assert.equal(r.kind, "verified", `len ${len}`);
    assert.equal(r.requestMac?.length, len);
  }
  for (const len of [0, 9, 10, 15]) {
    const r = await verifyTsig(withMac(wire, off, mac.slice(0, len)), off, unitRing, { now: 1000 });
    assert.equal(r.kind, "formerr", `len ${len}`);
  }
  const longer = new Uint8Array(33);
  longer.set(mac);
  assert.equal(
    (await verifyTsig(withMac(wire, off, longer), off, unitRing, { now: 1000 })).kind,
    "formerr",
  );
  const badTrunc = mac.slice(0, 16);
  badTrunc[15] ^= 1;
  assert.equal(
    (await verifyTsig(withMac(wire, off, badTrunc), off, unitRing, { now: 1000 })).kind,
    "badsig",
  );
});

Deno.test("hmac-sha1 allows a 10-octet MAC; hmac-sha512 needs 32", async () => {
  const sha1 = tsigKey("k", "hmac-sha1", new Uint8Array(20).fill(7));
  const s1 = await signRequest(query, { key: sha1, now: 5 });
  const r1 = await verifyTsig(
    withMac(s1.wire, query.length, s1.mac.slice(0, 10)),
    query.length,
    createKeyring([sha1]),
    { now: 5 },
  );
  assert.equal(r1.kind, "verified");
  const sha512 = tsigKey("k", "hmac-sha512", new Uint8Array(64).fill(7));
  const s5 = await signRequest(query, { key: sha512, now: 5 });
  const ring5 = createKeyring([sha512]);
  assert.equal(
    (await verifyTsig(withMac(s5.wire, query.length, s5.mac.slice(0, 32)), query.length, ring5, {
      now: 5,
    })).kind,
    "verified",
  );
  assert.equal(
    (await verifyTsig(withMac(s5.wire, query.length, s5.mac.slice(0, 31)), query.length, ring5, {
      now: 5,
    })).kind,
    "formerr",
  );
});

Deno.test("hmac-md5 and unknown algorithms → badkey with the request fields", async () => {
  const { wire } = await signRequest(query, { key: unitKey, now: 1000 });
  const rec = readTsigRecord(wire, query.length);
  assert.ok(rec.ok);
  for (const algorithm of ["hmac-md5.sig-alg.reg.int", "gss-tsig", "hmac-sha3-256"]) {
    const rr = encodeTsigRecord("k.example", { ...rec.record.rdata, algorithm });
    const msg = new Uint8Array(query.length + rr.length);
    msg.set(wire.subarray(0, query.length));
    msg.set(rr, query.length);
    const md5Ring = createKeyring([{ ...unitKey, algorithm }]);
    const r = await verifyTsig(msg, query.length, md5Ring, { now: 1000 });
    assert.equal(r.kind, "badkey", algorithm);
    assert.equal(r.algorithm, algorithm);
    assert.equal(r.keyName, "k.example");
    assert.equal(r.originalId, 0x1234);
    assert.equal(r.timeSigned, 1000);
  }
});

Deno.test("malformed input never throws and yields formerr", async () => {
  const { wire } = await signRequest(query, { key: unitKey, now: 1000 });
  const off = query.length;
  assert.equal((await verifyTsig(new Uint8Array(0), 0, unitRing, { now: 0 })).kind, "formerr");
  assert.equal((await verifyTsig(wire, wire.length, unitRing, { now: 1000 })).kind, "formerr");
  assert.equal((await verifyTsig(wire, -1, unitRing, { now: 1000 })).kind, "formerr");
  assert.equal((await verifyTsig(wire, 1.5, unitRing, { now: 1000 })).kind, "formerr");
  assert.equal((await verifyTsig(wire.slice(0, -1), off, unitRing, { now: 1000 })).kind, "formerr");
  const trailing = new Uint8Array(wire.length + 1);
  trailing.set(wire);
  assert.equal((await verifyTsig(trailing, off, unitRing, { now: 1000 })).kind, "formerr");
  const noArcount = wire.slice();
  noArcount[11] = 0;
  assert.equal((await verifyTsig(noArcount, off, unitRing, { now: 1000 })).kind, "formerr");
  // Class IN instead of ANY (owner "k.example" = 11 octets, then TYPE, CLASS).
  const classIn = wire.slice();
  classIn[off + 11 + 3] = 1;
  assert.equal((await verifyTsig(classIn, off, unitRing, { now: 1000 })).kind, "formerr");
  // Random mutations: any result, never a throw, never "verified".
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let i = 0; i < 400; i++) {
    const m = wire.slice(0, rnd() % 3 === 0 ? rnd() % wire.length : wire.length);
    for (let j = 0; j < 1 + (rnd() % 4); j++) if (m.length) m[rnd() % m.length] = rnd() & 0xff;
    const r = await verifyTsig(m, rnd() % 2 ? off : rnd() % (m.length + 2), unitRing, {
      now: 1000,
    });
    assert.ok(["badkey", "badsig", "badtime", "formerr", "verified"].includes(r.kind));
    if (r.kind === "verified") assert.deepEqual(m, wire); // only the untouched message verifies
  }
});

Deno.test("verifyTsig uses the given MacKeyCache and re-imports a rotated secret", async () => {
  const cache = new MacKeyCache(4);
  const { wire } = await signRequest(query, { key: unitKey, now: 1000, cache });
  assert.equal(cache.size, 1);
  assert.equal(
    (await verifyTsig(wire, query.length, unitRing, { now: 1000, cache })).kind,
    "verified",
  );
  const rotated = createKeyring([tsigKey(unitKey.name, "hmac-sha256", new Uint8Array(32).fill(1))]);
  assert.equal(
    (await verifyTsig(wire, query.length, rotated, { now: 1000, cache })).kind,
    "badsig",
  );
  assert.equal(
    (await verifyTsig(wire, query.length, unitRing, { now: 1000, cache })).kind,
    "verified",
  );
  assert.equal(cache.size, 1);
});

Deno.test("a response signed by signResponse is not a valid request for verifyTsig", async () => {
  const { wire, mac } = await signRequest(query, { key: unitKey, now: 1000 });
  void wire;
  const resp = await signResponse(query, { key: unitKey, requestMac: mac, now: 1000 });
  assert.equal((await verifyTsig(resp, query.length, unitRing, { now: 1000 })).kind, "badsig");
});
