import assert from "node:assert/strict";
import { decodeBase64Strict, encodeBase64 } from "./base64_strict.ts";
import {
  buildClaimBody,
  CLAIM_PREFIX,
  type ClaimFields,
  claimOwnerName,
  parseClaimOwner,
  parseClaimWire,
  recipientHash12FromX25519Pub,
  signClaimWire,
} from "./claim_record.ts";
import { deriveEd25519SeedFromX25519Seed, publicKeyFromSeed, signEd25519 } from "./ed25519_keys.ts";
import { bytesToHex, hexToBytes } from "./hex.ts";
import { seededRandom } from "../../../tests/_support/seeded_random.ts";

interface ClaimCase {
  description: string;
  sender_seed_hex: string;
  sender_spk_hex: string;
  inputs: {
    msg_id_hex: string;
    sender_mailbox_domain: string;
    slot: number;
    ts: number;
    exp: number;
  };
  recipient_x25519_pub_hex: string;
  owner_name_under_mesh_example_com: string;
  wire: string;
  verify_now: number;
  expected_valid: boolean;
}

const CASES = JSON.parse(
  await Deno.readTextFile(
    new URL("../../../tests/testdata/vectors/reference-generated/claim.json", import.meta.url),
  ),
) as ClaimCase[];

function hex(h: string): Uint8Array {
  const b = hexToBytes(h);
  assert.ok(b);
  return b;
}

function fieldsOf(c: ClaimCase): ClaimFields {
  return {
    msgId: hex(c.inputs.msg_id_hex),
    senderMailboxDomain: c.inputs.sender_mailbox_domain,
    slot: c.inputs.slot,
    ts: c.inputs.ts,
    exp: c.inputs.exp,
  };
}

Deno.test("claim vectors: X25519-derived key, byte-identical wires", async () => {
  for (const c of CASES) {
    const seed = await deriveEd25519SeedFromX25519Seed(hex(c.sender_seed_hex));
    const spk = await publicKeyFromSeed(seed);
    assert.equal(bytesToHex(spk), c.sender_spk_hex);
    const wire = await signClaimWire({ ...fieldsOf(c), senderSpk: spk }, seed);
    assert.equal(wire, c.wire, c.description);
  }
});

Deno.test("claim vectors: parse results at verify_now", async () => {
  for (const c of CASES) {
    const res = await parseClaimWire(c.wire, { now: c.verify_now });
    assert.equal(res.ok, c.expected_valid, `${c.description}: ${res.ok ? "ok" : res.reason}`);
    if (res.ok) {
      const r = res.record;
      assert.equal(bytesToHex(r.msgId), c.inputs.msg_id_hex);
      assert.equal(r.senderSpkHex, c.sender_spk_hex);
      assert.equal(r.senderMailboxDomain, c.inputs.sender_mailbox_domain);
      assert.equal(r.slot, c.inputs.slot);
      assert.equal(r.ts, c.inputs.ts);
      assert.equal(r.exp, c.inputs.exp);
      assert.equal(r.wire, c.wire);
    }
  }
});

Deno.test("claim vectors: owner names from the recipient's X25519 key", async () => {
  for (const c of CASES) {
    const h12 = await recipientHash12FromX25519Pub(hex(c.recipient_x25519_pub_hex));
    const owner = claimOwnerName(c.inputs.slot, h12, "mesh.example.com");
    assert.equal(owner, c.owner_name_under_mesh_example_com);
    assert.deepEqual(parseClaimOwner(owner, "mesh.example.com"), {
      slot: c.inputs.slot,
      hash12: h12,
    });
  }
});

