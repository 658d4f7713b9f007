/**
 * The operator API for zone transfers and imported TSIG keys (issue 16) on
 * every runtime: strict bodies with errors naming the field, the secret never
 * returned (nor in the audit log), an existing key replaced only on request,
 * a zone's transfer policy set, read, refused when malformed, and removed.
 */

import assert from "node:assert/strict";
import { encodeBase64 } from "../../packages/core/dmp/base64_strict.ts";
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

const CASES: EdgeCase[] = [
  {
    name: "tsig-keys/import: stores the key sealed, never returns the secret, replaces on request",
    async run({ base }) {
      const name = `imp${uniq()}.example`;
      const secret = encodeBase64(crypto.getRandomValues(new Uint8Array(32)));
      const r = await op(base, "POST", "/v1/admin/tsig-keys/import", {
        name: `${name.toUpperCase()}.`,
        algorithm: "HMAC-SHA256",
        secret,
        scope: [`_acme-challenge.${name}`],
      });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.body, {
        imported: name,
        algorithm: "hmac-sha256",
        allowed_suffixes: [`_acme-challenge.${name}`],
      });
      const list = await op(base, "GET", "/v1/admin/tsig-keys");
      assert.ok(list.text.includes(name));
      assert.ok(!list.text.includes(secret));
      const again = await op(base, "POST", "/v1/admin/tsig-keys/import", { name, secret });
      assert.equal(again.status, 409);
      assert.match(String(again.body!.error), /^name: /);
      const other = encodeBase64(crypto.getRandomValues(new Uint8Array(32)));
      const replaced = await op(base, "POST", "/v1/admin/tsig-keys/import", {
        name,
        secret: other,
        scope: ["ACME:Example.COM."],
        replace: true,
      });
      assert.equal(replaced.status, 201);
      // The ACME DNS-01 scope entry is stored in its canonical form.
      assert.deepEqual(replaced.body!.allowed_suffixes, ["acme:example.com"]);
      const audit = await op(base, "GET", "/v1/admin/audit?limit=50");
      assert.ok(audit.text.includes("/v1/admin/tsig-keys/import"));
      assert.ok(!audit.text.includes(secret) && !audit.text.includes(other));
    },
  },
  {
    name: "tsig-keys/import: bad input is a 400 naming the field, and stores nothing",
    async run({ base }) {
      const name = `bad${uniq()}.example`;
      const good = encodeBase64(crypto.getRandomValues(new Uint8Array(32)));
      const cases: [unknown, RegExp][] = [
        [{ name, secret: "not base64!" }, /^secret: /],
        [{ name, secret: "AAAA" }, /^secret: .*16\.\.512 bytes/],
        [{ name, secret: good, algorithm: "hmac-md5" }, /^algorithm: /],
        [{ name: "bad name!", secret: good }, /^name: /],
        [{ name, secret: good, colour: "red" }, /^body: .*colour/],
        [{ name }, /^secret: /],
        [{ name, secret: good, scope: ["acme:"] }, /^scope: acme:: acme:ZONE needs a zone name/],
        [{ name, secret: good, scope: ["a b.example"] }, /^scope: a b\.example: not a name/],
      ];
      for (const [body, error] of cases) {
        const r = await op(base, "POST", "/v1/admin/tsig-keys/import", body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.match(String(r.body!.error), error);
        assert.ok(!r.text.includes(good));
      }
      const list = await op(base, "GET", "/v1/admin/tsig-keys");
      assert.ok(!list.text.includes(name));
    },
  },
  {
    name: "zones/{zone}/transfer: set, read, refuse malformed input, remove",
    async run({ base }) {
      const zone = `xfr${uniq()}.example`;
      assert.equal((await op(base, "GET", `/v1/admin/zones/${zone}/transfer`)).status, 404);
      assert.equal(
        (await op(base, "PUT", `/v1/admin/zones/${zone}/transfer`, { allow_keys: ["k"] })).status,
        404,
      );
      assert.equal(
        (await op(base, "POST", "/v1/admin/zones", { name: zone, apex_ns: [`ns1.${zone}`] }))
          .status,
        201,
      );
      const set = await op(base, "PUT", `/v1/admin/zones/${zone}/transfer`, {
        allow_keys: ["XFR-Key."],
        allow_nets: ["2001:DB8::/32", "192.0.2.0/24"],
        notify: [{ address: "192.0.2.53", port: 5300, key: "xfr-key" }, { address: "::1" }],
      });
      assert.equal(set.status, 200, set.text);
      const expected = {
        zone,
        allow_keys: ["xfr-key"],
        allow_nets: ["2001:db8::/32", "192.0.2.0/24"],
        notify: [
          { address: "192.0.2.53", port: 5300, key: "xfr-key" },
          { address: "::1", port: 53, key: "" },
        ],
      };
      assert.deepEqual(set.body, expected);
      assert.deepEqual((await op(base, "GET", `/v1/admin/zones/${zone}/transfer`)).body, expected);
      const bad: [unknown, RegExp][] = [
        [{ allow_nets: ["192.0.2.1/24"] }, /^allow_nets: /],
        [{ notify: [{ address: "ns1.example" }] }, /^notify: /],
        [{ notify: [{ address: "192.0.2.1", port: 0 }] }, /^notify\.0\.port: /],
        [{ allow_keys: ["bad key!"] }, /^allow_keys: /],
        [{ allow_everyone: true }, /^body: .*allow_everyone/],
      ];
      for (const [body, error] of bad) {
        const r = await op(base, "PUT", `/v1/admin/zones/${zone}/transfer`, body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.match(String(r.body!.error), error);
      }
      // Refused writes changed nothing.
      assert.deepEqual((await op(base, "GET", `/v1/admin/zones/${zone}/transfer`)).body, expected);
      assert.equal((await op(base, "DELETE", `/v1/admin/zones/${zone}/transfer`)).status, 200);
      assert.equal((await op(base, "GET", `/v1/admin/zones/${zone}/transfer`)).status, 404);
    },
  },
];

runOnAllTargets("operator transfer API", CASES);
