/**
 * The change signal (issue 15 item 6) on the production shape: a sqld
 * primary, the edge (Deno) serving `GET /v1/sync/journal-head`, and two
 * replica nodes (one on Node, one on Deno) whose poll interval is 30 s. A
 * write at the edge, and a DNS UPDATE at one node, are answered by both
 * nodes within a few seconds: long before any poll could have fired, so
 * only the signal can have carried them. The route refuses what a hostile
 * caller would try: no or wrong token, the sync token on operator routes,
 * a malformed `after`, more held requests than the cap. The same long-poll
 * is held and released by the Workers build (workerd).
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client";
import { migrate } from "../../packages/core/store/migrate.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { putTsigKey } from "../../packages/core/store/tsig_keys.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { applyRecordChanges, readJournalHead } from "../../packages/core/store/records.ts";
import { encodeBase64 } from "../../packages/core/dmp/base64_strict.ts";
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
import { BASE_ENV, OPERATOR_TOKEN, TSIG_SECRET_KEY, ZONE } from "../edge/_targets.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const SYNC_TOKEN = "sync-signal-token-for-tests";
/** The nodes' poll interval: far longer than any visibility this test accepts. */
const POLL_SECONDS = 30;
/** A write must be answered by every node within this (the poll is 30 s). */
const VISIBLE_WITHIN_MS = 3000;

let sqld: SqldProcess;
let edge: EdgeProcess;
let startedAt = 0;
const nodes: NodeProcess[] = [];
let edgeEnv: Record<string, string>;
const op = { authorization: `Bearer ${OPERATOR_TOKEN}`, "content-type": "application/json" };
const secret = crypto.getRandomValues(new Uint8Array(32));
const keyArg = `hmac-sha256:signal-key.${ZONE}:${encodeBase64(secret)}`;

async function answers(n: NodeProcess, name: string): Promise<string[]> {
  return (await dig(n.dnsPort, name, "TXT")).answer.map((a) => txtJoin(a.data));
}

/** Milliseconds until every node answers `value` at `name` (Infinity past the bound). */
async function visibleEverywhere(name: string, value: string, t0: number): Promise<number> {
  const ok = await waitFor(async () => {
    for (const n of nodes) if (!(await answers(n, name)).includes(value)) return false;
    return true;
  }, VISIBLE_WITHIN_MS);
  return ok ? performance.now() - t0 : Infinity;
}

function headUrl(base: string, after: string | number): string {
  return `${base}/v1/sync/journal-head?after=${after}`;
}

Deno.test.beforeAll(async () => {
  sqld = await startSqld({ jwt: true });
  const remote = createClient({ url: sqld.url, authToken: sqld.token! });
  await migrate(remote);
  await upsertZone(remote, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, Date.now() / 1000);
  remote.close();
  edgeEnv = {
    ...BASE_ENV,
    DMP_DB_URL: sqld.url,
    DMP_DB_AUTH_TOKEN: sqld.token!,
    DMP_HTTP_HOST: "127.0.0.1",
    DMP_HTTP_PORT: "0",
    DMP_SYNC_SIGNAL_TOKEN: SYNC_TOKEN,
    // Short holds, so the nodes also go through the unchanged-head answer and ask again.
    DMP_SYNC_SIGNAL_WAIT: "2",
  };
  edge = await startEdge({ runtime: "deno", env: edgeEnv });
  for (const runtime of ["node", "deno"] as const) {
    const dir = await Deno.makeTempDir({ prefix: "dmp-signal-" });
    nodes.push(
      await startNodeProcess({
        ...replicaNodeOptions(sqld, dir, {
          DMP_DB_SYNC_INTERVAL: String(POLL_SECONDS),
          DMP_SYNC_SIGNAL_URL: `${edge.url}/v1/sync/journal-head`,
          DMP_SYNC_SIGNAL_TOKEN: SYNC_TOKEN,
          DMP_DNS_UPDATE_ENABLED: "1",
          DMP_TSIG_SECRET_KEY: TSIG_SECRET_KEY,
        }),
        runtime,
      }),
    );
  }
  startedAt = performance.now();
});

/** Fails the case if it ran so late that a poll may have carried the write instead. */
function assertBeforeFirstPoll(): void {
  const elapsed = performance.now() - startedAt;
  assert.ok(elapsed < POLL_SECONDS * 1000 - 1000, `the case ran ${elapsed} ms after the start`);
}

Deno.test({
  name: "writes at the edge are answered by both nodes within 3 s while their poll is 30 s",
  ...opts,
  async fn() {
    for (let i = 0; i < 3; i++) {
      const name = `w${i}.${ZONE}`;
      const t0 = performance.now();
      const r = await fetch(`${edge.url}/v1/admin/zones/${ZONE}/records`, {
        method: "POST",
        headers: op,
        body: JSON.stringify({ name, type: "TXT", value: `edge-${i}`, ttl: 300 }),
      });
      assert.ok(r.status === 200 || r.status === 201, await r.text());
      const ms = await visibleEverywhere(name, `edge-${i}`, t0);
      assert.ok(ms < VISIBLE_WITHIN_MS, `write ${i} not answered by both nodes in time`);
      assertBeforeFirstPoll();
    }
    for (const n of nodes) {
      const m = await (await fetch(`http://127.0.0.1:${n.httpPort}/metrics`)).text();
      assert.match(m, /dmp_sync_signals_total\{result="changed"\} [1-9]/, n.logs().slice(-1000));
    }
  },
});

