/**
 * UDP amplification (issue 12 #4) against a real node over loopback: the UDP
 * response cap (1232, TC=1 beyond, whatever EDNS size the client asks) and
 * response rate limiting per /24, response class and name, with slip.
 */
import assert from "node:assert/strict";
import { applyRecordChanges } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { CLASS, TYPE } from "../../packages/core/wire/constants.ts";
import { decodeMessage, encodeMessage } from "../../packages/core/wire/message.ts";
import { freshDatabase, startNodeProcess } from "../_support/node_process.ts";
import { tcpExchange, udpExchange, udpFromSources } from "../_support/raw_dns.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function ednsQuery(name: string, type: number, payload: number, id = 7): Uint8Array {
  return encodeMessage({
    id,
    flags: 0,
    opcode: 0,
    rcode: 0,
    questions: [{ name, type, class: CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: [{ name: "", type: TYPE.OPT, class: payload, ttl: 0, rdata: new Uint8Array(0) }],
  });
}

async function zoneWithBigRRset() {
  const db = await freshDatabase();
  const now = Date.now() / 1000;
  await upsertZone(db.client, { name: "amp.test" }, now);
  // The RRset: 31 values of 2 KB in one shared slot (~63 KB over UDP before).
  await applyRecordChanges(
    db.client,
    Array.from({ length: 31 }, (_, i) => ({
      op: "add" as const,
      zone: "amp.test",
      name: "slot.amp.test",
      type: "TXT",
      value: `${i}-` + "a".repeat(2000),
      ttl: 300,
      lifetime: 3600,
    })),
    { now },
  );
  await applyRecordChanges(db.client, [{
    op: "add",
    zone: "amp.test",
    name: "small.amp.test",
    type: "TXT",
    value: "hello",
    ttl: 300,
    lifetime: 3600,
  }], { now });
  return db;
}

Deno.test({
  name: "EDNS 65535 over UDP gets at most 1232 bytes with TC=1; TCP gets the whole RRset",
  ...opts,
  async fn() {
    const db = await zoneWithBigRRset();
    const node = await startNodeProcess({ dbUrl: db.url, dir: db.dir });
    try {
      const query = ednsQuery("slot.amp.test", TYPE.TXT, 65535);
      const reply = await udpExchange(node.dnsPort, query, 3000);
      assert.ok(reply, "answered");
      assert.ok(reply.length <= 1232, `${reply.length} bytes for a ${query.length}-byte query`);
      const m = decodeMessage(reply);
      assert.ok(m.ok);
      assert.ok(m.message.flags & 0x0200, "TC=1");
      assert.equal(m.message.answers.length, 0);
      const opt = m.message.additionals.find((r) => r.type === TYPE.OPT);
      assert.equal(opt?.class, 1232, "we advertise our own size");
      const [full] = await tcpExchange(node.dnsPort, [query], 1, 5000);
      const t = full && decodeMessage(full);
      assert.ok(t && t.ok, "TCP answered");
      assert.equal(t.message.answers.length, 31);
    } finally {
      await node.stop();
      db.client.close();
    }
  },
});

Deno.test({
  name: "RRL: a flood from one /24 gets `rate` answers a second, every 2nd limited one slips",
  ...opts,
  async fn() {
    const db = await zoneWithBigRRset();
    const node = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: { DMP_DNS_RRL_RATE: "2", DMP_DNS_RRL_SLIP: "2" },
    });
    try {
      // A spoofed flood "from" the victim's /24, spread over two of its addresses, with a
      // client of another /24 (127.0.1.1) asking the same name in between.
      const from: string[] = [];
      const packets: Uint8Array[] = [];
      for (let i = 0; i < 300; i++) {
        from.push(i % 2 ? "127.0.0.1" : "127.0.0.2");
        packets.push(ednsQuery("small.amp.test", TYPE.TXT, 1232, i));
        if (i % 30 === 0) {
          from.push("127.0.1.1");
          packets.push(ednsQuery("small.amp.test", TYPE.TXT, 1232, i));
        }
      }
      const started = Date.now();
      const replies = await udpFromSources(node.dnsPort, from, packets, { gapEvery: 20 });
      const elapsed = (Date.now() - started) / 1000;
      let full = 0;
      let slipped = 0;
      let bytes = 0;
      for (const addr of ["127.0.0.1", "127.0.0.2"]) {
        for (const r of replies.get(addr)!) {
          const m = decodeMessage(r);
          assert.ok(m.ok);
          bytes += r.length;
          if (m.message.flags & 0x0200) {
            assert.equal(m.message.answers.length, 0, "a slip carries no records");
            slipped++;
          } else {
            assert.equal(m.message.answers.length, 1);
            full++;
          }
        }
      }
      // Two addresses of one /24 share one bucket: burst 2 plus 2/s while the flood lasts.
      const bound = 2 + Math.ceil(2 * elapsed) + 1;
      assert.ok(full >= 2 && full <= bound, `${full} full answers > ${bound} (${elapsed} s)`);
      const limited = 300 - full;
      assert.ok(
        slipped <= Math.ceil(limited / 2) && slipped >= Math.floor(limited / 2) - 10,
        `${slipped} slips of ${limited} limited responses`,
      );
      assert.ok(bytes < 300 * 60, `${bytes} bytes reflected by 300 queries`);
      // Another network has its own bucket.
      const other = replies.get("127.0.1.1")!.filter((r) => !(r[2] & 0x02));
      assert.ok(other.length >= 2, `127.0.1.1 got ${other.length} full answers`);
      // TCP is not rate limited by RRL (its peers cannot be spoofed).
      const [tcp] = await tcpExchange(
        node.dnsPort,
        [ednsQuery("small.amp.test", TYPE.TXT, 1232)],
        1,
      );
      assert.ok(tcp && decodeMessage(tcp).ok && !(tcp[2] & 0x02));
      const metrics = await (await fetch(`http://127.0.0.1:${node.httpPort}/metrics`)).text();
      const count = (action: string) =>
        Number(
          new RegExp(
            `dmp_dns_rrl_responses_total\\{action="${action}",class="positive"\\} ([\\d.]+)`,
          ).exec(metrics)?.[1] ?? -1,
        );
      assert.ok(count("slip") >= slipped, `slip metric ${count("slip")} < ${slipped}`);
      assert.ok(count("drop") >= limited - slipped - 1, `drop metric ${count("drop")}`);
    } finally {
      await node.stop();
      db.client.close();
    }
  },
});

