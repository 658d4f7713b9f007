/**
 * Signed answers are the largest a node sends over UDP, and each answer to a
 * new name costs a signature: a spoofed DO=1 random-subdomain flood against a
 * signed zone (a real node, real sockets) is response-rate-limited like
 * unsigned answers, keyed on the zone, with slip.
 */
import assert from "node:assert/strict";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { enableZoneSigning } from "../../packages/core/store/dnssec_keys.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { CLASS, TYPE } from "../../packages/core/wire/constants.ts";
import { decodeMessage, encodeMessage } from "../../packages/core/wire/message.ts";
import { freshDatabase, startNodeProcess } from "../_support/node_process.ts";
import { udpFromSources } from "../_support/raw_dns.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const SEALING_KEY = "7e".repeat(32);

function doQuery(name: string, id: number): Uint8Array {
  return encodeMessage({
    id,
    flags: 0,
    opcode: 0,
    rcode: 0,
    questions: [{ name, type: TYPE.A, class: CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: [{ name: "", type: TYPE.OPT, class: 1232, ttl: 0x8000, rdata: new Uint8Array(0) }],
  });
}

Deno.test({
  name: "RRL: a DO=1 random-subdomain flood against a signed zone is limited per zone, with slip",
  ...opts,
  async fn() {
    const db = await freshDatabase();
    const now = Date.now() / 1000;
    await upsertZone(db.client, { name: "rrl.signed.test" }, now);
    await enableZoneSigning(
      db.client,
      await createSecretBox(SEALING_KEY),
      "rrl.signed.test",
      13,
      now,
    );
    const node = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: { DMP_TSIG_SECRET_KEY: SEALING_KEY, DMP_DNS_RRL_RATE: "2", DMP_DNS_RRL_SLIP: "2" },
    });
    try {
      const from: string[] = [];
      const packets: Uint8Array[] = [];
      for (let i = 0; i < 200; i++) {
        from.push(i % 2 ? "127.0.0.1" : "127.0.0.2");
        packets.push(doQuery(`r${i}x.rrl.signed.test`, i));
      }
      const started = Date.now();
      const replies = await udpFromSources(node.dnsPort, from, packets, { gapEvery: 20 });
      const elapsed = (Date.now() - started) / 1000;
      let full = 0;
      let slipped = 0;
      for (const addr of ["127.0.0.1", "127.0.0.2"]) {
        for (const r of replies.get(addr)!) {
          const m = decodeMessage(r);
          assert.ok(m.ok);
          if (m.message.flags & 0x0200) {
            assert.equal(m.message.authorities.length, 0, "a slip carries no records");
            slipped++;
          } else {
            // A full answer is the signed black lie: SOA, NSEC and their RRSIGs.
            assert.deepEqual(
              m.message.authorities.map((a) => a.type),
              [TYPE.SOA, TYPE.RRSIG, TYPE.NSEC, TYPE.RRSIG],
            );
            full++;
          }
        }
      }
      // Every name differs, yet the flood is one key (the zone): burst 2 plus 2/s.
      const bound = 2 + Math.ceil(2 * elapsed) + 1;
      assert.ok(full >= 1 && full <= bound, `${full} full answers > ${bound} (${elapsed} s)`);
      assert.ok(slipped >= 1, "limited responses slip");
      assert.ok(full + slipped < 200, "limited responses are dropped between slips");
    } finally {
      await node.stop();
      db.client.close();
    }
  },
});
