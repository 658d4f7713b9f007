/**
 * `/v1/registration/*` on every runtime (brief §2, §7 `test_http_registration.py`,
 * `test_registration_tsig.py`): one case list, run on Deno, Node and workerd
 * against sqld and on Deno and Node against a file database.
 */

import assert from "node:assert/strict";
import {
  type Challenge,
  fromHex,
  getChallenge,
  type Identity,
  newIdentity,
  register,
  signRegistration,
  toHex,
} from "./_client.ts";
import {
  asOperator,
  type EdgeCase,
  jsonInit,
  nextIp,
  NODE,
  runOnAllTargets,
  uniq,
  ZONE,
} from "./_targets.ts";

const HEX64 = /^[0-9a-f]{64}$/;

async function sha256Hex(s: string | Uint8Array): Promise<string> {
  const data = typeof s === "string" ? new TextEncoder().encode(s) : s;
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", data.slice())));
}

async function post(base: string, path: string, body: unknown, ip: string) {
  const r = await fetch(`${base}${path}`, jsonInit("POST", body, { "x-forwarded-for": ip }));
  return { status: r.status, body: await r.json() as Record<string, unknown> };
}

interface KeyRow {
  name: string;
  subject: string;
  active: boolean;
  registered_spk: string;
}

async function keysOf(base: string, subject: string): Promise<KeyRow[]> {
  const r = await fetch(`${base}/v1/admin/tsig-keys`, asOperator());
  assert.equal(r.status, 200);
  const body = await r.json() as { tsig_keys: KeyRow[] };
  return body.tsig_keys.filter((k) => k.subject === subject);
}

async function signedBody(id: Identity, ch: Challenge, subject: string) {
  return {
    subject,
    ed25519_spk: id.spkHex,
    challenge: ch.challenge,
    signature: await signRegistration(id, { challengeHex: ch.challenge, subject, node: ch.node }),
  };
}

