/**
 * `/v1/records/{name}`, `/health`, `/stats`, `/metrics` on every runtime
 * (brief §1.4, §1.5, §1.8, §7 `test_http_api.py`, `test_http_auth_multi_tenant.py`).
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
  ZONE,
} from "./_targets.ts";

const OP = { authorization: `Bearer ${OPERATOR_TOKEN}` };

function as(ip: string, extra: Record<string, string> = {}) {
  return { "x-forwarded-for": ip, ...extra };
}

async function call(
  base: string,
  method: string,
  path: string,
  o: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  const init: RequestInit = o.body === undefined
    ? { method, headers: o.headers }
    : jsonInit(method, o.body, o.headers);
  const r = await fetch(`${base}${path}`, init);
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function issueToken(
  base: string,
  body: Record<string, unknown>,
): Promise<{ token: string; token_hash: string }> {
  const r = await fetch(`${base}/v1/admin/tokens`, asOperator(jsonInit("POST", body)));
  assert.equal(r.status, 201);
  return await r.json() as { token: string; token_hash: string };
}

const CASES: EdgeCase[] = [
  {
    name: "POST 201, GET values, GET missing 404, DELETE value 204 then 404 (brief §1.4)",
    async run({ base }) {
      const ip = nextIp();
      const name = `rec-${uniq()}.${ZONE}`;
      const h = as(ip, OP);
      assert.deepEqual(
        await call(base, "POST", `/v1/records/${name}`, {
          headers: h,
          body: { value: "a", ttl: 60 },
        }),
        { status: 201, body: { ok: true } },
      );
      await call(base, "POST", `/v1/records/${name}`, { headers: h, body: { value: "b" } });
      assert.deepEqual(await call(base, "GET", `/v1/records/${name}`, { headers: h }), {
        status: 200,
        body: { name, values: ["a", "b"] },
      });
      const missing = `none-${uniq()}.${ZONE}`;
      assert.deepEqual(await call(base, "GET", `/v1/records/${missing}`, { headers: h }), {
        status: 404,
        body: { name: missing, values: [] },
      });
      assert.deepEqual(
        await call(base, "DELETE", `/v1/records/${name}`, { headers: h, body: { value: "a" } }),
        { status: 204, body: null },
      );
      assert.deepEqual(
        await call(base, "DELETE", `/v1/records/${name}`, { headers: h, body: { value: "a" } }),
        { status: 404, body: null },
      );
      assert.deepEqual(await call(base, "DELETE", `/v1/records/${name}`, { headers: h }), {
        status: 204,
        body: null,
      });
      assert.equal((await call(base, "GET", `/v1/records/${name}`, { headers: h })).status, 404);
    },
  },
  {
    name: "names are stored lower-case: a mixed-case POST is found lower-case (brief §8.4 #19)",
    async run({ base }) {
      const h = as(nextIp(), OP);
      const label = `MiXeD-${uniq()}`;
      await call(base, "POST", `/v1/records/${label}.${ZONE.toUpperCase()}.`, {
        headers: h,
        body: { value: "v", ttl: 30 },
      });
      const r = await call(base, "GET", `/v1/records/${label.toLowerCase()}.${ZONE}`, {
        headers: h,
      });
      assert.deepEqual(r.body, { name: `${label.toLowerCase()}.${ZONE}`, values: ["v"] });
    },
  },
  {
    name: "every 400 of POST in the reference order (brief §1.4 steps 5-11)",
    async run({ base }) {
      const h = as(nextIp(), OP);
      const name = `bad-${uniq()}.${ZONE}`;
      const cases: [string, unknown, string][] = [
        [name, "{not json", "invalid body"],
        [name, [1], "invalid body"],
        [name, { value: 5 }, "value (str) and ttl (int > 0) required"],
        [name, { value: "x", ttl: 0 }, "value (str) and ttl (int > 0) required"],
        [name, { value: "x", ttl: 1.5 }, "value (str) and ttl (int > 0) required"],
        [name, { value: "x", ttl: "60" }, "value (str) and ttl (int > 0) required"],
        [name, { value: "x", ttl: 86401 }, "ttl exceeds cap of 86400s"],
        [name, { value: "x".repeat(2049) }, "value exceeds cap of 2048 bytes"],
        [`bad_label-.${ZONE}`, { value: "x" }, "invalid record name"],
        [name, { value: 'has "quote"' }, "invalid record value"],
        [name, { value: "tab\there" }, "invalid record value"],
      ];
      for (const [n, body, error] of cases) {
        const r = await call(base, "POST", `/v1/records/${n}`, { headers: h, body });
        assert.deepEqual(r, { status: 400, body: { error } }, JSON.stringify(body));
      }
      const big = await fetch(`${base}/v1/records/${name}`, {
        method: "POST",
        headers: h,
        body: JSON.stringify({ value: "x", pad: "p".repeat(17000) }),
      });
      // The reference answers 400 "invalid body"; we say what is wrong (413, issue 10).
      assert.equal(big.status, 413);
      assert.deepEqual(await big.json(), { error: "body exceeds 16384 bytes" });
    },
  },
  {
    name: "a full RRset answers 413 unless the value is already there (brief §1.4 step 9)",
    async run({ base }) {
      const h = as(nextIp(), OP);
      const name = `full-${uniq()}.${ZONE}`;
      for (let i = 0; i < 4; i++) {
        const r = await call(base, "POST", `/v1/records/${name}`, {
          headers: h,
          body: { value: `v${i}` },
        });
        assert.equal(r.status, 201);
      }
      assert.deepEqual(
        await call(base, "POST", `/v1/records/${name}`, { headers: h, body: { value: "v9" } }),
        { status: 413, body: { error: `RRset at ${name} already holds 4 values` } },
      );
      assert.equal(
        (await call(base, "POST", `/v1/records/${name}`, { headers: h, body: { value: "v0" } }))
          .status,
        201,
      );
    },
  },
  {
    name:
      "missing, wrong and malformed bearers are 401; reads need the operator token (brief §1.5)",
    async run({ base }) {
      const ip = nextIp();
      const name = `auth-${uniq()}.${ZONE}`;
      const body = { value: "x" };
      for (
        const auth of [
          undefined,
          "Bearer nope",
          `Bearer${OPERATOR_TOKEN}`,
          `Basic ${OPERATOR_TOKEN}`,
          "Bearer dmp_v1_short",
        ]
      ) {
        const headers = as(ip, auth ? { authorization: auth } : {});
        assert.deepEqual(await call(base, "POST", `/v1/records/${name}`, { headers, body }), {
          status: 401,
          body: { error: "unauthorized" },
        });
      }
      // The scheme is case-insensitive (RFC 9110 §11.1); the reference wants exactly "Bearer ".
      assert.deepEqual(
        await call(base, "POST", `/v1/records/${name}`, {
          headers: as(ip, { authorization: `bearer ${OPERATOR_TOKEN}` }),
          body,
        }),
        { status: 201, body: { ok: true } },
      );
      const t = await issueToken(base, { subject: `reader-${uniq()}@${ZONE}` });
      const r = await call(base, "GET", `/v1/records/${name}`, {
        headers: as(ip, { authorization: `Bearer ${t.token}` }),
      });
      assert.equal(r.status, 401);
    },
  },
  {
    name:
      "user tokens: own names yes, others' and operator-only names no, shared pool add-only (brief §1.5)",
    async run({ base }) {
      const user = `u${uniq()}`;
      const t = await issueToken(base, { subject: `${user}@${ZONE}` });
      const h = as(nextIp(), { authorization: `Bearer ${t.token}` });
      const post = (n: string) =>
        call(base, "POST", `/v1/records/${n}`, { headers: h, body: { value: "x" } });
      assert.equal((await post(`dmp.${user}.${ZONE}`)).status, 201);
      assert.equal((await post(`rotate.dmp.${user}.${ZONE}`)).status, 201);
      assert.equal((await post(`dmp.someoneelse.${ZONE}`)).status, 401);
      assert.equal((await post(`cluster.${ZONE}`)).status, 401);
      const slot = `slot-1.mb-${"ab".repeat(6)}.${ZONE}`;
      assert.equal((await post(slot)).status, 201);
      assert.equal((await post(`chunk-0001-${"cd".repeat(6)}.${ZONE}`)).status, 201);
      assert.equal((await call(base, "DELETE", `/v1/records/${slot}`, { headers: h })).status, 401);
      assert.equal(
        (await call(base, "DELETE", `/v1/records/dmp.${user}.${ZONE}`, { headers: h })).status,
        204,
      );
    },
  },
  {
    name:
      "per-token bucket (rate ~0, burst 1): the second write is 429, also on the shared pool (brief §1.5)",
    async run({ base }) {
      const t = await issueToken(base, {
        subject: `slow-${uniq()}@${ZONE}`,
        rate_per_sec: 0.0001,
        rate_burst: 1,
      });
      const h = as(nextIp(), { authorization: `Bearer ${t.token}` });
      const slot = `slot-2.mb-${"ef".repeat(6)}.${ZONE}`;
      assert.equal(
        (await call(base, "POST", `/v1/records/${slot}`, { headers: h, body: { value: "1" } }))
          .status,
        201,
      );
      assert.deepEqual(
        await call(base, "POST", `/v1/records/${slot}`, { headers: h, body: { value: "2" } }),
        { status: 429, body: { error: "per-token rate limit exceeded" } },
      );
    },
  },
  {
    name: "a revoked token stops working at once (brief §7)",
    async run({ base }) {
      const user = `r${uniq()}`;
      const t = await issueToken(base, { subject: `${user}@${ZONE}` });
      const h = as(nextIp(), { authorization: `Bearer ${t.token}` });
      const path = `/v1/records/dmp.${user}.${ZONE}`;
      assert.equal(
        (await call(base, "POST", path, { headers: h, body: { value: "1" } })).status,
        201,
      );
      const rv = await call(base, "DELETE", `/v1/admin/tokens/${t.token_hash}`, { headers: OP });
      assert.equal(rv.status, 200);
      assert.equal(
        (await call(base, "POST", path, { headers: h, body: { value: "2" } })).status,
        401,
      );
    },
  },
  {
    name: "the per-IP bucket answers 429 after its burst (brief §1.8)",
    async run({ base }) {
      const ip = nextIp();
      let last = 0;
      for (let i = 0; i < 31; i++) {
        const r = await fetch(`${base}/v1/records/ip-${i}.${ZONE}`, { headers: as(ip, OP) });
        last = r.status;
        await r.body?.cancel();
      }
      assert.equal(last, 429);
      const other = await fetch(`${base}/v1/records/ip-x.${ZONE}`, { headers: as(nextIp(), OP) });
      assert.equal(other.status, 404);
      await other.body?.cancel();
    },
  },
  {
    name: "the per-IP bucket is shared: drained on one runtime, 429 on another (issue 4)",
    needsPeers: true,
    async run({ base, peers }) {
      const ip = nextIp();
      for (let i = 0; i < 30; i++) {
        const r = await fetch(`${base}/v1/records/drain.${ZONE}`, { headers: as(ip, OP) });
        await r.body?.cancel();
      }
      for (const peer of peers) {
        const r = await fetch(`${peer.url}/v1/records/drain.${ZONE}`, { headers: as(ip, OP) });
        assert.equal(r.status, 429, peer.runtime);
        assert.deepEqual(await r.json(), { error: "rate limit exceeded" });
      }
    },
  },
  {
    name: "/health is open, /stats counts, /metrics needs the operator token (brief §1.4, §1.9)",
    async run({ base }) {
      assert.deepEqual(await call(base, "GET", "/health"), { status: 200, body: { status: "ok" } });
      const stats = await call(base, "GET", "/stats");
      assert.equal(stats.status, 200);
      assert.equal(typeof (stats.body as { records: number }).records, "number");
      assert.deepEqual(await call(base, "GET", "/metrics"), {
        status: 401,
        body: { error: "unauthorized" },
      });
      const m = await fetch(`${base}/metrics`, asOperator());
      assert.equal(m.status, 200);
      assert.match(m.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      const text = await m.text();
      assert.match(text, /^# TYPE dmp_http_requests_total counter$/m);
      assert.match(text, /^dmp_http_requests_total\{method="GET",status="200"\} \d+\.0$/m);
      assert.match(text, /^dmp_records \d+\.0$/m);
    },
  },
  {
    name: "unknown routes are 404 JSON",
    async run({ base }) {
      assert.deepEqual(await call(base, "GET", "/v1/nodes/seen"), {
        status: 404,
        body: { error: "not found" },
      });
    },
  },
];

runOnAllTargets("records", CASES);
