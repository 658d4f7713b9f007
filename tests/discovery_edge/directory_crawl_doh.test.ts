/**
 * The directory crawl through DoH (brief §4.10, §8.3 item 17; issue 6):
 * three udp-nodes with distinct operator keys and zones (A seeds B, B seeds
 * C) serve `_dnsmesh-heartbeat` and `_dnsmesh-seen` over their RFC 8484
 * endpoints; the edge, seeded with A only, follows the zones it learns
 * (bounded depth and count), refuses planted forged, expired and oversized
 * wires, and builds the feed with all three nodes and the seen edges
 * A→B, A→C and B→C (the last one only visible by crawling B). Runs in
 * process (exact reports) and on Node, Deno and workerd (scheduled crawl).
 */
import assert from "node:assert/strict";
import { applyRecordChanges } from "../../packages/core/store/records.ts";
import { parseHeartbeatWire } from "../../packages/core/dmp/heartbeat_record.ts";
import { listRecentHeartbeats, listSeenEdges } from "../../packages/core/store/heartbeats_seen.ts";
import { createLogger } from "../../packages/core/log/logger.ts";
import { runCrawl } from "../../apps/edge-api/crawl/crawl.ts";
import { dig, txtJoin } from "../_support/dig.ts";
import { freshDatabase, waitFor } from "../_support/node_process.ts";
import {
  type HeartbeatMesh,
  MESH_NAMES,
  type MeshName,
  startHeartbeatMesh,
} from "../_support/heartbeat_mesh.ts";
import {
  CARRIERS,
  forge,
  heartbeatWire,
  newOperator,
  startDirectoryEdge,
  stopSharedSqld,
} from "./_fixtures.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const names = MESH_NAMES;
const zone = (n: string) => `${n}.dir.test`;
let mesh: HeartbeatMesh;
let nodes: HeartbeatMesh["nodes"];
let spk: HeartbeatMesh["spk"];
let dbs: HeartbeatMesh["dbs"];
let dohUrls: URL[] = [];
let rogueSpk = "";
const logger = createLogger({ name: "test", level: "ERROR", format: "text", sink: () => {} });

async function seenSpks(n: MeshName): Promise<string[]> {
  const out: string[] = [];
  // Over TCP: a seen RRset can exceed the 1232-byte UDP cap (TC=1, and dig runs +ignore).
  const answer = (await dig(nodes[n].dnsPort, `_dnsmesh-seen.${zone(n)}`, "TXT", ["+tcp"])).answer;
  for (const a of answer) {
    const r = await parseHeartbeatWire(txtJoin(a.data), { now: Date.now() / 1000 });
    if (r.ok) out.push(r.record.operatorSpkHex);
  }
  return out;
}

function crawlOptions(client: HeartbeatMesh["dbs"]["a"]["client"]) {
  return {
    client,
    logger,
    seeds: [zone("a")],
    seedUrls: [],
    dohUrls,
    maxDepth: 3,
    maxZones: 20,
    tsSkewSeconds: 1800,
    now: Math.floor(Date.now() / 1000),
  };
}

Deno.test.beforeAll(async () => {
  mesh = await startHeartbeatMesh({ zoneSuffix: "dir.test", env: { DMP_LOG_LEVEL: "INFO" } });
  ({ nodes, spk, dbs } = mesh);
  // The nodes' ops listeners are plain http on loopback: allowed without a setting.
  dohUrls = names.map((n) => new URL(`http://127.0.0.1:${nodes[n].httpPort}/dns-query`));
  assert.ok(
    await waitFor(async () => {
      const a = await seenSpks("a");
      return a.includes(spk.b) && a.includes(spk.c) && (await seenSpks("b")).includes(spk.c);
    }, 20000),
    nodes.a.logs().slice(-2000),
  );
  const rogue = await newOperator();
  rogueSpk = rogue.spkHex;
  const now = Math.floor(Date.now() / 1000);
  const good = await heartbeatWire(rogue, {
    endpoint: "https://rogue.example",
    zone: "rogue.test",
  });
  const expired = await heartbeatWire(rogue, {
    endpoint: "https://expired.example",
    zone: "expired.test",
    ts: now - 600,
    exp: now - 1,
  });
  const oversized = "v=dmp1;t=heartbeat;" + "A".repeat(2000);
  await applyRecordChanges(
    dbs.b.client,
    [forge(good), expired, oversized].map((value) => ({
      op: "add" as const,
      zone: zone("b"),
      name: `_dnsmesh-heartbeat.${zone("b")}`,
      type: "TXT",
      value,
      ttl: 60,
      lifetime: 3600,
    })),
    { now },
  );
});

