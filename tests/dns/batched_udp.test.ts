/**
 * The batched UDP I/O (recvmmsg/sendmmsg addon, issue 15 item 7) against
 * node:dgram: two real nodes on one database, the same burst of queries, junk
 * and an unsigned UPDATE sent to each from one socket, every reply compared
 * byte for byte; a TSIG-signed UPDATE amid the burst (answered after an await,
 * while its receive slot is reused) must commit and verify.
 */
import assert from "node:assert/strict";
import { applyRecordChanges, readRecordsByName } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { putTsigKey } from "../../packages/core/store/tsig_keys.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { signRequest } from "../../packages/core/tsig/sign.ts";
import { tsigKey } from "../../packages/core/tsig/keyring.ts";
import { decodeMessage, encodeMessage } from "../../packages/core/wire/message.ts";
import { encodeTxtRdata } from "../../packages/core/wire/rdata.ts";
import { freshDatabase, type NodeProcess, startNodeProcess } from "../_support/node_process.ts";
import { buildQuery, udpBurst } from "../_support/raw_dns.ts";
import { seededRandom } from "../_support/seeded_random.ts";

const ZONE = "burst.test";
const SEALING_KEY = "ab".repeat(32);
const KEY = "writer.burst.test";
const SECRET = crypto.getRandomValues(new Uint8Array(32));
const SIGNED_ID = 0x7778;

async function signedUpdate(value: string): Promise<Uint8Array> {
  const wire = encodeMessage({
    id: SIGNED_ID,
    flags: 0,
    opcode: 5,
    rcode: 0,
    questions: [{ name: ZONE, type: TYPE.SOA, class: 1 }],
    answers: [],
    authorities: [{
      name: `w.${ZONE}`,
      type: TYPE.TXT,
      class: 1,
      ttl: 60,
      rdata: encodeTxtRdata(value),
    }],
    additionals: [],
  });
  return (await signRequest(wire, {
    key: tsigKey(KEY, "hmac-sha256", SECRET),
    now: Math.floor(Date.now() / 1000),
  })).wire;
}
const TYPE = { A: 1, NS: 2, SOA: 6, TXT: 16, AAAA: 28 };

/** Random 0x20 case, as resolvers send (RFC draft-vixie-dnsext-dns0x20). */
function randomCase(name: string, random: () => number): string {
  return [...name].map((c) => random() < 0.5 ? c.toUpperCase() : c).join("");
}

/**
 * The burst: 300 queries (hits, NXDOMAIN, NODATA, EDNS or not), then junk and
 * an unsigned UPDATE, or `signed` when given, amid them.
 */
function burst(signed?: Uint8Array): { packets: Uint8Array[]; queries: number } {
  const random = seededRandom(15);
  const names: [string, number][] = [
    [ZONE, TYPE.SOA],
    [ZONE, TYPE.NS],
    [ZONE, TYPE.AAAA],
    [`t1.${ZONE}`, TYPE.TXT],
    [`t2.${ZONE}`, TYPE.TXT],
    [`t2.${ZONE}`, TYPE.A],
    [`nx.${ZONE}`, TYPE.TXT],
    [`mb-00ff.slot-3.${ZONE}`, TYPE.TXT],
  ];
  const packets: Uint8Array[] = [];
  let id = 1;
  const queries = (n: number) => {
    for (let i = 0; i < n; i++) {
      const [name, type] = names[Math.floor(random() * names.length)];
      packets.push(buildQuery(randomCase(name, random), type, id++, random() < 0.5));
    }
  };
  queries(100);
  packets.push(new Uint8Array(0)); // empty datagram
  packets.push(new Uint8Array([0x12])); // shorter than a header
  packets.push(new Uint8Array([0xff, 0xf0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0])); // QDCOUNT 5, no questions
  const update = encodeMessage({
    id: 0x7777,
    flags: 0,
    opcode: 5,
    rcode: 0,
    questions: [{ name: ZONE, type: TYPE.SOA, class: 1 }],
    answers: [],
    authorities: [],
    additionals: [],
  });
  packets.push(signed ?? update);
  // More than a batch (64) after the UPDATE: its receive slot is reused while it is answered.
  queries(200);
  return { packets, queries: id - 1 };
}

/** Replies keyed by message ID, as hex. */
function byId(replies: Uint8Array[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const r of replies) {
    const id = (r[0] << 8) | r[1];
    assert.ok(!m.has(id), `two replies with ID ${id}`);
    m.set(id, Array.from(r, (b) => b.toString(16).padStart(2, "0")).join(""));
  }
  return m;
}

