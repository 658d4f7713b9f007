/**
 * A corpus of malformed packets (truncated headers, compression loops,
 * oversized labels, bad OPT/TSIG, random bytes) sent to a running node over
 * UDP and TCP: every one gets FORMERR or is dropped, and the node keeps
 * answering. Also the same corpus through the pure pipeline, in-process.
 */
import assert from "node:assert/strict";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { applyRecordChanges } from "../../packages/core/store/records.ts";
import { TYPE } from "../../packages/core/wire/constants.ts";
import { ZoneIndex } from "../../packages/core/zone/zone_index.ts";
import { answerQuery } from "../../apps/udp-node/pipeline/answer_query.ts";
import { dig } from "../_support/dig.ts";
import { freshDatabase, type NodeProcess, startNodeProcess } from "../_support/node_process.ts";
import { buildQuery, tcpExchange, udpExchange } from "../_support/raw_dns.ts";
import { seededRandom } from "../_support/seeded_random.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function corpus(): { name: string; bytes: Uint8Array }[] {
  const q = buildQuery("www.fuzz.test", TYPE.TXT);
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (let i = 0; i < 12; i++) out.push({ name: `truncated header ${i}`, bytes: q.slice(0, i) });
  for (let i = 13; i < q.length; i++) {
    out.push({ name: `truncated question ${i}`, bytes: q.slice(0, i) });
  }
  const loop = q.slice();
  loop[12] = 0xc0;
  loop[13] = 12; // pointer to itself
  out.push({ name: "compression loop in question", bytes: loop });
  const fwd = q.slice();
  fwd[12] = 0xc0;
  fwd[13] = 40; // forward pointer past the end
  out.push({ name: "forward compression pointer", bytes: fwd });
  const big = q.slice();
  big[12] = 64; // label length 64 > 63
  out.push({ name: "oversized label", bytes: big });
  const extLabel = q.slice();
  extLabel[12] = 0x40; // extended label type (RFC 6891 obsolete)
  out.push({ name: "extended label type", bytes: extLabel });
  const counts = q.slice();
  counts[6] = 0xff;
  counts[7] = 0xff; // ANCOUNT 65535 with no records
  out.push({ name: "huge ANCOUNT", bytes: counts });
  const ar = q.slice();
  ar[11] = 3; // ARCOUNT 3, nothing there
  out.push({ name: "ARCOUNT without records", bytes: ar });
  // OPT with rdlength past the end, and two OPTs.
  const opt = new Uint8Array([...q, 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 50]);
  opt[11] = 1;
  out.push({ name: "OPT RDATA past the end", bytes: opt });
  const twoOpt = new Uint8Array([
    ...q,
    0,
    0,
    41,
    16,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    41,
    16,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  twoOpt[11] = 2;
  out.push({ name: "two OPT records", bytes: twoOpt });
  // A TSIG RR with garbage RDATA.
  const tsig = new Uint8Array([...q, 1, 107, 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5]);
  tsig[11] = 1;
  out.push({ name: "garbage TSIG", bytes: tsig });
  const upd = q.slice();
  upd[2] = 5 << 3; // UPDATE with a TXT "zone"
  out.push({ name: "UPDATE with a non-SOA zone", bytes: upd });
  const resp = q.slice();
  resp[2] |= 0x80;
  out.push({ name: "a response (QR=1)", bytes: resp });
  out.push({ name: "trailing garbage", bytes: new Uint8Array([...q, 1, 2, 3]) });
  const rnd = seededRandom(20261122);
  for (let i = 0; i < 300; i++) {
    const len = Math.floor(rnd() * 600);
    const b = new Uint8Array(len);
    for (let j = 0; j < len; j++) b[j] = Math.floor(rnd() * 256);
    out.push({ name: `random ${i}`, bytes: b });
  }
  for (let i = 0; i < 300; i++) {
    const b = q.slice();
    const flips = 1 + Math.floor(rnd() * 4);
    for (let f = 0; f < flips; f++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    out.push({ name: `mutated ${i}`, bytes: b });
  }
  return out;
}

Deno.test("the pure pipeline never throws on the corpus", () => {
  const index = new ZoneIndex();
  index.replaceZone({
    name: "fuzz.test",
    soaMname: "",
    soaRname: "",
    soaRefresh: 1,
    soaRetry: 1,
    soaExpire: 1,
    soaMinimum: 1,
    serial: 1,
  }, []);
  // UDP, and DoT (keepalive and padding added to answers of queries that carry the options).
  const dot = { keepalive: 50, padBlock: 468 };
  for (const c of corpus()) {
    for (const transport of [{ tcp: false, now: 1 }, { tcp: true, now: 1, stream: dot }]) {
      const r = answerQuery(c.bytes, index, { maxTtl: 60 }, transport);
      if (r.kind === "reply") {
        assert.ok(r.bytes.length >= 12, c.name);
        assert.ok((r.bytes[2] & 0x80) !== 0, `${c.name}: QR set`);
      }
    }
  }
});

let node: NodeProcess;

Deno.test({
  name: "a running node survives the corpus over UDP and TCP and keeps answering",
  ...opts,
  async fn() {
    const db = await freshDatabase();
    await upsertZone(
      db.client,
      { name: "fuzz.test", apexNs: ["ns1.fuzz.test"] },
      Date.now() / 1000,
    );
    await applyRecordChanges(db.client, [{
      op: "add",
      zone: "fuzz.test",
      name: "www.fuzz.test",
      type: "TXT",
      value: "alive",
      ttl: 60,
    }], { now: Date.now() / 1000 });
    node = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: { DMP_DNS_UPDATE_ENABLED: "1" },
    });
    try {
      const cases = corpus();
      let formerr = 0;
      for (const c of cases) {
        const reply = await udpExchange(node.dnsPort, c.bytes, 60);
        if (reply) {
          assert.ok((reply[2] & 0x80) !== 0, `${c.name}: a reply is a response`);
          if ((reply[3] & 0xf) === 1) formerr++;
        }
      }
      assert.ok(formerr > 10, `FORMERR answers: ${formerr}`);
      // TCP: a batch of malformed frames on one connection, then a good one on a new connection.
      await tcpExchange(
        node.dnsPort,
        cases.slice(0, 40).map((c) => c.bytes).filter((b) => b.length > 0),
        40,
        1000,
      );
      const ok = await dig(node.dnsPort, "www.fuzz.test", "TXT");
      assert.equal(ok.status, "NOERROR");
      const tcp = await dig(node.dnsPort, "www.fuzz.test", "TXT", ["+tcp"]);
      assert.equal(tcp.status, "NOERROR");
      const metrics = await (await fetch(`http://127.0.0.1:${node.httpPort}/metrics`)).text();
      assert.match(metrics, /outcome="formerr"/);
      assert.doesNotMatch(metrics, /outcome="internal_error"/);
    } finally {
      assert.equal(await node.stop(), 0, node.logs());
      db.client.close();
    }
  },
});