Deno.test("claim owner: exact shape claim-<digits>.mb-<12 lower hex>.<zone>", () => {
  const z = "mesh.example.com";
  assert.deepEqual(parseClaimOwner("claim-0.mb-0123456789ab.mesh.example.com", z), {
    slot: 0,
    hash12: "0123456789ab",
  });
  // Digits are not range-checked (brief §3.6 rule 4).
  assert.deepEqual(parseClaimOwner("claim-42.mb-0123456789ab.mesh.example.com", z)?.slot, 42);
  // Zone compared case-insensitively, trailing dots ignored.
  assert.ok(parseClaimOwner("claim-1.mb-0123456789ab.MESH.example.com.", z + "."));
  for (
    const bad of [
      "claim-.mb-0123456789ab.mesh.example.com",
      "claim-1.mb-0123456789AB.mesh.example.com",
      "claim-1.mb-0123456789a.mesh.example.com",
      "claim-1.mb-0123456789abc.mesh.example.com",
      "claim-1.x.mb-0123456789ab.mesh.example.com",
      "x.claim-1.mb-0123456789ab.mesh.example.com",
      "slot-1.mb-0123456789ab.mesh.example.com",
      "claim-1.mb-0123456789ab.sub.mesh.example.com",
      "claim-1.mb-0123456789ab.other.com",
      "claim-1.mb-0123456789ab",
      "claim-1.mb-0123456789ab.",
      "claim-١.mb-0123456789ab.mesh.example.com",
    ]
  ) {
    assert.equal(parseClaimOwner(bad, z), null, bad);
  }
  assert.equal(parseClaimOwner("claim-1.mb-0123456789ab.", ""), null);
  assert.throws(() => claimOwnerName(10, "0123456789ab", z));
  assert.throws(() => claimOwnerName(1, "0123456789AB", z));
});

const X_SEED = hex("b436f67e89143a92a818ad525b75330851dfc4cd55e3d550f6c5529ada02bc3c");
const NOW = 1790000000;
const BASE: ClaimFields = {
  msgId: new Uint8Array(16).fill(7),
  senderMailboxDomain: "mesh.example.com",
  slot: 3,
  ts: NOW,
  exp: NOW + 3600,
};

Deno.test("claim: freshness (future skew only, exp > now, 30 d, node max TTL)", async () => {
  const seed = await deriveEd25519SeedFromX25519Seed(X_SEED);
  const at = async (
    f: Partial<ClaimFields>,
    now = NOW,
    maxTtlSeconds?: number,
  ) => (await parseClaimWire(await signClaimWire({ ...BASE, ...f }, seed), { now, maxTtlSeconds }));
  assert.ok((await at({ ts: NOW + 300 })).ok);
  assert.equal((await at({ ts: NOW + 301 })).ok, false);
  assert.ok((await at({ ts: NOW - 86400 * 20 })).ok);
  assert.equal((await at({ exp: NOW + 3600 }, NOW + 3600)).ok, false);
  assert.ok((await at({ exp: NOW + 30 * 86400 })).ok);
  assert.equal((await at({ exp: NOW + 30 * 86400 + 1 })).ok, false);
  assert.ok((await at({ exp: NOW + 86400 }, NOW, 86400)).ok);
  assert.deepEqual(await at({ exp: NOW + 86401 }, NOW, 86400), {
    ok: false,
    reason: "exp over max ttl",
  });
});

