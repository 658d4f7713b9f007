/**
 * The per-recipient limit on anonymous claims (brief §3.6) against a real
 * node over UDP: claims to recipients whose hashes collide with the victim's
 * in the limiter's table do not refill the victim's bucket (issue 12 #5:
 * 640 anonymous claims filled a recipient's slots that way).
 */
import assert from "node:assert/strict";
import { claimOwnerName, signClaimWire } from "../../packages/core/dmp/claim_record.ts";
import { FNV1A_START, fnv1aStep } from "../../packages/core/hash/fnv1a.ts";
import { TABLE_WAYS } from "../../packages/core/rate_limit/token_bucket_table.ts";
import { readRecordsByName } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { CLASS, RCODE, TYPE } from "../../packages/core/wire/constants.ts";
import { decodeMessage, encodeMessage } from "../../packages/core/wire/message.ts";
import { encodeTxtRdata } from "../../packages/core/wire/rdata.ts";
import { freshDatabase, startNodeProcess } from "../_support/node_process.ts";
import { udpExchange } from "../_support/raw_dns.ts";
import { seededRandom } from "../_support/seeded_random.ts";

const ZONE = "claims.test";

function hash(s: string): number {
  let h = FNV1A_START;
  for (let i = 0; i < s.length; i++) h = fnv1aStep(h, s.charCodeAt(i));
  return (h >>> 0) || 1;
}

/** Recipient hashes that land in the victim's set of the node's 65536-slot claim table. */
function collidingRecipients(victim: string, count: number): string[] {
  const mask = 65536 / TABLE_WAYS - 1;
  const rand = seededRandom(12);
  const out: string[] = [];
  while (out.length < count) {
    const h12 = Array.from({ length: 12 }, () => Math.floor(rand() * 16).toString(16)).join("");
    if ((hash(h12) & mask) === (hash(victim) & mask) && hash(h12) !== hash(victim)) out.push(h12);
  }
  return out;
}

let msgCounter = 0;

async function claimUpdate(recipient: string, seed: Uint8Array): Promise<Uint8Array> {
  const now = Math.floor(Date.now() / 1000);
  const msgId = new Uint8Array(16);
  new DataView(msgId.buffer).setUint32(0, ++msgCounter);
  const wire = await signClaimWire({
    msgId,
    senderMailboxDomain: "sender.example",
    slot: 1,
    ts: now,
    exp: now + 600,
  }, seed);
  return encodeMessage({
    id: msgCounter & 0xffff,
    flags: 0,
    opcode: 5,
    rcode: 0,
    questions: [{ name: ZONE, type: TYPE.SOA, class: CLASS.IN }],
    answers: [],
    authorities: [{
      name: claimOwnerName(1, recipient, ZONE),
      type: TYPE.TXT,
      class: CLASS.IN,
      ttl: 300,
      rdata: encodeTxtRdata(wire),
    }],
    additionals: [],
  });
}

async function rcodeOf(port: number, packet: Uint8Array): Promise<number> {
  const reply = await udpExchange(port, packet, 5000);
  assert.ok(reply, "the UPDATE was answered");
  const m = decodeMessage(reply);
  assert.ok(m.ok);
  return m.message.rcode;
}

Deno.test({
  name: "claims to colliding recipients do not refill a drained recipient's claim bucket",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await freshDatabase();
    await upsertZone(db.client, { name: ZONE }, Date.now() / 1000);
    const node = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: {
        DMP_DNS_UPDATE_ENABLED: "1",
        DMP_CLAIM_RATE_PER_USER_PER_SEC: "0.001",
        DMP_CLAIM_RATE_BURST: "5",
      },
    });
    try {
      const seed = new Uint8Array(32).fill(9);
      const victim = "0123456789ab";
      const colliders = collidingRecipients(victim, TABLE_WAYS * 2);
      for (let i = 0; i < 5; i++) {
        assert.equal(await rcodeOf(node.dnsPort, await claimUpdate(victim, seed)), RCODE.NOERROR);
      }
      assert.equal(await rcodeOf(node.dnsPort, await claimUpdate(victim, seed)), RCODE.SERVFAIL);
      let accepted = 0;
      for (let i = 0; i < 40; i++) {
        await rcodeOf(node.dnsPort, await claimUpdate(colliders[i % colliders.length], seed));
        if (await rcodeOf(node.dnsPort, await claimUpdate(victim, seed)) === RCODE.NOERROR) {
          accepted++;
        }
      }
      assert.equal(accepted, 0, "claims to the victim accepted after collisions");
      const stored = await readRecordsByName(
        db.client,
        [claimOwnerName(1, victim, ZONE)],
        Date.now() / 1000,
      );
      assert.equal(stored.length, 5, "the recipient holds its burst of claims, no more");
    } finally {
      await node.stop();
      db.client.close();
    }
  },
});