Deno.test({
  name: "RRL: random names below one delegation, under one wildcard or missing are one key each",
  ...opts,
  async fn() {
    const db = await freshDatabase();
    const now = Date.now() / 1000;
    await upsertZone(db.client, { name: "rrl.test", apexNs: ["ns1.rrl.test"] }, now);
    await applyRecordChanges(
      db.client,
      [
        ["sub.rrl.test", "NS", "ns1.sub.rrl.test"],
        ["ns1.sub.rrl.test", "A", "192.0.2.53"],
        ["*.wild.rrl.test", "TXT", "synthesized"],
      ].map(([name, type, value]) => ({
        op: "add" as const,
        zone: "rrl.test",
        name,
        type,
        value,
        ttl: 300,
        lifetime: 0,
      })),
      { now },
    );
    // Slip 0: every limited response is dropped, so each reply is a full answer.
    const node = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: { DMP_DNS_RRL_RATE: "2", DMP_DNS_RRL_SLIP: "0" },
    });
    try {
      const flood = async (name: (i: number) => string, type: number) => {
        const packets = Array.from({ length: 150 }, (_, i) => ednsQuery(name(i), type, 1232, i));
        const from = packets.map((_, i) => (i % 2 ? "127.0.0.1" : "127.0.0.2"));
        const started = Date.now();
        const replies = await udpFromSources(node.dnsPort, from, packets, { gapEvery: 20 });
        const elapsed = (Date.now() - started) / 1000;
        const all = [...replies.get("127.0.0.1")!, ...replies.get("127.0.0.2")!];
        return { all, bound: 2 + Math.ceil(2 * elapsed) + 1 };
      };
      // Each flood asks 150 distinct names: keyed on the qname, all 150 would be answered.
      const referral = await flood((i) => `r${i}-${crypto.randomUUID()}.sub.rrl.test`, TYPE.A);
      assert.ok(referral.all.length >= 2, "the first referrals are answered");
      assert.ok(
        referral.all.length <= referral.bound,
        `${referral.all.length} referrals > ${referral.bound}`,
      );
      for (const r of referral.all) {
        const m = decodeMessage(r);
        assert.ok(m.ok && !(m.message.flags & 0x0400), "a referral: AA=0");
        assert.equal(m.message.authorities[0]?.name, "sub.rrl.test");
        assert.equal(m.message.authorities[0]?.type, TYPE.NS);
      }
      const wild = await flood((i) => `w${i}-${crypto.randomUUID()}.wild.rrl.test`, TYPE.TXT);
      assert.ok(wild.all.length >= 2, "the first wildcard answers are sent");
      assert.ok(wild.all.length <= wild.bound, `${wild.all.length} wildcard answers`);
      for (const r of wild.all) {
        const m = decodeMessage(r);
        assert.ok(m.ok && m.message.answers.length === 1, "a synthesized answer");
      }
      const nx = await flood((i) => `n${i}-${crypto.randomUUID()}.rrl.test`, TYPE.TXT);
      assert.ok(nx.all.length >= 2 && nx.all.length <= nx.bound, `${nx.all.length} NXDOMAINs`);
      for (const r of nx.all) assert.equal(r[3] & 0xf, 3, "NXDOMAIN");
      // The classes are separate buckets, counted under their own metric labels.
      const metrics = await (await fetch(`http://127.0.0.1:${node.httpPort}/metrics`)).text();
      const floods = { referral, wildcard: wild, nxdomain: nx };
      for (const [cls, f] of Object.entries(floods)) {
        const dropped = Number(
          new RegExp(`dmp_dns_rrl_responses_total\\{action="drop",class="${cls}"\\} ([\\d.]+)`)
            .exec(metrics)?.[1] ?? -1,
        );
        assert.equal(dropped, 150 - f.all.length, `${cls}: every unanswered query was dropped`);
      }
    } finally {
      await node.stop();
      db.client.close();
    }
  },
});