const CASES: EdgeCase[] = [
  {
    name: "challenge has 64 hex, the node name, a 60 s expiry and an X25519 key (brief §2.1)",
    async run({ base }) {
      const before = Math.floor(Date.now() / 1000);
      const ch = await getChallenge(base, nextIp());
      assert.match(ch.challenge, HEX64);
      assert.match(ch.server_x25519_pub, HEX64);
      assert.equal(ch.node, NODE);
      assert.equal(ch.version, 1);
      assert.ok(ch.expires_at > before && ch.expires_at <= before + 61);
    },
  },
  {
    name: "tsig-confirm mints a key named and scoped per brief §2.3 (PoP adds the mailbox)",
    async run({ base }) {
      const id = await newIdentity();
      const local = `alice-${uniq()}`;
      const subject = `${local}@${ZONE}`;
      const r = await register(base, { subject, id, ip: nextIp() });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const tag = (await sha256Hex(subject)).slice(0, 6);
      assert.equal(r.body.tsig_key_name, `${local}-${id.spkHex.slice(0, 8)}-${tag}.${ZONE}.`);
      assert.match(String(r.body.tsig_secret_hex), HEX64);
      assert.equal(r.body.tsig_algorithm, "hmac-sha256");
      assert.equal(r.body.subject, subject);
      assert.equal(r.body.zone, ZONE);
      assert.ok(Number(r.body.expires_at) > Date.now() / 1000);
      const lh = await sha256Hex(local);
      const mb = (await sha256Hex(
        new Uint8Array(await crypto.subtle.digest("SHA-256", fromHex(id.x25519PubHex))),
      )).slice(0, 12);
      assert.deepEqual(r.body.allowed_suffixes, [
        `_dnsmesh-claim-*.${ZONE}`,
        `_dnsmesh-claim-${id.spkHex.slice(0, 16)}.${ZONE}`,
        `chunk-*-*.${ZONE}`,
        `claim-*.mb-*.${ZONE}`,
        `id-${lh.slice(0, 12)}.${ZONE}`,
        `id-${lh.slice(0, 16)}.${ZONE}`,
        `mb-${mb}.${ZONE}`,
        `slot-*.mb-*.${ZONE}`,
      ]);
      const keys = await keysOf(base, subject);
      assert.equal(keys.length, 1);
      assert.equal(keys[0].name, String(r.body.tsig_key_name).slice(0, -1)); // stored canonical
      assert.equal(keys[0].active, true);
    },
  },
  {
    name: "a legacy client without PoP silently loses the mailbox suffix (brief §2.3 step 8)",
    async run({ base }) {
      const id = await newIdentity();
      const subject = `legacy-${uniq()}@${ZONE}`;
      const r = await register(base, { subject, id, ip: nextIp(), pop: false });
      assert.equal(r.status, 200);
      assert.ok(!(r.body.allowed_suffixes as string[]).some((s) => s.startsWith("mb-")));
    },
  },
  {
    name: "confirm mints a dmp_v1_ token that can publish its own identity only (brief §2.2, §1.5)",
    async run({ base }) {
      const id = await newIdentity();
      const local = `tok-${uniq()}`;
      const subject = `${local}@${ZONE}`;
      const r = await register(base, { subject, id, ip: nextIp(), flavour: "token" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.match(String(r.body.token), /^dmp_v1_[A-Z2-7]{52}$/);
      assert.equal(r.body.subject, subject);
      assert.equal(r.body.rate_per_sec, 10);
      assert.equal(r.body.rate_burst, 50);
      const auth = { authorization: `Bearer ${r.body.token}`, "x-forwarded-for": nextIp() };
      const own = `id-${(await sha256Hex(local)).slice(0, 16)}.${ZONE}`;
      const ok = await fetch(
        `${base}/v1/records/${own}`,
        jsonInit("POST", { value: "v=dmp1;t=identity;x", ttl: 60 }, auth),
      );
      assert.equal(ok.status, 201);
      await ok.body?.cancel();
      const other = `id-${(await sha256Hex("someone-else")).slice(0, 16)}.${ZONE}`;
      const no = await fetch(
        `${base}/v1/records/${other}`,
        jsonInit("POST", { value: "x", ttl: 60 }, auth),
      );
      assert.equal(no.status, 401);
      assert.deepEqual(await no.json(), { error: "unauthorized" });
    },
  },
  {
    name: "a challenge is single use: the second confirm is 400 (brief §2.1)",
    async run({ base }) {
      const id = await newIdentity();
      const subject = `reuse-${uniq()}@${ZONE}`;
      const ip = nextIp();
      const first = await register(base, { subject, id, ip });
      assert.equal(first.status, 200);
      const again = await register(base, { subject, id, ip, challenge: first.challenge });
      assert.deepEqual(again, {
        status: 400,
        body: { error: "challenge expired or unknown" },
        challenge: first.challenge,
      });
    },
  },
  {
    name: "an unknown challenge is 400; a wrong signer or wrong node string is 401 (brief §2.2)",
    async run({ base }) {
      const id = await newIdentity();
      const subject = `sig-${uniq()}@${ZONE}`;
      const ip = nextIp();
      const fake: Challenge = {
        challenge: toHex(crypto.getRandomValues(new Uint8Array(32))),
        node: NODE,
        expires_at: 0,
        server_x25519_pub: "00".repeat(32),
        version: 1,
      };
      const unknown = await register(base, { subject, id, ip, challenge: fake, pop: false });
      assert.deepEqual(unknown.body, { error: "challenge expired or unknown" });
      assert.equal(unknown.status, 400);
      const ch = await getChallenge(base, ip);
      const other = await newIdentity();
      const body = await signedBody(other, ch, subject);
      body.ed25519_spk = id.spkHex; // signed by someone else
      const wrongSigner = await post(base, "/v1/registration/tsig-confirm", body, ip);
      assert.deepEqual(wrongSigner, {
        status: 401,
        body: { error: "signature verification failed" },
      });
      const ch2 = await getChallenge(base, ip);
      const wrongNode = await post(base, "/v1/registration/confirm", {
        ...await signedBody(id, ch2, subject),
        signature: await signRegistration(id, {
          challengeHex: ch2.challenge,
          subject,
          node: "other.example",
        }),
      }, nextIp());
      assert.equal(wrongNode.status, 401);
    },
  },
  {
    name: "low-order Ed25519 keys (identity point) are refused with 401 (brief §2.2)",
    async run({ base }) {
      const ip = nextIp();
      const ch = await getChallenge(base, ip);
      const r = await post(base, "/v1/registration/confirm", {
        subject: `low-${uniq()}@${ZONE}`,
        ed25519_spk: "01" + "00".repeat(31),
        challenge: ch.challenge,
        signature: "01" + "00".repeat(63),
      }, ip);
      assert.deepEqual(r, { status: 401, body: { error: "signature verification failed" } });
    },
  },
  {
    name:
      "allowlist: signed is 403, unsigned is 401 so there is no oracle (brief §2.2 step 7, §9 fact 7)",
    async run({ base }) {
      const id = await newIdentity();
      const subject = `eve-${uniq()}@blocked.example`;
      const signed = await register(base, { subject, id, ip: nextIp() });
      assert.deepEqual(signed.body, { error: "subject not in registration allowlist" });
      assert.equal(signed.status, 403);
      const ip = nextIp();
      const ch = await getChallenge(base, ip);
      const unsigned = await post(base, "/v1/registration/confirm", {
        ...await signedBody(id, ch, subject),
        signature: "ab".repeat(64),
      }, ip);
      assert.equal(unsigned.status, 401);
    },
  },
  {
    name:
      "takeover: another key is 409, unsigned is 401, same key rotates the secret (brief §2.3 step 11)",
    async run({ base }) {
      const owner = await newIdentity();
      const subject = `own-${uniq()}@${ZONE}`;
      const first = await register(base, { subject, id: owner, ip: nextIp() });
      assert.equal(first.status, 200);
      const thief = await newIdentity();
      const taken = await register(base, { subject, id: thief, ip: nextIp() });
      assert.equal(taken.status, 409);
      assert.match(String(taken.body.error), /previously-registered Ed25519 key/);
      const ip = nextIp();
      const ch = await getChallenge(base, ip);
      const unsigned = await post(base, "/v1/registration/tsig-confirm", {
        ...await signedBody(thief, ch, subject),
        signature: "cd".repeat(64),
      }, ip);
      assert.equal(unsigned.status, 401);
      const again = await register(base, { subject, id: owner, ip: nextIp() });
      assert.equal(again.status, 200);
      assert.equal(again.body.tsig_key_name, first.body.tsig_key_name);
      assert.notEqual(again.body.tsig_secret_hex, first.body.tsig_secret_hex);
      const keys = await keysOf(base, subject);
      assert.equal(keys.filter((k) => k.active).length, 1);
    },
  },
  {
    name: "a revoked key frees the subject for a new Ed25519 key (brief §2.4)",
    async run({ base }) {
      const subject = `rev-${uniq()}@${ZONE}`;
      const first = await register(base, { subject, id: await newIdentity(), ip: nextIp() });
      assert.equal(first.status, 200);
      const name = String(first.body.tsig_key_name);
      const del = await fetch(
        `${base}/v1/admin/tsig-keys/${name}`,
        asOperator({ method: "DELETE" }),
      );
      assert.equal(del.status, 200);
      await del.body?.cancel();
      assert.equal((await keysOf(base, subject))[0].active, false);
      const fresh = await register(base, { subject, id: await newIdentity(), ip: nextIp() });
      assert.equal(fresh.status, 200);
      assert.notEqual(fresh.body.tsig_key_name, name);
    },
  },
  {
    name:
      "concurrent re-registrations leave exactly one live key and one live token, no 500s (brief §7)",
    async run({ base }) {
      const id = await newIdentity();
      const subject = `race-${uniq()}@${ZONE}`;
      const runs = await Promise.all(
        Array.from(
          { length: 6 },
          (_, i) =>
            register(base, { subject, id, ip: nextIp(), flavour: i % 2 ? "token" : "tsig" }),
        ),
      );
      assert.deepEqual(runs.map((r) => r.status), [200, 200, 200, 200, 200, 200]);
      const keys = await keysOf(base, subject);
      assert.equal(keys.filter((k) => k.active).length, 1);
      const tr = await fetch(`${base}/v1/admin/tokens`, asOperator());
      const tokens =
        (await tr.json() as { tokens: { subject: string; revoked_at: number | null }[] })
          .tokens.filter((t) => t.subject === subject);
      assert.equal(tokens.length, 3);
      assert.equal(tokens.filter((t) => t.revoked_at === null).length, 1);
    },
  },
  {
    name:
      "PoP mismatch is 401, garbage PoP hex is 400, another subject's PoP is refused (brief §2.3 step 8)",
    async run({ base }) {
      const id = await newIdentity();
      const subject = `pop-${uniq()}@${ZONE}`;
      const ip = nextIp();
      const ch = await getChallenge(base, ip);
      const bad = await post(base, "/v1/registration/tsig-confirm", {
        ...await signedBody(id, ch, subject),
        x25519_pub: id.x25519PubHex,
        x25519_pop: "00".repeat(32),
      }, ip);
      assert.equal(bad.status, 401);
      assert.match(String(bad.body.error), /^x25519_pop verification failed/);
      const ch2 = await getChallenge(base, ip);
      const garbage = await post(base, "/v1/registration/tsig-confirm", {
        ...await signedBody(id, ch2, subject),
        x25519_pub: id.x25519PubHex,
        x25519_pop: "zz",
      }, nextIp());
      assert.deepEqual(garbage, { status: 400, body: { error: "x25519_pop: not valid hex" } });
    },
  },
  {
    name: "every 400 of the body names its field (brief §2.2 steps 1-4)",
    async run({ base }) {
      const path = "/v1/registration/confirm";
      const cases: [unknown, string][] = [
        ["not json", "invalid body"],
        [[1, 2], "invalid body"],
        [{}, "missing or non-string field: subject"],
        [{ subject: "a@b.example" }, "missing or non-string field: ed25519_spk"],
        [
          { subject: "a@b.example", ed25519_spk: "aa", challenge: 5, signature: "x" },
          "missing or non-string field: challenge",
        ],
        [
          { subject: "ä@b.example", ed25519_spk: "a", challenge: "a", signature: "a" },
          "subject invalid: must be ASCII",
        ],
        [
          { subject: "a@b.example", ed25519_spk: "zz", challenge: "a", signature: "a" },
          "ed25519_spk: not valid hex",
        ],
        [
          { subject: "a@b.example", ed25519_spk: "aa", challenge: "a", signature: "a" },
          "ed25519_spk: expected 32 bytes, got 1",
        ],
      ];
      for (const [body, error] of cases) {
        const r = await post(base, path, body, nextIp());
        assert.deepEqual(r, { status: 400, body: { error } }, JSON.stringify(body));
      }
    },
  },
  {
    name: "a local part too long for one label is 400 (brief §2.3 step 10)",
    async run({ base }) {
      const subject = `${"l".repeat(48)}@${ZONE}`;
      const r = await register(base, { subject, id: await newIdentity(), ip: nextIp() });
      assert.deepEqual(r.body, {
        error: "subject local part too long for TSIG key label (max 54 chars)",
      });
      assert.equal(r.status, 400);
    },
  },
  {
    name: "the registration bucket answers 429 after its burst of 5 (brief §1.8)",
    async run({ base }) {
      const ip = nextIp();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await fetch(`${base}/v1/registration/challenge`, {
          headers: { "x-forwarded-for": ip },
        });
        statuses.push(r.status);
        if (r.status === 429) {
          assert.deepEqual(await r.json(), { error: "registration rate limit exceeded" });
        } else await r.body?.cancel();
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    },
  },
  {
    name: "a challenge issued by one runtime is confirmed once by another (cross-isolate)",
    needsPeers: true,
    async run({ base, peers }) {
      for (const peer of peers) {
        const id = await newIdentity();
        const subject = `x-${uniq()}@${ZONE}`;
        const ip = nextIp();
        const ch = await getChallenge(base, ip);
        const r = await register(base, { subject, id, ip, challenge: ch, confirmAt: peer.url });
        assert.equal(r.status, 200, `${peer.runtime}: ${JSON.stringify(r.body)}`);
        const again = await register(base, { subject, id, ip: nextIp(), challenge: ch });
        assert.equal(again.status, 400);
      }
    },
  },
];

runOnAllTargets("registration", CASES);