Deno.test("claim: structural and size rules", async () => {
  const seed = await deriveEd25519SeedFromX25519Seed(X_SEED);
  const spk = await publicKeyFromSeed(seed);
  const sign = async (body: Uint8Array) =>
    CLAIM_PREFIX + encodeBase64(Uint8Array.from([...body, ...(await signEd25519(body, seed))]));
  const good = buildClaimBody({ ...BASE, senderSpk: spk });
  assert.ok((await parseClaimWire(await sign(good), { now: NOW })).ok);
  // Trailing byte, truncated body, slot 10, zero-length domain, control char in domain.
  assert.equal(
    (await parseClaimWire(await sign(Uint8Array.from([...good, 0])), { now: NOW })).ok,
    false,
  );
  assert.equal((await parseClaimWire(await sign(good.slice(0, -1)), { now: NOW })).ok, false);
  const domainAt = 7 + 16 + 32;
  const slotAt = domainAt + 1 + BASE.senderMailboxDomain.length;
  const slot10 = good.slice();
  slot10[slotAt] = 10;
  assert.deepEqual(await parseClaimWire(await sign(slot10), { now: NOW }), {
    ok: false,
    reason: "slot out of range",
  });
  const ctrl = good.slice();
  ctrl[domainAt + 1] = 0x0a;
  assert.equal((await parseClaimWire(await sign(ctrl), { now: NOW })).ok, false);
  const magic = good.slice();
  magic[0] = 0x58;
  assert.deepEqual(await parseClaimWire(await sign(magic), { now: NOW }), {
    ok: false,
    reason: "bad magic",
  });
  // Cluster prefix with claim body: refused by prefix.
  const w = await sign(good);
  assert.equal((await parseClaimWire(w.replace("t=claim;", "t=cluster;"), { now: NOW })).ok, false);
  // Non-ASCII domain within 43 chars is fine (UTF-8, no control chars).
  assert.ok(
    (await parseClaimWire(
      await signClaimWire({ ...BASE, senderMailboxDomain: "zöne.example" }, seed),
      { now: NOW },
    )).ok,
  );
  // Signer refusals.
  for (
    const f of [
      { ...BASE, slot: 10 },
      { ...BASE, senderMailboxDomain: "" },
      { ...BASE, senderMailboxDomain: "d".repeat(44) },
      { ...BASE, senderMailboxDomain: "a b" },
      { ...BASE, msgId: new Uint8Array(15) },
      { ...BASE, exp: BASE.ts },
      { ...BASE, senderSpk: new Uint8Array(32) },
    ]
  ) {
    await assert.rejects(() => signClaimWire(f, seed), RangeError);
  }
});

Deno.test("claim: low-order sender keys are refused even with a 'valid' forgery", async () => {
  // Identity key + (R = identity, S = 0) satisfies the permissive RFC 8032 equation.
  const identity = new Uint8Array(32);
  identity[0] = 1;
  const body = buildClaimBody({ ...BASE, senderSpk: identity });
  const sig = new Uint8Array(64);
  sig[0] = 1;
  const wire = CLAIM_PREFIX + encodeBase64(Uint8Array.from([...body, ...sig]));
  assert.deepEqual(await parseClaimWire(wire, { now: NOW }), {
    ok: false,
    reason: "bad signature",
  });
});

Deno.test("claim fuzz: random and mutated wires never throw", async () => {
  const rand = seededRandom(0xc1a1);
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const base = CASES[i % CASES.length].wire;
    const blob = decodeBase64Strict(base.slice(CLAIM_PREFIX.length))!;
    let w: string;
    if (i % 3 === 0) {
      const m = blob.slice(0, Math.floor(rand() * (blob.length + 5)));
      for (let j = 0; j < 1 + Math.floor(rand() * 3); j++) {
        m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
      }
      w = CLAIM_PREFIX + encodeBase64(m);
    } else if (i % 3 === 1) {
      const chars = [...base];
      chars[CLAIM_PREFIX.length + Math.floor(rand() * (chars.length - CLAIM_PREFIX.length))] =
        "A+/=é\u0000 "[Math.floor(rand() * 7)];
      w = chars.join("");
    } else {
      const bytes = new Uint8Array(Math.floor(rand() * 200));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
      if (rand() < 0.5) bytes.set(new TextEncoder().encode("DMPCL01").slice(0, bytes.length));
      w = CLAIM_PREFIX + encodeBase64(bytes);
    }
    const res = await parseClaimWire(w, { now: NOW });
    assert.equal(typeof res.ok, "boolean");
    if (res.ok) accepted++;
  }
  assert.ok(accepted < 30, `accepted ${accepted}`);
});