Deno.test({
  name: "a DNS UPDATE at one node is answered by the other node through the signal",
  ...opts,
  async fn() {
    const remote = createClient({ url: sqld.url, authToken: sqld.token! });
    try {
      await putTsigKey(remote, await createSecretBox(TSIG_SECRET_KEY), {
        name: `signal-key.${ZONE}`,
        algorithm: "hmac-sha256",
        secret,
        allowedSuffixes: [ZONE],
        subject: "",
        registeredSpk: "",
        registeredX25519Pub: "",
        expiresAt: 0,
      }, Date.now() / 1000);
    } finally {
      remote.close();
    }
    const name = `upd.${ZONE}`;
    // The key reaches the node through the journal, carried by the signal too.
    assert.ok(
      await waitFor(
        async () =>
          (await nsupdate(nodes[0].dnsPort, ZONE, [`update add ${name} 300 TXT "at-node-0"`], {
            key: keyArg,
          })).code === 0,
        VISIBLE_WITHIN_MS,
      ),
      nodes[0].logs().slice(-1500),
    );
    const t0 = performance.now();
    const ms = await visibleEverywhere(name, "at-node-0", t0);
    assert.ok(ms < VISIBLE_WITHIN_MS, "the Deno node did not answer node 0's UPDATE in time");
    assertBeforeFirstPoll();
  },
});

Deno.test({
  name: "journal-head: no token or a wrong one is 401; the sync token opens no operator route",
  ...opts,
  async fn() {
    const none = await fetch(headUrl(edge.url, 0));
    assert.equal(none.status, 401);
    await none.body?.cancel();
    const wrong = await fetch(headUrl(edge.url, 0), {
      headers: { authorization: `Bearer ${SYNC_TOKEN}x` },
    });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    for (const path of ["/metrics", `/v1/admin/zones/${ZONE}/records`]) {
      const r = await fetch(`${edge.url}${path}`, {
        headers: { authorization: `Bearer ${SYNC_TOKEN}` },
      });
      assert.equal(r.status, 401, path);
      await r.body?.cancel();
    }
    // The operator token is accepted too; a head above `after` is answered at once.
    const r = await fetch(headUrl(edge.url, 0), { headers: op });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("cache-control"), "no-store");
    assert.ok((await r.json()).head > 0);
  },
});

Deno.test({
  name: "journal-head: a malformed `after` is 400 naming it",
  ...opts,
  async fn() {
    for (const after of ["", "-1", "abc", "1e3", "1.5", "99999999999999999", "0x10"]) {
      const r = await fetch(headUrl(edge.url, encodeURIComponent(after)), {
        headers: { authorization: `Bearer ${SYNC_TOKEN}` },
      });
      assert.equal(r.status, 400, after);
      assert.match((await r.json()).error, /^after /, after);
    }
  },
});

Deno.test({
  name: "journal-head: a held request answers when a write lands, and past the cap is 503",
  ...opts,
  async fn() {
    const capped = await startEdge({
      runtime: "deno",
      env: { ...edgeEnv, DMP_SYNC_SIGNAL_MAX_WAITERS: "1", DMP_SYNC_SIGNAL_WAIT: "20" },
    });
    const remote = createClient({ url: sqld.url, authToken: sqld.token! });
    try {
      const head = await readJournalHead(remote);
      const auth = { authorization: `Bearer ${SYNC_TOKEN}` };
      const t0 = performance.now();
      // Two at once against a cap of one: exactly one is refused, at once; the other is held.
      const both = [0, 1].map((i) =>
        fetch(headUrl(capped.url, head), { headers: auth }).then((r) => ({ i, r }))
      );
      const first = await Promise.race(both);
      assert.equal(first.r.status, 503);
      assert.match((await first.r.json()).error, /too many/);
      const early = await Promise.race([
        both[1 - first.i].then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 500)),
      ]);
      assert.equal(early, false, "the admitted request was answered before the journal moved");
      await applyRecordChanges(remote, [{
        op: "add",
        zone: ZONE,
        name: `held.${ZONE}`,
        type: "TXT",
        value: "x",
        ttl: 60,
        lifetime: 600,
      }], { now: Date.now() / 1000 });
      const { r } = await both[1 - first.i];
      assert.equal(r.status, 200);
      assert.ok((await r.json()).head > head);
      assert.ok(performance.now() - t0 < 10_000, "released by the write, not by the 20 s hold");
    } finally {
      remote.close();
      await capped.stop();
    }
  },
});

Deno.test({
  name: "journal-head on Workers (workerd): held, then released by a write",
  ...opts,
  async fn() {
    const workerd = await startEdge({
      runtime: "workerd",
      env: { ...edgeEnv, DMP_SYNC_SIGNAL_WAIT: "20" },
    });
    const remote = createClient({ url: sqld.url, authToken: sqld.token! });
    try {
      const head = await readJournalHead(remote);
      const t0 = performance.now();
      const held = fetch(headUrl(workerd.url, head), {
        headers: { authorization: `Bearer ${SYNC_TOKEN}` },
      });
      const early = await Promise.race([
        held.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 500)),
      ]);
      assert.equal(early, false, "answered before the journal moved");
      await applyRecordChanges(remote, [{
        op: "add",
        zone: ZONE,
        name: `workerd.${ZONE}`,
        type: "TXT",
        value: "x",
        ttl: 60,
        lifetime: 600,
      }], { now: Date.now() / 1000 });
      const r = await held;
      assert.equal(r.status, 200);
      assert.ok((await r.json()).head > head);
      assert.ok(performance.now() - t0 < 10_000, "released by the write, not by the 20 s hold");
    } finally {
      remote.close();
      await workerd.stop();
    }
  },
});

Deno.test.afterAll(async () => {
  for (const n of nodes) await n.stop();
  await edge?.stop();
  await sqld?.stop();
});
