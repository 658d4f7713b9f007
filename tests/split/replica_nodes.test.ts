/**
 * The production shape for DNS: one sqld primary with JWT auth, two udp-nodes
 * each on its own embedded replica. Writes at one node reach the other within
 * its sync interval; the nodes ride out the primary going away; a node killed
 * with SIGKILL answers from its replica file at once on restart; an
 * acknowledged write is never lost.
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client";
import { migrate } from "../../packages/core/store/migrate.ts";
import { readRecordsByName } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { putTsigKey, revokeTsigKey } from "../../packages/core/store/tsig_keys.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { applyRecordChanges } from "../../packages/core/store/records.ts";
import { encodeBase64 } from "../../packages/core/dmp/base64_strict.ts";
import { dig, txtJoin } from "../_support/dig.ts";
import {
  type NodeProcess,
  replicaNodeOptions,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";
import { nsupdate } from "../_support/nsupdate.ts";
import { type SqldProcess, startSqld } from "../_support/sqld.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ZONE = "split.test";
const SEALING_KEY = "cd".repeat(32);
const now = () => Date.now() / 1000;

let sqld: SqldProcess;
let remote: ReturnType<typeof createClient>;
const nodes: NodeProcess[] = [];
const dirs: string[] = [];
let key = "";
const acknowledged: string[] = [];

function nodeEnv(i: number): { dbUrl: string; dir: string; env: Record<string, string> } {
  return replicaNodeOptions(sqld, dirs[i], {
    DMP_DB_SYNC_INTERVAL: "0.3",
    DMP_DNS_UPDATE_ENABLED: "1",
    DMP_TSIG_SECRET_KEY: SEALING_KEY,
  });
}

async function answers(node: NodeProcess, name: string): Promise<string[]> {
  return (await dig(node.dnsPort, name, "TXT")).answer.map((a) => txtJoin(a.data));
}

Deno.test.beforeAll(async () => {
  sqld = await startSqld({ jwt: true });
  remote = createClient({ url: sqld.url, authToken: sqld.token! });
  await migrate(remote);
  await upsertZone(remote, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now());
  const secret = crypto.getRandomValues(new Uint8Array(32));
  await putTsigKey(remote, await createSecretBox(SEALING_KEY), {
    name: `alice.${ZONE}`,
    algorithm: "hmac-sha256",
    secret,
    allowedSuffixes: [`id-a.${ZONE}`],
    subject: "alice@split.test",
    registeredSpk: "",
    registeredX25519Pub: "",
    expiresAt: 0,
  }, now());
  key = `hmac-sha256:alice.${ZONE}:${encodeBase64(secret)}`;
  for (let i = 0; i < 2; i++) {
    dirs.push(await Deno.makeTempDir({ prefix: "dmp-replica-" }));
    nodes.push(await startNodeProcess(nodeEnv(i)));
  }
});

Deno.test({
  name: "an UPDATE at node 1 is answered by node 2 within its sync interval",
  ...opts,
  async fn() {
    const r = await nsupdate(nodes[0].dnsPort, ZONE, [
      `update add id-a.${ZONE} 300 TXT "via-node-1"`,
    ], { key });
    assert.equal(r.code, 0, r.output + nodes[0].logs().slice(-2000));
    acknowledged.push("via-node-1");
    assert.deepEqual(await answers(nodes[0], `id-a.${ZONE}`), ["via-node-1"], "read your writes");
    assert.ok(
      await waitFor(
        async () => (await answers(nodes[1], `id-a.${ZONE}`)).includes("via-node-1"),
        3000,
      ),
    );
  },
});

Deno.test({
  name: "a write at the primary (the edge's path) is answered by both nodes",
  ...opts,
  async fn() {
    await applyRecordChanges(remote, [{
      op: "add",
      zone: ZONE,
      name: `op.${ZONE}`,
      type: "TXT",
      value: "operator",
      ttl: 60,
    }], {
      now: now(),
    });
    for (const n of nodes) {
      assert.ok(
        await waitFor(async () => (await answers(n, `op.${ZONE}`)).includes("operator"), 3000),
      );
    }
  },
});

Deno.test({
  name: "sqld down: both nodes keep answering, UPDATE gets SERVFAIL with a clear log line",
  ...opts,
  async fn() {
    await sqld.stop();
    for (const n of nodes) {
      assert.deepEqual(await answers(n, `id-a.${ZONE}`), ["via-node-1"]);
      assert.deepEqual(await answers(n, `op.${ZONE}`), ["operator"]);
    }
    const r = await nsupdate(nodes[0].dnsPort, ZONE, [
      `update add id-a.${ZONE} 300 TXT "while-down"`,
    ], { key });
    assert.equal(r.error, "SERVFAIL", r.output + nodes[0].logs().slice(-3000));
    assert.match(nodes[0].logs(), /UPDATE not applied: store write failed/);
  },
});

Deno.test({
  name: "a node killed with SIGKILL answers from its replica file at once, before any sync",
  ...opts,
  async fn() {
    await nodes[1].stop("SIGKILL");
    nodes[1] = await startNodeProcess(nodeEnv(1));
    assert.deepEqual(await answers(nodes[1], `id-a.${ZONE}`), ["via-node-1"]);
    assert.deepEqual(await answers(nodes[1], `op.${ZONE}`), ["operator"]);
  },
});

Deno.test({
  name: "sqld back: writes work again without restarts; nothing acknowledged was lost",
  ...opts,
  async fn() {
    await sqld.start();
    assert.ok(
      await waitFor(async () => {
        const r = await nsupdate(nodes[0].dnsPort, ZONE, [
          `update add id-a.${ZONE} 300 TXT "after-recovery"`,
        ], { key });
        return r.code === 0;
      }, 15000),
      nodes[0].logs().slice(-2000),
    );
    acknowledged.push("after-recovery");
    const stored = (await readRecordsByName(remote, [`id-a.${ZONE}`], now())).map((r) => r.value);
    for (const v of acknowledged) assert.ok(stored.includes(v), `acknowledged ${v} is stored`);
    assert.ok(!stored.includes("while-down"), "the SERVFAIL write was not half-applied");
    assert.ok(
      await waitFor(
        async () => (await answers(nodes[1], `id-a.${ZONE}`)).includes("after-recovery"),
        5000,
      ),
    );
  },
});

Deno.test({
  name: "a key revoked at the primary stops working on both nodes",
  ...opts,
  async fn() {
    await revokeTsigKey(remote, `alice.${ZONE}`, now());
    for (const n of nodes) {
      assert.ok(
        await waitFor(async () => {
          const r = await nsupdate(n.dnsPort, ZONE, [`update add id-a.${ZONE} 300 TXT "revoked"`], {
            key,
          });
          return r.error === "NOTAUTH(BADKEY)";
        }, 5000),
      );
    }
  },
});

Deno.test.afterAll(async () => {
  for (const n of nodes) await n.stop();
  remote?.close();
  await sqld?.stop();
});
