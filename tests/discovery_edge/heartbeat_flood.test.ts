/**
 * Regression test for issue 12 finding 11: 5,100 self-signed heartbeats from
 * 170 addresses filled the seen table and pushed a real node out of
 * `/v1/nodes/seen`. Here three real udp-nodes (A seeds B, B seeds C) serve
 * their heartbeat and seen RRsets over DoH; a real edge crawls them, then
 * takes the same flood through `POST /v1/heartbeat`. Its table cap is set to
 * 1,000 so the flood overfills it and eviction runs (at the default 5,000
 * the per-source quota alone keeps the flood below the cap). Every real node
 * stays listed; each /24 gets 16 rows and 429 `heartbeat quota exceeded`
 * beyond; the feed holds exactly the cap.
 */
import assert from "node:assert/strict";
import { dig, txtJoin } from "../_support/dig.ts";
import { type EdgeProcess, startProcess } from "../_support/edge_process.ts";
import { waitFor } from "../_support/node_process.ts";
import { type HeartbeatMesh, MESH_NAMES, startHeartbeatMesh } from "../_support/heartbeat_mesh.ts";
import { parseHeartbeatWire } from "../../packages/core/dmp/heartbeat_record.ts";
import { heartbeatWire, newOperator } from "./_fixtures.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const SUFFIX = "flood.test";
const ADDRESSES = 170;
const PER_ADDRESS = 30; // the submit bucket's burst: 5,100 in all, as reported
const CAP = 1000;
const PER_SOURCE = 16;

let mesh: HeartbeatMesh;
let edge: EdgeProcess;

async function seenSpks(n: (typeof MESH_NAMES)[number]): Promise<string[]> {
  const out: string[] = [];
  const zone = mesh.zone(n);
  const answer = (await dig(mesh.nodes[n].dnsPort, `_dnsmesh-seen.${zone}`, "TXT", [
    "+bufsize=4096",
  ])).answer;
  for (const a of answer) {
    const r = await parseHeartbeatWire(txtJoin(a.data), { now: Date.now() / 1000 });
    if (r.ok) out.push(r.record.operatorSpkHex);
  }
  return out;
}

async function listedSpks(path: string, key: "seen" | "nodes"): Promise<string[]> {
  const r = await fetch(`${edge.url}${path}`, { headers: { "x-forwarded-for": "192.0.2.250" } });
  const body = await r.json() as Record<string, { wire: string }[]>;
  const out: string[] = [];
  for (const item of body[key] ?? []) {
    const p = await parseHeartbeatWire(item.wire, {
      now: Date.now() / 1000,
      checkFreshness: false,
    });
    if (p.ok) out.push(p.record.operatorSpkHex);
  }
  return out;
}

Deno.test({
  name: "setup: three heartbeat nodes serving DoH, an edge crawling them",
  ...opts,
  async fn() {
    mesh = await startHeartbeatMesh({ zoneSuffix: SUFFIX });
    assert.ok(
      await waitFor(async () => {
        const a = await seenSpks("a");
        return a.includes(mesh.spk.b) && a.includes(mesh.spk.c) &&
          (await seenSpks("b")).includes(mesh.spk.c);
      }, 20000),
      mesh.nodes.a.logs().slice(-2000),
    );
    const dir = await Deno.makeTempDir({ prefix: "dmp-flood-edge-" });
    edge = await startProcess("deno", {
      DMP_DB_URL: `file:${dir}/dmp.db`,
      DMP_DIRECTORY_ENABLED: "1",
      DMP_OPERATOR_TOKEN: "flood-test-operator-token",
      DMP_TRUSTED_PROXY_HEADER: "x-forwarded-for",
      DMP_LOG_LEVEL: "ERROR",
      DMP_NODE_HOSTNAME: "directory.flood.test",
      DMP_DIRECTORY_SEEDS: mesh.zone("a"),
      DMP_DIRECTORY_DOH_URLS: MESH_NAMES.map((n) =>
        `http://127.0.0.1:${mesh.nodes[n].httpPort}/dns-query`
      ).join(","),
      DMP_DIRECTORY_CRAWL_INTERVAL_SECONDS: "60",
      DMP_DIRECTORY_SEEN_MAX_ROWS: String(CAP),
      DMP_DIRECTORY_SEEN_PER_SOURCE: String(PER_SOURCE),
      // The listing routes' own per-IP bucket must not limit the test's reads.
      DMP_HTTP_RATE: "1000",
      DMP_HTTP_BURST: "1000",
    });
    const want = Object.values(mesh.spk).sort();
    let last: string[] = [];
    assert.ok(
      await waitFor(async () => {
        last = (await listedSpks("/v1/nodes/seen", "seen")).sort();
        return JSON.stringify(last) === JSON.stringify(want);
      }, 30000),
      `crawl never listed the mesh: ${JSON.stringify(last)}\n${edge.logs().slice(-2000)}`,
    );
  },
});

Deno.test({
  name: "5,100 self-signed heartbeats from 170 addresses do not push real nodes out (issue 12)",
  ...opts,
  async fn() {
    const wires: { ip: string; wire: string }[] = [];
    for (let a = 0; a < ADDRESSES; a++) {
      for (let i = 0; i < PER_ADDRESS; i++) {
        const op = await newOperator();
        wires.push({
          ip: `172.20.${a}.9`,
          wire: await heartbeatWire(op, { endpoint: `https://f${a}-${i}.flood.example`, zone: "" }),
        });
      }
    }
    const counts = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < wires.length) {
        const { ip, wire } = wires[next++];
        const r = await fetch(`${edge.url}/v1/heartbeat`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": ip },
          body: JSON.stringify({ wire }),
        });
        const body = await r.json() as { error?: string };
        const k = `${r.status} ${body.error ?? ""}`.trim();
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.deepEqual(Object.fromEntries(counts), {
      "200": ADDRESSES * PER_SOURCE,
      "429 heartbeat quota exceeded": ADDRESSES * (PER_ADDRESS - PER_SOURCE),
    });

    const want = Object.values(mesh.spk);
    const seen = await listedSpks("/v1/nodes/seen", "seen");
    for (const s of want) assert.ok(seen.includes(s), `${s} missing from /v1/nodes/seen`);
    const feed = await listedSpks("/v1/directory/feed.json", "nodes");
    assert.equal(feed.length, CAP, "the flood filled the table to its cap (eviction ran)");
    for (const s of want) assert.ok(feed.includes(s), `${s} missing from the feed`);
    const page = await (await fetch(`${edge.url}/nodes`, {
      headers: { "x-forwarded-for": "192.0.2.251" },
    })).text();
    for (const n of MESH_NAMES) assert.ok(page.includes(`node-${n}.example`), n);
  },
});

Deno.test({
  name: "teardown",
  ...opts,
  async fn() {
    await edge?.stop();
    await mesh?.stop();
  },
});
