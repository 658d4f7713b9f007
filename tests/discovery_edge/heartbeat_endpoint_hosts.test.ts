/**
 * Regression test for issue 12 finding 12: heartbeats whose endpoint host is
 * loopback or CGNAT in a spelling Python's `ipaddress` does not read as an
 * address (`https://2130706433`, `https://0x7f000001`, `https://127.1`,
 * `https://0177.0.0.1`) or in plain CGNAT (`https://100.64.0.1`) were
 * accepted by `POST /v1/heartbeat` and republished as links on `/nodes`.
 * The wires here are signed by a builder of their own (the library builder
 * refuses such endpoints now), sent to a real edge, and must be refused
 * with 400 and appear in no feed; a public endpoint in the same run passes.
 */
import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import { storeHeartbeats } from "../../packages/core/store/heartbeats_seen.ts";
import { startProcess } from "../_support/edge_process.ts";
import { freshDatabase } from "../_support/node_process.ts";
import { type DirectoryEdge, startDirectoryEdge } from "./_fixtures.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ENV = {
  DMP_DIRECTORY_ENABLED: "1",
  DMP_OPERATOR_TOKEN: "directory-test-operator-token",
  DMP_TRUSTED_PROXY_HEADER: "x-forwarded-for",
  DMP_LOG_LEVEL: "ERROR",
  DMP_NODE_HOSTNAME: "directory.test.example",
};

const enc = new TextEncoder();

function u16(n: number): Uint8Array {
  return Uint8Array.of(n >> 8, n & 255);
}

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

/** A DMPHB03 wire (brief §4.2) signed without any endpoint check. */
async function rawWire(seed: Uint8Array, endpoint: string): Promise<string> {
  const spk = await ed.getPublicKeyAsync(seed);
  const ts = Math.floor(Date.now() / 1000);
  const ep = enc.encode(endpoint);
  const version = enc.encode("attack");
  const zone = enc.encode("attacker.example");
  const parts = [
    enc.encode("DMPHB03"),
    u16(ep.length),
    ep,
    spk,
    Uint8Array.of(version.length),
    version,
    u16(1),
    Uint8Array.of(zone.length),
    zone,
    u64(ts),
    u64(ts + 3600),
  ];
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    body.set(p, o);
    o += p.length;
  }
  const sig = await ed.signAsync(body, seed);
  const all = new Uint8Array(body.length + sig.length);
  all.set(body);
  all.set(sig, body.length);
  return "v=dmp1;t=heartbeat;" + btoa(String.fromCharCode(...all));
}

let ip = 0;
async function submit(edge: DirectoryEdge, wire: string) {
  ip++;
  const r = await fetch(`${edge.url}/v1/heartbeat`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": `10.77.0.${ip}` },
    body: JSON.stringify({ wire }),
  });
  return { status: r.status, json: await r.json() as Record<string, unknown> };
}

Deno.test({
  name: "heartbeats with obfuscated or non-public IPv4/IPv6 endpoint hosts are refused (issue 12)",
  ...opts,
  async fn() {
    const edge = await startDirectoryEdge("deno+file", ENV);
    try {
      const hosts = [
        "2130706433",
        "0x7f000001",
        "127.1",
        "0177.0.0.1",
        "100.64.0.1",
        "127.0.0.1.",
        "%31%32%37.0.0.1",
        "1681915905",
        "[::ffff:7f00:1]",
        "[64:ff9b::a00:1]",
        "[fd00::1]",
      ];
      for (const host of hosts) {
        const endpoint = `https://${host}`;
        const r = await submit(
          edge,
          await rawWire(crypto.getRandomValues(new Uint8Array(32)), endpoint),
        );
        assert.equal(r.status, 400, `${endpoint}: ${JSON.stringify(r.json)}`);
        assert.equal(r.json.error, "heartbeat verification failed");
        assert.match(String(r.json.reason), /^endpoint /, endpoint);
      }
      const good = "https://node-ok.example";
      const goodWire = await rawWire(crypto.getRandomValues(new Uint8Array(32)), good);
      const ok = await submit(edge, goodWire);
      assert.equal(ok.status, 200, JSON.stringify(ok.json));

      // Only the public endpoint's wire is stored and republished.
      const seen = await fetch(`${edge.url}/v1/nodes/seen`, {
        headers: { "x-forwarded-for": "10.77.1.1" },
      });
      const wires = ((await seen.json()) as { seen: { wire: string }[] }).seen.map((s) => s.wire);
      assert.deepEqual(wires, [goodWire]);
      const page = await (await fetch(`${edge.url}/nodes`, {
        headers: { "x-forwarded-for": "10.77.1.2" },
      })).text();
      assert.ok(page.includes("node-ok.example"));
      for (const host of hosts) {
        assert.ok(!page.includes(`https://${host}`), host);
      }
    } finally {
      await edge.stop();
    }
  },
});

Deno.test({
  name: "rows stored before the rule tightened are never listed (issue 12)",
  ...opts,
  async fn() {
    const db = await freshDatabase();
    const now = Math.floor(Date.now() / 1000);
    const row = (endpoint: string, spk: string) => ({
      operatorSpkHex: spk.repeat(64),
      endpoint,
      wire: `legacy-wire-${spk}`,
      ts: now,
      exp: now + 3600,
      version: "old",
      claimProviderZone: "",
      capabilities: 0,
    });
    await storeHeartbeats(db.client, {
      entries: [
        { heartbeat: row("https://2130706433", "a"), via: [] },
        { heartbeat: row("https://100.64.0.1", "b"), via: [] },
        { heartbeat: row("https://still-fine.example", "c"), via: [] },
      ],
      now,
    });
    db.client.close();
    const edge = await startProcess("deno", { ...ENV, DMP_DB_URL: db.url });
    try {
      const seen = await fetch(`${edge.url}/v1/nodes/seen`, {
        headers: { "x-forwarded-for": "10.77.2.1" },
      });
      const wires = ((await seen.json()) as { seen: { wire: string }[] }).seen.map((s) => s.wire);
      assert.deepEqual(wires, ["legacy-wire-c"]);
      const page = await (await fetch(`${edge.url}/nodes`, {
        headers: { "x-forwarded-for": "10.77.2.2" },
      })).text();
      assert.ok(page.includes("still-fine.example"));
      assert.ok(!page.includes("2130706433") && !page.includes("100.64.0.1"));
    } finally {
      await edge.stop();
    }
  },
});
