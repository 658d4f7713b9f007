/**
 * The operator API for DNSSEC online signing (issue 13) on every runtime:
 * POST turns signing on once (201, then 200 with the same key kept), GET
 * shows the key with its DS and DNSKEY; bad bodies are a 400 naming the
 * field and create no key; an unknown zone is a 404; the private key is
 * never returned, nor in the audit log; deleting the zone deletes its key.
 */

import assert from "node:assert/strict";
import { asOperator, type EdgeCase, jsonInit, runOnAllTargets, uniq } from "./_targets.ts";

async function op(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string; body: Record<string, unknown> | null }> {
  const r = await fetch(
    `${base}${path}`,
    asOperator(body === undefined ? { method } : jsonInit(method, body)),
  );
  const text = await r.text();
  return { status: r.status, text, body: text ? JSON.parse(text) : null };
}

type KeyJson = {
  key_tag: number;
  algorithm: number;
  flags: number;
  role: string;
  state: string;
  next_step: string | null;
  next_at: number | null;
  ds: string;
  dnskey: string;
};

const CASES: EdgeCase[] = [
  {
    name:
      "zones/{zone}/dnssec: bad input is a 400 naming the field and makes no key; 404 unknown zone",
    async run({ base }) {
      const zone = `bad${uniq()}.example`;
      assert.equal((await op(base, "POST", `/v1/admin/zones/${zone}/dnssec`, {})).status, 404);
      assert.equal(
        (await op(base, "POST", "/v1/admin/zones", { name: zone, apex_ns: [`ns1.${zone}`] }))
          .status,
        201,
      );
      const bad: [unknown, RegExp][] = [
        [{ algorithm: 8 }, /^algorithm: expected 13 \(ECDSA P-256\) or 15/],
        [{ algorithm: "13" }, /^algorithm: /],
        [{ algorithm: 13, nsec3: true }, /^body: .*nsec3/],
      ];
      for (const [body, error] of bad) {
        const r = await op(base, "POST", `/v1/admin/zones/${zone}/dnssec`, body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.match(String(r.body!.error), error);
      }
      const status = await op(base, "GET", `/v1/admin/zones/${zone}/dnssec`);
      assert.deepEqual(status.body, { zone, signed: false, parent_ds: [], keys: [] });
    },
  },
  {
    name: "zones/{zone}/dnssec: signs once (Ed25519), keeps the key, shows DS and DNSKEY",
    async run({ base }) {
      const zone = `sig${uniq()}.example`;
      assert.equal(
        (await op(base, "POST", "/v1/admin/zones", { name: zone, apex_ns: [`ns1.${zone}`] }))
          .status,
        201,
      );
      const first = await op(base, "POST", `/v1/admin/zones/${zone}/dnssec`, { algorithm: 15 });
      assert.equal(first.status, 201, first.text);
      const [key, zsk] = first.body!.keys as KeyJson[];
      assert.equal(key.algorithm, 15);
      assert.equal(key.flags, 257);
      assert.equal(key.role, "ksk");
      assert.deepEqual([zsk.flags, zsk.role, zsk.algorithm, zsk.state], [256, "zsk", 15, "active"]);
      assert.match(key.ds, new RegExp(`^${zone}\\. 3600 IN DS ${key.key_tag} 15 2 [0-9A-F]{64}$`));
      assert.match(key.dnskey, new RegExp(`^${zone}\\. 3600 IN DNSKEY 257 3 15 \\S{44}$`));
      // Asking again (even for another algorithm) keeps the key: keys are made once.
      const again = await op(base, "POST", `/v1/admin/zones/${zone}/dnssec`, { algorithm: 13 });
      assert.equal(again.status, 200);
      assert.equal(again.body!.created, false);
      assert.deepEqual(again.body!.keys, first.body!.keys);
      const status = await op(base, "GET", `/v1/admin/zones/${zone}/dnssec`);
      assert.deepEqual(status.body, {
        zone,
        signed: true,
        parent_ds: [key.ds],
        keys: first.body!.keys,
      });
      assert.ok(!/pkcs8|private/i.test(first.text + again.text + status.text));
      const audit = await op(base, "GET", "/v1/admin/audit?limit=50");
      assert.ok(audit.text.includes("POST /v1/admin/zones/:zone/dnssec"));
      assert.ok(audit.text.includes(zone));
      // Deleting the zone deletes its key: made again, the zone starts unsigned.
      assert.equal((await op(base, "DELETE", `/v1/admin/zones/${zone}`)).status, 200);
      assert.equal((await op(base, "GET", `/v1/admin/zones/${zone}/dnssec`)).status, 404);
      await op(base, "POST", "/v1/admin/zones", { name: zone, apex_ns: [`ns1.${zone}`] });
      assert.deepEqual((await op(base, "GET", `/v1/admin/zones/${zone}/dnssec`)).body, {
        zone,
        signed: false,
        parent_ds: [],
        keys: [],
      });
    },
  },
  {
    name:
      "zones/{zone}/dnssec/rollover and ds-seen: bad input 400, refusals 409 change nothing, a KSK roll waits for ds-seen",
    async run({ base }) {
      const zone = `roll${uniq()}.example`;
      const path = `/v1/admin/zones/${zone}/dnssec`;
      assert.equal((await op(base, "POST", `${path}/rollover`, { key: "zsk" })).status, 404);
      await op(base, "POST", "/v1/admin/zones", { name: zone, apex_ns: [`ns1.${zone}`] });
      const unsigned = await op(base, "POST", `${path}/rollover`, { key: "zsk" });
      assert.equal(unsigned.status, 409);
      assert.match(String(unsigned.body!.error), /not signed/);
      assert.equal((await op(base, "POST", path, {})).status, 201);
      const before = (await op(base, "GET", path)).text;
      const bad: [string, unknown, RegExp][] = [
        ["rollover", {}, /^key: expected "zsk" or "ksk"/],
        ["rollover", { key: "csk" }, /^key: expected "zsk" or "ksk"/],
        ["rollover", { key: "zsk", now: 0 }, /^body: .*now/],
        ["ds-seen", { key_tag: "1" }, /^key_tag: expected a key tag/],
        ["ds-seen", { key_tag: 70000 }, /^key_tag: expected a key tag/],
        ["ds-seen", { key_tag: 1.5 }, /^key_tag: expected a key tag/],
      ];
      for (const [route, body, error] of bad) {
        const r = await op(base, "POST", `${path}/${route}`, body);
        assert.equal(r.status, 400, `${route} ${JSON.stringify(body)}: ${r.text}`);
        assert.match(String(r.body!.error), error);
      }
      const keys = (await op(base, "GET", path)).body!.keys as KeyJson[];
      const bogus = [...Array(65536).keys()].find((t) => !keys.some((k) => k.key_tag === t))!;
      for (const tag of [bogus, keys[0].key_tag, keys[1].key_tag]) {
        const r = await op(base, "POST", `${path}/ds-seen`, { key_tag: tag });
        assert.equal(r.status, 409, r.text);
      }
      assert.equal((await op(base, "GET", path)).text, before, "refusals changed nothing");

      const roll = await op(base, "POST", `${path}/rollover`, { key: "ksk" });
      assert.equal(roll.status, 201, roll.text);
      const tag = roll.body!.key_tag as number;
      const fresh = (roll.body!.keys as KeyJson[]).find((k) => k.key_tag === tag)!;
      assert.deepEqual([fresh.role, fresh.flags, fresh.state, fresh.next_at], [
        "ksk",
        257,
        "ds-pending",
        null,
      ]);
      const during = (await op(base, "GET", path)).body!;
      assert.equal((during.parent_ds as string[]).length, 2, "CDS lists old and new DS");
      const twice = await op(base, "POST", `${path}/rollover`, { key: "zsk" });
      assert.equal(twice.status, 409);
      assert.match(String(twice.body!.error), /already in progress/);
      const seen = await op(base, "POST", `${path}/ds-seen`, { key_tag: tag });
      assert.equal(seen.status, 200, seen.text);
      const now = (seen.body!.keys as KeyJson[]).find((k) => k.key_tag === tag)!;
      assert.equal(now.state, "published");
      assert.equal(now.next_step, "active");
      assert.ok(typeof now.next_at === "number" && now.next_at > Date.now() / 1000);
      const old = (seen.body!.keys as KeyJson[]).find((k) => k.key_tag === keys[0].key_tag)!;
      assert.equal(old.next_step, "stops signing keys");
      assert.equal((await op(base, "POST", `${path}/ds-seen`, { key_tag: tag })).status, 409);
    },
  },
];

runOnAllTargets("operator DNSSEC API", CASES);
