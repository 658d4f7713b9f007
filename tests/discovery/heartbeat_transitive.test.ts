/**
 * Discovery over DNS (brief §4.3–§4.4): three udp-nodes with distinct
 * operator keys and zones; A seeds B, B seeds C, so A learns C through B's
 * seen RRset. Forged and expired wires planted in a peer's RRset are refused.
 * The heartbeat RRset is also read through the node's DoH endpoint (RFC 8484).
 */
import assert from "node:assert/strict";
import { applyRecordChanges } from "../../packages/core/store/records.ts";
import { parseHeartbeatWire, signHeartbeatWire } from "../../packages/core/dmp/heartbeat_record.ts";
import { bytesToHex } from "../../packages/core/dmp/hex.ts";
import { publicKeyFromSeed } from "../../packages/core/dmp/ed25519_keys.ts";
import { decodeMessage } from "../../packages/core/wire/message.ts";
import { decodeTxtValue } from "../../packages/core/wire/rdata.ts";
import { TYPE } from "../../packages/core/wire/constants.ts";
import { dig, txtJoin } from "../_support/dig.ts";
import { type NodeProcess, waitFor } from "../_support/node_process.ts";
import { type HeartbeatMesh, MESH_NAMES, startHeartbeatMesh } from "../_support/heartbeat_mesh.ts";
import { buildQuery } from "../_support/raw_dns.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const names = MESH_NAMES;
const zone = (n: string) => `${n}.mesh.test`;
let mesh: HeartbeatMesh;
let nodes: HeartbeatMesh["nodes"];
let spk: HeartbeatMesh["spk"];
let dbs: HeartbeatMesh["dbs"];

async function wiresAt(node: NodeProcess, owner: string): Promise<string[]> {
  // Over TCP: four heartbeat wires exceed the 1232-byte UDP cap (TC=1, and dig runs +ignore).
  return (await dig(node.dnsPort, owner, "TXT", ["+tcp"])).answer.map((a) => txtJoin(a.data));
}

async function spksIn(node: NodeProcess, owner: string): Promise<string[]> {
  const out: string[] = [];
  for (const w of await wiresAt(node, owner)) {
    const r = await parseHeartbeatWire(w, { now: Date.now() / 1000 });
    if (r.ok) out.push(r.record.operatorSpkHex);
  }
  return out;
}

Deno.test.beforeAll(async () => {
  mesh = await startHeartbeatMesh({ zoneSuffix: "mesh.test" });
  ({ nodes, spk, dbs } = mesh);
});

Deno.test({
  name: "each node publishes one verifiable heartbeat for its zone, signed by its own key",
  ...opts,
  async fn() {
    for (const n of names) {
      assert.ok(
        await waitFor(
          async () => (await spksIn(nodes[n], `_dnsmesh-heartbeat.${zone(n)}`)).length === 1,
          5000,
        ),
      );
      const [w] = await wiresAt(nodes[n], `_dnsmesh-heartbeat.${zone(n)}`);
      const r = await parseHeartbeatWire(w, { now: Date.now() / 1000 });
      assert.ok(r.ok);
      assert.equal(r.record.operatorSpkHex, spk[n]);
      assert.equal(r.record.claimProviderZone, zone(n));
      assert.equal(r.record.capabilities & 1, 1, "claim provider: UPDATE enabled and a zone");
    }
  },
});

Deno.test({
  name: "transitive discovery: A learns C through B's seen RRset, and never lists itself",
  ...opts,
  async fn() {
    assert.ok(
      await waitFor(async () => {
        const seen = await spksIn(nodes.a, `_dnsmesh-seen.${zone("a")}`);
        return seen.includes(spk.b) && seen.includes(spk.c);
      }, 15000),
      nodes.a.logs().slice(-1500),
    );
    assert.ok(!(await spksIn(nodes.a, `_dnsmesh-seen.${zone("a")}`)).includes(spk.a));
    // Republishing keeps exactly one heartbeat of our own (the previous one is deleted each tick).
    assert.equal((await wiresAt(nodes.a, `_dnsmesh-heartbeat.${zone("a")}`)).length, 1);
  },
});