Deno.test({
  name: "crawl from A follows B and C (depth 1), refuses rogue wires, records A→B, A→C, B→C",
  ...opts,
  async fn() {
    const db = await freshDatabase();
    try {
      // B's RRset must show the planted wires before we count refusals.
      assert.ok(
        await waitFor(
          async () =>
            (await dig(nodes.b.dnsPort, `_dnsmesh-heartbeat.${zone("b")}`, "TXT", ["+tcp"]))
              .answer.length >= 4,
          5000,
        ),
      );
      const report = await runCrawl(crawlOptions(db.client));
      assert.deepEqual(report.zones, [
        { zone: zone("a"), depth: 0 },
        { zone: zone("b"), depth: 1 },
        { zone: zone("c"), depth: 1 },
      ]);
      assert.deepEqual(report.failures, []);
      assert.ok(report.refused >= 3, `refused ${report.refused}`);
      const now = Math.floor(Date.now() / 1000);
      const rows = await listRecentHeartbeats(db.client, { now, limit: 100 });
      assert.deepEqual(rows.map((r) => r.operatorSpkHex).sort(), [spk.a, spk.b, spk.c].sort());
      assert.ok(!rows.some((r) => r.operatorSpkHex === rogueSpk));
      const c = rows.find((r) => r.operatorSpkHex === spk.c)!;
      assert.equal(c.endpoint, "https://node-c.example");
      assert.equal(c.claimProviderZone, zone("c"));
      // C's wire came through its own zone and both seen RRsets.
      assert.deepEqual([...c.viaZones].sort(), [zone("a"), zone("b"), zone("c")]);
      const edges = (await listSeenEdges(db.client, { limit: 100 })).map((e) =>
        `${e.fromSpk}>${e.toSpk}`
      );
      for (const [from, to] of [["a", "b"], ["a", "c"], ["b", "c"]] as [MeshName, MeshName][]) {
        assert.ok(edges.includes(`${spk[from]}>${spk[to]}`), `${from}→${to}`);
      }
    } finally {
      db.client.close();
    }
  },
});

Deno.test({
  name: "crawl bounds: depth 0 reads only the seeds (no B→C edge); max zones caps the count",
  ...opts,
  async fn() {
    const db = await freshDatabase();
    try {
      const shallow = await runCrawl({ ...crawlOptions(db.client), maxDepth: 0 });
      assert.deepEqual(shallow.zones, [{ zone: zone("a"), depth: 0 }]);
      const edges = (await listSeenEdges(db.client, { limit: 100 })).map((e) =>
        `${e.fromSpk}>${e.toSpk}`
      );
      assert.ok(edges.includes(`${spk.a}>${spk.b}`));
      assert.ok(!edges.includes(`${spk.b}>${spk.c}`));
      const capped = await runCrawl({ ...crawlOptions(db.client), maxZones: 2 });
      assert.equal(capped.zones.length, 2);
    } finally {
      db.client.close();
    }
  },
});

for (const carrier of CARRIERS) {
  Deno.test({
    name: `the edge on ${carrier} crawls on schedule and serves the feed with all three nodes`,
    ...opts,
    async fn() {
      const edge = await startDirectoryEdge(carrier, {
        DMP_OPERATOR_TOKEN: "directory-test-operator-token",
        DMP_LOG_LEVEL: "WARNING",
        DMP_TRUSTED_PROXY_HEADER: "x-forwarded-for",
        DMP_DIRECTORY_ENABLED: "1",
        DMP_DIRECTORY_SEEDS: zone("a"),
        DMP_DIRECTORY_DOH_URLS: dohUrls.map(String).join(","),
        DMP_DIRECTORY_CRAWL_INTERVAL_SECONDS: "1",
      });
      try {
        // deno-lint-ignore no-explicit-any
        let feed: any;
        let polls = 0;
        const complete = await waitFor(async () => {
          await edge.crawlNow();
          const res = await fetch(`${edge.url}/v1/directory/feed.json`, {
            headers: { "x-forwarded-for": `10.9.${polls >> 8 & 255}.${polls++ & 255}` },
          });
          feed = await res.json();
          if (!Array.isArray(feed.nodes)) return false;
          const keys = new Set(
            feed.nodes.map((n: { operator_spk_hex: string }) => n.operator_spk_hex),
          );
          const edges = new Set(
            feed.seen_edges.map((e: { from_spk: string; to_spk: string }) =>
              `${e.from_spk}>${e.to_spk}`
            ),
          );
          return names.every((n) => keys.has(spk[n])) && edges.has(`${spk.a}>${spk.b}`) &&
            edges.has(`${spk.a}>${spk.c}`) && edges.has(`${spk.b}>${spk.c}`);
        }, 20000);
        assert.ok(complete, `${JSON.stringify(feed)}\n${edge.logs().slice(-2000)}`);
        assert.equal(feed.version, 2);
        assert.equal(feed.node_count, feed.nodes.length);
        assert.ok(
          !feed.nodes.some((n: { operator_spk_hex: string }) => n.operator_spk_hex === rogueSpk),
        );
        for (const n of feed.nodes) {
          const r = await parseHeartbeatWire(n.wire, {
            now: Date.now() / 1000,
            tsSkewSeconds: 1800,
          });
          assert.ok(r.ok && r.record.operatorSpkHex === n.operator_spk_hex && r.record.ts === n.ts);
          assert.ok(n.last_seen_via.length >= 1);
        }
        const page = await fetch(`${edge.url}/nodes`);
        const html = await page.text();
        for (const n of names) assert.ok(html.includes(`https://node-${n}.example`), n);
      } finally {
        await edge.stop();
      }
    },
  });
}

Deno.test.afterAll(async () => {
  // A clean exit is the udp-node suites' business; a tick in flight may need the SIGKILL.
  await mesh?.stop();
  await stopSharedSqld();
});
