/**
 * The whole product shape (issue 5): one sqld primary with JWT auth, the edge
 * API in workerd (Miniflare) and under Deno, and two udp-nodes on embedded
 * replicas. A user registers at the edge and publishes over UPDATE at node 1;
 * node 2 answers it. An operator writes through the edge and both nodes
 * answer. A key revoked at the edge stops working on both nodes. With the
 * primary stopped, the edge answers 503 JSON and the nodes keep answering;
 * with it back, everything recovers without restarts.
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client";
import { migrate } from "../../packages/core/store/migrate.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { dig, txtJoin } from "../_support/dig.ts";
import { type EdgeProcess, startEdge } from "../_support/edge_process.ts";
import {
  type NodeProcess,
  replicaNodeOptions,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";
import { nsupdate } from "../_support/nsupdate.ts";
import { type SqldProcess, startSqld } from "../_support/sqld.ts";
import { newIdentity, register } from "../edge/_client.ts";
import { BASE_ENV, OPERATOR_TOKEN, TSIG_SECRET_KEY, ZONE } from "../edge/_targets.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
let sqld: SqldProcess;
const edges: Record<"workerd" | "deno", EdgeProcess> = {} as never;
const nodes: NodeProcess[] = [];
let keyArg = "";
let keyName = "";
let owner = "";
const op = { authorization: `Bearer ${OPERATOR_TOKEN}`, "content-type": "application/json" };

async function answers(n: NodeProcess, name: string): Promise<string[]> {
  return (await dig(n.dnsPort, name, "TXT")).answer.map((a) => txtJoin(a.data));
}

Deno.test.beforeAll(async () => {
  sqld = await startSqld({ jwt: true });
  const remote = createClient({ url: sqld.url, authToken: sqld.token! });
  await migrate(remote);
  await upsertZone(remote, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, Date.now() / 1000);
  remote.close();
  const env = {
    ...BASE_ENV,
    DMP_DB_URL: sqld.url,
    DMP_DB_AUTH_TOKEN: sqld.token!,
    DMP_HTTP_HOST: "127.0.0.1",
  };
  edges.workerd = await startEdge({ runtime: "workerd", env });
  edges.deno = await startEdge({ runtime: "deno", env: { ...env, DMP_HTTP_PORT: "0" } });
  for (let i = 0; i < 2; i++) {
    const dir = await Deno.makeTempDir({ prefix: "dmp-e2e-" });
    nodes.push(
      await startNodeProcess(replicaNodeOptions(sqld, dir, {
        DMP_DB_SYNC_INTERVAL: "0.3",
        DMP_DNS_UPDATE_ENABLED: "1",
        DMP_TSIG_SECRET_KEY: TSIG_SECRET_KEY,
      })),
    );
  }
});

Deno.test({
  name: "register at the edge (workerd), publish at node 1, answered by node 2",
  ...opts,
  async fn() {
    const id = await newIdentity();
    const r = await register(edges.workerd.url, {
      subject: `carol@${ZONE}`,
      id,
      ip: "198.51.100.77",
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    keyName = String(r.body.tsig_key_name);
    keyArg = `hmac-sha256:${keyName}:${
      btoa(String.fromCharCode(...hex(String(r.body.tsig_secret_hex))))
    }`;
    owner = (r.body.allowed_suffixes as string[]).find((s) => /^id-[0-9a-f]{16}\./.test(s))!;
    // The minted key reaches node 1 through the journal within one sync interval.
    assert.ok(
      await waitFor(async () =>
        (await nsupdate(nodes[0].dnsPort, ZONE, [
          `update add ${owner} 300 TXT "v=dmp1;t=identity;carol"`,
        ], { key: keyArg }))
          .code === 0, 5000),
      nodes[0].logs().slice(-1500),
    );
    assert.ok(
      await waitFor(
        async () => (await answers(nodes[1], owner)).includes("v=dmp1;t=identity;carol"),
        3000,
      ),
    );
  },
});

Deno.test({
  name: "an operator write through the edge (Deno) is answered by both nodes",
  ...opts,
  async fn() {
    const r = await fetch(`${edges.deno.url}/v1/admin/zones/${ZONE}/records`, {
      method: "POST",
      headers: op,
      body: JSON.stringify({
        name: `_dmp.${ZONE}`,
        type: "TXT",
        value: "v=dmp1;t=bootstrap;x",
        ttl: 300,
      }),
    });
    assert.ok(r.status === 200 || r.status === 201, await r.text());
    for (const n of nodes) {
      assert.ok(
        await waitFor(
          async () => (await answers(n, `_dmp.${ZONE}`)).includes("v=dmp1;t=bootstrap;x"),
          3000,
        ),
      );
    }
  },
});

Deno.test({
  name: "primary down: edge answers 503 JSON, nodes keep answering, UPDATE SERVFAIL",
  ...opts,
  async fn() {
    await sqld.stop();
    for (const e of Object.values(edges)) {
      const h = await fetch(`${e.url}/health`);
      assert.equal(h.status, 503, e.runtime);
      assert.equal((await h.json()).status, "degraded");
    }
    for (const n of nodes) assert.ok((await answers(n, owner)).includes("v=dmp1;t=identity;carol"));
    const u = await nsupdate(nodes[1].dnsPort, ZONE, [`update add ${owner} 300 TXT "down"`], {
      key: keyArg,
    });
    assert.equal(u.error, "SERVFAIL", u.output);
  },
});

Deno.test({
  name: "primary back: edge and nodes recover without restarts",
  ...opts,
  async fn() {
    await sqld.start();
    assert.ok(
      await waitFor(async () => (await fetch(`${edges.workerd.url}/health`)).status === 200, 10000),
    );
    assert.ok(
      await waitFor(
        async () =>
          (await nsupdate(nodes[1].dnsPort, ZONE, [`update add ${owner} 300 TXT "back"`], {
            key: keyArg,
          })).code === 0,
        15000,
      ),
    );
    assert.ok(await waitFor(async () => (await answers(nodes[0], owner)).includes("back"), 3000));
  },
});

Deno.test({
  name: "a key revoked at the edge stops working on both nodes",
  ...opts,
  async fn() {
    const r = await fetch(
      `${edges.workerd.url}/v1/admin/tsig-keys/${encodeURIComponent(keyName)}`,
      {
        method: "DELETE",
        headers: op,
      },
    );
    assert.ok(r.status < 300, await r.text());
    for (const n of nodes) {
      assert.ok(
        await waitFor(
          async () =>
            (await nsupdate(n.dnsPort, ZONE, [`update add ${owner} 300 TXT "revoked"`], {
              key: keyArg,
            })).error ===
              "NOTAUTH(BADKEY)",
          5000,
        ),
      );
    }
  },
});

Deno.test.afterAll(async () => {
  for (const n of nodes) await n.stop();
  for (const e of Object.values(edges)) await e.stop();
  await sqld?.stop();
});

function hex(h: string): Uint8Array {
  return Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));
}