Deno.test({
  name: "forged and expired wires planted at B are refused by A",
  ...opts,
  async fn() {
    const now = Math.floor(Date.now() / 1000);
    const rogueSeed = crypto.getRandomValues(new Uint8Array(32));
    const rogueSpk = bytesToHex(await publicKeyFromSeed(rogueSeed));
    const good = await signHeartbeatWire({
      endpoint: "https://rogue.example",
      version: "x",
      capabilities: 0,
      claimProviderZone: "rogue.test",
      ts: now,
      exp: now + 3600,
    }, rogueSeed);
    const forged = good.slice(0, -8) + (good.slice(-8, -7) === "A" ? "B" : "A") + good.slice(-7);
    const expired = await signHeartbeatWire({
      endpoint: "https://expired.example",
      version: "x",
      capabilities: 0,
      claimProviderZone: "expired.test",
      ts: now - 7200,
      exp: now - 3600,
    }, rogueSeed);
    // A genuine wire from a third operator, planted with the rogue ones: A
    // listing it proves A harvested B's RRset after the planting, so the
    // "nothing rogue" assertions below are about a harvest that happened.
    const witnessSeed = crypto.getRandomValues(new Uint8Array(32));
    const witnessSpk = bytesToHex(await publicKeyFromSeed(witnessSeed));
    const witness = await signHeartbeatWire({
      endpoint: "https://witness.example",
      version: "x",
      capabilities: 0,
      claimProviderZone: "witness.test",
      ts: now,
      exp: now + 3600,
    }, witnessSeed);
    await applyRecordChanges(
      dbs.b.client,
      [forged, expired, "v=dmp1;t=heartbeat;" + "A".repeat(2000), witness].map((value) => ({
        op: "add" as const,
        zone: zone("b"),
        name: `_dnsmesh-heartbeat.${zone("b")}`,
        type: "TXT",
        value,
        ttl: 60,
        lifetime: 600,
      })),
      { now },
    );
    assert.ok(
      await waitFor(
        async () => (await wiresAt(nodes.b, `_dnsmesh-heartbeat.${zone("b")}`)).length === 5,
        5000,
      ),
    );
    // A reads B's whole heartbeat RRset in one harvest: once the witness is in
    // A's seen RRset, the rogue wires beside it were read and judged too.
    assert.ok(
      await waitFor(
        async () => (await spksIn(nodes.a, `_dnsmesh-seen.${zone("a")}`)).includes(witnessSpk),
        15000,
      ),
      `A never listed the genuine wire planted at B:\n${nodes.a.logs().slice(-1500)}`,
    );
    assert.ok(!(await spksIn(nodes.a, `_dnsmesh-seen.${zone("a")}`)).includes(rogueSpk));
    assert.equal(
      (await wiresAt(nodes.a, `_dnsmesh-seen.${zone("a")}`)).filter((w) => w.includes("rogue"))
        .length,
      0,
    );
  },
});

Deno.test({
  name: "DoH (RFC 8484): GET and POST /dns-query answer like UDP",
  ...opts,
  async fn() {
    const q = buildQuery(`_dnsmesh-heartbeat.${zone("a")}`, TYPE.TXT, 0);
    const b64 = btoa(String.fromCharCode(...q)).replace(/\+/g, "-").replace(/\//g, "_").replace(
      /=+$/,
      "",
    );
    const get = await fetch(`http://127.0.0.1:${nodes.a.httpPort}/dns-query?dns=${b64}`);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get("content-type"), "application/dns-message");
    const post = await fetch(`http://127.0.0.1:${nodes.a.httpPort}/dns-query`, {
      method: "POST",
      headers: { "content-type": "application/dns-message" },
      body: q.slice(),
    });
    for (
      const res of [
        new Uint8Array(await get.arrayBuffer()),
        new Uint8Array(await post.arrayBuffer()),
      ]
    ) {
      const m = decodeMessage(res);
      assert.ok(m.ok);
      const wire = decodeTxtValue(m.message.answers[0].rdata)!;
      const r = await parseHeartbeatWire(wire, { now: Date.now() / 1000 });
      assert.ok(r.ok && r.record.operatorSpkHex === spk.a);
    }
    const bad = await fetch(`http://127.0.0.1:${nodes.a.httpPort}/dns-query?dns=!!`);
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
    const wrongType = await fetch(`http://127.0.0.1:${nodes.a.httpPort}/dns-query`, {
      method: "POST",
      body: q.slice(),
    });
    assert.equal(wrongType.status, 415);
    await wrongType.body?.cancel();
  },
});

Deno.test.afterAll(async () => {
  if (mesh) assert.deepEqual(await mesh.stop(), [0, 0, 0]); // undefined only if setup failed
});
