/**
 * The operator API under `/v1/admin` on every runtime (issue 4): tokens,
 * TSIG keys, zones, records and the audit log; operator token required.
 */

import assert from "node:assert/strict";
import {
  asOperator,
  type EdgeCase,
  jsonInit,
  nextIp,
  OPERATOR_TOKEN,
  runOnAllTargets,
  uniq,
} from "./_targets.ts";

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
          body: {
            error:
              "apex_a.0: expected an IPv4 address (four decimal octets 0-255, no leading zeros)",
          },
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
    name: "unknown fields are a 400 naming them, and nothing is written (issue 10)",
    async run({ base }) {
      const zone = `strict${uniq()}.example`;
      assert.deepEqual(
        await op(base, "POST", "/v1/admin/zones", {
          name: zone,
          ns: [`ns1.${zone}`],
          a: ["192.0.2.1"],
        }),
        { status: 400, body: { error: "ns, a: unknown fields" } },
      );
      const list = await op(base, "GET", "/v1/admin/zones");
      assert.ok(!(list.body!.zones as { name: string }[]).some((z) => z.name === zone));
      await op(base, "POST", "/v1/admin/zones", { name: zone });
      assert.deepEqual(
        await op(base, "POST", `/v1/admin/zones/${zone}/records`, {
          name: `www.${zone}`,
          value: "x",
          ttl_seconds: 60,
        }),
        { status: 400, body: { error: "ttl_seconds: unknown field" } },
      );
      assert.deepEqual(
        await op(base, "POST", "/v1/admin/tokens", { subject: "a@example.org", rate: 5 }),
        { status: 400, body: { error: "rate: unknown field" } },
      );
      assert.deepEqual(
        await op(base, "DELETE", `/v1/admin/zones/${zone}/records`, {
          name: `www.${zone}`,
          values: ["x"],
        }),
        { status: 400, body: { error: "values: unknown field" } },
      );
    },
  },
  {
    name:
      "IP and name values go through the core validators: 01.2.3.4, :::, a..b refused (issue 10)",
    async run({ base }) {
      const zone = `ip${uniq()}.example`;
      const bad: [Record<string, unknown>, RegExp][] = [
        [{ apex_a: ["01.2.3.4"] }, /^apex_a\.0: expected an IPv4 address/],
        [{ apex_a: ["192.0.2.1", "999.1.1.1"] }, /^apex_a\.1: expected an IPv4 address/],
        [{ apex_aaaa: [":::"] }, /^apex_aaaa\.0: expected an IPv6 address/],
        [{ apex_aaaa: ["1.2.3.4"] }, /^apex_aaaa\.0: expected an IPv6 address/],
        [{ apex_ns: ["ns1..example"] }, /^apex_ns\.0: expected a domain name/],
        [{ soa_rname: "host master.example" }, /^soa_rname: expected a domain name/],
        [{ apex_ttl: 2 ** 31 }, /^apex_ttl: expected a TTL/],
      ];
      for (const [fields, message] of bad) {
        const r = await op(base, "POST", "/v1/admin/zones", { name: zone, ...fields });
        assert.equal(r.status, 400, JSON.stringify(fields));
        assert.match(String(r.body!.error), message);
      }
      assert.equal(
        (await op(base, "POST", "/v1/admin/zones", {
          name: zone,
          apex_aaaa: ["2001:DB8:0:0::1"],
        })).status,
        201,
      );
      for (
        const [type, value] of [["A", "01.2.3.4"], ["AAAA", ":::"], ["NS", "-ns.example"]]
      ) {
        const r = await op(base, "POST", `/v1/admin/zones/${zone}/records`, {
          name: `h.${zone}`,
          type,
          value,
        });
        assert.equal(r.status, 400, `${type} ${value}`);
        assert.match(
          String(r.body!.error),
          /^value: (invalid IPv4 address|invalid IPv6 address|NS target "-ns\.example": expected a domain)/,
        );
      }
      assert.equal(
        (await op(base, "POST", `/v1/admin/zones/${zone}/records`, {
          name: `h.${zone}`,
          type: "AAAA",
          value: "2001:0DB8::0:2",
        })).status,
        201,
      );
      const recs = await op(base, "GET", `/v1/admin/zones/${zone}/records`);
      const values = (recs.body!.records as { type: string; value: string }[])
        .filter((r) => r.type === "AAAA").map((r) => r.value).sort();
      assert.deepEqual(values, ["2001:db8::1", "2001:db8::2"], "stored in RFC 5952 form");
    },
  },
  {
    name: "duplicate apex values are a 400, not a 500 (issue 12 #12)",
    async run({ base }) {
      const zone = `dup${uniq()}.example`;
      assert.deepEqual(
        await op(base, "POST", "/v1/admin/zones", {
          name: zone,
          apex_a: ["192.0.2.1", "192.0.2.1"],
        }),
        { status: 400, body: { error: "apex_a.1: duplicate value 192.0.2.1" } },
      );
      assert.deepEqual(
        await op(base, "POST", "/v1/admin/zones", {
          name: zone,
          apex_aaaa: ["2001:db8::1", "2001:DB8:0::1"],
        }),
        { status: 400, body: { error: "apex_aaaa.1: duplicate value 2001:db8::1" } },
      );
      assert.deepEqual(
        await op(base, "POST", "/v1/admin/zones", {
          name: zone,
          apex_ns: ["ns1.example", "NS1.example."],
        }),
        { status: 400, body: { error: "apex_ns.1: duplicate value ns1.example" } },
      );
    },
  },
  {
    name: "ttl and lifetime have upper bounds; the listing keeps working (issue 12 #8)",
    async run({ base }) {
      const zone = `life${uniq()}.example`;
      await op(base, "POST", "/v1/admin/zones", { name: zone });
      const r = await op(base, "POST", `/v1/admin/zones/${zone}/records`, {
        name: `x.${zone}`,
        value: "v",
        ttl: 60,
        lifetime: 9007199254740991,
      });
      assert.equal(r.status, 400);
      assert.match(String(r.body!.error), /^lifetime: expected whole seconds from 0 to 2147483647/);
      const ttl = await op(base, "POST", `/v1/admin/zones/${zone}/records`, {
        name: `x.${zone}`,
        value: "v",
        ttl: 9007199254740991,
      });
      assert.equal(ttl.status, 400);
      assert.match(String(ttl.body!.error), /^ttl: /);
      const tok = await op(base, "POST", "/v1/admin/tokens", {
        subject: "life@example.org",
        ttl_seconds: 9007199254740991,
      });
      assert.equal(tok.status, 400);
      assert.match(String(tok.body!.error), /^ttl_seconds: expected whole seconds/);
      assert.deepEqual(
        await op(base, "POST", `/v1/admin/zones/${zone}/records`, {
          name: `x.${zone}`,
          value: "v",
          ttl: 60,
          lifetime: 2147483647,
        }),
        { status: 201, body: { ok: true } },
      );
      const list = await op(base, "GET", `/v1/admin/zones/${zone}/records`);
      assert.equal(list.status, 200);
      assert.equal((list.body!.records as unknown[]).length, 1);
    },
  },
  {
    name: "the zone listing shows the SOA MNAME/RNAME DNS serves (issue 10)",
    async run({ base }) {
      const zone = `soa${uniq()}.example`;
      await op(base, "POST", "/v1/admin/zones", {
        name: zone,
        apex_ns: [`ns1.${zone}`, `ns2.${zone}`],
      });
      const other = `soa2${uniq()}.example`;
      await op(base, "POST", "/v1/admin/zones", {
        name: other,
        soa_mname: `master.${other}`,
        soa_rname: `dns.${other}`,
      });
      const bare = `soa3${uniq()}.example`;
      await op(base, "POST", "/v1/admin/zones", { name: bare });
      const zones = (await op(base, "GET", "/v1/admin/zones")).body!.zones as {
        name: string;
        soa_mname: string;
        soa_rname: string;
      }[];
      const byName = new Map(zones.map((z) => [z.name, z]));
      assert.equal(byName.get(zone)!.soa_mname, `ns1.${zone}`);
      assert.equal(byName.get(zone)!.soa_rname, `hostmaster.${zone}`);
      assert.equal(byName.get(other)!.soa_mname, `master.${other}`);
      assert.equal(byName.get(other)!.soa_rname, `dns.${other}`);
      assert.equal(byName.get(bare)!.soa_mname, bare);
      assert.equal(byName.get(bare)!.soa_rname, `hostmaster.${bare}`);
    },
  },
  {
    name: "the bearer scheme is case-insensitive (RFC 9110 §11.1)",
    async run({ base }) {
      for (const scheme of ["bearer", "BEARER", "Bearer"]) {
        const r = await fetch(`${base}/v1/admin/zones`, {
          headers: { authorization: `${scheme} ${OPERATOR_TOKEN}` },
        });
        assert.equal(r.status, 200, scheme);
        await r.body?.cancel();
      }
      const wrong = await fetch(`${base}/v1/admin/zones`, {
        headers: { authorization: `Basic ${OPERATOR_TOKEN}` },
      });
      assert.equal(wrong.status, 401);
      await wrong.body?.cancel();
    },
  },
  {
    name: "bodies over 16384 bytes get 413 on every JSON route (issue 10)",
    async run({ base }) {
      const big = JSON.stringify({ name: "a.example", note: "x".repeat(300_000) });
      const routes: [string, string, Record<string, string>][] = [
        ["POST", "/v1/admin/zones", { authorization: `bearer ${OPERATOR_TOKEN}` }],
        ["POST", "/v1/admin/tokens", { authorization: `Bearer ${OPERATOR_TOKEN}` }],
        ["POST", `/v1/records/x.mesh.test.example`, {
          authorization: `Bearer ${OPERATOR_TOKEN}`,
        }],
        ["POST", "/v1/registration/confirm", {}],
      ];
      for (const [method, path, headers] of routes) {
        const r = await fetch(
          `${base}${path}`,
          jsonInit(method, big, { ...headers, "x-forwarded-for": nextIp() }),
        );
        assert.equal(r.status, 413, path);
        assert.deepEqual(await r.json(), { error: "body exceeds 16384 bytes" }, path);
      }
      // Just under the cap is read and judged on its content.
      const fits = JSON.stringify({ name: "a.example", x: "y".repeat(16000) });
      const r = await fetch(
        `${base}/v1/admin/zones`,
        asOperator(jsonInit("POST", fits)),
      );
      assert.equal(r.status, 400);
      assert.deepEqual(await r.json(), { error: "x: unknown field" });
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
