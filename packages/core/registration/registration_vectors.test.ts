/**
 * The reference-generated registration vectors (brief §2.2, §2.3, §9 facts 6
 * and 7): signed bytes, signatures, PoP, key names and scopes, byte for byte.
 */

import assert from "node:assert/strict";
import { z } from "zod";
import { bytesToHex, hexToBytes } from "../dmp/hex.ts";
import {
  deriveEd25519SeedFromX25519Seed,
  publicKeyFromSeed,
  signEd25519,
  verifyEd25519,
} from "../dmp/ed25519_keys.ts";
import { canonicalizeSubject } from "./subject.ts";
import { buildRegistrationMessage } from "./signed_message.ts";
import { deriveTsigKeyName, deriveTsigScope } from "./tsig_scope.ts";
import {
  computeX25519Pop,
  verifyX25519Pop,
  x25519PublicKey,
  x25519SharedSecret,
} from "./x25519_pop.ts";

const VectorCase = z.object({
  description: z.string(),
  subject_as_sent: z.string(),
  canonical_subject: z.string(),
  node: z.string(),
  zone: z.string(),
  user_x25519_seed_hex: z.string(),
  ed25519_spk_hex: z.string(),
  challenge_hex: z.string(),
  signing_payload_hex: z.string(),
  signature_hex: z.string(),
  server_x25519_priv_hex: z.string(),
  server_x25519_pub_hex: z.string(),
  x25519_pub_hex: z.string(),
  x25519_pop_hex: z.string().optional(),
  expected_key_name: z.string(),
  expected_allowed_suffixes: z.array(z.string()),
});

const VECTORS = z.array(VectorCase).parse(
  JSON.parse(
    await Deno.readTextFile(
      new URL(
        "../../../tests/testdata/vectors/reference-generated/registration.json",
        import.meta.url,
      ),
    ),
  ),
);

function hex(s: string): Uint8Array {
  const b = hexToBytes(s);
  if (!b) throw new TypeError(`Cannot decode hex: ${s}`);
  return b;
}

for (const v of VECTORS) {
  Deno.test(`registration vector "${v.description}": canonical subject and signed bytes (brief §2.2)`, async () => {
    const s = canonicalizeSubject(v.subject_as_sent);
    assert.equal(s.kind, "ok");
    if (s.kind !== "ok") return;
    assert.equal(s.subject, v.canonical_subject);
    const msg = buildRegistrationMessage(hex(v.challenge_hex), {
      subject: s.subject,
      node: v.node,
    });
    assert.equal(bytesToHex(msg), v.signing_payload_hex);
    const seed = await deriveEd25519SeedFromX25519Seed(hex(v.user_x25519_seed_hex));
    assert.equal(bytesToHex(await publicKeyFromSeed(seed)), v.ed25519_spk_hex);
    assert.equal(bytesToHex(await signEd25519(msg, seed)), v.signature_hex);
    assert.ok(await verifyEd25519(hex(v.signature_hex), msg, hex(v.ed25519_spk_hex)));
  });

  Deno.test(`registration vector "${v.description}": X25519 PoP both ways (brief §2.3 step 8)`, async () => {
    const serverPriv = hex(v.server_x25519_priv_hex);
    assert.equal(bytesToHex(await x25519PublicKey(serverPriv)), v.server_x25519_pub_hex);
    const userPub = await x25519PublicKey(hex(v.user_x25519_seed_hex));
    if (v.x25519_pub_hex === "") return;
    assert.equal(bytesToHex(userPub), v.x25519_pub_hex);
    const shared = await x25519SharedSecret(
      hex(v.user_x25519_seed_hex),
      hex(v.server_x25519_pub_hex),
    );
    assert.ok(shared);
    const pop = await computeX25519Pop({
      shared,
      challenge: hex(v.challenge_hex),
      subject: v.canonical_subject,
      x25519Pub: userPub,
    });
    assert.equal(bytesToHex(pop), v.x25519_pop_hex);
    assert.ok(
      await verifyX25519Pop({
        serverPriv,
        pop,
        challenge: hex(v.challenge_hex),
        subject: v.canonical_subject,
        x25519Pub: userPub,
      }),
    );
    const other = await verifyX25519Pop({
      serverPriv,
      pop,
      challenge: hex(v.challenge_hex),
      subject: "mallory@mesh.example.com",
      x25519Pub: userPub,
    });
    assert.equal(other, false);
  });

  Deno.test(`registration vector "${v.description}": key name and scope (brief §2.3 steps 9-10)`, async () => {
    const s = canonicalizeSubject(v.subject_as_sent);
    if (s.kind !== "ok") throw new Error("subject");
    const name = await deriveTsigKeyName({
      subject: s.subject,
      local: s.local,
      spkHex: v.ed25519_spk_hex,
      zone: v.zone,
    });
    assert.deepEqual(name, { kind: "ok", name: v.expected_key_name });
    const scope = await deriveTsigScope({
      local: s.local,
      spkHex: v.ed25519_spk_hex,
      zone: v.zone,
      x25519Pub: v.x25519_pub_hex ? hex(v.x25519_pub_hex) : undefined,
      loose: false,
      tight: false,
    });
    assert.deepEqual(scope, v.expected_allowed_suffixes);
  });
}

Deno.test("deriveTsigScope() gives the whole zone with loose scope (brief §2.3 step 9)", async () => {
  const s = await deriveTsigScope({
    local: "a",
    spkHex: "00".repeat(32),
    zone: "z.example",
    loose: true,
    tight: false,
  });
  assert.deepEqual(s, ["z.example"]);
});

Deno.test("deriveTsigKeyName() refuses a first label over 63 octets (brief §2.3 step 10)", async () => {
  const local = "a".repeat(48);
  const r = await deriveTsigKeyName({
    subject: `${local}@x.example`,
    local,
    spkHex: "00".repeat(32),
    zone: "z.example",
  });
  assert.equal(r.kind, "label_too_long");
  const ok = await deriveTsigKeyName({
    subject: `${"a".repeat(47)}@x.example`,
    local: "a".repeat(47),
    spkHex: "00".repeat(32),
    zone: "z.example",
  });
  assert.equal(ok.kind, "ok");
});

Deno.test("canonicalizeSubject() applies NFKC and refuses non-ASCII and malformed subjects (brief §1.5)", () => {
  const full = canonicalizeSubject("ａｌｉｃｅ@example.com"); // full-width letters fold under NFKC
  assert.equal(full.kind === "ok" && full.subject, "alice@example.com");
  assert.equal(canonicalizeSubject("alicé@example.com").kind, "invalid");
  assert.equal(canonicalizeSubject("alice@localhost").kind, "invalid");
  assert.equal(canonicalizeSubject("@example.com").kind, "invalid");
  assert.equal(canonicalizeSubject("").kind, "invalid");
});