/**
 * The replies to a burst, by ID, after up to two resends of the queries (IDs 1..`queries`) left
 * unanswered. UDP drops a datagram when a socket buffer fills (the node's, or this client's
 * while it is still sending), which is not what this test compares; every query must still be
 * answered in the end, and identically.
 */
async function burstReplies(
  port: number,
  packets: Uint8Array[],
  queries: number,
): Promise<Map<number, string>> {
  const replies = byId(await udpBurst(port, packets));
  const idOf = (p: Uint8Array) => p.length >= 2 ? (p[0] << 8) | p[1] : -1;
  for (let round = 0; round < 2; round++) {
    const missing = packets.filter((p) => {
      const id = idOf(p);
      return id >= 1 && id <= queries && !replies.has(id);
    });
    if (missing.length === 0) break;
    for (const [id, hex] of byId(await udpBurst(port, missing))) {
      if (!replies.has(id)) replies.set(id, hex);
    }
  }
  return replies;
}

Deno.test({
  name: "batched UDP answers a burst of queries, junk and an UPDATE exactly as node:dgram does",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await freshDatabase();
    const now = Math.floor(Date.now() / 1000);
    await upsertZone(db.client, { name: ZONE, apexAaaa: ["2001:db8::15"] }, now);
    await applyRecordChanges(db.client, [
      { op: "add", zone: ZONE, name: `t1.${ZONE}`, type: "TXT", value: "one", ttl: 60 },
      { op: "add", zone: ZONE, name: `t2.${ZONE}`, type: "TXT", value: "two", ttl: 60 },
      { op: "add", zone: ZONE, name: `mb-00ff.slot-3.x.${ZONE}`, type: "TXT", value: "m", ttl: 60 },
    ], { now });
    await putTsigKey(db.client, await createSecretBox(SEALING_KEY), {
      name: KEY,
      algorithm: "hmac-sha256",
      secret: SECRET,
      allowedSuffixes: [`w.${ZONE}`],
      subject: "",
      registeredSpk: "",
      registeredX25519Pub: "",
      expiresAt: 0,
    }, now);
    const env = { DMP_DNS_UPDATE_ENABLED: "1", DMP_TSIG_SECRET_KEY: SEALING_KEY };
    const nodes: NodeProcess[] = [];
    try {
      // The default (auto) must find the addon npm install built: a missing build fails here.
      nodes.push(await startNodeProcess({ dbUrl: db.url, dir: db.dir, env }));
      nodes.push(
        await startNodeProcess({ dbUrl: db.url, env: { ...env, DMP_DNS_UDP_IO: "dgram" } }),
      );
      assert.match(nodes[0].logs(), /DMP node up: .*\(node, udp recvmmsg\)/);
      assert.doesNotMatch(nodes[0].logs(), /UDP through node:dgram/);
      assert.match(nodes[1].logs(), /DMP node up: .*\(node, udp node:dgram\)/);

      const { packets, queries } = burst();
      const [batched, plain] = [
        await burstReplies(nodes[0].dnsPort, packets, queries),
        await burstReplies(nodes[1].dnsPort, packets, queries),
      ];
      for (let id = 1; id <= queries; id++) assert.ok(batched.has(id), `query ${id} unanswered`);
      const update = batched.get(0x7777);
      assert.ok(update, "the UPDATE was not answered");
      assert.equal((parseInt(update.slice(4, 6), 16) >> 3) & 0xf, 5, "UPDATE reply opcode");
      assert.deepEqual(batched, plain);

      // A signed UPDATE amid a burst: it is verified and committed after awaits, while its
      // receive slot already holds later queries.
      const signed = await burstReplies(
        nodes[0].dnsPort,
        burst(await signedUpdate("w")).packets,
        queries,
      );
      for (let id = 1; id <= queries; id++) assert.ok(signed.has(id), `query ${id} unanswered`);
      const hex = signed.get(SIGNED_ID);
      assert.ok(hex, "the signed UPDATE was not answered");
      const reply = decodeMessage(Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16)));
      assert.ok(reply.ok && reply.message.rcode === 0, `signed UPDATE: ${JSON.stringify(reply)}`);
      const written = await readRecordsByName(db.client, [`w.${ZONE}`], Date.now() / 1000);
      assert.deepEqual(written.map((r) => r.value), ["w"]);
    } finally {
      for (const n of nodes) await n.stop();
      db.client.close();
    }
  },
});
