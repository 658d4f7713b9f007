/**
 * Per-source rate limiting (brief §1.8): a UDP flood beyond DMP_DNS_RATE /
 * DMP_DNS_BURST is dropped and counted; TCP keeps its own bucket; a source
 * cannot refill its bucket by interleaving sources that collide with it.
 */
import assert from "node:assert/strict";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { TYPE } from "../../packages/core/wire/constants.ts";
import { dig } from "../_support/dig.ts";
import { freshDatabase, startNodeProcess } from "../_support/node_process.ts";
import { buildQuery, udpBurst, udpFromSources } from "../_support/raw_dns.ts";
import { FNV1A_START, fnv1aStep } from "../../packages/core/hash/fnv1a.ts";
import { TABLE_WAYS } from "../../packages/core/rate_limit/token_bucket_table.ts";

Deno.test({
  name: "a UDP flood past the burst is dropped; TCP and other buckets still answer",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await freshDatabase();
    await upsertZone(db.client, { name: "rl.test" }, Date.now() / 1000);
    const node = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: { DMP_DNS_RATE: "1", DMP_DNS_BURST: "5" },
    });
    try {
      // All 30 at once, replies collected for seconds: the verdict depends on
      // the bucket, not on whether an answer beat a 100 ms window under load.
      const queries = Array.from({ length: 30 }, (_, i) => buildQuery("rl.test", TYPE.SOA, i));
      const replies = await udpBurst(node.dnsPort, queries, 3000);
      const answered = new Set(replies.map((r) => (r[0] << 8) | r[1])).size;
      assert.ok(answered >= 5 && answered <= 8, `answered ${answered} of 30`);
      const tcp = await dig(node.dnsPort, "rl.test", "SOA", ["+tcp"]);
      assert.equal(tcp.status, "NOERROR", "TCP has its own bucket (a TC=1 retry is not starved)");
      const m = await (await fetch(`http://127.0.0.1:${node.httpPort}/metrics`)).text();
      const limited = Number(/outcome="rate_limited"\} ([\d.]+)/.exec(m)?.[1] ?? 0);
      assert.ok(limited >= 20, `rate_limited ${limited}`);
    } finally {
      await node.stop();
      db.client.close();
    }
  },
});

/** Loopback addresses whose hash lands in the same set of the node's 65536-slot table as `target`. */
function collidingLoopbackAddresses(target: string, count: number): string[] {
  const setMask = 65536 / TABLE_WAYS - 1;
  const hash = (s: string) => {
    let h = FNV1A_START;
    for (let i = 0; i < s.length; i++) h = fnv1aStep(h, s.charCodeAt(i));
    return (h >>> 0) || 1;
  };
  const set = hash(target) & setMask;
  const out: string[] = [];
  for (let i = 2; out.length < count; i++) {
    const a = `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    if ((hash(a) & setMask) === set && hash(a) !== hash(target)) out.push(a);
  }
  return out;
}

Deno.test({
  name: "colliding sources interleaved with a drained source do not refill it (issue 12 #5)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await freshDatabase();
    await upsertZone(db.client, { name: "rl.test" }, Date.now() / 1000);
    const node = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: { DMP_DNS_RATE: "1", DMP_DNS_BURST: "200" },
    });
    try {
      const victim = "127.0.0.1";
      // More colliders than a set has slots, so every one of them is a newcomer at some point.
      const colliders = collidingLoopbackAddresses(victim, TABLE_WAYS * 2);
      const from: string[] = [];
      const packets: Uint8Array[] = [];
      for (let i = 0; i < 1000; i++) {
        from.push(victim);
        packets.push(buildQuery("rl.test", TYPE.SOA, i));
        from.push(colliders[i % colliders.length]);
        packets.push(buildQuery("rl.test", TYPE.SOA, i));
      }
      const started = Date.now();
      const replies = await udpFromSources(node.dnsPort, from, packets, { gapEvery: 50 });
      const elapsed = (Date.now() - started) / 1000;
      const answered = replies.get(victim)!.length;
      // The old table gave the source a full bucket after each collider: 945 of 1000.
      const bound = 200 + Math.ceil(elapsed * 1) + 2;
      assert.ok(answered >= 150, `the burst was answered (${answered})`);
      assert.ok(answered <= bound, `victim source answered ${answered} of 1000 > ${bound}`);
    } finally {
      await node.stop();
      db.client.close();
    }
  },
});
