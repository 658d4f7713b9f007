/**
 * The operator API under `/v1/admin` on every runtime (issue 4): tokens,
 * TSIG keys, zones, records and the audit log; operator token required.
 */

import assert from "node:assert/strict";
import { asOperator, type EdgeCase, jsonInit, runOnAllTargets, uniq } from "./_targets.ts";

async function op(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const r = await fetch(
    `${base}${path}`,
    asOperator(body === undefined ? { method } : jsonInit(method, body)),
  );
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

const CASES: EdgeCase[] = [
  {
    name: "every admin route needs the operator token (401)",
    async run({ base }) {
      for (
        const [method, path] of [["GET", "/v1/admin/tokens"], ["GET", "/v1/admin/zones"], [
          "DELETE",
          "/v1/admin/tsig-keys/x",
        ]]
      ) {
        const r = await fetch(`${base}${path}`, {
          method,
          headers: { authorization: "Bearer wrong" },
        });
        assert.equal(r.status, 401);
        assert.deepEqual(await r.json(), { error: "unauthorized" });
      }
    },
  },
  {
    name: "zones: create with apex settings, list, add/list/delete records, delete (issue 4)",
    async run({ base }) {
      const zone = `z${uniq()}.example`;
      const created = await op(base, "POST", "/v1/admin/zones", {
        name: `${zone.toUpperCase()}.`,
        soa_rname: `hostmaster.${zone}`,
        apex_ns: [`ns1.${zone}`],
        apex_a: ["192.0.2.1"],
      });
      assert.deepEqual(created, { status: 201, body: { zone } });
      const list = await op(base, "GET", "/v1/admin/zones");
      assert.ok((list.body!.zones as { name: string }[]).some((z) => z.name === zone));
      assert.deepEqual(
        await op(base, "POST", `/v1/admin/zones/${zone}/records`, {
          name: `www.${zone}`,
          type: "TXT",
          value: "hi",
          ttl: 60,
        }),
        { status: 201, body: { ok: true } },
      );
      const recs = await op(base, "GET", `/v1/admin/zones/${zone}/records`);
      const rows = recs.body!.records as { name: string; type: string; value: string }[];
      assert.ok(rows.some((r) => r.name === zone && r.type === "NS" && r.value === `ns1.${zone}`));
      assert.ok(rows.some((r) => r.name === `www.${zone}` && r.value === "hi"));
      assert.equal(
        (await op(base, "DELETE", `/v1/admin/zones/${zone}/records`, {
          name: `www.${zone}`,
          type: "TXT",
          value: "hi",
        })).status,
        204,
      );
      assert.deepEqual(await op(base, "DELETE", `/v1/admin/zones/${zone}`), {
        status: 200,
        body: { deleted: zone },
      });
      assert.equal((await op(base, "DELETE", `/v1/admin/zones/${zone}`)).status, 404);
    },
  },
  {
    name: "records: a wildcard owner (*.label, RFC 4592) is stored as such; * elsewhere is refused",
    async run({ base }) {
      const zone = `w${uniq()}.example`;
      assert.equal((await op(base, "POST", "/v1/admin/zones", { name: zone })).status, 201);
      const add = (name: string) =>
        op(base, "POST", `/v1/admin/zones/${zone}/records`, {
          name,
          type: "TXT",
          value: "w",
          ttl: 60,
        });
      assert.deepEqual(await add(`*.wild.${zone}`), { status: 201, body: { ok: true } });
      assert.deepEqual(await add(`*.${zone}`), { status: 201, body: { ok: true } });
      for (const bad of [`a.*.${zone}`, `*a.${zone}`, `*.*.${zone}`]) {
        assert.deepEqual(await add(bad), {
          status: 400,
          body: { error: "name: not a valid name inside the zone" },
        }, bad);
      }
      const rows = (await op(base, "GET", `/v1/admin/zones/${zone}/records`)).body!
        .records as { name: string }[];
      assert.deepEqual(
        rows.map((r) => r.name).filter((n) => n.startsWith("*")).sort(),
        [`*.${zone}`, `*.wild.${zone}`].sort(),
      );
      // The DMP user route never takes a wildcard owner.
      const user = await fetch(
        `${base}/v1/records/*.wild.${zone}`,
        jsonInit("POST", { value: "x" }),
      );
      assert.notEqual(user.status, 201);
      await user.body?.cancel();
    },
  },
  {
    name: "bodies are validated and the 400 names the field",
    async run({ base }) {
      assert.deepEqual(
        await op(base, "POST", "/v1/admin/zones", { name: "ok.example", apex_a: ["999.1.1.1"] }),
        {
          status: 400,
          body: { error: "apex_a.0: expected an IPv4 address" },
        },
      );
      const noName = await op(base, "POST", "/v1/admin/zones", {});
      assert.equal(noName.status, 400);
      assert.match(String(noName.body!.error), /^name: /);
      const badTok = await op(base, "POST", "/v1/admin/tokens", {
        subject: "x@y.example",
        rate_burst: "many",
      });
      assert.equal(badTok.status, 400);
      assert.match(String(badTok.body!.error), /^rate_burst: /);
      assert.deepEqual(await op(base, "POST", "/v1/admin/tokens", "[]"), {
        status: 400,
        body: { error: "invalid body" },
      });
    },
  },
  {
    name: "tokens: issue returns the token once, list shows hashes only, revoke (issue 4)",
    async run({ base }) {
      const subject = `list-${uniq()}@example.org`;
      const issued = await op(base, "POST", "/v1/admin/tokens", { subject, note: "test" });
      assert.equal(issued.status, 201);
      assert.match(String(issued.body!.token), /^dmp_v1_/);
      const list = await op(base, "GET", "/v1/admin/tokens");
      const text = JSON.stringify(list.body);
      assert.ok(!text.includes(String(issued.body!.token)));
      assert.ok(text.includes(String(issued.body!.token_hash)));
      assert.equal(
        (await op(base, "DELETE", `/v1/admin/tokens/${issued.body!.token_hash}`)).status,
        200,
      );
      assert.equal(
        (await op(base, "DELETE", `/v1/admin/tokens/${issued.body!.token_hash}`)).status,
        404,
      );
    },
  },
  {
    name: "every operator action lands in the audit log",
    async run({ base }) {
      const zone = `audit${uniq()}.example`;
      await op(base, "POST", "/v1/admin/zones", { name: zone });
      const audit = await op(base, "GET", "/v1/admin/audit?limit=50");
      const rows = audit.body!.audit as {
        actor: string;
        event: string;
        subject: string;
        detail: string;
      }[];
      assert.ok(
        rows.some((r) =>
          r.actor === "operator" && r.event === "POST /v1/admin/zones" && r.detail === "status=201"
        ),
      );
      assert.deepEqual(await op(base, "GET", "/v1/admin/audit?limit=0"), {
        status: 400,
        body: { error: "limit: Too small: expected number to be >=1" },
      });
    },
  },
];

runOnAllTargets("operator API", CASES);
