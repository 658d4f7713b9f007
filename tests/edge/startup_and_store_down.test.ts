/**
 * Start-up rules and store failure (brief §1.1, §1.4): open mode refuses a
 * public bind unless allowed; auth modes open and legacy; an unreachable
 * store answers 503 JSON on every runtime, never a 500 with internals.
 */

import assert from "node:assert/strict";
import {
  type EdgeProcess,
  runEdgeToExit,
  startEdge,
  startProcess,
} from "../_support/edge_process.ts";
import { startSqld } from "../_support/sqld.ts";
import { BASE_ENV, jsonInit, OPERATOR_TOKEN, ZONE } from "./_targets.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

for (const runtime of ["deno", "node"] as const) {
  Deno.test({
    name:
      `open mode on a public bind refuses to start on ${runtime} unless DMP_ALLOW_OPEN_PUBLIC_BIND (brief §1.1)`,
    ...opts,
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "dmp-open-" });
      const r = await runEdgeToExit(runtime, {
        DMP_DB_URL: `file:${dir}/dmp.db`,
        DMP_HTTP_HOST: "0.0.0.0",
        DMP_HTTP_PORT: "0",
      });
      assert.equal(r.code, 1);
      assert.match(
        r.output,
        /edge-api: Cannot start: auth mode is open .*DMP_ALLOW_OPEN_PUBLIC_BIND/,
      );
      const allowed = await startProcess(runtime, {
        DMP_DB_URL: `file:${dir}/dmp.db`,
        DMP_HTTP_HOST: "0.0.0.0",
        DMP_ALLOW_OPEN_PUBLIC_BIND: "1",
      });
      await allowed.stop();
      await Deno.remove(dir, { recursive: true });
    },
  });
}

Deno.test({
  name: "open mode on loopback needs no token; legacy mode needs the operator token (brief §1.5)",
  ...opts,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "dmp-modes-" });
    const open = await startProcess("deno", {
      DMP_DB_URL: `file:${dir}/open.db`,
      DMP_DOMAIN: ZONE,
    });
    const legacy = await startProcess("node", {
      DMP_DB_URL: `file:${dir}/legacy.db`,
      DMP_DOMAIN: ZONE,
      DMP_OPERATOR_TOKEN: OPERATOR_TOKEN,
    });
    try {
      const path = `/v1/records/open.${ZONE}`;
      const a = await fetch(`${open.url}${path}`, jsonInit("POST", { value: "x" }));
      assert.equal(a.status, 201);
      await a.body?.cancel();
      const g = await fetch(`${open.url}${path}`);
      assert.deepEqual(await g.json(), { name: `open.${ZONE}`, values: ["x"] });
      const b = await fetch(`${legacy.url}${path}`, jsonInit("POST", { value: "x" }));
      assert.equal(b.status, 401);
      await b.body?.cancel();
      const c = await fetch(
        `${legacy.url}${path}`,
        jsonInit("POST", { value: "x" }, { authorization: `Bearer ${OPERATOR_TOKEN}` }),
      );
      assert.equal(c.status, 201);
      await c.body?.cancel();
      // Registration is gated on multi-tenant mode (brief §2 "Gate").
      const reg = await fetch(`${legacy.url}/v1/registration/challenge`);
      assert.deepEqual(await reg.json(), { error: "not found" });
    } finally {
      await open.stop();
      await legacy.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "an unreachable store is 503 JSON on Deno, Node and workerd (issue 4)",
  ...opts,
  async fn() {
    const sqld = await startSqld();
    const edges: EdgeProcess[] = [];
    for (const runtime of ["deno", "node", "workerd"] as const) {
      edges.push(await startEdge({ runtime, env: { ...BASE_ENV, DMP_DB_URL: sqld.url } }));
    }
    try {
      for (const e of edges) {
        const ok = await fetch(`${e.url}/health`);
        assert.equal(ok.status, 200, e.runtime);
        await ok.body?.cancel();
      }
      await sqld.stop();
      for (const e of edges) {
        const h = await fetch(`${e.url}/health`);
        assert.deepEqual({ status: h.status, body: await h.json() }, {
          status: 503,
          body: { status: "degraded", store: "unreachable" },
        }, e.runtime);
        const r = await fetch(`${e.url}/v1/records/x.${ZONE}`, {
          headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, "x-forwarded-for": "10.9.9.9" },
        });
        assert.deepEqual({ status: r.status, body: await r.json() }, {
          status: 503,
          body: { error: "store unavailable" },
        }, e.runtime);
      }
    } finally {
      for (const e of edges) await e.stop();
    }
  },
});
